// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_case.c - test cases as data: the ';!' directives of
 * selftests/cases/README.md, the runs they describe, and the comparison of
 * any execution path's results with what they expect.
 *
 * Loading is two steps.  The directives are parsed first, keeping the
 * names of data-area and window words as written; once the handler has
 * assembled, the names are resolved against its declarations.  So a
 * handler that does not assemble still loads, and the test can report the
 * assembler's errors rather than "unknown name".
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include "rc_abi.h"
#include "rc_case.h"
#include "rc_rcc.h"
#include "rc_test.h"

/* rc_case_word.win before resolution: a window named by ref. */
#define WIN_BY_NAME	(-2)

/* ---- small helpers ------------------------------------------------------ */

/* Append to a "; "-separated list of reasons, never overflowing. */
struct why {
	char *buf;
	size_t size, len;
	int n;
};

__attribute__((format(printf, 2, 3)))
static void why_add(struct why *w, const char *fmt, ...)
{
	va_list ap;
	int k;

	w->n++;
	if (!w->size || w->len + 1 >= w->size)
		return;
	if (w->n > 1) {
		k = snprintf(w->buf + w->len, w->size - w->len, "; ");
		w->len += k;
		if (w->len >= w->size) {
			w->len = w->size - 1;
			return;
		}
	}
	va_start(ap, fmt);
	k = vsnprintf(w->buf + w->len, w->size - w->len, fmt, ap);
	va_end(ap);
	w->len += k;
	if (w->len >= w->size)
		w->len = w->size - 1;
}

static void why_init(struct why *w, char *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->len = 0;
	w->n = 0;
	if (size)
		buf[0] = '\0';
}

/* A value as a reader wants it: small ones in decimal (negative ones as
 * such), the rest in hex. */
static const char *num(char buf[32], uint64_t v)
{
	int64_t s = (int64_t)v;

	if (v <= 999999)
		snprintf(buf, 32, "%" PRIu64, v);
	else if (s < 0 && s >= -999999)
		snprintf(buf, 32, "%" PRId64, s);
	else
		snprintf(buf, 32, "0x%" PRIx64, v);
	return buf;
}

/* Make room for element n of array arr; 0 or -ENOMEM (arr unchanged).
 * The arrays here are short: growing by one keeps it simple. */
#define GROW(arr, n)							\
	({								\
		typeof(arr) nv__ = realloc((arr), ((n) + 1) * sizeof(*(arr))); \
		if (nv__)						\
			(arr) = nv__;					\
		nv__ ? 0 : -ENOMEM;					\
	})

/* ---- parsing ---------------------------------------------------------- */

struct parser {
	struct rc_case *c;
	uint32_t line;
	char *err;
	size_t errsize;
	int failed;
	/* Words and clock written since the last msg: they belong to the
	 * next run. */
	struct rc_case_word *setup;
	size_t nsetup;
	bool have_setup;
	uint32_t setup_line;	/* the first of them, for messages */
	uint64_t clock_ns;
	bool expected_errors;
	/* The rank table in force (a 'ranks' line): for this and later
	 * runs, like the clock. */
	bool has_ranks;
	struct rc_ranks ranks;
};

__attribute__((format(printf, 2, 3)))
static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (p->failed)
		return -EINVAL;
	p->failed = 1;
	k = snprintf(p->err, p->errsize, "line %u: ", p->line);
	if (k < 0 || (size_t)k >= p->errsize)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + k, p->errsize - k, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A payload as written (rc_payload_parse), with the case's line. */
static int parse_payload(struct parser *p, const char *s, struct rc_msg *m)
{
	char err[160];

	if (rc_payload_parse(s, m->payload, &m->hdr.len, err, sizeof(err)))
		return perr(p, "%s", err);
	return 0;
}

/* "key=value" tokens of a msg or expect msg line, into m. */
static int parse_msg_fields(struct parser *p, char **tok, int ntok,
			    struct rc_msg *m)
{
	for (int i = 0; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');
		const char *key = tok[i], *val;
		uint64_t v;
		int f;

		if (!eq)
			return perr(p, "'%s': expected FIELD=VALUE", tok[i]);
		*eq = '\0';
		val = eq + 1;
		if (!strcmp(key, "payload")) {
			if (parse_payload(p, val, m))
				return -EINVAL;
			continue;
		}
		f = rc_field_by_name(key);
		if (f < 0 || f == RC_FIELD_LEN)
			return perr(p, "unknown message field '%s' (src, dst, "
				    "portal, tag, seq, payload)", key);
		if (!rc_parse_width(val, f == RC_FIELD_PORTAL ? 16 : 32, &v))
			return perr(p, "%s=%s does not fit the field", key,
				    val);
		switch ((enum rc_field)f) {
		case RC_FIELD_SRC:
			m->hdr.src = v;
			break;
		case RC_FIELD_DST:
			m->hdr.dst = v;
			break;
		case RC_FIELD_PORTAL:
			m->hdr.portal = v;
			break;
		case RC_FIELD_TAG:
			m->hdr.tag = v;
			break;
		case RC_FIELD_SEQ:
			m->hdr.seq = v;
			break;
		case RC_FIELD_LEN:
		case RC_FIELD__COUNT:
			break;
		}
	}
	return 0;
}

/*
 * "REF=V[,V...]" tokens of a state or window line: REF is NAME, NAME+K, or
 * (data area only) a word number; a list fills consecutive words.  Kept in
 * canonical form in ref, resolved once the program is known.
 */
