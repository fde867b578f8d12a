/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ref_common.h - what the hand-written C baselines share: the receive-side
 * checks of docs/wire.md, the per-CPU statistics, the reply rewrite and
 * the incremental UDP checksum.
 *
 * These programs are the yardstick for the translated R-code handlers:
 * each one is what an engineer would write by hand for the same handler in
 * examples/ (*.r), with exactly its observable behaviour (action, edited
 * message, data area, windows, statistics), and as fast as plain C at -O2
 * makes it.  selftests/test_priv_ref.c checks them against the reference
 * interpreter; bench/ measures them.
 *
 * A packet reaches a handler's code only if it is Ethernet + IPv4 without
 * options and not a fragment, or Ethernet + IPv6 without extension
 * headers, + UDP to rc_port + a well-formed R-message (magic, version,
 * len <= 1408 and len == UDP length - 8 - 24) for the handler's portal.
 * Everything else is passed untouched and counted in not_for_us.  Bytes
 * after the UDP datagram (Ethernet padding of short frames) are not part
 * of the message: they are neither read nor changed, and a reply carries
 * them back unchanged, outside the IP and UDP lengths.
 *
 * Statistics, per CPU: every message the handler runs on counts one
 * invocation and exactly one action.  A fault counts its code, records pc,
 * code and time, and counts the action it implies (pass), because the
 * message is delivered as it arrived (docs/rcode.md, section 2).
 */
#ifndef RC_REF_COMMON_H
#define RC_REF_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "rc_abi.h"

#define RC_REF_UDP_OVERHEAD	(sizeof(struct udphdr) + RC_ABI_HDR_LEN)

/* Fault codes of enum rc_fault (rcode2bpf/rcode.h), which BPF code cannot
 * include; the numbers are ABI. */
#define RC_REF_FAULT_MSG_BOUNDS	2

/* The R-message port; the loader may change it before loading. */
const volatile __u16 rc_port = RC_ABI_DEFAULT_PORT;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rc_handler_stats);
} stats SEC(".maps");

/* Declares the handler's data area 'state' (one entry of type T). */
#define RC_REF_STATE(T)						\
	struct {						\
		__uint(type, BPF_MAP_TYPE_ARRAY);		\
		__uint(max_entries, 1);				\
		__type(key, __u32);				\
		__type(value, T);				\
	} state SEC(".maps")

/* Declares the window 'win_NAME', mappable by the application. */
#define RC_REF_WINDOW(NAME, T)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_ARRAY);		\
		__uint(max_entries, 1);				\
		__uint(map_flags, BPF_F_MMAPABLE);		\
		__type(key, __u32);				\
		__type(value, T);				\
	} win_##NAME SEC(".maps")

/* A message for us, as ref_parse() found it. */
struct ref_msg {
	struct ethhdr *eth;
	void *l3;		/* struct iphdr or struct ipv6hdr */
	struct udphdr *udp;
	struct rc_wire_hdr *rh;
	__u8 *payload;		/* rh + 1 */
	__u32 len;		/* payload bytes, host order */
	__u32 ipv6;
};

/*
 * Is this packet a well-formed R-message for 'portal'?  Returns 0 and
 * fills m if so.  The order of the checks follows the headers; each one
 * is a single compare, so there is nothing to gain from reordering.
 *
 * After a 0 return, m->payload + m->len <= data_end holds, but the kernel
 * verifier cannot carry that fact through an arithmetic on a value loaded
 * from the packet, so handlers still compare each payload access with
 * data_end; that compare is also the msg_bounds check of the R-code.
 */
static __always_inline int ref_parse(struct xdp_md *ctx, __u16 portal,
				     struct ref_msg *m)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct rc_wire_hdr *rh;
	struct udphdr *udp;
	__u32 ulen, l4len;

	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return -1;
		/* One compare for version 4 and no options. */
		if (*(__u8 *)ip != 0x45 || ip->protocol != IPPROTO_UDP)
			return -1;
		/* A fragment carries a piece of a datagram, never a whole
		 * R-message (docs/wire.md, section 3). */
		if (ip->frag_off & bpf_htons(0x3fff))
			return -1;
		l4len = bpf_ntohs(ip->tot_len) - sizeof(*ip);
		udp = (void *)(ip + 1);
		m->l3 = ip;
		m->ipv6 = 0;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		if (ip6->nexthdr != IPPROTO_UDP)
			return -1;
		l4len = bpf_ntohs(ip6->payload_len);
		udp = (void *)(ip6 + 1);
		m->l3 = ip6;
		m->ipv6 = 1;
	} else {
		return -1;
	}

	rh = (void *)(udp + 1);
	if ((void *)(rh + 1) > data_end)
		return -1;
	if (udp->dest != bpf_htons(rc_port))
		return -1;
	/* The datagram is what the UDP length says.  The IP payload may be
	 * longer (the stack trims it, as udp_rcv() does); the frame may be
	 * longer (Ethernet padding); neither may be shorter.  l4len is
	 * unsigned, so a tot_len below the IP header is a huge value that
	 * the frame check below rejects. */
	ulen = bpf_ntohs(udp->len);
	/* Linux 6.1's verifier loses a value's range through a byte swap and
	 * then refuses the pointer arithmetic below; the mask restores it.
	 * In asm because clang knows it changes nothing and drops it. */
	asm volatile("%0 &= 0xffff" : "+r"(ulen));
	if (ulen > l4len || (void *)udp + ulen > data_end)
		return -1;
	if (rh->magic != bpf_htons(RC_ABI_MAGIC) ||
	    rh->version != RC_ABI_VERSION)
		return -1;
	/* len == ulen - 32 also rules out ulen < 32; len <= 1408 needs its
	 * own compare only because a huge IPv6 datagram could match it. */
	m->len = bpf_ntohs(rh->len);
	if (m->len > RC_ABI_PAYLOAD_MAX ||
	    m->len + RC_REF_UDP_OVERHEAD != ulen)
		return -1;
	if (rh->portal != bpf_htons(portal))
		return -1;
	m->eth = eth;
	m->udp = udp;
	m->rh = rh;
	m->payload = (void *)(rh + 1);
	return 0;
}

