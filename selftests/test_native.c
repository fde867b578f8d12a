// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_native.c - the native C handlers of the user-level path
 * (userlib/rcode_native.c) against the reference interpreter running the
 * examples they were written from (pure userspace).
 *
 * Each native handler and rc_run() on examples/NAME.r get the same
 * messages, each with its own data area and windows, in lock step.  After
 * every message they must agree on the action, the fault and its pc, the
 * message as it leaves (every byte of struct rc_msg: header and payload,
 * also beyond len), every data-area word and every window word.
 *
 * 1. The table: every example has a native handler with its portal and
 *    layout, and only those.
 * 2. Scenarios written out: what each handler is for.
 * 3. Edge messages: lengths 0, 7, 8, 9, 1408, words that wrap, tags at
 *    2^32 - 1, data areas preset to the values where a handler changes
 *    its mind (the last arrival, a generation at 2^32 - 1).
 * 4. Seeded random messages, with the data area and windows now and then
 *    set to random or edge values in both at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "librcode.h"
#include "rc_diag.h"
#include "rc_test.h"
#include "rcode.h"

struct side {
	uint64_t *state;
	uint64_t *win[RC_WINDOWS_MAX];
	struct rc_env env;
};

struct pair {
	const struct rcode_native *nat;
	struct rc_prog *prog;
	struct side ref, c;
	unsigned long steps, bad;
	char first_bad[256];
};

static struct rc_prog *load(const char *path)
{
	struct rc_prog *prog = rc_prog_new();
	struct rc_diags d;
	char *text;
	int err;

	text = rc_test_read_file(path, &err);
	if (!text || !prog) {
		TEST_FAIL(path, "cannot read: %s", strerror(text ? ENOMEM : -err));
		free(text);
		rc_prog_free(prog);
		return NULL;
	}
	rc_diags_init(&d);
	err = rc_asm(path, text, prog, &d) ?: rc_verify(prog, NULL, &d);
	if (err) {
		rc_diags_print(&d, stdout);
		TEST_FAIL(path, "does not assemble and verify");
		rc_prog_free(prog);
		prog = NULL;
	}
	rc_diags_free(&d);
	free(text);
	return prog;
}

static void side_init(struct side *s, const struct rc_prog *p)
{
	s->state = calloc(p->state_words + 1, 8);
	s->env.state = s->state;
	for (uint32_t k = 0; k < p->nwindows; k++)
		s->env.windows[k] = s->win[k] = calloc(p->windows[k].words, 8);
}

static void side_free(struct side *s)
{
	free(s->state);
	for (int k = 0; k < RC_WINDOWS_MAX; k++)
		free(s->win[k]);
}

/* Set word i of the data area (or of window k) in both sides. */
static void set_state(struct pair *p, uint32_t i, uint64_t v)
{
	p->ref.state[i] = p->c.state[i] = v;
}

static void set_window(struct pair *p, uint32_t k, uint32_t i, uint64_t v)
{
	p->ref.win[k][i] = p->c.win[k][i] = v;
}

/*
 * One message through both.  Returns true when they agree; the first
 * disagreement is kept for the report.  *act is the reference's action.
 */
