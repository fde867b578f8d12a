// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_xlate.c - rcode2bpf proper: each R-code instruction becomes a few
 * eBPF instructions, with the operand stack mapped statically onto
 * registers (slots 0..3 in r1..r4) and stack-frame slots (4..15); the
 * verifier's depth table says where every operand lives at every pc, so a
 * handler pays nothing for a memory stack.
 *
 * eBPF differs from R-code in a few places, and each difference gets an
 * explicit check here: division by zero (eBPF yields 0, R-code faults),
 * signed division (not in the eBPF of Linux 6.1: emulated with unsigned),
 * shift counts (masked to 63), payload bounds (a check against data_end,
 * which the prologue made equal to the end of the payload), indexed
 * data-area and window accesses, and the budget.
 *
 * The budget: a handler without loops executes at most its longest path.
 * Where that can exceed the budget, the blocks count into a frame slot
 * and the instructions that could be the (budget+1)th compare it, so the
 * fault lands on exactly the pc the reference interpreter reports.
 * Handlers with loops (and handlers that need budget checks) run as a
 * bpf_loop callback; docs/xlate.md explains why and how.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "xl_internal.h"

static int sreg(int slot)
{
	return slot < 4 ? R1 + slot : -1;
}

/* The register holding slot i: its own, or tmp after a load. */
static int get(struct xl_ctx *x, int i, int tmp)
{
	if (i < 4)
		return R1 + i;
	EMIT(&x->b, LDX_MEM(BPF_DW, tmp, x->fb, FP_STK(i)));
	return tmp;
}

/* Copy of slot i in tmp (for values about to be clobbered). */
static void copy(struct xl_ctx *x, int i, int tmp)
{
	if (i < 4)
		EMIT(&x->b, MOV64_REG(tmp, R1 + i));
	else
		EMIT(&x->b, LDX_MEM(BPF_DW, tmp, x->fb, FP_STK(i)));
}

static void put(struct xl_ctx *x, int i, int reg)
{
	if (i < 4) {
		if (reg != R1 + i)
			EMIT(&x->b, MOV64_REG(R1 + i, reg));
	} else {
		EMIT(&x->b, STX_MEM(BPF_DW, x->fb, reg, FP_STK(i)));
	}
}

/* Register a result for slot i should be computed in. */
static int dest(int i)
{
	return i < 4 ? R1 + i : R0;
}

static int width_size(unsigned int w)
{
	switch (w) {
	case 1: return BPF_B;
	case 2: return BPF_H;
	case 4: return BPF_W;
	}
	return BPF_DW;
}

/* Keep only the low w bytes of r (for checksums and stores). */
static void truncate_to(struct xl_ctx *x, int r, unsigned int w)
{
	if (w == 4)
		EMIT(&x->b, MOV32_REG(r, r));
	else if (w == 2)
		EMIT(&x->b, ALU64_IMM(BPF_AND, r, 0xffff));
	else if (w == 1)
		EMIT(&x->b, ALU64_IMM(BPF_AND, r, 0xff));
}

/* r0 = r8 + 24 + off + w checked against data_end, unless a dominating
 * check on this path already covers it. */
static void payload_check(struct xl_ctx *x, uint32_t pc, uint32_t end)
{
	if (end <= x->proven)
		return;
	EMIT(&x->b, MOV64_REG(R0, R8));
	EMIT(&x->b, ALU64_IMM(BPF_ADD, R0, MSG_PAYLOAD + end));
	JMP_TO(&x->b, JMP_REG(BPF_JGT, R0, R6),
	       xl_fault_label(x, RC_FAULT_MSG_BOUNDS, pc));
	x->proven = end;
}

/*
 * r0 = r8 + index (slot i), with index + off + w checked against the
 * payload length; the access then uses r0 + 24 + off.  Indexes above the
 * maximum payload fault first, which also bounds the scalar so the kernel
 * verifier accepts the pointer arithmetic.
 */
static void payload_index(struct xl_ctx *x, uint32_t pc, int i, uint32_t off,
			  unsigned int w)
{
	int fault = xl_fault_label(x, RC_FAULT_MSG_BOUNDS, pc);

	copy(x, i, R0);
	JMP_TO(&x->b, JMP_IMM(BPF_JGT, R0, RC_PAYLOAD_MAX), fault);
	EMIT(&x->b, ALU64_REG(BPF_ADD, R0, R8));
	EMIT(&x->b, MOV64_REG(R5, R0));
	EMIT(&x->b, ALU64_IMM(BPF_ADD, R5, MSG_PAYLOAD + off + w));
	JMP_TO(&x->b, JMP_REG(BPF_JGT, R5, R6), fault);
}

/* Store r5 (w bytes) at [ptr + off], keeping the checksum: the old
 * bytes are read into r0 first.  ptr is neither r0 nor r5. */
static void store_msg(struct xl_ctx *x, int ptr, int16_t off, unsigned int w,
		      bool odd, bool truncated)
{
	int sz = width_size(w);

	if (!truncated)
		truncate_to(x, R5, w);
	EMIT(&x->b, LDX_MEM(sz, R0, ptr, off));
	EMIT(&x->b, STX_MEM(sz, ptr, R5, off));
	xl_csum_replace(x, odd);
}

/*
 * A scratch register for instructions that need three: if the first
 * popped slot's register is free (its value copied to its frame home),
 * use it; otherwise borrow r4 and give it back afterwards.
 */
struct scratch {
	int reg;
	bool borrowed;
};

static struct scratch scratch_get(struct xl_ctx *x, int d, int pops)
{
	int first = d - pops;

	for (int i = first; i < d && i < 4; i++)
		EMIT(&x->b, STX_MEM(BPF_DW, x->fb, R1 + i, FP_STK(i)));
	if (first < 4)
		return (struct scratch){ R1 + first, false };
	EMIT(&x->b, STX_MEM(BPF_DW, x->fb, R4, FP_STK(3)));
	return (struct scratch){ R4, true };
}

