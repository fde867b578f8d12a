// SPDX-License-Identifier: BSD-2-Clause
/*
 * xl_net.c - what takes a message somewhere else than back: forward (the
 * message leaves for another rank), send (a copy leaves and the run goes
 * on; TC programs only) and upcall (a record in the application's ring
 * buffer); and the TC way of keeping the UDP checksum right.
 *
 * A rank is resolved once, at the instruction, into a route in the
 * per-CPU scratch value (RT_*): next hop and source MAC, egress
 * interface, address, port, and the R header's new src and dst.  Every
 * reason the kernel cannot reach the rank (not in the table, this node,
 * another address family, no route) faults `rank` right there.  The
 * packet is then rewritten the way bpf/rc_abi.h describes above struct
 * rc_rank, with the checksum deltas kept as for any edit.
 *
 * Checksums at TC.  An skb may arrive CHECKSUM_PARTIAL (a veth peer with
 * transmit offload: the UDP checksum field holds only the pseudo-header
 * sum, the rest is computed on the way out) or CHECKSUM_COMPLETE (a NIC
 * summed the packet into skb->csum).  bpf_l4_csum_replace() updates the
 * field the right way for either, if told which changes are the
 * pseudo-header's (BPF_F_PSEUDO_HDR): so at TC the deltas are kept in two
 * sums, the pseudo-header's apart, and folded in with it.  skb->csum is
 * kept right with bpf_csum_update(), which does nothing unless the skb is
 * CHECKSUM_COMPLETE.  At XDP there is no such state: one sum, folded in
 * directly.
 */
#include "xl_internal.h"

#define ST(field)	offsetof(struct rc_handler_stats, field)
#define RK(field)	offsetof(struct rc_rank, field)
#define FIB(field)	(SC_FIB + offsetof(struct bpf_fib_lookup, field))
#define UP(field)	offsetof(struct rc_upcall, field)

#define FIB_AF_INET	2	/* AF_INET, AF_INET6 */
#define FIB_AF_INET6	10

/* r1 = the context, from wherever it is kept. */
static void ctx_to_r1(struct xl_ctx *x)
{
	int c = xl_ctx_reg(x, R1);

	if (c != R1)
		EMIT(&x->b, MOV64_REG(R1, c));
}

/* r5 = the value of operand slot i. */
static void slot_to_r5(struct xl_ctx *x, int i)
{
	if (i < 4)
		EMIT(&x->b, MOV64_REG(R5, R1 + i));
	else
		EMIT(&x->b, LDX_MEM(BPF_DW, R5, x->fb, FP_STK(i)));
}

/* Copy n bytes (a multiple of 2) from [src + so] to [dst + d], in u16s:
 * MAC addresses sit at offsets only 2-aligned. */
static void copy16(struct xl_ctx *x, int dst, int d, int src, int so, int n)
{
	for (int i = 0; i < n; i += 2) {
		EMIT(&x->b, LDX_MEM(BPF_H, R2, src, so + i));
		EMIT(&x->b, STX_MEM(BPF_H, dst, R2, d + i));
	}
}

/* dst = src if dst == 0 (u32 values), with no branch: the kernel verifier
 * keeps every branch that joins again pending until the end of the path.
 * Clobbers r0. */
static void default_if_zero(struct xl_ctx *x, int dst, int src)
{
	struct xl_buf *b = &x->b;

	EMIT(b, MOV64_REG(R0, dst));
	EMIT(b, NEG64(R0));
	EMIT(b, ALU64_REG(BPF_OR, R0, dst));
	EMIT(b, ALU64_IMM(BPF_RSH, R0, 63));	/* 1 if dst != 0 */
	EMIT(b, ALU64_IMM(BPF_XOR, R0, 1));
	EMIT(b, ALU64_REG(BPF_MUL, R0, src));
	EMIT(b, ALU64_REG(BPF_ADD, dst, R0));
}

/*
 * The route to the rank in r5, into the scratch value; any failure jumps
 * to the `rank` fault at pc.  Clobbers r0-r5 (callers spill what lives).
 */
