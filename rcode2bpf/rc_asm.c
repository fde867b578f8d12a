// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_asm.c - the R-code assembler: handler.r text to struct rc_prog.
 *
 * Two passes.  The first reads every line, records directives, labels and
 * instructions with their source positions and assigns pcs (push64 takes two
 * slots).  The second resolves operands, now that every label, constant,
 * state group and window is known, and encodes.  The assembler judges only
 * syntax and names; whether the program is safe is the verifier's question
 * (rc_verify.c), so ranges such as "local 0..15" are left to it.
 *
 * Besides the mnemonics of rc_opcodes.def the assembler accepts
 *	.insn OP, A, RSVD, IMM
 * which places one raw instruction slot.  The disassembler prints it for
 * slots that are not a valid instruction, so even an unverified binary
 * survives a disassemble/assemble round trip.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "rcode.h"

/* One instruction line waiting for pass 2. */
struct pending {
	const struct rc_opinfo *op;	/* NULL for .insn */
	uint32_t pc, line, col;
	uint32_t cline, ccol;		/* last .loc position; 0 when none */
	char *operand;			/* NULL when none */
	uint32_t operand_col;
};

struct label {
	char name[RC_NAME_MAX];
	uint32_t pc, line;
};

struct constant {
	char name[RC_NAME_MAX];
	uint64_t value;
};

struct asm_ctx {
	const char *path;
	struct rc_prog *prog;
	struct rc_diags *d;
	struct pending *ins;
	size_t nins, cap;
	struct label *labels;
	size_t nlabels, labcap;
	struct constant *consts;
	size_t nconsts, constcap;
	uint32_t pc;
	bool too_big, have_handler, have_portal, have_budget;
	uint32_t line;			/* current line, for errors */
	/* .loc FILE LINE COL: where the following instructions came from in
	 * the file a front end compiled (rcc's C source).  One file per
	 * program, since struct rc_prog keeps one source. */
	char *loc_file;
	uint32_t loc_line, loc_col;
};

#define asm_error(c, col, ...)                                              \
	rc_diag_src((c)->d, RC_SEV_ERROR, (c)->path, (c)->prog->src, (c)->line, \
		    (col), __VA_ARGS__)

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	return realloc(v, *cap * size);
}

struct rc_source *rc_source_new(const char *path, const char *text)
{
	struct rc_source *s = calloc(1, sizeof(*s));
	uint32_t n = 1;

	if (!s)
		return NULL;
	s->path = strdup(path);
	s->text = strdup(text);
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	s->line_start = calloc(n, sizeof(*s->line_start));
	if (!s->path || !s->text || !s->line_start) {
		free(s->path);
		free(s->text);
		free(s->line_start);
		free(s);
		return NULL;
	}
	s->nlines = 0;
	s->line_start[s->nlines++] = 0;
	for (const char *p = s->text; *p; p++)
		if (*p == '\n' && p[1])
			s->line_start[s->nlines++] = p + 1 - s->text;
	return s;
}

static bool is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* A valid name: identifier of at most RC_NAME_MAX-1 characters. */
static bool check_name(struct asm_ctx *c, const char *s, uint32_t col,
		       const char *what)
{
	size_t n = strlen(s);

	if (!n || !is_ident_start((unsigned char)s[0])) {
		asm_error(c, col, "%s '%s' is not a name (letters, digits, '_')",
			  what, s);
		return false;
	}
	for (size_t i = 1; i < n; i++) {
		if (!is_ident((unsigned char)s[i])) {
			asm_error(c, col + i, "unexpected '%c' in %s '%s'",
				  s[i], what, s);
			return false;
		}
	}
	if (n >= RC_NAME_MAX) {
		asm_error(c, col, "%s '%s' is longer than %d characters", what,
			  s, RC_NAME_MAX - 1);
		return false;
	}
	return true;
}

static struct constant *find_const(struct asm_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nconsts; i++)
		if (!strcmp(c->consts[i].name, name))
			return &c->consts[i];
	return NULL;
}

static struct label *find_label(struct asm_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nlabels; i++)
		if (!strcmp(c->labels[i].name, name))
			return &c->labels[i];
	return NULL;
}