static void scratch_put(struct xl_ctx *x, struct scratch s)
{
	if (s.borrowed)
		EMIT(&x->b, LDX_MEM(BPF_DW, R4, x->fb, FP_STK(3)));
}

/* Slot i, after scratch_get flushed it, is in its frame home. */
static void load_home(struct xl_ctx *x, int i, int reg)
{
	EMIT(&x->b, LDX_MEM(BPF_DW, reg, x->fb, FP_STK(i)));
}

static const uint8_t cmp_jmp[] = {
	[RC_OP_eq - RC_OP_eq] = BPF_JEQ,   [RC_OP_ne - RC_OP_eq] = BPF_JNE,
	[RC_OP_lt - RC_OP_eq] = BPF_JSLT,  [RC_OP_le - RC_OP_eq] = BPF_JSLE,
	[RC_OP_gt - RC_OP_eq] = BPF_JSGT,  [RC_OP_ge - RC_OP_eq] = BPF_JSGE,
	[RC_OP_ltu - RC_OP_eq] = BPF_JLT,  [RC_OP_leu - RC_OP_eq] = BPF_JLE,
	[RC_OP_gtu - RC_OP_eq] = BPF_JGT,  [RC_OP_geu - RC_OP_eq] = BPF_JGE,
};

/* The jump that is taken when the comparison is false. */
static uint8_t cmp_negate(uint8_t j)
{
	switch (j) {
	case BPF_JEQ: return BPF_JNE;
	case BPF_JNE: return BPF_JEQ;
	case BPF_JSLT: return BPF_JSGE;
	case BPF_JSLE: return BPF_JSGT;
	case BPF_JSGT: return BPF_JSLE;
	case BPF_JSGE: return BPF_JSLT;
	case BPF_JLT: return BPF_JGE;
	case BPF_JLE: return BPF_JGT;
	case BPF_JGT: return BPF_JLE;
	}
	return BPF_JLT;	/* BPF_JGE */
}

static bool is_cmp(uint8_t op)
{
	return op >= RC_OP_eq && op <= RC_OP_geu;
}

static int alu_of(uint8_t op)
{
	switch (op) {
	case RC_OP_add: return BPF_ADD;
	case RC_OP_sub: return BPF_SUB;
	case RC_OP_mul: return BPF_MUL;
	case RC_OP_and: return BPF_AND;
	case RC_OP_or: return BPF_OR;
	case RC_OP_xor: return BPF_XOR;
	case RC_OP_shl: return BPF_LSH;
	case RC_OP_shr: return BPF_RSH;
	case RC_OP_sar: return BPF_ARSH;
	}
	return -1;
}

static int target_label(struct xl_ctx *x, uint32_t pc)
{
	const struct rc_insn *in = &x->prog->insns[pc];
	uint32_t target = pc + 1 + in->imm;

	/* In loop mode a backward jump leaves the callback. */
	if (x->loop && target <= pc)
		return xl_backedge_label(x, target);
	return x->pc_label[target];
}

/* Is pc+1 part of the same straight line (so it may be fused with pc)?
 * Not if it starts a block or needs its own budget check. */
static bool fusable(struct xl_ctx *x, uint32_t pc)
{
	return pc + 1 < x->prog->ninsns && !x->vi->leader[pc + 1] &&
	       x->maxc[pc + 1] < x->prog->budget;
}

/*
 * Comparison at depth d (operands d-2, d-1, or d-1 and an immediate),
 * fused with a following jz/jnz when possible.  Returns the number of
 * extra R-code instructions consumed.
 */
static int emit_cmp(struct xl_ctx *x, uint32_t pc, int d, const int32_t *imm)
{
	const struct rc_insn *in = &x->prog->insns[pc];
	uint8_t j = cmp_jmp[in->op - RC_OP_eq];
	int a = d - 2;	/* with imm, the constant stands for slot d-1 */
	int ra = get(x, a, R0), rb = -1;
	struct bpf_insn jump;

	if (!imm)
		rb = get(x, d - 1, R5);
	if (fusable(x, pc) && (x->prog->insns[pc + 1].op == RC_OP_jnz ||
			       x->prog->insns[pc + 1].op == RC_OP_jz)) {
		if (x->prog->insns[pc + 1].op == RC_OP_jz)
			j = cmp_negate(j);
		jump = imm ? JMP_IMM(j, ra, *imm) : JMP_REG(j, ra, rb);
		JMP_TO(&x->b, jump, target_label(x, pc + 1));
		return 1;
	}
	{
		int l_true = xl_label(&x->b), l_end = xl_label(&x->b);
		int r = dest(a);

		jump = imm ? JMP_IMM(j, ra, *imm) : JMP_REG(j, ra, rb);
		JMP_TO(&x->b, jump, l_true);
		EMIT(&x->b, MOV64_IMM(r, 0));
		JMP_TO(&x->b, JA(), l_end);
		xl_bind(&x->b, l_true);
		EMIT(&x->b, MOV64_IMM(r, 1));
		xl_bind(&x->b, l_end);
		put(x, a, r);
	}
	return 0;
}

/* Signed division or remainder, with R-code's results for every input
 * (INT64_MIN / -1 == INT64_MIN, INT64_MIN % -1 == 0) from unsigned
 * instructions, since eBPF gained signed ones only in Linux 6.6. */
static void emit_sdiv(struct xl_ctx *x, uint32_t pc, int d, bool mod)
{
	struct xl_buf *b = &x->b;
	int a = d - 2, l1 = xl_label(b), l2 = xl_label(b), l3 = xl_label(b);

	copy(x, d - 1, R5);
	JMP_TO(b, JMP_IMM(BPF_JEQ, R5, 0), xl_fault_label(x, RC_FAULT_DIV_ZERO, pc));
	copy(x, a, R0);
	if (!mod)	/* the quotient is negative iff the signs differ */
		EMIT(b, ALU64_REG(BPF_XOR, R0, R5));
	EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_TMP));
	copy(x, a, R0);
	JMP_TO(b, JMP_IMM(BPF_JSGE, R0, 0), l1);
	EMIT(b, NEG64(R0));
	xl_bind(b, l1);
	JMP_TO(b, JMP_IMM(BPF_JSGE, R5, 0), l2);
	EMIT(b, NEG64(R5));
	xl_bind(b, l2);
	EMIT(b, ALU64_REG(mod ? BPF_MOD : BPF_DIV, R0, R5));
	EMIT(b, LDX_MEM(BPF_DW, R5, x->fb, FP_TMP));
	JMP_TO(b, JMP_IMM(BPF_JSGE, R5, 0), l3);
	EMIT(b, NEG64(R0));
	xl_bind(b, l3);
	put(x, a, R0);
}

