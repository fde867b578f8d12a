// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_icode.c - the interpreter's code (rcode2bpf/rc_icompile.c) without
 * the kernel: every selftests/cases/interp/ case is compiled to uops and
 * run by uop_run() below, a plain-C model of bpf/rc_interp.bpf.c, and must
 * agree with the case exactly, instruction counts and stack high-water
 * marks included.  Then every case once more with its budget lowered to
 * each count its runs reach, so that the fallback to the single stream is
 * exercised at every pc (the reference interpreter is the judge there).
 *
 * A failure here is a bug in the compiler (or in this model); the kernel
 * interpreter is checked against the same cases by test_priv_paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rc_case.h"
#include "rc_icompile.h"
#include "rc_test.h"

static uint64_t sext(uint64_t v, unsigned int bits)
{
	uint64_t sign = (uint64_t)1 << (bits - 1), mask = (sign << 1) - 1;

	return ((v & mask) ^ sign) - sign;
}

static bool slt(uint64_t a, uint64_t b)
{
	return (int64_t)a < (int64_t)b;
}

static uint64_t sdiv(uint64_t a, uint64_t b)
{
	uint64_t ua = (int64_t)a < 0 ? -a : a, ub = (int64_t)b < 0 ? -b : b;
	uint64_t q = ua / ub;

	return ((int64_t)a < 0) != ((int64_t)b < 0) ? -q : q;
}

static uint64_t smod(uint64_t a, uint64_t b)
{
	uint64_t ua = (int64_t)a < 0 ? -a : a, ub = (int64_t)b < 0 ? -b : b;

	return (int64_t)a < 0 ? -(ua % ub) : ua % ub;
}

static bool pay_ok(uint32_t len, uint32_t w, uint64_t o)
{
	return o <= RC_PAYLOAD_MAX && o + w <= len;
}

static uint64_t ld_le(const uint8_t *p, unsigned int w)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < w; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void st_le(uint8_t *p, unsigned int w, uint64_t v)
{
	for (unsigned int i = 0; i < w; i++)
		p[i] = v >> (8 * i);
}

/* Word base+i of an area of 'words', or NULL. */
static uint64_t *word(uint64_t *area, uint32_t words, uint32_t base, uint64_t i)
{
	return i < (uint64_t)words - base ? &area[base + i] : NULL;
}

struct model {
	const struct rc_prog *prog;
	struct rc_icode *ic;
};

/* One run of the uops, as bpf/rc_interp.bpf.c does it. */
static int uop_run(void *ctx, const struct rc_case *c, struct rc_msg *msg,
		   struct rc_env *env, struct rc_result *res)
{
	struct model *m = ctx;
	const struct rc_icode *ic = m->ic;
	uint64_t v[RC_IC_SLOTS] = { 0 }, cnt = 0, a, b, *p;
	uint32_t pc = 0, fault = 0, fpc = 0, act = 0, sm = 0, rank = 0;
	uint32_t nupcalls = 0, neffects = 0;
	const struct rc_ranks *rk = env->ranks;
	struct rc_msg saved = *msg;

