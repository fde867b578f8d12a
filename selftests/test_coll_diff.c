// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_coll_diff.c - the collectives' handler written in C
 * (userlib/coll/coll.c) against the hand-written R-code it replaced
 * (selftests/handlers/coll.r), message by message.
 *
 * Every message is generated with a node and a window around it: a rank
 * in a tree of 0..17 ranks (0: not set up), slots armed for the message's
 * seq or not, results and partials there or not, claims and `done` near
 * completion, sleeping or polling application, either wake; the message's
 * kind, op, K, root, src and length mostly valid and now and then not.
 * Three handlers run on copies of the same state:
 *   R   coll.r on the reference interpreter;
 *   C   coll.c compiled by rcc, as librcode embeds it, on the same
 *       interpreter: the action, the fault, the forward rank, the edited
 *       message (header and payload), every send and up-call, the window
 *       and the data area must equal R's;
 *   N   coll.c compiled by gcc (coll_handle(), the user-level mode): the
 *       messages it sends (destination, tag, seq, words; a forward or a
 *       reply counts as the last send), whether it passes the message on,
 *       and the window must equal R's.
 * It prints the instructions R and C executed in all, for the ratio
 * docs/collectives.md reports.  usage: test_coll_diff [SEED [COUNT]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "rc_test.h"
#include "rcode.h"
#include "rcode_coll.h"
#include "rcode_internal.h"

#define REF_PATH	"selftests/handlers/coll.r"
#define EFFECTS_MAX	4

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t rng;

static uint64_t rnd(uint64_t below)
{
	rng++;
	return below ? mix(rng) % below : mix(rng);
}

static struct rc_prog *load(const char *name, const char *text)
{
	struct rc_prog *prog = rc_prog_new();
	struct rc_diags d;
	int err;

	rc_diags_init(&d);
	err = prog ? rc_asm(name, text, prog, &d) ?: rc_verify(prog, NULL, &d) :
		     -ENOMEM;
	if (err)
		rc_diags_print(&d, stdout);
	rc_diags_free(&d);
	if (err) {
		rc_prog_free(prog);
		return NULL;
	}
	return prog;
}

/* One node and one message: the input of every handler. */
struct input {
	uint64_t win[COLL_WINDOW_WORDS];
	uint64_t state[COLL_STATE_WORDS];
	struct rc_msg msg;
};

/* What an R-code handler did. */
struct rrun {
	struct rc_result res;
	struct rc_msg msg;
	struct rc_effect eff[EFFECTS_MAX];
	uint8_t pay[EFFECTS_MAX][RC_PAYLOAD_MAX];
	uint64_t win[COLL_WINDOW_WORDS];
	uint64_t state[COLL_STATE_WORDS];
};

static void run_r(const struct rc_prog *prog, const struct input *in,
		  struct rrun *r)
{
	struct rc_ranks ranks = { .nranks = in->state[COLL_ST_NRANKS],
				  .self = in->state[COLL_ST_SELF] };
	struct rc_env env = { .state = r->state, .windows = { r->win },
			      .ranks = &ranks, .effects = r->eff,
			      .effects_max = EFFECTS_MAX,
			      .effect_payloads = r->pay };

	memcpy(r->win, in->win, sizeof(r->win));
	memcpy(r->state, in->state, sizeof(r->state));
	memset(r->eff, 0, sizeof(r->eff));
	r->msg = in->msg;
	rc_run(prog, &r->msg, &env, &r->res);
}

/* A message as the natively built handler sends it, or R's as it left. */
struct sent {
	uint32_t dst, tag, seq;
	unsigned int nwords;
	uint64_t w[COLL_WORDS];
};

static struct sent nsent[EFFECTS_MAX];
static unsigned int nnsent;

static int capture(void *ctx, uint32_t dst, uint32_t tag, uint32_t seq,
		   const uint64_t *w, unsigned int nwords)
{
	(void)ctx;
	if (nnsent < EFFECTS_MAX) {
		nsent[nnsent] = (struct sent){ dst, tag, seq, nwords };
		memcpy(nsent[nnsent].w, w, nwords * 8);
	}
	nnsent++;
	return 0;
}

static void gen(struct input *in)
{
	uint64_t n = rnd(30) ? 1 + rnd(17) : 0, self = n ? rnd(n) : 0;
	uint64_t root = n ? (rnd(30) ? rnd(n) : rnd(n + 2)) : rnd(3);
	uint64_t vr = n ? (self + n - root) % n : 0, children = 0;
	uint64_t seq = rnd(4) ? 1 + rnd(6) : (uint32_t)-rnd(3);
	uint64_t kind, op, k, src, len, r;

	if (n)
		children = (2 * vr + 1 < n) + (2 * vr + 2 < n);
	memset(in, 0, sizeof(*in));
	in->state[COLL_ST_SELF] = self;
	in->state[COLL_ST_NRANKS] = n;
	in->state[COLL_ST_WAKE] = rnd(2);

	r = rnd(40);
	kind = r < 20 ? COLL_UP : r < 31 ? COLL_DOWN : r < 38 ? COLL_PULL : rnd(16);
	op = rnd(30) ? rnd(COLL_OPS) : rnd(16);
	r = rnd(40);
	k = r < 20 ? 1 + rnd(COLL_WORDS) : r < 28 ? 0 : r < 38 ? COLL_WORDS :
	    rnd(256);
	/* mostly a child (UP, PULL) or the parent (DOWN) of this node */
	r = rnd(10);
	if (n && r < 7 && children)
		src = (2 * vr + 1 + rnd(children) + root) % n;
	else if (n && r < 8 && vr)
		src = ((vr - 1) / 2 + root) % n;
	else
		src = rnd(n + 1);
	len = kind == COLL_UP ? (op == COLL_OP_BCAST ? 0 : 8 * k) :
	      kind == COLL_DOWN ? 8 * k : 0;
	if (!rnd(30))
		len = rnd(8) ? 8 * rnd(40) : rnd(300);
	if (len > RC_PAYLOAD_MAX)	/* no R-message is longer */
		len = RC_PAYLOAD_MAX;
	in->msg.hdr = (struct rc_hdr){
		.version = RC_WIRE_VERSION, .portal = RCODE_COLL_PORTAL,
		.len = len, .src = src, .dst = self,
		.tag = kind | op << 4 | k << 8 | root << 16, .seq = seq,
	};
	for (unsigned int i = 0; i < len; i++)
		in->msg.payload[i] = rnd(256);

	for (unsigned int w = 1; w < COLL_W_HDR; w++)
		in->win[w] = rnd(4);
	in->win[COLL_W_LAYOUT] = COLL_LAYOUT;
	in->win[COLL_W_SLEEPERS] = rnd(2);
	for (unsigned int s = 0; s < COLL_SLOTS; s++) {
		uint64_t *sl = in->win + COLL_W_HDR + s * COLL_SLOT_WORDS;
		uint64_t sseq = (seq & 1) == s ? seq : seq + 1;

		r = rnd(10);
		sl[COLL_S_SEQ] = r < 6 ? sseq : r < 8 ? COLL_NONE : sseq + 2;
		sl[COLL_S_DONE] = rnd(4) ? rnd(children + 1) : rnd(4);
		r = rnd(10);
		sl[COLL_S_RESULT_SEQ] = r < 3 ? sseq : r < 6 ? COLL_NONE : sseq - 2;
		r = rnd(10);
		sl[COLL_S_PARTIAL_SEQ] = r < 3 ? sseq : r < 6 ? COLL_NONE : sseq - 2;
		for (unsigned int c = 0; c < COLL_CONTRIBUTORS; c++)
			sl[COLL_S_CLAIM + c] = rnd(3) ? 0 : rnd(3);
		for (unsigned int w = COLL_S_CONTRIB; w < COLL_SLOT_WORDS; w++)
			/* small words now and then: min and max meet ties */
			sl[w] = rnd(4) ? rnd(0) : rnd(4);
	}
}

/* R's messages in the order they left: its sends, then what its action
 * sent (a forward to its rank, a reply to the sender). */
static unsigned int r_sent(const struct input *in, const struct rrun *r,
			   struct sent *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->res.neffects; i++) {
		const struct rc_effect *e = &r->eff[i];

		if (e->kind != RC_EFFECT_SEND)
			continue;
		out[n] = (struct sent){ e->rank, e->hdr.tag, e->hdr.seq,
					e->len / 8 };
		memcpy(out[n++].w, e->payload, e->len & ~7u);
	}
	if (r->res.action == RC_ACT_FORWARD || r->res.action == RC_ACT_REPLY) {
		out[n] = (struct sent){
			r->res.action == RC_ACT_FORWARD ? r->res.rank :
							  in->msg.hdr.src,
			r->msg.hdr.tag, r->msg.hdr.seq, r->msg.hdr.len / 8 };
		memcpy(out[n++].w, r->msg.payload, r->msg.hdr.len & ~7u);
	}
	return n;
}

