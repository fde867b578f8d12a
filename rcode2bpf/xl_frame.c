// SPDX-License-Identifier: BSD-2-Clause
/*
 * xl_frame.c - the code around a translated handler: parse the packet up
 * to the R-message, find the maps, and end every run: actions (checksum,
 * lengths, address swap for replies), faults (restore the message, record
 * code and pc) and statistics.
 *
 * The checksum is kept incrementally.  Every 16-bit-word sum the UDP
 * checksum needs is congruent, modulo 0xffff, to the plain integer value
 * of the bytes read little-endian from an even offset (2^16 == 1 mod
 * 0xffff), and a byte-odd offset multiplies by 2^8.  So an edit adds
 * ~old + new (each folded to 33 bits) to a running sum that cannot
 * overflow, and the action folds the sum into the field once (RFC 1624's
 * HC' = ~(~HC + ~m + m')).  No division and no branch on the way.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include "xl_internal.h"

#define ST(field)	offsetof(struct rc_handler_stats, field)

int xl_fault_label(struct xl_ctx *x, uint32_t code, uint32_t pc)
{
	for (uint32_t i = 0; i < x->nstubs; i++)
		if (x->stubs[i].code == code && x->stubs[i].pc == pc &&
		    !x->stubs[i].emitted)
			return x->stubs[i].label;
	if (x->nstubs == x->stubcap) {
		uint32_t cap = x->stubcap ? 2 * x->stubcap : 32;
		struct xl_stub *s = realloc(x->stubs, cap * sizeof(*s));

		if (!s) {
			x->b.oom = true;
			return 0;
		}
		x->stubs = s;
		x->stubcap = cap;
	}
	x->stubs[x->nstubs] = (struct xl_stub){ xl_label(&x->b), code, pc, false };
	xl_mark_cold(&x->b, x->stubs[x->nstubs].label);
	return x->stubs[x->nstubs++].label;
}

void xl_spill(struct xl_ctx *x, int n)
{
	for (int i = 0; i < n && i < 4; i++)
		EMIT(&x->b, STX_MEM(BPF_DW, x->fb, R1 + i, FP_STK(i)));
}

void xl_reload(struct xl_ctx *x, int n)
{
	for (int i = 0; i < n && i < 4; i++)
		EMIT(&x->b, LDX_MEM(BPF_DW, R1 + i, x->fb, FP_STK(i)));
}

void xl_reload_packet(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	int c = xl_ctx_reg(x, R0);

	EMIT(b, LDX_MEM(BPF_W, R8, c, xl_off_data(x)));
	EMIT(b, LDX_MEM(BPF_W, R6, c, xl_off_data_end(x)));
	/* From the stack even in loop mode: the kernel verifier must know
	 * the offset (42 or 62) to allow the pointer arithmetic. */
	xl_ptr_slot(x, FP_HDROFF, R0);
	EMIT(b, ALU64_REG(BPF_ADD, R8, R0));
	EMIT(b, MOV64_REG(R0, R8));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, RC_HDR_LEN));
	JMP_TO(b, JMP_REG(BPF_JGT, R0, R6), x->l_internal);
	x->proven = 0;
}

void xl_csum_replace(struct xl_ctx *x, bool odd)
{
	xl_csum_replace_acc(x, odd, FP_CSUM);
}

void xl_csum_replace_acc(struct xl_ctx *x, bool odd, int acc)
{
	struct xl_buf *b = &x->b;

	/*
	 * ~old + new, each first folded to 33 bits ((v & 0xffffffff) +
	 * (v >> 32), congruent modulo 0xffff as 2^32 == 1), so that the
	 * running sum never overflows 64 bits: no carry to bring around,
	 * no branch (a compare would make the kernel verifier track the sum
	 * precisely and stop pruning), no division.
	 */
	EMIT(b, STX_MEM(BPF_DW, x->fb, R5, FP_TMP));	/* new, parked */
	EMIT(b, ALU64_IMM(BPF_XOR, R0, -1));		/* ~old */
	EMIT(b, MOV64_REG(R5, R0));
	EMIT(b, ALU64_IMM(BPF_RSH, R5, 32));
	EMIT(b, MOV32_REG(R0, R0));
	EMIT(b, ALU64_REG(BPF_ADD, R0, R5));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_TMP2));
	EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, FP_TMP));
	EMIT(b, MOV64_REG(R5, R0));
	EMIT(b, ALU64_IMM(BPF_RSH, R5, 32));
	EMIT(b, MOV32_REG(R0, R0));
	EMIT(b, ALU64_REG(BPF_ADD, R0, R5));
	EMIT(b, LDX_MEM(BPF_DW, R5, x->fb, FP_TMP2));
	EMIT(b, ALU64_REG(BPF_ADD, R0, R5));		/* < 2^35 */
	if (odd)	/* x 2^8: the bytes sit one byte off the words */
		EMIT(b, ALU64_IMM(BPF_LSH, R0, 8));
	EMIT(b, LDX_MEM(BPF_DW, R5, x->fb, acc));
	EMIT(b, ALU64_REG(BPF_ADD, R5, R0));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R5, acc));
}

/* r0 = r0 folded from a 64-bit ones'-complement sum to 16 bits (r5 is
 * scratch). */
void xl_csum_fold(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	EMIT(b, MOV64_REG(R5, R0));
	EMIT(b, ALU64_IMM(BPF_RSH, R5, 32));
	EMIT(b, MOV32_REG(R0, R0));
	EMIT(b, ALU64_REG(BPF_ADD, R0, R5));		/* < 2^33 */
	for (int i = 0; i < 3; i++) {			/* < 2^17, 2^16+.., 2^16 */
		EMIT(b, MOV64_REG(R5, R0));
		EMIT(b, ALU64_IMM(BPF_RSH, R5, 16));
		EMIT(b, ALU64_IMM(BPF_AND, R0, 0xffff));
		EMIT(b, ALU64_REG(BPF_ADD, R0, R5));
	}
}

void xl_lookup(struct xl_ctx *x, int fd)
{
	struct xl_buf *b = &x->b;

	xl_ld_map_fd(b, R1, fd);
	EMIT(b, MOV64_REG(R2, R10));
	/* The key 0 lives in the stack of whichever function runs. */
	EMIT(b, ALU64_IMM(BPF_ADD, R2, x->in_callback ? CB_KEY : FP_KEY));
	EMIT(b, CALL(BPF_FUNC_map_lookup_elem));
	JMP_TO(b, JMP_IMM(BPF_JEQ, R0, 0), x->l_internal);
}

void xl_bump(struct xl_ctx *x, int off)
{
	EMIT(&x->b, LDX_MEM(BPF_DW, R1, R0, off));
	EMIT(&x->b, ALU64_IMM(BPF_ADD, R1, 1));
	EMIT(&x->b, STX_MEM(BPF_DW, R0, R1, off));
}

