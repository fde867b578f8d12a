// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_dispatch.bpf.c - the XDP entry point of rcode (docs/dispatch.md).
 *
 * Finds R-messages (docs/wire.md) among the packets of one interface and
 * tail-calls the handler installed for the message's portal.  Everything
 * else, malformed R-messages included, is passed on untouched: the
 * dispatcher never writes to the packet and never drops.
 *
 * Contract with the handlers in `portals': when a handler runs, the packet
 * is Ethernet + IPv4 (IHL 5, not a fragment) or IPv6 (next header UDP),
 * then UDP to the R-message port whose length fits in the packet, then a
 * version-1 R header whose len is exactly the UDP payload minus 24 (at most
 * RC_ABI_PAYLOAD_MAX) and whose portal is the slot the handler sits in.
 * Handlers still need their own bounds checks for the kernel's verifier.
 *
 * Built to be one of several XDP programs on an interface: libxdp loads it
 * as an freplace (EXT) program behind its own dispatcher, and the run
 * config below says where it runs in the chain and that the next program
 * runs when we (or the handler) return XDP_PASS.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "rc_abi.h"

#if __has_include(<xdp/xdp_helpers.h>)
#include <xdp/xdp_helpers.h>
#else
/* As xdp-tools' xdp_helpers.h defines them (libxdp reads the section). */
#define _CONCAT(x, y) x##y
#define XDP_RUN_CONFIG(f) _CONCAT(_, f) SEC(".xdp_run_config")
#endif

/* The UDP port R-messages are sent to, host order; the loader sets it. */
const volatile __u16 rc_udp_port = RC_ABI_DEFAULT_PORT;

/*
 * portal number -> handler.  A prog array cannot carry BTF for its key and
 * value (the kernel refuses it), so only the map definition is in BTF.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, RC_ABI_PORTALS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} portals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rc_dispatch_stats);
} dispatch_stats SEC(".maps");

/*
 * libxdp's chain: priority 50 is libxdp's default, so programs loaded
 * without a preference keep their relative order around us; a handler's
 * XDP_PASS (or ours) lets the next program see the packet.
 */
struct {
	__uint(priority, 50);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(rc_dispatch);

#define IP_MF		0x2000
#define IP_OFFSET	0x1fff

/*
 * Returns the UDP header of a datagram to the R-message port, or NULL for
 * anything else: not IP, IPv4 with options or fragmented, IPv6 with an
 * extension header, not UDP, another port.  *iplen is how many bytes
 * the IP header says follow it (negative for a lying IPv4 total length).
 */
static __always_inline struct udphdr *rc_udp(void *data, void *data_end,
					     __s32 *iplen)
{
	struct ethhdr *eth = data;
	struct udphdr *udp;

	if ((void *)(eth + 1) > data_end)
		return NULL;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return NULL;
		/* Options would move the UDP header; fragments other than
		 * the first have none, and the first does not hold the whole
		 * datagram: one message is one unfragmented datagram. */
		if (ip->version != 4 || ip->ihl != 5 ||
		    (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) ||
		    ip->protocol != IPPROTO_UDP)
			return NULL;
		*iplen = (__s32)bpf_ntohs(ip->tot_len) - (__s32)sizeof(*ip);
		udp = (void *)(ip + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return NULL;
		if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP)
			return NULL;
		*iplen = bpf_ntohs(ip6->payload_len);
		udp = (void *)(ip6 + 1);
	} else {
		return NULL;
	}
	if ((void *)(udp + 1) > data_end)
		return NULL;
	if (udp->dest != bpf_htons(rc_udp_port))
		return NULL;
	return udp;
}

SEC("xdp")
int rc_dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct rc_dispatch_stats *st;
	struct rc_wire_hdr *h;
	struct udphdr *udp;
	__u32 key = 0, ulen, plen, portal;
	__s32 iplen = 0;

	st = bpf_map_lookup_elem(&dispatch_stats, &key);
	if (!st)	/* cannot happen for an array; the verifier asks */
		return XDP_PASS;
	st->packets++;

	udp = rc_udp(data, data_end, &iplen);
	if (!udp) {
		st->not_udp_port++;
		return XDP_PASS;
	}

	/*
	 * The datagram is what the UDP length says (the stack trims what
	 * follows it and drops a datagram longer than its IP packet), so
	 * the R-message's length is judged against it.  A header cut off by
	 * the end of the packet is short whatever the UDP length claims.
	 */
	ulen = bpf_ntohs(udp->len);
	h = (void *)(udp + 1);
	if (ulen < sizeof(*udp) + RC_ABI_HDR_LEN || (void *)(h + 1) > data_end) {
		st->bad_short++;
		return XDP_PASS;
	}
	if (h->magic != bpf_htons(RC_ABI_MAGIC)) {
		st->bad_magic++;
		return XDP_PASS;
	}
	if (h->version != RC_ABI_VERSION) {
		st->bad_version++;
		return XDP_PASS;
	}
	plen = ulen - sizeof(*udp) - RC_ABI_HDR_LEN;
	/*
	 * The last two: a UDP length the stack would refuse; no handler may
	 * act on a datagram that the socket would never have received.  The
	 * frame check uses plen, bounded by now: 6.1's verifier does not
	 * bound ulen through the byte swap, and the barrier keeps clang from
	 * turning h + 1 + plen back into udp + ulen.
	 */
	if (bpf_ntohs(h->len) != plen || plen > RC_ABI_PAYLOAD_MAX ||
	    (__s32)ulen > iplen) {
		st->bad_length++;
		return XDP_PASS;
	}
	barrier_var(plen);
	if ((void *)(h + 1) + plen > data_end) {
		st->bad_length++;
		return XDP_PASS;
	}
	portal = bpf_ntohs(h->portal);
	if (portal >= RC_ABI_PORTALS) {
		st->bad_portal++;
		return XDP_PASS;
	}

	/* A successful tail call does not come back, so count it first and
	 * take it back if the slot was empty. */
	st->dispatched++;
	bpf_tail_call(ctx, &portals, portal);
	st->dispatched--;
	st->no_handler++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