static void resolve(struct xl_ctx *x, uint32_t pc)
{
	struct xl_buf *b = &x->b;
	int fault = xl_fault_label(x, RC_FAULT_RANK, pc);
	int l_v6 = xl_label(b), l_fam = xl_label(b), l_mac = xl_label(b);
	int l_fib6 = xl_label(b), l_fibcall = xl_label(b), l_done = xl_label(b);
	int c;

	JMP_TO(b, JMP_IMM(BPF_JGE, R5, RC_ABI_RANKS_MAX), fault);
	xl_scratch(x, R0);
	EMIT(b, STX_MEM(BPF_W, R0, R5, SC_KEY));
	EMIT(b, BSWAP_BE(R5, 32));
	EMIT(b, STX_MEM(BPF_W, R0, R5, RT_RANK));	/* the new R header dst */
	EMIT(b, MOV64_REG(R2, R0));
	EMIT(b, ALU64_IMM(BPF_ADD, R2, SC_KEY));
	xl_ld_map_fd(b, R1, x->maps->ranks_fd);
	EMIT(b, CALL(BPF_FUNC_map_lookup_elem));
	JMP_TO(b, JMP_IMM(BPF_JEQ, R0, 0), fault);

	/* Present, not this node, of the message's address family. */
	EMIT(b, LDX_MEM(BPF_W, R1, R0, RK(flags)));
	EMIT(b, MOV64_REG(R2, R1));
	EMIT(b, ALU64_IMM(BPF_AND, R2, RC_RANK_F_PRESENT | RC_RANK_F_SELF));
	JMP_TO(b, JMP_IMM(BPF_JNE, R2, RC_RANK_F_PRESENT), fault);
	EMIT(b, MOV64_REG(R2, R1));
	EMIT(b, ALU64_IMM(BPF_AND, R2, RC_RANK_F_IPV6));
	xl_ptr_slot(x, FP_IPV, R3);
	JMP_TO(b, JMP_IMM(BPF_JEQ, R3, 6), l_v6);
	JMP_TO(b, JMP_IMM(BPF_JNE, R2, 0), fault);
	JMP_TO(b, JA(), l_fam);
	xl_bind(b, l_v6);
	JMP_TO(b, JMP_IMM(BPF_JEQ, R2, 0), fault);
	xl_bind(b, l_fam);

	/* r0 = the entry, r1 = its flags, r5 = the route. */
	xl_scratch(x, R5);
	copy16(x, R5, RT_DMAC, R0, RK(mac), 6);
	copy16(x, R5, RT_PORT, R0, RK(port), 2);
	EMIT(b, LDX_MEM(BPF_W, R2, R0, RK(self)));
	EMIT(b, BSWAP_BE(R2, 32));
	EMIT(b, STX_MEM(BPF_W, R5, R2, RT_SELF));	/* the new R header src */
	EMIT(b, LDX_MEM(BPF_DW, R2, R0, RK(addr)));
	EMIT(b, STX_MEM(BPF_DW, R5, R2, RT_ADDR));
	EMIT(b, LDX_MEM(BPF_DW, R2, R0, RK(addr) + 8));
	EMIT(b, STX_MEM(BPF_DW, R5, R2, RT_ADDR + 8));
	EMIT(b, LDX_MEM(BPF_W, R2, R0, RK(ifindex)));
	EMIT(b, STX_MEM(BPF_W, R5, R2, RT_IFINDEX));
	JMP_TO(b, JMP_IMM(BPF_JSET, R1, RC_RANK_F_MAC), l_mac);

	/* No MAC in the table: ask the kernel's FIB for the next hop, from
	 * the address the message arrived at. */
	for (int i = 0; i < 8; i++)
		EMIT(b, ST_MEM(BPF_DW, R5, SC_FIB + 8 * i, 0));
	EMIT(b, ST_MEM(BPF_B, R5, FIB(l4_protocol), 17));
	EMIT(b, ST_MEM(BPF_H, R5, FIB(sport),
		       (uint16_t)(x->port << 8 | x->port >> 8)));
	copy16(x, R5, FIB(dport), R5, RT_PORT, 2);
	c = xl_ctx_reg(x, R1);
	EMIT(b, LDX_MEM(BPF_W, R2, c, xl_off_ifindex(x)));
	EMIT(b, STX_MEM(BPF_W, R5, R2, FIB(ifindex)));
	EMIT(b, LDX_MEM(BPF_W, R2, c, xl_off_data(x)));
	EMIT(b, LDX_MEM(BPF_W, R3, c, xl_off_data_end(x)));
	xl_ptr_slot(x, FP_IPV, R4);
	JMP_TO(b, JMP_IMM(BPF_JEQ, R4, 6), l_fib6);
	EMIT(b, MOV64_REG(R4, R2));
	EMIT(b, ALU64_IMM(BPF_ADD, R4, 14 + 20));
	JMP_TO(b, JMP_REG(BPF_JGT, R4, R3), x->l_internal);
	EMIT(b, ST_MEM(BPF_B, R5, FIB(family), FIB_AF_INET));
	EMIT(b, LDX_MEM(BPF_W, R4, R2, 14 + 16));	/* our address */
	EMIT(b, STX_MEM(BPF_W, R5, R4, FIB(ipv4_src)));
	EMIT(b, LDX_MEM(BPF_W, R4, R5, RT_ADDR));
	EMIT(b, STX_MEM(BPF_W, R5, R4, FIB(ipv4_dst)));
	JMP_TO(b, JA(), l_fibcall);
	xl_bind(b, l_fib6);
	EMIT(b, MOV64_REG(R4, R2));
	EMIT(b, ALU64_IMM(BPF_ADD, R4, 14 + 40));
	JMP_TO(b, JMP_REG(BPF_JGT, R4, R3), x->l_internal);
	EMIT(b, ST_MEM(BPF_B, R5, FIB(family), FIB_AF_INET6));
	for (int i = 0; i < 16; i += 8) {
		EMIT(b, LDX_MEM(BPF_DW, R4, R2, 14 + 24 + i));
		EMIT(b, STX_MEM(BPF_DW, R5, R4, FIB(ipv6_src) + i));
		EMIT(b, LDX_MEM(BPF_DW, R4, R5, RT_ADDR + i));
		EMIT(b, STX_MEM(BPF_DW, R5, R4, FIB(ipv6_dst) + i));
	}
	xl_bind(b, l_fibcall);
	ctx_to_r1(x);
	EMIT(b, MOV64_REG(R2, R5));
	EMIT(b, ALU64_IMM(BPF_ADD, R2, SC_FIB));
	EMIT(b, MOV64_IMM(R3, sizeof(struct bpf_fib_lookup)));
	EMIT(b, MOV64_IMM(R4, 0));
	EMIT(b, CALL(BPF_FUNC_fib_lookup));
	JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), fault);	/* no route, no neighbour */
	xl_scratch(x, R5);
	copy16(x, R5, RT_DMAC, R5, FIB(dmac), 6);
	copy16(x, R5, RT_SMAC, R5, FIB(smac), 6);
	EMIT(b, LDX_MEM(BPF_W, R2, R5, RT_IFINDEX));
	EMIT(b, LDX_MEM(BPF_W, R3, R5, FIB(ifindex)));	/* the FIB's egress */
	default_if_zero(x, R2, R3);
	EMIT(b, STX_MEM(BPF_W, R5, R2, RT_IFINDEX));
	JMP_TO(b, JA(), l_done);

	/* The MAC is known: ours is the one the message was sent to, and it
	 * leaves where it came in unless the entry says otherwise. */
	xl_bind(b, l_mac);
	c = xl_ctx_reg(x, R1);
	EMIT(b, LDX_MEM(BPF_W, R3, c, xl_off_data(x)));
	EMIT(b, LDX_MEM(BPF_W, R4, c, xl_off_data_end(x)));
	EMIT(b, MOV64_REG(R0, R3));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, 14));
	JMP_TO(b, JMP_REG(BPF_JGT, R0, R4), x->l_internal);
	copy16(x, R5, RT_SMAC, R3, 0, 6);
	EMIT(b, LDX_MEM(BPF_W, R2, R5, RT_IFINDEX));
	EMIT(b, LDX_MEM(BPF_W, R3, c, xl_off_ifindex(x)));
	default_if_zero(x, R2, R3);
	EMIT(b, STX_MEM(BPF_W, R5, R2, RT_IFINDEX));
	xl_bind(b, l_done);
}

