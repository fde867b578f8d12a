// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_cases.c - every selftests/cases/ file on the reference interpreter,
 * and what case files cannot express.
 *
 *   test_cases [FILE|DIR...]	(default: all of selftests/cases)
 *
 * 1. Each case: its assembler and verifier diagnostics against its
 *    'expect error:' lines, then its runs (rc_case.h).  One PASS or FAIL
 *    line per case, and a FAIL line per failing run before it.
 * 2. Coverage: every opcode of rc_opcodes.def except the reserved ones, and
 *    every fault a verified program can raise, appears in some case under
 *    cases/interp/, so a new opcode without a case fails here.
 * 3. rc_run() on unverified code, which no case file can hold because the
 *    runner verifies first: each 'illegal' rule once, then random programs
 *    that must end in a sane result (and never in 'illegal' when the
 *    verifier accepted them).  The sanitizer build turns any stray access
 *    into a failure.
 * 4. rc_wire.c, the R-message's UDP encoding (docs/wire.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "rc_case.h"
#include "rc_test.h"

/* ---- 1. the case files ------------------------------------------------ */

struct coverage {
	bool op[256];		/* opcode used by some interp case */
	bool fault[RC_FAULT__COUNT];	/* fault expected by some interp run */
	size_t ninterp;
};

static bool is_interp_case(const char *name)
{
	return !strncmp(name, "interp/", 7);
}

static void note_coverage(const struct rc_case *c, struct coverage *cov)
{
	const struct rc_prog *prog = c->prog;

	cov->ninterp++;
	for (uint32_t pc = 0; pc < prog->ninsns;
	     pc += rc_insn_slots(&prog->insns[pc]))
		cov->op[prog->insns[pc].op] = true;
	for (size_t i = 0; i < c->nruns; i++)
		cov->fault[c->runs[i].fault] = true;
}

static void run_case(const char *path, const char *name, struct coverage *cov)
{
	char err[512], why[4096];
	struct rc_case *c;
	int failed;

	if (rc_case_load(path, name, &c, err, sizeof(err))) {
		TEST_FAIL(name, "%s", err);
		return;
	}
	if (rc_case_check_diags(c, why, sizeof(why))) {
		TEST_FAIL(name, "%s", why);
		rc_case_free(c);
		return;
	}
	if (c->accepted && c->nruns) {
		failed = rc_case_run_all(c, rc_case_exec_interp, NULL, 0, "");
		if (failed < 0)
			TEST_FAIL(name, "cannot run: %s", strerror(-failed));
		else if (failed)
			TEST_FAIL(name, "%d of %zu runs failed", failed,
				  c->nruns);
		else
			TEST_PASS(name);
	} else {
		TEST_PASS(name);
	}
	if (is_interp_case(name) && c->accepted)
		note_coverage(c, cov);
	rc_case_free(c);
}

static void check_coverage(const struct coverage *cov)
{
	char missing[1024] = "";
	size_t n = 0;

	for (const struct rc_opinfo *o = rc_optable; o->name; o++) {
		if ((o->flags & RC_F_RESERVED) || cov->op[o->code])
			continue;
		n += snprintf(missing + n, n < sizeof(missing) ?
			      sizeof(missing) - n : 0, " %s", o->name);
	}
	if (n)
		TEST_FAIL("coverage: opcodes", "no selftests/cases/interp case "
			  "uses:%s", missing);
	else
		TEST_PASS("coverage: opcodes: every non-reserved opcode has an "
			  "interp case");

	n = 0;
	missing[0] = '\0';
	for (int f = RC_FAULT_NONE + 1; f < RC_FAULT__COUNT; f++) {
		/* Only unverified code can fault 'illegal'; see part 3. */
		if (f == RC_FAULT_ILLEGAL || cov->fault[f])
			continue;
		n += snprintf(missing + n, n < sizeof(missing) ?
			      sizeof(missing) - n : 0, " %s", rc_fault_name(f));
	}
	if (n)
		TEST_FAIL("coverage: faults", "no selftests/cases/interp run "
			  "expects:%s", missing);
	else
		TEST_PASS("coverage: faults: every fault but 'illegal' is "
			  "expected by an interp run");
}