/* Check one IP version's headers; r2 = data, r6 = data_end. */
static void parse_ip(struct xl_ctx *x, bool v6, int l_udp)
{
	struct xl_buf *b = &x->b;
	int hdr = v6 ? 14 + 40 + 8 : 14 + 20 + 8;	/* R header offset */

	EMIT(b, MOV64_REG(R0, R2));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, hdr + RC_HDR_LEN));
	JMP_TO(b, JMP_REG(BPF_JGT, R0, R6), x->l_not_ours);
	if (v6) {
		EMIT(b, LDX_MEM(BPF_B, R3, R2, 14 + 6));	/* next header */
		JMP_TO(b, JMP_IMM(BPF_JNE, R3, 17), x->l_not_ours);
		/* payload length == UDP length (no extension headers) */
		EMIT(b, LDX_MEM(BPF_H, R3, R2, 14 + 4));
		EMIT(b, LDX_MEM(BPF_H, R4, R2, 14 + 40 + 4));
		JMP_TO(b, JMP_REG(BPF_JNE, R3, R4), x->l_not_ours);
	} else {
		EMIT(b, LDX_MEM(BPF_B, R3, R2, 14));		/* version, ihl */
		JMP_TO(b, JMP_IMM(BPF_JNE, R3, 0x45), x->l_not_ours);
		EMIT(b, LDX_MEM(BPF_B, R3, R2, 14 + 9));	/* protocol */
		JMP_TO(b, JMP_IMM(BPF_JNE, R3, 17), x->l_not_ours);
		EMIT(b, LDX_MEM(BPF_H, R3, R2, 14 + 6));	/* MF | offset */
		JMP_TO(b, JMP_IMM(BPF_JSET, R3, 0xff3f), x->l_not_ours);
		/* total length == 20 + UDP length */
		EMIT(b, LDX_MEM(BPF_H, R3, R2, 14 + 2));
		EMIT(b, BSWAP_BE(R3, 16));
		EMIT(b, LDX_MEM(BPF_H, R4, R2, 14 + 20 + 4));
		EMIT(b, BSWAP_BE(R4, 16));
		EMIT(b, ALU64_IMM(BPF_ADD, R4, 20));
		JMP_TO(b, JMP_REG(BPF_JNE, R3, R4), x->l_not_ours);
	}
	EMIT(b, MOV64_REG(R8, R2));
	EMIT(b, ALU64_IMM(BPF_ADD, R8, hdr));
	EMIT(b, ST_MEM(BPF_DW, x->fb, FP_HDROFF, hdr));
	EMIT(b, ST_MEM(BPF_DW, x->fb, FP_IPV, v6 ? 6 : 4));
	JMP_TO(b, JA(), l_udp);
}

/*
 * TC: the skb must be exactly the frame the headers describe, and linear.
 * Longer (padding): bpf_skb_change_tail() trims it.  Not linear (the
 * payload in page fragments): bpf_skb_pull_data() brings it into the
 * head; only R-messages for us get that far, so other traffic never
 * pays for a pull.  r4 = payload length, r8 = R header.
 */
static void tc_exact_length(struct xl_ctx *x, int l_exact)
{
	struct xl_buf *b = &x->b;
	int l_len = xl_label(b);

	EMIT(b, LDX_MEM(BPF_DW, R3, x->fb, FP_HDROFF));
	EMIT(b, ALU64_REG(BPF_ADD, R3, R4));
	EMIT(b, ALU64_IMM(BPF_ADD, R3, RC_HDR_LEN));	/* wanted length */
	EMIT(b, LDX_MEM(BPF_W, R0, R9, offsetof(struct __sk_buff, len)));
	JMP_TO(b, JMP_REG(BPF_JLT, R0, R3), x->l_not_ours);
	JMP_TO(b, JMP_REG(BPF_JEQ, R0, R3), l_len);
	EMIT(b, MOV64_REG(R1, R9));
	EMIT(b, MOV64_REG(R2, R3));
	EMIT(b, MOV64_IMM(R3, 0));
	EMIT(b, CALL(BPF_FUNC_skb_change_tail));
	JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), x->l_not_ours);
	xl_reload_packet(x);
	xl_bind(b, l_len);
	EMIT(b, LDX_MEM(BPF_DW, R4, x->fb, FP_ORIGLEN));
	EMIT(b, MOV64_REG(R0, R8));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, RC_HDR_LEN));
	EMIT(b, ALU64_REG(BPF_ADD, R0, R4));
	JMP_TO(b, JMP_REG(BPF_JLE, R0, R6), l_exact);
	EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_HDROFF));
	EMIT(b, ALU64_REG(BPF_ADD, R2, R4));
	EMIT(b, ALU64_IMM(BPF_ADD, R2, RC_HDR_LEN));
	EMIT(b, MOV64_REG(R1, R9));
	EMIT(b, CALL(BPF_FUNC_skb_pull_data));
	JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), x->l_not_ours);
	xl_reload_packet(x);
	EMIT(b, LDX_MEM(BPF_DW, R4, x->fb, FP_ORIGLEN));
	EMIT(b, MOV64_REG(R0, R8));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, RC_HDR_LEN));
	EMIT(b, ALU64_REG(BPF_ADD, R0, R4));
	JMP_TO(b, JMP_REG(BPF_JGT, R0, R6), x->l_not_ours);
}