/* r0 = old, r5 = new (raw bytes): their checksum delta into acc. */
static void delta(struct xl_ctx *x, int sz, int old_base, int old_off,
		  int new_base, int new_off, int acc)
{
	EMIT(&x->b, LDX_MEM(sz, R0, old_base, old_off));
	EMIT(&x->b, LDX_MEM(sz, R5, new_base, new_off));
	xl_csum_replace_acc(x, false, acc);
}

/*
 * Rewrite the message in the packet for the route in r7, in two parts:
 * rewrite_ip() the Ethernet and IP headers (addresses, TTL / hop limit),
 * which sit at offsets that depend on the IP version (r8 is the R
 * header, hdr bytes into the frame); rewrite_udp() the UDP ports and the
 * R header's src and dst, at the same offsets from r8 for both.  The UDP
 * checksum's deltas go to acc (UDP header and message) and pacc (the
 * pseudo-header's addresses); nothing is folded yet.  Every field sits at
 * an even offset.
 */
static void rewrite_ip(struct xl_ctx *x, bool v6, int pacc)
{
	struct xl_buf *b = &x->b;
	int hdr = v6 ? 14 + 40 + 8 : 14 + 20 + 8;
	int eth = -hdr, ip = -hdr + 14;
	int src = ip + (v6 ? 8 : 12), dst = ip + (v6 ? 24 : 16);
	int alen = v6 ? 16 : 4, sz = v6 ? BPF_DW : BPF_W, w = v6 ? 8 : 4;

	copy16(x, R8, eth + 0, R7, RT_DMAC, 6);
	copy16(x, R8, eth + 6, R7, RT_SMAC, 6);

	/* IP: src <- dst (the address it arrived at), dst <- the rank's.
	 * For the pseudo-header that is old src -> new dst. */
	for (int i = 0; i < alen; i += w)
		delta(x, sz, R8, src + i, R7, RT_ADDR + i, pacc);
	for (int i = 0; i < alen; i += w) {
		EMIT(b, LDX_MEM(sz, R0, R8, dst + i));
		EMIT(b, STX_MEM(sz, R8, R0, src + i));
		EMIT(b, LDX_MEM(sz, R0, R7, RT_ADDR + i));
		EMIT(b, STX_MEM(sz, R8, R0, dst + i));
	}
	if (v6 && x->tc) {
		/* The hop limit is in no checksum, but in skb->csum of a
		 * CHECKSUM_COMPLETE skb (a no-op for the others). */
		EMIT(b, ST_MEM(BPF_DW, x->fb, FP_LENNEW, 0));
		EMIT(b, LDX_MEM(BPF_B, R0, R8, ip + 7));
		EMIT(b, MOV64_IMM(R5, 64));
		xl_csum_replace_acc(x, true, FP_LENNEW);
		EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, FP_LENNEW));
		xl_csum_fold(x);
		EMIT(b, MOV64_REG(R2, R0));
		ctx_to_r1(x);
		EMIT(b, CALL(BPF_FUNC_csum_update));
	}
	/* TTL / hop limit; the IPv4 header checksum is made afresh later. */
	EMIT(b, ST_MEM(BPF_B, R8, v6 ? ip + 7 : ip + 8, 64));
}

