// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_rcc_diff.c - semantic differential of the C front end: random C,
 * compiled by gcc natively and by rcc for the reference interpreter, must
 * agree bit for bit.
 *
 * A seeded generator writes NHANDLERS handlers.  Each loads six locals of
 * random integer types (every width, signed and unsigned) from the
 * payload (also _Bool and plain char), stores NEXPR random expressions (arithmetic, division and
 * modulo, shifts, comparisons, logic, casts, ?:, calls of an inlined
 * function) as 64-bit words, then runs random statements (compound
 * assignments, ++/--, if/else, for, while, do, switch with fall-through)
 * and stores the locals.  gcc compiles them all at once against rcode.h's
 * native builtins (-fwrapv: R-code wraps, so C's signed overflow is taken
 * to wrap too); each is run on NINPUTS seeded inputs and the payload it
 * leaves is compared with what rc_run() leaves for rcc's code.
 *
 * What C leaves undefined is kept out by construction, not by luck:
 * divisors are guarded against 0 and -1 (INT_MIN / -1 traps natively),
 * shift counts are masked below the promoted width.
 *
 *   test_rcc_diff [SEED]     (default seed 1; the seed is printed)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rc_diag.h"
#include "rc_rcc.h"
#include "rc_test.h"

#define NHANDLERS	40
#define NEXPR		25
#define NINPUTS		10
#define NVARS		6
#define IN_BYTES	(NVARS * 8)
#define OUT_WORDS	(NEXPR + NVARS)
#define PAYLOAD_LEN	(IN_BYTES + OUT_WORDS * 8)

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned int pick(unsigned int n)
{
	return rnd() % n;
}

struct ty {
	const char *name;
	unsigned int w;
	bool sgn;
};

static const struct ty types[] = {
	{ "int8_t", 8, true }, { "uint8_t", 8, false },
	{ "int16_t", 16, true }, { "uint16_t", 16, false },
	{ "int32_t", 32, true }, { "uint32_t", 32, false },
	{ "int64_t", 64, true }, { "uint64_t", 64, false },
	{ "_Bool", 1, false }, { "char", 8, true },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

struct buf {
	char *s;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3)))
static void bp(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->n + need + 1 > b->cap) {
		b->cap = (b->n + need + 1) * 2;
		b->s = realloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, need + 1, fmt, ap);
	va_end(ap);
	b->n += need;
}

/* The promoted width of an expression's type is what a shift count must
 * stay below; the generator tracks it coarsely: 64 if any 64-bit type is
 * involved, else 32. */
struct gx {
	unsigned int w;
};

static unsigned int var_w[NVARS];
static unsigned int f_w;	/* promoted width of h<N>_f's result */

static void constant(struct buf *b, struct gx *g)
{
	static const char *const suf[] = { "", "u", "L", "UL" };
	unsigned int s = pick(4);
	uint64_t v;

	switch (pick(5)) {
	case 0: v = pick(8); break;
	case 1: v = 0x7fffffff; break;
	case 2: v = pick(256); break;
	case 3: v = (uint32_t)rnd(); break;
	default: v = rnd() & 0x7fffffffffffffffull; break;
	}
	if (v > 0xffffffffu && s < 2)
		s += 2;
	if (v > 0x7fffffff && s == 0)
		s = 1;
	g->w = s >= 2 || v > 0xffffffffu ? 64 : 32;
	if (pick(4) == 0) {
		const struct ty *t = &types[pick(NTYPES)];

		bp(b, "(%s)%llu%s", t->name, (unsigned long long)v, suf[s]);
		g->w = t->w == 64 ? 64 : 32;
	} else {
		bp(b, "%llu%s", (unsigned long long)v, suf[s]);
	}
}

static void expr(struct buf *b, int depth, struct gx *g, int h);

static void leaf(struct buf *b, struct gx *g)
{
	if (pick(3)) {
		unsigned int v = pick(NVARS);

		bp(b, "v%u", v);
		g->w = var_w[v];
	} else {
		constant(b, g);
	}
}

