// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_icompile.c - compile a verified R-code handler into the in-kernel
 * interpreter's uops (bpf/rc_icode.h).
 *
 * Two streams are written.  The single stream, uop RC_IC_SINGLE + pc for
 * every pc, is each instruction alone on its home slots: the interpreter
 * falls back to it when the budget could run out inside a fused uop.  The
 * fused stream is what normally runs.  It is built one basic block at a
 * time with a symbolic operand stack: 'push', 'push64', 'ldl', 'dup',
 * 'over', 'pick' and 'pop' emit nothing and only say where a value can be
 * found (a constant, a slot); the instruction that consumes the values
 * takes them as operands.  So 'ldl 0; push 8; ltu; jnz L' is one uop,
 * JLTU_I v16, 8.
 *
 * Two rules keep the fused stream exact (bpf/rc_icode.h, "Exactness"):
 *  - A uop emitted for an instruction first materialises every pending
 *    value it does not consume (moves into its home slot), so that after
 *    any uop every value on the stack is in its home slot.  The pending
 *    instructions are therefore always the ones since the last uop, and
 *    replaying them from their first pc in the single stream finds the
 *    slots they read.
 *  - A uop counts the pending instructions and its own; if it may fault,
 *    its own instruction is the last it counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "rc_icompile.h"

static const struct {
	const char *name, *text;
} uop_names[] = {
#define RC_IC_NAME(name, sem) { #name, sem },
	RC_IC_OPS(RC_IC_NAME)
#undef RC_IC_NAME
};

const char *rc_uop_name(unsigned int op)
{
	return op < RC_U__COUNT ? uop_names[op].name : NULL;
}

const char *rc_uop_text(unsigned int op)
{
	return op < RC_U__COUNT ? uop_names[op].text : NULL;
}

/* Where a value on the symbolic stack is. */
enum ent_kind {
	E_HOME,		/* in its home slot (its stack position) */
	E_CONST,	/* the constant k, not yet anywhere */
	E_SLOT,		/* a copy of slot 'slot', not yet made */
};

struct ent {
	enum ent_kind kind;
	uint8_t slot;
	uint64_t k;
};

struct comp {
	const struct rc_prog *p;
	const struct rc_verinfo *vi;
	struct rc_icode *ic;
	uint32_t n;			/* next uop index */
	uint32_t limit;			/* end of the stream being written */
	bool overflow;

	struct ent st[RC_STACK_MAX];
	int sp;

	/* Pure instructions since the last uop. */
	uint32_t pend_n, pend_pc;
	int pend_dep;

	/* The last uop, if it produced the value now on top of the stack
	 * and nothing was emitted after it (for 'OP; stl j'). */
	int res_uop, res_pos;

	uint32_t blk_uop;		/* first uop of the current block */
	int32_t send_pc;		/* first reachable 'send', or -1 */

	/* Fused jumps, patched once every block has its entry. */
	uint32_t nfix;
	uint32_t fix_uop[RC_CODE_MAX];
	uint32_t fix_pc[RC_CODE_MAX];
	int32_t entry[RC_CODE_MAX];	/* first uop of the block at pc */
};

static int depth_after(const struct comp *c, uint32_t pc)
{
	const struct rc_opinfo *oi = rc_opinfo(c->p->insns[pc].op);

	return c->vi->depth[pc] - oi->pops + oi->pushes;
}

static void pend_add(struct comp *c, uint32_t pc)
{
	int dep = depth_after(c, pc);

	if (!c->pend_n)
		c->pend_pc = pc;
	c->pend_n++;
	if (dep > c->pend_dep)
		c->pend_dep = dep;
}

/*
 * Append a uop.  It counts the pending instructions and, if cpc >= 0, the
 * instruction at cpc, whose uop this is (then pc + x names cpc).
 */
static struct rc_uop *emit(struct comp *c, int op, int d, int a, int b,
			   int64_t k, int cpc)
{
	static struct rc_uop scratch;
	struct rc_uop *u;
	int dep = c->pend_dep;

	if (c->n >= c->limit) {
		c->overflow = true;
		return &scratch;
	}
	u = &c->ic->u[c->n++];
	memset(u, 0, sizeof(*u));
	u->op = op;
	u->d = d;
	u->a = a;
	u->b = b;
	u->k = (int32_t)k;
	u->n = c->pend_n;
	u->pc = c->pend_n ? c->pend_pc : (cpc >= 0 ? cpc : 0);
	/* Where to go next; jumps retarget it, 'jmp' may too (fuse_jmp). */
	u->target = c->n;
	if (cpc >= 0) {
		const struct rc_opinfo *oi = rc_opinfo(c->p->insns[cpc].op);
		int before = c->vi->depth[cpc];
		int after = depth_after(c, cpc);

		u->n++;
		u->x = cpc - u->pc;
		/* A faulting instruction that pushes has not pushed when it
		 * faults; the interpreter adds its push after it succeeds. */
		if (before > dep)
			dep = before;
		if (!((oi->flags & RC_F_FAULTS) && after > before) && after > dep)
			dep = after;
	}
	u->dep = dep < 0 ? 0 : dep;
	c->pend_n = 0;
	c->pend_dep = -1;
	c->res_uop = -1;
	return u;
}