static void rewrite_udp(struct xl_ctx *x, int acc)
{
	struct xl_buf *b = &x->b;

	/* UDP: source <- the port it arrived at, destination <- the rank's:
	 * old source -> new destination for the sum. */
	delta(x, BPF_H, R8, -8, R7, RT_PORT, acc);
	EMIT(b, LDX_MEM(BPF_H, R0, R8, -8 + 2));
	EMIT(b, STX_MEM(BPF_H, R8, R0, -8));
	EMIT(b, LDX_MEM(BPF_H, R0, R7, RT_PORT));
	EMIT(b, STX_MEM(BPF_H, R8, R0, -8 + 2));

	/* R header: src <- self, dst <- rank. */
	delta(x, BPF_W, R8, RC_WOFF_SRC, R7, RT_SELF, acc);
	delta(x, BPF_W, R8, RC_WOFF_DST, R7, RT_RANK, acc);
	EMIT(b, LDX_MEM(BPF_W, R0, R7, RT_SELF));
	EMIT(b, STX_MEM(BPF_W, R8, R0, RC_WOFF_SRC));
	EMIT(b, LDX_MEM(BPF_W, R0, R7, RT_RANK));
	EMIT(b, STX_MEM(BPF_W, R8, R0, RC_WOFF_DST));
}