static void expr(struct buf *b, int depth, struct gx *g, int h)
{
	static const char *const arith[] = { "+", "-", "*", "&", "|", "^" };
	static const char *const cmp[] = { "<", "<=", ">", ">=", "==", "!=" };
	struct gx a, c;
	struct buf t = { 0 };

	if (depth == 0) {
		leaf(b, g);
		return;
	}
	switch (pick(12)) {
	case 0: case 1: case 2:
		bp(b, "(");
		expr(b, depth - 1, &a, h);
		bp(b, " %s ", arith[pick(6)]);
		expr(b, depth - 1, &c, h);
		bp(b, ")");
		g->w = a.w > c.w ? a.w : c.w;
		break;
	case 3: {	/* a / d or a % d with d never 0 or -1 */
		expr(&t, depth - 1, &c, h);
		bp(b, "(");
		expr(b, depth - 1, &a, h);
		bp(b, " %s ((%s) == 0 || (%s) == -1 ? 3 : (%s)))",
		   pick(2) ? "/" : "%", t.s, t.s, t.s);
		g->w = a.w > c.w ? a.w : c.w;
		break;
	}
	case 4:		/* shifts below the promoted width */
		bp(b, "(");
		expr(b, depth - 1, &a, h);
		bp(b, " %s (", pick(2) ? "<<" : ">>");
		expr(b, depth - 1, &c, h);
		bp(b, " & %u))", a.w - 1);
		g->w = a.w;
		break;
	case 5:
		bp(b, "(");
		expr(b, depth - 1, &a, h);
		bp(b, " %s ", cmp[pick(6)]);
		expr(b, depth - 1, &c, h);
		bp(b, ")");
		g->w = 32;
		break;
	case 6:
		bp(b, "(");
		expr(b, depth - 1, &a, h);
		bp(b, " %s ", pick(2) ? "&&" : "||");
		expr(b, depth - 1, &c, h);
		bp(b, ")");
		g->w = 32;
		break;
	case 7: {
		static const char *const un[] = { "-", "~", "!" };
		unsigned int u = pick(3);

		bp(b, "%s(", un[u]);
		expr(b, depth - 1, &a, h);
		bp(b, ")");
		g->w = u == 2 ? 32 : a.w;
		break;
	}
	case 8: {
		const struct ty *ty = &types[pick(NTYPES)];

		bp(b, "((%s)", ty->name);
		expr(b, depth - 1, &a, h);
		bp(b, ")");
		g->w = ty->w == 64 ? 64 : 32;
		break;
	}
	case 9:
		bp(b, "(");
		expr(b, depth - 1, &c, h);
		bp(b, " ? ");
		expr(b, depth - 1, &a, h);
		bp(b, " : ");
		expr(b, depth - 1, &c, h);
		bp(b, ")");
		g->w = a.w > c.w ? a.w : c.w;
		break;
	case 10:
		bp(b, "h%d_f(", h);
		expr(b, depth - 1, &a, h);
		bp(b, ", ");
		expr(b, depth - 1, &c, h);
		bp(b, ")");
		g->w = f_w;
		break;
	default:
		leaf(b, g);
		break;
	}
	free(t.s);
}

static void stmt(struct buf *b, int h, int depth)
{
	static const char *const ops[] = { "+=", "-=", "*=", "&=", "|=", "^=" };
	static const char *const incdec[] = { "v%u++;", "v%u--;", "++v%u;", "--v%u;" };
	unsigned int v = pick(NVARS), u = pick(NVARS), k;
	struct gx g;
	struct buf t = { 0 };

	switch (pick(depth ? 9 : 6)) {
	case 0: case 1:
		bp(b, "\tv%u %s ", v, ops[pick(6)]);
		expr(b, 2, &g, h);
		bp(b, ";\n");
		break;
	case 2:
		expr(&t, 1, &g, h);
		bp(b, "\tv%u %s ((%s) == 0 || (%s) == -1 ? 5 : (%s));\n", v,
		   pick(2) ? "/=" : "%=", t.s, t.s, t.s);
		break;
	case 3:
		bp(b, "\tv%u %s (", v, pick(2) ? "<<=" : ">>=");
		expr(b, 1, &g, h);
		bp(b, ") & %u;\n", (var_w[v] < 32 ? 32 : var_w[v]) - 1);
		break;
	case 4:
		bp(b, "\t");
		bp(b, incdec[pick(4)], v);
		bp(b, "\n");
		break;
	case 5:
		bp(b, "\tv%u = ", v);
		expr(b, 3, &g, h);
		bp(b, ";\n");
		break;
	case 6:
		bp(b, "\tif (");
		expr(b, 2, &g, h);
		bp(b, ") {\n");
		stmt(b, h, depth - 1);
		bp(b, "\t} else {\n");
		stmt(b, h, depth - 1);
		bp(b, "\t}\n");
		break;
	case 7:
		k = pick(3);
		if (k == 0)
			bp(b, "\tfor (int i%d = 0; i%d < (int)(v%u & 7); i%d++) {\n"
			   "\t\tv%u += i%d;\n", depth, depth, u, depth, v, depth);
		else if (k == 1)
			bp(b, "\t{ int n%d = 0; while (n%d++ < (int)(v%u & 3)) {\n",
			   depth, depth, u);
		else
			bp(b, "\t{ int n%d = 0; do {\n", depth);
		stmt(b, h, depth - 1);
		if (pick(3) == 0)
			bp(b, "\t\tif (v%u & 1) continue;\n", v);
		if (pick(3) == 0)
			bp(b, "\t\tif ((v%u & 3) == 2) break;\n", u);
		bp(b, "\t\tv%u ^= 5;\n", u);
		if (k == 0)
			bp(b, "\t}\n");
		else if (k == 1)
			bp(b, "\t} }\n");
		else
			bp(b, "\t} while (n%d++ < (int)(v%u & 3)); }\n", depth, u);
		break;
	default:
		bp(b, "\tswitch ((int)(v%u & 3)) {\n\tcase 0:\n", u);
		stmt(b, h, depth - 1);
		bp(b, "\t\tbreak;\n\tcase 1:\n");
		stmt(b, h, depth - 1);
		bp(b, "\tcase 3:\n\t\tv%u++;\n\t\tbreak;\n\tdefault:\n", v);
		stmt(b, h, depth - 1);
		bp(b, "\t}\n");
		break;
	}
	free(t.s);
}