static bool step(struct pair *p, const struct rc_msg *in, uint64_t clock,
		 uint32_t *act, struct rc_msg *out)
{
	struct rc_msg mr = *in, mc = *in;
	struct rc_result rr, rn;
	const struct rc_prog *pr = p->prog;
	char why[160] = "";

	p->ref.env.clock_ns = p->c.env.clock_ns = clock;
	rc_run(pr, &mr, &p->ref.env, &rr);
	memset(&rn, 0xa5, sizeof(rn));
	if (p->nat->run(NULL, &mc, &p->c.env, &rn))
		snprintf(why, sizeof(why), "native returned non-zero");
	else if (rn.action != rr.action)
		snprintf(why, sizeof(why), "action %s, reference %s",
			 rc_action_name(rn.action) ?: "?",
			 rc_action_name(rr.action) ?: "?");
	else if (rn.fault != rr.fault ||
		 (rr.fault && rn.fault_pc != rr.fault_pc))
		snprintf(why, sizeof(why), "fault %u at %u, reference %u at %u",
			 rn.fault, rn.fault_pc, rr.fault, rr.fault_pc);
	else if (memcmp(&mr.hdr, &mc.hdr, sizeof(mr.hdr)))
		snprintf(why, sizeof(why), "header: tag %u/%u src %u/%u dst "
			 "%u/%u len %u/%u", mc.hdr.tag, mr.hdr.tag, mc.hdr.src,
			 mr.hdr.src, mc.hdr.dst, mr.hdr.dst, mc.hdr.len,
			 mr.hdr.len);
	else if (memcmp(mr.payload, mc.payload, sizeof(mr.payload)))
		snprintf(why, sizeof(why), "payload differs");
	else if (memcmp(p->ref.state, p->c.state, pr->state_words * 8))
		snprintf(why, sizeof(why), "data area differs");
	for (uint32_t k = 0; !why[0] && k < pr->nwindows; k++)
		if (memcmp(p->ref.win[k], p->c.win[k], pr->windows[k].words * 8))
			snprintf(why, sizeof(why), "window %s differs",
				 pr->windows[k].name);
	p->steps++;
	if (act)
		*act = rr.action;
	if (out)
		*out = mc;
	if (!why[0])
		return true;
	if (!p->bad++)
		snprintf(p->first_bad, sizeof(p->first_bad),
			 "message %lu (len %u, tag %u): %s", p->steps,
			 in->hdr.len, in->hdr.tag, why);
	/* Go on from the reference's state, so one slip is one report. */
	memcpy(p->c.state, p->ref.state, pr->state_words * 8);
	for (uint32_t k = 0; k < pr->nwindows; k++)
		memcpy(p->c.win[k], p->ref.win[k], pr->windows[k].words * 8);
	return false;
}

static void msg_init(struct rc_msg *m, const struct pair *p, uint32_t tag,
		     uint16_t len)
{
	memset(m, 0, sizeof(*m));
	m->hdr.version = RC_WIRE_VERSION;
	m->hdr.portal = p->prog->portal;
	m->hdr.src = 3;
	m->hdr.dst = 4;
	m->hdr.tag = tag;
	m->hdr.seq = 77;
	m->hdr.len = len;
	for (uint16_t i = 0; i < len; i++)
		m->payload[i] = (uint8_t)(i * 7 + 1);
}

static void set64(struct rc_msg *m, uint64_t v)
{
	memcpy(m->payload, &v, 8);	/* little-endian hosts: ldp64's order */
}

static uint64_t get64(const struct rc_msg *m)
{
	uint64_t v;

	memcpy(&v, m->payload, 8);
	return v;
}

static void report(struct pair *p, const char *what)
{
	char name[160];

	snprintf(name, sizeof(name), "%s: %s", p->nat->name, what);
	if (p->bad)
		TEST_FAIL(name, "%lu of %lu messages disagree; first: %s",
			  p->bad, p->steps, p->first_bad);
	else
		TEST_PASS(name);
	p->bad = p->steps = 0;
}

/* ---- 2. scenarios -------------------------------------------------------- */

static void scenario_echo(struct pair *p)
{
	struct rc_msg m, out;
	uint32_t act;
	bool ok;

	msg_init(&m, p, 5, 8);
	set64(&m, 41);
	ok = step(p, &m, 1, &act, &out);
	ASSERT_TRUE(ok && act == RC_ACT_REPLY && get64(&out) == 42 &&
		    out.hdr.tag == 0x6563686f && out.hdr.src == 4 &&
		    out.hdr.dst == 3, "echo: replies 42 to 41, tagged, ranks "
		    "exchanged");
}

static void scenario_counter(struct pair *p)
{
	struct rc_msg m;
	uint32_t act;
	bool ok = true;

	for (uint32_t i = 0; i < 100; i++) {
		msg_init(&m, p, 1000 + i, i % 20);
		ok &= step(p, &m, i, &act, NULL) && act == RC_ACT_DROP;
	}
	ASSERT_TRUE(ok && p->c.state[0] == 100 && p->c.win[0][0] == 100 &&
		    p->c.win[0][1] == 1099,
		    "counter: 100 messages dropped, total and hits count 100, "
		    "hits+1 is the last tag");
}