/* The IPv4 header checksum, computed afresh (r8 = the R header of an
 * IPv4 packet); clobbers r0, r1. */
static void ip4_checksum(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;
	int ip = -(14 + 20 + 8) + 14;

	EMIT(b, ST_MEM(BPF_H, R8, ip + 10, 0));
	EMIT(b, MOV64_IMM(R0, 0));
	for (int i = 0; i < 20; i += 2) {
		EMIT(b, LDX_MEM(BPF_H, R1, R8, ip + i));
		EMIT(b, ALU64_REG(BPF_ADD, R0, R1));
	}
	for (int i = 0; i < 2; i++) {			/* < 2^20: two folds */
		EMIT(b, MOV64_REG(R1, R0));
		EMIT(b, ALU64_IMM(BPF_RSH, R1, 16));
		EMIT(b, ALU64_IMM(BPF_AND, R0, 0xffff));
		EMIT(b, ALU64_REG(BPF_ADD, R0, R1));
	}
	EMIT(b, ALU64_IMM(BPF_XOR, R0, 0xffff));
	EMIT(b, STX_MEM(BPF_H, R8, R0, ip + 10));
}

/* Lengths after a resize, the IP part of the rewrite and the IPv4
 * checksum, per IP version; then the UDP part, for both.  r7 = route. */
static void rewrite(struct xl_ctx *x, int acc, int pacc)
{
	struct xl_buf *b = &x->b;
	int l_v6 = xl_label(b), l_join = xl_label(b);

	/* FP_IPV from the stack: the kernel verifier follows one branch. */
	xl_ptr_slot(x, FP_IPV, R0);
	JMP_TO(b, JMP_IMM(BPF_JEQ, R0, 6), l_v6);
	for (int v6 = 0; v6 < 2; v6++) {
		if (v6)
			xl_bind(b, l_v6);
		if (x->has_resize) {
			xl_load_data_checked(x, v6);
			xl_fix_lengths(x, v6, acc, pacc);
		}
		rewrite_ip(x, v6, pacc);
		if (!v6) {
			ip4_checksum(x);
			JMP_TO(b, JA(), l_join);
		}
	}
	xl_bind(b, l_join);
	rewrite_udp(x, acc);
}

/*
 * TC: fold acc (the UDP header's and the message's changes) and pacc (the
 * pseudo-header's) into the UDP checksum with bpf_l4_csum_replace(), which
 * leaves the field alone for the first on a CHECKSUM_PARTIAL skb (the
 * device sums the data later) and keeps 0 ("no checksum") over IPv4
 * (BPF_F_MARK_MANGLED_0).  skb->csum of a CHECKSUM_COMPLETE skb must
 * follow the data: +acc for the bytes changed, which l4_csum_replace
 * takes back as it lowers the field by as much (it does that for changes
 * that are not the pseudo-header's); and over IPv4, -pacc for the field
 * lowered by a pseudo-header change, which it does not account for (the
 * IPv4 header itself keeps its sum: its checksum is made afresh; an IPv6
 * header's address change and the field's cancel out).  Addressed from
 * r8 (the field is at r8 - 2) and FP_HDROFF, the same code for both IP
 * versions, without a branch.  Reloads the packet pointers.
 */
