// SPDX-License-Identifier: BSD-2-Clause
/*
 * counter.bpf.c - examples/counter.r written by hand in C: count every
 * message on portal 1 in the data area and in the window 'hits', keep the
 * tag of the last one in hits+1, and consume the message.
 */
#include "ref_common.h"

#define COUNTER_PORTAL	1

struct counter_state {
	__u64 total;		/* messages seen since installation */
};

struct counter_hits {
	__u64 count;		/* hits+0: the application's copy of total */
	__u64 last_tag;		/* hits+1: tag of the last message */
};

RC_REF_STATE(struct counter_state);
RC_REF_WINDOW(hits, struct counter_hits);

SEC("xdp")
int ref_counter(struct xdp_md *ctx)
{
	struct rc_handler_stats *st = ref_stats();
	struct counter_state *s;
	struct counter_hits *w;
	struct ref_msg m;
	__u32 key = 0;

	if (!st)
		return XDP_PASS;
	if (ref_parse(ctx, COUNTER_PORTAL, &m)) {
		st->not_for_us++;
		return XDP_PASS;
	}
	st->invocations++;
	s = bpf_map_lookup_elem(&state, &key);
	w = bpf_map_lookup_elem(&win_hits, &key);
	if (!s || !w)
		return XDP_PASS;	/* not reached: one-entry arrays */

	/* The old values are not needed, so clang emits BPF_ATOMIC add
	 * without BPF_FETCH; the R-code pops them just the same. */
	__sync_fetch_and_add(&s->total, 1);
	__sync_fetch_and_add(&w->count, 1);
	w->last_tag = bpf_ntohl(m.rh->tag);
	st->drop++;
	return XDP_DROP;
}

char _license[] SEC("license") = "Dual BSD/GPL";