static int parse_words(struct parser *p, char **tok, int ntok, bool window,
		       struct rc_case_word **v, size_t *n)
{
	for (int i = 0; i < ntok; i++) {
		char *eq = strchr(tok[i], '='), *plus, *list;
		char name[RC_NAME_MAX];
		uint64_t k = 0, word = 0;
		bool numeric;

		if (!eq || eq == tok[i])
			return perr(p, "'%s': expected NAME=VALUE[,VALUE...]",
				    tok[i]);
		*eq = '\0';
		list = eq + 1;
		numeric = tok[i][0] >= '0' && tok[i][0] <= '9';
		plus = strchr(tok[i], '+');
		if (plus) {
			*plus = '\0';
			if (numeric || !rc_parse_number(plus + 1, &k, NULL) ||
			    k > UINT32_MAX)
				return perr(p, "'%s+%s': expected NAME+K",
					    tok[i], plus + 1);
		}
		if (numeric) {
			if (window)
				return perr(p, "window words are named: "
					    "NAME or NAME+K, not '%s'", tok[i]);
			if (!rc_parse_number(tok[i], &word, NULL) ||
			    word > UINT32_MAX)
				return perr(p, "'%s' is not a word number",
					    tok[i]);
		} else if (strlen(tok[i]) >= RC_NAME_MAX) {
			return perr(p, "'%s' is too long for a name", tok[i]);
		}
		snprintf(name, sizeof(name), "%s", tok[i]);

		for (uint64_t j = 0; *list; j++) {
			size_t len = strcspn(list, ",");
			struct rc_case_word *w;
			char val[80];

			if (!len || len >= sizeof(val))
				return perr(p, "%s: empty or overlong value",
					    name);
			memcpy(val, list, len);
			val[len] = '\0';
			if (GROW(*v, *n))
				return perr(p, "out of memory");
			w = &(*v)[(*n)++];
			memset(w, 0, sizeof(*w));
			w->line = p->line;
			w->win = window ? WIN_BY_NAME : -1;
			if (!rc_parse_number(val, &w->value, NULL))
				return perr(p, "%s: '%s' is not a number",
					    name, val);
			if (numeric)
				snprintf(w->ref, sizeof(w->ref), "%" PRIu64,
					 word + j);
			else if (k + j)
				snprintf(w->ref, sizeof(w->ref), "%s+%" PRIu64,
					 name, k + j);
			else
				snprintf(w->ref, sizeof(w->ref), "%s", name);
			list += len;
			if (*list == ',' && !*++list)
				return perr(p, "%s: trailing ','", name);
		}
	}
	return 0;
}