/* r0 = pointer to window k's word (slot i) + base, bounds-checked;
 * returns the instruction offset that reaches word base from r0 (large
 * bases are added to r0: the offset field has 16 bits). */
static int16_t window_index(struct xl_ctx *x, uint32_t pc, int k, int i,
			    int32_t base)
{
	struct xl_buf *b = &x->b;
	uint32_t words = x->prog->windows[k].words;
	int32_t off = base * 8;

	if ((uint32_t)base >= words) {	/* every index is out of range */
		JMP_TO(b, JA(), xl_fault_label(x, RC_FAULT_WINDOW_BOUNDS, pc));
		return 0;
	}
	copy(x, i, R5);
	JMP_TO(b, JMP_IMM(BPF_JGE, R5, (int32_t)(words - base)),
	       xl_fault_label(x, RC_FAULT_WINDOW_BOUNDS, pc));
	EMIT(b, ALU64_IMM(BPF_LSH, R5, 3));
	xl_ptr_slot(x, FP_WIN(k), R0);
	EMIT(b, ALU64_REG(BPF_ADD, R0, R5));
	if (off > INT16_MAX) {
		EMIT(b, ALU64_IMM(BPF_ADD, R0, off));
		off = 0;
	}
	return off;
}

/* r0 = window k's base pointer, advanced so that word idx sits at a
 * 16-bit instruction offset; returns that offset. */
static int16_t window_ptr(struct xl_ctx *x, int k, int32_t idx)
{
	int32_t off = idx * 8;

	xl_ptr_slot(x, FP_WIN(k), R0);
	if (off > INT16_MAX) {
		EMIT(&x->b, ALU64_IMM(BPF_ADD, R0, off));
		off = 0;
	}
	return off;
}

/* r0 = pointer to data-area word (slot i) + base, bounds-checked. */
static void state_index(struct xl_ctx *x, uint32_t pc, int i, int32_t base)
{
	struct xl_buf *b = &x->b;

	if ((uint32_t)base >= x->prog->state_words) {
		JMP_TO(b, JA(), xl_fault_label(x, RC_FAULT_STATE_BOUNDS, pc));
		return;
	}
	copy(x, i, R0);
	JMP_TO(b, JMP_IMM(BPF_JGE, R0, (int32_t)(x->prog->state_words - base)),
	       xl_fault_label(x, RC_FAULT_STATE_BOUNDS, pc));
	EMIT(b, ALU64_IMM(BPF_LSH, R0, 3));
	EMIT(b, ALU64_REG(BPF_ADD, R0, R7));
}

/* Translate the instruction at pc (depth d before it).  Returns how many
 * following instructions were fused into it. */