void xl_tc_fold(struct xl_ctx *x, int acc, int pacc)
{
	struct xl_buf *b = &x->b;

	EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, acc));
	xl_csum_fold(x);
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_TMP));
	EMIT(b, MOV64_REG(R2, R0));
	ctx_to_r1(x);
	EMIT(b, CALL(BPF_FUNC_csum_update));
	ctx_to_r1(x);
	xl_ptr_slot(x, FP_HDROFF, R2);
	EMIT(b, ALU64_IMM(BPF_ADD, R2, -2));		/* the UDP checksum */
	EMIT(b, MOV64_IMM(R3, 0));
	EMIT(b, LDX_MEM(BPF_DW, R4, x->fb, FP_TMP));
	EMIT(b, MOV64_IMM(R5, BPF_F_MARK_MANGLED_0));
	EMIT(b, CALL(BPF_FUNC_l4_csum_replace));

	/* The field before the pseudo-header's change: 0 stays 0. */
	xl_reload_packet(x);
	EMIT(b, LDX_MEM(BPF_H, R0, R8, -2));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_TMP2));
	EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, pacc));
	xl_csum_fold(x);
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_TMP));
	ctx_to_r1(x);
	xl_ptr_slot(x, FP_HDROFF, R2);
	EMIT(b, ALU64_IMM(BPF_ADD, R2, -2));
	EMIT(b, MOV64_IMM(R3, 0));
	EMIT(b, LDX_MEM(BPF_DW, R4, x->fb, FP_TMP));
	EMIT(b, MOV64_IMM(R5, BPF_F_MARK_MANGLED_0 | BPF_F_PSEUDO_HDR));
	EMIT(b, CALL(BPF_FUNC_l4_csum_replace));
	/* skb->csum -= pacc over IPv4 with a field that was not 0:
	 * (0xffff - pacc) * (field != 0) * (version == 4). */
	EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_TMP));
	EMIT(b, ALU64_IMM(BPF_XOR, R2, 0xffff));
	EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, FP_TMP2));
	EMIT(b, MOV64_REG(R3, R0));
	EMIT(b, NEG64(R3));
	EMIT(b, ALU64_REG(BPF_OR, R3, R0));
	EMIT(b, ALU64_IMM(BPF_RSH, R3, 63));
	EMIT(b, ALU64_REG(BPF_MUL, R2, R3));
	xl_ptr_slot(x, FP_IPV, R3);
	EMIT(b, NEG64(R3));
	EMIT(b, ALU64_IMM(BPF_ADD, R3, 6));
	EMIT(b, ALU64_IMM(BPF_RSH, R3, 1));		/* 1 for IPv4, 0 for IPv6 */
	EMIT(b, ALU64_REG(BPF_MUL, R2, R3));
	ctx_to_r1(x);
	EMIT(b, CALL(BPF_FUNC_csum_update));
	xl_reload_packet(x);
}

/*
 * forward resolves its rank here and ends at l_forward.  Its checks (like
 * send's and upcall's) jump to their exits inverted, over a 'goto'
 * (xl_mark_cold): the kernel verifier explores the exit at once instead
 * of keeping it pending, and a handler with a thousand of them would
 * otherwise pass its limit of 8192 pending branches.
 */
void xl_forward(struct xl_ctx *x, uint32_t pc, int d)
{
	bool cold = x->b.invert_cold;

	x->b.invert_cold = true;
	slot_to_r5(x, d - 1);
	resolve(x, pc);
	JMP_TO(&x->b, JA(), x->l_forward);
	x->b.invert_cold = cold;
}

/*
 * The forward epilogue: lengths, the rewrite, checksums, statistics, and
 * out: at XDP XDP_TX when the route leaves where the message came in,
 * else bpf_redirect(); at TC always bpf_redirect() (TC_ACT_REDIRECT).
 */
void xl_forward_epilogue(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;
	int l_redirect = xl_label(b);
	int pacc = x->tc ? FP_PSUM : FP_CSUM;

	if (x->tc)
		EMIT(b, ST_MEM(BPF_DW, x->fb, FP_PSUM, 0));
	xl_scratch(x, R7);	/* the data area is done with */
	rewrite(x, FP_CSUM, pacc);
	xl_fold_checksum(x, FP_CSUM, pacc);
	xl_lookup(x, x->maps->stats_fd);
	xl_bump(x, ST(invocations));
	xl_bump(x, ST(forward));
	EMIT(b, LDX_MEM(BPF_W, R1, R7, RT_IFINDEX));
	if (!x->tc) {
		int c = xl_ctx_reg(x, R2);

		EMIT(b, LDX_MEM(BPF_W, R2, c, xl_off_ifindex(x)));
		JMP_TO(b, JMP_REG(BPF_JNE, R1, R2), l_redirect);
		EMIT(b, MOV64_IMM(R0, XDP_TX));
		EMIT(b, EXIT_INSN());
		xl_bind(b, l_redirect);
	}
	EMIT(b, MOV64_IMM(R2, 0));
	EMIT(b, CALL(BPF_FUNC_redirect));	/* XDP_REDIRECT, TC_ACT_REDIRECT */
	EMIT(b, EXIT_INSN());
}

