// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_loss.bpf.c - a lossy link for the collectives' tests on kernels
 * without netem (selftests/tools/coll_loss.c attaches it at TC egress of
 * a bridge port): every frame is dropped with probability
 * loss_thresh / 2^32, so 2^32 drops them all.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

const volatile __u64 loss_thresh;	/* set before the load */

SEC("tc")
int test_loss(struct __sk_buff *skb)
{
	(void)skb;
	if ((__u64)bpf_get_prandom_u32() < loss_thresh)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
