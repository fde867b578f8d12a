// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_verify.c - the verifier's rules, each with a test.
 *
 * Four parts:
 *  - programs built in C, for encodings the text form cannot write and for
 *    the exact notes and struct rc_verinfo;
 *  - every .r file in selftests/cases/verify, assembled and verified here; its
 *    'expect error:' and 'expect warning:' lines compared (the general case
 *    runner may check them too; this test does not depend on it);
 *  - the list of rules below against docs/rcode.md section 5: every rule
 *    the document states has tests that passed, and every rule here is
 *    still in the document;
 *  - random and mutated programs: the verifier must not crash, and what it
 *    accepts must run on the reference interpreter without an illegal
 *    instruction, a stack out of bounds or a depth it did not predict.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "rc_test.h"
#include "rcode.h"

/* ---- which checks passed, for the rule coverage -------------------------- */

static char *passed[256];
static size_t npassed;

static void record(const char *name, bool ok)
{
	if (ok && npassed < sizeof(passed) / sizeof(passed[0]))
		passed[npassed++] = strdup(name);
}

static bool has_passed(const char *name)
{
	for (size_t i = 0; i < npassed; i++)
		if (passed[i] && !strcmp(passed[i], name))
			return true;
	return false;
}

/* "origin: rest" or "origin:L:C: rest" -> the part after "origin:". */
static const char *strip_origin(const char *line, const char *origin)
{
	size_t n = strlen(origin);

	if (!strncmp(line, origin, n) && line[n] == ':')
		return line + n + 1 + (line[n + 1] == ' ');
	return line;
}

/* ---- programs built in C ------------------------------------------------- */

#define I(o, i)			{ .op = RC_OP_##o, .imm = (i) }
#define IW(o, win, i)		{ .op = RC_OP_##o, .a = (win), .imm = (i) }
#define RAW(o, a_, r, i) \
	{ .op = (o), .a = (a_), .rsvd = (r), .imm = (i) }

struct ctest {
	const char *name;
	void (*setup)(struct rc_prog *p);	/* after the code is in */
	uint32_t n;
	struct rc_insn code[24];
	const char *diag[6];	/* every diagnostic line, in order */
	const char *note;	/* the first one's note; NULL: none */
};

static void add_state(struct rc_prog *p, const char *name, uint32_t words)
{
	snprintf(p->syms[p->nsyms].name, RC_NAME_MAX, "%s", name);
	p->syms[p->nsyms++].words = words;
	p->state_words += words;
}

static void add_window(struct rc_prog *p, const char *name, uint32_t words)
{
	snprintf(p->windows[p->nwindows].name, RC_NAME_MAX, "%s", name);
	p->windows[p->nwindows++].words = words;
}

static void state4(struct rc_prog *p)
{
	add_state(p, "s", 4);
}

static void window4(struct rc_prog *p)
{
	add_window(p, "w", 4);
}

static void too_many_slots(struct rc_prog *p)
{
	p->ninsns = RC_CODE_MAX + 1;
}

static void budget0(struct rc_prog *p)
{
	p->budget = 0;
}

static void budget_over(struct rc_prog *p)
{
	p->budget = RC_BUDGET_MAX + 1;
}

static void budget_max(struct rc_prog *p)
{
	p->budget = RC_BUDGET_MAX;
}

static void portal_over(struct rc_prog *p)
{
	p->portal = RC_PORTALS;
}

static void portal_max(struct rc_prog *p)
{
	p->portal = RC_PORTALS - 1;
}

static void many_groups(struct rc_prog *p)
{
	for (int i = 0; i < RC_SYMBOLS_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "g%d", i);
		add_state(p, name, 1);
	}
	p->nsyms++;	/* one more than the array holds: never read */
}

static void big_state(struct rc_prog *p)
{
	add_state(p, "a", 200);
	add_state(p, "b", 57);
}

static void state_mismatch(struct rc_prog *p)
{
	add_state(p, "s", 4);
	p->state_words = 5;
}

static void empty_group(struct rc_prog *p)
{
	add_state(p, "s", 0);
}

static void many_windows(struct rc_prog *p)
{
	for (int i = 0; i < RC_WINDOWS_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "w%d", i);
		add_window(p, name, 1);
	}
	p->nwindows++;
}

static void window_sizes(struct rc_prog *p)
{
	add_window(p, "none", 0);
	add_window(p, "big", RC_WINDOW_WORDS_MAX + 1);
	add_window(p, "max", RC_WINDOW_WORDS_MAX);
}

static void no_name(struct rc_prog *p)
{
	p->name[0] = '\0';
}

static void bad_name(struct rc_prog *p)
{
	strcpy(p->name, "1x");
}

static void long_name(struct rc_prog *p)
{
	memset(p->name, 'a', RC_NAME_MAX);	/* no NUL */
}

static void bad_other_names(struct rc_prog *p)
{
	add_state(p, "a b", 1);
	add_window(p, "", 1);
}