/* Why R and C differ, or NULL. */
static const char *diff_rc(const struct rrun *a, const struct rrun *b)
{
	if (a->res.action != b->res.action || a->res.fault != b->res.fault)
		return "action or fault";
	if (a->res.action == RC_ACT_FORWARD && a->res.rank != b->res.rank)
		return "forward rank";
	if (memcmp(&a->msg.hdr, &b->msg.hdr, sizeof(a->msg.hdr)) ||
	    memcmp(a->msg.payload, b->msg.payload, a->msg.hdr.len))
		return "the message as it left";
	if (a->res.nsends != b->res.nsends || a->res.nupcalls != b->res.nupcalls ||
	    a->res.neffects != b->res.neffects)
		return "number of sends or up-calls";
	for (unsigned int i = 0; i < a->res.neffects; i++) {
		const struct rc_effect *x = &a->eff[i], *y = &b->eff[i];

		if (x->kind != y->kind || x->rank != y->rank ||
		    x->value != y->value || x->len != y->len ||
		    memcmp(&x->hdr, &y->hdr, sizeof(x->hdr)) ||
		    (x->kind == RC_EFFECT_SEND &&
		     memcmp(x->payload, y->payload, x->len)))
			return "a send or an up-call";
	}
	if (memcmp(a->win, b->win, sizeof(a->win)))
		return "window";
	if (memcmp(a->state, b->state, sizeof(a->state)))
		return "data area";
	return NULL;
}

