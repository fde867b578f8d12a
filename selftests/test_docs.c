// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_docs.c - the documents against the tables they describe.
 *
 * 1. docs/rcode.md, section 6: every opcode of rc_opcodes.def has exactly
 *    one table row, "| `name OPERAND` | 0xNN | `before -- after` | ... |",
 *    with its code, a stack picture that pops and pushes what the table
 *    says, and a faults column that names a fault exactly when the opcode
 *    may fault.  Every row names a real opcode, so a renamed or retired
 *    one fails too.  A new row in rc_opcodes.def without its prose fails
 *    here.
 * 2. docs/rcode.md, section 2: a row for every fault code and action.
 * 3. docs/xlate.md: its sections, and the frame offsets it states, which
 *    must be xl_internal.h's.
 * 4. docs/userlib.md: every symbol librcode.so exports (the global ones
 *    of userlib/librcode.map) has its prototype in a ```c block, and
 *    every function such a block declares is exported, so a call added
 *    to the library without its documentation fails here, and so does a
 *    renamed or retired one that the document still describes.
 * 5. docs/c-handlers.md: every builtin that rcc/include/rcode.h declares
 *    for rcc (the rc_* functions under __RCC__) is named in it as
 *    `name(, so a builtin added to the header without its row fails.
 *
 * Files are read from $RC_ROOT (the repository), or the current directory.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "rc_test.h"
#include "rcode.h"
#include "xl_internal.h"

static char *read_doc(const char *rel)
{
	const char *root = getenv("RC_ROOT");
	char path[1024];
	char *buf = NULL;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root && *root ? root : ".", rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) != NULL) {
		if (fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

/* The line after p's, or NULL at the end. */
static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p ? p + 1 : NULL;
}

/*
 * The text of the section whose heading line starts with prefix ("## 6."),
 * up to the next heading of the same level; a malloc'd copy, or NULL.
 */
static char *section(const char *doc, const char *prefix)
{
	const char *p = doc, *start = NULL, *end;
	size_t plen = strlen(prefix);
	char *s;

	for (; p && *p; p = next_line(p)) {
		if (!strncmp(p, prefix, plen)) {
			start = p;
			break;
		}
	}
	if (!start)
		return NULL;
	end = strstr(start + 1, "\n## ");
	end = end ? end + 1 : start + strlen(start);
	s = malloc(end - start + 1);
	if (!s)
		return NULL;
	memcpy(s, start, end - start);
	s[end - start] = '\0';
	return s;
}

/* Split a table row "| a | b | c |" into at most max trimmed cells, in
 * place.  Returns the number of cells; 0 if the line is not a row.
 * "\|" inside a cell is an escaped bar, not a separator. */
static int row_cells(char *line, char **cell, int max)
{
	char *p = line, *c;
	int n = 0;

	if (*p != '|')
		return 0;
	p++;
	while (*p && n < max) {
		c = p;
		while (*p && !(*p == '|' && p[-1] != '\\'))
			p++;
		if (!*p)
			break;
		*p++ = '\0';
		while (isspace((unsigned char)*c))
			c++;
		for (char *e = c + strlen(c);
		     e > c && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		cell[n++] = c;
	}
	return n;
}

/* Words on each side of "--" in a stack picture "`a b -- b a`". */
static bool picture_counts(const char *cell, int *before, int *after)
{
	char buf[256], *p, *tok, *save;
	int *count = before;
	size_t n = strlen(cell);

	if (n < 2 || cell[0] != '`' || cell[n - 1] != '`' || n >= sizeof(buf))
		return false;
	memcpy(buf, cell + 1, n - 2);
	buf[n - 2] = '\0';
	*before = *after = 0;
	if (!strstr(buf, "--"))
		return false;
	for (p = buf; (tok = strtok_r(p, " ", &save)) != NULL; p = NULL) {
		if (!strcmp(tok, "--")) {
			if (count == after)
				return false;
			count = after;
			continue;
		}
		(*count)++;
	}
	return count == after;
}

/* Does text name a fault, as `name` (the fault 'none' aside)? */
static bool names_fault(const char *text)
{
	char want[48];

	for (unsigned int f = 1; f < RC_FAULT__COUNT; f++) {
		snprintf(want, sizeof(want), "`%s`", rc_fault_name(f));
		if (strstr(text, want))
			return true;
	}
	return false;
}

/* ---- 1. section 6 ------------------------------------------------------ */

struct oprow {
	int rows;		/* table rows found for the opcode */
	char what[160];		/* first problem with a row, "" if none */
};

/* The mnemonic a row documents: "`name`" or "`name OPERAND`". */
static bool row_mnemonic(const char *cell, char *name, size_t size)
{
	size_t n = 0;

	if (cell[0] != '`')
		return false;
	cell++;
	while (cell[n] && cell[n] != '`' && cell[n] != ' ')
		n++;
	if (!n || n >= size)
		return false;
	memcpy(name, cell, n);
	name[n] = '\0';
	return true;
}

static void check_row(const struct rc_opinfo *o, char **cell, int ncell,
		      struct oprow *r)
{
	char code[8];
	int before, after;
	bool faults;

	r->rows++;
	if (r->what[0])
		return;
	snprintf(code, sizeof(code), "0x%02x", o->code);
	if (ncell < 5) {
		snprintf(r->what, sizeof(r->what), "row has %d cells, want 5 "
			 "(instruction, code, stack, semantics, faults)",
			 ncell);
		return;
	}
	if (strcasecmp(cell[1], code)) {
		snprintf(r->what, sizeof(r->what), "code column says '%s', "
			 "rc_opcodes.def says %s", cell[1], code);
		return;
	}
	if (!picture_counts(cell[2], &before, &after)) {
		snprintf(r->what, sizeof(r->what), "stack column '%s' is not "
			 "`before -- after`", cell[2]);
		return;
	}
	/* pick's picture shows the values it reaches, not what it pops;
	 * its net effect must still agree. */
	if (o->operand == RC_OPND_DEPTH ?
		    after - before != o->pushes - o->pops :
		    before != o->pops || after != o->pushes) {
		snprintf(r->what, sizeof(r->what), "stack '%s' has %d -> %d "
			 "values, rc_opcodes.def pops %u and pushes %u",
			 cell[2], before, after, o->pops, o->pushes);
		return;
	}
	if (o->flags & RC_F_RESERVED) {
		if (!strstr(cell[3], "eserved"))
			snprintf(r->what, sizeof(r->what), "a reserved "
				 "opcode's row must say it is reserved");
		return;
	}
	faults = names_fault(cell[4]);
	if (faults != !!(o->flags & RC_F_FAULTS))
		snprintf(r->what, sizeof(r->what), "faults column '%s' %s, but "
			 "rc_opcodes.def %s RC_F_FAULTS", cell[4],
			 faults ? "names a fault" : "names no fault",
			 o->flags & RC_F_FAULTS ? "sets" : "does not set");
}

static void check_instructions(const char *doc)
{
	char *sec = section(doc, "## 6."), *line, *save, *p;
	struct oprow rows[256];
	char what[256];
	int stray = 0;

	memset(rows, 0, sizeof(rows));
	if (!ASSERT_TRUE(sec != NULL, "rcode.md has a section '## 6.'"))
		return;
	ASSERT_TRUE(strstr(sec, "(Section 6 lists every opcode") == NULL,
		    "rcode.md section 6 is not the placeholder");

	for (p = sec; (line = strtok_r(p, "\n", &save)) != NULL; p = NULL) {
		char *cell[8], name[32];
		const struct rc_opinfo *o;
		int n = row_cells(line, cell, 8);

		if (n < 1 || !row_mnemonic(cell[0], name, sizeof(name)))
			continue;
		o = rc_opinfo_by_name(name);
		if (!o) {
			snprintf(what, sizeof(what), "rcode.md section 6 row "
				 "'%s' names an opcode", name);
			TEST_FAIL(what, "'%s' is not in rc_opcodes.def", name);
			stray++;
			continue;
		}
		check_row(o, cell, n, &rows[o->code]);
	}
	if (!stray)
		TEST_PASS("rcode.md section 6 documents no opcode that "
			  "rc_opcodes.def lacks");

	for (const struct rc_opinfo *o = rc_optable; o->name; o++) {
		struct oprow *r = &rows[o->code];

		snprintf(what, sizeof(what), "rcode.md section 6 documents "
			 "`%s` (0x%02x)", o->name, o->code);
		if (r->rows != 1)
			TEST_FAIL(what, "%d table rows start with `%s`; want "
				  "exactly one", r->rows, o->name);
		else if (r->what[0])
			TEST_FAIL(what, "%s", r->what);
		else
			TEST_PASS(what);
	}
	free(sec);
}

/* ---- 2. section 2 ------------------------------------------------------ */

/* A table row whose cells include both a and b exactly. */
static bool has_row(const char *sec, const char *a, const char *b)
{
	char *copy = strdup(sec), *line, *save, *p;
	bool found = false;

	for (p = copy; copy && !found &&
		       (line = strtok_r(p, "\n", &save)) != NULL; p = NULL) {
		char *cell[8];
		int n = row_cells(line, cell, 8);
		bool fa = false, fb = false;

		for (int i = 0; i < n; i++) {
			fa |= !strcmp(cell[i], a);
			fb |= !strcmp(cell[i], b);
		}
		found = fa && fb;
	}
	free(copy);
	return found;
}

static void check_running(const char *doc)
{
	char *sec = section(doc, "## 2."), what[128], name[48], num[16];

	if (!ASSERT_TRUE(sec != NULL, "rcode.md has a section '## 2.'"))
		return;
	for (unsigned int f = 0; f < RC_FAULT__COUNT; f++) {
		snprintf(name, sizeof(name), "`%s`", rc_fault_name(f));
		snprintf(num, sizeof(num), "%u", f);
		snprintf(what, sizeof(what), "rcode.md section 2 lists fault "
			 "%u %s", f, name);
		ASSERT_TRUE(has_row(sec, num, name), what);
	}
	for (unsigned int a = RC_ACT_DROP; a < RC_ACT__COUNT; a++) {
		snprintf(name, sizeof(name), "`%s`", rc_action_name(a));
		snprintf(num, sizeof(num), "%u", a);
		snprintf(what, sizeof(what), "rcode.md section 2 lists action "
			 "%u %s", a, name);
		ASSERT_TRUE(has_row(sec, num, name), what);
	}
	free(sec);
}

/* ---- 3. docs/xlate.md -------------------------------------------------- */

/* Is there a "## " heading that contains word (case-insensitive)? */
static bool has_heading(const char *doc, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = doc; p; p = next_line(p)) {
		const char *eol;

		if (strncmp(p, "## ", 3))
			continue;
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		for (const char *q = p; q + wl <= eol; q++)
			if (!strncasecmp(q, word, wl))
				return true;
	}
	return false;
}

static void check_xlate(void)
{
	static const char *const headings[] = {
		"the program", "registers", "stack frame", "differ",
		"budget", "loop mode", "message edits", "epilogue",
		"maps", "kernel rejects", "peephole", "example",
		"forward, send and upcall", "TC programs",
	};
	static const struct {
		const char *name;
		int off;
	} frame[] = {
#define F(x) { #x, x }
		F(FP_HDROFF), F(FP_IPV), F(FP_CSUM), F(FP_CNT), F(FP_KEY),
		F(FP_SNAP), F(FP_ORIGLEN), F(FP_FCODE),
		F(FP_FPC), F(FP_TMP), F(FP_TMP2), F(FP_XDPCTX), F(FP_STATE),
		F(FP_RESUME), F(FP_LOOPACT), F(FP_FRAMEPTR), F(FP_ITER),
		F(FP_LENOLD), F(FP_LENNEW), F(FP_PSUM), F(FP_SEND_N),
		F(FP_SEND_P), F(FP_SCRATCH), F(CB_PARENT), F(CB_KEY),
#undef F
	};
	char *doc = read_doc("docs/xlate.md"), what[128], name[48], off[16];

	if (!ASSERT_TRUE(doc != NULL, "docs/xlate.md exists"))
		return;
	for (size_t i = 0; i < sizeof(headings) / sizeof(headings[0]); i++) {
		snprintf(what, sizeof(what), "xlate.md has a section on '%s'",
			 headings[i]);
		ASSERT_TRUE(has_heading(doc, headings[i]), what);
	}
	for (size_t i = 0; i < sizeof(frame) / sizeof(frame[0]); i++) {
		snprintf(name, sizeof(name), "`%s`", frame[i].name);
		snprintf(off, sizeof(off), "%d", frame[i].off);
		snprintf(what, sizeof(what), "xlate.md gives %s as %d, as "
			 "xl_internal.h does", frame[i].name, frame[i].off);
		ASSERT_TRUE(has_row(doc, name, off), what);
	}
	free(doc);
}

/* ---- 4. docs/userlib.md ------------------------------------------------ */

#define MAX_SYMS	512

struct names {
	char *v[MAX_SYMS];
	int n;
};

static bool names_has(const struct names *ns, const char *name)
{
	for (int i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], name))
			return true;
	return false;
}