void xl_prologue(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;
	const struct rc_prog *p = x->prog;
	int l_v4 = xl_label(b), l_v6 = xl_label(b), l_udp = xl_label(b);
	int l_exact = xl_label(b);
	uint16_t port_be = (uint16_t)(x->port << 8 | x->port >> 8);

	EMIT(b, MOV64_REG(R9, R1));
	EMIT(b, LDX_MEM(BPF_W, R2, R9, xl_off_data(x)));
	EMIT(b, LDX_MEM(BPF_W, R6, R9, xl_off_data_end(x)));
	EMIT(b, MOV64_REG(R0, R2));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, 14));
	JMP_TO(b, JMP_REG(BPF_JGT, R0, R6), x->l_not_ours);
	EMIT(b, LDX_MEM(BPF_H, R3, R2, 12));		/* ethertype, as read LE */
	JMP_TO(b, JMP_IMM(BPF_JEQ, R3, 0x0008), l_v4);	/* ETH_P_IP */
	JMP_TO(b, JMP_IMM(BPF_JEQ, R3, 0xdd86), l_v6);	/* ETH_P_IPV6 */
	JMP_TO(b, JA(), x->l_not_ours);
	xl_bind(b, l_v4);
	parse_ip(x, false, l_udp);
	xl_bind(b, l_v6);
	parse_ip(x, true, l_udp);

	/* r8 = R header; the 24 header bytes are known to be there. */
	xl_bind(b, l_udp);
	EMIT(b, LDX_MEM(BPF_H, R3, R8, -8 + 2));	/* UDP destination port */
	JMP_TO(b, JMP_IMM(BPF_JNE, R3, port_be), x->l_not_ours);
	EMIT(b, LDX_MEM(BPF_H, R3, R8, RC_WOFF_MAGIC));
	JMP_TO(b, JMP_IMM(BPF_JNE, R3, 0x4d52), x->l_not_ours);	/* "RM" */
	EMIT(b, LDX_MEM(BPF_B, R3, R8, RC_WOFF_VERSION));
	JMP_TO(b, JMP_IMM(BPF_JNE, R3, RC_WIRE_VERSION), x->l_not_ours);
	/* At XDP no portal check: choosing the handler by portal is the
	 * dispatcher's job; a handler runs on the messages it is given.  A
	 * TC program is attached by itself and picks its own messages. */
	if (x->tc && !x->any_portal) {
		uint16_t portal = (uint16_t)p->portal;

		EMIT(b, LDX_MEM(BPF_H, R3, R8, RC_WOFF_PORTAL));
		JMP_TO(b, JMP_IMM(BPF_JNE, R3, (uint16_t)(portal << 8 | portal >> 8)),
		       x->l_not_ours);
	}
	EMIT(b, LDX_MEM(BPF_H, R4, R8, RC_WOFF_LEN));
	EMIT(b, BSWAP_BE(R4, 16));
	JMP_TO(b, JMP_IMM(BPF_JGT, R4, RC_PAYLOAD_MAX), x->l_not_ours);
	EMIT(b, LDX_MEM(BPF_H, R3, R8, -8 + 4));	/* UDP length */
	EMIT(b, BSWAP_BE(R3, 16));
	EMIT(b, MOV64_REG(R0, R4));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, 8 + RC_HDR_LEN));
	JMP_TO(b, JMP_REG(BPF_JNE, R3, R0), x->l_not_ours);
	EMIT(b, STX_MEM(BPF_DW, x->fb, R4, FP_ORIGLEN));

	/*
	 * The payload must end where the packet ends, so that a bounds check
	 * against data_end is exactly R-code's check against len.  Shorter:
	 * truncated, not ours.  Longer: link-layer padding; trim it.
	 */
	if (x->tc) {
		tc_exact_length(x, l_exact);
	} else {
		EMIT(b, MOV64_REG(R0, R8));
		EMIT(b, ALU64_IMM(BPF_ADD, R0, RC_HDR_LEN));
		EMIT(b, ALU64_REG(BPF_ADD, R0, R4));
		JMP_TO(b, JMP_REG(BPF_JGT, R0, R6), x->l_not_ours);
		JMP_TO(b, JMP_REG(BPF_JEQ, R0, R6), l_exact);
		EMIT(b, MOV64_REG(R1, R9));
		EMIT(b, CALL(BPF_FUNC_xdp_get_buff_len));
		EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_ORIGLEN));
		EMIT(b, LDX_MEM(BPF_DW, R3, x->fb, FP_HDROFF));
		EMIT(b, ALU64_REG(BPF_ADD, R2, R3));
		EMIT(b, ALU64_IMM(BPF_ADD, R2, RC_HDR_LEN));	/* wanted length */
		EMIT(b, ALU64_REG(BPF_SUB, R2, R0));		/* minus actual: < 0 */
		EMIT(b, MOV64_REG(R1, R9));
		EMIT(b, CALL(BPF_FUNC_xdp_adjust_tail));
		JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), x->l_not_ours);
		xl_reload_packet(x);
	}
	xl_bind(b, l_exact);

	/* The maps: one-entry arrays, looked up once per run. */
	EMIT(b, ST_MEM(BPF_W, R10, FP_KEY, 0));
	if (p->state_words) {
		xl_lookup(x, x->maps->state_fd);
		EMIT(b, MOV64_REG(R7, R0));
		/* send borrows r7; the stack keeps the data area for it */
		if (x->tc && x->plan.ranks)
			EMIT(b, STX_MEM(BPF_DW, R10, R7, FP_STATE));
	}
	for (uint32_t k = 0; k < p->nwindows; k++) {
		xl_lookup(x, x->maps->window_fd[k]);
		EMIT(b, STX_MEM(BPF_DW, R10, R0, FP_WIN(k)));
	}
	if ((x->plan.ranks || x->plan.upcalls) && !x->loop) {
		xl_lookup(x, x->maps->scratch_fd);
		EMIT(b, STX_MEM(BPF_DW, R10, R0, FP_SCRATCH));
	}
	if (x->csum)
		EMIT(b, ST_MEM(BPF_DW, x->fb, FP_CSUM, 0));
	if (x->plan.budget_checks)
		EMIT(b, ST_MEM(BPF_DW, x->fb, FP_CNT, 0));
	for (int j = 0; j < RC_LOCALS; j++)	/* locals start at zero */
		if (x->locals_read & 1u << j)
			EMIT(b, ST_MEM(BPF_DW, x->fb, FP_LOCAL(j), 0));
	if (x->plan.needs_snapshot) {
		xl_lookup(x, x->maps->snapshot_fd);
		EMIT(b, STX_MEM(BPF_DW, R10, R0, FP_SNAP));
		EMIT(b, MOV64_REG(R3, R0));
		EMIT(b, MOV64_REG(R1, R9));
		EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_HDROFF));
		EMIT(b, LDX_MEM(BPF_DW, R4, x->fb, FP_ORIGLEN));
		EMIT(b, ALU64_IMM(BPF_ADD, R4, RC_HDR_LEN));
		EMIT(b, CALL(x->tc ? BPF_FUNC_skb_load_bytes : BPF_FUNC_xdp_load_bytes));
		JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), x->l_internal);
	}
	x->proven = 0;
}