static void scenario_gsum(struct pair *p)
{
	static const uint64_t v[3] = { 10, 20, 0xfffffffffffffff0ull };
	struct rc_msg m, out;
	uint32_t act[3];
	bool ok = true;

	for (int i = 0; i < 3; i++) {
		msg_init(&m, p, 1, 8 + 8 * i);
		set64(&m, v[i]);
		ok &= step(p, &m, 0, &act[i], &out);
	}
	ASSERT_TRUE(ok && act[0] == RC_ACT_DROP && act[1] == RC_ACT_DROP &&
		    act[2] == RC_ACT_PASS && get64(&out) == 14 &&
		    p->c.win[0][0] == 14 && p->c.win[0][1] == 1 &&
		    p->c.state[0] == 0 && p->c.state[1] == 0,
		    "gsum: drop, drop, pass with the total (mod 2^64), "
		    "published, round counted, reset");
	msg_init(&m, p, 1, 7);
	ASSERT_TRUE(step(p, &m, 0, &act[0], NULL) && act[0] == RC_ACT_PASS,
		    "gsum: a message without a value is passed");
}

static void scenario_barrier(struct pair *p)
{
	struct rc_msg m;
	uint32_t act;
	bool ok = true;

	for (uint32_t gen = 0; gen < 3; gen++)
		for (int i = 0; i < 4; i++) {
			msg_init(&m, p, gen, 0);
			ok &= step(p, &m, 0, &act, NULL) && act == RC_ACT_DROP;
		}
	msg_init(&m, p, 7, 0);
	ok &= step(p, &m, 0, &act, NULL) && act == RC_ACT_PASS;
	ASSERT_TRUE(ok && p->c.win[0][0] == 2 && p->c.state[1] == 3 &&
		    p->c.state[0] == 0, "barrier: three generations open at "
		    "4 arrivals each, a stray is passed");
}

/* ---- 3. edges ------------------------------------------------------------ */

static void edges(struct pair *p)
{
	static const uint16_t lens[] = { 0, 1, 7, 8, 9, 15, 16, 1407, 1408 };
	static const uint64_t words[] = {
		0, 1, 0x7fffffffffffffffull, 0xffffffffffffffffull,
		0x00000000ffffffffull, 0x8000000000000000ull,
	};
	static const uint32_t tags[] = { 0, 1, 3, 0x7fffffff, 0xffffffff };
	struct rc_msg m;

	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
			for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
				/* Data areas at the values where the handlers
				 * decide: gsum's last arrival, the barrier's
				 * fourth, generations at the tag and at 2^32 - 1. */
				for (uint32_t i = 0; i < p->prog->state_words; i++)
					set_state(p, i, w % 2 ? words[w] :
						  (t + l) % 5);
				if (!strcmp(p->nat->name, "barrier"))
					set_state(p, 1, l % 3 ? tags[t] :
						  (uint64_t)tags[t] + 1);
				msg_init(&m, p, tags[t], lens[l]);
				m.hdr.flags = (uint8_t)(w * 37);
				m.hdr.src = tags[(t + 1) % 5];
				m.hdr.dst = tags[(t + 2) % 5];
				m.hdr.seq = ~tags[t];
				if (lens[l] >= 8)
					set64(&m, words[w]);
				step(p, &m, words[w], NULL, NULL);
			}
	/* The barrier whose generation crosses 2^32: afterwards no 32-bit
	 * tag can match, and every arrival is a stray. */
	if (!strcmp(p->nat->name, "barrier")) {
		bool ok = true;
		uint32_t act;

		set_state(p, 0, 0);
		set_state(p, 1, 0xffffffff);
		for (int i = 0; i < 8; i++) {
			msg_init(&m, p, i < 4 ? 0xffffffff : 0, 0);
			ok &= step(p, &m, 0, &act, NULL) &&
			      act == (i < 4 ? RC_ACT_DROP : RC_ACT_PASS);
		}
		ASSERT_TRUE(ok && p->c.state[1] == 0x100000000ull,
			    "barrier: generation 2^32 - 1 opens into 2^32, "
			    "then every tag is a stray");
	}
	report(p, "edge messages and data areas agree with R-code");
}

/* ---- 4. random ----------------------------------------------------------- */

