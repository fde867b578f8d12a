// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_rcc.c - the C front end (rcc) on its data files.
 *
 * 1. Golden listings: rcc's R-code for each examples/NAME.c equals
 *    selftests/cases/rcc/golden/NAME.r, so a change in code generation
 *    shows in review (RCC_UPDATE_GOLDEN=1 rewrites them).
 * 2. Agreement: examples/NAME.c compiled by rcc and the hand-written
 *    examples/NAME.r run on the reference interpreter on the same 3000
 *    seeded random messages (data area and windows carried from run to
 *    run, and now and then set to the same random words in both): action,
 *    fault code, message, data area, windows, forward rank, sends and
 *    up-calls agree.  A fault of the C version names a C line.  The
 *    executed-instruction ratio C / .r is printed (a measurement, not a
 *    check: bench/ owns the quality bars), with rcc's compile time.
 * 3. Refusals: each selftests/cases/rcc/refuse/ file fails to compile with
 *    exit status 1, and its first error is the file's '// expect:' line
 *    ("LINE:COL: error: MESSAGE"), prefixed by the file name.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "rc_rcc.h"
#include "rc_test.h"

static const char *const examples[] = { "echo", "counter", "barrier", "gsum" };

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void golden(const char *rcc, const char *name)
{
	char src[256], gold[256], what[300];
	char *out = NULL, *err = NULL, *want;
	double ms;
	int st;

	snprintf(src, sizeof(src), "examples/%s.c", name);
	snprintf(gold, sizeof(gold), "selftests/cases/rcc/golden/%s.r", name);
	snprintf(what, sizeof(what), "rcc %s matches %s", src, gold);
	st = rc_rcc_run(rcc, src, "", &out, &err, &ms);
	if (!ASSERT_EQ(st, 0, "rcc exit status")) {
		printf("%s", err);
		goto out;
	}
	printf("# rcc %s: %.1f ms\n", src, ms);
	if (getenv("RCC_UPDATE_GOLDEN") && *getenv("RCC_UPDATE_GOLDEN") == '1')
		rc_test_write_file(gold, out);
	want = rc_test_read_file(gold, NULL);
	if (!want)
		TEST_FAIL(what, "cannot read %s", gold);
	else if (strcmp(want, out))
		TEST_FAIL(what, "differs (diff it against 'build/rcc %s')", src);
	else
		TEST_PASS(what);
	free(want);
out:
	free(out);
	free(err);
}

struct side {
	struct rc_prog *prog;
	uint64_t state[RC_STATE_MAX];
	uint64_t win[RC_WINDOWS_MAX][64];
	struct rc_env env;
	struct rc_effect eff[16];
	uint64_t insns;
};

static void side_init(struct side *s, struct rc_prog *p, struct rc_ranks *r)
{
	memset(s, 0, sizeof(*s));
	s->prog = p;
	s->env.state = s->state;
	for (int i = 0; i < RC_WINDOWS_MAX; i++)
		s->env.windows[i] = s->win[i];
	s->env.ranks = r;
	s->env.effects = s->eff;
	s->env.effects_max = 16;
}

static bool same_layout(const struct rc_prog *a, const struct rc_prog *b)
{
	if (a->state_words != b->state_words || a->nwindows != b->nwindows)
		return false;
	for (uint32_t i = 0; i < a->nwindows; i++)
		if (a->windows[i].words != b->windows[i].words ||
		    a->windows[i].words > 64)
			return false;
	return true;
}

/* Where the two runs differ, or NULL. */
static const char *differ(const struct side *c, const struct rc_result *rc,
			  const struct rc_msg *mc, const struct side *r,
			  const struct rc_result *rr, const struct rc_msg *mr)
{
	if (rc->action != rr->action)
		return "action";
	if (rc->fault != rr->fault)
		return "fault";
	if (rc->action == RC_ACT_FORWARD && rc->rank != rr->rank)
		return "forward rank";
	if (memcmp(&mc->hdr, &mr->hdr, sizeof(mc->hdr)) ||
	    memcmp(mc->payload, mr->payload, mc->hdr.len))
		return "message";
	if (memcmp(c->state, r->state, sizeof(c->state)))
		return "data area";
	if (memcmp(c->win, r->win, sizeof(c->win)))
		return "windows";
	if (rc->nsends != rr->nsends || rc->nupcalls != rr->nupcalls)
		return "sends/upcalls";
	for (uint32_t i = 0; i < rc->neffects; i++)
		if (c->eff[i].kind != r->eff[i].kind ||
		    c->eff[i].rank != r->eff[i].rank ||
		    c->eff[i].value != r->eff[i].value)
			return "effects";
	return NULL;
}

