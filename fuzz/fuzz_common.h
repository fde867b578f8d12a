/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_common.h - what rcode's libFuzzer harnesses share: a property
 * check that aborts with a message (so libFuzzer keeps the input as a
 * crash), and the backends run on a verified program.
 *
 * Each harness checks properties, not only that nothing crashes: a
 * decoded binary re-encodes to the same bytes, assembled text survives
 * disassembly, a verified program never raises 'illegal' and both
 * compilers take it, a wire message re-encodes to itself.
 */
#ifndef RC_FUZZ_COMMON_H
#define RC_FUZZ_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "rc_icompile.h"
#include "rc_xlate.h"
#include "rcode.h"

#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz property failed: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

/*
 * A program rc_verify() accepted: run it on the reference interpreter on
 * a message made of the input's bytes (it must never fault 'illegal',
 * which only unverified code can raise), and compile it with both
 * compilers in every mode (no kernel: the translator's map descriptors
 * are placeholders).  They may refuse with a reason (-EOPNOTSUPP, -E2BIG,
 * -ERANGE with a diagnostic), never crash or fail silently.
 */
static inline void fuzz_backends(const struct rc_prog *p,
				 const struct rc_verinfo *vi,
				 const uint8_t *data, size_t size)
{
	static struct rc_icode ic;
	struct rc_xlate_maps maps = { .state_fd = 100, .stats_fd = 101,
		.snapshot_fd = 102, .frame_fd = 103, .ranks_fd = 104,
		.upcall_fd = 105, .scratch_fd = 106 };
	uint64_t state[RC_STATE_MAX] = { 0 };
	static uint64_t win[RC_WINDOWS_MAX][RC_WINDOW_WORDS_MAX];
	struct rc_ranks ranks = { .nranks = 4, .self = 1 };
	struct rc_env env = { .state = state, .ranks = &ranks,
			      .clock_ns = 12345 };
	struct rc_result res;
	struct rc_msg msg = { .hdr = { .version = RC_WIRE_VERSION,
				       .portal = (uint16_t)p->portal } };
	struct rc_diags d;
	int err;

	for (int k = 0; k < RC_WINDOWS_MAX; k++) {
		maps.window_fd[k] = 110 + k;
		env.windows[k] = win[k];
	}
	msg.hdr.len = size > RC_PAYLOAD_MAX ? RC_PAYLOAD_MAX : (uint16_t)size;
	memcpy(msg.payload, data, msg.hdr.len);
	msg.hdr.tag = size ? data[0] : 0;
	memset(win, 0, sizeof(win));
	rc_run(p, &msg, &env, &res);
	FUZZ_CHECK(res.fault != RC_FAULT_ILLEGAL,
		   "verified program %s raised 'illegal' at pc %u", p->name,
		   res.fault_pc);
	FUZZ_CHECK(res.insns <= p->budget, "ran %llu instructions, budget %u",
		   (unsigned long long)res.insns, p->budget);
	FUZZ_CHECK(res.action > RC_ACT_NONE && res.action < RC_ACT__COUNT,
		   "action %u", res.action);

	for (int mode = 0; mode < 3; mode++) {
		struct rc_xlate_opts o = { .sz = sizeof(o),
					   .no_callbacks = mode == 1,
					   .tc = mode == 2 };
		struct rc_xlate_out out = { 0 };

		rc_diags_init(&d);
		err = rc_xlate(p, vi, &maps, &o, &out, &d);
		FUZZ_CHECK(!err || ((err == -EOPNOTSUPP || err == -E2BIG ||
				     err == -ERANGE) && d.nerrors),
			   "rc_xlate mode %d: %d without a reason", mode, err);
		FUZZ_CHECK(err || out.ninsns > 0, "rc_xlate: empty program");
		rc_xlate_out_free(&out);
		rc_diags_free(&d);
	}
	rc_diags_init(&d);
	err = rc_icode_build(p, vi, RC_IC_F_SNAPSHOT | RC_IC_F_EDITS, &ic,
			     NULL, &d);
	FUZZ_CHECK(!err || (err == -EOPNOTSUPP && vi->needs_tc && d.nerrors),
		   "rc_icode_build: %d", err);
	rc_diags_free(&d);
}

#endif