/* Constants, state groups and windows share one namespace. */
static bool name_taken(struct asm_ctx *c, const char *name, uint32_t col)
{
	const char *kind = NULL;

	if (find_const(c, name))
		kind = "constant";
	else if (rc_prog_sym_offset(c->prog, name) >= 0)
		kind = "state group";
	else if (rc_prog_window_index(c->prog, name) >= 0)
		kind = "window";
	if (kind)
		asm_error(c, col, "'%s' is already defined as a %s", name, kind);
	return kind != NULL;
}

/* A number or a constant's name. */
static bool value_of(struct asm_ctx *c, const char *s, uint32_t col,
		     uint64_t *v, bool *neg)
{
	struct constant *k;

	if (is_ident_start((unsigned char)s[0])) {
		k = find_const(c, s);
		if (!k) {
			asm_error(c, col, "unknown constant '%s'", s);
			return false;
		}
		*v = k->value;
		*neg = (int64_t)k->value < 0;
		return true;
	}
	if (!rc_parse_number(s, v, neg)) {
		asm_error(c, col, "'%s' is not a number", s);
		return false;
	}
	return true;
}

/* A value that must fit imm's signed 32 bits. */
static bool imm32_of(struct asm_ctx *c, const char *s, uint32_t col,
		     int32_t *imm, const char *hint)
{
	uint64_t v;
	bool neg;

	if (!value_of(c, s, col, &v, &neg))
		return false;
	if ((int64_t)v < INT32_MIN || (int64_t)v > INT32_MAX ||
	    (!neg && v > INT32_MAX)) {
		asm_error(c, col, "%s does not fit in a signed 32-bit immediate%s",
			  s, hint);
		return false;
	}
	*imm = (int32_t)v;
	return true;
}

/* Split "name+K" into name and K (K defaults to 0). */
static bool split_offset(struct asm_ctx *c, char *s, uint32_t col,
			 int32_t *k)
{
	char *plus = strchr(s, '+');

	*k = 0;
	if (!plus)
		return true;
	*plus = '\0';
	return imm32_of(c, plus + 1, col + (plus + 1 - s), k, "");
}

static void encode_operand(struct asm_ctx *c, struct pending *p)
{
	struct rc_insn *insn = &c->prog->insns[p->pc];
	char *s = p->operand;
	uint32_t col = p->operand_col;
	int32_t k;
	int idx;

	switch (p->op->operand) {
	case RC_OPND_NONE:
		break;
	case RC_OPND_IMM:
		imm32_of(c, s, col, &insn->imm, "; use push64");
		break;
	case RC_OPND_IMM64: {
		uint64_t v;
		bool neg;

		if (value_of(c, s, col, &v, &neg)) {
			insn[0].imm = (int32_t)(uint32_t)v;
			insn[1].imm = (int32_t)(uint32_t)(v >> 32);
		}
		break;
	}
	case RC_OPND_DEPTH:
	case RC_OPND_LOCAL:
	case RC_OPND_POFF:
		imm32_of(c, s, col, &insn->imm, "");
		break;
	case RC_OPND_LABEL: {
		struct label *l = find_label(c, s);

		if (!l)
			asm_error(c, col, "unknown label '%s'", s);
		else
			insn->imm = (int32_t)l->pc - (int32_t)(p->pc + 1);
		break;
	}
	case RC_OPND_FIELD:
		idx = rc_field_by_name(s);
		if (idx < 0)
			asm_error(c, col, "unknown header field '%s' (expected src, "
				  "dst, portal, tag, seq or len)", s);
		else
			insn->imm = idx;
		break;
	case RC_OPND_SLOT:
		if (!is_ident_start((unsigned char)s[0]) || find_const(c, s)) {
			imm32_of(c, s, col, &insn->imm, "");
			break;
		}
		if (!split_offset(c, s, col, &k))
			break;
		idx = rc_prog_sym_offset(c->prog, s);
		if (idx < 0)
			asm_error(c, col, "unknown state name '%s'", s);
		else
			insn->imm = idx + k;
		break;
	case RC_OPND_WIN:
		if (!split_offset(c, s, col, &k))
			break;
		idx = rc_prog_window_index(c->prog, s);
		if (idx < 0) {
			asm_error(c, col, "unknown window '%s'", s);
			break;
		}
		insn->a = idx;
		insn->imm = k;
		break;
	}
}

