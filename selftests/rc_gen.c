// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_gen.c - the seeded R-code case generator and its shrinker (rc_gen.h).
 *
 * A handler is generated as lines of text.  Every statement leaves the
 * stack as it found it, so that taking a statement out keeps the program
 * verifiable more often than not; the shrinker simply tries, and the
 * verifier judges.  Opcode families (binary, unary, payload loads and
 * stores) come from rc_opcodes.def by their stack effects and operand
 * kinds; the few opcodes with a shape of their own are named, and
 * test_priv_gen requires the sample to use every opcode of the table, so a
 * new row that the generator does not know fails a test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rc_case.h"
#include "rc_diag.h"
#include "rc_gen.h"
#include "rcode.h"

#define MAX_LINES	1400
#define MAX_UNITS	600
#define MAX_RUNS	3
#define MAX_SETUP	4
#define MAX_RANKS	6
#define MAX_LOOPS	3	/* nesting; counters in locals 12.. */
#define GEN_LOCALS	12	/* locals 0..11 for values */
#define LISTED_EFFECTS	16	/* expect send/upcall lines written */

struct unit {
	uint32_t first, last;	/* lines [first, last) */
};

struct setup {
	int32_t win;		/* -1: data area */
	uint32_t word;
	uint64_t value;
};

struct run {
	struct rc_msg msg;
	uint64_t clock;
	uint32_t nsetup;
	struct setup setup[MAX_SETUP];
};

struct rc_gen {
	uint64_t seed, rng;
	char *lines[MAX_LINES];
	bool keep[MAX_LINES];
	uint32_t nlines, nhdr;	/* the first nhdr lines are directives */
	struct unit units[MAX_UNITS];
	uint32_t nunits;
	struct run runs[MAX_RUNS];
	bool run_keep[MAX_RUNS];
	uint32_t nruns;
	bool has_ranks;
	uint32_t nranks, self;
	uint8_t present[MAX_RANKS];

	/* While generating. */
	int depth;		/* operand stack depth after the last line */
	uint32_t nlabels;
	int loops;		/* loops around the current line */
	int fuel;		/* statements left */
	bool clk;		/* state word 0 is clock's, nobody else's */
	bool overflow;		/* too many lines or units: not used */
	uint32_t state_words, first_word;
	uint32_t nwin, win_words[RC_WINDOWS_MAX];
	uint32_t portal, budget;
};

/* ---- randomness: splitmix64, so that a seed is a case everywhere ------ */

