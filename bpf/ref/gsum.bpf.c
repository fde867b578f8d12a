// SPDX-License-Identifier: BSD-2-Clause
/*
 * gsum.bpf.c - examples/gsum.r written by hand in C: one node's fan-in
 * step of a global sum over NCHILD children.  Each value is added to the
 * sum atomically before the arrival is counted, so whoever counts the
 * last arrival sees every value; it writes the total into its message and
 * into the window 'result', counts the round, resets the data area and
 * passes the message up.  The others are consumed.
 */
#include "ref_common.h"

#define GSUM_PORTAL	7
#define GSUM_NCHILD	3
#define GSUM_PC_LDP64	4		/* 'ldp64 0' in examples/gsum.r */

struct gsum_state {
	__u64 sum;		/* partial sum of this round */
	__u64 count;		/* arrivals in this round */
	__u64 rounds;		/* completed rounds */
};

struct gsum_result {
	__u64 total;		/* result+0: last total */
	__u64 rounds;		/* result+1: rounds completed */
};

RC_REF_STATE(struct gsum_state);
RC_REF_WINDOW(result, struct gsum_result);

SEC("xdp")
int ref_gsum(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct rc_handler_stats *st = ref_stats();
	struct gsum_result *w;
	struct gsum_state *s;
	struct ref_msg m;
	__u64 *word, v, total, rounds;
	__u32 key = 0;

	if (!st)
		return XDP_PASS;
	if (ref_parse(ctx, GSUM_PORTAL, &m)) {
		st->not_for_us++;
		return XDP_PASS;
	}
	st->invocations++;
	if (m.len < 8) {
		st->pass++;	/* no value: passed on untouched */
		return XDP_PASS;
	}
	word = (__u64 *)m.payload;
	if ((void *)(word + 1) > data_end)	/* see echo.bpf.c */
		return ref_fault(st, GSUM_PC_LDP64, RC_REF_FAULT_MSG_BOUNDS);
	s = bpf_map_lookup_elem(&state, &key);
	w = bpf_map_lookup_elem(&win_result, &key);
	if (!s || !w)
		return XDP_PASS;	/* not reached: one-entry arrays */

	v = *word;
	__sync_fetch_and_add(&s->sum, v);
	if (__sync_fetch_and_add(&s->count, 1) != GSUM_NCHILD - 1) {
		st->drop++;
		return XDP_DROP;
	}

	/* Last arrival: every other value is in the sum already. */
	total = *(volatile __u64 *)&s->sum;
	*word = total;
	w->total = total;
	rounds = __sync_fetch_and_add(&s->rounds, 1) + 1;
	w->rounds = rounds;
	s->sum = 0;
	s->count = 0;
	/* The message goes up edited: the stack checks its checksum. */
	ref_csum_update(&m, csum_diff64(v, total));
	st->pass++;
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