static void names_add(struct names *ns, const char *s, size_t len)
{
	char *name;

	if (ns->n == MAX_SYMS || !(name = strndup(s, len)))
		return;
	if (names_has(ns, name)) {
		free(name);
		return;
	}
	ns->v[ns->n++] = name;
}

static void names_free(struct names *ns)
{
	for (int i = 0; i < ns->n; i++)
		free(ns->v[i]);
	ns->n = 0;
}

static size_t ident_len(const char *p)
{
	size_t n = 0;

	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

/* The global names of a version script: "\tname;" lines after
 * "global:" and before "local:". */
static void map_names(const char *map, struct names *ns)
{
	bool global = false;

	for (const char *p = map; p; p = next_line(p)) {
		const char *q = p;
		size_t n;

		while (*q == ' ' || *q == '\t')
			q++;
		if (!strncmp(q, "global:", 7))
			global = true;
		else if (!strncmp(q, "local:", 6))
			global = false;
		else if (global && (n = ident_len(q)) && q[n] == ';')
			names_add(ns, q, n);
	}
}

/*
 * The names the ```c blocks declare: an unindented line (not a comment,
 * preprocessor line or closing brace, without '=') that names an rc_ or
 * rcode_ identifier followed by '(' or '['; the first such identifier
 * is the one declared (a prototype's parameters come after it).
 * Example code inside functions is indented and does not count.
 */
static void doc_decls(const char *doc, struct names *ns)
{
	bool code = false;

	for (const char *p = doc; p; p = next_line(p)) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (!strncmp(p, "```", 3)) {
			code = !code && !strncmp(p, "```c", 4) && len == 4;
			continue;
		}
		if (!code || !len || isspace((unsigned char)*p) || *p == '#' ||
		    *p == '/' || *p == '}' || *p == '*' || memchr(p, '=', len))
			continue;
		for (const char *q = p; q < p + len; q++) {
			size_t n;

			if ((q > p && (isalnum((unsigned char)q[-1]) || q[-1] == '_')) ||
			    (strncmp(q, "rc_", 3) && strncmp(q, "rcode_", 6)))
				continue;
			n = ident_len(q);
			if (q[n] == '(' || q[n] == '[') {
				names_add(ns, q, n);
				break;
			}
			q += n;
		}
	}
}

