// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_interp.c - the reference interpreter: docs/rcode.md, sections 1 to 3,
 * in the plainest C that implements them.
 *
 * Every other execution path (the eBPF translation, the in-kernel
 * interpreter) is tested against this file, so it prefers obvious to fast:
 * one case per row of rc_opcodes.def, unsigned 64-bit arithmetic
 * throughout (C defines wrapping only for unsigned types; signed overflow
 * is undefined), byte loops for the payload, and a full copy of the message
 * to restore after a fault.
 *
 * It trusts nothing about the program.  The verifier rejects every program
 * in which an instruction could be meaningless, but rc_run() may be handed
 * unverified code (tests, fuzzers, a corrupt binary), so stack depth, pc,
 * operands and reserved fields are checked again here and end the run with
 * fault 'illegal' before any memory is touched.
 */
#include <errno.h>
#include <string.h>
#include "rcode.h"

/*
 * Dispatch in the manner of Lua's lvm.c: the body below is written with
 * these three macros, so it can be built as a computed-goto table without
 * changing a case.  It is a switch over enum rc_opcode with no default
 * label: with -Wswitch-enum, an opcode added to rc_opcodes.def without a
 * case here fails the build.
 */
#define vmdispatch(o)	switch (o)
#define vmcase(name)	case RC_OP_##name:
#define vmbreak		break

/*
 * The opcode table indexed by code, built by the compiler from
 * rc_opcodes.def.  rc_opinfo() answers the same question, but it fills its
 * index on first use, and rc_run() is called from many threads at once.
 */