static int translate(struct xl_ctx *x, uint32_t pc, int d)
{
	struct xl_buf *b = &x->b;
	const struct rc_insn *in = &x->prog->insns[pc];
	const struct rc_opinfo *oi = rc_opinfo(in->op);
	int32_t imm = in->imm;
	int r, ra;

	switch ((enum rc_opcode)in->op) {
	case RC_OP_push:
		/* push K followed by a binary operation: an immediate form. */
		if (fusable(x, pc)) {
			uint8_t next = x->prog->insns[pc + 1].op;
			int alu = alu_of(next);

			if (alu >= 0 && d >= 1) {
				ra = get(x, d - 1, R0);
				if (next == RC_OP_shl || next == RC_OP_shr ||
				    next == RC_OP_sar)
					imm &= 63;
				EMIT(b, ALU64_IMM(alu, ra, imm));
				put(x, d - 1, ra);
				return 1;
			}
			if (next == RC_OP_sth) {
				/* The byte-swapped constant, worked out here. */
				int field = x->prog->insns[pc + 1].imm;
				bool half = field == RC_FIELD_PORTAL;
				int16_t off = half ? RC_WOFF_PORTAL :
					      field == RC_FIELD_TAG ? RC_WOFF_TAG : RC_WOFF_SEQ;
				uint32_t v = half ? (uint16_t)imm : (uint32_t)imm;
				uint32_t raw = half ? (uint32_t)__builtin_bswap16(v) :
						      __builtin_bswap32(v);

				EMIT(b, XL_INSN(BPF_ALU | BPF_MOV | BPF_K, R5, 0, 0, raw));
				store_msg(x, R8, off, half ? 2 : 4, false, true);
				return 1;
			}
			if ((next == RC_OP_xadds || next == RC_OP_xaddw) &&
			    fusable(x, pc + 1) &&
			    x->prog->insns[pc + 2].op == RC_OP_pop) {
				/* push K; xadd; pop: an atomic add whose old
				 * value nobody wants, so no fetch. */
				const struct rc_insn *nx = &x->prog->insns[pc + 1];
				int base = R7;
				int16_t off = 8 * nx->imm;

				if (next == RC_OP_xaddw) {
					off = window_ptr(x, nx->a, nx->imm);
					base = R0;
				}
				EMIT(b, MOV64_IMM(R5, imm));
				EMIT(b, ATOMIC_OP(BPF_DW, BPF_ADD, base, R5, off));
				return 2;
			}
			if (is_cmp(next) && d >= 1) {
				int extra;

				x->rc_to_bpf[pc + 1] = b->n;
				extra = emit_cmp(x, pc + 1, d + 1, &imm);
				return 1 + extra;
			}
		}
		if (d < 4)
			EMIT(b, MOV64_IMM(sreg(d), imm));
		else
			EMIT(b, ST_MEM(BPF_DW, x->fb, FP_STK(d), imm));
		return 0;
	case RC_OP_push64:
		xl_ld_imm64(b, dest(d), rc_insn_imm64(in));
		put(x, d, dest(d));
		return 0;
	case RC_OP_pop:
		return 0;
	case RC_OP_dup:
		put(x, d, get(x, d - 1, R0));
		return 0;
	case RC_OP_over:
		put(x, d, get(x, d - 2, R0));
		return 0;
	case RC_OP_pick:
		put(x, d, get(x, d - 1 - imm, R0));
		return 0;
	case RC_OP_swap:
		copy(x, d - 2, R0);
		copy(x, d - 1, R5);
		put(x, d - 2, R5);
		put(x, d - 1, R0);
		return 0;
	case RC_OP_rot:		/* a b c -- b c a */
		copy(x, d - 3, R0);
		EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_TMP));
		put(x, d - 3, get(x, d - 2, R0));
		put(x, d - 2, get(x, d - 1, R0));
		EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, FP_TMP));
		put(x, d - 1, R0);
		return 0;
	case RC_OP_ldl:
		r = dest(d);
		EMIT(b, LDX_MEM(BPF_DW, r, x->fb, FP_LOCAL(imm)));
		put(x, d, r);
		return 0;
	case RC_OP_stl:
		EMIT(b, STX_MEM(BPF_DW, x->fb, get(x, d - 1, R0), FP_LOCAL(imm)));
		return 0;

	case RC_OP_add:
	case RC_OP_sub:
	case RC_OP_mul:
	case RC_OP_and:
	case RC_OP_or:
	case RC_OP_xor:
		ra = get(x, d - 2, R0);
		EMIT(b, ALU64_REG(alu_of(in->op), ra, get(x, d - 1, R5)));
		put(x, d - 2, ra);
		return 0;
	case RC_OP_shl:
	case RC_OP_shr:
	case RC_OP_sar:
		copy(x, d - 1, R5);
		EMIT(b, ALU64_IMM(BPF_AND, R5, 63));
		ra = get(x, d - 2, R0);
		EMIT(b, ALU64_REG(alu_of(in->op), ra, R5));
		put(x, d - 2, ra);
		return 0;
	case RC_OP_divu:
	case RC_OP_modu:
		copy(x, d - 1, R5);
		JMP_TO(b, JMP_IMM(BPF_JEQ, R5, 0),
		       xl_fault_label(x, RC_FAULT_DIV_ZERO, pc));
		ra = get(x, d - 2, R0);
		EMIT(b, ALU64_REG(in->op == RC_OP_divu ? BPF_DIV : BPF_MOD, ra, R5));
		put(x, d - 2, ra);
		return 0;
	case RC_OP_div:
	case RC_OP_mod:
		emit_sdiv(x, pc, d, in->op == RC_OP_mod);
		return 0;
	case RC_OP_neg:
		ra = get(x, d - 1, R0);
		EMIT(b, NEG64(ra));
		put(x, d - 1, ra);
		return 0;
	case RC_OP_not:
		ra = get(x, d - 1, R0);
		EMIT(b, ALU64_IMM(BPF_XOR, ra, -1));
		put(x, d - 1, ra);
		return 0;
	case RC_OP_sext8:
	case RC_OP_sext16:
	case RC_OP_sext32:
		ra = get(x, d - 1, R0);
		EMIT(b, ALU64_IMM(BPF_LSH, ra, 64 - 8 * oi->width));
		EMIT(b, ALU64_IMM(BPF_ARSH, ra, 64 - 8 * oi->width));
		put(x, d - 1, ra);
		return 0;
	case RC_OP_bswap16:
	case RC_OP_bswap32:
	case RC_OP_bswap64:
		ra = get(x, d - 1, R0);
		EMIT(b, BSWAP_BE(ra, 8 * oi->width));
		put(x, d - 1, ra);
		return 0;

	case RC_OP_eq:
	case RC_OP_ne:
	case RC_OP_lt:
	case RC_OP_le:
	case RC_OP_gt:
	case RC_OP_ge:
	case RC_OP_ltu:
	case RC_OP_leu:
	case RC_OP_gtu:
	case RC_OP_geu:
		return emit_cmp(x, pc, d, NULL);

	case RC_OP_jmp:
		JMP_TO(b, JA(), target_label(x, pc));
		return 0;
	case RC_OP_jz:
	case RC_OP_jnz:
		ra = get(x, d - 1, R0);
		JMP_TO(b, JMP_IMM(in->op == RC_OP_jz ? BPF_JEQ : BPF_JNE, ra, 0),
		       target_label(x, pc));
		return 0;

	case RC_OP_ldh: {
		static const int16_t off[] = { RC_WOFF_SRC, RC_WOFF_DST,
			RC_WOFF_PORTAL, RC_WOFF_TAG, RC_WOFF_SEQ, RC_WOFF_LEN };
		bool half = imm == RC_FIELD_PORTAL || imm == RC_FIELD_LEN;

		r = dest(d);
		EMIT(b, LDX_MEM(half ? BPF_H : BPF_W, r, R8, off[imm]));
		EMIT(b, BSWAP_BE(r, half ? 16 : 32));
		put(x, d, r);
		return 0;
	}
	case RC_OP_sth: {
		int16_t off = imm == RC_FIELD_PORTAL ? RC_WOFF_PORTAL :
			      imm == RC_FIELD_TAG ? RC_WOFF_TAG : RC_WOFF_SEQ;
		bool half = imm == RC_FIELD_PORTAL;

		copy(x, d - 1, R5);
		EMIT(b, BSWAP_BE(R5, half ? 16 : 32));	/* zero-extends */
		store_msg(x, R8, off, half ? 2 : 4, false, true);
		return 0;
	}
	case RC_OP_resize:
		xl_resize(x, pc, d);
		return 0;
	case RC_OP_ldp8:
	case RC_OP_ldp16:
	case RC_OP_ldp32:
	case RC_OP_ldp64:
		payload_check(x, pc, imm + oi->width);
		r = dest(d);
		EMIT(b, LDX_MEM(width_size(oi->width), r, R8, MSG_PAYLOAD + imm));
		put(x, d, r);
		return 0;
	case RC_OP_ldpx8:
	case RC_OP_ldpx16:
	case RC_OP_ldpx32:
	case RC_OP_ldpx64:
		payload_index(x, pc, d - 1, imm, oi->width);
		EMIT(b, LDX_MEM(width_size(oi->width), R0, R0, MSG_PAYLOAD + imm));
		put(x, d - 1, R0);
		return 0;
	case RC_OP_stp8:
	case RC_OP_stp16:
	case RC_OP_stp32:
	case RC_OP_stp64:
		payload_check(x, pc, imm + oi->width);
		copy(x, d - 1, R5);
		store_msg(x, R8, MSG_PAYLOAD + imm, oi->width, imm & 1, false);
		return 0;
	case RC_OP_stpx8:
	case RC_OP_stpx16:
	case RC_OP_stpx32:
	case RC_OP_stpx64: {
		/* Three registers: pointer, old bytes, new bytes. */
		struct scratch s = scratch_get(x, d, 2);
		int sz = width_size(oi->width);
		int l_odd = xl_label(b), l_csum = xl_label(b);

		payload_index(x, pc, d - 2, imm, oi->width);
		EMIT(b, MOV64_REG(s.reg, R0));
		load_home(x, d - 1, R5);
		truncate_to(x, R5, oi->width);
		EMIT(b, LDX_MEM(sz, R0, s.reg, MSG_PAYLOAD + imm));
		EMIT(b, STX_MEM(sz, s.reg, R5, MSG_PAYLOAD + imm));
		/* The parity of the offset is known only now. */
		EMIT(b, STX_MEM(BPF_DW, x->fb, R0, FP_TMP2));
		load_home(x, d - 2, R0);
		EMIT(b, ALU64_IMM(BPF_ADD, R0, imm));
		JMP_TO(b, JMP_IMM(BPF_JSET, R0, 1), l_odd);
		EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, FP_TMP2));
		xl_csum_replace(x, false);
		JMP_TO(b, JA(), l_csum);
		xl_bind(b, l_odd);
		EMIT(b, LDX_MEM(BPF_DW, R0, x->fb, FP_TMP2));
		xl_csum_replace(x, true);
		xl_bind(b, l_csum);
		scratch_put(x, s);
		return 0;
	}

	case RC_OP_lds:
		r = dest(d);
		EMIT(b, LDX_MEM(BPF_DW, r, R7, 8 * imm));
		put(x, d, r);
		return 0;
	case RC_OP_sts:
		EMIT(b, STX_MEM(BPF_DW, R7, get(x, d - 1, R0), 8 * imm));
		return 0;
	case RC_OP_xadds:
		copy(x, d - 1, R5);
		EMIT(b, ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, R7, R5, 8 * imm));
		put(x, d - 1, R5);
		return 0;
	case RC_OP_cass:
		copy(x, d - 2, R0);
		EMIT(b, ATOMIC_OP(BPF_DW, BPF_CMPXCHG, R7, get(x, d - 1, R5), 8 * imm));
		put(x, d - 2, R0);
		return 0;
	case RC_OP_ldsx:
		state_index(x, pc, d - 1, imm);
		EMIT(b, LDX_MEM(BPF_DW, R0, R0, 8 * imm));
		put(x, d - 1, R0);
		return 0;
	case RC_OP_stsx:
		state_index(x, pc, d - 2, imm);
		EMIT(b, STX_MEM(BPF_DW, R0, get(x, d - 1, R5), 8 * imm));
		return 0;
	case RC_OP_xaddsx:
		state_index(x, pc, d - 2, imm);
		copy(x, d - 1, R5);
		EMIT(b, ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, R0, R5, 8 * imm));
		put(x, d - 2, R5);
		return 0;
	case RC_OP_cassx: {
		/* i e n -- old: pointer, expected (r0) and new. */
		struct scratch s = scratch_get(x, d, 3);

		state_index(x, pc, d - 3, imm);
		EMIT(b, MOV64_REG(s.reg, R0));
		load_home(x, d - 2, R0);
		load_home(x, d - 1, R5);
		EMIT(b, ATOMIC_OP(BPF_DW, BPF_CMPXCHG, s.reg, R5, 8 * imm));
		scratch_put(x, s);
		put(x, d - 3, R0);
		return 0;
	}

	case RC_OP_ldw: {
		int16_t off = window_ptr(x, in->a, imm);

		r = dest(d);
		EMIT(b, LDX_MEM(BPF_DW, r, R0, off));
		put(x, d, r);
		return 0;
	}
	case RC_OP_stw: {
		int16_t off = window_ptr(x, in->a, imm);

		EMIT(b, STX_MEM(BPF_DW, R0, get(x, d - 1, R5), off));
		return 0;
	}
	case RC_OP_xaddw: {
		int16_t off = window_ptr(x, in->a, imm);

		copy(x, d - 1, R5);
		EMIT(b, ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, R0, R5, off));
		put(x, d - 1, R5);
		return 0;
	}
	case RC_OP_ldwx: {
		int16_t off = window_index(x, pc, in->a, d - 1, imm);

		EMIT(b, LDX_MEM(BPF_DW, R0, R0, off));
		put(x, d - 1, R0);
		return 0;
	}
	case RC_OP_stwx: {
		int16_t off = window_index(x, pc, in->a, d - 2, imm);

		EMIT(b, STX_MEM(BPF_DW, R0, get(x, d - 1, R5), off));
		return 0;
	}
	case RC_OP_xaddwx: {
		int16_t off = window_index(x, pc, in->a, d - 2, imm);

		copy(x, d - 1, R5);
		EMIT(b, ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, R0, R5, off));
		put(x, d - 2, R5);
		return 0;
	}

	case RC_OP_clock:
		xl_spill(x, d);
		EMIT(b, CALL(BPF_FUNC_ktime_get_ns));
		xl_reload(x, d);
		put(x, d, R0);
		return 0;

	case RC_OP_drop:
		JMP_TO(b, JA(), x->l_drop);
		return 0;
	case RC_OP_pass:
		JMP_TO(b, JA(), x->l_pass);
		return 0;
	case RC_OP_reply:
		JMP_TO(b, JA(), x->l_reply);
		return 0;
	case RC_OP_forward:
		xl_forward(x, pc, d);
		return 0;
	case RC_OP_send:
		xl_send(x, pc, d);
		return 0;
	case RC_OP_upcall:
		xl_upcall(x, pc, d);
		return 0;
	}
	return 0;
}