static __always_inline struct rc_handler_stats *ref_stats(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&stats, &key);
}

/* End the run with a fault at R-code pc 'pc': docs/rcode.md, section 2. */
static __always_inline int ref_fault(struct rc_handler_stats *st, __u32 pc,
				     __u32 code)
{
	st->faults[code & (RC_ABI_FAULTS - 1)]++;
	st->last_fault_pc = pc;
	st->last_fault_code = code;
	st->last_fault_ns = bpf_ktime_get_ns();
	st->pass++;
	return XDP_PASS;
}

/*
 * Incremental UDP checksum (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
 * A handler accumulates ~old + new for every word it changes into a
 * 64-bit one's-complement sum, in whatever byte order the words were
 * loaded: the Internet checksum is independent of byte order (RFC 1071,
 * 2.B) as long as the checksum field is loaded the same way, and 2^16 ==
 * 1 modulo 0xffff lets 32- and 64-bit words be added whole and folded once.
 */
static __always_inline __u64 csum_word64(__u64 v)
{
	return (v & 0xffffffff) + (v >> 32);
}

/* The change of one 8-byte word from old to new. */
static __always_inline __u64 csum_diff64(__u64 old, __u64 new)
{
	return csum_word64(~old) + csum_word64(new);
}

/* The change of one 4-byte word from old to new. */
static __always_inline __u64 csum_diff32(__u32 old, __u32 new)
{
	return (__u64)(__u32)~old + new;
}

static __always_inline __u16 csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Apply an accumulated change to the UDP checksum of m. */
static __always_inline void ref_csum_update(struct ref_msg *m, __u64 diff)
{
	__u16 *check = &m->udp->check;
	__u16 c;

	/* An IPv4 datagram sent without a checksum keeps none; IPv6 always
	 * has one (RFC 8200, 8.1). */
	if (!m->ipv6 && *check == 0)
		return;
	c = ~csum_fold((__u16)~*check + diff);
	/* A computed 0 is sent as 0xffff: 0 would mean "no checksum". */
	*check = c ? c : 0xffff;
}

/*
 * Turn the message around: Ethernet and IP addresses, UDP ports and R
 * ranks are exchanged.  None of this changes the UDP checksum (the
 * pseudo-header holds both addresses, the header both ports, and src and
 * dst sit at even offsets), nor the IPv4 header checksum.  Loads and
 * stores are as wide as the fields' offsets allow; x86 and arm64 have no
 * alignment rule for packet data.
 */
static __always_inline void ref_turn_around(struct ref_msg *m)
{
	__u8 *eth = (__u8 *)m->eth;
	__u32 a0 = *(__u32 *)(eth + 0), b0 = *(__u32 *)(eth + 6);
	__u16 a1 = *(__u16 *)(eth + 4), b1 = *(__u16 *)(eth + 10);
	__u32 r;
	__u16 p;

	*(__u32 *)(eth + 0) = b0;
	*(__u16 *)(eth + 4) = b1;
	*(__u32 *)(eth + 6) = a0;
	*(__u16 *)(eth + 10) = a1;

	if (m->ipv6) {
		struct ipv6hdr *ip6 = m->l3;
		__u64 *s = (__u64 *)&ip6->saddr, *d = (__u64 *)&ip6->daddr;
		__u64 s0 = s[0], s1 = s[1];

		s[0] = d[0];
		s[1] = d[1];
		d[0] = s0;
		d[1] = s1;
	} else {
		struct iphdr *ip = m->l3;
		__u32 s = ip->saddr;

		ip->saddr = ip->daddr;
		ip->daddr = s;
	}

	p = m->udp->source;
	m->udp->source = m->udp->dest;
	m->udp->dest = p;

	r = m->rh->src;
	m->rh->src = m->rh->dst;
	m->rh->dst = r;
}

/*
 * A reply is a message this node sends, and the wire encoder always
 * writes flags 0 (rcode2bpf/rc_wire.c): bits this version does not know
 * are not echoed back.  Returns the checksum change.  Version and flags
 * are read and written as one 16-bit word: storing the flags byte and
 * loading the word again for the checksum would stall the load behind
 * the store (store-to-load forwarding fails on a partial overlap), which
 * cost the echo a quarter of its time.
 */
static __always_inline __u64 ref_clear_flags(struct ref_msg *m)
{
	__u16 *vf = (__u16 *)&m->rh->version;
	__u16 old = *vf, new = old & bpf_htons(0xff00);	/* keep version */

	*vf = new;
	return (__u64)(__u16)~old + new;
}

#endif /* RC_REF_COMMON_H */