	(void)c;
	for (uint64_t steps = 0; steps < 4 * RC_BUDGET_MAX; steps++) {
		const struct rc_uop *u = &ic->u[pc % RC_IC_MAX];
		/* Branches fall through to pc + 1; other uops go to target
		 * (pc + 1, or a 'jmp' fused into them). */
		uint32_t next = u->target;

		if (cnt + u->n > ic->budget) {
			if (pc < RC_IC_SINGLE) {
				pc = RC_IC_SINGLE + u->pc;
				continue;
			}
			fault = RC_FAULT_BUDGET;
			fpc = u->pc;
			goto out;
		}
		cnt += u->n;
		if (u->dep > sm)
			sm = u->dep;
#define F(code) do { fault = (code); fpc = u->pc + u->x; goto out; } while (0)
#define K ((uint64_t)(int64_t)u->k)
#define V(i) v[(i) % RC_IC_SLOTS]
		switch ((enum rc_uop_op)u->op) {
		case RC_U_NOP: break;
		case RC_U_MOV: V(u->d) = V(u->a); break;
		case RC_U_MOVI: V(u->d) = K; break;
		case RC_U_MOVI64:
			/* Its target is past the high half, or where a 'jmp'
			 * fused into it goes, as in the BPF interpreter. */
			V(u->d) = (uint32_t)u->k | (uint64_t)(uint32_t)u[1].k << 32;
			break;
		case RC_U_SWAP: a = V(u->d); V(u->d) = V(u->a); V(u->a) = a; break;
		case RC_U_ROT:
			a = V(u->d);
			V(u->d) = V(u->d + 1);
			V(u->d + 1) = V(u->d + 2);
			V(u->d + 2) = a;
			break;
#define BIN(name, expr) \
		case RC_U_##name##_R: a = V(u->a); b = V(u->b); V(u->d) = (expr); break; \
		case RC_U_##name##_I: a = V(u->a); b = K; V(u->d) = (expr); break;
		BIN(ADD, a + b) BIN(SUB, a - b) BIN(MUL, a * b) BIN(AND, a & b)
		BIN(OR, a | b) BIN(XOR, a ^ b) BIN(SHL, a << (b & 63))
		BIN(SHR, a >> (b & 63))
		BIN(SAR, (uint64_t)((int64_t)a >> (b & 63)))
		BIN(EQ, a == b) BIN(NE, a != b) BIN(LT, slt(a, b))
		BIN(LE, !slt(b, a)) BIN(GT, slt(b, a)) BIN(GE, !slt(a, b))
		BIN(LTU, a < b) BIN(LEU, a <= b) BIN(GTU, a > b) BIN(GEU, a >= b)
#undef BIN
#define JCC(name, expr) \
		case RC_U_J##name##_R: a = V(u->a); b = V(u->b); next = (expr) ? u->target : pc + 1; break; \
		case RC_U_J##name##_I: a = V(u->a); b = K; next = (expr) ? u->target : pc + 1; break;
		JCC(EQ, a == b) JCC(NE, a != b) JCC(LT, slt(a, b))
		JCC(LE, !slt(b, a)) JCC(GT, slt(b, a)) JCC(GE, !slt(a, b))
		JCC(LTU, a < b) JCC(LEU, a <= b) JCC(GTU, a > b) JCC(GEU, a >= b)
#undef JCC
#define DIV(name, expr) \
		case RC_U_##name:			\
			a = V(u->a);			\
			b = V(u->b);			\
			if (!b)				\
				F(RC_FAULT_DIV_ZERO);	\
			V(u->d) = (expr);		\
			break;
		DIV(DIV, sdiv(a, b)) DIV(DIVU, a / b) DIV(MOD, smod(a, b))
		DIV(MODU, a % b)
#undef DIV
		case RC_U_NEG: V(u->d) = -V(u->a); break;
		case RC_U_NOT: V(u->d) = ~V(u->a); break;
		case RC_U_SEXT8: V(u->d) = sext(V(u->a), 8); break;
		case RC_U_SEXT16: V(u->d) = sext(V(u->a), 16); break;
		case RC_U_SEXT32: V(u->d) = sext(V(u->a), 32); break;
		case RC_U_BSWAP16: V(u->d) = __builtin_bswap16(V(u->a)); break;
		case RC_U_BSWAP32: V(u->d) = __builtin_bswap32(V(u->a)); break;
		case RC_U_BSWAP64: V(u->d) = __builtin_bswap64(V(u->a)); break;
		case RC_U_JMP: next = u->target; break;
		case RC_U_JZ: next = !V(u->a) ? u->target : pc + 1; break;
		case RC_U_JNZ: next = V(u->a) ? u->target : pc + 1; break;
		case RC_U_LDH:
			switch (u->k) {
			case RC_FIELD_SRC: a = msg->hdr.src; break;
			case RC_FIELD_DST: a = msg->hdr.dst; break;
			case RC_FIELD_PORTAL: a = msg->hdr.portal; break;
			case RC_FIELD_TAG: a = msg->hdr.tag; break;
			case RC_FIELD_SEQ: a = msg->hdr.seq; break;
			default: a = msg->hdr.len; break;
			}
			V(u->d) = a;
			break;
		case RC_U_STH:
		case RC_U_STHI:
			a = u->op == RC_U_STH ? V(u->a) : K;
			b = u->op == RC_U_STH ? (uint64_t)u->k : u->b;
			if (b == RC_FIELD_PORTAL)
				msg->hdr.portal = a;
			else if (b == RC_FIELD_TAG)
				msg->hdr.tag = a;
			else
				msg->hdr.seq = a;
			break;
		case RC_U_RESIZE:
			a = V(u->a);
			if (a > RC_PAYLOAD_MAX)
				F(RC_FAULT_LENGTH);
			if (a > msg->hdr.len)
				memset(msg->payload + msg->hdr.len, 0, a - msg->hdr.len);
			msg->hdr.len = a;
			break;
		case RC_U_LDP:
		case RC_U_LDPX:
			a = (u->op == RC_U_LDPX ? V(u->a) : 0);
			if (a > RC_PAYLOAD_MAX || !pay_ok(msg->hdr.len, u->b, a + u->k))
				F(RC_FAULT_MSG_BOUNDS);
			V(u->d) = ld_le(msg->payload + a + u->k, u->b);
			if (u->d + 1u > sm)
				sm = u->d + 1;
			break;
		case RC_U_STP:
		case RC_U_STPX:
			a = (u->op == RC_U_STPX ? V(u->d) : 0);
			if (a > RC_PAYLOAD_MAX || !pay_ok(msg->hdr.len, u->b, a + u->k))
				F(RC_FAULT_MSG_BOUNDS);
			st_le(msg->payload + a + u->k, u->b, V(u->a));
			break;
#define AREA(L, LX, S, SX, XA, XAX, area, words, code)			\
		case RC_U_##L: V(u->d) = *word(area, words, u->k, 0); break; \
		case RC_U_##LX:						\
			if (!(p = word(area, words, u->k, V(u->a))))	\
				F(code);				\
			V(u->d) = *p;					\
			break;						\
		case RC_U_##S: *word(area, words, u->k, 0) = V(u->a); break; \
		case RC_U_##SX:						\
			if (!(p = word(area, words, u->k, V(u->d))))	\
				F(code);				\
			*p = V(u->a);					\
			break;						\
		case RC_U_##XA:						\
			p = word(area, words, u->k, 0);			\
			a = *p;						\
			*p += V(u->a);					\
			V(u->d) = a;					\
			break;						\
		case RC_U_##XAX:					\
			if (!(p = word(area, words, u->k, V(u->d))))	\
				F(code);				\
			a = *p;						\
			*p += V(u->a);					\
			V(u->d) = a;					\
			break;
		AREA(LDS, LDSX, STS, STSX, XADDS, XADDSX, env->state,
		     ic->state_words, RC_FAULT_STATE_BOUNDS)
		AREA(LDW, LDWX, STW, STWX, XADDW, XADDWX, env->windows[u->b % 8],
		     ic->window_words[u->b % 8], RC_FAULT_WINDOW_BOUNDS)
#undef AREA
		case RC_U_CASS:
			p = word(env->state, ic->state_words, u->k, 0);
			a = *p;
			if (a == V(u->a))
				*p = V(u->b);
			V(u->d) = a;
			break;
		case RC_U_CASSX:
			if (!(p = word(env->state, ic->state_words, u->k, V(u->d))))
				F(RC_FAULT_STATE_BOUNDS);
			a = *p;
			if (a == V(u->d + 1))
				*p = V(u->d + 2);
			V(u->d) = a;
			break;
		case RC_U_CLOCK: V(u->d) = env->clock_ns; break;
		case RC_U_UPCALL:
			/* The kernel writes a ring record; a full ring loses
			 * it, which a model of one run never sees. */
			if (env->effects && neffects < env->effects_max) {
				struct rc_effect *e = &env->effects[neffects++];

				memset(e, 0, sizeof(*e));
				e->kind = RC_EFFECT_UPCALL;
				e->value = V(u->a);
				e->hdr = msg->hdr;
			}
			nupcalls++;
			break;
		case RC_U_DROP: act = RC_ACT_DROP; goto out;
		case RC_U_PASS: act = RC_ACT_PASS; goto out;
		case RC_U_REPLY: act = RC_ACT_REPLY; goto out;
		case RC_U_FORWARD:
			/* Checked after the loop in the kernel, with the same
			 * pc: the action is the uop's last instruction. */
			a = V(u->a);
			if (!rk || a >= rk->nranks || a == rk->self ||
			    (rk->present && !rk->present[a]))
				F(RC_FAULT_RANK);
			rank = a;
			act = RC_ACT_FORWARD;
			goto out;
		case RC_U__COUNT: F(RC_FAULT_ILLEGAL);
		}
#undef F
#undef K
#undef V
		pc = next;
	}
	fault = RC_FAULT_ILLEGAL;
out:
	memset(res, 0, sizeof(*res));
	res->insns = cnt;
	res->stack_max = sm;
	res->fault = fault;
	res->nupcalls = nupcalls;
	res->neffects = neffects;
	if (fault) {
		*msg = saved;
		res->action = RC_ACT_PASS;
		res->fault_pc = fpc;
		if (fault == RC_FAULT_BUDGET)
			res->insns = ic->budget;
		return 0;
	}
	res->action = act;
	if (act == RC_ACT_REPLY) {
		uint32_t t = msg->hdr.src;

		msg->hdr.src = msg->hdr.dst;
		msg->hdr.dst = t;
	}
	if (act == RC_ACT_FORWARD) {
		res->rank = rank;
		msg->hdr.src = rk->self;
		msg->hdr.dst = rank;
	}
	return 0;
}