/* Why R and N differ, or NULL. */
static const char *diff_rn(const struct input *in, const struct rrun *r,
			   enum coll_action act, const uint64_t *win)
{
	struct sent rs[EFFECTS_MAX + 1];
	unsigned int nrs = r_sent(in, r, rs);

	if (r->res.fault)
		return "R faulted";
	if ((r->res.action == RC_ACT_PASS) !=
	    (act == COLL_ACT_PASS || act == COLL_ACT_WAKE))
		return "passing the message on";
	if (nrs != nnsent)
		return "number of messages sent";
	for (unsigned int i = 0; i < nrs; i++)
		if (rs[i].dst != nsent[i].dst || rs[i].tag != nsent[i].tag ||
		    rs[i].seq != nsent[i].seq ||
		    rs[i].nwords != nsent[i].nwords ||
		    memcmp(rs[i].w, nsent[i].w, rs[i].nwords * 8))
			return "a message sent";
	if (memcmp(r->win, win, COLL_WINDOW_WORDS * 8))
		return "window";
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 0) : 200000;
	static struct input in;
	static struct rrun rr, cr;
	static uint64_t nwin[COLL_WINDOW_WORDS];
	struct rc_prog *ref, *cprog;
	unsigned long nrc = 0, nrn = 0, hit[RC_ACT__COUNT] = { 0 };
	unsigned long sends = 0, upcalls = 0, faults = 0;
	uint64_t insns_r = 0, insns_c = 0, max_r = 0, max_c = 0;
	char first_rc[200] = "", first_rn[200] = "", what[120];
	char *text;
	int err = 0;

	text = rc_test_read_file(REF_PATH, &err);
	ref = text ? load(REF_PATH, text) : NULL;
	free(text);
	cprog = rc_text_find("coll.r") ? load("coll.r", rc_text_find("coll.r")) :
					 NULL;
	if (!ASSERT_TRUE(ref && cprog, "coll.r (" REF_PATH ") and coll.c as librcode embeds it assemble and verify"))
		return rc_test_exit();
	ASSERT_TRUE(cprog->portal == ref->portal && cprog->budget == ref->budget &&
		    cprog->state_words == ref->state_words &&
		    cprog->nwindows == 1 && ref->nwindows == 1 &&
		    cprog->windows[0].words == ref->windows[0].words &&
		    !strcmp(cprog->windows[0].name, ref->windows[0].name),
		    "coll.c: portal, budget, data area and window as coll.r's");

	rng = seed;
	for (unsigned long i = 0; i < count; i++) {
		struct coll_core nc;
		enum coll_action act;
		const char *why;

		gen(&in);
		run_r(ref, &in, &rr);
		run_r(cprog, &in, &cr);
		insns_r += rr.res.insns;
		insns_c += cr.res.insns;
		max_r = rr.res.insns > max_r ? rr.res.insns : max_r;
		max_c = cr.res.insns > max_c ? cr.res.insns : max_c;
		hit[rr.res.action]++;
		sends += rr.res.nsends;
		upcalls += rr.res.nupcalls;
		faults += !!rr.res.fault;
		if ((why = diff_rc(&rr, &cr)) && !nrc++)
			snprintf(first_rc, sizeof(first_rc),
				 "message %lu (tag 0x%x seq %u len %u src %u, n %llu self %llu): %s",
				 i, in.msg.hdr.tag, in.msg.hdr.seq, in.msg.hdr.len,
				 in.msg.hdr.src,
				 (unsigned long long)in.state[COLL_ST_NRANKS],
				 (unsigned long long)in.state[COLL_ST_SELF], why);

		memcpy(nwin, in.win, sizeof(nwin));
		nc = (struct coll_core){ nwin, in.state[COLL_ST_SELF],
					 in.state[COLL_ST_NRANKS], capture, NULL,
					 in.state[COLL_ST_WAKE] != 0 };
		nnsent = 0;
		act = coll_handle(&nc, in.msg.hdr.src, in.msg.hdr.tag,
				  in.msg.hdr.seq, in.msg.payload, in.msg.hdr.len);
		if ((why = diff_rn(&in, &rr, act, nwin)) && !nrn++)
			snprintf(first_rn, sizeof(first_rn),
				 "message %lu (tag 0x%x seq %u len %u src %u, n %llu self %llu): %s",
				 i, in.msg.hdr.tag, in.msg.hdr.seq, in.msg.hdr.len,
				 in.msg.hdr.src,
				 (unsigned long long)in.state[COLL_ST_NRANKS],
				 (unsigned long long)in.state[COLL_ST_SELF], why);
	}
	snprintf(what, sizeof(what),
		 "coll.c by rcc = coll.r on %lu generated messages (seed %llu)",
		 count, (unsigned long long)seed);
	if (nrc)
		TEST_FAIL(what, "%lu differ, first: %s", nrc, first_rc);
	else
		TEST_PASS(what);
	snprintf(what, sizeof(what),
		 "coll.c by gcc = coll.r on %lu generated messages (seed %llu)",
		 count, (unsigned long long)seed);
	if (nrn)
		TEST_FAIL(what, "%lu differ, first: %s", nrn, first_rn);
	else
		TEST_PASS(what);
	/* the generator must reach every way out of the handler */
	ASSERT_TRUE(hit[RC_ACT_DROP] && hit[RC_ACT_PASS] && hit[RC_ACT_REPLY] &&
		    hit[RC_ACT_FORWARD] && sends && upcalls,
		    "generated messages reach drop, pass, reply, forward, send and up-call");
	ASSERT_EQ(faults, 0, "coll.r faults on no generated message");
	printf("# actions: drop %lu, pass %lu, reply %lu, forward %lu; %lu sends, %lu up-calls\n",
	       hit[RC_ACT_DROP], hit[RC_ACT_PASS], hit[RC_ACT_REPLY],
	       hit[RC_ACT_FORWARD], sends, upcalls);
	printf("# instructions: coll.r %llu (max %llu), coll.c %llu (max %llu): %.3f\n",
	       (unsigned long long)insns_r, (unsigned long long)max_r,
	       (unsigned long long)insns_c, (unsigned long long)max_c,
	       insns_r ? (double)insns_c / insns_r : 0.0);
	rc_prog_free(ref);
	rc_prog_free(cprog);
	return rc_test_exit();
}