/* r4 = the length of the headers, Ethernet to the end of the R header. */
static void headers_len(struct xl_ctx *x)
{
	xl_ptr_slot(x, FP_HDROFF, R4);
	EMIT(&x->b, ALU64_IMM(BPF_ADD, R4, RC_HDR_LEN));
}

/*
 * One copy: save the headers (and skb->csum), make the packet the copy,
 * bpf_clone_redirect() it, put the headers back byte for byte (and
 * skb->csum).  The message itself is untouched, so FP_CSUM and the
 * snapshot stay true.  Counts sends or send_errors.  Only the IP part of
 * the rewrite depends on the IP version; no branch joins again after
 * the route's MAC test (see default_if_zero).
 */
static void send_copy(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	ctx_to_r1(x);
	EMIT(b, MOV64_IMM(R2, 0));
	xl_scratch(x, R3);
	EMIT(b, ALU64_IMM(BPF_ADD, R3, SC_SAVE));
	headers_len(x);
	EMIT(b, CALL(BPF_FUNC_skb_load_bytes));
	JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), x->l_internal);
	ctx_to_r1(x);
	EMIT(b, MOV64_IMM(R2, 0));
	EMIT(b, CALL(BPF_FUNC_csum_update));	/* skb->csum, or < 0 */
	xl_scratch(x, R3);
	EMIT(b, STX_MEM(BPF_DW, R3, R0, SC_CSUM0));

	EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, FP_CSUM));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_SEND_N));
	EMIT(b, ST_MEM(BPF_DW, x->fb, FP_SEND_P, 0));
	xl_scratch(x, R7);
	rewrite(x, FP_SEND_N, FP_SEND_P);
	xl_tc_fold(x, FP_SEND_N, FP_SEND_P);

	ctx_to_r1(x);
	xl_scratch(x, R2);
	EMIT(b, LDX_MEM(BPF_W, R2, R2, RT_IFINDEX));
	EMIT(b, MOV64_IMM(R3, 0));
	EMIT(b, CALL(BPF_FUNC_clone_redirect));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_SEND_N));	/* 0 or -errno */

	ctx_to_r1(x);
	EMIT(b, MOV64_IMM(R2, 0));
	xl_scratch(x, R3);
	EMIT(b, ALU64_IMM(BPF_ADD, R3, SC_SAVE));
	headers_len(x);
	EMIT(b, MOV64_IMM(R5, 0));
	EMIT(b, CALL(BPF_FUNC_skb_store_bytes));
	JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), x->l_internal);
	/* CHECKSUM_COMPLETE: skb->csum += C0 - C1, back to what it was; for
	 * the other kinds both calls do nothing (and the sum is garbage). */
	ctx_to_r1(x);
	EMIT(b, MOV64_IMM(R2, 0));
	EMIT(b, CALL(BPF_FUNC_csum_update));		/* C1 */
	EMIT(b, ALU64_IMM(BPF_XOR, R0, -1));
	EMIT(b, MOV32_REG(R0, R0));			/* ~C1, 32 bits */
	xl_scratch(x, R2);
	EMIT(b, LDX_MEM(BPF_W, R2, R2, SC_CSUM0));	/* C0, 32 bits */
	EMIT(b, ALU64_REG(BPF_ADD, R2, R0));
	EMIT(b, MOV64_REG(R0, R2));
	EMIT(b, ALU64_IMM(BPF_RSH, R0, 32));
	EMIT(b, MOV32_REG(R2, R2));
	EMIT(b, ALU64_REG(BPF_ADD, R2, R0));		/* end-around carry */
	ctx_to_r1(x);
	EMIT(b, CALL(BPF_FUNC_csum_update));

	/* sends or send_errors += 1, by the sign of the result */
	xl_lookup(x, x->maps->stats_fd);
	EMIT(b, LDX_MEM(BPF_DW, R1, x->fb, FP_SEND_N));
	EMIT(b, ALU64_IMM(BPF_RSH, R1, 63));		/* 1: refused */
	EMIT(b, LDX_MEM(BPF_DW, R2, R0, ST(send_errors)));
	EMIT(b, ALU64_REG(BPF_ADD, R2, R1));
	EMIT(b, STX_MEM(BPF_DW, R0, R2, ST(send_errors)));
	EMIT(b, ALU64_IMM(BPF_XOR, R1, 1));
	EMIT(b, LDX_MEM(BPF_DW, R2, R0, ST(sends)));
	EMIT(b, ALU64_REG(BPF_ADD, R2, R1));
	EMIT(b, STX_MEM(BPF_DW, R0, R2, ST(sends)));
}