/* action= fault= pc= insns= stack_max= */
static int parse_expect_result(struct parser *p, char **tok, int ntok,
			       struct rc_case_run *r)
{
	for (int i = 0; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');
		const char *key = tok[i], *val;
		uint64_t v;
		int k;

		if (!eq)
			return perr(p, "'%s': expected KEY=VALUE (or 'expect "
				    "state', 'expect window', 'expect msg', "
				    "'expect send', 'expect upcall', 'expect "
				    "error:')", tok[i]);
		*eq = '\0';
		val = eq + 1;
		if (!strcmp(key, "action")) {
			k = rc_action_by_name(val);
			if (k != RC_ACT_DROP && k != RC_ACT_PASS &&
			    k != RC_ACT_REPLY && k != RC_ACT_FORWARD)
				return perr(p, "action '%s': expected drop, "
					    "pass, reply or forward", val);
			r->action = k;
		} else if (!strcmp(key, "rank")) {
			if (!rc_parse_number(val, &v, NULL) || v > UINT32_MAX)
				return perr(p, "rank=%s is not a rank", val);
			r->rank = v;
		} else if (!strcmp(key, "sends") || !strcmp(key, "upcalls")) {
			if (!rc_parse_number(val, &v, NULL) || v > UINT32_MAX)
				return perr(p, "%s=%s is not a count", key,
					    val);
			if (key[0] == 's')
				r->nsends = v;
			else
				r->nupcalls = v;
		} else if (!strcmp(key, "fault")) {
			k = rc_fault_by_name(val);
			if (k < 0)
				return perr(p, "unknown fault '%s'", val);
			r->fault = k;
		} else if (!strcmp(key, "pc") || !strcmp(key, "insns") ||
			   !strcmp(key, "stack_max")) {
			if (!rc_parse_number(val, &v, NULL) || v > INT64_MAX)
				return perr(p, "%s=%s is not a count", key,
					    val);
			if (key[0] == 'p')
				r->pc = v;
			else if (key[0] == 'i')
				r->insns = v;
			else
				r->stack_max = v;
		} else {
			return perr(p, "unknown expectation '%s' (action, "
				    "rank, fault, pc, insns, stack_max, sends, "
				    "upcalls)", key);
		}
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* 'expect error: TEXT', 'expect warning: TEXT' and 'expect note: TEXT'.
 * TEXT is what the diagnostic's first line says without the file name; a
 * TEXT of just "L:C: message" gets the severity of the keyword. */
static int parse_expect_diag(struct parser *p, const char *sev, char *text)
{
	struct rc_case *c = p->c;
	struct rc_case_diag *g;
	unsigned int line, col;
	int n = -1;
	char *s;

	text = trim(text);
	if (!*text)
		return perr(p, "expect %s: needs the diagnostic's text", sev);
	if (strstr(text, ": error: ") || strstr(text, ": warning: ") ||
	    strstr(text, ": note: ") ||
	    sscanf(text, "%u:%u: %n", &line, &col, &n) != 2 || n < 0) {
		s = strdup(text);
	} else {
		size_t len = strlen(text) + strlen(sev) + 4;

		s = malloc(len);
		if (s)
			snprintf(s, len, "%.*s%s: %s", n, text, sev, text + n);
	}
	if (!s)
		return perr(p, "out of memory");
	if (GROW(c->expect_diags, c->nexpect_diags)) {
		free(s);
		return perr(p, "out of memory");
	}
	g = &c->expect_diags[c->nexpect_diags++];
	g->line = p->line;
	g->text = s;
	if (!strcmp(sev, "error"))
		p->expected_errors = true;
	return 0;
}

static struct rc_case_run *new_run(struct parser *p, char **tok, int ntok)
{
	struct rc_case *c = p->c;
	struct rc_case_run *r;

	if (GROW(c->runs, c->nruns)) {
		perr(p, "out of memory");
		return NULL;
	}
	r = &c->runs[c->nruns++];
	memset(r, 0, sizeof(*r));
	r->line = p->line;
	r->pc = r->insns = r->stack_max = -1;
	r->rank = r->nsends = r->nupcalls = -1;
	r->has_ranks = p->has_ranks;
	r->ranks = p->ranks;
	r->action = RC_ACT_NONE;
	r->fault = RC_FAULT_NONE;
	r->clock_ns = p->clock_ns;
	r->setup = p->setup;
	r->nsetup = p->nsetup;
	p->setup = NULL;
	p->nsetup = 0;
	p->have_setup = false;
	r->in.hdr.version = RC_WIRE_VERSION;
	if (parse_msg_fields(p, tok, ntok, &r->in))
		return NULL;
	r->out = r->in;
	return r;
}

#define MAX_TOKENS 64

static void note_setup(struct parser *p)
{
	if (!p->have_setup)
		p->setup_line = p->line;
	p->have_setup = true;
}

/*
 * 'ranks N self=S [absent=R,R,...]' or 'ranks none': the rank table of
 * this and the later runs.  The present flags, when some rank is absent,
 * belong to the case, so that runs may share them.
 */
static int parse_ranks(struct parser *p, char **tok, int ntok)
{
	struct rc_case *c = p->c;
	uint64_t n, self = 0, v;
	uint8_t *present = NULL;

	if (ntok == 1 && !strcmp(tok[0], "none")) {
		p->has_ranks = false;
		memset(&p->ranks, 0, sizeof(p->ranks));
		return 0;
	}
	if (ntok < 1 || !rc_parse_number(tok[0], &n, NULL) || n > UINT32_MAX)
		return perr(p, "ranks: expected 'ranks N self=S "
			    "[absent=R,R,...]' or 'ranks none'");
	for (int i = 1; i < ntok; i++) {
		if (!strncmp(tok[i], "self=", 5)) {
			if (!rc_parse_number(tok[i] + 5, &self, NULL) ||
			    self >= (n ? n : 1))
				return perr(p, "ranks: self=%s is not a rank "
					    "below %" PRIu64, tok[i] + 5, n);
			continue;
		}
		if (strncmp(tok[i], "absent=", 7))
			return perr(p, "ranks: unknown word '%s' (self=, "
				    "absent=)", tok[i]);
		/* One flag per rank: keep the tables of tests small. */
		if (n > 65536)
			return perr(p, "ranks: absent= needs N <= 65536");
		if (!present) {
			present = malloc(n ? n : 1);
			if (!present || GROW(c->present, c->npresent)) {
				free(present);
				return perr(p, "out of memory");
			}
			memset(present, 1, n);
			c->present[c->npresent++] = present;
		}
		for (char *q = tok[i] + 7, *e; *q; q = e) {
			e = q + strcspn(q, ",");
			if (*e)
				*e++ = '\0';
			if (!rc_parse_number(q, &v, NULL) || v >= n)
				return perr(p, "ranks: absent rank '%s' is not "
					    "below %" PRIu64, q, n);
			present[v] = 0;
		}
	}
	p->has_ranks = true;
	p->ranks.nranks = n;
	p->ranks.self = self;
	p->ranks.present = present;
	return 0;
}

/*
 * 'expect send rank=R [portal=..] [tag=..] [seq=..] [payload=..]' and
 * 'expect upcall value=V [portal=..] [tag=..] [seq=..]': what is not
 * listed is as the run's input has it.
 */
static int parse_expect_effect(struct parser *p, struct rc_case_run *r,
			       bool send, char **tok, int ntok)
{
	const char *key = send ? "rank=" : "value=";
	size_t kl = strlen(key);
	struct rc_case_effect *e;
	char *rest[MAX_TOKENS];
	bool have = false;
	int nrest = 0;
	uint64_t v;

	if (send && !r->has_ranks)
		return perr(p, "expect send: no 'ranks' line before the run "
			    "says who may be sent to");
	if (GROW(r->effects, r->neffects))
		return perr(p, "out of memory");
	e = &r->effects[r->neffects++];
	memset(e, 0, sizeof(*e));
	e->line = p->line;
	e->kind = send ? RC_EFFECT_SEND : RC_EFFECT_UPCALL;
	e->msg = r->in;
	for (int i = 0; i < ntok; i++) {
		if (strncmp(tok[i], key, kl)) {
			if (!strncmp(tok[i], "src=", 4) ||
			    !strncmp(tok[i], "dst=", 4) ||
			    (!send && !strncmp(tok[i], "payload=", 8)))
				return perr(p, "expect %s: '%s' cannot be "
					    "listed%s", send ? "send" : "upcall",
					    tok[i], send ? " (src is self, dst "
					    "the rank)" : "");
			rest[nrest++] = tok[i];
			continue;
		}
		if (!rc_parse_number(tok[i] + kl, &v, NULL) ||
		    (send && v > UINT32_MAX))
			return perr(p, "'%s' is not a %s", tok[i],
				    send ? "rank" : "number");
		if (send)
			e->rank = v;
		else
			e->value = v;
		have = true;
	}
	if (!have)
		return perr(p, "expect %s needs %s", send ? "send" : "upcall",
			    send ? "rank=R" : "value=V");
	if (parse_msg_fields(p, rest, nrest, &e->msg))
		return -EINVAL;
	if (send) {
		e->msg.hdr.src = r->ranks.self;
		e->msg.hdr.dst = e->rank;
	}
	return 0;
}

static int directive(struct parser *p, char *s)
{
	struct rc_case *c = p->c;
	struct rc_case_run *r = c->nruns ? &c->runs[c->nruns - 1] : NULL;
	char *tok[MAX_TOKENS], *kw, *save;
	int ntok = 0;

	s = trim(s);
	/* desc and expect error/warning take the rest of the line. */
	if (!strncmp(s, "desc:", 5) || !strncmp(s, "desc ", 5)) {
		snprintf(c->desc, sizeof(c->desc), "%s", trim(s + 5));
		return 0;
	}
	if (!strncmp(s, "expect", 6) && (s[6] == ' ' || s[6] == '\t')) {
		char *rest = trim(s + 6);

		if (!strncmp(rest, "error:", 6))
			return parse_expect_diag(p, "error", rest + 6);
		if (!strncmp(rest, "warning:", 8))
			return parse_expect_diag(p, "warning", rest + 8);
		if (!strncmp(rest, "note:", 5))
			return parse_expect_diag(p, "note", rest + 5);
	}

	kw = strtok_r(s, " \t", &save);
	if (!kw)
		return perr(p, "empty ';!' directive");
	while ((tok[ntok] = strtok_r(NULL, " \t", &save)) != NULL)
		if (++ntok == MAX_TOKENS)
			return perr(p, "too many words on one line");

	if (!strcmp(kw, "state") || !strcmp(kw, "window")) {
		note_setup(p);
		return parse_words(p, tok, ntok, kw[0] == 'w', &p->setup,
				   &p->nsetup);
	}
	if (!strcmp(kw, "clock")) {
		if (ntok != 1 || !rc_parse_number(tok[0], &p->clock_ns, NULL))
			return perr(p, "clock takes one number");
		note_setup(p);
		return 0;
	}
	if (!strcmp(kw, "ranks")) {
		note_setup(p);
		return parse_ranks(p, tok, ntok);
	}
	if (!strcmp(kw, "msg"))
		return new_run(p, tok, ntok) ? 0 : -EINVAL;
	if (strcmp(kw, "expect"))
		return perr(p, "unknown directive '%s' (desc, state, window, "
			    "clock, ranks, msg, expect)", kw);
	if (!r)
		return perr(p, "'expect' before the first 'msg'");
	if (p->have_setup)
		return perr(p, "'expect' after state, window or clock: those "
			    "set up the next run; expectations follow its msg");
	if (ntok && !strcmp(tok[0], "state"))
		return parse_words(p, tok + 1, ntok - 1, false, &r->expect,
				   &r->nexpect);
	if (ntok && !strcmp(tok[0], "window"))
		return parse_words(p, tok + 1, ntok - 1, true, &r->expect,
				   &r->nexpect);
	if (ntok && !strcmp(tok[0], "msg"))
		return parse_msg_fields(p, tok + 1, ntok - 1, &r->out);
	if (ntok && (!strcmp(tok[0], "send") || !strcmp(tok[0], "upcall")))
		return parse_expect_effect(p, r, tok[0][0] == 's', tok + 1,
					   ntok - 1);
	if (!ntok)
		return perr(p, "'expect' needs something to expect");
	return parse_expect_result(p, tok, ntok, r);
}

/* Each run must say how it ends; a fault implies the action pass. */
static int check_runs(struct parser *p)
{
	struct rc_case *c = p->c;

	if (p->have_setup) {
		p->line = p->setup_line;
		return perr(p, "state, window or clock after the last msg "
			    "set up no run");
	}
	if (p->expected_errors && c->nruns) {
		p->line = c->runs[0].line;
		return perr(p, "a case that expects errors cannot have runs");
	}
	for (size_t i = 0; i < c->nruns; i++) {
		struct rc_case_run *r = &c->runs[i];

		p->line = r->line;
		if (r->fault != RC_FAULT_NONE) {
			if (r->action != RC_ACT_NONE &&
			    r->action != RC_ACT_PASS)
				return perr(p, "run %zu: a fault always "
					    "passes the message on", i + 1);
			r->action = RC_ACT_PASS;
		} else if (r->action == RC_ACT_NONE) {
			return perr(p, "run %zu: no 'expect action=' (or "
				    "fault=)", i + 1);
		}
		if (r->pc >= 0 && r->fault == RC_FAULT_NONE)
			return perr(p, "run %zu: pc= is the faulting pc and "
				    "needs fault=", i + 1);
		if ((r->action == RC_ACT_FORWARD) != (r->rank >= 0))
			return perr(p, "run %zu: action=forward and rank= go "
				    "together", i + 1);
		if (r->action == RC_ACT_FORWARD && !r->has_ranks)
			return perr(p, "run %zu: forward needs a 'ranks' line "
				    "before the run", i + 1);
	}
	return 0;
}

/* The word a canonical ref names, within the program's declarations. */
static int resolve_word(struct parser *p, struct rc_case_word *w)
{
	const struct rc_prog *prog = p->c->prog;
	char name[sizeof(w->ref)], *plus;
	uint64_t k = 0;
	int base;

	p->line = w->line;
	snprintf(name, sizeof(name), "%s", w->ref);
	plus = strchr(name, '+');
	if (plus) {
		*plus = '\0';
		rc_parse_number(plus + 1, &k, NULL);
	}
	if (w->win == WIN_BY_NAME) {
		base = rc_prog_window_index(prog, name);
		if (base < 0)
			return perr(p, "no window '%s' in the handler", name);
		if (k >= prog->windows[base].words)
			return perr(p, "window word '%s' is outside '%s' (%u "
				    "words)", w->ref, name,
				    prog->windows[base].words);
		w->win = base;
		w->word = k;
		return 0;
	}
	if (name[0] >= '0' && name[0] <= '9') {
		rc_parse_number(name, &k, NULL);
		if (k >= prog->state_words)
			return perr(p, "state word %s is outside the data area "
				    "(%u words)", name, prog->state_words);
		w->word = k;
		return 0;
	}
	base = rc_prog_sym_offset(prog, name);
	if (base < 0)
		return perr(p, "no state '%s' in the handler", name);
	for (uint32_t i = 0; i < prog->nsyms; i++)
		if (!strcmp(prog->syms[i].name, name) &&
		    k >= prog->syms[i].words)
			return perr(p, "state word '%s' is outside '%s' (%u "
				    "words)", w->ref, name,
				    prog->syms[i].words);
	w->word = base + k;
	return 0;
}

static int resolve(struct parser *p)
{
	struct rc_case *c = p->c;

	for (size_t i = 0; i < c->nruns; i++) {
		struct rc_case_run *r = &c->runs[i];

		for (size_t j = 0; j < r->nsetup; j++)
			if (resolve_word(p, &r->setup[j]))
				return -EINVAL;
		for (size_t j = 0; j < r->nexpect; j++)
			if (resolve_word(p, &r->expect[j]))
				return -EINVAL;
	}
	return 0;
}

int rc_case_load(const char *path, const char *name, struct rc_case **out,
		 char *err, size_t errsize)
{
	return rc_case_load_text(path, NULL, name, out, err, errsize);
}

int rc_case_load_text(const char *path, const char *text, const char *name,
		      struct rc_case **out, char *err, size_t errsize)
{
	struct parser p = { .err = err, .errsize = errsize };
	struct rc_case *c;
	char *copy = NULL, *line, *save;
	int rc = 0;
	bool is_c;

	*out = NULL;
	if (errsize)
		err[0] = '\0';
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	p.c = c;
	rc_diags_init(&c->diags);
	is_c = strlen(path) > 2 && !strcmp(path + strlen(path) - 2, ".c");
	c->path = strdup(path);
	c->name = strdup(name ? name : path);
	if (!c->path || !c->name) {
		rc = -ENOMEM;
		goto fail;
	}
	c->text = text ? strdup(text) : rc_test_read_file(path, &rc);
	if (!c->text && text) {
		rc = -ENOMEM;
		goto fail;
	}
	if (!c->text) {
		snprintf(err, errsize, "cannot read %s: %s", path,
			 strerror(-rc));
		goto fail;
	}

	/* The handler first: directives are resolved against it. */
	c->prog = rc_prog_new();
	if (!c->prog) {
		rc = -ENOMEM;
		goto fail;
	}
	if (is_c) {
		/* a C case: the handler is what rcc makes of the file */
		char *out = NULL, *errs = NULL;

		if (rc_rcc_run(rc_rcc_path(NULL), path, "-w", &out, &errs,
			       NULL)) {
			char *nl = errs ? strchr(errs, '\n') : NULL;

			if (nl)
				*nl = '\0';
			rc_diag_src(&c->diags, RC_SEV_ERROR, path, NULL, 0, 0,
				    "rcc: %s", errs ? errs : "cannot run");
			rc_prog_free(c->prog);
			c->prog = NULL;
		} else if (rc_asm(path, out, c->prog, &c->diags) == 0) {
			c->accepted = rc_verify(c->prog, NULL, &c->diags) == 0;
		} else {
			rc_prog_free(c->prog);
			c->prog = NULL;
		}
		free(out);
		free(errs);
	} else if (rc_asm(path, c->text, c->prog, &c->diags) == 0) {
		c->accepted = rc_verify(c->prog, NULL, &c->diags) == 0;
	} else {
		rc_prog_free(c->prog);
		c->prog = NULL;
	}

	copy = strdup(c->text);
	if (!copy) {
		rc = -ENOMEM;
		goto fail;
	}
	save = copy;
	while ((line = strsep(&save, "\n")) != NULL) {
		char *s = line;

		p.line++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (is_c ? strncmp(s, "//!", 3) : s[0] != ';' || s[1] != '!')
			continue;
		rc = directive(&p, s + (is_c ? 3 : 2));
		if (rc)
			goto fail;
	}
	rc = check_runs(&p);
	if (!rc && c->prog)
		rc = resolve(&p);
	if (rc)
		goto fail;
	free(copy);
	*out = c;
	return 0;

fail:
	if (rc == -ENOMEM && errsize && !p.failed)
		snprintf(err, errsize, "out of memory");
	free(p.setup);
	free(copy);
	rc_case_free(c);
	return rc ? rc : -EINVAL;
}

void rc_case_free(struct rc_case *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nruns; i++) {
		free(c->runs[i].setup);
		free(c->runs[i].expect);
		free(c->runs[i].effects);
	}
	free(c->runs);
	for (size_t i = 0; i < c->npresent; i++)
		free(c->present[i]);
	free(c->present);
	for (size_t i = 0; i < c->nexpect_diags; i++)
		free(c->expect_diags[i].text);
	free(c->expect_diags);
	rc_diags_free(&c->diags);
	rc_prog_free(c->prog);
	free(c->text);
	free(c->name);
	free(c->path);
	free(c);
}

/* ---- diagnostics -------------------------------------------------------- */

/* A diagnostic's first line without "origin:" (or "origin: "). */
static const char *diag_line(const struct rc_diag *g, char *buf, size_t size)
{
	size_t n = strlen(g->origin);

	rc_diag_format_line(g, buf, size);
	if (!strncmp(buf, g->origin, n) && buf[n] == ':')
		return buf + n + 1 + (buf[n + 1] == ' ');
	return buf;
}

int rc_case_check_diags(const struct rc_case *c, char *why, size_t size)
{
	const struct rc_diags *d = &c->diags;
	bool *used = calloc(d->n + 1, sizeof(*used));
	char line[800];
	struct why w;

	why_init(&w, why, size);
	if (!used) {
		why_add(&w, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < c->nexpect_diags; i++) {
		const char *want = c->expect_diags[i].text;
		bool found = false;

		for (size_t j = 0; j < d->n && !found; j++) {
			if (used[j] || strcmp(diag_line(&d->v[j], line,
						       sizeof(line)), want))
				continue;
			used[j] = found = true;
		}
		if (!found)
			why_add(&w, "line %u: expected \"%s\", not reported",
				c->expect_diags[i].line, want);
	}
	for (size_t j = 0; j < d->n; j++) {
		if (used[j] || d->v[j].severity != RC_SEV_ERROR)
			continue;
		why_add(&w, "unexpected \"%s\"",
			diag_line(&d->v[j], line, sizeof(line)));
	}
	/* When something is missing, show what was said instead. */
	if (w.n && c->nexpect_diags) {
		for (size_t j = 0; j < d->n; j++)
			if (d->v[j].severity != RC_SEV_ERROR)
				why_add(&w, "also reported \"%s\"",
					diag_line(&d->v[j], line,
						  sizeof(line)));
		if (!d->n)
			why_add(&w, "nothing was reported");
	}
	if (!w.n && c->nruns && !c->accepted)
		why_add(&w, "the handler was not accepted, so its runs "
			"cannot run");
	free(used);
	return w.n ? -1 : 0;
}

/* ---- the environment ---------------------------------------------------- */

int rc_case_env_init(const struct rc_case *c, struct rc_env *env)
{
	const struct rc_prog *prog = c->prog;

	memset(env, 0, sizeof(*env));
	if (!prog)
		return -EINVAL;
	/* One spare word so that an empty area is still a valid pointer. */
	env->state = calloc(prog->state_words + 1, sizeof(uint64_t));
	env->effects = calloc(RC_CASE_EFFECTS_MAX, sizeof(*env->effects));
	env->effect_payloads = calloc(RC_CASE_EFFECTS_MAX,
				      sizeof(*env->effect_payloads));
	env->effects_max = RC_CASE_EFFECTS_MAX;
	if (!env->state || !env->effects || !env->effect_payloads) {
		rc_case_env_free(c, env);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < prog->nwindows; i++) {
		env->windows[i] = calloc(prog->windows[i].words + 1,
					 sizeof(uint64_t));
		if (!env->windows[i]) {
			rc_case_env_free(c, env);
			return -ENOMEM;
		}
	}
	return 0;
}

void rc_case_env_free(const struct rc_case *c, struct rc_env *env)
{
	(void)c;
	free(env->state);
	free(env->effects);
	free(env->effect_payloads);
	for (int i = 0; i < RC_WINDOWS_MAX; i++)
		free(env->windows[i]);
	memset(env, 0, sizeof(*env));
}

void rc_case_env_copy(const struct rc_case *c, struct rc_env *dst,
		      const struct rc_env *src)
{
	const struct rc_prog *prog = c->prog;

	memcpy(dst->state, src->state, prog->state_words * sizeof(uint64_t));
	for (uint32_t i = 0; i < prog->nwindows; i++)
		memcpy(dst->windows[i], src->windows[i],
		       prog->windows[i].words * sizeof(uint64_t));
	dst->clock_ns = src->clock_ns;
}

void rc_case_prepare(const struct rc_case *c, size_t i, struct rc_env *env,
		     struct rc_msg *msg)
{
	const struct rc_case_run *r = &c->runs[i];

	for (size_t j = 0; j < r->nsetup; j++) {
		const struct rc_case_word *w = &r->setup[j];

		if (w->win < 0)
			env->state[w->word] = w->value;
		else
			env->windows[w->win][w->word] = w->value;
	}
	env->clock_ns = r->clock_ns;
	env->ranks = r->has_ranks ? &r->ranks : NULL;
	memcpy(msg, &r->in, sizeof(*msg));
}

/* ---- judging a run ---------------------------------------------------- */

/* "sum", "vec+2", or "word 7" when no group covers it. */
static const char *state_ref(const struct rc_prog *prog, uint32_t word,
			     char *buf, size_t size)
{
	uint32_t base;
	const struct rc_statesym *s = rc_prog_sym_at(prog, word, &base);

	if (!s)
		snprintf(buf, size, "word %u", word);
	else if (word == base)
		snprintf(buf, size, "%s", s->name);
	else
		snprintf(buf, size, "%s+%u", s->name, word - base);
	return buf;
}

static const char *window_ref(const struct rc_prog *prog, uint32_t win,
			      uint32_t word, char *buf, size_t size)
{
	if (word)
		snprintf(buf, size, "%s+%u", prog->windows[win].name, word);
	else
		snprintf(buf, size, "%s", prog->windows[win].name);
	return buf;
}

/* Compare one area word by word against before + the listed words.  Only
 * the first few differences are named; a runaway handler could change
 * thousands of window words. */
static void check_area(const struct rc_case *c, const struct rc_case_run *r,
		       int32_t win, const uint64_t *before,
		       const uint64_t *after, uint32_t words, struct why *w)
{
	int shown = 0, more = 0;
	char a[32], b[32], ref[64];

	for (uint32_t k = 0; k < words; k++) {
		uint64_t want = before[k];
		bool listed = false;

		/* The last listing of a word wins, as in the file. */
		for (size_t j = 0; j < r->nexpect; j++) {
			if (r->expect[j].win == win && r->expect[j].word == k) {
				want = r->expect[j].value;
				listed = true;
			}
		}
		if (after[k] == want)
			continue;
		if (shown == 4) {
			more++;
			continue;
		}
		shown++;
		if (win < 0)
			state_ref(c->prog, k, ref, sizeof(ref));
		else
			window_ref(c->prog, win, k, ref, sizeof(ref));
		why_add(w, "%s %s: expected %s%s, got %s",
			win < 0 ? "state" : "window", ref, num(a, want),
			listed ? "" : " (unchanged)", num(b, after[k]));
	}
	if (more)
		why_add(w, "and %d more %s words differ", more,
			win < 0 ? "state" : "window");
}

static void check_msg(const struct rc_msg *want, const struct rc_msg *got,
		      struct why *w)
{
	char a[32], b[32];

#define FIELD(f)							\
	do {								\
		if (want->hdr.f != got->hdr.f)				\
			why_add(w, "msg " #f ": expected %s, got %s",	\
				num(a, want->hdr.f), num(b, got->hdr.f)); \
	} while (0)
	FIELD(src);
	FIELD(dst);
	FIELD(portal);
	FIELD(tag);
	FIELD(seq);
	FIELD(len);
	FIELD(version);
	FIELD(flags);
#undef FIELD
	for (uint32_t k = 0; k < want->hdr.len && k < got->hdr.len &&
			     k < RC_PAYLOAD_MAX; k++) {
		if (want->payload[k] != got->payload[k]) {
			why_add(w, "msg payload byte %u: expected 0x%02x, "
				"got 0x%02x", k, want->payload[k],
				got->payload[k]);
			break;
		}
	}
}

static const char *effect_name(uint32_t kind)
{
	return kind == RC_EFFECT_SEND ? "send" :
	       kind == RC_EFFECT_UPCALL ? "upcall" : "unknown effect";
}

/* Logged effect k against the expected one. */
static void check_effect(const struct rc_case_effect *want,
			 const struct rc_effect *got, size_t k, struct why *w)
{
	char a[32], b[32];

	if (got->kind != want->kind) {
		why_add(w, "effect %zu: expected %s (line %u), got %s", k + 1,
			effect_name(want->kind), want->line,
			effect_name(got->kind));
		return;
	}
#define EFIELD(what, x, y)						\
	do {								\
		if ((x) != (y))						\
			why_add(w, "effect %zu (%s, line %u) %s: expected " \
				"%s, got %s", k + 1,			\
				effect_name(want->kind), want->line, what, \
				num(a, (x)), num(b, (y)));		\
	} while (0)
	if (want->kind == RC_EFFECT_UPCALL) {
		EFIELD("value", want->value, got->value);
		EFIELD("portal", want->msg.hdr.portal, got->hdr.portal);
		EFIELD("src", want->msg.hdr.src, got->hdr.src);
		EFIELD("tag", want->msg.hdr.tag, got->hdr.tag);
		EFIELD("seq", want->msg.hdr.seq, got->hdr.seq);
		return;
	}
	EFIELD("rank", want->rank, got->rank);
	EFIELD("src", want->msg.hdr.src, got->hdr.src);
	EFIELD("dst", want->msg.hdr.dst, got->hdr.dst);
	EFIELD("portal", want->msg.hdr.portal, got->hdr.portal);
	EFIELD("tag", want->msg.hdr.tag, got->hdr.tag);
	EFIELD("seq", want->msg.hdr.seq, got->hdr.seq);
	EFIELD("len", want->msg.hdr.len, got->len);
#undef EFIELD
	if (!got->payload || got->len != want->msg.hdr.len)
		return;
	for (uint32_t i = 0; i < got->len; i++) {
		if (got->payload[i] != want->msg.payload[i]) {
			why_add(w, "effect %zu (send, line %u) payload byte "
				"%u: expected 0x%02x, got 0x%02x", k + 1,
				want->line, i, want->msg.payload[i],
				got->payload[i]);
			break;
		}
	}
}

/* The sends and up-calls: counted, and the logged ones one by one. */
static void check_effects(const struct rc_case_run *r,
			  const struct rc_result *res,
			  const struct rc_env *after, unsigned int flags,
			  struct why *w)
{
	uint64_t sends = 0, upcalls = 0, logged, want_logged;

	for (size_t k = 0; k < r->neffects; k++) {
		if (r->effects[k].kind == RC_EFFECT_SEND)
			sends++;
		else
			upcalls++;
	}
	if (r->nsends >= 0)
		sends = r->nsends;
	if (r->nupcalls >= 0)
		upcalls = r->nupcalls;
	if (res->nsends != sends)
		why_add(w, "sends: expected %" PRIu64 ", got %u", sends,
			res->nsends);
	if (res->nupcalls != upcalls)
		why_add(w, "upcalls: expected %" PRIu64 ", got %u", upcalls,
			res->nupcalls);
	if (flags & RC_CASE_NO_EFFECT_LOG)
		return;
	logged = after->effects ? res->neffects : 0;
	want_logged = (uint64_t)res->nsends + res->nupcalls;
	if (want_logged > after->effects_max)
		want_logged = after->effects_max;
	if (logged != want_logged)
		why_add(w, "effects: %" PRIu64 " logged, expected %" PRIu64,
			logged, want_logged);
	if (logged > after->effects_max)
		logged = after->effects_max;
	for (size_t k = 0; k < logged && k < r->neffects; k++)
		check_effect(&r->effects[k], &after->effects[k], k, w);
}

int rc_case_check_run(const struct rc_case *c, size_t i,
		      const struct rc_result *res, const struct rc_msg *msg,
		      const struct rc_env *before, const struct rc_env *after,
		      unsigned int flags, char *why, size_t size)
{
	const struct rc_case_run *r = &c->runs[i];
	const struct rc_prog *prog = c->prog;
	struct why w;

	why_init(&w, why, size);
	if (res->fault != r->fault) {
		if (res->fault != RC_FAULT_NONE)
			why_add(&w, "fault: expected %s, got %s at pc %u",
				rc_fault_name(r->fault),
				rc_fault_name(res->fault), res->fault_pc);
		else
			why_add(&w, "fault: expected %s, got none",
				rc_fault_name(r->fault));
	} else if (r->pc >= 0 && res->fault_pc != r->pc) {
		why_add(&w, "fault pc: expected %" PRId64 ", got %u", r->pc,
			res->fault_pc);
	}
	if (res->action != r->action)
		why_add(&w, "action: expected %s, got %s",
			rc_action_name(r->action), rc_action_name(res->action));
	else if (r->action == RC_ACT_FORWARD && res->rank != r->rank)
		why_add(&w, "forward rank: expected %" PRId64 ", got %u",
			r->rank, res->rank);
	if (r->insns >= 0 && !(flags & RC_CASE_NO_INSNS) &&
	    res->insns != (uint64_t)r->insns)
		why_add(&w, "insns: expected %" PRId64 ", got %" PRIu64,
			r->insns, res->insns);
	if (r->stack_max >= 0 && !(flags & RC_CASE_NO_STACK_MAX) &&
	    res->stack_max != r->stack_max)
		why_add(&w, "stack_max: expected %" PRId64 ", got %u",
			r->stack_max, res->stack_max);

	check_area(c, r, -1, before->state, after->state, prog->state_words,
		   &w);
	for (uint32_t k = 0; k < prog->nwindows; k++)
		check_area(c, r, k, before->windows[k], after->windows[k],
			   prog->windows[k].words, &w);
	check_msg(&r->out, msg, &w);
	check_effects(r, res, after, flags, &w);
	return w.n;
}

int rc_case_exec_interp(void *ctx, const struct rc_case *c,
			struct rc_msg *msg, struct rc_env *env,
			struct rc_result *res)
{
	(void)ctx;
	return rc_run(c->prog, msg, env, res);
}

int rc_case_run_all(const struct rc_case *c, rc_case_exec_fn *exec, void *ctx,
		    unsigned int flags, const char *prefix)
{
	return rc_case_run_quiet(c, exec, ctx, flags, prefix, NULL, 0);
}

int rc_case_run_quiet(const struct rc_case *c, rc_case_exec_fn *exec,
		      void *ctx, unsigned int flags, const char *prefix,
		      char *first, size_t size)
{
	struct rc_env env, before;
	int failed = 0, rc;

	if (!c->prog || !c->accepted)
		return -EINVAL;
	rc = rc_case_env_init(c, &env);
	if (rc)
		return rc;
	rc = rc_case_env_init(c, &before);
	if (rc) {
		rc_case_env_free(c, &env);
		return rc;
	}
	for (size_t i = 0; i < c->nruns; i++) {
		struct rc_result res;
		struct rc_msg msg;
		char why[1024];

		rc_case_prepare(c, i, &env, &msg);
		rc_case_env_copy(c, &before, &env);
		memset(&res, 0, sizeof(res));
		rc = exec(ctx, c, &msg, &env, &res);
		if (rc)
			snprintf(why, sizeof(why), "could not run: %s",
				 strerror(-rc));
		else if (!rc_case_check_run(c, i, &res, &msg, &before, &env,
					    flags, why, sizeof(why)))
			continue;
		/* Quiet callers (the generator's shrinker) keep the first
		 * reason and print nothing. */
		if (first && !failed)
			snprintf(first, size, "run %zu: %s", i + 1, why);
		else if (!first)
			printf("FAIL: %s%s run %zu: %s\n", prefix ? prefix : "",
			       c->name, i + 1, why);
		failed++;
	}
	rc_case_env_free(c, &before);
	rc_case_env_free(c, &env);
	return failed;
}

/* ---- rank tables for the kernel paths ----------------------------------- */

int rc_case_rank_entry(unsigned int rank, int ipver, struct rc_rank *out)
{
	memset(out, 0, sizeof(*out));
	if (rank >= RC_ABI_RANKS_MAX || (ipver != 4 && ipver != 6))
		return -EINVAL;
	out->flags = RC_RANK_F_PRESENT | RC_RANK_F_MAC;
	if (ipver == 4) {
		out->addr[0] = 198;
		out->addr[1] = 18;
		out->addr[2] = 1 + (rank >> 8);
		out->addr[3] = rank & 0xff;
	} else {
		out->flags |= RC_RANK_F_IPV6;
		out->addr[0] = 0xfd;
		out->addr[13] = 1;
		out->addr[14] = rank >> 8;
		out->addr[15] = rank & 0xff;
	}
	out->port = htons(7200 + rank);
	out->mac[0] = 0x02;
	out->mac[3] = rank >> 8;
	out->mac[4] = 0x01;
	out->mac[5] = rank & 0xff;
	return 0;
}

int rc_case_rank_table(const struct rc_ranks *ranks, int ipver,
		       struct rc_rank *tab, unsigned int n)
{
	if (n > RC_ABI_RANKS_MAX || (ipver != 4 && ipver != 6))
		return -EINVAL;
	for (unsigned int r = 0; r < n; r++) {
		rc_case_rank_entry(r, ipver, &tab[r]);
		if (!ranks || r >= ranks->nranks ||
		    (ranks->present && !ranks->present[r]))
			tab[r].flags &= ~RC_RANK_F_PRESENT;
		if (ranks && r == ranks->self && r < ranks->nranks)
			tab[r].flags |= RC_RANK_F_SELF;
		tab[r].self = ranks ? ranks->self : 0;
	}
	return 0;
}

/* ---- finding cases ------------------------------------------------------ */

static int add_path(char ***v, size_t *n, const char *path)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(path);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* A C handler with '//!' directives is a case too, where rcc was built;
 * the other .c files under cases/ (rcc's refusals) are not. */
static bool c_case(const char *path, const char *name, size_t len)
{
	char *text;
	bool yes;

	if (strcmp(name + len - 2, ".c") || !rc_rcc_path(NULL))
		return false;
	text = rc_test_read_file(path, NULL);
	yes = text && (!strncmp(text, "//!", 3) || strstr(text, "\n//!"));
	free(text);
	return yes;
}

static int walk(const char *dir, char ***v, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return -errno;
	while (!rc && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char path[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) >= sizeof(path)) {
			rc = -ENAMETOOLONG;
			break;
		}
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = walk(path, v, n);
			else if (S_ISREG(st.st_mode) && len > 2 &&
				 (!strcmp(e->d_name + len - 2, ".r") ||
				  c_case(path, e->d_name, len)))
				rc = add_path(v, n, path);
		}
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rc_case_find(const char *dir, char ***paths, size_t *n)
{
	int rc;

	*paths = NULL;
	*n = 0;
	rc = walk(dir, paths, n);
	if (rc) {
		rc_case_paths_free(*paths, *n);
		*paths = NULL;
		*n = 0;
		return rc;
	}
	qsort(*paths, *n, sizeof(**paths), cmp_str);
	return 0;
}

void rc_case_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