void xl_fix_lengths(struct xl_ctx *x, bool v6, int acc, int pacc)
{
	struct xl_buf *b = &x->b;
	int udp_len = (v6 ? 14 + 40 : 14 + 20) + 4;
	int l_same = xl_label(b);

	EMIT(b, LDX_MEM(BPF_H, R3, R8, RC_WOFF_LEN));
	EMIT(b, BSWAP_BE(R3, 16));			/* current length */
	EMIT(b, LDX_MEM(BPF_DW, R4, x->fb, FP_ORIGLEN));
	JMP_TO(b, JMP_REG(BPF_JEQ, R3, R4), l_same);
	/* UDP length: in the header and in the pseudo-header, so twice. */
	EMIT(b, MOV64_REG(R5, R3));
	EMIT(b, ALU64_IMM(BPF_ADD, R5, 8 + RC_HDR_LEN));
	EMIT(b, BSWAP_BE(R5, 16));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R5, FP_LENNEW));
	EMIT(b, LDX_MEM(BPF_H, R0, R2, udp_len));
	EMIT(b, STX_MEM(BPF_H, R2, R5, udp_len));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_LENOLD));
	xl_csum_replace_acc(x, false, acc);
	EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, FP_LENOLD));
	EMIT(b, LDX_MEM(BPF_DW, R5, x->fb, FP_LENNEW));
	xl_csum_replace_acc(x, false, pacc);
	{
		int c = xl_ctx_reg(x, R1);

		EMIT(b, LDX_MEM(BPF_W, R2, c, xl_off_data(x)));
		EMIT(b, LDX_MEM(BPF_W, R6, c, xl_off_data_end(x)));
	}
	EMIT(b, MOV64_REG(R0, R2));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, 14 + (v6 ? 40 : 20)));
	JMP_TO(b, JMP_REG(BPF_JGT, R0, R6), x->l_internal);
	EMIT(b, LDX_MEM(BPF_H, R3, R8, RC_WOFF_LEN));
	EMIT(b, BSWAP_BE(R3, 16));
	if (v6) {
		EMIT(b, ALU64_IMM(BPF_ADD, R3, 8 + RC_HDR_LEN));
		EMIT(b, BSWAP_BE(R3, 16));
		EMIT(b, STX_MEM(BPF_H, R2, R3, 14 + 4));	/* payload length */
	} else {
		/* total length, and the IP header checksum with it */
		EMIT(b, ALU64_IMM(BPF_ADD, R3, 20 + 8 + RC_HDR_LEN));
		EMIT(b, BSWAP_BE(R3, 16));
		EMIT(b, LDX_MEM(BPF_H, R4, R2, 14 + 2));
		EMIT(b, STX_MEM(BPF_H, R2, R3, 14 + 2));
		EMIT(b, LDX_MEM(BPF_H, R5, R2, 14 + 10));	/* HC */
		EMIT(b, NEG64(R5));
		EMIT(b, ALU64_IMM(BPF_ADD, R5, CSUM_MOD));	/* ~HC */
		EMIT(b, NEG64(R4));
		EMIT(b, ALU64_IMM(BPF_ADD, R4, CSUM_MOD));	/* ~m */
		EMIT(b, ALU64_REG(BPF_ADD, R5, R4));
		EMIT(b, ALU64_REG(BPF_ADD, R5, R3));		/* + m' */
		EMIT(b, ALU64_IMM(BPF_MOD, R5, CSUM_MOD));
		EMIT(b, NEG64(R5));
		EMIT(b, ALU64_IMM(BPF_ADD, R5, CSUM_MOD));
		EMIT(b, STX_MEM(BPF_H, R2, R5, 14 + 10));
	}
	xl_bind(b, l_same);
}

/* Fold the running checksum delta in acc into the UDP checksum field,
 * directly (XDP). */
static void fold_direct(struct xl_ctx *x, int acc)
{
	struct xl_buf *b = &x->b;
	int l_done = xl_label(b), l_go = xl_label(b);

	EMIT(b, LDX_MEM(BPF_H, R5, R8, -8 + 6));
	JMP_TO(b, JMP_IMM(BPF_JNE, R5, 0), l_go);
	/* 0 means "no checksum" over IPv4 (RFC 768); keep it that way. */
	xl_ptr_slot(x, FP_IPV, R0);	/* the stack's copy: known exactly */
	JMP_TO(b, JMP_IMM(BPF_JEQ, R0, 4), l_done);
	xl_bind(b, l_go);
	/* HC' = ~(~HC + sum of (~m + m')), RFC 1624, folded to 16 bits */
	EMIT(b, STX_MEM(BPF_DW, x->fb, R5, FP_TMP));
	EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, acc));
	xl_csum_fold(x);
	EMIT(b, LDX_MEM(BPF_DW, R5, x->fb, FP_TMP));
	EMIT(b, ALU64_IMM(BPF_XOR, R5, 0xffff));	/* ~HC */
	EMIT(b, ALU64_REG(BPF_ADD, R0, R5));
	xl_csum_fold(x);
	EMIT(b, ALU64_IMM(BPF_XOR, R0, 0xffff));
	/* UDP sends a computed 0 as 0xffff: 0 means "no checksum". */
	EMIT(b, JMP_IMM(BPF_JNE, R0, 0));
	b->insns[b->n - 1].off = 1;
	EMIT(b, MOV64_IMM(R0, 0xffff));
	EMIT(b, STX_MEM(BPF_H, R8, R0, -8 + 6));
	xl_bind(b, l_done);
}

void xl_fold_checksum(struct xl_ctx *x, int acc, int pacc)
{
	if (x->tc)
		xl_tc_fold(x, acc, pacc);
	else
		fold_direct(x, acc);
}

/* Exchange n bytes at offsets a and c of base, 4 or 2 bytes at a time. */
static void swap_bytes(struct xl_ctx *x, int base, int a, int c, int n)
{
	struct xl_buf *b = &x->b;

	for (int i = 0; i < n;) {
		int sz = n - i >= 4 ? BPF_W : BPF_H, w = sz == BPF_W ? 4 : 2;

		EMIT(b, LDX_MEM(sz, R3, base, a + i));
		EMIT(b, LDX_MEM(sz, R4, base, c + i));
		EMIT(b, STX_MEM(sz, base, R4, a + i));
		EMIT(b, STX_MEM(sz, base, R3, c + i));
		i += w;
	}
}

/*
 * The reply goes back where the message came from: swap the MAC and IP
 * addresses, the UDP ports and the R-message ranks.  Swapping two aligned
 * fields leaves every ones'-complement sum unchanged.  Addressed from r8,
 * the R header, whose distance from the frame's start (hdr) the kernel
 * verifier knows on each IP version's path, so nothing is reloaded.
 */
static void swap_addresses(struct xl_ctx *x, bool v6)
{
	int hdr = v6 ? 14 + 40 + 8 : 14 + 20 + 8;

	swap_bytes(x, R8, -hdr + 0, -hdr + 6, 6);
	if (v6)
		swap_bytes(x, R8, -hdr + 14 + 8, -hdr + 14 + 24, 16);
	else
		swap_bytes(x, R8, -hdr + 14 + 12, -hdr + 14 + 16, 4);
	swap_bytes(x, R8, -8, -6, 2);
	swap_bytes(x, R8, RC_WOFF_SRC, RC_WOFF_DST, 4);
}

void xl_load_data_checked(struct xl_ctx *x, bool v6)
{
	struct xl_buf *b = &x->b;

	{
		int c = xl_ctx_reg(x, R1);

		EMIT(b, LDX_MEM(BPF_W, R2, c, xl_off_data(x)));
		EMIT(b, LDX_MEM(BPF_W, R6, c, xl_off_data_end(x)));
	}
	EMIT(b, MOV64_REG(R0, R2));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, (v6 ? 62 : 42) + RC_HDR_LEN));
	JMP_TO(b, JMP_REG(BPF_JGT, R0, R6), x->l_internal);
}