/* ---- analysis ------------------------------------------------------------- */

static bool is_edit(uint8_t op)
{
	return op == RC_OP_sth || op == RC_OP_resize ||
	       (op >= RC_OP_stp8 && op <= RC_OP_stpx64);
}

/* Successors of pc in a verified program: up to two. */
static int successors(const struct rc_prog *p, uint32_t pc, uint32_t s[2])
{
	const struct rc_insn *in = &p->insns[pc];
	const struct rc_opinfo *oi = rc_opinfo(in->op);
	int n = 0;

	if (oi->flags & RC_F_ACTION)
		return 0;
	if (!(oi->flags & RC_F_JUMP) || (oi->flags & RC_F_COND))
		s[n++] = pc + rc_insn_slots(in);
	if (oi->flags & RC_F_JUMP)
		s[n++] = pc + 1 + in->imm;
	return n;
}

/* The plan, and in maxc[pc] (RC_CODE_MAX + 1 zeroed entries) the most
 * instructions any run executes before pc when the handler has no loops. */
static int make_plan(const struct rc_prog *p, const struct rc_verinfo *vi,
		     struct rc_xlate_plan *plan, uint32_t *maxc)
{
	bool *mf_after = calloc(RC_CODE_MAX + 1, sizeof(*mf_after));
	int err = 0;

