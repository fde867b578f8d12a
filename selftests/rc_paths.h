/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_paths.h - a test case on the kernel's execution paths, judged against
 * the case's expectations (which are the reference interpreter's results):
 * the translated program at XDP or TC (IPv4 or IPv6, loops as bpf_loop
 * callbacks or inline) and the in-kernel interpreter (traced or not).
 * Everything a result holds is compared: action, fault and pc, the frame
 * that leaves (lengths and checksums), data area, windows, sends (captured
 * on the loopback device given to rc_paths_init) and up-calls (the ring),
 * and with trace the executed instructions and stack high-water mark.
 *
 *	rc_paths_init(interp, capture_fd);
 *	if (rc_paths_open(c, &mode, &ph, why, sizeof(why)) == RC_PATHS_LOADED) {
 *		fails = rc_paths_run(ph, 4, false, why, sizeof(why));
 *		rc_paths_close(ph);
 *	}
 */
#ifndef RC_PATHS_H
#define RC_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include "rc_case.h"
#include "rcode_handler.h"

struct rc_paths_mode {
	enum rcode_path kind;	/* RCODE_PATH_XLATE or RCODE_PATH_INTERP */
	bool inline_loops;	/* loops unrolled as without the JIT */
	bool trace;		/* interpreter: count insns and stack_max */
	bool tc;		/* translated into a TC program */
};

/* What rc_paths_open() made of a case on a path. */
enum rc_paths_load {
	RC_PATHS_LOADED,	/* *out is ready to run */
	RC_PATHS_NOT_APPLICABLE,/* inline without loops, XDP with send, TC
				 * without, no interpreter, no runs */
	RC_PATHS_SEND_REFUSED,	/* the interpreter refused send, as it must */
	RC_PATHS_UNSUPPORTED,	/* rcode2bpf says it cannot (-EOPNOTSUPP) */
	RC_PATHS_REFUSED,	/* R-code's verifier accepted, the kernel
				 * refused: a soundness bug */
	RC_PATHS_BROKEN,	/* anything else went wrong; why says what */
};

/* The in-kernel interpreter (NULL: its paths do not apply) and the
 * AF_PACKET socket of rcode_pkt_private_lo() for TC's copies. */
void rc_paths_init(struct rcode_interp *ip, int lo_capture_fd);

struct rc_paths_handler;
/* Load c's handler for mode m.  Returns an enum rc_paths_load; why says
 * why for UNSUPPORTED, REFUSED and BROKEN. */
int rc_paths_open(const struct rc_case *c, const struct rc_paths_mode *m,
		  struct rc_paths_handler **out, char *why, size_t size);
/* The loader's diagnostics (a kernel refusal's log excerpt). */
const struct rc_diags *rc_paths_diags(const struct rc_paths_handler *ph);
/* Every run of the case over IP version ipver (4 or 6), data area and
 * windows carrying over.  Returns the number of runs that disagree, or
 * -errno.  quiet: print nothing, the first failure's reason into why;
 * otherwise FAIL lines as rc_case_run_all() prints them. */
int rc_paths_run(struct rc_paths_handler *ph, int ipver, bool quiet,
		 char *why, size_t size);
void rc_paths_close(struct rc_paths_handler *ph);

#endif /* RC_PATHS_H */