static int compile(const struct rc_prog *prog, struct rc_icode *ic, char *why,
		   size_t size)
{
	struct rc_verinfo *vi = malloc(sizeof(*vi));
	struct rc_diags d;
	int err;

	rc_diags_init(&d);
	err = vi ? rc_verify(prog, vi, &d) : -ENOMEM;
	err = err ?: rc_icode_build(prog, vi, 0, ic, NULL, &d);
	if (err)
		snprintf(why, size, "%s", d.n ? d.v[d.n - 1].msg : strerror(-err));
	rc_diags_free(&d);
	free(vi);
	return err;
}

/* Does the refusal name the verifier's first send (tc_pc) by its source
 * position? */
static bool refusal_names_send(const struct rc_prog *prog, const char *why)
{
	struct rc_verinfo *vi = malloc(sizeof(*vi));
	struct rc_diags d;
	char want[512];
	bool ok = false;

	rc_diags_init(&d);
	if (vi && !rc_verify(prog, vi, &d) && vi->needs_tc && prog->loc) {
		snprintf(want, sizeof(want), "needs TC (send at %s:%u:%u); the "
			 "interpreter runs at XDP: use the translated path",
			 prog->origin, prog->loc[vi->tc_pc].line,
			 prog->loc[vi->tc_pc].col);
		ok = !strcmp(why, want);
	}
	rc_diags_free(&d);
	free(vi);
	return ok;
}

