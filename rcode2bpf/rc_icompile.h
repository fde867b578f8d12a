/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_icompile.h - R-code in, the in-kernel interpreter's code out
 * (bpf/rc_icode.h explains the format, docs/interp.md the design).
 */
#ifndef RC_ICOMPILE_H
#define RC_ICOMPILE_H

#include <stdint.h>
#include "rc_icode.h"
#include "rcode.h"

struct rc_diags;

/* Name of a uop ("ADD_I"), NULL if op is not one. */
const char *rc_uop_name(unsigned int op);
/* Its one-line semantics. */
const char *rc_uop_text(unsigned int op);

/*
 * Compile a verified program (vi is rc_verify's result) into ic, which
 * the caller allocated (sizeof(struct rc_icode), about 128 KiB).  flags
 * comes from the translator's plan (RC_IC_F_*).  pc_uop, if not NULL,
 * gets for each R-code pc the fused uop that counts it (-1: unreachable).
 * Returns 0, or -E2BIG with an error in d if the code does not fit (it
 * always does for a program within RC_CODE_MAX), or -EOPNOTSUPP if a
 * reachable 'send' needs TC (rc_icode_refuse_send() says so in d).
 */
int rc_icode_build(const struct rc_prog *prog, const struct rc_verinfo *vi,
		   uint32_t flags, struct rc_icode *ic, int32_t *pc_uop,
		   struct rc_diags *d);

/* The interpreter runs at XDP only: record why a handler whose 'send' at
 * pc (rc_verinfo.tc_pc) needs TC cannot run there. */
void rc_icode_refuse_send(const struct rc_prog *prog, uint32_t pc,
			  struct rc_diags *d);

/* The fused stream as text, each uop under the R-code it stands for;
 * runs[i], if not NULL, is printed beside uop i (tracing).  *text is
 * malloc'd.  Returns 0 or -ENOMEM. */
int rc_icode_listing(const struct rc_prog *prog, const struct rc_icode *ic,
		     const uint64_t *runs, char **text);

/* Executed-instruction counts per R-code pc from per-uop run counts:
 * each run of a uop counts once for every instruction it stands for. */
void rc_icode_pc_counts(const struct rc_prog *prog, const struct rc_icode *ic,
			const uint64_t *runs, uint64_t *pc_counts);

#endif /* RC_ICOMPILE_H */