static void check_userlib(void)
{
	char *doc = read_doc("docs/userlib.md");
	char *map = read_doc("userlib/librcode.map");
	struct names exported = { 0 }, documented = { 0 };
	char what[160];
	int missing = 0, extra = 0;

	if (!ASSERT_TRUE(doc && map, "docs/userlib.md and userlib/librcode.map exist"))
		goto out;
	map_names(map, &exported);
	doc_decls(doc, &documented);
	ASSERT_TRUE(exported.n > 50, "librcode.map exports the library");
	for (int i = 0; i < exported.n; i++) {
		if (names_has(&documented, exported.v[i]))
			continue;
		snprintf(what, sizeof(what), "userlib.md documents %s",
			 exported.v[i]);
		TEST_FAIL(what, "no prototype of it in a ```c block");
		missing++;
	}
	for (int i = 0; i < documented.n; i++) {
		if (names_has(&exported, documented.v[i]))
			continue;
		snprintf(what, sizeof(what), "userlib.md's %s is exported",
			 documented.v[i]);
		TEST_FAIL(what, "librcode.map does not list it");
		extra++;
	}
	snprintf(what, sizeof(what), "userlib.md documents all %d exported "
		 "symbols", exported.n);
	ASSERT_EQ(missing, 0, what);
	ASSERT_EQ(extra, 0, "userlib.md declares nothing librcode.so lacks");
out:
	names_free(&exported);
	names_free(&documented);
	free(doc);
	free(map);
}

