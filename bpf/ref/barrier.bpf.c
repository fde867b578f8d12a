// SPDX-License-Identifier: BSD-2-Clause
/*
 * barrier.bpf.c - examples/barrier.r written by hand in C: count arrivals
 * tagged with the generation being counted; the NPROCS-th opens the
 * barrier by writing the generation into the window 'released' and starts
 * the next generation.  Arrivals are consumed; a message for another
 * generation is passed up untouched.
 */
#include "ref_common.h"

#define BARRIER_PORTAL	9
#define BARRIER_NPROCS	4

struct barrier_state {
	__u64 arrived;		/* arrivals in the current generation */
	__u64 generation;	/* generation being counted */
};

struct barrier_released {
	__u64 generation;	/* released+0: last generation completed */
};

RC_REF_STATE(struct barrier_state);
RC_REF_WINDOW(released, struct barrier_released);

SEC("xdp")
int ref_barrier(struct xdp_md *ctx)
{
	struct rc_handler_stats *st = ref_stats();
	struct barrier_released *w;
	struct barrier_state *s;
	struct ref_msg m;
	__u32 key = 0;
	__u64 tag;

	if (!st)
		return XDP_PASS;
	if (ref_parse(ctx, BARRIER_PORTAL, &m)) {
		st->not_for_us++;
		return XDP_PASS;
	}
	st->invocations++;
	s = bpf_map_lookup_elem(&state, &key);
	w = bpf_map_lookup_elem(&win_released, &key);
	if (!s || !w)
		return XDP_PASS;	/* not reached: one-entry arrays */

	tag = bpf_ntohl(m.rh->tag);
	if (tag != *(volatile __u64 *)&s->generation) {
		st->pass++;	/* stray: another generation */
		return XDP_PASS;
	}
	if (__sync_fetch_and_add(&s->arrived, 1) + 1 == BARRIER_NPROCS) {
		/* In the R-code's order: the window first, so a waiter
		 * that sees it open finds the next generation set up
		 * no later than the next arrival does. */
		w->generation = tag;
		s->arrived = 0;
		s->generation = tag + 1;
	}
	st->drop++;
	return XDP_DROP;
}

char _license[] SEC("license") = "Dual BSD/GPL";