/* Run every run of c on both, with budget 'budget'; count mismatches. */
static int budget_sweep(const struct rc_case *c, struct rc_icode *ic,
			uint32_t budget, char *why, size_t size)
{
	struct rc_prog *p = rc_prog_new();
	struct rc_env e1, e2;
	struct model m = { p, ic };
	int bad = 0;

	if (!p)
		return 1;
	memcpy(p, c->prog, sizeof(*p));
	p->src = NULL;
	p->loc = NULL;
	p->budget = budget;
	if (compile(p, ic, why, size) || rc_case_env_init(c, &e1) ||
	    rc_case_env_init(c, &e2)) {
		free(p);
		return 1;
	}
	for (size_t i = 0; i < c->nruns && !bad; i++) {
		struct rc_msg m1, m2;
		struct rc_result r1, r2;

		rc_case_prepare(c, i, &e1, &m1);
		rc_case_prepare(c, i, &e2, &m2);
		rc_run(p, &m1, &e1, &r1);
		uop_run(&m, c, &m2, &e2, &r2);
		if (r1.action != r2.action || r1.fault != r2.fault ||
		    (r1.fault && r1.fault_pc != r2.fault_pc) ||
		    r1.insns != r2.insns || r1.stack_max != r2.stack_max ||
		    r1.rank != r2.rank || memcmp(&m1, &m2, sizeof(m1))) {
			snprintf(why, size,
				 "budget %u run %zu: ref %s/%s pc %u insns %llu sm %u, "
				 "uops %s/%s pc %u insns %llu sm %u%s", budget,
				 i + 1, rc_action_name(r1.action),
				 rc_fault_name(r1.fault), r1.fault_pc,
				 (unsigned long long)r1.insns, r1.stack_max,
				 rc_action_name(r2.action), rc_fault_name(r2.fault),
				 r2.fault_pc, (unsigned long long)r2.insns,
				 r2.stack_max,
				 memcmp(&m1, &m2, sizeof(m1)) ? ", messages differ" : "");
			bad++;
		}
		if (!bad && (r1.nupcalls != r2.nupcalls ||
			     r1.neffects != r2.neffects)) {
			snprintf(why, size, "budget %u run %zu: ref made %u "
				 "upcalls, uops %u", budget, i + 1,
				 r1.nupcalls, r2.nupcalls);
			bad++;
		}
		for (uint32_t k = 0; k < r1.neffects && !bad; k++)
			if (e1.effects[k].kind != e2.effects[k].kind ||
			    e1.effects[k].value != e2.effects[k].value ||
			    memcmp(&e1.effects[k].hdr, &e2.effects[k].hdr,
				   sizeof(e1.effects[k].hdr))) {
				snprintf(why, size, "budget %u run %zu: effect %u "
					 "differs", budget, i + 1, k + 1);
				bad++;
			}
		for (uint32_t w = 0; w < p->state_words && !bad; w++)
			if (e1.state[w] != e2.state[w]) {
				snprintf(why, size, "budget %u run %zu: state word %u",
					 budget, i + 1, w);
				bad++;
			}
	}
	rc_case_env_free(c, &e1);
	rc_case_env_free(c, &e2);
	free(p);
	return bad;
}