static const struct ctest ctests[] = {
	/* the program object */
	{ "c:empty", NULL, 0, { I(drop, 0) },
	  { "t.rbin: error: the program has no instructions" } },
	{ "c:too-many-slots", too_many_slots, 1, { I(drop, 0) },
	  { "t.rbin: error: the program has 4097 instruction slots; at most "
	    "4096 are allowed" } },
	{ "c:budget-zero", budget0, 1, { I(drop, 0) },
	  { "t.rbin: error: budget 0 is out of range 1..65536" } },
	{ "c:budget-over", budget_over, 1, { I(drop, 0) },
	  { "t.rbin: error: budget 65537 is out of range 1..65536" } },
	{ "c:budget-max-ok", budget_max, 1, { I(drop, 0) }, { NULL } },
	{ "c:portal", portal_over, 1, { I(drop, 0) },
	  { "t.rbin: error: portal 256 is out of range 0..255" } },
	{ "c:portal-max-ok", portal_max, 1, { I(drop, 0) }, { NULL } },
	{ "c:too-many-groups", many_groups, 1, { I(drop, 0) },
	  { "t.rbin: error: the program has 65 data-area groups; at most 64 "
	    "are allowed" } },
	{ "c:state-size", big_state, 1, { I(drop, 0) },
	  { "t.rbin: error: the data area has 257 words; at most 256 are "
	    "allowed" } },
	{ "c:state-mismatch", state_mismatch, 1, { I(drop, 0) },
	  { "t.rbin: error: the data area has 5 words but its groups add up "
	    "to 4" } },
	{ "c:empty-group", empty_group, 1, { I(drop, 0) },
	  { "t.rbin: error: data-area group 's' has no words" } },
	{ "c:too-many-windows", many_windows, 1, { I(drop, 0) },
	  { "t.rbin: error: the program has 9 windows; at most 8 are "
	    "allowed" } },
	{ "c:window-size", window_sizes, 1, { I(drop, 0) },
	  { "t.rbin: error: window 'none' has 0 words; a window holds "
	    "1..65536",
	    "t.rbin: error: window 'big' has 65537 words; a window holds "
	    "1..65536" } },
	{ "c:handler-name-missing", no_name, 1, { I(drop, 0) },
	  { "t.rbin: error: the handler has no name" } },
	{ "c:handler-name-invalid", bad_name, 1, { I(drop, 0) },
	  { "t.rbin: error: invalid handler name '1x': a name is a letter or "
	    "'_' and then letters, digits or '_', at most 31 in all" } },
	{ "c:handler-name-unterminated", long_name, 1, { I(drop, 0) },
	  { "t.rbin: error: invalid handler name "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': a name is a letter or '_' and "
	    "then letters, digits or '_', at most 31 in all" } },
	{ "c:group-window-names", bad_other_names, 1, { I(drop, 0) },
	  { "t.rbin: error: invalid data-area group name 'a b'",
	    "t.rbin: error: invalid window name ''" } },

	/* encodings */
	{ "c:undefined-opcode", NULL, 2, { RAW(0xff, 0, 0, 0), I(drop, 0) },
	  { "t.rbin: pc 0: error: undefined opcode 0xff" } },
	{ "c:opcode-zero", NULL, 3,
	  { I(push, 1), RAW(0, 0, 0, 0), I(drop, 0) },
	  { "t.rbin: pc 1: error: undefined opcode 0x00" } },
	/* Sending and up-calls: accepted; a reachable send is noted, once,
	 * because it decides where the handler runs. */
	{ "c:forward", NULL, 4,
	  { I(push, 1), I(upcall, 0), I(push, 2), I(forward, 0) } },
	{ "c:send-needs-tc", NULL, 5,
	  { I(push, 1), I(send, 0), I(push, 2), I(send, 0), I(drop, 0) },
	  { "t.rbin: pc 1: note: the handler needs TC: 'send' at pc 1 sends a "
	    "copy of the message, which only a TC program can do" },
	  "it is attached at TC ingress by itself instead of behind the XDP "
	  "dispatcher, and the interpreter path (XDP only) cannot run it" },
	{ "c:send-unreachable", NULL, 3, { I(drop, 0), I(push, 1), I(send, 0) },
	  { "t.rbin: pc 1: warning: unreachable instruction" } },
	/* A rejected program gets no note about where it would run. */
	{ "c:send-rejected", NULL, 3, { I(push, 1), I(send, 0), I(add, 0) },
	  { "t.rbin: pc 2: error: stack underflow: 'add' needs 2 values, the "
	    "stack is empty" } },
	{ "c:reserved-field", NULL, 1, { RAW(RC_OP_drop, 0, 0x8001, 0) },
	  { "t.rbin: pc 0: error: reserved field of 'drop' is 0x8001; it "
	    "must be 0" } },
	{ "c:a-field", NULL, 2, { RAW(RC_OP_push, 2, 0, 1), I(drop, 0) },
	  { "t.rbin: pc 0: error: 'a' field of 'push' is 2; only window "
	    "instructions use it" } },
	{ "c:stray-imm", NULL, 1, { RAW(RC_OP_drop, 0, 0, 7) },
	  { "t.rbin: pc 0: error: 'drop' takes no operand, but its imm field "
	    "is 7" } },
	{ "c:push64-truncated", NULL, 3,
	  { I(push, 1), I(drop, 0), RAW(RC_OP_push64, 0, 0, 5) },
	  { "t.rbin: pc 2: error: truncated 'push64': its second slot is "
	    "missing" } },
	{ "c:push64-second-slot", NULL, 5,
	  { RAW(RC_OP_push64, 0, 0, 1), RAW(RC_OP_push, 0, 0, 2),
	    RAW(RC_OP_push64, 0, 0, 1), RAW(0, 3, 5, 2), I(drop, 0) },
	  { "t.rbin: pc 0: error: second slot of 'push64' has op 0x01, a 0, "
	    "reserved 0x0000; all must be 0",
	    "t.rbin: pc 2: error: second slot of 'push64' has op 0x00, a 3, "
	    "reserved 0x0005; all must be 0" } },
	{ "c:push64-ok", NULL, 3,
	  { RAW(RC_OP_push64, 0, 0, -1), RAW(0, 0, 0, -1), I(drop, 0) },
	  { NULL } },
	{ "c:jump-outside-after", NULL, 2, { I(jmp, 1), I(drop, 0) },
	  { "t.rbin: pc 0: error: jump target pc 2 is outside the program "
	    "(pc 0..1)" } },
	{ "c:jump-outside-before", NULL, 2, { I(drop, 0), I(jmp, -3) },
	  { "t.rbin: pc 1: error: jump target pc -1 is outside the program "
	    "(pc 0..1)" } },
	{ "c:jump-outside-far", NULL, 2, { I(jz, INT32_MAX), I(drop, 0) },
	  { "t.rbin: pc 0: error: jump target pc 2147483648 is outside the "
	    "program (pc 0..1)" } },
	{ "c:jump-into-push64", NULL, 4,
	  { I(jmp, 1), RAW(RC_OP_push64, 0, 0, 5), RAW(0, 0, 0, 0),
	    I(drop, 0) },
	  { "t.rbin: pc 0: error: jump target pc 2 is inside the 'push64' at "
	    "pc 1" } },

	/* operands */
	{ "c:local-range", NULL, 4,
	  { I(push, 1), I(stl, -1), I(ldl, 16), I(drop, 0) },
	  { "t.rbin: pc 1: error: local -1 is out of range 0..15",
	    "t.rbin: pc 2: error: local 16 is out of range 0..15" } },
	{ "c:pick-range", NULL, 4,
	  { I(push, 1), I(pick, 16), I(pick, -1), I(drop, 0) },
	  { "t.rbin: pc 1: error: 'pick' depth 16 is out of range 0..14 (it needs 17 values and pushes one more; the stack holds 16)",
	    "t.rbin: pc 2: error: 'pick' depth -1 is out of range 0..14" } },
	{ "c:unknown-field", NULL, 4,
	  { I(ldh, 6), I(sth, -1), I(ldh, RC_FIELD_LEN), I(drop, 0) },
	  { "t.rbin: pc 0: error: unknown header field 6",
	    "t.rbin: pc 1: error: unknown header field -1" } },
	{ "c:sth-readonly", NULL, 13,
	  { I(push, 1), I(sth, RC_FIELD_SRC), I(push, 1), I(sth, RC_FIELD_DST),
	    I(push, 1), I(sth, RC_FIELD_LEN), I(push, 1),
	    I(sth, RC_FIELD_PORTAL), I(push, 1), I(sth, RC_FIELD_TAG),
	    I(push, 1), I(sth, RC_FIELD_SEQ), I(pass, 0) },
	  { "t.rbin: pc 1: error: header field 'src' is read-only; 'sth' can "
	    "write portal, tag and seq",
	    "t.rbin: pc 3: error: header field 'dst' is read-only; 'sth' can "
	    "write portal, tag and seq",
	    "t.rbin: pc 5: error: header field 'len' is read-only; use resize "
	    "to change the payload length" } },
	{ "c:payload-offset", NULL, 9,
	  { I(ldp8, 1407), I(ldp8, 1408), I(ldp64, 1400), I(ldp64, 1401),
	    I(ldpx16, 1407), I(stp32, -4), I(stpx64, 1400), I(pop, 0),
	    I(drop, 0) },
	  { "t.rbin: pc 1: error: payload offset 1408 + 1 byte is past the "
	    "largest payload (1408 bytes)",
	    "t.rbin: pc 3: error: payload offset 1401 + 8 bytes is past the "
	    "largest payload (1408 bytes)",
	    "t.rbin: pc 4: error: payload offset 1407 + 2 bytes is past the "
	    "largest payload (1408 bytes)",
	    "t.rbin: pc 5: error: payload offset -4 is negative" } },
	{ "c:state-word-none", NULL, 2, { I(lds, 0), I(drop, 0) },
	  { "t.rbin: pc 0: error: data-area word 0 is used, but the program "
	    "has no data area (declare one with .state)" } },
	{ "c:state-word", state4, 7,
	  { I(lds, 3), I(lds, 4), I(ldsx, 3), I(ldsx, 4), I(sts, -1),
	    I(xadds, 4), I(drop, 0) },
	  { "t.rbin: pc 1: error: data-area word 4 is outside the data area "
	    "(words 0..3)",
	    "t.rbin: pc 3: error: data-area word 4 is outside the data area "
	    "(words 0..3)",
	    "t.rbin: pc 4: error: data-area word -1 is outside the data area "
	    "(words 0..3)",
	    "t.rbin: pc 5: error: data-area word 4 is outside the data area "
	    "(words 0..3)" } },
	{ "c:window-none", NULL, 2, { IW(ldw, 0, 0), I(drop, 0) },
	  { "t.rbin: pc 0: error: window 0 is used, but the program declares "
	    "no windows (declare one with .window)" } },
	{ "c:window-number", window4, 3,
	  { IW(ldw, 0, 3), IW(ldw, 1, 0), I(drop, 0) },
	  { "t.rbin: pc 1: error: window 1 does not exist (windows 0..0)" } },
	{ "c:window-word", window4, 8,
	  { IW(ldw, 0, 4), IW(ldwx, 0, 3), IW(ldw, 0, 0), IW(stwx, 0, -1),
	    I(push, 1), I(push, 1), IW(xaddwx, 0, 4), I(drop, 0) },
	  { "t.rbin: pc 0: error: word 4 is outside window 'w' (words 0..3)",
	    "t.rbin: pc 3: error: word -1 is outside window 'w' (words 0..3)",
	    "t.rbin: pc 6: error: word 4 is outside window 'w' (words "
	    "0..3)" } },

	/* the stack and the control flow */
	{ "c:underflow", NULL, 3, { I(push, 1), I(add, 0), I(drop, 0) },
	  { "t.rbin: pc 1: error: stack underflow: 'add' needs 2 values, the "
	    "stack holds 1" },
	  "stack (bottom to top): 'push 1' (pc 0)" },
	{ "c:underflow-empty", NULL, 2, { I(pop, 0), I(drop, 0) },
	  { "t.rbin: pc 0: error: stack underflow: 'pop' needs 1 value, the "
	    "stack is empty" } },
	{ "c:pick-underflow", NULL, 4,
	  { I(push, 1), I(push, 2), I(pick, 2), I(drop, 0) },
	  { "t.rbin: pc 2: error: stack underflow: 'pick 2' needs 3 values, "
	    "the stack holds 2" },
	  "stack (bottom to top): 'push 1' (pc 0), 'push 2' (pc 1)" },
	{ "c:shuffle-note", NULL, 7,
	  { I(push, 1), I(push, 2), I(push, 3), I(rot, 0), I(swap, 0),
	    I(pick, 3), I(drop, 0) },
	  { "t.rbin: pc 5: error: stack underflow: 'pick 3' needs 4 values, "
	    "the stack holds 3" },
	  "stack (bottom to top): 'push 2' (pc 1), 'push 1' (pc 0), "
	  "'push 3' (pc 2)" },
	{ "c:overflow", NULL, 18,
	  { I(push, 0), I(push, 1), I(push, 2), I(push, 3), I(push, 4),
	    I(push, 5), I(push, 6), I(push, 7), I(push, 8), I(push, 9),
	    I(push, 10), I(push, 11), I(push, 12), I(push, 13), I(push, 14),
	    I(over, 0), I(dup, 0), I(drop, 0) },
	  { "t.rbin: pc 16: error: stack overflow: 'dup' would make the stack "
	    "17 values deep; at most 16 are allowed" },
	  "stack (bottom to top): 'push 0' (pc 0), 'push 1' (pc 1), "
	  "'push 2' (pc 2), 'push 3' (pc 3), 'push 4' (pc 4), 'push 5' (pc 5), "
	  "'push 6' (pc 6), 'push 7' (pc 7), 'push 8' (pc 8), 'push 9' (pc 9), "
	  "'push 10' (pc 10), 'push 11' (pc 11), 'push 12' (pc 12), "
	  "'push 13' (pc 13), 'push 14' (pc 14), 'over' (pc 15)" },
	{ "c:join-depth", NULL, 5,
	  { I(ldh, RC_FIELD_TAG), I(jz, 2), I(push, 1), I(push, 2),
	    I(drop, 0) },
	  { "t.rbin: pc 4: error: stack depth differs where paths join: 0 "
	    "from pc 1, 2 from pc 3" },
	  "stack (bottom to top) from pc 1: empty; from pc 3: 'push 1' "
	  "(pc 2), 'push 2' (pc 3)" },
	{ "c:join-entry", NULL, 2, { I(push, 1), I(jmp, -2) },
	  { "t.rbin: pc 0: error: stack depth differs where paths join: 0 at "
	    "program entry, 1 from pc 1" },
	  "stack (bottom to top) at program entry: empty; from pc 1: "
	  "'push 1' (pc 0)" },
	{ "c:merged-note", NULL, 7,
	  { I(ldh, RC_FIELD_TAG), I(jz, 2), I(push, 1), I(jmp, 1),
	    I(push, 2), I(add, 0), I(drop, 0) },
	  { "t.rbin: pc 5: error: stack underflow: 'add' needs 2 values, the "
	    "stack holds 1" },
	  "stack (bottom to top): a value from paths that join" },
	{ "c:fall-off", NULL, 2, { I(push, 1), I(pop, 0) },
	  { "t.rbin: pc 1: error: control reaches the end of the program "
	    "without an action (drop, pass, reply or forward)" } },
	{ "c:fall-off-jz", NULL, 2, { I(push, 0), I(jz, -2) },
	  { "t.rbin: pc 1: error: control reaches the end of the program "
	    "without an action (drop, pass, reply or forward)" } },
	{ "c:unreachable", NULL, 8,
	  { I(jmp, 2), I(push, 1), I(pop, 0), I(ldh, RC_FIELD_TAG), I(jz, 2),
	    I(drop, 0), I(pass, 0), I(reply, 0) },
	  { "t.rbin: pc 1: warning: unreachable instruction",
	    "t.rbin: pc 6: warning: unreachable instruction" } },
	{ "c:endless-loop-ok", NULL, 1, { I(jmp, -1) }, { NULL } },
	/* Errors about single instructions do not hide the stack errors;
	 * each kind comes in pc order.  A path ends at its first error, so
	 * nothing is said about running off the end after 'add'. */
	{ "c:several-errors", NULL, 5,
	  { I(ldl, 99), I(add, 0), I(push, 1), RAW(RC_OP_pop, 1, 0, 0),
	    I(pop, 0) },
	  { "t.rbin: pc 0: error: local 99 is out of range 0..15",
	    "t.rbin: pc 3: error: 'a' field of 'pop' is 1; only window "
	    "instructions use it",
	    "t.rbin: pc 1: error: stack underflow: 'add' needs 2 values, the "
	    "stack holds 1" } },
};