	memset(plan, 0, sizeof(*plan));
	if (!mf_after)
		return -ENOMEM;
	plan->tc = vi->needs_tc;
	for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc])) {
		uint8_t op = p->insns[pc].op;

		if (!vi->reachable[pc])
			continue;
		if (op == RC_OP_forward || op == RC_OP_send)
			plan->ranks = true;
		if (op == RC_OP_upcall)
			plan->upcalls = true;
	}
	if (vi->has_loop) {
		/* Any instruction may be the one the budget stops, so every
		 * edit may be followed by a fault. */
		for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc]))
			if (vi->reachable[pc] && is_edit(p->insns[pc].op))
				plan->edits = true;
		for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc]))
			if (vi->reachable[pc] && p->insns[pc].op == RC_OP_resize)
				plan->resize = true;
		plan->budget_checks = true;
		plan->loops = true;
		plan->needs_snapshot = plan->edits;
		plan->longest_path = UINT32_MAX;
		goto out;
	}
	/* Without loops pc order is a topological order. */
	for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc])) {
		uint32_t s[2];
		int n;

		if (!vi->reachable[pc])
			continue;
		if (is_edit(p->insns[pc].op))
			plan->edits = true;
		if (p->insns[pc].op == RC_OP_resize)
			plan->resize = true;
		n = successors(p, pc, s);
		for (int i = 0; i < n; i++)
			if (maxc[s[i]] < maxc[pc] + 1)
				maxc[s[i]] = maxc[pc] + 1;
		if (!n && plan->longest_path < maxc[pc] + 1)
			plan->longest_path = maxc[pc] + 1;
		if (maxc[pc] >= p->budget)
			plan->budget_checks = true;
	}
	/* May a fault happen after pc?  Backwards over the same order. */
	for (int64_t pc = p->ninsns - 1; pc >= 0; pc--) {
		uint32_t s[2];
		int n;

		if (!vi->reachable[pc] || !rc_opinfo(p->insns[pc].op))
			continue;
		n = successors(p, pc, s);
		for (int i = 0; i < n; i++) {
			const struct rc_opinfo *so = rc_opinfo(p->insns[s[i]].op);

			if (mf_after[s[i]] || (so->flags & RC_F_FAULTS) ||
			    maxc[s[i]] >= p->budget)
				mf_after[pc] = true;
		}
		if (is_edit(p->insns[pc].op) && mf_after[pc])
			plan->needs_snapshot = true;
	}
	/*
	 * An exact instruction counter on the stack is a constant the kernel
	 * verifier tracks precisely, and it differs on the two sides of every
	 * join, so nothing prunes: 500 diamonds are 2^500 paths.  In loop
	 * mode the counter lives in map memory the verifier does not track;
	 * the handler then runs as one bpf_loop callback.
	 */
	if (plan->budget_checks)
		plan->loops = true;
out:
	free(mf_after);
	return err;
}

int rc_xlate_plan(const struct rc_prog *p, const struct rc_verinfo *vi,
		  struct rc_xlate_plan *plan, struct rc_diags *d)
{
	uint32_t *maxc = calloc(RC_CODE_MAX + 1, sizeof(*maxc));
	int err;

	(void)d;
	if (!maxc)
		return -ENOMEM;
	err = make_plan(p, vi, plan, maxc);
	free(maxc);
	return err;
}

/*
 * Islands.  eBPF's jump offsets have 16 bits (Linux 6.1 has no 32-bit
 * 'gotol'), but the exits (not ours, faults, the actions' epilogues) come
 * after all the code, and a long handler (many sends, forwards or stores)
 * puts them out of reach.  So every XL_ISLAND_SPAN instructions the code
 * jumps over an island: the fault stubs made since the last one, and for
 * every label that something jumps to and that is still ahead, a 'goto'
 * to a fresh label that stands for it from then on.  A far jump becomes a
 * chain of jumps from island to island, each within reach.
 */
#define XL_ISLAND_SPAN	8192
#define XL_INSNS_MAX	1000000	/* BPF_COMPLEXITY_LIMIT_INSNS: the longest program */

