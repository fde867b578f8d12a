// SPDX-License-Identifier: BSD-2-Clause
/*
 * echo.bpf.c - examples/echo.r written by hand in C: answer every message
 * on portal 2 with itself, the first payload word (if there is one)
 * incremented and the tag set to "echo", sent back with XDP_TX.
 */
#include "ref_common.h"

#define ECHO_PORTAL	2
#define ECHO_ANSWERED	0x6563686f	/* "echo" */
#define ECHO_PC_LDP64	4		/* 'ldp64 0' in examples/echo.r */

SEC("xdp")
int ref_echo(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct rc_handler_stats *st = ref_stats();
	struct ref_msg m;
	__u64 diff;
	__u32 tag;

	if (!st)
		return XDP_PASS;
	if (ref_parse(ctx, ECHO_PORTAL, &m)) {
		st->not_for_us++;
		return XDP_PASS;
	}
	st->invocations++;

	diff = 0;
	if (m.len >= 8) {
		__u64 *word = (__u64 *)m.payload, v;

		/* Never true after ref_parse(), but the verifier needs the
		 * compare, and it is the R-code's bounds check: nothing
		 * has been edited yet, so the message goes up as it came. */
		if ((void *)(word + 1) > data_end)
			return ref_fault(st, ECHO_PC_LDP64,
					 RC_REF_FAULT_MSG_BOUNDS);
		v = *word;	/* little-endian, as ldp64 reads it */
		*word = v + 1;
		diff += csum_diff64(v, v + 1);
	}
	tag = m.rh->tag;
	m.rh->tag = bpf_htonl(ECHO_ANSWERED);
	diff += csum_diff32(tag, m.rh->tag);
	diff += ref_clear_flags(&m);

	ref_turn_around(&m);
	ref_csum_update(&m, diff);
	st->reply++;
	return XDP_TX;
}

char _license[] SEC("license") = "Dual BSD/GPL";