static struct rc_prog *new_prog(void)
{
	struct rc_prog *p = rc_prog_new();

	if (p) {
		strcpy(p->name, "t");
		strcpy(p->origin, "t.rbin");
	}
	return p;
}

static void run_ctest(const struct ctest *t)
{
	struct rc_prog *p = new_prog();
	struct rc_verinfo *info = calloc(1, sizeof(*info));
	bool errors = false, ok = true;
	struct rc_diags d;
	char line[600];
	size_t want = 0;
	int err;

	if (!p || !info) {
		TEST_FAIL(t->name, "out of memory");
		goto out;
	}
	memcpy(p->insns, t->code, sizeof(t->code));
	p->ninsns = t->n;
	if (t->setup)
		t->setup(p);
	rc_diags_init(&d);
	err = rc_verify(p, info, &d);

	while (want < sizeof(t->diag) / sizeof(t->diag[0]) && t->diag[want]) {
		errors |= strstr(t->diag[want], ": error: ") != NULL;
		want++;
	}
	if (err != (errors ? -EINVAL : 0)) {
		TEST_FAIL(t->name, "rc_verify returned %d", err);
		ok = false;
	}
	for (size_t i = 0; i < d.n || i < want; i++) {
		if (i < d.n)
			rc_diag_format_line(&d.v[i], line, sizeof(line));
		if (i >= d.n || i >= want || strcmp(line, t->diag[i])) {
			TEST_FAIL(t->name, "diagnostic %zu: expected \"%s\", "
				  "got \"%s\"", i + 1,
				  i < want ? t->diag[i] : "",
				  i < d.n ? line : "");
			ok = false;
		}
	}
	if (d.n && strcmp(d.v[0].note, t->note ? t->note : "")) {
		TEST_FAIL(t->name, "note: expected \"%s\", got \"%s\"",
			  t->note ? t->note : "", d.v[0].note);
		ok = false;
	}
	if (ok)
		TEST_PASS(t->name);
	record(t->name, ok);
	rc_diags_free(&d);
out:
	free(info);
	rc_prog_free(p);
}