static void relay(struct xl_ctx *x, int *label)
{
	struct xl_buf *b = &x->b;
	int next;

	if (!xl_label_used(b, *label) || xl_label_bound(b, *label))
		return;
	next = xl_label(b);
	if (xl_label_cold(b, *label))
		xl_mark_cold(b, next);
	xl_bind(b, *label);
	JMP_TO(b, JA(), next);
	*label = next;
}

static void island(struct xl_ctx *x, uint32_t pc, bool fallthrough)
{
	struct xl_buf *b = &x->b;
	int over = xl_label(b);
	int *exits[] = { &x->l_not_ours, &x->l_internal, &x->l_fault, &x->l_drop,
			 &x->l_pass, &x->l_reply, &x->l_forward };

	/* Only code that falls through here needs the way over; after a
	 * jump or an action the 'goto' would be unreachable, which the
	 * kernel refuses. */
	if (fallthrough)
		JMP_TO(b, JA(), over);
	xl_emit_fault_stubs(x);		/* they jump to l_fault, relayed next */
	for (size_t i = 0; i < sizeof(exits) / sizeof(exits[0]); i++)
		relay(x, exits[i]);
	for (uint32_t i = 0; i < x->nbackedges; i++)
		relay(x, &x->backedges[i].label);
	for (uint32_t q = pc; q <= x->prog->ninsns; q++)
		relay(x, &x->pc_label[q]);
	xl_bind(b, over);
	x->island_at = b->n;
}

/* Every target of a reachable backward jump, once, with its labels. */
static int find_backedges(struct xl_ctx *x)
{
	const struct rc_prog *p = x->prog;

	for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc])) {
		const struct rc_opinfo *oi = rc_opinfo(p->insns[pc].op);
		uint32_t t = pc + 1 + p->insns[pc].imm, i;

		if (!x->vi->reachable[pc] || !(oi->flags & RC_F_JUMP) || t > pc)
			continue;
		for (i = 0; i < x->nbackedges; i++)
			if (x->backedges[i].target == t)
				break;
		if (i < x->nbackedges)
			continue;
		if (x->nbackedges == x->becap) {
			uint32_t cap = x->becap ? 2 * x->becap : 8;
			struct xl_backedge *v = realloc(x->backedges, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			x->backedges = v;
			x->becap = cap;
		}
		x->backedges[x->nbackedges++] = (struct xl_backedge){
			.label = xl_label(&x->b), .entry = xl_label(&x->b), .target = t };
	}
	return 0;
}

int rc_xlate(const struct rc_prog *p, const struct rc_verinfo *vi,
	     const struct rc_xlate_maps *maps, const struct rc_xlate_opts *opts,
	     struct rc_xlate_out *out, struct rc_diags *d)
{
	struct xl_ctx x = { .prog = p, .vi = vi, .maps = maps, .d = d };
	struct xl_buf *b = &x.b;
	uint32_t blk_len = 0, blk_start = 0;
	bool fallthrough = true;	/* the last code emitted goes on */
	int err;