/* "interp/div.r" for ".../selftests/cases/interp/div.r". */
static const char *case_name(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!strncmp(path, dir, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

static void run_cases(const char *dir, char **args, int nargs)
{
	struct coverage cov = { 0 };
	char **paths = NULL;
	size_t n = 0;
	int rc;

	if (!nargs) {
		rc = rc_case_find(dir, &paths, &n);
		if (rc) {
			TEST_FAIL("cases", "cannot read %s: %s", dir,
				  strerror(-rc));
			return;
		}
	}
	for (int i = 0; i < nargs; i++) {
		struct stat st;
		char **more;
		size_t nmore, k;

		if (stat(args[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (rc_case_find(args[i], &more, &nmore))
				continue;
		} else {
			more = malloc(sizeof(*more));
			if (!more || !(more[0] = strdup(args[i])))
				abort();
			nmore = 1;
		}
		paths = realloc(paths, (n + nmore) * sizeof(*paths));
		if (!paths)
			abort();
		for (k = 0; k < nmore; k++)
			paths[n++] = more[k];
		free(more);
	}
	if (!n) {
		TEST_FAIL("cases", "no case files found under %s", dir);
		free(paths);
		return;
	}
	for (size_t i = 0; i < n; i++)
		run_case(paths[i], case_name(paths[i], dir), &cov);
	/* The coverage claims concern the whole set, not a chosen few. */
	if (!nargs) {
		if (!cov.ninterp)
			TEST_FAIL("coverage", "no accepted case under "
				  "%s/interp", dir);
		else
			check_coverage(&cov);
	}
	rc_case_paths_free(paths, n);
}

/* ---- 3. unverified code ------------------------------------------------- */

#define I(o, aa, i)	{ .op = RC_OP_##o, .a = (aa), .imm = (i) }
#define RAW(o, aa, r, i) { .op = (o), .a = (aa), .rsvd = (r), .imm = (i) }

struct illegal_case {
	const char *what;
	struct rc_insn insns[20];
	uint32_t ninsns;
	uint32_t budget;	/* 0 means RC_BUDGET_DEFAULT */
	uint32_t fault, pc;
	uint64_t executed;
};

static const struct illegal_case illegal_cases[] = {
	{ "opcode 0", { RAW(0, 0, 0, 0) }, 1, 0, RC_FAULT_ILLEGAL, 0, 1 },
	{ "undefined opcode 0xff", { I(push, 0, 1), RAW(0xff, 0, 0, 0) }, 2, 0,
	  RC_FAULT_ILLEGAL, 1, 2 },
	{ "upcall of an empty stack", { I(upcall, 0, 0), I(drop, 0, 0) }, 2, 0,
	  RC_FAULT_ILLEGAL, 0, 1 },
	{ "forward with an imm", { I(push, 0, 1), I(forward, 0, 1) }, 2, 0,
	  RC_FAULT_ILLEGAL, 1, 2 },
	/* Not illegal: without a rank table nothing is reachable. */
	{ "forward without a rank table", { I(push, 0, 1), I(forward, 0, 0) },
	  2, 0, RC_FAULT_RANK, 1, 2 },
	{ "send without a rank table",
	  { I(push, 0, 1), I(send, 0, 0), I(drop, 0, 0) }, 3, 0,
	  RC_FAULT_RANK, 1, 2 },
	{ "stack underflow", { I(push, 0, 1), I(add, 0, 0) }, 2, 0,
	  RC_FAULT_ILLEGAL, 1, 2 },
	{ "pop of an empty stack", { I(pop, 0, 0) }, 1, 0, RC_FAULT_ILLEGAL,
	  0, 1 },
	{ "stack overflow",
	  { I(push, 0, 0), I(push, 0, 1), I(push, 0, 2), I(push, 0, 3),
	    I(push, 0, 4), I(push, 0, 5), I(push, 0, 6), I(push, 0, 7),
	    I(push, 0, 8), I(push, 0, 9), I(push, 0, 10), I(push, 0, 11),
	    I(push, 0, 12), I(push, 0, 13), I(push, 0, 14), I(push, 0, 15),
	    I(dup, 0, 0) }, 17, 0, RC_FAULT_ILLEGAL, 16, 17 },
	{ "jump past the end", { I(jmp, 0, 1), I(drop, 0, 0) }, 2, 0,
	  RC_FAULT_ILLEGAL, 0, 1 },
	{ "jump before pc 0", { I(drop, 0, 0), I(jmp, 0, -3) }, 2, 0,
	  RC_FAULT_NONE, 0, 1 },
	{ "jump before pc 0, taken", { I(jmp, 0, -2) }, 1, 0,
	  RC_FAULT_ILLEGAL, 0, 1 },
	{ "running off the end", { I(push, 0, 1) }, 1, 0, RC_FAULT_ILLEGAL,
	  1, 2 },
	{ "truncated push64", { I(push64, 0, 1) }, 1, 0, RC_FAULT_ILLEGAL, 0,
	  1 },
	{ "push64 whose second slot has an op",
	  { I(push64, 0, 1), I(drop, 0, 0), I(drop, 0, 0) }, 3, 0,
	  RC_FAULT_ILLEGAL, 0, 1 },
	{ "local 16", { I(ldl, 0, 16), I(drop, 0, 0) }, 2, 0,
	  RC_FAULT_ILLEGAL, 0, 1 },
	{ "local -1", { I(push, 0, 1), I(stl, 0, -1), I(drop, 0, 0) }, 3, 0,
	  RC_FAULT_ILLEGAL, 1, 2 },
	{ "pick below the stack", { I(push, 0, 1), I(pick, 0, 1) }, 2, 0,
	  RC_FAULT_ILLEGAL, 1, 2 },
	{ "sth to src", { I(push, 0, 1), I(sth, 0, RC_FIELD_SRC) }, 2, 0,
	  RC_FAULT_ILLEGAL, 1, 2 },
	{ "sth to len", { I(push, 0, 1), I(sth, 0, RC_FIELD_LEN) }, 2, 0,
	  RC_FAULT_ILLEGAL, 1, 2 },
	{ "ldh of field 6", { I(ldh, 0, 6) }, 1, 0, RC_FAULT_ILLEGAL, 0, 1 },
	{ "payload offset -1", { I(ldp8, 0, -1) }, 1, 0, RC_FAULT_ILLEGAL, 0,
	  1 },
	{ "payload offset 1401 + 8", { I(ldp64, 0, 1401) }, 1, 0,
	  RC_FAULT_ILLEGAL, 0, 1 },
	{ "data-area word 2 of 2", { I(lds, 0, 2) }, 1, 0, RC_FAULT_ILLEGAL,
	  0, 1 },
	{ "indexed base 2 of 2", { I(push, 0, 0), I(ldsx, 0, 2) }, 2, 0,
	  RC_FAULT_ILLEGAL, 1, 2 },
	{ "window 1 of 1", { I(ldw, 1, 0) }, 1, 0, RC_FAULT_ILLEGAL, 0, 1 },
	{ "window word 3 of 3", { I(ldw, 0, 3) }, 1, 0, RC_FAULT_ILLEGAL, 0,
	  1 },
	{ "nonzero reserved field", { RAW(RC_OP_drop, 0, 1, 0) }, 1, 0,
	  RC_FAULT_ILLEGAL, 0, 1 },
	{ "'a' on a non-window instruction", { I(push, 1, 0) }, 1, 0,
	  RC_FAULT_ILLEGAL, 0, 1 },
	{ "imm on an instruction without operand", { I(drop, 0, 7) }, 1, 0,
	  RC_FAULT_ILLEGAL, 0, 1 },
	/* Not illegal: the budget rule holds for any budget, 0 included. */
	{ "budget 0", { I(drop, 0, 0) }, 1, UINT32_MAX, RC_FAULT_BUDGET, 0,
	  0 },
};

static struct rc_prog *hand_prog(const struct rc_insn *insns, uint32_t n,
				 uint32_t budget)
{
	struct rc_prog *p = rc_prog_new();

	if (!p)
		abort();
	strcpy(p->name, "unverified");
	memcpy(p->insns, insns, n * sizeof(*insns));
	p->ninsns = n;
	p->budget = budget == UINT32_MAX ? 0 : budget ? budget :
		    RC_BUDGET_DEFAULT;
	p->nsyms = 1;
	strcpy(p->syms[0].name, "s");
	p->syms[0].words = 2;
	p->state_words = 2;
	p->nwindows = 1;
	strcpy(p->windows[0].name, "w");
	p->windows[0].words = 3;
	return p;
}

static void check_illegal(void)
{
	uint64_t state[2], win[3];
	struct rc_env env = { .state = state, .windows = { win } };
	char what[128];

	for (size_t i = 0; i < sizeof(illegal_cases) / sizeof(*illegal_cases);
	     i++) {
		const struct illegal_case *t = &illegal_cases[i];
		struct rc_prog *p = hand_prog(t->insns, t->ninsns, t->budget);
		struct rc_msg msg = { .hdr = { .len = 4, .tag = 9 } };
		struct rc_result res;
		int rc = rc_run(p, &msg, &env, &res);
		bool ok = rc == 0 && res.fault == t->fault &&
			  res.fault_pc == t->pc && res.insns == t->executed &&
			  res.action == (t->fault ? RC_ACT_PASS : RC_ACT_DROP);

		snprintf(what, sizeof(what), "unverified: %s", t->what);
		if (ok)
			TEST_PASS(what);
		else
			TEST_FAIL(what, "expected fault %s at pc %u after %"
				  PRIu64 " insns, got rc %d, fault %s at pc %u "
				  "after %" PRIu64 " insns, action %s",
				  rc_fault_name(t->fault), t->pc, t->executed,
				  rc, rc_fault_name(res.fault), res.fault_pc,
				  res.insns, rc_action_name(res.action));
		rc_prog_free(p);
	}
}

/* An illegal instruction after edits: the message still comes back whole,
 * and a data-area write before it stays. */
static void check_illegal_restores(void)
{
	const struct rc_insn insns[] = {
		I(push, 0, 77), I(sth, 0, RC_FIELD_TAG), I(push, 0, 0x55),
		I(stp8, 0, 0), I(push, 0, 9), I(resize, 0, 0), I(push, 0, 5),
		I(sts, 0, 1), RAW(0xee, 0, 0, 0),
	};
	struct rc_prog *p = hand_prog(insns, 9, 0);
	uint64_t state[2] = { 0 }, win[3] = { 0 };
	struct rc_env env = { .state = state, .windows = { win } };
	struct rc_msg msg = { 0 }, orig;
	struct rc_result res;

	msg.hdr.len = 3;
	msg.hdr.tag = 4;
	msg.payload[0] = 0xaa;
	orig = msg;
	rc_run(p, &msg, &env, &res);
	ASSERT_EQ(res.fault, RC_FAULT_ILLEGAL,
		  "unverified: illegal after edits: fault");
	ASSERT_TRUE(!memcmp(&msg, &orig, sizeof(msg)),
		    "unverified: illegal after edits: message restored");
	ASSERT_EQ(state[1], 5, "unverified: illegal after edits: state kept");

	msg.hdr.len = RC_PAYLOAD_MAX + 1;
	ASSERT_EQ(rc_run(p, &msg, &env, &res), -EINVAL,
		  "unverified: payload length above 1408 is refused");
	rc_prog_free(p);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: a fixed seed keeps every run of the test the same */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t rnd_below(uint32_t n)
{
	return rnd() % n;
}

static void random_prog(struct rc_prog *p)
{
	size_t nops = 0;

	while (rc_optable[nops].name)
		nops++;
	p->ninsns = 1 + rnd_below(24);
	p->budget = 1 + rnd_below(64);
	p->nsyms = p->state_words = 0;
	if (rnd_below(4)) {
		p->nsyms = 1;
		strcpy(p->syms[0].name, "s");
		p->syms[0].words = p->state_words = 1 + rnd_below(4);
	}
	p->nwindows = rnd_below(3);
	for (uint32_t w = 0; w < p->nwindows; w++) {
		snprintf(p->windows[w].name, RC_NAME_MAX, "w%u", w);
		p->windows[w].words = 1 + rnd_below(3);
	}
	for (uint32_t pc = 0; pc < p->ninsns; pc++) {
		struct rc_insn *in = &p->insns[pc];
		uint32_t r = rnd_below(100);

		memset(in, 0, sizeof(*in));
		in->op = r < 90 ? rc_optable[rnd_below(nops)].code :
			 (uint8_t)rnd();
		if (rnd_below(100) < 4)
			in->a = rnd_below(3);
		if (rnd_below(100) < 2)
			in->rsvd = 1;
		r = rnd_below(100);
		if (r < 70)
			in->imm = (int32_t)rnd_below(8) - 2;
		else if (r < 90)
			in->imm = (int32_t)rnd_below(1412);
		else
			in->imm = (int32_t)rnd();
		if (in->op == RC_OP_ldh || in->op == RC_OP_sth)
			in->imm = rnd_below(7);
		/* Most instructions take no operand: let them run. */
		if (rc_opinfo(in->op) &&
		    rc_opinfo(in->op)->operand == RC_OPND_NONE &&
		    rnd_below(4))
			in->imm = 0;
	}
	/* Most of the time end like a handler, so that some programs pass
	 * the verifier and the two can be held against each other. */
	if (rnd_below(4))
		p->insns[p->ninsns - 1] = (struct rc_insn)I(drop, 0, 0);
}

static void check_random(void)
{
	const int N = 20000;
	struct rc_prog *p = rc_prog_new();
	uint64_t state[8], win[RC_WINDOWS_MAX][4];
	int bad = 0, verified = 0, faulted = 0, effects = 0;
	char first[256] = "";
	/* Ranks 0..3 but 2, this node 1: small values reach some of them. */
	static const uint8_t present[4] = { 1, 1, 0, 1 };
	static const struct rc_ranks ranks = { 4, 1, present };
	static struct rc_effect log[4];
	static uint8_t payloads[4][RC_PAYLOAD_MAX];

	if (!p)
		abort();
	strcpy(p->name, "fuzz");
	for (int i = 0; i < N; i++) {
		struct rc_env env = { .state = state, .clock_ns = rnd(),
				      .ranks = rnd_below(4) ? &ranks : NULL,
				      .effects = log, .effects_max = 4,
				      .effect_payloads = rnd_below(2) ?
							 payloads : NULL };
		struct rc_msg msg = { 0 }, orig;
		struct rc_result res;
		struct rc_diags d;
		bool accepted, ok;
		int rc;

		random_prog(p);
		for (int w = 0; w < RC_WINDOWS_MAX; w++)
			env.windows[w] = win[w];
		msg.hdr.len = rnd_below(8) ? rnd_below(20) : RC_PAYLOAD_MAX;
		msg.hdr.src = rnd();
		msg.hdr.dst = rnd();
		for (int k = 0; k < msg.hdr.len; k++)
			msg.payload[k] = rnd();
		orig = msg;
		rc_diags_init(&d);
		accepted = rc_verify(p, NULL, &d) == 0;
		rc_diags_free(&d);
		verified += accepted;

		rc = rc_run(p, &msg, &env, &res);
		ok = rc == 0 && res.fault < RC_FAULT__COUNT &&
		     res.insns <= p->budget && res.stack_max <= RC_STACK_MAX &&
		     msg.hdr.len <= RC_PAYLOAD_MAX;
		if (res.fault) {
			faulted++;
			ok = ok && res.action == RC_ACT_PASS &&
			     !memcmp(&msg, &orig, sizeof(msg));
		} else {
			ok = ok && (res.action == RC_ACT_DROP ||
				    res.action == RC_ACT_PASS ||
				    res.action == RC_ACT_REPLY ||
				    (res.action == RC_ACT_FORWARD &&
				     res.rank < 4 && present[res.rank] &&
				     res.rank != 1 && msg.hdr.src == 1 &&
				     msg.hdr.dst == res.rank));
		}
		/* Whatever the run did, the log holds what it counted. */
		ok = ok && res.neffects == (res.nsends + res.nupcalls < 4 ?
					    res.nsends + res.nupcalls : 4);
		for (uint32_t k = 0; ok && k < res.neffects; k++)
			ok = log[k].kind == RC_EFFECT_UPCALL ||
			     (log[k].kind == RC_EFFECT_SEND &&
			      log[k].hdr.src == 1 && log[k].hdr.dst == log[k].rank &&
			      present[log[k].rank] && log[k].rank != 1 &&
			      log[k].payload == (env.effect_payloads ?
						 payloads[k] : NULL));
		effects += res.nsends + res.nupcalls;
		/* The verifier's promise: nothing it accepts is illegal. */
		if (accepted && res.fault == RC_FAULT_ILLEGAL)
			ok = false;
		if (!ok && !bad++)
			snprintf(first, sizeof(first), "program %d (%s, %u "
				 "insns): rc %d, fault %s at pc %u, action %s",
				 i, accepted ? "verified" : "unverified",
				 p->ninsns, rc, rc_fault_name(res.fault),
				 res.fault_pc, rc_action_name(res.action));
	}
	if (bad)
		TEST_FAIL("unverified: random programs", "%d of %d ended "
			  "badly; first: %s", bad, N, first);
	else
		printf("PASS: unverified: %d random programs (%d verified, %d "
		       "faulted, %d sends and up-calls) ended sanely\n", N,
		       verified, faulted, effects);
	rc_prog_free(p);
}

/*
 * The effect log's edges, which case files cannot reach: more effects than
 * effects_max (all counted, the first logged), no log at all, a log
 * without payload buffers.
 */
static void check_effect_log(void)
{
	const struct rc_insn insns[] = {
		/* upcall 0..9, then a send to rank 2 */
		I(ldl, 0, 0), I(upcall, 0, 0), I(ldl, 0, 0), I(push, 0, 1),
		I(add, 0, 0), I(dup, 0, 0), I(stl, 0, 0), I(push, 0, 10),
		I(ltu, 0, 0), I(jnz, 0, -10), I(push, 0, 2), I(send, 0, 0),
		I(pass, 0, 0),
	};
	struct rc_prog *p = hand_prog(insns, 13, 0);
	static const struct rc_ranks ranks = { 3, 0, NULL };
	uint64_t state[2] = { 0 }, win[3] = { 0 };
	static struct rc_effect log[16];
	static uint8_t payloads[16][RC_PAYLOAD_MAX];
	struct rc_env env = { .state = state, .windows = { win },
			      .ranks = &ranks, .effects = log,
			      .effects_max = 4 };
	struct rc_msg msg = { .hdr = { .len = 2, .tag = 6 },
			      .payload = { 0xca, 0xfe } };
	struct rc_result res;

	rc_run(p, &msg, &env, &res);
	ASSERT_TRUE(res.fault == RC_FAULT_NONE && res.action == RC_ACT_PASS &&
		    res.nupcalls == 10 && res.nsends == 1 && res.neffects == 4,
		    "effects: 11 made, all counted, 4 logged");
	ASSERT_TRUE(log[0].kind == RC_EFFECT_UPCALL && log[0].value == 0 &&
		    log[3].value == 3 && log[3].hdr.tag == 6 && !log[3].payload,
		    "effects: the first 4 are logged in order");

	env.effects_max = 16;
	env.effect_payloads = payloads;
	rc_run(p, &msg, &env, &res);
	ASSERT_TRUE(res.neffects == 11 && log[10].kind == RC_EFFECT_SEND &&
		    log[10].rank == 2 && log[10].hdr.src == 0 &&
		    log[10].hdr.dst == 2 && log[10].len == 2 &&
		    log[10].payload == payloads[10] &&
		    !memcmp(payloads[10], "\xca\xfe", 2),
		    "effects: a log of 16 holds all 11, the send's payload "
		    "copied");

	env.effects = NULL;
	rc_run(p, &msg, &env, &res);
	ASSERT_TRUE(res.nupcalls == 10 && res.nsends == 1 && !res.neffects,
		    "effects: without a log, still counted");
	rc_prog_free(p);
}

/* ---- 4. the wire encoding --------------------------------------------- */

static void check_wire(void)
{
	/* docs/wire.md, section 1, for one message, byte by byte. */
	static const uint8_t want[] = {
		0x52, 0x4d, 0x01, 0x00,	/* magic "RM", version, flags */
		0x00, 0x07, 0x00, 0x03,	/* portal 7, len 3 */
		0x00, 0x00, 0x01, 0x02,	/* src 0x102 */
		0x00, 0x03, 0x04, 0x05,	/* dst 0x30405 */
		0xde, 0xad, 0xbe, 0xef,	/* tag */
		0x80, 0x00, 0x00, 0x01,	/* seq */
		0x0a, 0x0b, 0x0c,	/* payload */
	};
	struct rc_msg m = { .hdr = { .portal = 7, .len = 3, .src = 0x102,
				     .dst = 0x30405, .tag = 0xdeadbeef,
				     .seq = 0x80000001 },
			    .payload = { 0x0a, 0x0b, 0x0c } };
	struct rc_msg back, poison;
	uint8_t buf[RC_HDR_LEN + RC_PAYLOAD_MAX + 8];
	const char *why;
	int n;

	n = rc_msg_to_wire(&m, buf, sizeof(buf));
	ASSERT_EQ(n, sizeof(want), "wire: encoded length");
	ASSERT_TRUE(n == sizeof(want) && !memcmp(buf, want, n),
		    "wire: encoded bytes match docs/wire.md");
	ASSERT_EQ(rc_msg_to_wire(&m, buf, sizeof(want) - 1), -ENOSPC,
		  "wire: a buffer one byte short is -ENOSPC");
	memset(&back, 0, sizeof(back));
	ASSERT_EQ(rc_msg_from_wire(want, sizeof(want), &back, &why), 0,
		  "wire: decodes");
	ASSERT_TRUE(back.hdr.portal == 7 && back.hdr.len == 3 &&
		    back.hdr.src == 0x102 && back.hdr.dst == 0x30405 &&
		    back.hdr.tag == 0xdeadbeef && back.hdr.seq == 0x80000001 &&
		    back.hdr.version == 1 && !memcmp(back.payload, "\n\v\f", 3),
		    "wire: decoded fields");

	/* The largest and the smallest message. */
	memset(&m, 0, sizeof(m));
	m.hdr.len = RC_PAYLOAD_MAX;
	for (int i = 0; i < RC_PAYLOAD_MAX; i++)
		m.payload[i] = i * 7;
	n = rc_msg_to_wire(&m, buf, sizeof(buf));
	ASSERT_EQ(n, RC_HDR_LEN + RC_PAYLOAD_MAX, "wire: 1408-byte payload");
	ASSERT_TRUE(rc_msg_from_wire(buf, n, &back, &why) == 0 &&
		    back.hdr.len == RC_PAYLOAD_MAX &&
		    !memcmp(back.payload, m.payload, RC_PAYLOAD_MAX),
		    "wire: 1408-byte payload round trip");
	m.hdr.len = RC_PAYLOAD_MAX + 1;
	ASSERT_EQ(rc_msg_to_wire(&m, buf, sizeof(buf)), -EINVAL,
		  "wire: encoding a payload above 1408 is -EINVAL");
	m.hdr.len = 0;
	ASSERT_EQ(rc_msg_to_wire(&m, buf, RC_HDR_LEN), RC_HDR_LEN,
		  "wire: empty payload is the header alone");
	ASSERT_TRUE(rc_msg_from_wire(buf, RC_HDR_LEN, &back, &why) == 0 &&
		    back.hdr.len == 0, "wire: empty payload decodes");

	/* flags are ignored on receipt and never sent. */
	memcpy(buf, want, sizeof(want));
	buf[3] = 0x80;
	ASSERT_EQ(rc_msg_from_wire(buf, sizeof(want), &back, &why), 0,
		  "wire: nonzero flags are ignored");
	n = rc_msg_to_wire(&back, buf, sizeof(buf));
	ASSERT_TRUE(n == sizeof(want) && !memcmp(buf, want, n),
		    "wire: re-encoding writes flags 0");

	/* Malformed: each rule, and the message stays untouched. */
	struct {
		const char *what;
		size_t len;		/* datagram length */
		int at;			/* byte to change, or -1 */
		uint8_t val;
		uint16_t lenfield;	/* 0: keep */
	} bad[] = {
		{ "empty datagram", 0, -1, 0, 0 },
		{ "23 bytes", 23, -1, 0, 0 },
		{ "bad magic", sizeof(want), 0, 0x4d, 0 },
		{ "bad magic, second byte", sizeof(want), 1, 0x52, 0 },
		{ "version 0", sizeof(want), 2, 0, 0 },
		{ "version 2", sizeof(want), 2, 2, 0 },
		{ "len 1409", RC_HDR_LEN + 1409, -1, 0, 1409 },
		{ "len longer than the datagram", sizeof(want), -1, 0, 4 },
		{ "len shorter than the datagram", sizeof(want), -1, 0, 2 },
		{ "len 0 with a payload", sizeof(want), -1, 0, 0xffff },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char what[128];
		int rc;

		memset(buf, 0, sizeof(buf));
		memcpy(buf, want, sizeof(want));
		if (bad[i].at >= 0)
			buf[bad[i].at] = bad[i].val;
		if (bad[i].lenfield) {
			uint16_t l = bad[i].lenfield == 0xffff ? 0 :
				     bad[i].lenfield;

			buf[6] = l >> 8;
			buf[7] = l;
		}
		memset(&poison, 0xa5, sizeof(poison));
		back = poison;
		why = NULL;
		rc = rc_msg_from_wire(buf, bad[i].len, &back, &why);
		snprintf(what, sizeof(what), "wire: malformed: %s",
			 bad[i].what);
		if (rc == -EBADMSG && why && *why &&
		    !memcmp(&back, &poison, sizeof(back)))
			printf("PASS: %s (%s)\n", what, why);
		else
			TEST_FAIL(what, "expected -EBADMSG with a reason and "
				  "the message untouched, got %d (%s)", rc,
				  why ? why : "no reason");
	}
	ASSERT_EQ(rc_msg_from_wire(want, 10, &back, NULL), -EBADMSG,
		  "wire: why may be NULL");
}

int main(int argc, char **argv)
{
	const char *root = getenv("RC_ROOT");
	char dir[4096];

	/* Line by line, so that a crash leaves the log up to the case that
	 * caused it. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "%s/selftests/cases", root ? root : ".");
	run_cases(dir, argv + 1, argc - 1);
	check_illegal();
	check_illegal_restores();
	check_random();
	check_effect_log();
	check_wire();
	return rc_test_exit();
}