static void agree(const char *rcc, const char *name)
{
	char src[256], hand[256], what[300];
	struct rc_prog *pc, *pr;
	struct rc_diags d;
	static struct side c, r;
	uint8_t present[4] = { 1, 1, 1, 1 };
	struct rc_ranks ranks = { 4, 0, present };
	const char *bad = NULL;
	int n = 3000, i;
	bool cline = true;

	snprintf(src, sizeof(src), "examples/%s.c", name);
	snprintf(hand, sizeof(hand), "examples/%s.r", name);
	snprintf(what, sizeof(what), "%s agrees with %s on %d messages", src,
		 hand, n);
	rc_diags_init(&d);
	pc = rc_rcc_prog(rcc, src, "");
	pr = rc_prog_new();
	char *text = rc_test_read_file(hand, NULL);

	if (!pc || !pr || !text || rc_asm(hand, text, pr, &d) ||
	    rc_verify(pr, NULL, &d)) {
		TEST_FAIL(what, "cannot load both");
		goto out;
	}
	if (!same_layout(pc, pr) || pc->portal != pr->portal ||
	    pc->budget != pr->budget) {
		TEST_FAIL(what, "portal, budget, data area or windows differ");
		goto out;
	}
	side_init(&c, pc, &ranks);
	side_init(&r, pr, &ranks);
	for (i = 0; i < n && !bad; i++) {
		struct rc_msg mc = { 0 }, mr;
		struct rc_result rc, rr;
		uint64_t pick = rnd();

		/* now and then the same random words in both */
		if (pick % 17 == 0) {
			for (uint32_t k = 0; k < pc->state_words; k++)
				c.state[k] = r.state[k] = rnd() % 5;
			for (uint32_t w = 0; w < pc->nwindows; w++)
				for (uint32_t k = 0; k < pc->windows[w].words; k++)
					c.win[w][k] = r.win[w][k] = rnd() % 5;
		}
		mc.hdr.version = 1;
		mc.hdr.portal = pc->portal;
		mc.hdr.src = rnd() % 4;
		mc.hdr.dst = rnd() % 4;
		/* small tags meet barrier's generation counter */
		mc.hdr.tag = pick & 0x100 ? (uint32_t)rnd() : rnd() % 4;
		mc.hdr.seq = rnd();
		mc.hdr.len = (pick >> 12) % 3 ? rnd() % 24 : rnd() % 200;
		for (int k = 0; k < mc.hdr.len; k++)
			mc.payload[k] = rnd() & (pick & 0x200 ? 0xff : 0x03);
		mr = mc;
		rc_run(pc, &mc, &c.env, &rc);
		rc_run(pr, &mr, &r.env, &rr);
		c.insns += rc.insns;
		r.insns += rr.insns;
		bad = differ(&c, &rc, &mc, &r, &rr, &mr);
		if (rc.fault && !(pc->loc && pc->loc[rc.fault_pc].line &&
				  strstr(pc->origin, ".c")))
			cline = false;
	}
	if (bad)
		TEST_FAIL(what, "message %d: the %s differs", i, bad);
	else
		TEST_PASS(what);
	ASSERT_TRUE(cline, "every fault of the C version names a C line");
	printf("# %s: %llu instructions executed, %s: %llu; ratio %.3f\n", src,
	       (unsigned long long)c.insns, hand, (unsigned long long)r.insns,
	       r.insns ? (double)c.insns / r.insns : 0.0);
out:
	free(text);
	rc_diags_free(&d);
	rc_prog_free(pc);
	rc_prog_free(pr);
}

static void refusals(const char *rcc)
{
	const char *dir = "selftests/cases/rcc/refuse";
	DIR *dh = opendir(dir);
	struct dirent *e;
	int count = 0;

	if (!ASSERT_TRUE(dh != NULL, "selftests/cases/rcc/refuse exists"))
		return;
	while ((e = readdir(dh))) {
		char path[512], what[600], want[600], *text, *x, *nl;
		char *out = NULL, *err = NULL, *first;
		size_t len = strlen(e->d_name);
		int st;

		if (len < 3 || strcmp(e->d_name + len - 2, ".c"))
			continue;
		count++;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(what, sizeof(what), "rcc refuses %s", path);
		text = rc_test_read_file(path, NULL);
		x = text ? strstr(text, "// expect: ") : NULL;
		if (!x) {
			TEST_FAIL(what, "no '// expect:' line");
			free(text);
			continue;
		}
		x += strlen("// expect: ");
		nl = strchr(x, '\n');
		if (nl)
			*nl = '\0';
		snprintf(want, sizeof(want), "%s:%s", path, x);
		st = rc_rcc_run(rcc, path, "", &out, &err, NULL);
		first = err ? strstr(err, ": error: ") : NULL;
		while (first && first > err && first[-1] != '\n')
			first--;
		if (first && (nl = strchr(first, '\n')))
			*nl = '\0';
		if (st != 1)
			TEST_FAIL(what, "exit status %d, not 1", st);
		else if (!first || strcmp(first, want))
			TEST_FAIL(what, "first error is '%s', expected '%s'",
				  first ? first : "(none)", want);
		else
			TEST_PASS(what);
		free(out);
		free(err);
		free(text);
	}
	closedir(dh);
	ASSERT_TRUE(count >= 15, "at least 15 refusal cases");
}

int main(int argc, char **argv)
{
	const char *rcc = rc_rcc_path(argv[0]);

	(void)argc;
	if (!rcc) {
		printf("SKIP: rcc: not built (needs libclang-19-dev)\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		golden(rcc, examples[i]);
		agree(rcc, examples[i]);
	}
	refusals(rcc);
	return rc_test_exit();
}