static const struct rc_opinfo optab[256] = {
#define RC_OP(name, code, opnd, pops, pushes, flags, width, pic) \
	[code] = { #name, code, opnd, pops, pushes, flags, width, pic },
#include "rc_opcodes.def"
#undef RC_OP
};

static const struct rc_opinfo *opinfo(uint8_t op)
{
	return optab[op].name ? &optab[op] : NULL;
}

/*
 * The verifier's rules about a single instruction, checked again: a known
 * opcode of this version that is not reserved, zero reserved bits, 'a' only
 * where it names a window, an operand in its range, and a stack that holds
 * what the instruction pops and has room for what it pushes.  The ranges
 * are the verifier's own: a data-area or window word operand (the base of
 * an indexed form too) lies inside its area, and a payload offset leaves
 * room for the access width.
 */
static bool insn_legal(const struct rc_prog *prog, uint32_t pc,
		       const struct rc_opinfo *oi, unsigned int sp)
{
	const struct rc_insn *in = &prog->insns[pc];
	int64_t imm = in->imm, target;

	if (!oi || (oi->flags & RC_F_RESERVED) || in->rsvd)
		return false;
	if (oi->operand != RC_OPND_WIN && in->a)
		return false;
	if (oi->pops > sp || sp - oi->pops + oi->pushes > RC_STACK_MAX)
		return false;

	switch ((enum rc_operand)oi->operand) {
	case RC_OPND_NONE:
		return imm == 0;
	case RC_OPND_IMM:
		return true;
	case RC_OPND_IMM64:
		/* The second slot is op 0 with only imm used. */
		return pc + 1 < prog->ninsns && in[1].op == 0 && !in[1].a &&
		       !in[1].rsvd;
	case RC_OPND_DEPTH:
		/* pick n copies the value n below the top: n < depth */
		return imm >= 0 && imm < sp;
	case RC_OPND_LOCAL:
		return imm >= 0 && imm < RC_LOCALS;
	case RC_OPND_LABEL:
		target = (int64_t)pc + 1 + imm;
		return target >= 0 && target < prog->ninsns;
	case RC_OPND_FIELD:
		if (imm < 0 || imm >= RC_FIELD__COUNT)
			return false;
		return in->op != RC_OP_sth || rc_field_writable(imm);
	case RC_OPND_POFF:
		return imm >= 0 && imm + oi->width <= RC_PAYLOAD_MAX;
	case RC_OPND_SLOT:
		return imm >= 0 && imm < prog->state_words;
	case RC_OPND_WIN:
		return in->a < prog->nwindows && imm >= 0 &&
		       imm < prog->windows[in->a].words;
	}
	return false;
}

/*
 * Word base + i of an area of 'words' words, or NULL when it lies outside.
 * i is a stack value, any 64-bit pattern (a negative index is a huge one):
 * comparing i with words - base never computes base + i, which could wrap
 * around into the area.  insn_legal() guarantees base < words.
 */
static uint64_t *word_at(uint64_t *area, uint64_t words, uint64_t base,
			 uint64_t i)
{
	if (i >= words - base)
		return NULL;
	return &area[base + i];
}

/*
 * Is an access of w bytes at offset base + i inside a payload of len bytes?
 * The same care as word_at(): o + w <= len, evaluated so that nothing can
 * overflow, whatever i is.
 */
static bool payload_ok(uint32_t len, uint32_t w, uint64_t base, uint64_t i)
{
	uint64_t last;	/* highest offset at which w bytes still fit */

	if (len < w)
		return false;
	last = len - w;
	return base <= last && i <= last - base;
}

/* Little-endian, any alignment, zero-extended: one byte at a time. */
static uint64_t load_le(const uint8_t *p, unsigned int w)
{
	uint64_t v = 0;

	for (unsigned int k = 0; k < w; k++)
		v |= (uint64_t)p[k] << (8 * k);
	return v;
}

static void store_le(uint8_t *p, unsigned int w, uint64_t v)
{
	for (unsigned int k = 0; k < w; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

/*
 * Data-area and window words are shared with other CPUs and with the
 * application.  The reference interpreter runs one invocation at a time,
 * but the user-level runtime calls it from many threads at once, so even
 * plain loads and stores go through __atomic: docs/rcode.md promises a
 * reader never sees a torn word, and C promises nothing for racing plain
 * accesses.  Relaxed is what 'lds'/'sts' promise; the read-modify-write
 * instructions are sequentially consistent with each other.
 */
static uint64_t word_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void word_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static uint64_t word_fetch_add(uint64_t *p, uint64_t v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

/* Compare-and-swap that returns the old value whether or not it stored. */
static uint64_t word_cmpxchg(uint64_t *p, uint64_t expect, uint64_t newv)
{
	/* On failure the builtin writes the current value into expect; on
	 * success expect already equals it. */
	__atomic_compare_exchange_n(p, &expect, newv, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return expect;
}

/* Sign-extend the low 'bits' bits of v, without implementation-defined
 * conversions: flip the sign bit, then subtract it back out. */
static uint64_t sext(uint64_t v, unsigned int bits)
{
	uint64_t sign = (uint64_t)1 << (bits - 1);
	uint64_t mask = (sign << 1) - 1;

	return ((v & mask) ^ sign) - sign;
}

/* Arithmetic right shift of a two's-complement word; spelled out because
 * C leaves >> of a negative signed value implementation-defined. */
static uint64_t sar64(uint64_t a, unsigned int s)
{
	return (a >> 63) ? ~(~a >> s) : a >> s;
}

static bool neg64(uint64_t a)
{
	return a >> 63;
}

/*
 * Signed compare of two words as two's complement: flipping the sign bits
 * maps INT64_MIN..INT64_MAX onto 0..UINT64_MAX in order.
 */
static bool slt(uint64_t a, uint64_t b)
{
	const uint64_t sign = (uint64_t)1 << 63;

	return (a ^ sign) < (b ^ sign);
}

/*
 * Signed division and remainder, truncating toward zero (C99's rule and
 * eBPF's BPF_SDIV/BPF_SMOD), done on magnitudes so that no signed
 * operation can overflow: INT64_MIN / -1 wraps to INT64_MIN and
 * INT64_MIN % -1 is 0, as modulo-2^64 arithmetic says.  b != 0.
 */
static uint64_t sdiv64(uint64_t a, uint64_t b)
{
	uint64_t ua = neg64(a) ? -a : a, ub = neg64(b) ? -b : b;
	uint64_t q = ua / ub;

	return neg64(a) != neg64(b) ? -q : q;
}

static uint64_t smod64(uint64_t a, uint64_t b)
{
	uint64_t ua = neg64(a) ? -a : a, ub = neg64(b) ? -b : b;
	uint64_t r = ua % ub;

	/* The remainder takes the sign of the dividend. */
	return neg64(a) ? -r : r;
}

static uint64_t hdr_get(const struct rc_hdr *h, unsigned int field)
{
	switch ((enum rc_field)field) {
	case RC_FIELD_SRC:
		return h->src;
	case RC_FIELD_DST:
		return h->dst;
	case RC_FIELD_PORTAL:
		return h->portal;
	case RC_FIELD_TAG:
		return h->tag;
	case RC_FIELD_SEQ:
		return h->seq;
	case RC_FIELD_LEN:
		return h->len;
	case RC_FIELD__COUNT:
		break;
	}
	return 0;	/* not reached: insn_legal() checked the field */
}

/* Only the writable fields; each keeps the low bits that fit its width. */
static void hdr_set(struct rc_hdr *h, unsigned int field, uint64_t v)
{
	switch ((enum rc_field)field) {
	case RC_FIELD_PORTAL:
		h->portal = (uint16_t)v;
		break;
	case RC_FIELD_TAG:
		h->tag = (uint32_t)v;
		break;
	case RC_FIELD_SEQ:
		h->seq = (uint32_t)v;
		break;
	case RC_FIELD_SRC:
	case RC_FIELD_DST:
	case RC_FIELD_LEN:
	case RC_FIELD__COUNT:
		break;	/* not reached: insn_legal() checked the field */
	}
}

/*
 * May forward or send reach rank r?  r is a stack value: anything of 2^32
 * or more is no rank at all (comparing the whole word with nranks, never
 * its low half, keeps 2^32 + 1 from reaching rank 1).  This node is not a
 * destination: a message for itself is what pass is for.
 */
static bool rank_reachable(const struct rc_ranks *ranks, uint64_t r)
{
	if (!ranks || r >= ranks->nranks || r == ranks->self)
		return false;
	return !ranks->present || ranks->present[r];
}

/*
 * Log a send (the copy as it leaves: header src = self, dst = rank, the
 * payload as it is now) or an up-call (value v, the header as it is now).
 * Only the first effects_max are kept; the caller counts them all.
 */
static void log_effect(struct rc_env *env, struct rc_result *res,
		       uint32_t kind, uint64_t v, const struct rc_msg *msg)
{
	struct rc_effect *e;
	uint32_t i = res->neffects;

	if (!env->effects || i >= env->effects_max)
		return;
	e = &env->effects[i];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->hdr = msg->hdr;
	if (kind == RC_EFFECT_SEND) {
		e->rank = (uint32_t)v;
		e->hdr.src = env->ranks->self;
		e->hdr.dst = (uint32_t)v;
		e->len = msg->hdr.len;
		if (env->effect_payloads) {
			e->payload = env->effect_payloads[i];
			memcpy(e->payload, msg->payload, msg->hdr.len);
		}
	} else {
		e->value = v;
	}
	res->neffects = i + 1;
}

int rc_run(const struct rc_prog *prog, struct rc_msg *msg,
	   struct rc_env *env, struct rc_result *res)
{
	uint64_t stack[RC_STACK_MAX];
	uint64_t locals[RC_LOCALS] = { 0 };
	unsigned int sp = 0, stack_max = 0;
	uint64_t executed = 0;
	uint32_t pc = 0, fault = RC_FAULT_NONE, action = RC_ACT_NONE;
	struct rc_msg saved;

	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	res->action = RC_ACT_PASS;
	res->fault = RC_FAULT_ILLEGAL;
	/* Arguments no program could have produced: refuse to start (-EINVAL,
	 * res saying 'illegal') rather than index past the payload or
	 * dereference a missing area. */
	if (!prog || !msg || !env || prog->ninsns > RC_CODE_MAX ||
	    msg->hdr.len > RC_PAYLOAD_MAX || prog->nwindows > RC_WINDOWS_MAX ||
	    (prog->state_words && !env->state))
		return -EINVAL;
	for (uint32_t w = 0; w < prog->nwindows; w++)
		if (prog->windows[w].words && !env->windows[w])
			return -EINVAL;

	/* Every edit is undone on a fault, so keep the message as it came. */
	memcpy(&saved, msg, sizeof(saved));

/* Stack access; insn_legal() has checked the depth for the whole step. */
#define POP()		(stack[--sp])
#define PUSH(v)		(stack[sp++] = (v))
#define FAULT(code)				\
	do {					\
		fault = (code);			\
		goto out;			\
	} while (0)
#define END(act)				\
	do {					\
		action = (act);			\
		goto out;			\
	} while (0)

	for (;;) {
		const struct rc_insn *in;
		const struct rc_opinfo *oi;
		uint32_t next;
		uint64_t a, b, c, *p;

		/* The budget is checked before the instruction: with budget
		 * N, N instructions run and the next one faults. */
		if (executed == prog->budget)
			FAULT(RC_FAULT_BUDGET);
		executed++;

		if (pc >= prog->ninsns)
			FAULT(RC_FAULT_ILLEGAL);
		in = &prog->insns[pc];
		oi = opinfo(in->op);
		if (!insn_legal(prog, pc, oi, sp))
			FAULT(RC_FAULT_ILLEGAL);
		next = pc + rc_insn_slots(in);

		vmdispatch((enum rc_opcode)in->op) {

		/* constants, stack shuffles and local slots */
		vmcase(push)
			/* imm is an int32_t: converting it sign-extends */
			PUSH((uint64_t)(int64_t)in->imm);
			vmbreak;
		vmcase(push64)
			PUSH(rc_insn_imm64(in));
			vmbreak;
		vmcase(pop)
			(void)POP();
			vmbreak;
		vmcase(dup)
			a = POP();
			PUSH(a);
			PUSH(a);
			vmbreak;
		vmcase(swap)
			b = POP();
			a = POP();
			PUSH(b);
			PUSH(a);
			vmbreak;
		vmcase(over)
			b = POP();
			a = POP();
			PUSH(a);
			PUSH(b);
			PUSH(a);
			vmbreak;
		vmcase(rot)
			c = POP();
			b = POP();
			a = POP();
			PUSH(b);
			PUSH(c);
			PUSH(a);
			vmbreak;
		vmcase(pick)
			a = stack[sp - 1 - in->imm];
			PUSH(a);
			vmbreak;
		vmcase(ldl)
			PUSH(locals[in->imm]);
			vmbreak;
		vmcase(stl)
			locals[in->imm] = POP();
			vmbreak;

		/* arithmetic: unsigned, so every result wraps modulo 2^64 */
#define BINOP(name, expr)			\
		vmcase(name)			\
			b = POP();		\
			a = POP();		\
			PUSH(expr);		\
			vmbreak;
		BINOP(add, a + b)
		BINOP(sub, a - b)
		BINOP(mul, a * b)
		BINOP(and, a & b)
		BINOP(or, a | b)
		BINOP(xor, a ^ b)
		/* shift counts are taken modulo 64, as eBPF does */
		BINOP(shl, a << (b & 63))
		BINOP(shr, a >> (b & 63))
		BINOP(sar, sar64(a, b & 63))
		BINOP(eq, a == b)
		BINOP(ne, a != b)
		BINOP(lt, slt(a, b))
		BINOP(le, !slt(b, a))
		BINOP(gt, slt(b, a))
		BINOP(ge, !slt(a, b))
		BINOP(ltu, a < b)
		BINOP(leu, a <= b)
		BINOP(gtu, a > b)
		BINOP(geu, a >= b)
#undef BINOP

#define DIVOP(name, expr)			\
		vmcase(name)			\
			b = POP();		\
			a = POP();		\
			if (b == 0)		\
				FAULT(RC_FAULT_DIV_ZERO); \
			PUSH(expr);		\
			vmbreak;
		DIVOP(div, sdiv64(a, b))
		DIVOP(divu, a / b)
		DIVOP(mod, smod64(a, b))
		DIVOP(modu, a % b)
#undef DIVOP

#define UNOP(name, expr)			\
		vmcase(name)			\
			a = POP();		\
			PUSH(expr);		\
			vmbreak;
		UNOP(neg, -a)
		UNOP(not, ~a)
		/* width conversions */
		UNOP(sext8, sext(a, 8))
		UNOP(sext16, sext(a, 16))
		UNOP(sext32, sext(a, 32))
		UNOP(bswap16, __builtin_bswap16((uint16_t)a))
		UNOP(bswap32, __builtin_bswap32((uint32_t)a))
		UNOP(bswap64, __builtin_bswap64(a))
#undef UNOP

		/* control flow: target = pc + 1 + imm, checked in range */
		vmcase(jmp)
			next = pc + 1 + in->imm;
			vmbreak;
		vmcase(jz)
			if (POP() == 0)
				next = pc + 1 + in->imm;
			vmbreak;
		vmcase(jnz)
			if (POP() != 0)
				next = pc + 1 + in->imm;
			vmbreak;

		/* the message */
		vmcase(ldh)
			PUSH(hdr_get(&msg->hdr, in->imm));
			vmbreak;
		vmcase(sth)
			hdr_set(&msg->hdr, in->imm, POP());
			vmbreak;
		vmcase(resize)
			a = POP();
			if (a > RC_PAYLOAD_MAX)
				FAULT(RC_FAULT_LENGTH);
			/* Growing exposes bytes a shorter payload may have
			 * left behind (or that never arrived): zero them. */
			if (a > msg->hdr.len)
				memset(msg->payload + msg->hdr.len, 0,
				       a - msg->hdr.len);
			msg->hdr.len = (uint16_t)a;
			vmbreak;

#define LDP(name, indexed)						\
		vmcase(name)						\
			a = indexed ? POP() : 0;			\
			if (!payload_ok(msg->hdr.len, oi->width, in->imm, a)) \
				FAULT(RC_FAULT_MSG_BOUNDS);		\
			PUSH(load_le(msg->payload + in->imm + a, oi->width)); \
			vmbreak;
		LDP(ldp8, false)
		LDP(ldp16, false)
		LDP(ldp32, false)
		LDP(ldp64, false)
		LDP(ldpx8, true)
		LDP(ldpx16, true)
		LDP(ldpx32, true)
		LDP(ldpx64, true)
#undef LDP

#define STP(name, indexed)						\
		vmcase(name)						\
			b = POP();					\
			a = indexed ? POP() : 0;			\
			if (!payload_ok(msg->hdr.len, oi->width, in->imm, a)) \
				FAULT(RC_FAULT_MSG_BOUNDS);		\
			store_le(msg->payload + in->imm + a, oi->width, b); \
			vmbreak;
		STP(stp8, false)
		STP(stp16, false)
		STP(stp32, false)
		STP(stp64, false)
		STP(stpx8, true)
		STP(stpx16, true)
		STP(stpx32, true)
		STP(stpx64, true)
#undef STP

		/* the data area: the constant forms were range-checked by
		 * insn_legal(), so word_at() fails only for an index */
#define STATE(i)	word_at(env->state, prog->state_words, in->imm, (i))
		vmcase(lds)
			PUSH(word_load(STATE(0)));
			vmbreak;
		vmcase(ldsx)
			if (!(p = STATE(POP())))
				FAULT(RC_FAULT_STATE_BOUNDS);
			PUSH(word_load(p));
			vmbreak;
		vmcase(sts)
			word_store(STATE(0), POP());
			vmbreak;
		vmcase(stsx)
			b = POP();
			if (!(p = STATE(POP())))
				FAULT(RC_FAULT_STATE_BOUNDS);
			word_store(p, b);
			vmbreak;
		vmcase(xadds)
			b = POP();
			PUSH(word_fetch_add(STATE(0), b));
			vmbreak;
		vmcase(xaddsx)
			b = POP();
			if (!(p = STATE(POP())))
				FAULT(RC_FAULT_STATE_BOUNDS);
			PUSH(word_fetch_add(p, b));
			vmbreak;
		vmcase(cass)
			c = POP();
			b = POP();
			PUSH(word_cmpxchg(STATE(0), b, c));
			vmbreak;
		vmcase(cassx)
			c = POP();
			b = POP();
			if (!(p = STATE(POP())))
				FAULT(RC_FAULT_STATE_BOUNDS);
			PUSH(word_cmpxchg(p, b, c));
			vmbreak;
#undef STATE

		/* windows: a is the window number, imm the word */
#define WIN(i)	word_at(env->windows[in->a], prog->windows[in->a].words, \
			in->imm, (i))
		vmcase(ldw)
			PUSH(word_load(WIN(0)));
			vmbreak;
		vmcase(ldwx)
			if (!(p = WIN(POP())))
				FAULT(RC_FAULT_WINDOW_BOUNDS);
			PUSH(word_load(p));
			vmbreak;
		vmcase(stw)
			word_store(WIN(0), POP());
			vmbreak;
		vmcase(stwx)
			b = POP();
			if (!(p = WIN(POP())))
				FAULT(RC_FAULT_WINDOW_BOUNDS);
			word_store(p, b);
			vmbreak;
		vmcase(xaddw)
			b = POP();
			PUSH(word_fetch_add(WIN(0), b));
			vmbreak;
		vmcase(xaddwx)
			b = POP();
			if (!(p = WIN(POP())))
				FAULT(RC_FAULT_WINDOW_BOUNDS);
			PUSH(word_fetch_add(p, b));
			vmbreak;
#undef WIN

		vmcase(clock)
			PUSH(env->clock_ns);
			vmbreak;

		vmcase(drop)
			END(RC_ACT_DROP);
		vmcase(pass)
			END(RC_ACT_PASS);
		vmcase(reply)
			END(RC_ACT_REPLY);

		/* sending and up-calls (docs/rcode.md 6.13) */
		vmcase(forward)
			a = POP();
			if (!rank_reachable(env->ranks, a))
				FAULT(RC_FAULT_RANK);
			msg->hdr.src = env->ranks->self;
			msg->hdr.dst = (uint32_t)a;
			res->rank = (uint32_t)a;
			END(RC_ACT_FORWARD);
		vmcase(send)
			a = POP();
			if (!rank_reachable(env->ranks, a))
				FAULT(RC_FAULT_RANK);
			log_effect(env, res, RC_EFFECT_SEND, a, msg);
			res->nsends++;
			vmbreak;
		vmcase(upcall)
			a = POP();
			log_effect(env, res, RC_EFFECT_UPCALL, a, msg);
			res->nupcalls++;
			vmbreak;
		}

		if (sp > stack_max)
			stack_max = sp;
		pc = next;
	}
#undef POP
#undef PUSH
#undef FAULT
#undef END

out:
	if (sp > stack_max)
		stack_max = sp;
	res->insns = executed;
	res->stack_max = stack_max;
	res->fault = fault;
	if (fault != RC_FAULT_NONE) {
		/* Data-area and window writes stay (others may have seen
		 * them); the message goes on exactly as it arrived. */
		memcpy(msg, &saved, sizeof(*msg));
		res->action = RC_ACT_PASS;
		res->fault_pc = pc;
		return 0;
	}
	res->action = action;
	if (action == RC_ACT_REPLY) {
		uint32_t t = msg->hdr.src;

		msg->hdr.src = msg->hdr.dst;
		msg->hdr.dst = t;
	}
	return 0;
}