static uint64_t rnd(struct rc_gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(struct rc_gen *g, uint32_t n)
{
	return n ? rnd(g) % n : 0;
}

static bool chance(struct rc_gen *g, unsigned int pct)
{
	return below(g, 100) < pct;
}

/* ---- emitting ----------------------------------------------------------- */

static void line(struct rc_gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line(struct rc_gen *g, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (g->nlines >= MAX_LINES) {
		g->overflow = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		g->overflow = true;
		return;
	}
	g->keep[g->nlines] = true;
	g->lines[g->nlines++] = s;
}

/* One instruction; the table says what it does to the stack. */
static void op(struct rc_gen *g, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void op(struct rc_gen *g, const char *name, const char *fmt, ...)
{
	const struct rc_opinfo *oi = rc_opinfo_by_name(name);
	char arg[64] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(arg, sizeof(arg), fmt, ap);
		va_end(ap);
	}
	line(g, "\t%s%s%s", name, fmt ? " " : "", arg);
	g->depth += oi->pushes - oi->pops;
}

static uint32_t new_label(struct rc_gen *g)
{
	return g->nlabels++;
}

static void label(struct rc_gen *g, uint32_t l)
{
	line(g, "L%u:", l);
}

static uint32_t unit_begin(struct rc_gen *g)
{
	if (g->nunits >= MAX_UNITS) {
		g->overflow = true;
		return 0;
	}
	g->units[g->nunits].first = g->nlines;
	return g->nunits++;
}

static void unit_end(struct rc_gen *g, uint32_t u)
{
	g->units[u].last = g->nlines;
}

/* ---- opcode families, from the table ------------------------------------ */

#define FAMILY_MAX	32
struct family {
	const char *name[FAMILY_MAX];
	uint8_t width[FAMILY_MAX];
	uint32_t n;
};

/* binary: a b -- r; unary: a -- r; loads, indexed loads, stores and
 * indexed stores of the payload. */
static struct family binary, unary, ldp, ldpx, stp, stpx;

static void families(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	for (const struct rc_opinfo *oi = rc_optable; oi->name; oi++) {
		struct family *f = NULL;

		if (oi->flags & RC_F_RESERVED)
			continue;
		if (oi->operand == RC_OPND_NONE && !(oi->flags & ~RC_F_FAULTS)) {
			if (oi->pops == 2 && oi->pushes == 1)
				f = &binary;
			else if (oi->pops == 1 && oi->pushes == 1)
				f = &unary;
		} else if (oi->operand == RC_OPND_POFF) {
			f = oi->pushes ? (oi->pops ? &ldpx : &ldp) :
			    (oi->pops == 2 ? &stpx : &stp);
		}
		if (f && f->n < FAMILY_MAX) {
			f->width[f->n] = oi->width;
			f->name[f->n++] = oi->name;
		}
	}
}

static uint32_t pick_of(struct rc_gen *g, const struct family *f)
{
	return below(g, f->n);
}

static bool is_div(const char *name)
{
	return !strcmp(name, "div") || !strcmp(name, "divu") ||
	       !strcmp(name, "mod") || !strcmp(name, "modu");
}

/* ---- operands ------------------------------------------------------------ */

static int32_t small_imm(struct rc_gen *g)
{
	static const int32_t v[] = { 0, 1, 2, 3, -1, 7, 8, 15, 16, 31, 32, 63,
				     64, 65, 255, 256, 1407, 1408, 1409,
				     0x7fffffff, INT32_MIN, -2 };

	if (chance(g, 70))
		return v[below(g, sizeof(v) / sizeof(v[0]))];
	return (int32_t)rnd(g);
}

/* A push64 constant: some fit 32 bits (sign-extended), most do not. */
static uint64_t wide_imm(struct rc_gen *g)
{
	static const uint64_t v[] = { 0x100000000ull, 0xffffffffull,
				      0x8000000000000000ull, UINT64_MAX,
				      0x7fffffffffffffffull, 5, 0x80000000ull,
				      0xffffffff80000000ull, 0x100000001ull };

	if (chance(g, 60))
		return v[below(g, sizeof(v) / sizeof(v[0]))];
	return rnd(g);
}

static uint32_t state_word(struct rc_gen *g)
{
	return g->first_word + below(g, g->state_words - g->first_word);
}

static void win_ref(struct rc_gen *g, char *buf, size_t size)
{
	uint32_t w = below(g, g->nwin);

	snprintf(buf, size, "w%u+%u", w, below(g, g->win_words[w]));
}

static uint32_t poff(struct rc_gen *g, uint32_t width)
{
	if (chance(g, 75))
		return below(g, 24);
	if (chance(g, 50))
		return RC_PAYLOAD_MAX - width;
	return below(g, RC_PAYLOAD_MAX - width + 1);
}

static const char *const fields[] = { "src", "dst", "portal", "tag", "seq", "len" };
static const char *const wfields[] = { "portal", "tag", "seq" };

/* ---- expressions: each pushes exactly one value --------------------------- */

static void expr(struct rc_gen *g, int lvl);

static void leaf(struct rc_gen *g)
{
	char w[48];

	switch (below(g, 10)) {
	case 0:
	case 1:
		op(g, "push", "%d", small_imm(g));
		break;
	case 2:
		op(g, "push64", "0x%" PRIx64, wide_imm(g));
		break;
	case 3:
		op(g, "ldl", "%u", below(g, GEN_LOCALS));
		break;
	case 4:
		op(g, "lds", "%u", state_word(g));
		break;
	case 5:
		if (g->nwin) {
			win_ref(g, w, sizeof(w));
			op(g, "ldw", "%s", w);
		} else {
			op(g, "push", "%d", small_imm(g));
		}
		break;
	case 6:
		op(g, "ldh", "%s", fields[below(g, 6)]);
		break;
	default: {
		uint32_t k = pick_of(g, &ldp);

		op(g, ldp.name[k], "%u", poff(g, ldp.width[k]));
		break;
	}
	}
}

/* An index: mostly in range, sometimes -1, 2^32 or the length. */
static void index_expr(struct rc_gen *g)
{
	switch (below(g, 8)) {
	case 0:
		op(g, "push", "-1");
		break;
	case 1:
		op(g, "push64", "0x%" PRIx64, (uint64_t)((1ull << 32) + below(g, 3)));
		break;
	case 2:
		op(g, "ldh", "len");
		break;
	case 3:
		op(g, "ldl", "%u", below(g, GEN_LOCALS));
		break;
	default:
		op(g, "push", "%u", below(g, 20));
		break;
	}
}

/* A rank for forward and send: mostly one of the table's. */
static void rank_expr(struct rc_gen *g)
{
	switch (below(g, 10)) {
	case 0:
		op(g, "push64", "0x%" PRIx64, (uint64_t)((1ull << 32) + 1));
		break;
	case 1:
		op(g, "ldh", "src");
		break;
	case 2:
		op(g, "push", "-1");
		break;
	default:
		op(g, "push", "%u", below(g, MAX_RANKS + 2));
		break;
	}
}

/* cond jz/jnz La; V1; jmp Lb; La: V2; Lb: -- a value chosen by a branch,
 * each arm often a wide constant still on the stack at the jump. */
static void select_expr(struct rc_gen *g, int lvl)
{
	uint32_t la = new_label(g), lb = new_label(g);

	expr(g, lvl - 1);
	op(g, chance(g, 50) ? "jz" : "jnz", "L%u", la);
	if (chance(g, 60))
		op(g, "push64", "0x%" PRIx64, wide_imm(g));
	else
		expr(g, lvl - 1);
	op(g, "jmp", "L%u", lb);
	g->depth--;	/* the other arm starts without it */
	label(g, la);
	if (chance(g, 40))
		op(g, "push64", "0x%" PRIx64, wide_imm(g));
	else
		expr(g, lvl - 1);
	label(g, lb);
}

static void expr(struct rc_gen *g, int lvl)
{
	int room = RC_STACK_MAX - g->depth;
	char w[48];

	if (lvl <= 0 || room < 3 || chance(g, 25)) {
		leaf(g);
		return;
	}
	switch (below(g, 16)) {
	case 0:
	case 1: {
		uint32_t k = pick_of(g, &unary);

		expr(g, lvl - 1);
		op(g, unary.name[k], NULL);
		break;
	}
	case 2:
	case 3:
	case 4: {
		uint32_t k = pick_of(g, &binary);

		expr(g, lvl - 1);
		if (is_div(binary.name[k]) && chance(g, 30))
			op(g, "push", "%d", chance(g, 60) ? 0 : -1);
		else
			expr(g, lvl - 1);
		op(g, binary.name[k], NULL);
		break;
	}
	case 5:	/* shuffles, reduced to one value */
		expr(g, lvl - 1);
		switch (below(g, 3)) {
		case 0:
			op(g, "dup", NULL);
			break;
		case 1:
			expr(g, lvl - 1);
			op(g, "swap", NULL);
			break;
		default:
			expr(g, lvl - 1);
			op(g, "over", NULL);
			op(g, binary.name[pick_of(g, &binary)], NULL);
			break;
		}
		op(g, binary.name[pick_of(g, &binary)], NULL);
		break;
	case 6:
		expr(g, lvl - 1);
		expr(g, lvl - 1);
		expr(g, lvl - 1);
		op(g, "rot", NULL);
		op(g, binary.name[pick_of(g, &binary)], NULL);
		op(g, binary.name[pick_of(g, &binary)], NULL);
		break;
	case 7: {	/* pick k over k+1 values; at depth 0, up to 16 deep */
		int max = room - 2 < 14 ? room - 2 : 14;
		int k = chance(g, 20) ? max : (int)below(g, max + 1);

		for (int i = 0; i <= k; i++)
			leaf(g);
		op(g, "pick", "%d", k);
		for (int i = 0; i <= k; i++)
			op(g, binary.name[pick_of(g, &binary)], NULL);
		break;
	}
	case 8: {
		uint32_t k = pick_of(g, &ldpx);

		index_expr(g);
		op(g, ldpx.name[k], "%u", poff(g, ldpx.width[k]));
		break;
	}
	case 9:
		index_expr(g);
		op(g, "ldsx", "%u", state_word(g));
		break;
	case 10:
		if (!g->nwin) {
			leaf(g);
			break;
		}
		index_expr(g);
		win_ref(g, w, sizeof(w));
		op(g, "ldwx", "%s", w);
		break;
	case 11:
		expr(g, lvl - 1);
		if (g->nwin && chance(g, 50)) {
			win_ref(g, w, sizeof(w));
			op(g, "xaddw", "%s", w);
		} else {
			op(g, "xadds", "%u", state_word(g));
		}
		break;
	case 12:
		index_expr(g);
		expr(g, lvl - 1);
		if (g->nwin && chance(g, 50)) {
			win_ref(g, w, sizeof(w));
			op(g, "xaddwx", "%s", w);
		} else {
			op(g, "xaddsx", "%u", state_word(g));
		}
		break;
	case 13:
		if (chance(g, 50)) {
			expr(g, lvl - 1);
			expr(g, lvl - 1);
			op(g, "cass", "%u", state_word(g));
		} else {
			index_expr(g);
			expr(g, lvl - 1);
			expr(g, lvl - 1);
			op(g, "cassx", "%u", state_word(g));
		}
		break;
	default:
		select_expr(g, lvl);
		break;
	}
}

/* ---- statements: each leaves the stack as it found it --------------------- */

static void stmts(struct rc_gen *g, int n, int lvl, uint32_t mid_label);

/*
 * Up-calls and sends in a loop are bounded by the budget; the kernel paths
 * keep what leaves in a ring of 1638 records and a socket buffer of some
 * hundred frames, and count the rest as lost (docs/rcode.md 6.13), which
 * the reference never does: keep loops below that.
 */
static bool effects_ok(const struct rc_gen *g, bool send)
{
	return !g->loops || g->budget <= (send ? 128u : 1024u);
}

static void consume(struct rc_gen *g)
{
	char w[48];

	switch (below(g, 9)) {
	case 0:
		op(g, "pop", NULL);
		break;
	case 1:
	case 2:
		op(g, "stl", "%u", below(g, GEN_LOCALS));
		break;
	case 3:
		op(g, "sts", "%u", state_word(g));
		break;
	case 4:
		if (g->nwin) {
			win_ref(g, w, sizeof(w));
			op(g, "stw", "%s", w);
		} else {
			op(g, "pop", NULL);
		}
		break;
	case 5:
		if (effects_ok(g, false))
			op(g, "upcall", NULL);
		else
			op(g, "pop", NULL);
		break;
	case 6:
		op(g, "sth", "%s", wfields[below(g, 3)]);
		break;
	default: {
		uint32_t k = pick_of(g, &stp);

		op(g, stp.name[k], "%u", poff(g, stp.width[k]));
		break;
	}
	}
}

static void resize_stmt(struct rc_gen *g)
{
	switch (below(g, 6)) {
	case 0:
		op(g, "push", "%d", chance(g, 50) ? RC_PAYLOAD_MAX :
		   RC_PAYLOAD_MAX + 1);
		break;
	case 1:
		op(g, "ldh", "len");
		op(g, "push", "%u", below(g, 9));
		op(g, chance(g, 50) ? "add" : "sub", NULL);
		break;
	case 2:
		op(g, "push64", "0x%" PRIx64, chance(g, 50) ? UINT64_MAX :
		   (uint64_t)(1ull << 32) + 4);
		break;
	default:
		op(g, "push", "%u", below(g, chance(g, 80) ? 64 : 1409));
		break;
	}
	op(g, "resize", NULL);
}

static void action(struct rc_gen *g)
{
	static const char *const a[] = { "drop", "pass", "reply" };

	if (chance(g, 25)) {
		rank_expr(g);
		op(g, "forward", NULL);
	} else {
		op(g, a[below(g, 3)], NULL);
	}
}

/*
 * A counted loop on local 12 + nesting.  Shapes: test at the bottom
 * (jnz back), test at the top with jmp as the back edge, or the back edge
 * right after a push64 whose value the loop head stores; sometimes entered
 * in the middle from before it, left early, or endless (budget).
 */
static void loop_stmt(struct rc_gen *g, int lvl)
{
	uint32_t c = GEN_LOCALS + g->loops;
	uint32_t head = new_label(g), out = new_label(g);
	uint32_t n = chance(g, 85) ? 1 + below(g, 5) : 1 + below(g, 2000);
	uint32_t mid = UINT32_MAX;
	int shape = below(g, 10);

	g->loops++;
	if (shape == 0) {		/* endless: only the budget ends it */
		label(g, head);
		stmts(g, 1 + below(g, 2), lvl - 1, UINT32_MAX);
		op(g, "jmp", "L%u", head);
		label(g, out);
		g->loops--;
		return;
	}
	if (chance(g, 15) && shape >= 4) {	/* jump into the middle */
		mid = new_label(g);
		expr(g, 1);
		op(g, "jnz", "L%u", mid);
	}
	op(g, "push", "0");
	op(g, "stl", "%u", c);
	if (shape <= 3) {		/* back edge after a push64 */
		uint32_t tmp = below(g, GEN_LOCALS);

		op(g, "push64", "0x%" PRIx64, wide_imm(g));
		label(g, head);
		op(g, "stl", "%u", tmp);
		stmts(g, below(g, 3), lvl - 1, UINT32_MAX);
		op(g, "ldl", "%u", c);
		op(g, "push", "1");
		op(g, "add", NULL);
		op(g, "dup", NULL);
		op(g, "stl", "%u", c);
		op(g, "push", "%u", n);
		op(g, "geu", NULL);
		op(g, "jnz", "L%u", out);
		op(g, "push64", "0x%" PRIx64, wide_imm(g));
		op(g, "jmp", "L%u", head);
		g->depth--;
		label(g, out);
	} else if (shape <= 6) {	/* test at the bottom */
		label(g, head);
		stmts(g, 1 + below(g, 3), lvl - 1, mid);
		op(g, "ldl", "%u", c);
		op(g, "push", "1");
		op(g, "add", NULL);
		op(g, "dup", NULL);
		op(g, "stl", "%u", c);
		op(g, "push", "%u", n);
		op(g, "lt", NULL);
		op(g, "jnz", "L%u", head);
		label(g, out);
	} else {			/* test at the top, jmp back */
		label(g, head);
		op(g, "ldl", "%u", c);
		op(g, "push", "%u", n);
		op(g, "ltu", NULL);
		op(g, "jz", "L%u", out);
		if (chance(g, 30)) {	/* leave early */
			expr(g, 1);
			op(g, "jnz", "L%u", out);
		}
		stmts(g, 1 + below(g, 3), lvl - 1, mid);
		op(g, "ldl", "%u", c);
		op(g, "push", "1");
		op(g, "add", NULL);
		op(g, "stl", "%u", c);
		op(g, "jmp", "L%u", head);
		label(g, out);
	}
	g->loops--;
}

static void stmt(struct rc_gen *g, int lvl)
{
	uint32_t u = unit_begin(g);
	char w[48];
	int k = below(g, 20);

	g->fuel--;
	if (RC_STACK_MAX - g->depth < 4)
		k = 0;
	switch (k) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
		expr(g, 1 + below(g, 3));
		consume(g);
		break;
	case 5: {
		uint32_t s = pick_of(g, &stpx);

		index_expr(g);
		expr(g, 1);
		op(g, stpx.name[s], "%u", poff(g, stpx.width[s]));
		break;
	}
	case 6:
		index_expr(g);
		expr(g, 1);
		if (g->nwin && chance(g, 50)) {
			win_ref(g, w, sizeof(w));
			op(g, "stwx", "%s", w);
		} else {
			op(g, "stsx", "%u", state_word(g));
		}
		break;
	case 7:
		if (g->clk) {
			op(g, "clock", NULL);
			/* only stored where nobody reads it: the kernel's
			 * clock is real time, mapped back to the case's */
			if (chance(g, 50))
				op(g, "sts", "0");
			else
				op(g, "pop", NULL);
		} else {
			resize_stmt(g);
		}
		break;
	case 8:
	case 9:
		resize_stmt(g);
		break;
	case 10:
		if (chance(g, 40) && effects_ok(g, true)) {
			rank_expr(g);
			op(g, "send", NULL);
		} else if (effects_ok(g, false)) {
			expr(g, 1);
			op(g, "upcall", NULL);
		} else {
			resize_stmt(g);
		}
		break;
	case 11:
	case 12: {		/* if / if-else */
		uint32_t le = new_label(g), lend = new_label(g);

		expr(g, 2);
		op(g, chance(g, 50) ? "jz" : "jnz", "L%u", le);
		stmts(g, 1 + below(g, 2), lvl - 1, UINT32_MAX);
		if (chance(g, 50)) {
			op(g, "jmp", "L%u", lend);
			label(g, le);
			stmts(g, 1 + below(g, 2), lvl - 1, UINT32_MAX);
			label(g, lend);
		} else {
			label(g, le);
		}
		break;
	}
	case 13: {		/* an early action */
		uint32_t ls = new_label(g);

		expr(g, 1);
		op(g, "jz", "L%u", ls);
		action(g);
		label(g, ls);
		break;
	}
	case 14:		/* to the last slot (the final action) */
		/* Lend is reached at depth 0 only */
		expr(g, 1);
		if (g->depth == 1)
			op(g, "jnz", "Lend");
		else
			consume(g);
		break;
	default:
		if (g->loops < MAX_LOOPS && lvl > 0)
			loop_stmt(g, lvl);
		else {
			expr(g, 2);
			consume(g);
		}
		break;
	}
	unit_end(g, u);
}

static void stmts(struct rc_gen *g, int n, int lvl, uint32_t mid_label)
{
	int at = mid_label == UINT32_MAX ? -1 : (int)below(g, n + 1);
	bool placed = false;

	for (int i = 0; i < n && g->fuel > 0; i++) {
		if (i == at) {
			label(g, mid_label);
			placed = true;
		}
		stmt(g, lvl);
	}
	if (at >= 0 && !placed)
		label(g, mid_label);
}

/* ---- the inputs --------------------------------------------------------- */

static void gen_run(struct rc_gen *g, struct run *r)
{
	uint32_t len, p = below(g, 100);

	memset(r, 0, sizeof(*r));
	r->msg.hdr.version = 1;
	r->msg.hdr.portal = g->portal;
	r->msg.hdr.src = below(g, MAX_RANKS + 1);
	r->msg.hdr.dst = below(g, MAX_RANKS + 1);
	r->msg.hdr.tag = chance(g, 50) ? below(g, 4) : (uint32_t)rnd(g);
	r->msg.hdr.seq = chance(g, 50) ? below(g, 100) : (uint32_t)rnd(g);
	len = p < 50 ? below(g, 17) : p < 80 ? 17 + below(g, 48) :
	      p < 95 ? 65 + below(g, 236) : 301 + below(g, RC_PAYLOAD_MAX - 300);
	if (chance(g, 2))
		len = RC_PAYLOAD_MAX;
	r->msg.hdr.len = len;
	for (uint32_t i = 0; i < len; i++)
		r->msg.payload[i] = chance(g, 30) ? 0 : (uint8_t)rnd(g);
	r->clock = 1000 + below(g, 1000000);
	r->nsetup = below(g, MAX_SETUP + 1);
	for (uint32_t i = 0; i < r->nsetup; i++) {
		struct setup *s = &r->setup[i];

		s->win = g->nwin && chance(g, 40) ? (int32_t)below(g, g->nwin) : -1;
		s->word = s->win < 0 ? state_word(g) : below(g, g->win_words[s->win]);
		s->value = chance(g, 50) ? below(g, 20) : rnd(g);
	}
}

static uint32_t gen_budget(struct rc_gen *g)
{
	uint32_t p = below(g, 100);

	/* Mostly small: runs are fast, and inline loops (no JIT) are
	 * verified iteration by iteration up to the budget. */
	if (p < 2)
		return RC_BUDGET_MAX;
	if (p < 50)
		return 1 + below(g, 64);
	if (p < 93)
		return 65 + below(g, 448);
	if (p < 98)
		return 513 + below(g, 8192 - 512);
	return 1 + below(g, RC_BUDGET_MAX);
}

struct rc_gen *rc_gen_new(uint64_t seed)
{
	struct rc_gen *g = calloc(1, sizeof(*g));
	uint32_t ngroups, words;

	if (!g)
		return NULL;
	families();
	g->seed = seed;
	g->rng = seed;
	g->portal = below(g, RC_PORTALS);
	g->clk = chance(g, 20);
	line(g, ".handler gen");
	line(g, ".portal %u", g->portal);
	g->budget = gen_budget(g);
	line(g, ".budget %u", g->budget);
	if (g->clk)
		line(g, ".state clk");
	g->first_word = g->clk;
	g->state_words = g->first_word;
	ngroups = 1 + below(g, 3);
	for (uint32_t i = 0; i < ngroups; i++) {
		words = chance(g, 5) ? (RC_STATE_MAX - g->state_words) / 2 + 1 :
			1 + below(g, 8);
		if (g->state_words + words > RC_STATE_MAX)
			break;
		line(g, ".state s%u %u", i, words);
		g->state_words += words;
	}
	g->nwin = below(g, 4);
	for (uint32_t i = 0; i < g->nwin; i++) {
		g->win_words[i] = chance(g, 2) ? RC_WINDOW_WORDS_MAX :
				  1 + below(g, 16);
		line(g, ".window w%u %u", i, g->win_words[i]);
	}
	g->nhdr = g->nlines;

	g->fuel = 2 + below(g, chance(g, 80) ? 12 : 40);
	stmts(g, g->fuel, 3, UINT32_MAX);
	if (chance(g, 20)) {
		uint32_t u = unit_begin(g);

		rank_expr(g);
		op(g, "forward", NULL);
		unit_end(g, u);
	}
	/* The last slot, target of the jumps of stmt()'s case 14. */
	line(g, "Lend:");
	op(g, chance(g, 40) ? "pass" : chance(g, 50) ? "drop" : "reply", NULL);

	g->has_ranks = chance(g, 80);
	g->nranks = 1 + below(g, MAX_RANKS);
	g->self = below(g, g->nranks);
	memset(g->present, 1, sizeof(g->present));
	if (chance(g, 30))
		g->present[below(g, g->nranks)] = 0;
	g->nruns = 1 + below(g, MAX_RUNS);
	for (uint32_t i = 0; i < g->nruns; i++) {
		gen_run(g, &g->runs[i]);
		g->run_keep[i] = true;
	}
	return g;
}

void rc_gen_free(struct rc_gen *g)
{
	if (!g)
		return;
	for (uint32_t i = 0; i < g->nlines; i++)
		free(g->lines[i]);
	free(g);
}

void rc_gen_opcodes(const struct rc_gen *g, bool used[256])
{
	for (uint32_t i = g->nhdr; i < g->nlines; i++) {
		char name[32];

		if (!g->keep[i] || sscanf(g->lines[i], "\t%31s", name) != 1)
			continue;
		const struct rc_opinfo *oi = rc_opinfo_by_name(name);

		if (oi)
			used[oi->code] = true;
	}
}

/* ---- the case file -------------------------------------------------------- */

struct buf {
	char *s;
	size_t len, cap;
	bool nomem;
};

static void put(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->nomem = true;
			return;
		}
		if (b->s && (size_t)n < room) {
			b->len += n;
			return;
		}
		size_t cap = (b->cap + n + 1) * 2;
		char *s = realloc(b->s, cap);

		if (!s) {
			b->nomem = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

static void put_payload(struct buf *b, const uint8_t *p, uint32_t len)
{
	put(b, " payload=");
	if (!len)
		return;
	put(b, "hex:");
	for (uint32_t i = 0; i < len; i++)
		put(b, "%02x", p[i]);
}

static char *handler_text(const struct rc_gen *g)
{
	struct buf b = { 0 };

	for (uint32_t i = 0; i < g->nlines; i++)
		if (g->keep[i])
			put(&b, "%s\n", g->lines[i]);
	if (b.nomem) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* One run on the reference and its expectations, as case lines. */
static void put_run(struct buf *b, const struct rc_prog *p,
		    const struct run *r, struct rc_env *env, struct rc_env *before,
		    const struct rc_ranks *ranks)
{
	struct rc_msg m = r->msg;
	struct rc_result res;

	for (uint32_t i = 0; i < r->nsetup; i++) {
		const struct setup *s = &r->setup[i];

		if (s->win < 0) {
			put(b, ";! state %u=0x%" PRIx64 "\n", s->word, s->value);
			env->state[s->word] = s->value;
		} else {
			put(b, ";! window w%d+%u=0x%" PRIx64 "\n", s->win,
			    s->word, s->value);
			env->windows[s->win][s->word] = s->value;
		}
	}
	put(b, ";! clock %" PRIu64 "\n", r->clock);
	put(b, ";! msg src=%u dst=%u portal=%u tag=%u seq=%u", m.hdr.src,
	    m.hdr.dst, m.hdr.portal, m.hdr.tag, m.hdr.seq);
	put_payload(b, m.payload, m.hdr.len);
	put(b, "\n");

	env->clock_ns = r->clock;
	env->ranks = ranks;
	memcpy(before->state, env->state, p->state_words * 8);
	for (uint32_t w = 0; w < p->nwindows; w++)
		memcpy(before->windows[w], env->windows[w], p->windows[w].words * 8);
	rc_run(p, &m, env, &res);

	if (res.fault)
		put(b, ";! expect fault=%s pc=%u", rc_fault_name(res.fault),
		    res.fault_pc);
	else
		put(b, ";! expect action=%s", rc_action_name(res.action));
	if (!res.fault && res.action == RC_ACT_FORWARD)
		put(b, " rank=%u", res.rank);
	put(b, " insns=%" PRIu64 " stack_max=%u sends=%u upcalls=%u\n",
	    res.insns, res.stack_max, res.nsends, res.nupcalls);
	for (uint32_t k = 0; k < res.neffects && k < LISTED_EFFECTS; k++) {
		const struct rc_effect *e = &env->effects[k];

		if (e->kind == RC_EFFECT_SEND) {
			put(b, ";! expect send rank=%u portal=%u tag=%u seq=%u",
			    e->rank, e->hdr.portal, e->hdr.tag, e->hdr.seq);
			put_payload(b, e->payload, e->len);
			put(b, "\n");
		} else {
			put(b, ";! expect upcall value=0x%" PRIx64
			    " portal=%u tag=%u seq=%u\n", e->value,
			    e->hdr.portal, e->hdr.tag, e->hdr.seq);
		}
	}
	bool any = false;

	for (uint32_t w = 0; w < p->state_words; w++) {
		if (env->state[w] == before->state[w])
			continue;
		put(b, "%s %u=0x%" PRIx64, any ? "" : ";! expect state", w,
		    env->state[w]);
		any = true;
	}
	if (any)
		put(b, "\n");
	for (uint32_t k = 0; k < p->nwindows; k++) {
		any = false;
		for (uint32_t w = 0; w < p->windows[k].words; w++) {
			if (env->windows[k][w] == before->windows[k][w])
				continue;
			put(b, "%s w%u+%u=0x%" PRIx64, any ? "" :
			    ";! expect window", k, w, env->windows[k][w]);
			any = true;
		}
		if (any)
			put(b, "\n");
	}
	put(b, ";! expect msg src=%u dst=%u portal=%u tag=%u seq=%u",
	    m.hdr.src, m.hdr.dst, m.hdr.portal, m.hdr.tag, m.hdr.seq);
	put_payload(b, m.payload, m.hdr.len);
	put(b, "\n");
}

char *rc_gen_case(const struct rc_gen *g, char *diag, size_t size)
{
	struct rc_prog *p = rc_prog_new();
	struct rc_diags d;
	struct rc_env env = { 0 }, before = { 0 };
	struct rc_ranks ranks = { .nranks = g->nranks, .self = g->self,
				  .present = g->present };
	struct buf b = { 0 };
	char *text = handler_text(g);
	bool ok = false;

	rc_diags_init(&d);
	if (diag && size)
		diag[0] = '\0';
	if (!p || !text || g->overflow)
		goto out;
	if (rc_asm("gen.r", text, p, &d) || rc_verify(p, NULL, &d)) {
		for (size_t i = 0; diag && i < d.n; i++)
			if (d.v[i].severity == RC_SEV_ERROR) {
				snprintf(diag, size, "pc %u: %s", d.v[i].pc,
					 d.v[i].msg);
				break;
			}
		goto out;
	}
	env.state = calloc(p->state_words, 8);
	before.state = calloc(p->state_words, 8);
	env.effects = calloc(RC_CASE_EFFECTS_MAX, sizeof(*env.effects));
	env.effects_max = RC_CASE_EFFECTS_MAX;
	env.effect_payloads = calloc(RC_CASE_EFFECTS_MAX, RC_PAYLOAD_MAX);
	if (!env.state || !before.state || !env.effects || !env.effect_payloads)
		goto out;
	for (uint32_t w = 0; w < p->nwindows; w++) {
		env.windows[w] = calloc(p->windows[w].words, 8);
		before.windows[w] = calloc(p->windows[w].words, 8);
		if (!env.windows[w] || !before.windows[w])
			goto out;
	}
	put(&b, "; gen-%016" PRIx64 ".r - made by selftests/rc_gen.c from seed "
	    "0x%" PRIx64 ";\n; the expectations are the reference "
	    "interpreter's.\n", g->seed, g->seed);
	put(&b, ";! desc: generated case, seed 0x%" PRIx64 "\n", g->seed);
	if (g->has_ranks) {
		put(&b, ";! ranks %u self=%u", g->nranks, g->self);
		for (uint32_t r = 0, n = 0; r < g->nranks; r++)
			if (!g->present[r])
				put(&b, "%s%u", n++ ? "," : " absent=", r);
		put(&b, "\n");
	}
	for (uint32_t i = 0; i < g->nruns; i++)
		if (g->run_keep[i])
			put_run(&b, p, &g->runs[i], &env, &before,
				g->has_ranks ? &ranks : NULL);
	put(&b, "%s", text);
	ok = !b.nomem;
out:
	free(env.state);
	free(before.state);
	free(env.effects);
	free(env.effect_payloads);
	for (uint32_t w = 0; w < RC_WINDOWS_MAX; w++) {
		free(env.windows[w]);
		free(before.windows[w]);
	}
	rc_diags_free(&d);
	rc_prog_free(p);
	free(text);
	if (!ok) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- shrinking ------------------------------------------------------------ */

/* The candidate as it stands: still accepted and still failing? */
static bool still(struct rc_gen *g, rc_gen_fails_fn *fails, void *ctx,
		  unsigned int *steps)
{
	char *t = rc_gen_case(g, NULL, 0);
	bool f;

	if (!t)
		return false;
	(*steps)++;
	f = fails(ctx, t);
	free(t);
	return f;
}

static bool unit_kept(const struct rc_gen *g, const struct unit *u)
{
	for (uint32_t i = u->first; i < u->last; i++)
		if (g->keep[i])
			return true;
	return false;
}

char *rc_gen_shrink(struct rc_gen *g, rc_gen_fails_fn *fails, void *ctx,
		    unsigned int *steps)
{
	bool progress = true;

	*steps = 0;
	/* Runs first: every later candidate then runs fewer messages. */
	for (uint32_t i = 0; i < g->nruns; i++) {
		uint32_t kept = 0;

		for (uint32_t j = 0; j < g->nruns; j++)
			kept += g->run_keep[j];
		if (kept < 2)
			break;
		g->run_keep[i] = false;
		if (!still(g, fails, ctx, steps))
			g->run_keep[i] = true;
	}
	while (progress) {
		progress = false;
		/* Whole statements, outer ones first (they come first). */
		for (uint32_t k = 0; k < g->nunits; k++) {
			struct unit *u = &g->units[k];
			bool save[MAX_LINES];

			if (!unit_kept(g, u))
				continue;
			memcpy(save, g->keep, sizeof(save));
			for (uint32_t i = u->first; i < u->last; i++)
				g->keep[i] = false;
			if (still(g, fails, ctx, steps))
				progress = true;
			else
				memcpy(g->keep, save, sizeof(save));
		}
		/* Single lines, and pairs (a push and what uses it). */
		for (uint32_t i = g->nhdr; i + 1 < g->nlines; i++) {
			if (!g->keep[i])
				continue;
			g->keep[i] = false;
			if (still(g, fails, ctx, steps)) {
				progress = true;
				continue;
			}
			uint32_t j = i + 1;

			while (j < g->nlines && !g->keep[j])
				j++;
			if (j + 1 < g->nlines) {
				g->keep[j] = false;
				if (still(g, fails, ctx, steps)) {
					progress = true;
					continue;
				}
				g->keep[j] = true;
			}
			g->keep[i] = true;
		}
	}
	/* Shorter payloads: halve while it still fails, then drop setups. */
	for (uint32_t i = 0; i < g->nruns; i++) {
		struct run *r = &g->runs[i];

		if (!g->run_keep[i])
			continue;
		while (r->msg.hdr.len) {
			uint16_t len = r->msg.hdr.len;

			r->msg.hdr.len = len / 2;
			if (!still(g, fails, ctx, steps)) {
				r->msg.hdr.len = len;
				break;
			}
		}
		while (r->nsetup) {
			r->nsetup--;
			if (!still(g, fails, ctx, steps)) {
				r->nsetup++;
				break;
			}
		}
	}
	return rc_gen_case(g, NULL, 0);
}