/* pass and reply: lengths, checksum, addresses, statistics, verdict. */
static void finish_sending(struct xl_ctx *x, bool reply)
{
	struct xl_buf *b = &x->b;
	int l_v6 = xl_label(b), l_stats = xl_label(b);

	for (int v6 = 0; v6 < 2; v6++) {
		if (v6)
			xl_bind(b, l_v6);
		else {
			/* From the stack even in loop mode: the kernel
			 * verifier must tie each path to its IP version. */
			xl_ptr_slot(x, FP_IPV, R0);
			JMP_TO(b, JMP_IMM(BPF_JEQ, R0, 6), l_v6);
		}
		if (x->plan.edits) {
			int pacc = x->tc ? FP_PSUM : FP_CSUM;

			if (x->tc)
				EMIT(b, ST_MEM(BPF_DW, x->fb, FP_PSUM, 0));
			if (x->has_resize) {
				xl_load_data_checked(x, v6);
				xl_fix_lengths(x, v6, FP_CSUM, pacc);
			}
			xl_fold_checksum(x, FP_CSUM, pacc);
		}
		if (reply)
			swap_addresses(x, v6);
		JMP_TO(b, JA(), l_stats);
	}
	xl_bind(b, l_stats);
	xl_lookup(x, x->maps->stats_fd);
	xl_bump(x, ST(invocations));
	xl_bump(x, reply ? ST(reply) : ST(pass));
	if (!reply) {
		EMIT(b, MOV64_IMM(R0, xl_verdict_pass(x)));
	} else if (!x->tc) {
		EMIT(b, MOV64_IMM(R0, XDP_TX));
	} else {
		/* Back out of the interface it came in on. */
		int c = xl_ctx_reg(x, R1);

		EMIT(b, LDX_MEM(BPF_W, R1, c, xl_off_ifindex(x)));
		EMIT(b, MOV64_IMM(R2, 0));
		EMIT(b, CALL(BPF_FUNC_redirect));	/* TC_ACT_REDIRECT */
	}
	EMIT(b, EXIT_INSN());
}

int xl_verdict_pass(const struct xl_ctx *x)
{
	return x->tc ? TC_ACT_OK : XDP_PASS;
}

/* Undo every edit: restore the length, then the bytes from the snapshot. */
static void restore_message(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	xl_reload_packet(x);
	if (x->has_resize) {
		int l_same = xl_label(b);

		EMIT(b, LDX_MEM(BPF_H, R3, R8, RC_WOFF_LEN));
		EMIT(b, BSWAP_BE(R3, 16));
		EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_ORIGLEN));
		JMP_TO(b, JMP_REG(BPF_JEQ, R2, R3), l_same);
		if (x->tc) {	/* the new length of the whole frame */
			EMIT(b, LDX_MEM(BPF_DW, R3, x->fb, FP_HDROFF));
			EMIT(b, ALU64_REG(BPF_ADD, R2, R3));
			EMIT(b, ALU64_IMM(BPF_ADD, R2, RC_HDR_LEN));
			EMIT(b, MOV64_IMM(R3, 0));
		} else {	/* the change */
			EMIT(b, ALU64_REG(BPF_SUB, R2, R3));
		}
		if (xl_ctx_reg(x, R1) != R1)
			EMIT(b, MOV64_REG(R1, R9));
		EMIT(b, CALL(x->tc ? BPF_FUNC_skb_change_tail : BPF_FUNC_xdp_adjust_tail));
		JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), x->l_internal);
		xl_bind(b, l_same);
	}
	if (xl_ctx_reg(x, R1) != R1)
		EMIT(b, MOV64_REG(R1, R9));
	EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_HDROFF));
	xl_ptr_slot(x, FP_SNAP, R3);
	EMIT(b, LDX_MEM(BPF_DW, R4, x->fb, FP_ORIGLEN));
	/* Re-bound for the kernel verifier: the spilled value is exact but
	 * came from the packet. */
	JMP_TO(b, JMP_IMM(BPF_JGT, R4, RC_PAYLOAD_MAX), x->l_internal);
	EMIT(b, ALU64_IMM(BPF_ADD, R4, RC_HDR_LEN));
	if (x->tc)	/* flags: none (skb->csum is not touched by edits) */
		EMIT(b, MOV64_IMM(R5, 0));
	EMIT(b, CALL(x->tc ? BPF_FUNC_skb_store_bytes : BPF_FUNC_xdp_store_bytes));
}

/*
 * What a shrinking resize removes leaves the checksum without a loop.  A
 * loop over up to 1408 bytes made the kernel verifier walk every
 * iteration, pushing a branch state at each, and three resizes in a row
 * passed its limit of 8192 ("The sequence of 8193 jumps is too complex").
 * Instead the removed bytes are copied (bpf_xdp_load_bytes or
 * bpf_skb_load_bytes) into the zeroed scratch half of the snapshot map
 * value at the parity they had in the message, and bpf_csum_diff() sums
 * their complements in at most three constant-bounded calls: a 32-bit
 * ones'-complement sum, taken mod 2^32 - 1 and so mod 0xffff too, which is
 * all FP_CSUM needs.  Zero padding adds nothing.  Like csum_partial(), it
 * reads words in the host's byte order, which on a little-endian host is
 * the order FP_CSUM counts in (a byte at an odd offset counts 2^8 times).
 *
 * FP_TMP holds the new length, FP_TMP2 the current one.  Both are read
 * back from the frame, which in loop mode is a map value the kernel
 * verifier knows nothing about, so each is bounded again before use.
 */
#define RS_SCRATCH	RC_SNAPSHOT_SIZE	/* the scratch half's offset */

/* r4 = cur - new in [1, 1408], r5 = new & 1, r3 = new; else to l_out. */
static void removed_bounds(struct xl_ctx *x, int l_out)
{
	struct xl_buf *b = &x->b;

	EMIT(b, LDX_MEM(BPF_DW, R3, x->fb, FP_TMP));
	JMP_TO(b, JMP_IMM(BPF_JGT, R3, RC_PAYLOAD_MAX), l_out);
	EMIT(b, LDX_MEM(BPF_DW, R4, x->fb, FP_TMP2));
	JMP_TO(b, JMP_IMM(BPF_JGT, R4, RC_PAYLOAD_MAX), l_out);
	EMIT(b, ALU64_REG(BPF_SUB, R4, R3));
	/* The kernel verifier keeps no relation between registers: say
	 * what cur > new means for the difference. */
	JMP_TO(b, JMP_IMM(BPF_JSLT, R4, 1), l_out);
	EMIT(b, MOV64_REG(R5, R3));
	EMIT(b, ALU64_IMM(BPF_AND, R5, 1));
}