/* ---- 5. docs/c-handlers.md ------------------------------------------- */

static void check_c_handlers(void)
{
	char *doc = read_doc("docs/c-handlers.md");
	char *hdr = read_doc("rcc/include/rcode.h");
	char *start, *end, *p, what[128], name[64];
	int n = 0;

	if (!ASSERT_TRUE(doc && hdr, "docs/c-handlers.md and rcc/include/rcode.h exist"))
		goto out;
	start = strstr(hdr, "#ifdef __RCC__\n/*");
	end = start ? strstr(start, "\n#else") : NULL;
	if (!ASSERT_TRUE(start && end, "rcode.h has its __RCC__ declarations"))
		goto out;
	*end = '\0';
	for (p = start; (p = strstr(p, " rc_")) != NULL; p++) {
		size_t len = ident_len(p + 1);
		char pat[80];

		if (p[1 + len] != '(' || len >= sizeof(name))
			continue;
		memcpy(name, p + 1, len);
		name[len] = '\0';
		snprintf(pat, sizeof(pat), "`%s(", name);
		snprintf(what, sizeof(what), "c-handlers.md documents %s", name);
		if (strstr(doc, pat))
			n++;
		else
			TEST_FAIL(what, "no '%s' in docs/c-handlers.md", pat);
	}
	snprintf(what, sizeof(what), "c-handlers.md documents the %d builtins", n);
	ASSERT_TRUE(n >= 20, what);
out:
	free(doc);
	free(hdr);
}

int main(void)
{
	char *doc = read_doc("docs/rcode.md");

	if (ASSERT_TRUE(doc != NULL, "docs/rcode.md can be read")) {
		check_instructions(doc);
		check_running(doc);
	}
	free(doc);
	check_xlate();
	check_userlib();
	check_c_handlers();
	return rc_test_exit();
}