static bool fits_s32(uint64_t k)
{
	return (int64_t)k == (int32_t)k;
}

/* Put the value at position pos into its home slot. */
static void materialise(struct comp *c, int pos)
{
	struct ent *e = &c->st[pos];

	switch (e->kind) {
	case E_HOME:
		return;
	case E_CONST:
		if (fits_s32(e->k)) {
			emit(c, RC_U_MOVI, pos, 0, 0, e->k, -1);
		} else {
			struct rc_uop *u = emit(c, RC_U_MOVI64, pos, 0, 0,
						(int32_t)(uint32_t)e->k, -1);
			struct rc_uop *hi;

			(void)u;
			hi = emit(c, RC_U_NOP, 0, 0, 0,
				  (int32_t)(uint32_t)(e->k >> 32), -1);
			hi->op = RC_U_NOP;	/* never run: MOVI64 skips it */
			if (!c->overflow)
				c->ic->u[c->n - 2].target = c->n;
		}
		break;
	case E_SLOT:
		emit(c, RC_U_MOV, pos, e->slot, 0, 0, -1);
		break;
	}
	e->kind = E_HOME;
}

/* Materialise every pending value below position 'keep' (the operands an
 * instruction consumes start there). */
static void flush_below(struct comp *c, int keep)
{
	for (int i = 0; i < keep && i < c->sp; i++)
		materialise(c, i);
}

static void flush_all(struct comp *c)
{
	flush_below(c, c->sp);
}

/* The slot an operand can be read from, materialising a constant. */
static int src_slot(struct comp *c, int pos)
{
	struct ent *e = &c->st[pos];

	if (e->kind == E_SLOT)
		return e->slot;
	materialise(c, pos);
	return pos;
}

static bool is_const(const struct comp *c, int pos)
{
	return c->st[pos].kind == E_CONST && fits_s32(c->st[pos].k);
}

static void push_home(struct comp *c)
{
	c->st[c->sp].kind = E_HOME;
	c->sp++;
}

/* Binary operations: the register form, then the immediate form. */
struct binop {
	enum rc_opcode op;
	int r, i;		/* RC_U_*_R, RC_U_*_I (-1: none) */
	int mirror;		/* the op with operands exchanged, or -1 */
	int jr, ji;		/* fused conditional jump, taken when true */
	int negate;		/* the comparison that is true when this is
				 * false (for jz), or -1 */
};

static const struct binop binops[] = {
	{ RC_OP_add, RC_U_ADD_R, RC_U_ADD_I, RC_OP_add, -1, -1, -1 },
	{ RC_OP_sub, RC_U_SUB_R, RC_U_SUB_I, -1, -1, -1, -1 },
	{ RC_OP_mul, RC_U_MUL_R, RC_U_MUL_I, RC_OP_mul, -1, -1, -1 },
	{ RC_OP_and, RC_U_AND_R, RC_U_AND_I, RC_OP_and, -1, -1, -1 },
	{ RC_OP_or, RC_U_OR_R, RC_U_OR_I, RC_OP_or, -1, -1, -1 },
	{ RC_OP_xor, RC_U_XOR_R, RC_U_XOR_I, RC_OP_xor, -1, -1, -1 },
	{ RC_OP_shl, RC_U_SHL_R, RC_U_SHL_I, -1, -1, -1, -1 },
	{ RC_OP_shr, RC_U_SHR_R, RC_U_SHR_I, -1, -1, -1, -1 },
	{ RC_OP_sar, RC_U_SAR_R, RC_U_SAR_I, -1, -1, -1, -1 },
	{ RC_OP_div, RC_U_DIV, -1, -1, -1, -1, -1 },
	{ RC_OP_divu, RC_U_DIVU, -1, -1, -1, -1, -1 },
	{ RC_OP_mod, RC_U_MOD, -1, -1, -1, -1, -1 },
	{ RC_OP_modu, RC_U_MODU, -1, -1, -1, -1, -1 },
	{ RC_OP_eq, RC_U_EQ_R, RC_U_EQ_I, RC_OP_eq, RC_U_JEQ_R, RC_U_JEQ_I, RC_OP_ne },
	{ RC_OP_ne, RC_U_NE_R, RC_U_NE_I, RC_OP_ne, RC_U_JNE_R, RC_U_JNE_I, RC_OP_eq },
	{ RC_OP_lt, RC_U_LT_R, RC_U_LT_I, RC_OP_gt, RC_U_JLT_R, RC_U_JLT_I, RC_OP_ge },
	{ RC_OP_le, RC_U_LE_R, RC_U_LE_I, RC_OP_ge, RC_U_JLE_R, RC_U_JLE_I, RC_OP_gt },
	{ RC_OP_gt, RC_U_GT_R, RC_U_GT_I, RC_OP_lt, RC_U_JGT_R, RC_U_JGT_I, RC_OP_le },
	{ RC_OP_ge, RC_U_GE_R, RC_U_GE_I, RC_OP_le, RC_U_JGE_R, RC_U_JGE_I, RC_OP_lt },
	{ RC_OP_ltu, RC_U_LTU_R, RC_U_LTU_I, RC_OP_gtu, RC_U_JLTU_R, RC_U_JLTU_I, RC_OP_geu },
	{ RC_OP_leu, RC_U_LEU_R, RC_U_LEU_I, RC_OP_geu, RC_U_JLEU_R, RC_U_JLEU_I, RC_OP_gtu },
	{ RC_OP_gtu, RC_U_GTU_R, RC_U_GTU_I, RC_OP_ltu, RC_U_JGTU_R, RC_U_JGTU_I, RC_OP_leu },
	{ RC_OP_geu, RC_U_GEU_R, RC_U_GEU_I, RC_OP_leu, RC_U_JGEU_R, RC_U_JGEU_I, RC_OP_ltu },
};