/* One handler: h<N> in dir/h<N>.c. */
static void handler(struct buf *b, int h)
{
	const struct ty *rt = &types[pick(NTYPES)], *t1 = &types[pick(NTYPES)],
			*t2 = &types[pick(NTYPES)];
	struct gx g;

	f_w = rt->w == 64 ? 64 : 32;
	bp(b, "// SPDX-License-Identifier: BSD-2-Clause\n"
	   "/* generated by test_rcc_diff */\n#include <rcode.h>\n\n");
	bp(b, "static inline %s h%d_f(%s a, %s b)\n{\n\t%s r = a;\n\n"
	   "\tif (b & 1)\n\t\tr += b;\n\telse\n\t\tr -= (%s)(a * 5);\n"
	   "\treturn r;\n}\n\n", rt->name, h, t1->name, t2->name, rt->name,
	   rt->name);
	bp(b, "RC_HANDLER(h%d, 1, 65536)\n{\n", h);
	for (int v = 0; v < NVARS; v++) {
		const struct ty *t = &types[pick(NTYPES)];

		var_w[v] = t->w == 64 ? 64 : 32;
		bp(b, "\t%s v%d = (%s)rc_ld64(%d);\n", t->name, v, t->name, v * 8);
	}
	for (int e = 0; e < NEXPR; e++) {
		bp(b, "\trc_st64(%d, (uint64_t)(", IN_BYTES + e * 8);
		expr(b, 1 + pick(3), &g, h);
		bp(b, "));\n");
	}
	for (int s = 0; s < 8; s++)
		stmt(b, h, 2);
	for (int v = 0; v < NVARS; v++)
		bp(b, "\trc_st64(%d, (uint64_t)v%d);\n",
		   IN_BYTES + (NEXPR + v) * 8, v);
	bp(b, "\treturn RC_PASS;\n}\n");
}

static uint64_t input_word(void)
{
	static const uint64_t edge[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffff,
		0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe,
	};

	switch (pick(4)) {
	case 0: return edge[pick(sizeof(edge) / sizeof(edge[0]))];
	case 1: return pick(10);
	case 2: return -(uint64_t)pick(10);
	default: return rnd();
	}
}

static uint64_t inputs[NHANDLERS][NINPUTS][NVARS];