/* What struct rc_verinfo says about a program with a loop, a join, a
 * push64 and dead code at the end. */
static void test_verinfo(void)
{
	static const struct rc_insn code[] = {
		I(push, 0),			/*  0 */
		I(ldh, RC_FIELD_TAG),		/*  1  loop head */
		I(jz, 3),			/*  2  -> 6 */
		RAW(RC_OP_push64, 0, 0, 7),	/*  3 */
		RAW(0, 0, 0, 0),		/*  4 */
		I(pop, 0),			/*  5 */
		I(push, 1),			/*  6 */
		I(sub, 0),			/*  7 */
		I(dup, 0),			/*  8 */
		I(jnz, -9),			/*  9  -> 1 */
		I(drop, 0),			/* 10 */
		I(pass, 0),			/* 11  unreachable */
	};
	static const int16_t depth[] = { 0, 1, 2, 1, -1, 2, 1, 2, 1, 2, 1, -1 };
	static const bool leader[] = { 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0 };
	static const bool reach[] = { 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0 };
	struct rc_prog *p = new_prog();
	struct rc_verinfo *info = malloc(sizeof(*info));
	bool ok = true;
	struct rc_diags d;
	int err;

	if (!p || !info) {
		TEST_FAIL("c:verinfo", "out of memory");
		goto out;
	}
	memset(info, 0x55, sizeof(*info));	/* rc_verify sets it all */
	memcpy(p->insns, code, sizeof(code));
	p->ninsns = sizeof(code) / sizeof(code[0]);
	rc_diags_init(&d);
	err = rc_verify(p, info, &d);
	ok &= ASSERT_EQ(err, 0, "c:verinfo: accepted");
	ok &= ASSERT_EQ(d.nwarnings, 1, "c:verinfo: one warning");
	for (uint32_t pc = 0; pc < p->ninsns; pc++) {
		if (info->depth[pc] != depth[pc] ||
		    info->leader[pc] != leader[pc] ||
		    info->reachable[pc] != reach[pc]) {
			TEST_FAIL("c:verinfo", "pc %u: depth %d leader %d "
				  "reachable %d, expected %d %d %d", pc,
				  info->depth[pc], info->leader[pc],
				  info->reachable[pc], depth[pc], leader[pc],
				  reach[pc]);
			ok = false;
		}
	}
	for (uint32_t pc = p->ninsns; pc < RC_CODE_MAX; pc++) {
		if (info->depth[pc] != -1 || info->leader[pc] ||
		    info->reachable[pc]) {
			TEST_FAIL("c:verinfo", "pc %u past the end is set", pc);
			ok = false;
			break;
		}
	}
	ok &= ASSERT_EQ(info->max_depth, 2, "c:verinfo: max_depth");
	ok &= ASSERT_TRUE(info->has_loop, "c:verinfo: has_loop");
	rc_diags_free(&d);

	/* A backward jump that cannot run is no loop. */
	p->insns[0] = (struct rc_insn)I(drop, 0);
	p->insns[1] = (struct rc_insn)I(jmp, -2);
	p->ninsns = 2;
	rc_diags_init(&d);
	err = rc_verify(p, info, &d);
	ok &= ASSERT_EQ(err, 0, "c:verinfo: dead back edge accepted");
	ok &= ASSERT_TRUE(!info->has_loop,
			  "c:verinfo: dead back edge is no loop");
	ok &= ASSERT_EQ(info->depth[1], -1,
			"c:verinfo: dead code has no depth");
	ok &= ASSERT_TRUE(!info->needs_tc, "c:verinfo: no send, no TC");
	rc_diags_free(&d);

	/* The first reachable send, not the first send. */
	p->insns[0] = (struct rc_insn)I(jmp, 2);
	p->insns[1] = (struct rc_insn)I(push, 1);
	p->insns[2] = (struct rc_insn)I(send, 0);
	p->insns[3] = (struct rc_insn)I(push, 2);
	p->insns[4] = (struct rc_insn)I(send, 0);
	p->insns[5] = (struct rc_insn)I(pass, 0);
	p->ninsns = 6;
	rc_diags_init(&d);
	err = rc_verify(p, info, &d);
	ok &= ASSERT_EQ(err, 0, "c:verinfo: send accepted");
	ok &= ASSERT_TRUE(info->needs_tc && info->tc_pc == 4,
			  "c:verinfo: needs_tc at the first reachable send");
	ok &= ASSERT_EQ(d.nnotes, 1, "c:verinfo: one note");
	rc_diags_free(&d);
out:
	record("c:verinfo", ok);
	free(info);
	rc_prog_free(p);
}