static const struct binop *binop_of(int op)
{
	for (size_t i = 0; i < sizeof(binops) / sizeof(binops[0]); i++)
		if ((int)binops[i].op == op)
			return &binops[i];
	return NULL;
}

/* Jump target of the instruction at pc. */
static uint32_t target_of(const struct comp *c, uint32_t pc)
{
	return pc + 1 + c->p->insns[pc].imm;
}

static void add_fixup(struct comp *c, uint32_t uop, uint32_t pc)
{
	if (c->nfix < RC_CODE_MAX) {
		c->fix_uop[c->nfix] = uop;
		c->fix_pc[c->nfix] = pc;
		c->nfix++;
	} else {
		c->overflow = true;
	}
}

/* The uop just emitted jumps to R-code pc t. */
static void jump_to(struct comp *c, bool single, uint32_t t)
{
	if (c->overflow)
		return;
	if (single)
		c->ic->u[c->n - 1].target = RC_IC_SINGLE + t;
	else
		add_fixup(c, c->n - 1, t);
}

/*
 * A binary operation at pc (operands at positions s-2, s-1).  If jcond is
 * RC_OP_jz or RC_OP_jnz, the comparison and that jump (at pc + 1) become
 * one conditional jump.
 */
static void compile_binop(struct comp *c, uint32_t pc, const struct binop *bo,
			  int jcond, bool single)
{
	int s = c->sp, pa = s - 2, pb = s - 1, op = bo->op, a, r;
	const struct binop *use = bo;
	int64_t k = 0;
	bool imm = false;

	flush_below(c, pa);
	if (jcond == RC_OP_jz) {
		use = binop_of(bo->negate);
		op = use->op;
	}
	if (use->i >= 0 && is_const(c, pb) && !is_const(c, pa)) {
		imm = true;
		k = (int64_t)c->st[pb].k;
		a = src_slot(c, pa);
	} else if (use->mirror >= 0 && is_const(c, pa) && !is_const(c, pb)) {
		use = binop_of(use->mirror);
		op = use->op;
		imm = true;
		k = (int64_t)c->st[pa].k;
		a = src_slot(c, pb);
	} else {
		a = src_slot(c, pa);
		r = src_slot(c, pb);
		k = r;
	}
	if (imm && (op == RC_OP_shl || op == RC_OP_shr || op == RC_OP_sar))
		k &= 63;
	(void)op;
	c->sp -= 2;
	if (jcond >= 0) {
		/* The comparison's 0/1 is never made: one jump, counting
		 * both instructions. */
		pend_add(c, pc);
		emit(c, imm ? use->ji : use->jr, 0, a, imm ? 0 : (int)k,
		     imm ? k : 0, pc + 1);
		jump_to(c, single, target_of(c, pc + 1));
		return;
	}
	emit(c, imm ? use->i : use->r, pa, a, imm ? 0 : (int)k, imm ? k : 0, pc);
	push_home(c);
	/* 'OP; stl j' may retarget it, unless it can fault: the store
	 * would then be counted as executed. */
	if (!(rc_opinfo(bo->op)->flags & RC_F_FAULTS)) {
		c->res_uop = c->n - 1;
		c->res_pos = pa;
	}
}

/* A uop whose only source is the top of the stack, replaced by its
 * result (unary operations). */