static void removed_bytes_copy(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;
	int l_out = xl_label(b);

	xl_lookup(x, x->maps->snapshot_fd);
	removed_bounds(x, l_out);
	/* Zero the first word (the byte before an odd start) and the last
	 * (the padding to a multiple of 4): at lead + len - 1, rounded down
	 * to 4, which is below 1412. */
	EMIT(b, ST_MEM(BPF_DW, R0, RS_SCRATCH, 0));
	EMIT(b, MOV64_REG(R1, R4));
	EMIT(b, ALU64_REG(BPF_ADD, R1, R5));
	EMIT(b, ALU64_IMM(BPF_SUB, R1, 1));
	EMIT(b, ALU64_IMM(BPF_AND, R1, ~3));
	EMIT(b, ALU64_REG(BPF_ADD, R1, R0));
	EMIT(b, ST_MEM(BPF_W, R1, RS_SCRATCH, 0));
	/* load_bytes(ctx, hdroff + 24 + new, scratch + lead, len) */
	EMIT(b, ALU64_REG(BPF_ADD, R0, R5));
	EMIT(b, ALU64_IMM(BPF_ADD, R0, RS_SCRATCH));
	EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_HDROFF));
	EMIT(b, ALU64_REG(BPF_ADD, R2, R3));
	EMIT(b, ALU64_IMM(BPF_ADD, R2, MSG_PAYLOAD));
	EMIT(b, MOV64_REG(R3, R0));
	if (xl_ctx_reg(x, R1) != R1)
		EMIT(b, MOV64_REG(R1, R9));
	EMIT(b, CALL(x->tc ? BPF_FUNC_skb_load_bytes : BPF_FUNC_xdp_load_bytes));
	JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), x->l_internal);
	xl_bind(b, l_out);
}

/* FP_CSUM += the complement sum of chunk c (bytes 512c.. of the padded
 * copy), if the copy reaches it. */
static void removed_bytes_sum(struct xl_ctx *x, int c, int l_out)
{
	struct xl_buf *b = &x->b;
	int l_full = xl_label(b), l_call = xl_label(b);

	xl_lookup(x, x->maps->snapshot_fd);
	removed_bounds(x, l_out);
	/* r4 = the padded size, lead + len rounded up to 4, minus 512c */
	EMIT(b, ALU64_REG(BPF_ADD, R4, R5));
	EMIT(b, ALU64_IMM(BPF_ADD, R4, 3));
	EMIT(b, ALU64_IMM(BPF_AND, R4, ~3));
	if (c) {
		JMP_TO(b, JMP_IMM(BPF_JLE, R4, 512 * c), l_out);
		EMIT(b, ALU64_IMM(BPF_SUB, R4, 512 * c));
	}
	JMP_TO(b, JMP_IMM(BPF_JGT, R4, 512), l_full);
	EMIT(b, MOV64_REG(R2, R4));
	JMP_TO(b, JA(), l_call);
	xl_bind(b, l_full);
	EMIT(b, MOV64_IMM(R2, 512));
	xl_bind(b, l_call);
	EMIT(b, MOV64_REG(R1, R0));
	EMIT(b, ALU64_IMM(BPF_ADD, R1, RS_SCRATCH + 512 * c));
	EMIT(b, MOV64_IMM(R3, 0));
	EMIT(b, MOV64_IMM(R4, 0));
	EMIT(b, MOV64_IMM(R5, 0));
	EMIT(b, CALL(BPF_FUNC_csum_diff));
	/* Sizes are multiples of 4 and at most 512: it cannot fail. */
	JMP_TO(b, JMP_IMM(BPF_JSLT, R0, 0), x->l_internal);
	EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_CSUM));
	EMIT(b, ALU64_REG(BPF_ADD, R2, R0));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R2, FP_CSUM));
}

/*
 * resize: n in slot d-1.  The bytes a shrink removes leave the checksum
 * first; the kernel zeroes what a grow adds (bpf_xdp_adjust_tail), and
 * zeros add nothing to a checksum.  The UDP and IP lengths are fixed when
 * the message is sent (fix_lengths), a fault restores the old length.
 */
void xl_resize(struct xl_ctx *x, uint32_t pc, int d)
{
	struct xl_buf *b = &x->b;
	int fault = xl_fault_label(x, RC_FAULT_LENGTH, pc);
	int l_done = xl_label(b);

	if (d - 1 < 4)
		EMIT(b, MOV64_REG(R5, R1 + d - 1));
	else
		EMIT(b, LDX_MEM(BPF_DW, R5, x->fb, FP_STK(d - 1)));
	JMP_TO(b, JMP_IMM(BPF_JGT, R5, RC_PAYLOAD_MAX), fault);
	EMIT(b, STX_MEM(BPF_DW, x->fb, R5, FP_TMP));		/* new length */
	xl_spill(x, d - 1);
	EMIT(b, LDX_MEM(BPF_H, R4, R8, RC_WOFF_LEN));
	EMIT(b, BSWAP_BE(R4, 16));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R4, FP_TMP2));		/* current */

	/* The bytes a shrink removes, [new, cur), leave the checksum. */
	JMP_TO(b, JMP_REG(BPF_JGE, R5, R4), l_done);
	removed_bytes_copy(x);
	for (int c = 0; c < 3; c++)
		removed_bytes_sum(x, c, l_done);
	xl_bind(b, l_done);

	EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_TMP));
	if (x->tc) {	/* the new length of the whole frame */
		EMIT(b, LDX_MEM(BPF_DW, R3, x->fb, FP_HDROFF));
		EMIT(b, ALU64_REG(BPF_ADD, R2, R3));
		EMIT(b, ALU64_IMM(BPF_ADD, R2, RC_HDR_LEN));
		EMIT(b, MOV64_IMM(R3, 0));
	} else {	/* the change */
		EMIT(b, LDX_MEM(BPF_DW, R3, x->fb, FP_TMP2));
		EMIT(b, ALU64_REG(BPF_SUB, R2, R3));
	}
	if (xl_ctx_reg(x, R1) != R1)
		EMIT(b, MOV64_REG(R1, R9));
	EMIT(b, CALL(x->tc ? BPF_FUNC_skb_change_tail : BPF_FUNC_xdp_adjust_tail));
	/* Only a driver without tailroom can refuse; then the message
	 * cannot have the length R-code asked for: fault 'length'. */
	JMP_TO(b, JMP_IMM(BPF_JNE, R0, 0), fault);
	xl_reload_packet(x);
	EMIT(b, LDX_MEM(BPF_DW, R5, x->fb, FP_TMP));
	EMIT(b, BSWAP_BE(R5, 16));
	EMIT(b, LDX_MEM(BPF_H, R0, R8, RC_WOFF_LEN));
	EMIT(b, STX_MEM(BPF_H, R8, R5, RC_WOFF_LEN));
	xl_csum_replace(x, false);
	xl_reload(x, d - 1);
}