/* Notes and join messages of an assembled program name source lines. */
static void test_source_lines(void)
{
	static const char underflow[] =
		".handler n\n"
		"\tldp64 0\n"
		"\tpush 1\n"
		"\trot\n"
		"\tdrop\n";
	static const char join[] =
		".handler j\n"
		"\tldh tag\n"
		"\tjz other\n"
		"\tpush 1\n"
		"\tpush 2\n"
		"\tjmp done\n"
		"other:\tpush 3\n"
		"done:\tdrop\n";
	struct rc_prog *p = rc_prog_new();
	struct rc_diags d;
	char line[600];
	bool ok = true;

	if (!p) {
		TEST_FAIL("c:source-lines", "out of memory");
		return;
	}
	rc_diags_init(&d);
	ok &= ASSERT_EQ(rc_asm("n.r", underflow, p, &d), 0,
			"c:source-lines: assembles");
	ok &= ASSERT_EQ(rc_verify(p, NULL, &d), -EINVAL,
			"c:source-lines: rejected");
	if (ok && ASSERT_EQ(d.n, 1, "c:source-lines: one diagnostic")) {
		rc_diag_format_line(&d.v[0], line, sizeof(line));
		ok &= ASSERT_STREQ(line, "n.r:4:2: error: stack underflow: "
				   "'rot' needs 3 values, the stack holds 2",
				   "c:source-lines: message");
		ok &= ASSERT_STREQ(d.v[0].note, "stack (bottom to top): "
				   "'ldp64 0' (line 2), 'push 1' (line 3)",
				   "c:source-lines: note");
		ok &= ASSERT_STREQ(d.v[0].text, "\trot",
				   "c:source-lines: source line");
	} else {
		ok = false;
	}
	rc_diags_free(&d);

	/* rc_asm() starts from a fresh object. */
	rc_prog_free(p);
	p = rc_prog_new();
	if (!p) {
		TEST_FAIL("c:source-lines", "out of memory");
		return;
	}
	rc_diags_init(&d);
	rc_asm("j.r", join, p, &d);
	if (ASSERT_EQ(rc_verify(p, NULL, &d), -EINVAL,
		      "c:source-lines: join rejected") &&
	    ASSERT_EQ(d.n, 1, "c:source-lines: join, one diagnostic")) {
		rc_diag_format_line(&d.v[0], line, sizeof(line));
		ok &= ASSERT_STREQ(line, "j.r:8:7: error: stack depth differs "
				   "where paths join: 2 from pc 4 (line 6), 1 "
				   "from pc 5 (line 7)",
				   "c:source-lines: join message");
		ok &= ASSERT_STREQ(d.v[0].note, "stack (bottom to top) from pc "
				   "4: 'push 1' (line 4), 'push 2' (line 5); "
				   "from pc 5: 'push 3' (line 7)",
				   "c:source-lines: join note");
	} else {
		ok = false;
	}
	rc_diags_free(&d);
	record("c:source-lines", ok);
	rc_prog_free(p);
}

/* Arguments and limits of the interface itself. */
static void test_interface(void)
{
	struct rc_prog *p = new_prog();
	struct rc_verinfo *info = calloc(1, sizeof(*info));
	struct rc_diags d;
	bool ok = true;

	if (!p || !info) {
		TEST_FAIL("c:interface", "out of memory");
		goto out;
	}
	ok &= ASSERT_EQ(rc_verify(NULL, info, NULL), -EINVAL,
			"c:interface: NULL program");
	ok &= ASSERT_EQ(info->depth[0], -1, "c:interface: info reset");

	p->insns[0] = (struct rc_insn)I(drop, 0);
	p->ninsns = 1;
	ok &= ASSERT_EQ(rc_verify(p, NULL, NULL), 0,
			"c:interface: no info, no diags, accepted");
	p->insns[0] = (struct rc_insn)I(pop, 0);
	ok &= ASSERT_EQ(rc_verify(p, NULL, NULL), -EINVAL,
			"c:interface: no info, no diags, rejected");

	/* Sixty bad slots: the list stops at RC_DIAG_LIMIT, the verdict
	 * does not change. */
	for (uint32_t pc = 0; pc < 60; pc++)
		p->insns[pc] = (struct rc_insn)RAW(0xee, 0, 0, 0);
	p->insns[60] = (struct rc_insn)I(drop, 0);
	p->ninsns = 61;
	rc_diags_init(&d);
	ok &= ASSERT_EQ(rc_verify(p, info, &d), -EINVAL,
			"c:interface: many errors rejected");
	ok &= ASSERT_EQ(d.nerrors, RC_DIAG_LIMIT, "c:interface: errors kept");
	ok &= ASSERT_TRUE(d.truncated, "c:interface: list truncated");
	rc_diags_free(&d);

	/* Diagnostics already in the list (an earlier file) do not make
	 * a good program bad. */
	p->insns[0] = (struct rc_insn)I(drop, 0);
	p->ninsns = 1;
	rc_diags_init(&d);
	rc_diag_pc(&d, RC_SEV_ERROR, p, -1, "an earlier error");
	ok &= ASSERT_EQ(rc_verify(p, info, &d), 0,
			"c:interface: earlier errors are not ours");
	rc_diags_free(&d);

	/* The largest program: 4096 slots, all of them run. */
	for (uint32_t pc = 0; pc + 1 < RC_CODE_MAX; pc += 2) {
		p->insns[pc] = (struct rc_insn)I(push, 1);
		p->insns[pc + 1] = (struct rc_insn)I(pop, 0);
	}
	p->insns[RC_CODE_MAX - 1] = (struct rc_insn)I(drop, 0);
	p->insns[RC_CODE_MAX - 2] = (struct rc_insn)I(push, 1);
	p->ninsns = RC_CODE_MAX;
	ok &= ASSERT_EQ(rc_verify(p, info, NULL), 0,
			"c:interface: 4096 slots accepted");
	ok &= ASSERT_EQ(info->depth[RC_CODE_MAX - 1], 1,
			"c:interface: depth at the last slot");
out:
	record("c:interface", ok);
	free(info);
	rc_prog_free(p);
}

/* ---- the case files ------------------------------------------------------ */