static void compile_unop(struct comp *c, uint32_t pc, int uop)
{
	int pos = c->sp - 1, a;

	flush_below(c, pos);
	a = src_slot(c, pos);
	c->sp--;
	emit(c, uop, pos, a, 0, 0, pc);
	push_home(c);
	c->res_uop = c->n - 1;
	c->res_pos = pos;
}

static int width_of(const struct rc_insn *in)
{
	return rc_opinfo(in->op)->width;
}

/*
 * 'jmp' after a uop that goes on to the next one anyway: that uop goes to
 * the jump's target instead and counts the jump (one dispatch less per
 * loop iteration).  Only for uops that cannot fault, so that a fault never
 * counts the jump, and only inside the jump's own block.
 */
static bool fuse_jmp(struct comp *c, uint32_t pc)
{
	struct rc_uop *u;

	if (c->pend_n || c->overflow || c->n == 0 || c->n - 1 < c->blk_uop)
		return false;
	u = &c->ic->u[c->n - 1];
	/* The high half of a MOVI64 is a NOP that never runs (the MOVI64
	 * goes past it): a jump fused into it would be lost.  Fuse it into
	 * the MOVI64 itself. */
	if (c->n >= 2 && c->n - 2 >= c->blk_uop &&
	    c->ic->u[c->n - 2].op == RC_U_MOVI64 && u->op == RC_U_NOP) {
		u = &c->ic->u[c->n - 2];
		if (u->n == 255)
			return false;
		u->n++;
		add_fixup(c, c->n - 2, target_of(c, pc));
		c->res_uop = -1;
		return true;
	}
	switch (u->op) {
	case RC_U_MOV: case RC_U_MOVI: case RC_U_SWAP: case RC_U_ROT:
	case RC_U_ADD_R: case RC_U_ADD_I: case RC_U_SUB_R: case RC_U_SUB_I:
	case RC_U_MUL_R: case RC_U_MUL_I: case RC_U_AND_R: case RC_U_AND_I:
	case RC_U_OR_R: case RC_U_OR_I: case RC_U_XOR_R: case RC_U_XOR_I:
	case RC_U_SHL_R: case RC_U_SHL_I: case RC_U_SHR_R: case RC_U_SHR_I:
	case RC_U_SAR_R: case RC_U_SAR_I: case RC_U_NEG: case RC_U_NOT:
	case RC_U_LDS: case RC_U_STS: case RC_U_XADDS: case RC_U_LDW:
	case RC_U_STW: case RC_U_XADDW: case RC_U_LDH: case RC_U_STH:
	case RC_U_STHI: case RC_U_CLOCK: case RC_U_NOP: case RC_U_UPCALL:
		break;
	default:
		return false;
	}
	if (u->n == 255)
		return false;
	u->n++;
	add_fixup(c, c->n - 1, target_of(c, pc));
	c->res_uop = -1;
	return true;
}

/* Compile the instruction at pc.  Returns how many instructions it used
 * (2 when it fused a comparison with the jump after it). */