int main(int argc, char **argv)
{
	const char *rcc = rc_rcc_path(argv[0]);
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	char dir[] = "/tmp/rcc_diff_XXXXXX", path[512], what[256];
	struct buf all = { 0 };
	char *native_out = NULL, *line;
	long cases = 0, bad = 0;

	if (!rcc) {
		printf("SKIP: rcc differential: rcc not built (needs "
		       "libclang-19-dev)\n");
		return 0;
	}
	if (!mkdtemp(dir)) {
		TEST_FAIL("rcc differential", "mkdtemp failed");
		return 1;
	}
	printf("# seed %llu, %d handlers of %d expressions and %d locals, "
	       "%d inputs each, in %s\n", (unsigned long long)seed, NHANDLERS,
	       NEXPR, NVARS, NINPUTS, dir);
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	bp(&all, "#include <stdio.h>\n#include <rcode.h>\n"
	   "struct rc_native rc_nat;\n");
	for (int h = 0; h < NHANDLERS; h++) {
		struct buf b = { 0 };

		handler(&b, h);
		snprintf(path, sizeof(path), "%s/h%d.c", dir, h);
		rc_test_write_file(path, b.s);
		free(b.s);
		bp(&all, "#include \"h%d.c\"\n", h);
		for (int j = 0; j < NINPUTS; j++)
			for (int v = 0; v < NVARS; v++)
				inputs[h][j][v] = input_word();
	}
	bp(&all, "static int (*const hs[])(void) = {");
	for (int h = 0; h < NHANDLERS; h++)
		bp(&all, " h%d,", h);
	bp(&all, " };\nstatic const uint64_t in[%d][%d][%d] = {\n", NHANDLERS,
	   NINPUTS, NVARS);
	for (int h = 0; h < NHANDLERS; h++)
		for (int j = 0; j < NINPUTS; j++) {
			bp(&all, "\t[%d][%d] = {", h, j);
			for (int v = 0; v < NVARS; v++)
				bp(&all, " %#llxull,", (unsigned long long)inputs[h][j][v]);
			bp(&all, " },\n");
		}
	bp(&all, "};\nint main(void)\n{\n"
	   "\tfor (int h = 0; h < %d; h++)\n\t\tfor (int j = 0; j < %d; j++) {\n"
	   "\t\t\tuint64_t w;\n\n"
	   "\t\t\tmemset(&rc_nat, 0, sizeof(rc_nat));\n"
	   "\t\t\trc_nat.len = %d;\n"
	   "\t\t\tmemcpy(rc_nat.payload, in[h][j], %d);\n"
	   "\t\t\ths[h]();\n"
	   "\t\t\tfor (int k = 0; k < %d; k++) {\n"
	   "\t\t\t\tmemcpy(&w, rc_nat.payload + %d + 8 * k, 8);\n"
	   "\t\t\t\tprintf(\"%%016llx%%c\", (unsigned long long)w, k == %d ? '\\n' : ' ');\n"
	   "\t\t\t}\n\t\t}\n\treturn 0;\n}\n",
	   NHANDLERS, NINPUTS, PAYLOAD_LEN, IN_BYTES, OUT_WORDS, IN_BYTES,
	   OUT_WORDS - 1);
	snprintf(path, sizeof(path), "%s/native.c", dir);
	rc_test_write_file(path, all.s);
	free(all.s);
	if (rc_test_sh("gcc -std=gnu11 -O1 -fwrapv -w -Ircc/include -o %s/native "
		       "%s/native.c && %s/native >%s/native.out", dir, dir, dir,
		       dir)) {
		TEST_FAIL("rcc differential", "the native build or run failed");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/native.out", dir);
	native_out = rc_test_read_file(path, NULL);
	line = native_out;
	for (int h = 0; h < NHANDLERS && line; h++) {
		struct rc_prog *prog;

		snprintf(path, sizeof(path), "%s/h%d.c", dir, h);
		prog = rc_rcc_prog(rcc, path, "-w");
		if (!prog) {
			snprintf(what, sizeof(what), "rcc compiles %s", path);
			TEST_FAIL(what, "it does not (messages above)");
			bad++;
			for (int j = 0; j < NINPUTS && line; j++)
				line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL;
			continue;
		}
		for (int j = 0; j < NINPUTS && line; j++) {
			struct rc_msg m = { 0 };
			struct rc_env env = { 0 };
			struct rc_result res;
			uint64_t want, got;
			char *p = line;

			m.hdr.version = 1;
			m.hdr.portal = 1;
			m.hdr.len = PAYLOAD_LEN;
			memcpy(m.payload, inputs[h][j], IN_BYTES);
			rc_run(prog, &m, &env, &res);
			for (int k = 0; k < OUT_WORDS; k++) {
				want = strtoull(p, &p, 16);
				memcpy(&got, m.payload + IN_BYTES + 8 * k, 8);
				cases++;
				if (res.fault || got != want) {
					if (bad++ < 10)
						printf("# %s input %d word %d: "
						       "native %016llx, rcc %016llx"
						       "%s%s\n", path, j, k,
						       (unsigned long long)want,
						       (unsigned long long)got,
						       res.fault ? ", fault " : "",
						       res.fault ? rc_fault_name(res.fault) : "");
				}
			}
			line = strchr(line, '\n');
			line = line ? line + 1 : NULL;
		}
		rc_prog_free(prog);
	}
	snprintf(what, sizeof(what), "rcc and gcc agree on %ld values "
		 "(%d handlers x %d inputs x %d words)", cases, NHANDLERS,
		 NINPUTS, OUT_WORDS);
	if (bad)
		TEST_FAIL(what, "%ld differ (first ones above; files kept in %s)",
			  bad, dir);
	else
		TEST_PASS(what);
	ASSERT_TRUE(cases >= 10000, "at least 10000 compared values");
	free(native_out);
	if (!bad)
		rc_test_sh("rm -rf %s", dir);
	return rc_test_exit();
}