/* .insn OP, A, RSVD, IMM: one raw slot. */
static void encode_raw(struct asm_ctx *c, struct pending *p)
{
	struct rc_insn *insn = &c->prog->insns[p->pc];
	uint64_t f[4];
	char *s = p->operand, *tok;
	int n = 0;

	while ((tok = strsep(&s, ",")) != NULL) {
		bool neg;

		while (isspace((unsigned char)*tok))
			tok++;
		for (char *e = tok + strlen(tok); e > tok && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (n == 4 || !rc_parse_number(tok, &f[n], &neg)) {
			asm_error(c, p->operand_col, ".insn takes OP, A, RSVD, IMM");
			return;
		}
		n++;
	}
	if (n != 4 || f[0] > 0xff || f[1] > 0xff || f[2] > 0xffff ||
	    ((int64_t)f[3] < INT32_MIN || (int64_t)f[3] > INT32_MAX)) {
		asm_error(c, p->operand_col,
			  ".insn takes OP (0..255), A (0..255), RSVD (0..65535), IMM (32-bit)");
		return;
	}
	insn->op = f[0];
	insn->a = f[1];
	insn->rsvd = f[2];
	insn->imm = (int32_t)f[3];
}

/* Edit distance, for "did you mean" on misspelled mnemonics. */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[32];

	if (la >= 31 || lb >= 31)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static void unknown_mnemonic(struct asm_ctx *c, const char *m, uint32_t col)
{
	const struct rc_opinfo *best = NULL;
	int bd = 3;

	for (const struct rc_opinfo *o = rc_optable; o->name; o++) {
		int dd = distance(m, o->name);

		if (dd < bd) {
			bd = dd;
			best = o;
		}
	}
	if (best)
		asm_error(c, col, "unknown instruction '%s'; did you mean '%s'?",
			  m, best->name);
	else
		asm_error(c, col, "unknown instruction '%s'", m);
}

/* Split a line into at most 3 whitespace-separated words with columns. */
struct words {
	int n;
	char *w[4];
	uint32_t col[4];
};

static void split_words(char *s, uint32_t base_col, struct words *w,
			bool keep_rest)
{
	char *p = s;

	w->n = 0;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		w->w[w->n] = p;
		w->col[w->n] = base_col + (p - s);
		if (w->n == 3 || (keep_rest && w->n == 1)) {
			/* The rest of the line as one word (for .insn). */
			char *e = p + strlen(p);

			while (e > p && isspace((unsigned char)e[-1]))
				*--e = '\0';
			w->n++;
			return;
		}
		w->n++;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

/* The language's ranges, as errors name them (rcode.h's limits). */
#define RC_STR_(x)	#x
#define RC_STR(x)	RC_STR_(x)
#define RC_PORTAL_RANGE	"0..255"
#define RC_BUDGET_RANGE	"1.." RC_STR(RC_BUDGET_MAX)
#define RC_STATE_RANGE	"1.." RC_STR(RC_STATE_MAX)
#define RC_WINDOW_RANGE	"1.." RC_STR(RC_WINDOW_WORDS_MAX)
_Static_assert(RC_PORTALS == 256, "RC_PORTAL_RANGE names 0..255");

/* A directive's number: at most max to be stored; the error names the
 * language's range (range, e.g. "1..65536"), which the verifier checks. */
static bool directive_number(struct asm_ctx *c, struct words *w, int i,
			     uint64_t max, const char *range, uint32_t *out)
{
	uint64_t v;
	bool neg;

	if (!value_of(c, w->w[i], w->col[i], &v, &neg))
		return false;
	if (neg || v > max) {
		asm_error(c, w->col[i], "%s %s is out of range (%s)", w->w[0],
			  w->w[i], range);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static void directive_loc(struct asm_ctx *c, struct words *w)
{
	uint32_t line, col;

	if (!directive_number(c, w, 2, UINT32_MAX, "0..4294967295", &line) ||
	    !directive_number(c, w, 3, UINT32_MAX, "0..4294967295", &col))
		return;
	if (c->loc_file && strcmp(c->loc_file, w->w[1])) {
		asm_error(c, w->col[1], ".loc names '%s' after '%s': one source "
			  "file per program", w->w[1], c->loc_file);
		return;
	}
	if (!c->loc_file)
		c->loc_file = strdup(w->w[1]);
	c->loc_line = line;
	c->loc_col = col;
}

static void directive(struct asm_ctx *c, struct words *w)
{
	const char *d = w->w[0];
	struct rc_prog *p = c->prog;
	int need = -1;
	uint32_t v;

	if (!strcmp(d, ".handler") || !strcmp(d, ".portal") ||
	    !strcmp(d, ".budget") || !strcmp(d, ".window") ||
	    !strcmp(d, ".const"))
		need = !strcmp(d, ".window") || !strcmp(d, ".const") ? 3 : 2;
	else if (!strcmp(d, ".state"))
		need = w->n == 3 ? 3 : 2;
	else if (!strcmp(d, ".loc"))
		need = 4;
	if (need < 0) {
		asm_error(c, w->col[0], "unknown directive '%s' (expected .handler, "
			  ".portal, .budget, .state, .window, .const or .loc)", d);
		return;
	}
	if (w->n != need) {
		static const char *const usage[][2] = {
			{ ".handler", "NAME" }, { ".portal", "N" },
			{ ".budget", "N" }, { ".state", "NAME [WORDS]" },
			{ ".window", "NAME WORDS" }, { ".const", "NAME VALUE" },
			{ ".loc", "FILE LINE COL" },
		};
		const char *u = "";

		for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++)
			if (!strcmp(usage[i][0], d))
				u = usage[i][1];
		asm_error(c, w->n > need ? w->col[need] : w->col[0],
			  "%s takes %s", d, u);
		return;
	}
	if (!strcmp(d, ".loc")) {
		directive_loc(c, w);
		return;
	}
	if (!strcmp(d, ".handler")) {
		if (c->have_handler) {
			asm_error(c, w->col[0], ".handler given twice");
			return;
		}
		c->have_handler = true;
		if (check_name(c, w->w[1], w->col[1], "handler name"))
			strcpy(p->name, w->w[1]);
	} else if (!strcmp(d, ".portal")) {
		if (c->have_portal)
			asm_error(c, w->col[0], ".portal given twice");
		else if (directive_number(c, w, 1, UINT32_MAX, RC_PORTAL_RANGE, &v))
			p->portal = v;
		c->have_portal = true;
	} else if (!strcmp(d, ".budget")) {
		if (c->have_budget)
			asm_error(c, w->col[0], ".budget given twice");
		else if (directive_number(c, w, 1, UINT32_MAX, RC_BUDGET_RANGE, &v))
			p->budget = v;
		c->have_budget = true;
	} else if (!strcmp(d, ".state")) {
		v = 1;
		if (!check_name(c, w->w[1], w->col[1], "state name") ||
		    name_taken(c, w->w[1], w->col[1]))
			return;
		if (w->n == 3 && !directive_number(c, w, 2, RC_STATE_MAX,
						   RC_STATE_RANGE, &v))
			return;
		if (!v) {
			asm_error(c, w->col[2], "a state group needs at least one word");
			return;
		}
		if (p->state_words + v > RC_STATE_MAX) {
			asm_error(c, w->col[0], "the data area would exceed %d words",
				  RC_STATE_MAX);
			return;
		}
		if (p->nsyms == RC_SYMBOLS_MAX) {
			asm_error(c, w->col[0], "more than %d state groups",
				  RC_SYMBOLS_MAX);
			return;
		}
		strcpy(p->syms[p->nsyms].name, w->w[1]);
		p->syms[p->nsyms++].words = v;
		p->state_words += v;
	} else if (!strcmp(d, ".window")) {
		if (!check_name(c, w->w[1], w->col[1], "window name") ||
		    name_taken(c, w->w[1], w->col[1]) ||
		    !directive_number(c, w, 2, UINT32_MAX, RC_WINDOW_RANGE, &v))
			return;
		if (!v || v > RC_WINDOW_WORDS_MAX) {
			asm_error(c, w->col[2], "a window has 1 to %d words",
				  RC_WINDOW_WORDS_MAX);
			return;
		}
		if (p->nwindows == RC_WINDOWS_MAX) {
			asm_error(c, w->col[0], "more than %d windows",
				  RC_WINDOWS_MAX);
			return;
		}
		strcpy(p->windows[p->nwindows].name, w->w[1]);
		p->windows[p->nwindows++].words = v;
	} else {
		uint64_t val;
		bool neg;

		if (!check_name(c, w->w[1], w->col[1], "constant name") ||
		    name_taken(c, w->w[1], w->col[1]) ||
		    !value_of(c, w->w[2], w->col[2], &val, &neg))
			return;
		c->consts = grow(c->consts, &c->constcap, c->nconsts,
				 sizeof(*c->consts));
		strcpy(c->consts[c->nconsts].name, w->w[1]);
		c->consts[c->nconsts++].value = val;
	}
}

static void instruction(struct asm_ctx *c, struct words *w)
{
	const struct rc_opinfo *op = NULL;
	bool raw = !strcmp(w->w[0], ".insn");
	unsigned int slots = 1;
	struct pending *p;

	if (!raw) {
		op = rc_opinfo_by_name(w->w[0]);
		if (!op) {
			unknown_mnemonic(c, w->w[0], w->col[0]);
			return;
		}
		if (op->operand == RC_OPND_NONE && w->n > 1) {
			asm_error(c, w->col[1], "'%s' takes no operand", op->name);
			return;
		}
		if (op->operand != RC_OPND_NONE && w->n != 2) {
			asm_error(c, w->n > 2 ? w->col[2] : w->col[0],
				  w->n > 2 ? "'%s' takes one operand" :
					     "'%s' needs an operand", op->name);
			return;
		}
		slots = (op->flags & RC_F_WIDE) ? 2 : 1;
	} else if (w->n != 2) {
		asm_error(c, w->col[0], ".insn takes OP, A, RSVD, IMM");
		return;
	}
	if (c->pc + slots > RC_CODE_MAX) {
		if (!c->too_big)
			asm_error(c, w->col[0], "program too large: more than %d "
				  "instruction slots", RC_CODE_MAX);
		c->too_big = true;
		return;
	}
	c->ins = grow(c->ins, &c->cap, c->nins, sizeof(*c->ins));
	p = &c->ins[c->nins++];
	p->op = op;
	p->pc = c->pc;
	p->line = c->line;
	p->col = w->col[0];
	p->cline = c->loc_line;
	p->ccol = c->loc_col;
	p->operand = w->n > 1 ? strdup(w->w[1]) : NULL;
	p->operand_col = w->n > 1 ? w->col[1] : 0;
	c->pc += slots;
}

static void label(struct asm_ctx *c, char *name, uint32_t col)
{
	struct label *l;

	if (!check_name(c, name, col, "label"))
		return;
	l = find_label(c, name);
	if (l) {
		asm_error(c, col, "label '%s' already defined on line %u", name,
			  l->line);
		return;
	}
	c->labels = grow(c->labels, &c->labcap, c->nlabels, sizeof(*c->labels));
	l = &c->labels[c->nlabels++];
	strcpy(l->name, name);
	l->pc = c->pc;
	l->line = c->line;
}

/* Pass 1 over one line (modified in place). */
static void parse_line(struct asm_ctx *c, char *s)
{
	char *semi = strchr(s, ';'), *p = s, *colon, *cr = strchr(s, '\r');
	struct words w;
	bool raw;

	if (semi)
		*semi = '\0';
	if (cr)		/* CRLF files */
		*cr = '\0';
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return;
	/* "name:" at the start of a line is a label. */
	colon = p;
	while (is_ident((unsigned char)*colon))
		colon++;
	if (*colon == ':' && colon > p) {
		*colon = '\0';
		label(c, p, p - s + 1);
		p = colon + 1;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return;
	}
	raw = !strncmp(p, ".insn", 5) && (!p[5] || isspace((unsigned char)p[5]));
	split_words(p, p - s + 1, &w, raw);
	if (w.w[0][0] == '.' && strcmp(w.w[0], ".insn"))
		directive(c, &w);
	else
		instruction(c, &w);
}

/* Pass 2 finds some errors after pass 1 found later ones: present them in
 * source order, as a reader scans the file (insertion sort is stable). */
static void sort_by_position(struct rc_diags *d, size_t from)
{
	for (size_t i = from + 1; i < d->n; i++) {
		struct rc_diag g = d->v[i];
		size_t j = i;

		while (j > from && (d->v[j - 1].line > g.line ||
				    (d->v[j - 1].line == g.line &&
				     d->v[j - 1].col > g.col))) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = g;
	}
}

/* After a clean assembly of text with .loc lines, the program's positions
 * and source become the compiled file's, so that the verifier, faults and
 * traces name its lines.  Instructions before the first .loc get line 0
 * (shown by pc).  If that file cannot be read the positions stay, without
 * source text under them. */
static void use_loc_file(struct asm_ctx *c)
{
	struct rc_prog *prog = c->prog;
	FILE *f = fopen(c->loc_file, "r");
	char *text = NULL;
	long n = -1;

	for (size_t i = 0; i < c->nins; i++) {
		struct pending *p = &c->ins[i];

		prog->loc[p->pc].line = p->cline;
		prog->loc[p->pc].col = p->ccol;
		if (p->op && (p->op->flags & RC_F_WIDE))
			prog->loc[p->pc + 1] = prog->loc[p->pc];
	}
	snprintf(prog->origin, sizeof(prog->origin), "%s", c->loc_file);
	free(prog->src->path);
	free(prog->src->text);
	free(prog->src->line_start);
	free(prog->src);
	prog->src = NULL;
	if (!f)
		return;
	if (!fseek(f, 0, SEEK_END))
		n = ftell(f);
	if (n >= 0 && !fseek(f, 0, SEEK_SET))
		text = malloc(n + 1);
	if (text && fread(text, 1, n, f) == (size_t)n) {
		text[n] = '\0';
		prog->src = rc_source_new(c->loc_file, text);
	}
	fclose(f);
	free(text);
}

int rc_asm(const char *path, const char *text, struct rc_prog *prog,
	   struct rc_diags *d)
{
	struct asm_ctx c = { .path = path, .prog = prog, .d = d };
	size_t errors_before = d->nerrors, first = d->n;
	char *copy, *line, *save;

	/* A reused program object may still hold an earlier file's text. */
	if (prog->src) {
		free(prog->src->path);
		free(prog->src->text);
		free(prog->src->line_start);
		free(prog->src);
	}
	free(prog->loc);
	memset(prog, 0, sizeof(*prog));
	prog->budget = RC_BUDGET_DEFAULT;
	snprintf(prog->origin, sizeof(prog->origin), "%s", path);
	prog->src = rc_source_new(path, text);
	prog->loc = calloc(RC_CODE_MAX, sizeof(*prog->loc));
	copy = strdup(text);
	if (!prog->src || !prog->loc || !copy) {
		free(copy);
		return -ENOMEM;
	}

	/* Pass 1: strsep keeps empty lines, so line numbers stay right. */
	save = copy;
	while ((line = strsep(&save, "\n")) != NULL) {
		c.line++;
		parse_line(&c, line);
	}
	c.line = 1;
	if (!c.have_handler)
		asm_error(&c, 1, "missing '.handler NAME' directive");

	/* Pass 2. */
	prog->ninsns = c.pc;
	for (size_t i = 0; i < c.nins; i++) {
		struct pending *p = &c.ins[i];

		c.line = p->line;
		prog->loc[p->pc].line = p->line;
		prog->loc[p->pc].col = p->col;
		if (!p->op) {
			encode_raw(&c, p);
			continue;
		}
		prog->insns[p->pc].op = p->op->code;
		if (p->op->flags & RC_F_WIDE) {
			prog->loc[p->pc + 1] = prog->loc[p->pc];
			prog->insns[p->pc + 1].op = 0;
		}
		encode_operand(&c, p);
	}
	if (c.loc_file && d->nerrors == errors_before)
		use_loc_file(&c);

	for (size_t i = 0; i < c.nins; i++)
		free(c.ins[i].operand);
	free(c.ins);
	free(c.labels);
	free(c.consts);
	free(c.loc_file);
	free(copy);
	sort_by_position(d, first);
	return d->nerrors > errors_before ? -EINVAL : 0;
}