/* A fault: the message goes up as it came; record code and pc. */
static void emit_fault(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	xl_bind(b, x->l_fault);
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_FCODE));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R5, FP_FPC));
	if (x->plan.needs_snapshot)
		restore_message(x);
	EMIT(b, CALL(BPF_FUNC_ktime_get_ns));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_TMP));
	xl_lookup(x, x->maps->stats_fd);
	xl_bump(x, ST(invocations));
	EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_FCODE));
	EMIT(b, STX_MEM(BPF_DW, R0, R2, ST(last_fault_code)));
	EMIT(b, LDX_MEM(BPF_DW, R3, x->fb, FP_FPC));
	EMIT(b, STX_MEM(BPF_DW, R0, R3, ST(last_fault_pc)));
	EMIT(b, LDX_MEM(BPF_DW, R3, x->fb, FP_TMP));
	EMIT(b, STX_MEM(BPF_DW, R0, R3, ST(last_fault_ns)));
	{
		int l_nobudget = xl_label(b);

		JMP_TO(b, JMP_IMM(BPF_JNE, R2, RC_FAULT_BUDGET), l_nobudget);
		xl_bump(x, ST(budget_aborts));
		xl_bind(b, l_nobudget);
	}
	EMIT(b, LDX_MEM(BPF_DW, R2, x->fb, FP_FCODE));
	EMIT(b, ALU64_IMM(BPF_AND, R2, RC_ABI_FAULTS - 1));
	EMIT(b, ALU64_IMM(BPF_LSH, R2, 3));
	EMIT(b, ALU64_REG(BPF_ADD, R0, R2));
	xl_bump(x, ST(faults));
	EMIT(b, MOV64_IMM(R0, xl_verdict_pass(x)));
	EMIT(b, EXIT_INSN());
}

/* Not an R-message for this handler: untouched, counted. */
static void emit_not_ours(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	xl_bind(b, x->l_not_ours);
	EMIT(b, ST_MEM(BPF_W, R10, FP_KEY, 0));
	xl_lookup(x, x->maps->stats_fd);
	xl_bump(x, ST(not_for_us));
	/* TC_ACT_UNSPEC is TCX_NEXT: the next program decides. */
	EMIT(b, MOV64_IMM(R0, x->tc ? TC_ACT_UNSPEC : XDP_PASS));
	EMIT(b, EXIT_INSN());
}

void xl_ptr_slot(struct xl_ctx *x, int slot, int tmp)
{
	if (x->in_callback) {
		EMIT(&x->b, LDX_MEM(BPF_DW, tmp, R10, CB_PARENT));
		EMIT(&x->b, LDX_MEM(BPF_DW, tmp, tmp, slot));
	} else {
		EMIT(&x->b, LDX_MEM(BPF_DW, tmp, R10, slot));
	}
}

void xl_scratch(struct xl_ctx *x, int tmp)
{
	if (x->fb == R9)	/* loop mode: right after the loop frame */
		EMIT(&x->b, MOV64_REG(tmp, R9));
	else
		EMIT(&x->b, LDX_MEM(BPF_DW, tmp, R10, FP_SCRATCH));
}

int xl_ctx_reg(struct xl_ctx *x, int tmp)
{
	if (x->fb == R10)	/* r9 holds it until loop mode takes r9 */
		return R9;
	xl_ptr_slot(x, FP_XDPCTX, tmp);
	return tmp;
}

/* Fault exits: code in r0, pc in r5. */
void xl_emit_fault_stubs(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	for (uint32_t i = 0; i < x->nstubs; i++) {
		if (x->stubs[i].emitted || !xl_label_used(b, x->stubs[i].label))
			continue;
		x->stubs[i].emitted = true;
		xl_bind(b, x->stubs[i].label);
		EMIT(b, MOV64_IMM(R0, x->stubs[i].code));
		EMIT(b, MOV64_IMM(R5, x->stubs[i].pc));
		JMP_TO(b, JA(), x->l_fault);
	}
}

/*
 * Loop mode, in the main program: run the handler as a bpf_loop callback
 * (the kernel verifies a callback until its states converge, not once per
 * run, so the budget costs nothing at load time), then end the way it
 * says.
 */
/* Loop mode: move the scalar slots to the loop frame; r9 = the frame. */
void xl_loop_frame(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;
	static const int scalars[] = { FP_HDROFF, FP_IPV, FP_ORIGLEN, FP_CSUM, FP_CNT };

	EMIT(b, STX_MEM(BPF_DW, R10, R9, FP_XDPCTX));
	if (x->prog->state_words)
		EMIT(b, STX_MEM(BPF_DW, R10, R7, FP_STATE));
	xl_lookup(x, x->maps->frame_fd);
	EMIT(b, ALU64_IMM(BPF_ADD, R0, XL_FRAME_SIZE));
	EMIT(b, STX_MEM(BPF_DW, R10, R0, FP_FRAMEPTR));
	EMIT(b, MOV64_REG(R9, R0));
	/* What the prologue put on the stack moves to the loop frame. */
	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		if ((scalars[i] == FP_CSUM && !x->csum) ||
		    (scalars[i] == FP_CNT && !x->plan.budget_checks))
			continue;
		EMIT(b, LDX_MEM(BPF_DW, R1, R10, scalars[i]));
		EMIT(b, STX_MEM(BPF_DW, R9, R1, scalars[i]));
	}
	for (int j = 0; j < RC_LOCALS; j++)
		if (x->locals_read & 1u << j)
			EMIT(b, ST_MEM(BPF_DW, R9, FP_LOCAL(j), 0));
	x->fb = R9;
}

/*
 * Kernels that run BPF without the JIT refuse bpf_loop callbacks, so
 * there the loop stays inline: a back edge jumps straight back, after a
 * guard the kernel verifier can use to bound it (an iteration count on
 * the stack, at most budget + 1).  Verification then walks every
 * iteration, so its cost grows with budget x loop length: the kernel
 * may refuse long loops, and rcode_handler__load says so.
 */
void xl_inline_backedges(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	for (uint32_t i = 0; i < x->nbackedges; i++) {
		const struct xl_backedge *e = &x->backedges[i];

		if (!xl_label_used(b, e->label))
			continue;
		xl_bind(b, e->label);
		EMIT(b, LDX_MEM(BPF_DW, R0, R10, FP_ITER));
		EMIT(b, ALU64_IMM(BPF_ADD, R0, 1));
		EMIT(b, STX_MEM(BPF_DW, R10, R0, FP_ITER));
		JMP_TO(b, JMP_IMM(BPF_JGT, R0, x->prog->budget + 1), x->l_internal);
		JMP_TO(b, JA(), x->pc_label[e->target]);
	}
}

