// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_coll.c - the collectives protocol (docs/collectives.md) without
 * the kernel (pure userspace):
 *
 * 1. the tree: every virtual rank but the root has one parent, which
 *    lists it among its children, for every size and root;
 * 2. the protocol's steps (userlib/rcode_coll.c) on N simulated nodes
 *    joined by a simulated network that delivers messages in a seeded
 *    random order, and optionally duplicates and loses them; the nodes'
 *    applications run a mixed sequence of allreduces (every op, 0 to 32
 *    words), barriers and broadcasts from varying roots, each arriving
 *    at its own moment, and every result must be exact; no node may
 *    finish an operation before every node has joined it; a node with
 *    nothing to send again sends its parent a PULL now and then;
 * 2b. the same with userlib/coll/coll.c, compiled by rcc as librcode
 *    embeds it, on the reference interpreter as every node's handler
 *    (the application's side stays the C one, as in the kernel mode),
 *    in lock step with coll.c compiled natively (the user-level mode's
 *    handler) and beside the hand-written selftests/handlers/coll.r:
 *    for every message both builds must send the same messages
 *    (destination, tag, seq, words) and all three leave the same window;
 *    every result publication up-calls its seq (or with `wake` set,
 *    passes the DOWN on to the application instead); no run faults,
 *    none comes near the budget;
 * 3. communicators in the user-level mode over loopback, one thread per
 *    rank: allreduce of long vectors (chunks), barriers, broadcasts,
 *    the statistics;
 * 4. the retry bound: a rank whose peer never answers gets -ETIMEDOUT
 *    within rcode_comm__timeout_bound(), then -EPIPE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "librcode.h"
#include "rc_diag.h"
#include "rc_test.h"
#include "rcode.h"
#include "rcode_coll.h"
#include "rcode_comm_internal.h"
#include "rcode_internal.h"

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t rnd(uint64_t *s)
{
	*s += 1;
	return mix(*s);
}

/* ---- 1. the tree ------------------------------------------------------------ */
static void test_tree(void)
{
	unsigned int bad = 0;

	for (uint32_t n = 1; n <= 64; n++)
		for (uint32_t root = 0; root < n; root++) {
			unsigned int edges = 0;

			for (uint32_t r = 0; r < n; r++) {
				uint32_t vr = coll_vrank(n, r, root);

				if (coll_rank(n, vr, root) != r)
					bad++;
				if (vr) {
					uint32_t pv = (vr - 1) / 2;

					if (vr - 2 * pv < 1 ||
					    vr - 2 * pv > coll_children(n, pv))
						bad++;
				}
				edges += coll_children(n, vr);
			}
			if (edges != n - 1)
				bad++;
		}
	ASSERT_EQ(bad, 0, "tree: one parent each, n - 1 edges, vrank round trip (n 1..64, every root)");
}

/* ---- 2. simulated nodes -------------------------------------------------------- */
#define SIM_MAX		16
#define SIM_OPS		60

struct smsg {
	uint32_t src, dst, tag, seq;
	unsigned int nwords;
	uint64_t w[RCODE_COLL_WORDS];
};

struct sim;
struct sim_node {
	struct sim *sim;
	unsigned int rank;
	struct coll_core core;
	uint64_t win[COLL_WINDOW_WORDS];
	unsigned int op;	/* the operation its application is in */
	bool joined;		/* has contributed to it */
};

struct sim_op {
	uint32_t tag;		/* as the application sends it */
	unsigned int k;
};

struct sim {
	const struct rc_prog *prog;	/* coll.c as the handler, or NULL: C */
	bool lockstep;			/* and check it against the C one */
	bool wake;			/* coll.c's `wake`: pass, not up-call */
	unsigned long mismatches, upcalls, wakes, max_insns;
	char first_mismatch[200];
	unsigned int n;
	struct sim_node node[SIM_MAX];
	struct sim_op ops[SIM_OPS];
	unsigned int joined[SIM_OPS];	/* nodes that contributed to op */
	struct smsg *q;
	size_t nq, cap;
	uint64_t rng, seed;
	unsigned int dup_pct, drop_pct;
	unsigned long delivered, dropped, duplicated, retries, rounds, pulls;
	unsigned long wrong, early;
	char first_wrong[200];
};

static int sim_send(void *ctx, uint32_t dst, uint32_t tag, uint32_t seq,
		    const uint64_t *w, unsigned int nwords)
{
	struct sim_node *nd = ctx;
	struct sim *s = nd->sim;
	struct smsg *m;

	if (s->nq == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->q = realloc(s->q, s->cap * sizeof(*s->q));
	}
	m = &s->q[s->nq++];
	*m = (struct smsg){ nd->rank, dst, tag, seq, nwords };
	if (nwords)
		memcpy(m->w, w, nwords * 8);
	return 0;
}

static uint64_t input(const struct sim *s, unsigned int rank, unsigned int op,
		      unsigned int i)
{
	uint64_t v = mix(s->seed ^ mix(rank * 1000003ull + op * 131ull + i));

	/* small values now and then, so that min and max meet equal words */
	return (v & 3) ? v : v >> 60;
}

static void sim_init(struct sim *s, unsigned int n, uint64_t seed,
		     unsigned int dup_pct, unsigned int drop_pct,
		     const struct rc_prog *prog)
{
	memset(s, 0, sizeof(*s));
	s->prog = prog;
	s->lockstep = prog != NULL;
	s->n = n;
	s->seed = s->rng = seed;
	s->dup_pct = dup_pct;
	s->drop_pct = drop_pct;
	for (unsigned int o = 0; o < SIM_OPS; o++) {
		uint64_t r = rnd(&s->rng);
		unsigned int k = r % 4 == 0 ? 1 : r % 4 == 1 ? RCODE_COLL_WORDS :
				 (r >> 8) % (RCODE_COLL_WORDS + 1);

		switch ((r >> 16) % 4) {
		case 0:
			s->ops[o] = (struct sim_op){ COLL_TAG(COLL_UP, RCODE_OP_SUM, 0, 0), 0 };
			break;
		case 1:
			s->ops[o] = (struct sim_op){
				COLL_TAG(COLL_UP, COLL_OP_BCAST, k, (r >> 24) % n), k };
			break;
		default:
			s->ops[o] = (struct sim_op){
				COLL_TAG(COLL_UP, o % RCODE_OP__COUNT, k, 0), k };
			break;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		struct sim_node *nd = &s->node[i];

		nd->sim = s;
		nd->rank = i;
		nd->core = (struct coll_core){ nd->win, i, n, sim_send, nd };
		coll_core_init(&nd->core, 1);
	}
}

static void sim_wrong(struct sim *s, const char *fmt, unsigned int a,
		      unsigned int b, unsigned int c)
{
	if (!s->wrong++)
		snprintf(s->first_wrong, sizeof(s->first_wrong), fmt, a, b, c);
}

/* The application of node i takes its next step, if it can. */
static bool app_step(struct sim *s, unsigned int i)
{
	struct sim_node *nd = &s->node[i];
	const struct sim_op *op;
	uint64_t in[RCODE_COLL_WORDS], out[RCODE_COLL_WORDS];
	unsigned int kind;

	if (nd->op >= SIM_OPS)
		return false;
	op = &s->ops[nd->op];
	kind = COLL_TAG_OP(op->tag);
	if (!nd->joined) {
		unsigned int nin = op->k;

		for (unsigned int w = 0; w < op->k; w++)
			in[w] = input(s, i, nd->op, w);
		if (kind == COLL_OP_BCAST && COLL_TAG_ROOT(op->tag) != i)
			nin = 0;
		coll_contribute(&nd->core, nd->op + 1, op->tag, in, nin);
		nd->joined = true;
		s->joined[nd->op]++;
		return true;
	}
	if (!coll_done(&nd->core, nd->op + 1))
		return false;
	if (s->joined[nd->op] != s->n)
		sim_wrong(s, "node %u finished op %u with %u nodes joined", i,
			  nd->op, s->joined[nd->op]);
	coll_finish(&nd->core, nd->op + 1, out, op->k);
	for (unsigned int w = 0; w < op->k; w++) {
		uint64_t e;

		if (kind == COLL_OP_BCAST) {
			e = input(s, COLL_TAG_ROOT(op->tag), nd->op, w);
		} else {
			e = input(s, 0, nd->op, w);
			for (unsigned int r = 1; r < s->n; r++)
				e = coll_combine(kind, e, input(s, r, nd->op, w));
		}
		if (out[w] != e)
			sim_wrong(s, "node %u op %u word %u: wrong result", i,
				  nd->op, w);
	}
	nd->op++;
	nd->joined = false;
	return true;
}

/* ---- coll.c as the handler ---- */
#define EFFECTS_MAX	4

/* The hand-written coll.r (selftests/handlers/coll.r), run beside the
 * embedded handler (coll.c compiled by rcc) to count both's instructions
 * on the protocol's own traffic. */
static struct rc_prog *ref_prog;
static uint64_t refwin[COLL_WINDOW_WORDS];
static unsigned long long ref_insns, prog_insns, ref_msgs;
static bool ref_checked;

static struct smsg cout[8];	/* what the C handler sent, in lock step */
static unsigned int ncout;

static int c_capture(void *ctx, uint32_t dst, uint32_t tag, uint32_t seq,
		     const uint64_t *w, unsigned int nwords)
{
	struct sim_node *nd = ctx;

	if (ncout < 8) {
		cout[ncout] = (struct smsg){ nd->rank, dst, tag, seq, nwords };
		memcpy(cout[ncout].w, w, nwords * 8);
	}
	ncout++;
	return 0;
}

static void sim_mismatch(struct sim *s, const struct smsg *m, const char *why)
{
	if (!s->mismatches++)
		snprintf(s->first_mismatch, sizeof(s->first_mismatch),
			 "rank %u, message from %u tag 0x%x seq %u: %s", m->dst,
			 m->src, m->tag, m->seq, why);
}

/* An R-message as the handler got it, or made it, into the queue. */
static void enqueue_msg(struct sim *s, uint32_t src, uint32_t dst,
			const struct rc_hdr *h, const uint8_t *payload,
			struct smsg *out)
{
	*out = (struct smsg){ src, dst, h->tag, h->seq, h->len / 8 };
	memcpy(out->w, payload, h->len & ~7u);
	if (h->len % 8)
		sim_wrong(s, "a message of %u bytes from rank %u (seq %u)",
			  h->len, src, h->seq);
}

static enum coll_action run_r(struct sim *s, const struct smsg *m)
{
	struct sim_node *nd = &s->node[m->dst];
	static struct rc_effect eff[EFFECTS_MAX];
	static uint8_t payloads[EFFECTS_MAX][RC_PAYLOAD_MAX];
	uint64_t state[COLL_STATE_WORDS] = { [COLL_ST_SELF] = m->dst,
					     [COLL_ST_NRANKS] = s->n,
					     [COLL_ST_WAKE] = s->wake };
	struct rc_ranks ranks = { .nranks = s->n, .self = m->dst };
	struct rc_env env = { .state = state, .windows = { nd->win },
			      .ranks = &ranks, .effects = eff,
			      .effects_max = EFFECTS_MAX,
			      .effect_payloads = payloads };
	static uint64_t before[COLL_WINDOW_WORDS];
	struct smsg made[EFFECTS_MAX + 1];
	unsigned int nmade = 0;
	struct rc_result res;
	struct rc_msg msg = { .hdr = { .version = RC_WIRE_VERSION,
				       .portal = RCODE_COLL_PORTAL,
				       .len = m->nwords * 8, .src = m->src,
				       .dst = m->dst, .tag = m->tag,
				       .seq = m->seq } };
	enum coll_action c_act = COLL_ACT_DROP;

	memcpy(msg.payload, m->w, m->nwords * 8);
	if (ref_prog) {
		/* the hand-written coll.r on the same message and window:
		 * the instructions both execute on the protocol's traffic */
		struct rc_env renv = env;
		struct rc_msg rmsg = msg;
		struct rc_result rres;
		uint64_t rstate[COLL_STATE_WORDS];

		memcpy(rstate, state, sizeof(rstate));
		memcpy(refwin, nd->win, sizeof(refwin));
		renv.state = rstate;
		renv.windows[0] = refwin;
		renv.effects = NULL;
		renv.effects_max = 0;
		rc_run(ref_prog, &rmsg, &renv, &rres);
		ref_insns += rres.insns;
		ref_msgs++;
		ref_checked = true;
	}
	if (s->lockstep) {
		/* the C handler on a copy of the window first */
		struct coll_core cc = { before, m->dst, s->n, c_capture, nd,
					s->wake };

		memcpy(before, nd->win, sizeof(before));
		ncout = 0;
		c_act = coll_handle(&cc, m->src, m->tag, m->seq, m->w,
				    m->nwords * 8);
	}
	rc_run(s->prog, &msg, &env, &res);
	if (ref_checked) {
		prog_insns += res.insns;
		if (memcmp(refwin, nd->win, sizeof(refwin)))
			sim_mismatch(s, m, "the embedded handler and coll.r leave different windows");
		ref_checked = false;
	}
	if (res.insns > s->max_insns)
		s->max_insns = res.insns;
	if (res.fault) {
		char why[80];

		snprintf(why, sizeof(why), "coll.c faulted %s at pc %u",
			 rc_fault_name(res.fault), res.fault_pc);
		sim_mismatch(s, m, why);
		return COLL_ACT_PASS;
	}
	for (unsigned int i = 0; i < res.neffects; i++) {
		if (eff[i].kind == RC_EFFECT_UPCALL) {
			s->upcalls++;
			if (eff[i].value != m->seq)
				sim_mismatch(s, m, "up-call of another seq");
			continue;
		}
		enqueue_msg(s, m->dst, eff[i].rank, &eff[i].hdr, eff[i].payload,
			    &made[nmade++]);
	}
	if (res.neffects != res.nsends + res.nupcalls)
		sim_mismatch(s, m, "more effects than the log holds");
	if (res.action == RC_ACT_FORWARD)
		enqueue_msg(s, m->dst, res.rank, &msg.hdr, msg.payload,
			    &made[nmade++]);
	else if (res.action == RC_ACT_REPLY)
		enqueue_msg(s, m->dst, msg.hdr.dst, &msg.hdr, msg.payload,
			    &made[nmade++]);
	if (s->lockstep) {
		if ((res.action == RC_ACT_PASS) !=
		    (c_act == COLL_ACT_PASS || c_act == COLL_ACT_WAKE))
			sim_mismatch(s, m, "rcc's and gcc's coll.c disagree on passing it");
		if (nmade != ncout)
			sim_mismatch(s, m, "rcc's and gcc's coll.c send different numbers of messages");
		for (unsigned int i = 0; i < nmade && i < ncout; i++)
			if (made[i].dst != cout[i].dst || made[i].tag != cout[i].tag ||
			    made[i].seq != cout[i].seq ||
			    made[i].nwords != cout[i].nwords ||
			    memcmp(made[i].w, cout[i].w, made[i].nwords * 8))
				sim_mismatch(s, m, "rcc's and gcc's coll.c send different messages");
		if (memcmp(before, nd->win, sizeof(before)))
			sim_mismatch(s, m, "rcc's and gcc's coll.c leave different windows");
	}
	for (unsigned int i = 0; i < nmade; i++) {
		struct sim_node *sender = &s->node[m->dst];

		sim_send(sender, made[i].dst, made[i].tag, made[i].seq,
			 made[i].w, made[i].nwords);
	}
	if (res.action == RC_ACT_PASS && c_act == COLL_ACT_WAKE) {
		s->wakes++;	/* the DOWN goes on to the application */
		return COLL_ACT_DROP;
	}
	return res.action == RC_ACT_PASS ? COLL_ACT_PASS : COLL_ACT_DROP;
}

static void deliver(struct sim *s, size_t at)
{
	struct smsg m = s->q[at];
	uint64_t r = rnd(&s->rng);

	if (r % 100 < s->dup_pct) {
		s->duplicated++;	/* a copy stays queued */
	} else {
		s->q[at] = s->q[--s->nq];
	}
	if ((r >> 8) % 100 < s->drop_pct) {
		s->dropped++;
		return;
	}
	s->delivered++;
	if (m.dst >= s->n) {
		sim_wrong(s, "message to rank %u from %u (seq %u)", m.dst, m.src,
			  m.seq);
		return;
	}
	if ((s->prog ? run_r(s, &m) :
	     coll_handle(&s->node[m.dst].core, m.src, m.tag, m.seq, m.w,
			 m.nwords * 8)) != COLL_ACT_DROP)
		sim_wrong(s, "rank %u passed a message from %u (seq %u)", m.dst,
			  m.src, m.seq);
}

/* Run to the end; false if it got stuck. */
static bool sim_run(struct sim *s)
{
	for (unsigned long step = 0; step < 4000000; step++) {
		unsigned int ready[SIM_MAX], nready = 0, finished = 0;
		bool any = false;

		for (unsigned int i = 0; i < s->n; i++) {
			struct sim_node *nd = &s->node[i];

			if (nd->op >= SIM_OPS)
				finished++;
			else if (!nd->joined ||
				 coll_done(&nd->core, nd->op + 1))
				ready[nready++] = i;
		}
		if (finished == s->n)
			return true;
		if (s->nq && (!nready || rnd(&s->rng) % 3)) {
			deliver(s, rnd(&s->rng) % s->nq);
			continue;
		}
		if (nready) {
			app_step(s, ready[rnd(&s->rng) % nready]);
			continue;
		}
		/* Nothing moves: every waiting application times out. */
		if (++s->rounds > 5000)
			return false;
		for (unsigned int i = 0; i < s->n; i++) {
			struct sim_node *nd = &s->node[i];
			uint32_t tag, root, vr;

			if (nd->op >= SIM_OPS || !nd->joined)
				continue;
			tag = s->ops[nd->op].tag;
			if (coll_retry(&nd->core, nd->op + 1, tag)) {
				s->retries++;
				any = true;
				continue;
			}
			/* Nothing to send again: ask the parent with a PULL
			 * now and then (what a tool could do), which must be
			 * answered as a duplicate would be. */
			root = COLL_TAG_ROOT(tag);
			vr = coll_vrank(s->n, i, root);
			if (vr && s->dup_pct && rnd(&s->rng) % 2) {
				sim_send(nd, coll_rank(s->n, (vr - 1) / 2, root),
					 (tag & ~0xfu) | COLL_PULL, nd->op + 1, NULL, 0);
				s->pulls++;
			}
		}
		if (!any)
			return false;
	}
	return false;
}

/* polling: every node's application polls its window (COLL_W_SLEEPERS
 * stays 0), so no result may wake it; else every one sleeps. */
static void test_sim(unsigned int n, uint64_t seed, unsigned int dup_pct,
		     unsigned int drop_pct, const struct rc_prog *prog, bool wake,
		     bool polling)
{
	struct sim *s = calloc(1, sizeof(*s));
	char what[160];
	bool ok;

	sim_init(s, n, seed, dup_pct, drop_pct, prog);
	s->wake = wake;
	for (unsigned int i = 0; i < n && !polling; i++)
		s->node[i].win[COLL_W_SLEEPERS] = 1;
	ok = sim_run(s);
	snprintf(what, sizeof(what),
		 "%s%s n=%u seed=%llu dup=%u%% loss=%u%%: %u ops exact on every node",
		 prog ? wake ? "coll.c wake=pass" : "coll.c" : "sim",
		 polling ? " polling" : "", n,
		 (unsigned long long)seed, dup_pct, drop_pct, SIM_OPS);
	if (!ok)
		TEST_FAIL(what, "stuck (ops done per node: %u..., %lu rounds of retries)",
			  s->node[0].op, s->rounds);
	else if (s->wrong)
		TEST_FAIL(what, "%lu wrong, first: %s", s->wrong, s->first_wrong);
	else
		TEST_PASS(what);
	printf("# delivered %lu, lost %lu, duplicated %lu, retries %lu, pulls %lu\n",
	       s->delivered, s->dropped, s->duplicated, s->retries, s->pulls);
	if (prog) {
		unsigned long pubs = 0;

		snprintf(what, sizeof(what),
			 "coll.c n=%u seed=%llu: in lock step with the C handler",
			 n, (unsigned long long)seed);
		if (s->mismatches)
			TEST_FAIL(what, "%lu mismatches, first: %s", s->mismatches,
				  s->first_mismatch);
		else
			TEST_PASS(what);
		/* every node but the root learns each result from a DOWN
		 * (or an answer); the root completes it in the handler
		 * only when a child's UP came last.  Each of those wakes
		 * the application: an up-call, or with wake the DOWN
		 * passed on, never both. */
		pubs = s->upcalls + s->wakes;
		if (polling) {
			/* ... but not an application that polls */
			if (!ASSERT_EQ(pubs, 0, "coll.c: no wake-up for an application that polls"))
				printf("# %lu up-calls, %lu wakes\n", s->upcalls,
				       s->wakes);
		} else if (n > 1 && !ASSERT_TRUE(pubs >= (unsigned long)(n - 1) * SIM_OPS &&
					  (wake ? !s->upcalls : !s->wakes),
					  wake ? "coll.c: the application woken by a pass for every result published"
					       : "coll.c: an up-call for every result published"))
			printf("# %lu up-calls, %lu wakes for %u ops on %u nodes\n",
			       s->upcalls, s->wakes, SIM_OPS, n);
		printf("# coll.c: at most %lu instructions a message\n",
		       s->max_insns);
		ASSERT_TRUE(s->max_insns < 8192 / 2,
			    "coll.c: every run within half its budget");
	}
	if (!drop_pct && !dup_pct)
		ASSERT_EQ(s->retries, 0, "sim: no loss, no retries");
	free(s->q);
	free(s);
}

/* ---- 3. user-level communicators over loopback -------------------------------- */
#define LO_N		5
#define LO_VEC		100	/* 4 chunks */

struct lo_rank {
	pthread_t t;
	unsigned int rank;
	struct rcode_rank_addr *table;
	uint16_t port;
	int err;
	unsigned int wrong;
	struct rcode_comm_stats st;
	unsigned int bound;
};

static void *lo_main(void *arg)
{
	struct lo_rank *r = arg;
	RCODE_OPTS(rcode_comm_opts, o, .mode = RCODE_COMM_USER,
		   .udp_port = r->port, .timeout_ms = 50, .tries = 6,
		   .linger_ms = 100);
	struct rcode_comm *c = rcode_comm__new(r->table, LO_N, r->rank, &o);
	uint64_t in[LO_VEC], out[LO_VEC];

	if (!c) {
		r->err = -errno;
		return NULL;
	}
	r->bound = rcode_comm__timeout_bound(c);
	for (unsigned int round = 0; round < 20 && !r->err; round++) {
		for (unsigned int op = 0; op < RCODE_OP__COUNT && !r->err; op++) {
			for (unsigned int i = 0; i < LO_VEC; i++)
				in[i] = mix(round * 7919 + op * 104729 + i * 31 + r->rank);
			r->err = rcode_allreduce(c, op, in, out, LO_VEC);
			for (unsigned int i = 0; i < LO_VEC && !r->err; i++) {
				uint64_t e = mix(round * 7919 + op * 104729 + i * 31);

				for (unsigned int k = 1; k < LO_N; k++)
					e = coll_combine(op, e, mix(round * 7919 + op * 104729 + i * 31 + k));
				r->wrong += out[i] != e;
			}
		}
		r->err = r->err ?: rcode_barrier(c);
		for (unsigned int i = 0; i < LO_VEC; i++)
			in[i] = r->rank == round % LO_N ? mix(round + i) : 0;
		r->err = r->err ?: rcode_bcast(c, round % LO_N, in, LO_VEC);
		for (unsigned int i = 0; i < LO_VEC && !r->err; i++)
			r->wrong += in[i] != mix(round + i);
	}
	rcode_comm__stats(c, &r->st);
	rcode_comm__free(c);
	return NULL;
}

static uint16_t pick_port(void)
{
	/* a port range of its own per run, away from the usual ones */
	return 20000 + (getpid() * 7) % 20000;
}

static void test_loopback(void)
{
	struct rcode_rank_addr table[LO_N];
	struct lo_rank r[LO_N];
	uint16_t base = pick_port();
	unsigned int wrong = 0, errs = 0;
	uint64_t ops = 0, retries = 0;

	for (unsigned int i = 0; i < LO_N; i++) {
		table[i] = (struct rcode_rank_addr){ .rank = i, .family = AF_INET,
						     .port = base + i };
		inet_pton(AF_INET, "127.0.0.1", table[i].addr);
	}
	for (unsigned int i = 0; i < LO_N; i++) {
		r[i] = (struct lo_rank){ .rank = i, .table = table, .port = base };
		pthread_create(&r[i].t, NULL, lo_main, &r[i]);
	}
	for (unsigned int i = 0; i < LO_N; i++) {
		pthread_join(r[i].t, NULL);
		if (r[i].err) {
			printf("# rank %u: %s\n", i, strerror(-r[i].err));
			errs++;
		}
		wrong += r[i].wrong;
		ops += r[i].st.ops;
		retries += r[i].st.retries;
	}
	ASSERT_EQ(errs, 0, "loopback: 5 ranks in USER mode: no errors");
	ASSERT_EQ(wrong, 0, "loopback: allreduce (every op, 100 words), bcast: exact");
	/* 20 rounds x (5 ops x 4 chunks + barrier + 4 bcast chunks) */
	ASSERT_EQ(ops, LO_N * 20 * (5 * 4 + 1 + 4), "loopback: operations counted");
	printf("# loopback: %llu retries\n", (unsigned long long)retries);
	ASSERT_EQ(r[0].bound, 50 + 100 + 200 + 400 + 800 + 1000,
		  "loopback: timeout bound = doubling from 50 ms, capped at 1000, 6 tries");
}

/* ---- 4. the retry bound ---------------------------------------------------------- */
static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_timeout(void)
{
	struct rcode_rank_addr table[2];
	uint16_t base = pick_port() + 100;
	RCODE_OPTS(rcode_comm_opts, o, .mode = RCODE_COMM_USER,
		   .udp_port = base, .timeout_ms = 10, .timeout_max_ms = 25,
		   .tries = 4);
	struct rcode_comm *c;
	struct rcode_comm_stats st;
	uint64_t v = 1;
	double t0, dt;
	int err;

	for (unsigned int i = 0; i < 2; i++) {
		table[i] = (struct rcode_rank_addr){ .rank = i, .family = AF_INET,
						     .port = base + i };
		inet_pton(AF_INET, "127.0.0.1", table[i].addr);
	}
	/* rank 1 (a leaf) whose parent never answers */
	c = rcode_comm__new(table, 2, 1, &o);
	if (!ASSERT_TRUE(c != NULL, "timeout: communicator"))
		return;
	ASSERT_EQ(rcode_comm__timeout_bound(c), 10 + 20 + 25 + 25,
		  "timeout: bound 10+20+25+25 ms");
	t0 = mono_ms();
	err = rcode_allreduce(c, RCODE_OP_SUM, &v, &v, 1);
	dt = mono_ms() - t0;
	ASSERT_EQ(err, -ETIMEDOUT, "timeout: allreduce returns -ETIMEDOUT");
	printf("# timeout after %.1f ms\n", dt);
	/* "Not much later": 250 ms of slack, as an emulated VM without the
	 * JIT stalls a waiting thread for longer than 50 ms at times. */
	ASSERT_TRUE(dt >= 80 && dt < 80 + 250, "timeout: after the bound, not much later");
	rcode_comm__stats(c, &st);
	ASSERT_EQ(st.retries, 3, "timeout: 3 retries after the first send");
	ASSERT_EQ(st.timeouts, 1, "timeout: counted");
	ASSERT_EQ(st.sent, 4, "timeout: 4 messages sent");
	ASSERT_EQ(rcode_barrier(c), -EPIPE, "timeout: the communicator is unusable afterwards");
	rcode_comm__free(c);
}

/* coll.c, as librcode carries it (compiled by rcc), assembled and
 * verified; the embedded text is still named coll.r. */
static struct rc_prog *coll_prog(void)
{
	const char *text = rc_text_find("coll.r");
	struct rc_prog *prog = rc_prog_new();
	struct rc_diags d;
	int err;

	if (!ASSERT_TRUE(text && prog, "coll.c is embedded in librcode"))
		return NULL;
	rc_diags_init(&d);
	err = rc_asm("coll.r", text, prog, &d) ?: rc_verify(prog, NULL, &d);
	if (err)
		rc_diags_print(&d, stdout);
	rc_diags_free(&d);
	if (!ASSERT_EQ(err, 0, "coll.c assembles and verifies")) {
		rc_prog_free(prog);
		return NULL;
	}
	ASSERT_EQ(prog->portal, RCODE_COLL_PORTAL, "coll.c: portal RCODE_COLL_PORTAL");
	ASSERT_TRUE(prog->state_words == COLL_STATE_WORDS && prog->nwindows == 1 &&
		    prog->windows[0].words == COLL_WINDOW_WORDS,
		    "coll.c: data area and window as rcode_coll.h lays them out");
	return prog;
}

/* The hand-written coll.r, kept as test data. */
static struct rc_prog *ref_coll_prog(void)
{
	char *text = rc_test_read_file("selftests/handlers/coll.r", NULL);
	struct rc_prog *prog = rc_prog_new();
	struct rc_diags d;
	int err;

	rc_diags_init(&d);
	err = text && prog ? rc_asm("selftests/handlers/coll.r", text, prog, &d) ?:
			     rc_verify(prog, NULL, &d) : -ENOENT;
	rc_diags_free(&d);
	free(text);
	if (!ASSERT_EQ(err, 0, "coll.r (selftests/handlers/coll.r) assembles and verifies")) {
		rc_prog_free(prog);
		return NULL;
	}
	return prog;
}

int main(void)
{
	static const unsigned int sizes[] = { 1, 2, 3, 4, 5, 7, 8, 13, 16 };
	struct rc_prog *prog;

	test_tree();
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		test_sim(sizes[i], 1 + i, 0, 0, NULL, false, false);
		test_sim(sizes[i], 100 + i, 20, 0, NULL, false, false);
		test_sim(sizes[i], 200 + i, 0, 10, NULL, false, false);
		test_sim(sizes[i], 300 + i, 10, 10, NULL, false, false);
	}
	prog = coll_prog();
	ref_prog = ref_coll_prog();
	for (unsigned int i = 0; prog && i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		test_sim(sizes[i], 400 + i, 0, 0, prog, false, false);
		test_sim(sizes[i], 500 + i, 20, 0, prog, false, false);
		test_sim(sizes[i], 600 + i, 10, 10, prog, false, false);
		test_sim(sizes[i], 700 + i, 10, 10, prog, true, false);
		test_sim(sizes[i], 800 + i, 10, 10, prog, false, true);
		test_sim(sizes[i], 900 + i, 10, 10, prog, true, true);
	}
	if (ref_msgs)
		printf("# instructions on %llu messages of the protocol: coll.c %llu, coll.r %llu: %.3f\n",
		       ref_msgs, prog_insns, ref_insns,
		       ref_insns ? (double)prog_insns / ref_insns : 0.0);
	rc_prog_free(ref_prog);
	rc_prog_free(prog);
	test_timeout();
	test_loopback();
	return rc_test_exit();
}