static int compile_insn(struct comp *c, uint32_t pc, bool single)
{
	const struct rc_insn *in = &c->p->insns[pc];
	const struct binop *bo = binop_of(in->op);
	int s = c->sp, a, d;
	struct ent *e;

	if (bo) {
		int jc = -1;
		uint32_t nx = pc + 1;

		if (!single && bo->jr >= 0 && nx < c->p->ninsns &&
		    !c->vi->leader[nx] &&
		    (c->p->insns[nx].op == RC_OP_jz ||
		     c->p->insns[nx].op == RC_OP_jnz))
			jc = c->p->insns[nx].op;
		compile_binop(c, pc, bo, jc, single);
		return jc >= 0 ? 2 : 1;
	}

	switch ((enum rc_opcode)in->op) {
	/* pure producers: nothing to emit yet */
	case RC_OP_push:
	case RC_OP_push64:
		e = &c->st[c->sp++];
		e->kind = E_CONST;
		e->k = in->op == RC_OP_push ? (uint64_t)(int64_t)in->imm
					    : rc_insn_imm64(in);
		pend_add(c, pc);
		break;
	case RC_OP_ldl:
		e = &c->st[c->sp++];
		e->kind = E_SLOT;
		e->slot = RC_IC_LOCAL0 + in->imm;
		pend_add(c, pc);
		break;
	case RC_OP_dup:
	case RC_OP_over:
	case RC_OP_pick: {
		int from = s - 1 - (in->op == RC_OP_dup ? 0 :
				    in->op == RC_OP_over ? 1 : in->imm);

		e = &c->st[c->sp++];
		if (c->st[from].kind == E_HOME) {
			e->kind = E_SLOT;
			e->slot = from;
		} else {
			*e = c->st[from];
		}
		pend_add(c, pc);
		break;
	}
	case RC_OP_pop:
		c->sp--;
		pend_add(c, pc);
		break;
	case RC_OP_swap:
		if (c->st[s - 1].kind != E_HOME && c->st[s - 2].kind != E_HOME) {
			struct ent t = c->st[s - 1];

			c->st[s - 1] = c->st[s - 2];
			c->st[s - 2] = t;
			pend_add(c, pc);
			break;
		}
		flush_all(c);
		emit(c, RC_U_SWAP, s - 2, s - 1, 0, 0, pc);
		break;
	case RC_OP_rot:
		flush_all(c);
		emit(c, RC_U_ROT, s - 3, 0, 0, 0, pc);
		break;
	case RC_OP_stl:
		d = RC_IC_LOCAL0 + in->imm;
		if (c->st[s - 1].kind == E_SLOT && c->st[s - 1].slot == d) {
			c->sp--;	/* ldl j; stl j */
			pend_add(c, pc);
			break;
		}
		if (!single && c->st[s - 1].kind == E_HOME && c->res_uop >= 0 &&
		    c->res_pos == s - 1 && c->res_uop == (int)c->n - 1 &&
		    !c->pend_n) {
			/* 'OP; stl j': the result goes straight to the local. */
			struct rc_uop *u = &c->ic->u[c->res_uop];

			u->d = d;
			u->n++;
			c->sp--;
			c->res_uop = -1;
			break;
		}
		flush_below(c, s - 1);
		a = s - 1;
		if (is_const(c, a)) {
			emit(c, RC_U_MOVI, d, 0, 0, c->st[a].k, pc);
		} else {
			a = src_slot(c, a);
			emit(c, RC_U_MOV, d, a, 0, 0, pc);
		}
		c->sp--;
		break;

	/* arithmetic and conversions (binary operations above) */
	case RC_OP_neg:
		compile_unop(c, pc, RC_U_NEG);
		break;
	case RC_OP_not:
		compile_unop(c, pc, RC_U_NOT);
		break;
	case RC_OP_sext8:
		compile_unop(c, pc, RC_U_SEXT8);
		break;
	case RC_OP_sext16:
		compile_unop(c, pc, RC_U_SEXT16);
		break;
	case RC_OP_sext32:
		compile_unop(c, pc, RC_U_SEXT32);
		break;
	case RC_OP_bswap16:
		compile_unop(c, pc, RC_U_BSWAP16);
		break;
	case RC_OP_bswap32:
		compile_unop(c, pc, RC_U_BSWAP32);
		break;
	case RC_OP_bswap64:
		compile_unop(c, pc, RC_U_BSWAP64);
		break;

	/* control flow: everything goes home first */
	case RC_OP_jmp:
		flush_all(c);
		if (!single && fuse_jmp(c, pc))
			break;
		emit(c, RC_U_JMP, 0, 0, 0, 0, pc);
		jump_to(c, single, target_of(c, pc));
		break;
	case RC_OP_jz:
	case RC_OP_jnz:
		flush_below(c, s - 1);
		a = src_slot(c, s - 1);
		c->sp--;
		emit(c, in->op == RC_OP_jz ? RC_U_JZ : RC_U_JNZ, 0, a, 0, 0, pc);
		jump_to(c, single, target_of(c, pc));
		break;

	/* the message */
	case RC_OP_ldh:
		flush_all(c);
		emit(c, RC_U_LDH, s, 0, 0, in->imm, pc);
		push_home(c);
		c->res_uop = c->n - 1;
		c->res_pos = s;
		break;
	case RC_OP_sth:
		flush_below(c, s - 1);
		if (is_const(c, s - 1)) {
			emit(c, RC_U_STHI, 0, 0, in->imm, c->st[s - 1].k, pc);
		} else {
			a = src_slot(c, s - 1);
			emit(c, RC_U_STH, 0, a, 0, in->imm, pc);
		}
		c->sp--;
		break;
	case RC_OP_resize:
		flush_below(c, s - 1);
		a = src_slot(c, s - 1);
		c->sp--;
		emit(c, RC_U_RESIZE, 0, a, 0, 0, pc);
		break;
	case RC_OP_ldp8:
	case RC_OP_ldp16:
	case RC_OP_ldp32:
	case RC_OP_ldp64:
		flush_all(c);
		emit(c, RC_U_LDP, s, 0, width_of(in), in->imm, pc);
		push_home(c);
		break;
	case RC_OP_ldpx8:
	case RC_OP_ldpx16:
	case RC_OP_ldpx32:
	case RC_OP_ldpx64:
		flush_below(c, s - 1);
		a = src_slot(c, s - 1);
		c->sp--;
		emit(c, RC_U_LDPX, s - 1, a, width_of(in), in->imm, pc);
		push_home(c);
		break;
	case RC_OP_stp8:
	case RC_OP_stp16:
	case RC_OP_stp32:
	case RC_OP_stp64:
		flush_below(c, s - 1);
		a = src_slot(c, s - 1);
		c->sp--;
		emit(c, RC_U_STP, 0, a, width_of(in), in->imm, pc);
		break;
	case RC_OP_stpx8:
	case RC_OP_stpx16:
	case RC_OP_stpx32:
	case RC_OP_stpx64:
		flush_below(c, s - 2);
		d = src_slot(c, s - 2);
		a = src_slot(c, s - 1);
		c->sp -= 2;
		emit(c, RC_U_STPX, d, a, width_of(in), in->imm, pc);
		break;

	/* the data area and the windows: same shapes, b = window */
	case RC_OP_lds:
	case RC_OP_ldw:
		flush_all(c);
		emit(c, in->op == RC_OP_lds ? RC_U_LDS : RC_U_LDW, s, 0, in->a,
		     in->imm, pc);
		push_home(c);
		c->res_uop = c->n - 1;
		c->res_pos = s;
		break;
	case RC_OP_ldsx:
	case RC_OP_ldwx:
		flush_below(c, s - 1);
		a = src_slot(c, s - 1);
		c->sp--;
		emit(c, in->op == RC_OP_ldsx ? RC_U_LDSX : RC_U_LDWX, s - 1, a,
		     in->a, in->imm, pc);
		push_home(c);
		break;
	case RC_OP_sts:
	case RC_OP_stw:
		flush_below(c, s - 1);
		a = src_slot(c, s - 1);
		c->sp--;
		emit(c, in->op == RC_OP_sts ? RC_U_STS : RC_U_STW, 0, a, in->a,
		     in->imm, pc);
		break;
	case RC_OP_stsx:
	case RC_OP_stwx:
		flush_below(c, s - 2);
		d = src_slot(c, s - 2);
		a = src_slot(c, s - 1);
		c->sp -= 2;
		emit(c, in->op == RC_OP_stsx ? RC_U_STSX : RC_U_STWX, d, a,
		     in->a, in->imm, pc);
		break;
	case RC_OP_xadds:
	case RC_OP_xaddw:
		flush_below(c, s - 1);
		a = src_slot(c, s - 1);
		c->sp--;
		emit(c, in->op == RC_OP_xadds ? RC_U_XADDS : RC_U_XADDW, s - 1,
		     a, in->a, in->imm, pc);
		push_home(c);
		c->res_uop = c->n - 1;
		c->res_pos = s - 1;
		break;
	case RC_OP_xaddsx:
	case RC_OP_xaddwx:
		/* The index's home is also the result's: no copy elsewhere. */
		flush_below(c, s - 1);
		materialise(c, s - 2);
		a = src_slot(c, s - 1);
		c->sp -= 2;
		emit(c, in->op == RC_OP_xaddsx ? RC_U_XADDSX : RC_U_XADDWX,
		     s - 2, a, in->a, in->imm, pc);
		push_home(c);
		break;
	case RC_OP_cass:
		flush_below(c, s - 2);
		a = src_slot(c, s - 2);
		d = src_slot(c, s - 1);
		c->sp -= 2;
		emit(c, RC_U_CASS, s - 2, a, d, in->imm, pc);
		push_home(c);
		c->res_uop = c->n - 1;
		c->res_pos = s - 2;
		break;
	case RC_OP_cassx:
		flush_all(c);
		c->sp -= 3;
		emit(c, RC_U_CASSX, s - 3, 0, 0, in->imm, pc);
		push_home(c);
		break;

	case RC_OP_clock:
		flush_all(c);
		emit(c, RC_U_CLOCK, s, 0, 0, 0, pc);
		push_home(c);
		c->res_uop = c->n - 1;
		c->res_pos = s;
		break;
	case RC_OP_upcall:
		/* An effect outside the slots: the last instruction of its
		 * uop, like a store. */
		flush_below(c, s - 1);
		a = src_slot(c, s - 1);
		c->sp--;
		emit(c, RC_U_UPCALL, 0, a, 0, 0, pc);
		break;
	case RC_OP_send:
		/* No uop: a copy that goes out while the run goes on needs
		 * bpf_clone_redirect(), which XDP does not have. */
		if (c->send_pc < 0)
			c->send_pc = pc;
		c->overflow = true;
		break;

	/* actions: the stack does not matter any more */
	case RC_OP_drop:
		emit(c, RC_U_DROP, 0, 0, 0, 0, pc);
		break;
	case RC_OP_pass:
		emit(c, RC_U_PASS, 0, 0, 0, 0, pc);
		break;
	case RC_OP_reply:
		emit(c, RC_U_REPLY, 0, 0, 0, 0, pc);
		break;
	case RC_OP_forward:
		/* The kernel checks the rank after the run: an action ends
		 * it, so a fault there is still this instruction's. */
		a = src_slot(c, s - 1);
		c->sp--;
		emit(c, RC_U_FORWARD, 0, a, 0, 0, pc);
		break;

	/* handled above as binary operations */
	case RC_OP_add: case RC_OP_sub: case RC_OP_mul: case RC_OP_div:
	case RC_OP_divu: case RC_OP_mod: case RC_OP_modu: case RC_OP_and:
	case RC_OP_or: case RC_OP_xor: case RC_OP_shl: case RC_OP_shr:
	case RC_OP_sar: case RC_OP_eq: case RC_OP_ne: case RC_OP_lt:
	case RC_OP_le: case RC_OP_gt: case RC_OP_ge: case RC_OP_ltu:
	case RC_OP_leu: case RC_OP_gtu: case RC_OP_geu:
		c->overflow = true;
		break;
	}
	return 1;
}