	memset(out, 0, sizeof(*out));
	x.port = opts && opts->udp_port ? opts->udp_port : RC_UDP_PORT;
	x.pc_label = calloc(RC_CODE_MAX + 1, sizeof(int));
	x.maxc = calloc(RC_CODE_MAX + 1, sizeof(uint32_t));
	x.rc_to_bpf = malloc((RC_CODE_MAX + 1) * sizeof(uint32_t));
	if (!x.pc_label || !x.maxc || !x.rc_to_bpf) {
		err = -ENOMEM;
		goto out;
	}
	err = make_plan(p, vi, &x.plan, x.maxc);
	if (err)
		goto out;
	memset(x.rc_to_bpf, 0xff, (RC_CODE_MAX + 1) * sizeof(uint32_t));
	for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc])) {
		if (p->insns[pc].op == RC_OP_resize)
			x.has_resize = true;
		if (p->insns[pc].op == RC_OP_ldl && vi->reachable[pc])
			x.locals_read |= 1u << p->insns[pc].imm;
		if (p->insns[pc].op == RC_OP_forward && vi->reachable[pc])
			x.has_forward = true;
	}
	x.tc = x.plan.tc || (opts && opts->tc);
	x.plan.tc = x.tc;
	x.any_portal = opts && opts->tc_any_portal;
	x.csum = x.plan.edits || x.plan.ranks;
	x.fb = R10;
	x.loop = x.plan.loops;
	if (x.loop) {
		/* With cycles every pc can be reached with any count: check
		 * them all.  Without, the longest-path counts stand. */
		if (vi->has_loop)
			for (uint32_t pc = 0; pc <= p->ninsns; pc++)
				x.maxc[pc] = p->budget;
		err = find_backedges(&x);
		if (err)
			goto out;
	}
	x.l_not_ours = xl_label(b);
	x.l_internal = xl_label(b);
	/* Cannot happen, and ends at once: without callbacks the kernel
	 * verifier had better explore it first (see xl_mark_cold). */
	xl_mark_cold(b, x.l_internal);
	x.l_fault = xl_label(b);
	x.l_drop = xl_label(b);
	x.l_pass = xl_label(b);
	x.l_reply = xl_label(b);
	x.l_forward = xl_label(b);
	for (uint32_t pc = 0; pc <= p->ninsns; pc++)
		x.pc_label[pc] = xl_label(b);

	x.inline_loops = x.loop && opts && opts->no_callbacks;
	b->invert_cold = x.inline_loops;
	xl_prologue(&x);
	if (x.inline_loops) {
		EMIT(b, ST_MEM(BPF_DW, R10, FP_ITER, 0));
		xl_loop_frame(&x);
	} else if (x.loop) {
		int l_callback = xl_label(b);

		xl_loop_main(&x, l_callback);
		xl_epilogue(&x);
		/* The callback: its own exits, the main program's frame. */
		x.fb = R9;
		x.in_callback = true;
		x.l_drop = xl_label(b);
		x.l_pass = xl_label(b);
		x.l_reply = xl_label(b);
		x.l_forward = xl_label(b);
		x.l_fault = xl_label(b);
		x.l_internal = xl_label(b);
		xl_bind(b, l_callback);
		out->callback_insn = b->n;
		xl_loop_callback_entry(&x);
	}
	for (uint32_t pc = 0; pc < p->ninsns;) {
		const struct rc_insn *in = &p->insns[pc];
		int fused = 0;

		if (b->n - x.island_at >= XL_ISLAND_SPAN)
			island(&x, pc, fallthrough);
		if (vi->leader[pc]) {
			/* A block starts: nothing is proven about the packet
			 * on every path into it. */
			x.proven = 0;
			xl_bind(b, x.pc_label[pc]);
			blk_start = pc;
			blk_len = 0;
			for (uint32_t q = pc; q < p->ninsns;) {
				const struct rc_opinfo *qo = rc_opinfo(p->insns[q].op);

				blk_len++;
				if (qo->flags & (RC_F_JUMP | RC_F_ACTION))
					break;
				q += rc_insn_slots(&p->insns[q]);
				if (q < p->ninsns && vi->leader[q])
					break;
			}
			if (x.plan.budget_checks && vi->reachable[pc]) {
				EMIT(b, LDX_MEM(BPF_DW, R0, x.fb, FP_CNT));
				EMIT(b, ALU64_IMM(BPF_ADD, R0, blk_len));
				EMIT(b, STX_MEM(BPF_DW, x.fb, R0, FP_CNT));
			}
		}
		x.rc_to_bpf[pc] = b->n;
		if (!vi->reachable[pc]) {
			pc += rc_insn_slots(in);
			continue;
		}
		if (x.maxc[pc] >= p->budget) {
			/* FP_CNT holds the count at the end of this block;
			 * the count before pc is that minus what is left. */
			uint32_t k = 0;

			for (uint32_t q = blk_start; q < pc; q += rc_insn_slots(&p->insns[q]))
				k++;
			EMIT(b, LDX_MEM(BPF_DW, R0, x.fb, FP_CNT));
			JMP_TO(b, JMP_IMM(BPF_JEQ, R0, p->budget + blk_len - k),
			       xl_fault_label(&x, RC_FAULT_BUDGET, pc));
		}
		fused = translate(&x, pc, vi->depth[pc]);
		for (int i = 0;; i++) {
			const struct rc_opinfo *oi = rc_opinfo(p->insns[pc].op);

			if (i == fused) {	/* the last of the fused ones */
				fallthrough = !(oi->flags & RC_F_ACTION) &&
					      (!(oi->flags & RC_F_JUMP) ||
					       (oi->flags & RC_F_COND));
				pc += rc_insn_slots(&p->insns[pc]);
				break;
			}
			pc += rc_insn_slots(&p->insns[pc]);
			x.rc_to_bpf[pc] = x.rc_to_bpf[pc] == UINT32_MAX ? b->n : x.rc_to_bpf[pc];
		}
	}
	if (x.inline_loops) {
		xl_inline_backedges(&x);
		xl_emit_fault_stubs(&x);
		xl_epilogue(&x);
	} else if (x.loop) {
		xl_loop_callback_exits(&x);
	} else {
		xl_emit_fault_stubs(&x);
		xl_epilogue(&x);
	}
	err = xl_finish(b);
	if (err) {
		rc_diag_pc(d, RC_SEV_ERROR, p, -1, "rcode2bpf: %s",
			   err == -ERANGE ? "the translated program is too large "
			   "for eBPF's 16-bit jump offsets" : "out of memory");
		goto out;
	}
	if (b->n > XL_INSNS_MAX) {
		/* The kernel's limit on a program's length (a thousand
		 * sends, each several hundred instructions, get there). */
		rc_diag_pc(d, RC_SEV_ERROR, p, -1, "rcode2bpf: the translated "
			   "program has %u eBPF instructions, more than the "
			   "kernel's %u", b->n, XL_INSNS_MAX);
		err = -E2BIG;
		goto out;
	}
	out->insns = b->insns;	/* callback_insn was set on the way */
	out->ninsns = b->n;
	out->rc_to_bpf = x.rc_to_bpf;
	out->plan = x.plan;
	b->insns = NULL;
	x.rc_to_bpf = NULL;
out:
	xl_buf_free(b);
	free(x.pc_label);
	free(x.maxc);
	free(x.rc_to_bpf);
	free(x.stubs);
	free(x.backedges);
	return err;
}

void rc_xlate_out_free(struct rc_xlate_out *out)
{
	free(out->insns);
	free(out->rc_to_bpf);
	memset(out, 0, sizeof(*out));
}

int rc_xlate_listing(const struct rc_prog *p, const struct rc_xlate_out *out,
		     char **text)
{
	size_t cap = 4096, len = 0;
	char *s = malloc(cap);
	uint32_t pc = 0;

	if (!s)
		return -ENOMEM;
	s[0] = '\0';
	for (uint32_t i = 0; i < out->ninsns;) {
		char line[256], rc[128];
		int n;

		/* Before the eBPF of an R-code instruction, show it. */
		while (pc < p->ninsns && out->rc_to_bpf[pc] == i) {
			rc_insn_format(p, pc, rc, sizeof(rc));
			n = snprintf(line, sizeof(line), "; %4u: %s\n", pc, rc);
			if (len + n + 1 > cap) {
				char *ns = realloc(s, cap *= 2);

				if (!ns) {
					free(s);
					return -ENOMEM;
				}
				s = ns;
			}
			memcpy(s + len, line, n + 1);
			len += n;
			pc += rc_insn_slots(&p->insns[pc]);
		}
		while (pc < p->ninsns && out->rc_to_bpf[pc] < i)
			pc += rc_insn_slots(&p->insns[pc]);
		{
			char insn[160];
			int used = xl_format_insn(&out->insns[i], out->ninsns - i,
						  insn, sizeof(insn));

			n = snprintf(line, sizeof(line), "%6u: %s\n", i, insn);
			i += used;
		}
		if (len + n + 1 > cap) {
			char *ns = realloc(s, cap *= 2);

			if (!ns) {
				free(s);
				return -ENOMEM;
			}
			s = ns;
		}
		memcpy(s + len, line, n + 1);
		len += n;
	}
	*text = s;
	return 0;
}