static void random_msgs(struct pair *p, unsigned int n)
{
	char what[96];
	struct rc_msg m;

	srand48(0x5eed0000 + p->prog->portal);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t len, tag = lrand48();

		if (lrand48() % 16 == 0) {
			/* Both sides at once: random words, or small ones
			 * near the handlers' thresholds. */
			bool small = lrand48() & 1;

			for (uint32_t k = 0; k < p->prog->state_words; k++)
				set_state(p, k, small ? (uint64_t)lrand48() % 5 :
					  (uint64_t)lrand48() << 32 ^ lrand48());
			for (uint32_t w = 0; w < p->prog->nwindows; w++)
				for (uint32_t k = 0; k < p->prog->windows[w].words; k++)
					set_window(p, w, k, lrand48());
		}
		switch (lrand48() % 4) {
		case 0:
			len = lrand48() % 8;
			break;
		case 1:
			len = lrand48() % (RC_PAYLOAD_MAX + 1);
			break;
		default:
			len = 8 + lrand48() % 24;
			break;
		}
		/* The barrier: mostly arrivals for the generation counted. */
		if (!strcmp(p->nat->name, "barrier") && lrand48() % 8)
			tag = (uint32_t)p->ref.state[1];
		msg_init(&m, p, tag, len);
		for (uint32_t k = 0; k < len; k++)
			m.payload[k] = lrand48();
		/* Bytes past len are the message's too: both must keep them. */
		for (uint32_t k = len; k < len + 16 && k < RC_PAYLOAD_MAX; k++)
			m.payload[k] = lrand48();
		m.hdr.src = lrand48();
		m.hdr.dst = lrand48();
		m.hdr.seq = lrand48();
		m.hdr.flags = lrand48() % 4 ? 0 : lrand48();
		m.hdr.portal = lrand48() % 10 ? p->prog->portal : lrand48() % 256;
		step(p, &m, (uint64_t)lrand48() << 20, NULL, NULL);
	}
	snprintf(what, sizeof(what), "%u random messages agree with R-code", n);
	report(p, what);
}

/* ---- 1. the table --------------------------------------------------------- */

static bool same_layout(const struct rcode_native *n, const struct rc_prog *p)
{
	if (n->portal != p->portal || n->state_words != p->state_words)
		return false;
	for (uint32_t k = 0; k < RC_WINDOWS_MAX; k++)
		if (n->window_words[k] !=
		    (k < p->nwindows ? p->windows[k].words : 0))
			return false;
	return true;
}

int main(void)
{
	static const char *const names[] = { "echo", "counter", "gsum",
					     "barrier" };
	static void (*const scenario[])(struct pair *) = {
		scenario_echo, scenario_counter, scenario_gsum,
		scenario_barrier,
	};
	const char *root = getenv("RC_ROOT");
	unsigned int count = 0;

	if (root && chdir(root)) {
		TEST_FAIL("test_native", "chdir %s: %s", root, strerror(errno));
		return 1;
	}
	while (rcode_native_get(count))
		count++;
	ASSERT_EQ(count, 4, "native: four handlers, one per example");
	ASSERT_TRUE(!rcode_native_find("nope") && !rcode_native_find(NULL),
		    "native: an unknown name finds nothing");

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct pair p = { .nat = rcode_native_find(names[i]) };
		char path[64], what[128];

		snprintf(path, sizeof(path), "examples/%s.r", names[i]);
		snprintf(what, sizeof(what), "%s: found by name", names[i]);
		if (!ASSERT_TRUE(p.nat && !strcmp(p.nat->name, names[i]), what))
			continue;
		p.prog = load(path);
		if (!p.prog)
			continue;
		snprintf(what, sizeof(what), "%s: portal and layout are %s's",
			 names[i], path);
		ASSERT_TRUE(same_layout(p.nat, p.prog), what);
		side_init(&p.ref, p.prog);
		side_init(&p.c, p.prog);
		scenario[i](&p);
		report(&p, "scenario agrees with R-code");
		edges(&p);
		random_msgs(&p, 20000);
		side_free(&p.ref);
		side_free(&p.c);
		rc_prog_free(p.prog);
	}
	return rc_test_exit();
}