static bool ends_block(const struct rc_insn *in)
{
	const struct rc_opinfo *oi = rc_opinfo(in->op);

	return oi->flags & (RC_F_JUMP | RC_F_ACTION);
}

static void stack_home(struct comp *c, int depth)
{
	c->sp = depth;
	for (int i = 0; i < depth; i++)
		c->st[i].kind = E_HOME;
	c->pend_n = 0;
	c->pend_dep = -1;
	c->res_uop = -1;
}

/* The single stream: every reachable pc alone, at RC_IC_SINGLE + pc. */
static void build_single(struct comp *c)
{
	const struct rc_prog *p = c->p;

	for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc])) {
		c->n = RC_IC_SINGLE + pc;
		c->limit = RC_IC_MAX;
		if (!c->vi->reachable[pc]) {
			memset(&c->ic->u[c->n], 0, sizeof(c->ic->u[0]));
			c->ic->u[c->n].op = RC_U_PASS;	/* never run */
			c->ic->u[c->n].pc = pc;
			continue;
		}
		stack_home(c, c->vi->depth[pc]);
		compile_insn(c, pc, true);
		/* Whatever the instruction left pending goes home now. */
		flush_all(c);
		if (c->pend_n)
			emit(c, RC_U_NOP, 0, 0, 0, 0, -1);
		/* One instruction, one uop (push64: MOVI64 and its high
		 * half, or one MOVI and a slot never run).  More is a bug. */
		if (c->n > RC_IC_SINGLE + pc + rc_insn_slots(&p->insns[pc]))
			c->overflow = true;
		else if (c->n < RC_IC_SINGLE + pc + rc_insn_slots(&p->insns[pc])) {
			/* A push64 that fits a MOVI: it goes on past the
			 * second slot, which is never run. */
			c->ic->u[c->n - 1].target = RC_IC_SINGLE + pc + 2;
			memset(&c->ic->u[c->n], 0, sizeof(c->ic->u[0]));
			c->ic->u[c->n].target = RC_IC_SINGLE + pc + 2;
		}
	}
}

