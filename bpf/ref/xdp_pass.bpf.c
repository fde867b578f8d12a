// SPDX-License-Identifier: BSD-2-Clause
/*
 * xdp_pass.bpf.c - the smallest XDP program: pass everything.  bench/
 * measures it as the floor of BPF_PROG_TEST_RUN, and bench/rtt.sh
 * attaches it to the client's veth so that frames the server sends with
 * XDP_TX reach the client (a veth delivers XDP_TX frames only into a
 * peer whose NAPI is on: peer with an XDP program, or with GRO enabled).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int ref_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
