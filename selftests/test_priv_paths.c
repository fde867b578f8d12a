// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_paths.c - the three-way differential test: every data-file
 * test case runs on the reference interpreter, on the translated eBPF
 * program and on the in-kernel interpreter (both through
 * BPF_PROG_TEST_RUN), and all three must agree exactly with what the case
 * says: action, the message that leaves (as a whole Ethernet frame:
 * lengths and checksums checked too), data area, windows, fault code and
 * pc, budget exhaustion included.  The kernel paths run over IPv4 and
 * IPv6; loops also translated inline (as without the JIT); and the
 * tracing interpreter must also count exactly the reference's executed
 * instructions and stack high-water mark, and its per-uop counts must add
 * up to them.
 *
 * Every case also runs translated into a TC program (BPF_PROG_TEST_RUN
 * on an skb), as handlers that send are: test_priv_paths_tc, this file
 * built with PATHS_TC.  Sending and up-calls: each run
 * gets the case's rank table (rc_case_rank_table: every reachable rank
 * has an entry of the message's address family); a forwarded frame must
 * be, byte for byte, the one rc_sent_frame() builds for the rank from
 * the frame that arrived; the up-call ring is read after every run; and
 * in TC mode the copies send makes (bpf_clone_redirect to the loopback
 * device of a network namespace of the test's own) are captured with an
 * AF_PACKET socket and checked the same way.  Each channel keeps its
 * order; how sends and up-calls interleave cannot be seen from outside,
 * so the log compared with the case takes the reference's interleaving.
 * The interpreter gets the rank table in its own map; a handler with
 * send must be refused by it (it runs at XDP; send needs TC).
 *
 * Needs root and BPF; without them it says SKIP (a failure under CI=true).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "rc_case.h"
#include "rc_sent.h"
#include "rc_test.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rcode_private.h"

#define MAX_COPIES	RC_CASE_EFFECTS_MAX

/* What one run sent and up-called, as seen from outside the kernel. */
struct copy {
	uint32_t rank;
	struct rc_msg msg;
};

struct xlate_ctx {
	struct rcode_handler *h;
	int ipver;
	bool inline_loops;
	enum rcode_path path;
	bool trace;
	bool tc;		/* the handler loaded as a TC program */
	struct ring_buffer *ring;
	struct rc_upcall upcalls[RC_CASE_EFFECTS_MAX];
	uint32_t nupcalls;	/* records read this run (all counted) */
	uint64_t ring_t0;	/* the run's start: records are younger */
	bool ring_bad;		/* a record malformed or of another time */
	struct copy copies[MAX_COPIES];
	uint32_t ncopies;
	struct rc_rank table[RC_ABI_RANKS_MAX];	/* the handler's, as written */
	struct rc_env ref_env;	/* for the reference's interleaving */
	char why[512];
};

static struct rcode_interp *interp;	/* shared by every interpreter run */
static int capture_fd = -1;		/* AF_PACKET on lo, outgoing frames */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int ring_record(void *ctx, void *data, size_t size)
{
	struct xlate_ctx *x = ctx;

	const struct rc_upcall *u = data;

	if (size < sizeof(*u) || u->ns < x->ring_t0 || u->ns > mono_ns())
		x->ring_bad = true;
	else if (x->nupcalls < RC_CASE_EFFECTS_MAX)
		memcpy(&x->upcalls[x->nupcalls], data, sizeof(*u));
	x->nupcalls++;
	return 0;
}

/* The rank table the run's ranks make, for the message's address family,
 * in the handler's table or the interpreter's: the entries that differ
 * from what the table holds (a new table holds zeros; the interpreter's
 * lives as long as the test). */
static int write_ranks(struct xlate_ctx *x, const struct rc_env *env)
{
	static struct rc_rank want[RC_ABI_RANKS_MAX], interp_table[RC_ABI_RANKS_MAX];
	struct rc_rank *now = x->table;
	int fd = rcode_handler__ranks_fd(x->h);

	if (x->path == RCODE_PATH_INTERP) {
		fd = rcode_interp__map_fd(interp, RCODE_IMAP_RANKS);
		now = interp_table;
	}
	if (fd < 0)
		return 0;
	rc_case_rank_table(env->ranks, x->ipver, want, RC_ABI_RANKS_MAX);
	for (__u32 r = 0; r < RC_ABI_RANKS_MAX; r++) {
		/* An absent entry is absent whatever else it holds: zeros,
		 * so that only the case's ranks are ever written. */
		if (!(want[r].flags & RC_RANK_F_PRESENT))
			memset(&want[r], 0, sizeof(want[r]));
		if (!memcmp(&now[r], &want[r], sizeof(want[r])))
			continue;
		if (bpf_map_update_elem(fd, &r, &want[r], BPF_ANY))
			return -errno;
		now[r] = want[r];
	}
	return 0;
}

/*
 * A frame that left for a rank (forwarded, or a copy): which rank (by its
 * UDP port, 7200 + r in the tests' table), and it must be exactly the
 * frame rc_sent_frame() makes of the frame that arrived and the message
 * it carries.  Returns 0 or -EPROTO with the reason in x->why.
 */
static int check_sent(struct xlate_ctx *x, const uint8_t *in, size_t in_len,
		      const uint8_t *f, size_t len, const char *what,
		      struct copy *c)
{
	static uint8_t want[2048];
	struct rcode_pkt_info info;
	struct rc_rank entry;
	char why[256];
	int n;

	if (rcode_pkt_parse(f, len, &c->msg, &info)) {
		snprintf(x->why, sizeof(x->why), "%s: not an R-message frame", what);
		return -EPROTO;
	}
	c->rank = info.dst_port - 7200u;
	if (info.dst_port < 7200 || rc_case_rank_entry(c->rank, x->ipver, &entry)) {
		snprintf(x->why, sizeof(x->why), "%s: to port %u, no rank's",
			 what, info.dst_port);
		return -EPROTO;
	}
	n = rc_sent_frame(in, in_len, &entry, NULL, NULL, &c->msg, want,
			  sizeof(want));
	if (n < 0 || rc_sent_compare(want, n, f, len, false, why, sizeof(why))) {
		snprintf(x->why, sizeof(x->why), "%s to rank %u: %s", what,
			 c->rank, n < 0 ? "cannot build the expected frame" : why);
		return -EPROTO;
	}
	return 0;
}

/* The copies send made in this run, as they left through lo. */
static int read_copies(struct xlate_ctx *x, const uint8_t *in, size_t in_len)
{
	static uint8_t f[4096];

	x->ncopies = 0;
	for (;;) {
		ssize_t n = rcode_pkt_capture_next(capture_fd, f, sizeof(f));
		struct copy c;
		int err;

		if (n <= 0)
			return n;
		err = check_sent(x, in, in_len, f, n, "copy", &c);
		if (err)
			return err;
		if (x->ncopies < MAX_COPIES)
			x->copies[x->ncopies] = c;
		x->ncopies++;
	}
}

/* Throw away what earlier runs left in the capture socket. */
static void drain_copies(void)
{
	uint8_t f[64];

	while (capture_fd >= 0 && recv(capture_fd, f, sizeof(f), MSG_DONTWAIT) >= 0)
		;
}

/*
 * The effect log of the run: the copies and the up-call records, each
 * channel in its own order, interleaved as the reference interleaves
 * them (run on the same input); what the reference does not account for
 * goes at the end.
 */
static int log_effects(struct xlate_ctx *x, const struct rc_case *c,
		       const struct rc_msg *in, const struct rc_env *env,
		       struct rc_result *res)
{
	struct rc_env *re = &x->ref_env;
	struct rc_result rr;
	struct rc_msg m = *in;
	uint32_t ns = 0, nu = 0, k = 0;

	/* re holds the words as they were before the run */
	re->ranks = env->ranks;
	re->clock_ns = env->clock_ns;
	rc_run(c->prog, &m, re, &rr);
	for (k = 0; k < env->effects_max; k++) {
		struct rc_effect *e = &env->effects[k];
		bool have_s = ns < x->ncopies && ns < MAX_COPIES;
		bool have_u = nu < x->nupcalls && nu < RC_CASE_EFFECTS_MAX;
		bool send = have_s;

		if (!have_s && !have_u)
			break;
		if (have_s && have_u && k < rr.neffects)
			send = re->effects[k].kind == RC_EFFECT_SEND;
		memset(e, 0, sizeof(*e));
		if (send) {
			const struct copy *cp = &x->copies[ns++];

			e->kind = RC_EFFECT_SEND;
			e->rank = cp->rank;
			e->hdr = cp->msg.hdr;
			e->len = cp->msg.hdr.len;
			if (env->effect_payloads) {
				e->payload = env->effect_payloads[k];
				memcpy(e->payload, cp->msg.payload, e->len);
			}
		} else {
			rcode_upcall_effect(&x->upcalls[nu++], e);
		}
	}
	res->neffects = k;
	return 0;
}

/*
 * The action, from the verdict and the statistics, which must agree:
 * XDP_DROP/TC_ACT_SHOT drop; XDP_PASS/TC_ACT_OK pass (or a fault);
 * XDP_TX reply or forward to the arriving interface; TC_ACT_REDIRECT
 * reply or forward (bpf_redirect); the counters say which.
 */
static int judge_verdict(struct xlate_ctx *x, uint32_t verdict,
			 const struct rc_handler_stats *before,
			 const struct rc_handler_stats *after,
			 struct rc_result *res)
{
	bool fwd = after->forward != before->forward;
	bool reply = after->reply != before->reply;
	int action = -1;

	if (!x->tc) {
		if (verdict == XDP_DROP)
			action = RC_ACT_DROP;
		else if (verdict == XDP_PASS)
			action = RC_ACT_PASS;
		else if (verdict == XDP_TX && (fwd || reply))
			action = fwd ? RC_ACT_FORWARD : RC_ACT_REPLY;
	} else {
		if (verdict == TC_ACT_SHOT)
			action = RC_ACT_DROP;
		else if (verdict == TC_ACT_OK)
			action = RC_ACT_PASS;
		else if (verdict == TC_ACT_REDIRECT && (fwd || reply))
			action = fwd ? RC_ACT_FORWARD : RC_ACT_REPLY;
	}
	if (action < 0 || (fwd && reply)) {
		snprintf(x->why, sizeof(x->why), "%s verdict %d with forward %s, "
			 "reply %s counted", x->tc ? "TC" : "XDP", (int)verdict,
			 fwd ? "" : "not", reply ? "" : "not");
		return -EPROTO;
	}
	res->action = action;
	return 0;
}

/* One run on the translated program: the env's words go into the maps,
 * the message into a frame, and everything comes back out. */
static int exec_xlate_inner(void *ctx_, const struct rc_case *c, struct rc_msg *msg,
		      struct rc_env *env, struct rc_result *res)
{
	struct xlate_ctx *x = ctx_;
	struct rcode_handler *h = x->h;
	const struct rc_prog *p = c->prog;
	static uint8_t in[2048], out[4096];
	struct rc_handler_stats before, after;
	struct rcode_pkt_info info;
	size_t out_len = sizeof(out);
	struct rc_msg in_msg = *msg;
	uint32_t verdict;
	uint64_t t0, t1;
	int len, err;

	rc_case_env_copy(c, &x->ref_env, env);
	err = rcode_handler__write_state(h, env->state);
	for (uint32_t k = 0; !err && k < p->nwindows; k++)
		err = rcode_handler__write_window(h, k, env->windows[k]);
	err = err ?: rcode_handler__read_stats(h, &before);
	err = err ?: write_ranks(x, env);
	if (x->path == RCODE_PATH_INTERP) {
		/* The interpreter picks the handler by the message's portal. */
		err = err ?: rcode_handler__install(h, msg->hdr.portal);
		if (x->trace) {
			static struct rc_trace zero;
			__u32 key = 0;

			if (bpf_map_update_elem(rcode_handler__trace_fd(h), &key,
						&zero, BPF_ANY))
				err = -errno;
		}
	}
	if (err)
		return err;
	len = rcode_pkt_build(msg, x->ipver, RC_UDP_PORT, in, sizeof(in));
	if (len < 0)
		return len;
	if (x->ring)	/* nothing left over from before */
		ring_buffer__consume(x->ring);
	x->nupcalls = 0;
	x->ring_bad = false;
	x->ring_t0 = mono_ns();
	drain_copies();
	t0 = mono_ns();
	err = rcode_handler__test_run(h, in, len, out, &out_len, &verdict, 1, NULL);
	t1 = mono_ns();
	if (err)
		return err;
	err = rcode_handler__read_state(h, env->state);
	for (uint32_t k = 0; !err && k < p->nwindows; k++)
		err = rcode_handler__read_window(h, k, env->windows[k]);
	err = err ?: rcode_handler__read_stats(h, &after);
	if (err)
		return err;
	if (x->ring && ring_buffer__consume(x->ring) < 0)
		return -EIO;
	x->ncopies = 0;
	if (x->tc) {
		err = read_copies(x, in, len);
		if (err)
			return err;
	}

	memset(res, 0, sizeof(*res));
	err = judge_verdict(x, verdict, &before, &after, res);
	if (err)
		return err;
	if (after.invocations != before.invocations + 1) {
		snprintf(x->why, sizeof(x->why), "the handler did not run on its "
			 "message (not_for_us %llu -> %llu)",
			 (unsigned long long)before.not_for_us,
			 (unsigned long long)after.not_for_us);
		return -EPROTO;
	}
	for (int f = 1; f < RC_ABI_FAULTS; f++)
		if (after.faults[f] != before.faults[f]) {
			res->fault = f;
			res->fault_pc = after.last_fault_pc;
			if (after.last_fault_code != (uint64_t)f)
				res->fault = RC_FAULT__COUNT;	/* inconsistent */
		}
	if (res->fault == RC_FAULT_BUDGET &&
	    after.budget_aborts != before.budget_aborts + 1)
		res->fault = RC_FAULT__COUNT;
	if ((res->action == RC_ACT_DROP ? rcode_pkt_parse_dropped :
	     rcode_pkt_parse)(out, out_len, msg, &info)) {
		snprintf(x->why, sizeof(x->why), "the packet that left is not an "
			 "R-message frame");
		return -EPROTO;
	}
	/* What leaves (pass, reply) must be a valid frame; a dropped one
	 * goes nowhere, so its checksum is not kept up to date. */
	if (res->action != RC_ACT_DROP &&
	    (!info.udp_csum_ok || !info.ip_csum_ok || !info.lengths_ok)) {
		snprintf(x->why, sizeof(x->why), "bad frame:%s%s%s",
			 info.udp_csum_ok ? "" : " UDP checksum",
			 info.ip_csum_ok ? "" : " IP checksum",
			 info.lengths_ok ? "" : " lengths");
		return -EPROTO;
	}
	/* A reply goes back: addresses and ports swapped.  A forwarded
	 * message is exactly what rc_sent_frame() says, for its rank. */
	if (res->action == RC_ACT_FORWARD) {
		struct copy fw;

		err = check_sent(x, in, len, out, out_len, "forward", &fw);
		if (err)
			return err;
		res->rank = fw.rank;
	} else if ((res->action == RC_ACT_REPLY) != (info.src_port == RC_UDP_PORT)) {
		snprintf(x->why, sizeof(x->why), "addresses %s swapped",
			 res->action == RC_ACT_REPLY ? "not" : "wrongly");
		return -EPROTO;
	}
	/* Sends and up-calls: the counters, what was seen, and the log. */
	res->nsends = after.sends - before.sends;
	res->nupcalls = after.upcalls - before.upcalls;
	if (after.send_errors != before.send_errors ||
	    after.upcall_lost != before.upcall_lost || x->ring_bad ||
	    (x->tc && x->ncopies != res->nsends) ||
	    x->nupcalls != res->nupcalls) {
		snprintf(x->why, sizeof(x->why), "sends %u (%u seen, %llu errors), "
			 "upcalls %u (%u read, %llu lost)%s", res->nsends, x->ncopies,
			 (unsigned long long)(after.send_errors - before.send_errors),
			 res->nupcalls, x->nupcalls,
			 (unsigned long long)(after.upcall_lost - before.upcall_lost),
			 x->ring_bad ? ", a record malformed or of another time" : "");
		return -EPROTO;
	}
	err = log_effects(x, c, &in_msg, env, res);
	if (err)
		return err;
	/* 'clock' is real time on this path: a word the reference set to the
	 * case's clock must hold a time taken during the run. */
	for (uint32_t w = 0; w < p->state_words; w++)
		if (env->state[w] >= t0 && env->state[w] <= t1)
			env->state[w] = env->clock_ns;
	res->insns = UINT64_MAX;	/* not counted on this path */
	if (x->trace) {
		static struct rc_trace tr;
		static uint64_t pcs[RC_CODE_MAX];
		uint64_t sum = 0;

		err = rcode_handler__read_trace(h, &tr);
		if (err)
			return err;
		if (tr.runs != 1) {
			snprintf(x->why, sizeof(x->why), "trace: %llu runs, not 1",
				 (unsigned long long)tr.runs);
			return -EPROTO;
		}
		rc_icode_pc_counts(p, rcode_handler__icode(h),
				   (const uint64_t *)tr.uop_runs, pcs);
		for (uint32_t pc = 0; pc < RC_CODE_MAX; pc++)
			sum += pcs[pc];
		if (sum != tr.insns) {
			snprintf(x->why, sizeof(x->why), "trace: per-pc counts add "
				 "up to %llu, insns says %llu",
				 (unsigned long long)sum,
				 (unsigned long long)tr.insns);
			return -EPROTO;
		}
		res->insns = tr.insns;
		res->stack_max = tr.stack_max;
	}
	return 0;
}

/* The path's own failures (a bad frame, a wrong verdict) explained. */
static int exec_xlate(void *ctx_, const struct rc_case *c, struct rc_msg *msg,
		      struct rc_env *env, struct rc_result *res)
{
	struct xlate_ctx *x = ctx_;
	int err;

	x->why[0] = '\0';
	err = exec_xlate_inner(ctx_, c, msg, env, res);
	if (err && x->why[0])
		printf("# %s (ipv%d): %s\n", c->name, x->ipver, x->why);
	return err;
}

/* One handler, loaded once, on the case's runs over each IP version in
 * ipvers (a list ending in 0): the program takes both. */
static int run_case(const char *path, const char *name, const int *ipvers,
		    bool inline_loops, enum rcode_path kind, bool trace, bool tc,
		    int *nskipped)
{
	/* TC programs check their portal; the cases' messages have several. */
	struct rcode_handler_opts ho = { .sz = sizeof(ho),
					 .inline_loops = inline_loops,
					 .path = kind, .interp = interp,
					 .trace = trace, .tc = tc,
					 .tc_any_portal = tc };
	static struct xlate_ctx x;
	struct rc_case *c;
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_diags d;
	struct rc_prog *copy;
	char err[256], label[300];
	int fails, ret = 0;

	const char *kname = kind == RCODE_PATH_INTERP ?
			    (trace ? "interp-trace" : "interp") :
			    tc ? "xlate-tc" : "xlate";

	memset(&x, 0, sizeof(x));
	x.inline_loops = inline_loops;
	x.path = kind;
	x.trace = trace;
	snprintf(label, sizeof(label), "%s/ipv%d%s: %s", kname, ipvers[0],
		 inline_loops ? "/inline" : "", name);
	if (rc_case_load(path, name, &c, err, sizeof(err))) {
		TEST_FAIL(label, "%s", err);
		free(vi);
		return 1;
	}
	if (!c->accepted || !c->nruns) {
		rc_case_free(c);
		free(vi);
		return 0;	/* rejection cases belong to the verifier */
	}
	if (rc_verify(c->prog, vi, &(struct rc_diags){ 0 }) ||
	    (inline_loops && !vi->has_loop) ||
	    (kind == RCODE_PATH_XLATE && vi->needs_tc && !tc)) {
		/* The second strategy only matters for loops; a handler that
		 * sends is a TC program: its TC run is the one. */
		rc_case_free(c);
		free(vi);
		return 0;
	}
	rc_diags_init(&d);
	copy = rc_prog_new();
	memcpy(copy, c->prog, sizeof(*copy));
	copy->src = NULL;
	copy->loc = NULL;
	if (rc_verify(copy, vi, &d)) {
		TEST_FAIL(label, "does not verify");
		rc_prog_free(copy);
		goto out;
	}
	x.h = rcode_handler__new(copy, vi, &ho);
	if (!x.h) {
		TEST_FAIL(label, "rcode_handler__new: %s", strerror(errno));
		rc_prog_free(copy);
		goto out;
	}
	ret = rcode_handler__load(x.h, &d);
	if (kind == RCODE_PATH_INTERP && vi->needs_tc) {
		/* send needs TC; the interpreter runs at XDP: refused, with
		 * the verifier's first send named (pc: the copy has no
		 * source). */
		char want[200];

		snprintf(want, sizeof(want), "needs TC (send at pc %u); the "
			 "interpreter runs at XDP: use the translated path",
			 vi->tc_pc);
		strncat(label, ": refused (send)", sizeof(label) - strlen(label) - 1);
		if (ret == -EOPNOTSUPP && d.n && !strcmp(d.v[d.n - 1].msg, want))
			TEST_PASS(label);
		else
			TEST_FAIL(label, "expected -EOPNOTSUPP and \"%s\", got %s "
				  "and \"%s\"", want, strerror(-ret),
				  d.n ? d.v[d.n - 1].msg : "");
		ret = 0;
		goto out;
	}
	if (ret == -EOPNOTSUPP) {
		/* Not translatable by design (loops): the verifier of
		 * rcode2bpf says so; count it, do not hide it. */
		printf("SKIP: %s: %s\n", label, d.n ? d.v[0].msg : "not supported");
		(*nskipped)++;
		ret = 0;
		goto out;
	}
	if (ret) {
		rc_diags_print(&d, stdout);
		TEST_FAIL(label, "load: %s", strerror(-ret));
		goto out;
	}
	x.tc = rcode_handler__needs_tc(x.h);
	if (x.tc != tc) {
		TEST_FAIL(label, "loaded as %s program", x.tc ? "a TC" : "an XDP");
		goto out;
	}
	if (rcode_handler__upcall_fd(x.h) >= 0) {
		x.ring = ring_buffer__new(rcode_handler__upcall_fd(x.h), ring_record,
					  &x, NULL);
		if (!x.ring) {
			TEST_FAIL(label, "ring_buffer__new: %s", strerror(errno));
			goto out;
		}
	}
	if (rc_case_env_init(c, &x.ref_env)) {
		TEST_FAIL(label, "out of memory");
		goto out;
	}
	if (kind == RCODE_PATH_XLATE && !inline_loops && !tc) {
		/* The first path: the reference interpreter itself. */
		char rl[300];

		snprintf(rl, sizeof(rl), "ref: %s", name);
		if (rc_case_run_all(c, rc_case_exec_interp, NULL, 0, "ref: "))
			TEST_FAIL(rl, "the reference disagrees with the case");
		else
			TEST_PASS(rl);
	}
	for (const int *v = ipvers; *v; v++) {
		/* The maps are written before every run, the counters are
		 * compared run by run: nothing carries over. */
		x.ipver = *v;
		snprintf(label, sizeof(label), "%s/ipv%d%s: %s", kname, *v,
			 inline_loops ? "/inline" : "", name);
		fails = rc_case_run_all(c, exec_xlate, &x, trace ? 0 :
					RC_CASE_NO_STACK_MAX | RC_CASE_NO_INSNS,
					kind == RCODE_PATH_INTERP ? "interp: " :
					"xlate: ");
		if (fails < 0)
			TEST_FAIL(label, "could not run: %s %s", strerror(-fails),
				  x.why);
		else if (fails)
			TEST_FAIL(label, "%d run(s) disagree with the reference",
				  fails);
		else
			TEST_PASS(label);
	}
out:
	ring_buffer__free(x.ring);
	rcode_handler__close(x.h);
	rc_case_env_free(c, &x.ref_env);
	rc_diags_free(&d);
	rc_case_free(c);
	free(vi);
	return ret;
}

/*
 * test_priv_paths_tc.c builds this file with PATHS_TC: the TC runs, in a
 * test of their own so that each half fits the emulated VM's time per
 * test; this one does the reference, XDP and the interpreter.
 */
#ifndef PATHS_TC
#define PATHS_TC	0
#endif

int main(void)
{
	const char *root = getenv("RC_ROOT") ? getenv("RC_ROOT") : ".";
	char dir[4096];
	char **paths;
	size_t n;
	int skipped = 0;

	if (geteuid() != 0) {
		printf("SKIP: paths: needs root for BPF_PROG_TEST_RUN\n");
		return 0;
	}
	if (!PATHS_TC) {
		char why[512];
		int jit = 1;
		FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");

		if (f) {
			if (fscanf(f, "%d", &jit) != 1)
				jit = 1;
			fclose(f);
		}
		interp = rcode_interp__open(NULL, why, sizeof(why));
		if (!jit) {
			/* Without the JIT the kernel refuses bpf_loop
			 * callbacks: the interpreter must say so plainly. */
			if (!interp && errno == EOPNOTSUPP && strstr(why, "JIT"))
				TEST_PASS("interp: refused without the JIT, with the reason");
			else
				TEST_FAIL("interp: refused without the JIT",
					  "got %s (%s)", interp ? "a loaded interpreter" :
					  strerror(errno), why);
			rcode_interp__close(interp);
			interp = NULL;
		} else if (!interp) {
			TEST_FAIL("interp: load the in-kernel interpreter", "%s", why);
		} else {
			TEST_PASS("interp: load the in-kernel interpreter");
		}
	}
	{
		/* After the JIT's sysctl was read: it exists in the first
		 * network namespace only. */
		char why[256];

		/* TC programs run on an skb of its loopback device, and
		 * their sends' copies leave through it. */
		capture_fd = rcode_pkt_private_lo(why, sizeof(why));
		if (capture_fd < 0) {
			TEST_FAIL("paths: a network namespace of its own", "%s", why);
			return rc_test_exit();
		}
	}
	snprintf(dir, sizeof(dir), "%s/selftests/cases", root);
	if (rc_case_find(dir, &paths, &n) || !n) {
		TEST_FAIL("xlate: cases", "no case files under %s", dir);
		return rc_test_exit();
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = paths[i] + strlen(dir) + 1;

		static const int both[] = { 4, 6, 0 }, v4[] = { 4, 0 };

		run_case(paths[i], name, both, false, RCODE_PATH_XLATE, false,
			 PATHS_TC, &skipped);
		/* Loops also the way kernels without the JIT run them. */
		run_case(paths[i], name, v4, true, RCODE_PATH_XLATE, false,
			 PATHS_TC, &skipped);
		if (!interp)
			continue;
		run_case(paths[i], name, both, false, RCODE_PATH_INTERP, false,
			 false, &skipped);
		run_case(paths[i], name, v4, false, RCODE_PATH_INTERP, true,
			 false, &skipped);
	}
	rc_case_paths_free(paths, n);
	rcode_interp__close(interp);
	return rc_test_exit();
}