static void build_fused(struct comp *c)
{
	const struct rc_prog *p = c->p;
	bool open = false;

	c->n = 0;
	c->limit = RC_IC_SINGLE;
	for (uint32_t pc = 0; pc < p->ninsns;) {
		const struct rc_insn *in = &p->insns[pc];
		int used;

		if (!c->vi->reachable[pc]) {
			open = false;
			pc += rc_insn_slots(in);
			continue;
		}
		if (open && c->vi->leader[pc]) {
			/* Falling into a leader: everything home. */
			flush_all(c);
			if (c->pend_n)
				emit(c, RC_U_NOP, 0, 0, 0, 0, -1);
			open = false;
		}
		if (!open) {
			stack_home(c, c->vi->depth[pc]);
			c->entry[pc] = c->n;
			c->blk_uop = c->n;
			open = true;
		}
		used = compile_insn(c, pc, false);
		if (used == 2)
			pc += 1;
		if (ends_block(&p->insns[pc]))
			open = false;
		pc += rc_insn_slots(&p->insns[pc]);
	}
	if (open) {
		/* The verifier forbids falling off the end; be safe. */
		c->overflow = true;
	}
	c->ic->nuops = c->n;
	for (uint32_t i = 0; i < c->nfix && !c->overflow; i++) {
		int32_t t = c->entry[c->fix_pc[i]];

		if (t < 0)
			c->overflow = true;
		else
			c->ic->u[c->fix_uop[i]].target = t;
	}
}

void rc_icode_refuse_send(const struct rc_prog *prog, uint32_t pc,
			  struct rc_diags *d)
{
	char where[300];

	if (prog->loc && pc < prog->ninsns && prog->loc[pc].line)
		snprintf(where, sizeof(where), "%s:%u:%u", prog->origin[0] ? prog->origin : "-",
			 prog->loc[pc].line, prog->loc[pc].col);
	else
		snprintf(where, sizeof(where), "pc %u", pc);
	rc_diag_pc(d, RC_SEV_ERROR, prog, pc, "needs TC (send at %s); the "
		   "interpreter runs at XDP: use the translated path", where);
	rc_diag_note(d, "'send' sends a copy and goes on, which takes "
		     "bpf_clone_redirect(), a TC helper");
}