/* What struct rc_verinfo must say about some accepted cases. */
static const struct {
	const char *file;
	uint32_t max_depth;
	bool has_loop;
} case_info[] = {
	{ "accept-loop.r", 3, true },
	{ "accept-join.r", 3, false },
	{ "accept-loop-entry.r", 2, true },
	{ "unreachable.r", 1, false },
};

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 &&
	    !fseek(f, 0, SEEK_SET) && (buf = malloc(n + 1)) != NULL) {
		if (fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	if (!buf)
		errno = EIO;	/* opened, so not ENOENT */
	return buf;
}

/* The 'expect error:' and 'expect warning:' lines of a case, as
 * "L:C: SEVERITY: TEXT" (a bare "L:C: TEXT" gets the keyword's severity,
 * as in the general case runner). */
static size_t case_expectations(const char *text, char **want, size_t max)
{
	size_t n = 0;

	for (const char *s = text, *e; *s; s = *e ? e + 1 : e) {
		const char *sev = NULL, *t;
		unsigned int l, c;
		int k = -1;
		size_t len;

		e = s + strcspn(s, "\n");
		if (strncmp(s, ";!", 2))
			continue;
		t = s + 2 + strspn(s + 2, " \t");
		if (!strncmp(t, "expect error:", 13)) {
			sev = "error";
			t += 13;
		} else if (!strncmp(t, "expect warning:", 15)) {
			sev = "warning";
			t += 15;
		} else if (!strncmp(t, "expect note:", 12)) {
			sev = "note";
			t += 12;
		} else {
			continue;
		}
		t += strspn(t, " \t");
		len = e - t;
		while (len && strchr(" \t\r", t[len - 1]))
			len--;
		if (n == max)
			break;
		want[n] = malloc(len + 16);
		if (!want[n])
			break;
		snprintf(want[n], len + 1, "%s", t);
		if (!strstr(want[n], ": error: ") &&
		    !strstr(want[n], ": warning: ") &&
		    !strstr(want[n], ": note: ") &&
		    sscanf(want[n], "%u:%u: %n", &l, &c, &k) == 2 && k > 0) {
			memmove(want[n] + k + strlen(sev) + 2, want[n] + k,
				len - k + 1);
			memcpy(want[n] + k, sev, strlen(sev));
			memcpy(want[n] + k + strlen(sev), ": ", 2);
		}
		n++;
	}
	return n;
}

static void check_case(const char *dir, const char *file)
{
	char path[512], label[300], line[600], *want[32];
	struct rc_prog *prog = rc_prog_new();
	struct rc_verinfo *info = calloc(1, sizeof(*info));
	char *text;
	bool ok = true, errors = false, used[64] = { false };
	size_t nwant = 0;
	struct rc_diags d;
	int err = -EINVAL;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(label, sizeof(label), "verify/%s", file);
	text = read_text(path);
	if (!text || !prog || !info) {
		TEST_FAIL(label, "cannot read %s", path);
		record(label, false);
		goto out;
	}
	nwant = case_expectations(text, want, sizeof(want) / sizeof(want[0]));
	rc_diags_init(&d);
	if (!rc_asm(label, text, prog, &d))
		err = rc_verify(prog, info, &d);

	for (size_t i = 0; i < nwant; i++) {
		bool found = false;

		errors |= strstr(want[i], ": error: ") != NULL;
		for (size_t j = 0; j < d.n && j < 64 && !found; j++) {
			rc_diag_format_line(&d.v[j], line, sizeof(line));
			/* a .loc case's diagnostics name the compiled file */
			if (used[j] ||
			    strcmp(strip_origin(line, d.v[j].origin ?
						d.v[j].origin : label), want[i]))
				continue;
			used[j] = found = true;
		}
		if (!found) {
			TEST_FAIL(label, "expected \"%s\", not reported",
				  want[i]);
			ok = false;
		}
	}
	for (size_t j = 0; j < d.n; j++) {
		if ((j < 64 && used[j]) || d.v[j].severity != RC_SEV_ERROR)
			continue;
		rc_diag_format_line(&d.v[j], line, sizeof(line));
		TEST_FAIL(label, "unexpected \"%s\"",
			  strip_origin(line, d.v[j].origin ? d.v[j].origin : label));
		ok = false;
	}
	if (!errors && err) {
		TEST_FAIL(label, "not accepted (%d)", err);
		ok = false;
	}
	for (size_t i = 0; i < sizeof(case_info) / sizeof(case_info[0]); i++) {
		if (strcmp(case_info[i].file, file))
			continue;
		if (info->max_depth != case_info[i].max_depth ||
		    info->has_loop != case_info[i].has_loop) {
			TEST_FAIL(label, "max_depth %u has_loop %d, expected "
				  "%u %d", info->max_depth, info->has_loop,
				  case_info[i].max_depth,
				  case_info[i].has_loop);
			ok = false;
		}
	}
	if (ok)
		TEST_PASS(label);
	record(label, ok);
	rc_diags_free(&d);
	for (size_t i = 0; i < nwant; i++)
		free(want[i]);
out:
	free(text);
	free(info);
	rc_prog_free(prog);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_case_files(const char *root)
{
	char dir[400], *names[256];
	struct dirent *e;
	size_t n = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/selftests/cases/verify", root);
	dp = opendir(dir);
	if (!dp) {
		TEST_FAIL("verify cases", "cannot open %s", dir);
		return;
	}
	while ((e = readdir(dp)) != NULL && n < 256) {
		size_t len = strlen(e->d_name);

		if (len > 2 && !strcmp(e->d_name + len - 2, ".r"))
			names[n++] = strdup(e->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		check_case(dir, names[i]);
		free(names[i]);
	}
	ASSERT_TRUE(n >= 30, "verify cases: all there");
}

/* ---- every rule of docs/rcode.md section 5 has tests --------------------- */

/*
 * The rules as section 5 words them (the "; "-separated items of its list)
 * and the tests that show each one.  A rule added to the document without
 * a line here, a line here whose rule left the document, and a test named
 * here that did not pass all fail.
 */
static const struct {
	const char *rule;
	const char *tests;	/* space-separated */
} rules[] = {
	{ "an empty program", "verify/empty.r c:empty" },
	{ "a program with more than 4096 instruction slots",
	  "c:too-many-slots" },
	{ "an undefined opcode",
	  "verify/undefined-opcode.r c:undefined-opcode c:opcode-zero" },
	{ "a nonzero reserved field",
	  "verify/reserved-field.r c:reserved-field" },
	{ "an `a` field on an instruction that does not use it",
	  "verify/a-field.r c:a-field c:several-errors" },
	{ "an `imm` field on an instruction that takes no operand",
	  "verify/stray-imm.r c:stray-imm" },
	{ "a truncated `push64`",
	  "verify/push64-truncated.r c:push64-truncated" },
	{ "a `push64` whose second slot is not op 0 with `a` and reserved "
	  "field 0",
	  "verify/push64-second-slot.r c:push64-second-slot" },
	{ "a jump whose target is outside the program",
	  "verify/jump-outside.r c:jump-outside-after c:jump-outside-before "
	  "c:jump-outside-far" },
	{ "a jump whose target is inside a `push64`",
	  "verify/jump-into-push64.r c:jump-into-push64" },
	{ "a local out of range", "verify/local-range.r c:local-range" },
	{ "a `pick` depth out of range", "verify/pick-range.r c:pick-range" },
	{ "an unknown header field",
	  "verify/unknown-field.r c:unknown-field" },
	{ "`sth` to a read-only field",
	  "verify/sth-readonly.r c:sth-readonly" },
	{ "a payload offset that is negative or has `offset + width > 1408`",
	  "verify/payload-offset.r c:payload-offset" },
	{ "a data-area word outside the data area",
	  "verify/state-word.r verify/state-none.r c:state-word "
	  "c:state-word-none" },
	{ "a window that is not declared",
	  "verify/window-number.r verify/window-none.r c:window-number "
	  "c:window-none" },
	{ "a window word outside its window",
	  "verify/window-word.r c:window-word" },
	{ "a stack underflow (for `pick N`: fewer than N+1 values)",
	  "verify/stack-underflow.r verify/pick-underflow.r c:underflow "
	  "c:underflow-empty c:pick-underflow" },
	{ "a stack overflow (more than 16 values)",
	  "verify/stack-overflow.r c:overflow" },
	{ "two paths that reach the same pc with different stack depths",
	  "verify/join-depth.r verify/loop-depth.r c:join-depth "
	  "c:join-entry" },
	{ "a path that runs off the end of the program without an action",
	  "verify/fall-off-end.r verify/fall-off-jz.r c:fall-off "
	  "c:fall-off-jz" },
	{ "a budget of 0 or above 65536",
	  "verify/budget.r verify/budget-max.r c:budget-zero c:budget-over" },
	{ "a portal above 255", "verify/portal.r c:portal" },
	{ "more than 64 data-area groups", "c:too-many-groups" },
	{ "a data-area group of no words", "c:empty-group" },
	{ "a data area of more than 256 words",
	  "verify/state-size.r c:state-size" },
	{ "a data area whose size is not the sum of its groups",
	  "c:state-mismatch" },
	{ "more than 8 windows", "c:too-many-windows" },
	{ "a window of no words or more than 65536 words",
	  "verify/window-size.r c:window-size" },
	{ "a missing or invalid name of the handler, a data-area group or a "
	  "window",
	  "c:handler-name-missing c:handler-name-invalid "
	  "c:handler-name-unterminated c:group-window-names" },
};

/* Not in the list of rejections, but stated in the same section. */
static const char warning_rule[] = "Unreachable instructions get a warning";

/* Collapse runs of blanks and newlines into one space, in place. */
static void squeeze(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (strchr(" \t\n", *p)) {
			if (o > s && o[-1] != ' ')
				*o++ = ' ';
		} else {
			*o++ = *p;
		}
	}
	while (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
}

/* The items of section 5's list: each "- " bullet with its continuation
 * lines, split at "; ", without the final ';' or '.'. */
static size_t doc_rules(char *doc, char **items, size_t max, char **section)
{
	char *s = strstr(doc, "\n## 5."), *end, *b;
	size_t n = 0;

	*section = NULL;
	if (!s)
		return 0;
	s++;
	end = strstr(s, "\n## ");
	if (end)
		*end = '\0';
	*section = s;
	for (b = strstr(s, "\n- "); b; b = strstr(b, "\n- ")) {
		char *item, *next, *stop = strstr(b + 3, "\n\n");
		char *nb = strstr(b + 3, "\n- ");

		if (nb && (!stop || nb < stop))
			stop = nb;
		item = strndup(b + 3, stop ? (size_t)(stop - b - 3) :
					     strlen(b + 3));
		b = stop ? stop : b + strlen(b);
		if (!item)
			break;
		squeeze(item);
		for (char *p = item; p && n < max; p = next) {
			size_t len;

			next = strstr(p, "; ");
			if (next) {
				*next = '\0';
				next += 2;
			}
			len = strlen(p);
			while (len && strchr(";.", p[len - 1]))
				p[--len] = '\0';
			items[n++] = strdup(p);
		}
		free(item);
		if (!stop)
			break;
	}
	return n;
}

static void test_rules(const char *root)
{
	char path[400], *doc, *items[128], *section;
	size_t nitems;
	bool ok = true;

	snprintf(path, sizeof(path), "%s/docs/rcode.md", root);
	doc = read_text(path);
	if (!doc && errno == ENOENT) {
		/* A tree without the documents (the test VM's copy): this
		 * is a check of the source tree, nothing to do here. */
		printf("SKIP: rules: %s is not in this tree\n", path);
		return;
	}
	if (!doc) {
		TEST_FAIL("rules", "cannot read %s: %s", path, strerror(errno));
		return;
	}
	nitems = doc_rules(doc, items, sizeof(items) / sizeof(items[0]),
			   &section);
	for (size_t i = 0; i < nitems; i++) {
		bool known = false;

		for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++)
			known |= !strcmp(items[i], rules[r].rule);
		if (!known) {
			TEST_FAIL("rules", "docs/rcode.md section 5 states "
				  "\"%s\", which test_verify.c does not list",
				  items[i]);
			ok = false;
		}
	}
	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		char tests[256], *save = NULL, *t;
		bool in_doc = false;
		int ntests = 0;

		for (size_t i = 0; i < nitems; i++)
			in_doc |= !strcmp(items[i], rules[r].rule);
		if (!in_doc) {
			TEST_FAIL("rules", "\"%s\" is not in docs/rcode.md "
				  "section 5", rules[r].rule);
			ok = false;
		}
		snprintf(tests, sizeof(tests), "%s", rules[r].tests);
		for (t = strtok_r(tests, " ", &save); t;
		     t = strtok_r(NULL, " ", &save)) {
			ntests++;
			if (!has_passed(t)) {
				TEST_FAIL("rules", "\"%s\": test %s did not "
					  "pass", rules[r].rule, t);
				ok = false;
			}
		}
		if (!ntests) {
			TEST_FAIL("rules", "\"%s\" has no test", rules[r].rule);
			ok = false;
		}
	}
	if (section)
		squeeze(section);
	if (!section || !strstr(section, warning_rule) ||
	    !has_passed("verify/unreachable.r") ||
	    !has_passed("c:unreachable")) {
		TEST_FAIL("rules", "\"%s\": not in section 5, or its tests did "
			  "not pass", warning_rule);
		ok = false;
	}
	if (ok)
		printf("PASS: rules: all %zu rules of docs/rcode.md section 5 "
		       "have tests that passed\n", nitems);
	for (size_t i = 0; i < nitems; i++)
		free(items[i]);
	free(doc);
}

/* ---- random programs ----------------------------------------------------- */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/*
 * A random program that has a fair chance to verify: straight-line code
 * keeps the stack within bounds, jumps go anywhere, now and then a slot is
 * raw garbage.
 */
static void random_prog(struct rc_prog *p)
{
	static const struct rc_opinfo *ops[256];
	static size_t nops;
	uint32_t n = 2 + below(28), pc = 0;
	int depth = 0;

	if (!nops)
		for (const struct rc_opinfo *o = rc_optable; o->name; o++)
			if (!(o->flags & RC_F_RESERVED))
				ops[nops++] = o;
	memset(p->insns, 0, n * sizeof(p->insns[0]));
	p->ninsns = n;
	while (pc < n) {
		struct rc_insn *in = &p->insns[pc];
		const struct rc_opinfo *o = NULL;
		int need;

		if (!below(60)) {	/* garbage */
			in->op = rnd();
			in->a = below(4) ? 0 : rnd();
			in->rsvd = below(4) ? 0 : rnd();
			in->imm = below(2) ? (int32_t)rnd() : (int32_t)below(8);
			pc++;
			continue;
		}
		if (pc == n - 1 || !below(8)) {
			o = rc_opinfo(RC_OP_drop + below(3));
		} else {
			for (int tries = 0; tries < 20 && !o; tries++) {
				o = ops[below(nops)];
				need = o->code == RC_OP_pick ? 1 : o->pops;
				if (need > depth ||
				    depth - o->pops + o->pushes >
					    RC_STACK_MAX ||
				    ((o->flags & RC_F_WIDE) && pc + 1 >= n) ||
				    ((o->flags & RC_F_JUMP) && below(2)))
					o = NULL;
			}
			if (!o)
				o = rc_opinfo(RC_OP_drop);
		}
		in->op = o->code;
		switch ((enum rc_operand)o->operand) {
		case RC_OPND_NONE:
			break;
		case RC_OPND_IMM:
			in->imm = below(2) ? (int32_t)below(64) :
					     (int32_t)rnd();
			break;
		case RC_OPND_IMM64:
			in->imm = rnd();
			in[1].imm = rnd();
			break;
		case RC_OPND_DEPTH:
			in->imm = below(depth);
			break;
		case RC_OPND_LOCAL:
			in->imm = below(17);
			break;
		case RC_OPND_LABEL:
			in->imm = (int32_t)below(n) - (int32_t)pc - 1;
			break;
		case RC_OPND_FIELD:
			in->imm = o->code == RC_OP_sth ? 2 + below(3) :
							 below(6);
			break;
		case RC_OPND_POFF:
			in->imm = below(40);
			break;
		case RC_OPND_SLOT:
			in->imm = below(5);
			break;
		case RC_OPND_WIN:
			in->a = below(12) ? 0 : 1;
			in->imm = below(5);
			break;
		}
		depth += o->code == RC_OP_pick ? 1 : o->pushes - o->pops;
		if (o->flags & RC_F_ACTION)
			depth = below(3);
		pc += (o->flags & RC_F_WIDE) ? 2 : 1;
	}
}

/*
 * Walk an accepted program along random paths with the table's stack
 * effects: the depth must be what rc_verinfo says, never out of bounds,
 * and control must never leave the program.  Returns false on a
 * contradiction, with the reason in why.
 */
static bool walk(const struct rc_prog *p, const struct rc_verinfo *info,
		 char *why, size_t size)
{
	uint32_t pc = 0;
	int depth = 0;

	for (int steps = 0; steps < 400; steps++) {
		const struct rc_insn *in = &p->insns[pc];
		const struct rc_opinfo *o = rc_opinfo(in->op);
		int need;

		if (!o || !info->reachable[pc] || info->depth[pc] != depth) {
			snprintf(why, size, "pc %u: depth %d, verinfo says %d",
				 pc, depth, info->depth[pc]);
			return false;
		}
		need = in->op == RC_OP_pick ? in->imm + 1 : o->pops;
		depth += in->op == RC_OP_pick ? 1 : o->pushes - o->pops;
		if (need > info->depth[pc] || depth > RC_STACK_MAX ||
		    depth > (int)info->max_depth) {
			snprintf(why, size, "pc %u: stack out of bounds", pc);
			return false;
		}
		if (o->flags & RC_F_ACTION)
			return true;
		if ((o->flags & RC_F_JUMP) &&
		    (!(o->flags & RC_F_COND) || below(2)))
			pc = pc + 1 + in->imm;
		else
			pc += (o->flags & RC_F_WIDE) ? 2 : 1;
		if (pc >= p->ninsns) {
			snprintf(why, size, "control left the program");
			return false;
		}
	}
	return true;
}

struct fuzz_stats {
	unsigned long programs, accepted, runs, budget;
	unsigned long failures;
};

/* Verify one program; if accepted, walk it and run it. */
static void fuzz_one(struct rc_prog *p, struct rc_verinfo *info,
		     struct rc_env *env, struct fuzz_stats *st)
{
	struct rc_diags d;
	struct rc_result res;
	struct rc_msg msg;
	char why[128];
	int err;

	st->programs++;
	rc_diags_init(&d);
	err = rc_verify(p, info, &d);
	if ((err == 0) != (d.nerrors == 0) || (err && err != -EINVAL)) {
		if (st->failures++ < 5)
			TEST_FAIL("fuzz", "rc_verify returned %d with %zu "
				  "errors", err, d.nerrors);
	}
	rc_diags_free(&d);
	if (err)
		return;
	st->accepted++;
	for (int k = 0; k < 4; k++) {
		if (!walk(p, info, why, sizeof(why)) && st->failures++ < 5)
			TEST_FAIL("fuzz", "accepted program: %s", why);
	}
	for (int k = 0; k < 3; k++) {
		memset(&msg, 0, sizeof(msg));
		msg.hdr.tag = below(3);
		msg.hdr.seq = below(5);
		msg.hdr.len = below(48);
		for (uint32_t i = 0; i < msg.hdr.len; i++)
			msg.payload[i] = rnd();
		if (rc_run(p, &msg, env, &res)) {
			if (st->failures++ < 5)
				TEST_FAIL("fuzz", "rc_run refused a verified "
					  "program");
			continue;
		}
		st->runs++;
		st->budget += res.fault == RC_FAULT_BUDGET;
		if ((res.fault == RC_FAULT_ILLEGAL ||
		     res.stack_max > info->max_depth) && st->failures++ < 5)
			TEST_FAIL("fuzz", "verified program: fault %s at pc "
				  "%u, stack_max %u of %u",
				  rc_fault_name(res.fault), res.fault_pc,
				  res.stack_max, info->max_depth);
	}
}

static void test_fuzz(void)
{
	struct rc_prog *p = new_prog(), *m = new_prog();
	struct rc_verinfo *info = calloc(1, sizeof(*info));
	uint64_t state[4] = { 0 }, win[4] = { 0 };
	struct rc_env env = { .state = state, .windows = { win } };
	struct fuzz_stats st = { 0 }, mst = { 0 };
	char what[160];

	if (!p || !m || !info) {
		TEST_FAIL("fuzz", "out of memory");
		goto out;
	}
	add_state(p, "s", 4);
	add_window(p, "w", 4);
	p->budget = 300;
	for (int i = 0; i < 20000; i++) {
		random_prog(p);
		fuzz_one(p, info, &env, &st);

		/* The same program with one slot's field scrambled. */
		memcpy(m, p, sizeof(*m));
		m->src = NULL;
		m->loc = NULL;
		switch (below(4)) {
		case 0:
			m->insns[below(m->ninsns)].op = rnd();
			break;
		case 1:
			m->insns[below(m->ninsns)].a = below(3);
			break;
		case 2:
			m->insns[below(m->ninsns)].rsvd = below(2);
			break;
		default:
			m->insns[below(m->ninsns)].imm =
				(int32_t)below(40) - 20;
			break;
		}
		fuzz_one(m, info, &env, &mst);
	}
	snprintf(what, sizeof(what), "fuzz: %lu random programs, %lu accepted, "
		 "%lu runs, no illegal instruction", st.programs, st.accepted,
		 st.runs);
	if (!st.failures)
		ASSERT_TRUE(st.accepted >= 2000, what);
	snprintf(what, sizeof(what), "fuzz: %lu mutated programs, %lu "
		 "accepted, %lu runs, no illegal instruction", mst.programs,
		 mst.accepted, mst.runs);
	if (!mst.failures)
		ASSERT_TRUE(mst.accepted >= 1000, what);
out:
	free(info);
	rc_prog_free(m);
	rc_prog_free(p);
}

int main(void)
{
	const char *root = getenv("RC_ROOT");

	if (!root)
		root = ".";
	for (size_t i = 0; i < sizeof(ctests) / sizeof(ctests[0]); i++)
		run_ctest(&ctests[i]);
	test_verinfo();
	test_source_lines();
	test_interface();
	test_case_files(root);
	test_rules(root);
	test_fuzz();
	for (size_t i = 0; i < npassed; i++)
		free(passed[i]);
	return rc_test_exit();
}