void xl_send(struct xl_ctx *x, uint32_t pc, int d)
{
	struct xl_buf *b = &x->b;
	bool cold = b->invert_cold;

	if (!x->tc) {	/* the verifier's needs_tc makes this a TC program */
		JMP_TO(b, JA(), x->l_internal);
		return;
	}
	/* Exits explored first: see xl_forward. */
	b->invert_cold = true;
	slot_to_r5(x, d - 1);
	xl_spill(x, d - 1);
	resolve(x, pc);
	send_copy(x);
	xl_reload_packet(x);
	if (x->prog->state_words)
		xl_ptr_slot(x, FP_STATE, R7);
	xl_reload(x, d - 1);
	b->invert_cold = cold;
}

/*
 * upcall v: a struct rc_upcall, built in the scratch area, into the ring
 * with bpf_ringbuf_output(); a full ring loses the record and counts
 * upcall_lost.  No branch on the outcome (the counters take 0 or 1 from
 * the result's sign bit): inline loops are verified iteration by
 * iteration, and a branch per up-call that joins again would pile up
 * the verifier's pending states.  The header fields are read as they are
 * now, in host order.
 */
void xl_upcall(struct xl_ctx *x, uint32_t pc, int d)
{
	struct xl_buf *b = &x->b;
	static const struct {
		int off, size, to;
	} fields[] = {
		{ RC_WOFF_PORTAL, BPF_H, UP(portal) },
		{ RC_WOFF_SRC, BPF_W, UP(src) },
		{ RC_WOFF_TAG, BPF_W, UP(tag) },
		{ RC_WOFF_SEQ, BPF_W, UP(seq) },
	};

	bool cold = b->invert_cold;

	(void)pc;
	b->invert_cold = true;
	xl_spill(x, d);		/* v is in its home FP_STK(d - 1) now */
	EMIT(b, CALL(BPF_FUNC_ktime_get_ns));
	xl_scratch(x, R2);
	EMIT(b, ALU64_IMM(BPF_ADD, R2, SC_UPCALL));
	EMIT(b, STX_MEM(BPF_DW, R2, R0, UP(ns)));
	EMIT(b, LDX_MEM(BPF_DW, R1, x->fb, FP_STK(d - 1)));
	EMIT(b, STX_MEM(BPF_DW, R2, R1, UP(value)));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		EMIT(b, LDX_MEM(fields[i].size, R1, R8, fields[i].off));
		EMIT(b, BSWAP_BE(R1, fields[i].size == BPF_H ? 16 : 32));
		EMIT(b, STX_MEM(BPF_W, R2, R1, fields[i].to));
	}
	xl_ld_map_fd(b, R1, x->maps->upcall_fd);
	EMIT(b, MOV64_IMM(R3, sizeof(struct rc_upcall)));
	EMIT(b, MOV64_IMM(R4, 0));	/* wake the reader if it waits */
	EMIT(b, CALL(BPF_FUNC_ringbuf_output));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_TMP));	/* 0 or -errno */
	xl_lookup(x, x->maps->stats_fd);
	EMIT(b, LDX_MEM(BPF_DW, R1, x->fb, FP_TMP));
	EMIT(b, ALU64_IMM(BPF_RSH, R1, 63));		/* 1: lost */
	EMIT(b, LDX_MEM(BPF_DW, R2, R0, ST(upcall_lost)));
	EMIT(b, ALU64_REG(BPF_ADD, R2, R1));
	EMIT(b, STX_MEM(BPF_DW, R0, R2, ST(upcall_lost)));
	EMIT(b, ALU64_IMM(BPF_XOR, R1, 1));		/* 1: written */
	EMIT(b, LDX_MEM(BPF_DW, R2, R0, ST(upcalls)));
	EMIT(b, ALU64_REG(BPF_ADD, R2, R1));
	EMIT(b, STX_MEM(BPF_DW, R0, R2, ST(upcalls)));
	xl_reload(x, d - 1);
	b->invert_cold = cold;
}