int rc_icode_build(const struct rc_prog *prog, const struct rc_verinfo *vi,
		   uint32_t flags, struct rc_icode *ic, int32_t *pc_uop,
		   struct rc_diags *d)
{
	struct comp *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	memset(ic, 0, sizeof(*ic));
	ic->magic = RC_IC_MAGIC;
	ic->flags = flags;
	ic->budget = prog->budget;
	ic->state_words = prog->state_words;
	ic->nwindows = prog->nwindows;
	for (uint32_t k = 0; k < prog->nwindows; k++)
		ic->window_words[k] = prog->windows[k].words;
	ic->portal = prog->portal;
	c->p = prog;
	c->vi = vi;
	c->ic = ic;
	c->send_pc = -1;
	for (uint32_t i = 0; i < RC_CODE_MAX; i++)
		c->entry[i] = -1;
	build_single(c);
	build_fused(c);
	if (!c->overflow && pc_uop) {
		for (uint32_t pc = 0; pc < RC_CODE_MAX; pc++)
			pc_uop[pc] = -1;
		for (uint32_t i = 0; i < ic->nuops; i++) {
			const struct rc_uop *u = &ic->u[i];
			uint32_t pc = u->pc;

			if (u->op == RC_U_NOP && !u->n)
				continue;
			for (uint32_t k = 0; k < u->n && pc < prog->ninsns; k++) {
				pc_uop[pc] = i;
				pc += rc_insn_slots(&prog->insns[pc]);
			}
		}
	}
	if (c->send_pc >= 0) {
		rc_icode_refuse_send(prog, c->send_pc, d);
		free(c);
		return -EOPNOTSUPP;
	}
	if (c->overflow) {
		rc_diag_pc(d, RC_SEV_ERROR, prog, -1,
			   "the in-kernel interpreter cannot run this handler "
			   "(its code does not fit %u uops)", RC_IC_SINGLE);
		free(c);
		return -E2BIG;
	}
	free(c);
	return 0;
}

void rc_icode_pc_counts(const struct rc_prog *prog, const struct rc_icode *ic,
			const uint64_t *runs, uint64_t *pc_counts)
{
	memset(pc_counts, 0, sizeof(*pc_counts) * RC_CODE_MAX);
	for (uint32_t i = 0; i < RC_IC_MAX; i++) {
		const struct rc_uop *u = &ic->u[i];
		uint32_t pc = u->pc;

		if (!runs[i] || (i >= ic->nuops && i < RC_IC_SINGLE))
			continue;
		for (uint32_t k = 0; k < u->n && pc < prog->ninsns; k++) {
			pc_counts[pc] += runs[i];
			pc += rc_insn_slots(&prog->insns[pc]);
		}
	}
}

/* "v3", "local2" */
static void slot_name(unsigned int s, char *buf, size_t size)
{
	if (s >= RC_IC_LOCAL0)
		snprintf(buf, size, "l%u", s - RC_IC_LOCAL0);
	else
		snprintf(buf, size, "v%u", s);
}

static int uop_format(const struct rc_icode *ic, uint32_t i, char *buf,
		      size_t size)
{
	const struct rc_uop *u = &ic->u[i];
	char d[8], a[8], b[8];

	slot_name(u->d, d, sizeof(d));
	slot_name(u->a, a, sizeof(a));
	slot_name(u->b, b, sizeof(b));
	return snprintf(buf, size, "%-8s d=%s a=%s b=%s k=%d -> %u  [n=%u]",
			rc_uop_name(u->op) ?: "?", d, a, b, u->k, u->target, u->n);
}

int rc_icode_listing(const struct rc_prog *prog, const struct rc_icode *ic,
		     const uint64_t *runs, char **text)
{
	char *buf = NULL, line[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	for (uint32_t i = 0; i < ic->nuops; i++) {
		const struct rc_uop *u = &ic->u[i];
		uint32_t pc = u->pc;

		for (uint32_t k = 0; k < u->n && pc < prog->ninsns; k++) {
			rc_insn_format(prog, pc, line, sizeof(line));
			fprintf(f, ";%5u: %s\n", pc, line);
			pc += rc_insn_slots(&prog->insns[pc]);
		}
		uop_format(ic, i, line, sizeof(line));
		if (runs)
			fprintf(f, "  %4u: %-60s %12llu\n", i, line,
				(unsigned long long)runs[i]);
		else
			fprintf(f, "  %4u: %s\n", i, line);
	}
	if (fclose(f))
		return -ENOMEM;
	*text = buf;
	return 0;
}