void xl_loop_main(struct xl_ctx *x, int l_callback)
{
	struct xl_buf *b = &x->b;

	xl_loop_frame(x);
	EMIT(b, ST_MEM(BPF_DW, R9, FP_RESUME, 0));
	EMIT(b, ST_MEM(BPF_DW, R9, FP_LOOPACT, XL_END_NONE));
	/* budget + 1 runs: a one-instruction loop at pc 0 uses one run per
	 * instruction, and the run that finds the budget spent must come. */
	EMIT(b, MOV64_IMM(R1, x->prog->budget + 1));
	xl_ld_func(b, R2, l_callback);
	EMIT(b, MOV64_REG(R3, R10));
	EMIT(b, MOV64_IMM(R4, 0));
	EMIT(b, CALL(BPF_FUNC_loop));
	/* The callback may have resized the packet. */
	xl_reload_packet(x);
	EMIT(b, LDX_MEM(BPF_DW, R0, R9, FP_LOOPACT));
	JMP_TO(b, JMP_IMM(BPF_JEQ, R0, XL_END_DROP), x->l_drop);
	JMP_TO(b, JMP_IMM(BPF_JEQ, R0, XL_END_PASS), x->l_pass);
	JMP_TO(b, JMP_IMM(BPF_JEQ, R0, XL_END_REPLY), x->l_reply);
	if (x->has_forward)
		JMP_TO(b, JMP_IMM(BPF_JEQ, R0, XL_END_FORWARD), x->l_forward);
	JMP_TO(b, JMP_IMM(BPF_JNE, R0, XL_END_FAULT), x->l_internal);
	EMIT(b, LDX_MEM(BPF_DW, R0, R9, FP_FCODE));
	EMIT(b, LDX_MEM(BPF_DW, R5, R9, FP_FPC));
	JMP_TO(b, JA(), x->l_fault);
}

int xl_backedge_label(struct xl_ctx *x, uint32_t target)
{
	for (uint32_t i = 0; i < x->nbackedges; i++)
		if (x->backedges[i].target == target)
			return x->backedges[i].label;
	x->b.oom = true;	/* every target was found in advance */
	return 0;
}

/* The callback's entry: r2 is the main program's frame.  Resume where the
 * previous run left, with the operand registers it spilled. */
void xl_loop_callback_entry(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	EMIT(b, STX_MEM(BPF_DW, R10, R2, CB_PARENT));
	EMIT(b, ST_MEM(BPF_W, R10, CB_KEY, 0));		/* for map lookups */
	EMIT(b, LDX_MEM(BPF_DW, R9, R2, FP_FRAMEPTR));
	xl_reload_packet(x);
	if (x->prog->state_words)
		xl_ptr_slot(x, FP_STATE, R7);
	EMIT(b, LDX_MEM(BPF_DW, R0, R9, FP_RESUME));
	for (uint32_t i = 0; i < x->nbackedges; i++)
		JMP_TO(b, JMP_IMM(BPF_JEQ, R0, x->backedges[i].target),
		       x->backedges[i].entry);
	/* Otherwise the first run: pc 0.  The ways in come first, so that
	 * they jump forward, as far as they need (see rc_xlate's islands). */
	JMP_TO(b, JA(), x->pc_label[0]);
	for (uint32_t i = 0; i < x->nbackedges; i++) {
		const struct xl_backedge *e = &x->backedges[i];

		xl_bind(b, e->entry);
		xl_reload(x, x->vi->depth[e->target]);
		JMP_TO(b, JA(), x->pc_label[e->target]);
	}
}

static void loop_end(struct xl_ctx *x, int label, int how)
{
	struct xl_buf *b = &x->b;

	if (!xl_label_used(b, label))
		return;
	xl_bind(b, label);
	EMIT(b, ST_MEM(BPF_DW, R9, FP_LOOPACT, how));
	EMIT(b, MOV64_IMM(R0, 1));	/* stop looping */
	EMIT(b, EXIT_INSN());
}

void xl_loop_callback_exits(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	xl_emit_fault_stubs(x);
	for (uint32_t i = 0; i < x->nbackedges; i++) {
		const struct xl_backedge *e = &x->backedges[i];
		int depth = x->vi->depth[e->target];

		if (xl_label_used(b, e->label)) {
			xl_bind(b, e->label);
			xl_spill(x, depth);
			EMIT(b, ST_MEM(BPF_DW, R9, FP_RESUME, e->target));
			EMIT(b, MOV64_IMM(R0, 0));	/* go on */
			EMIT(b, EXIT_INSN());
		}
	}
	loop_end(x, x->l_drop, XL_END_DROP);
	loop_end(x, x->l_pass, XL_END_PASS);
	loop_end(x, x->l_reply, XL_END_REPLY);
	loop_end(x, x->l_forward, XL_END_FORWARD);
	if (xl_label_used(b, x->l_fault)) {
		/* code in r0, pc in r5: the main program records them */
		xl_bind(b, x->l_fault);
		EMIT(b, STX_MEM(BPF_DW, R9, R0, FP_FCODE));
		EMIT(b, STX_MEM(BPF_DW, R9, R5, FP_FPC));
		EMIT(b, ST_MEM(BPF_DW, R9, FP_LOOPACT, XL_END_FAULT));
		EMIT(b, MOV64_IMM(R0, 1));
		EMIT(b, EXIT_INSN());
	}
	loop_end(x, x->l_internal, XL_END_NONE);
}

void xl_epilogue(struct xl_ctx *x)
{
	struct xl_buf *b = &x->b;

	if (xl_label_used(b, x->l_drop)) {
		xl_bind(b, x->l_drop);
		xl_lookup(x, x->maps->stats_fd);
		xl_bump(x, ST(invocations));
		xl_bump(x, ST(drop));
		EMIT(b, MOV64_IMM(R0, x->tc ? TC_ACT_SHOT : XDP_DROP));
		EMIT(b, EXIT_INSN());
	}
	if (xl_label_used(b, x->l_pass)) {
		xl_bind(b, x->l_pass);
		finish_sending(x, false);
	}
	if (xl_label_used(b, x->l_reply)) {
		xl_bind(b, x->l_reply);
		finish_sending(x, true);
	}
	if (xl_label_used(b, x->l_forward)) {
		xl_bind(b, x->l_forward);
		xl_forward_epilogue(x);
	}
	if (xl_label_used(b, x->l_fault))
		emit_fault(x);
	emit_not_ours(x);
	if (xl_label_used(b, x->l_internal)) {
		/* Cannot happen (a one-entry array always has its entry),
		 * but the kernel verifier wants every path to end. */
		xl_bind(b, x->l_internal);
		EMIT(b, MOV64_IMM(R0, xl_verdict_pass(x)));
		EMIT(b, EXIT_INSN());
	}
}