int main(int argc, char **argv)
{
	const char *root = getenv("RC_ROOT") ? getenv("RC_ROOT") : ".";
	char defdir[4096];
	const char *dir = argc > 1 ? argv[1] : defdir;
	struct rc_icode *ic = malloc(sizeof(*ic));
	char **paths, why[1024], label[256];
	size_t n;

	snprintf(defdir, sizeof(defdir), "%s/selftests/cases/interp", root);
	if (!ic || rc_case_find(dir, &paths, &n) || !n) {
		TEST_FAIL("test_icode", "cannot list %s", dir);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = strstr(paths[i], "cases/") ?: paths[i];
		struct rc_case *c;
		struct model m;
		uint64_t most = 0;
		int bad, err;

		snprintf(label, sizeof(label), "icode: %s", name);
		if (rc_case_load(paths[i], name, &c, why, sizeof(why))) {
			TEST_FAIL(label, "%s", why);
			continue;
		}
		if (!c->accepted || !c->nruns) {
			rc_case_free(c);
			continue;
		}
		err = compile(c->prog, ic, why, sizeof(why));
		if (err == -EOPNOTSUPP) {
			/* 'send' needs TC; the interpreter runs at XDP and
			 * refuses the handler, naming the verifier's first
			 * send (test_priv_paths checks the real path). */
			printf("# %s: runs skipped: %s\n", label, why);
			snprintf(label, sizeof(label), "icode: %s refused (send)",
				 name);
			if (refusal_names_send(c->prog, why))
				TEST_PASS(label);
			else
				TEST_FAIL(label, "not the send the verifier "
					  "names: %s", why);
			rc_case_free(c);
			continue;
		}
		if (err) {
			TEST_FAIL(label, "compile: %s", why);
			rc_case_free(c);
			continue;
		}
		m.prog = c->prog;
		m.ic = ic;
		bad = rc_case_run_all(c, uop_run, &m, 0, "icode: ");
		if (bad) {
			TEST_FAIL(label, "%d run(s) differ from the case", bad);
			rc_case_free(c);
			continue;
		}
		TEST_PASS(label);

		/* The budget at every count the runs reach. */
		for (size_t r = 0; r < c->nruns; r++) {
			struct rc_result res;
			struct rc_env env;
			struct rc_msg msg;

			if (rc_case_env_init(c, &env))
				break;
			for (size_t j = 0; j <= r; j++) {
				rc_case_prepare(c, j, &env, &msg);
				rc_run(c->prog, &msg, &env, &res);
			}
			if (res.insns > most)
				most = res.insns;
			rc_case_env_free(c, &env);
		}
		if (most > 300)
			most = 300;
		snprintf(label, sizeof(label), "icode budget sweep: %s", name);
		bad = 0;
		for (uint32_t bud = 1; bud <= most && !bad; bud++)
			bad = budget_sweep(c, ic, bud, why, sizeof(why));
		if (bad)
			TEST_FAIL(label, "%s", why);
		else
			TEST_PASS(label);
		rc_case_free(c);
	}
	rc_case_paths_free(paths, n);
	free(ic);
	return 0;
}
