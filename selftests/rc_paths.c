// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_paths.c - one test case on one kernel execution path (translated at
 * XDP or TC, inline loops, in-kernel interpreter, traced or not), judged
 * against what the case expects: the machinery of test_priv_paths, shared
 * with the program generator's differential (test_priv_gen, make soak).
 * What is compared and why is described in test_priv_paths.c and
 * rc_paths.h.
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
#include "rc_paths.h"
#include "rc_sent.h"
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
	uint32_t installed;	/* interpreter: portal + 1 installed at, or 0 */
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
static bool quiet;			/* the generator's shrinker: no output */

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
		/* The interpreter picks the handler by the message's portal.
		 * Each update of its map-in-maps waits for an RCU grace
		 * period: install again only for another portal. */
		if (!err && x->installed != msg->hdr.portal + 1u) {
			err = rcode_handler__install(h, msg->hdr.portal);
			x->installed = err ? 0 : msg->hdr.portal + 1u;
		}
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
	if (err && x->why[0] && !quiet)
		printf("# %s (ipv%d): %s\n", c->name, x->ipver, x->why);
	return err;
}

/* One handler loaded for one path, with what its runs need. */
struct rc_paths_handler {
	struct xlate_ctx x;
	const struct rc_case *c;
	struct rc_verinfo vi;
	struct rc_diags d;
	bool env_ok;
};

void rc_paths_init(struct rcode_interp *ip, int lo_capture_fd)
{
	interp = ip;
	capture_fd = lo_capture_fd;
}

void rc_paths_close(struct rc_paths_handler *ph)
{
	if (!ph)
		return;
	ring_buffer__free(ph->x.ring);
	rcode_handler__close(ph->x.h);
	if (ph->env_ok)
		rc_case_env_free(ph->c, &ph->x.ref_env);
	rc_diags_free(&ph->d);
	free(ph);
}

int rc_paths_open(const struct rc_case *c, const struct rc_paths_mode *m,
		  struct rc_paths_handler **out, char *why, size_t size)
{
	/* TC programs check their portal; the cases' messages have several. */
	struct rcode_handler_opts ho = { .sz = sizeof(ho),
					 .inline_loops = m->inline_loops,
					 .path = m->kind, .interp = interp,
					 .trace = m->trace, .tc = m->tc,
					 .tc_any_portal = m->tc };
	struct rc_paths_handler *ph;
	struct rc_prog *copy;
	int ret;

	*out = NULL;
	why[0] = '\0';
	if (!c->accepted || !c->nruns)
		return RC_PATHS_NOT_APPLICABLE;
	if (m->kind == RCODE_PATH_INTERP && !interp)
		return RC_PATHS_NOT_APPLICABLE;
	ph = calloc(1, sizeof(*ph));
	if (!ph) {
		snprintf(why, size, "out of memory");
		return RC_PATHS_BROKEN;
	}
	ph->c = c;
	rc_diags_init(&ph->d);
	if (rc_verify(c->prog, &ph->vi, &(struct rc_diags){ 0 }) ||
	    (m->inline_loops && !ph->vi.has_loop) ||
	    (m->kind == RCODE_PATH_XLATE && ph->vi.needs_tc && !m->tc)) {
		/* The second strategy only matters for loops; a handler that
		 * sends is a TC program: its TC run is the one. */
		rc_paths_close(ph);
		return RC_PATHS_NOT_APPLICABLE;
	}
	ph->x.inline_loops = m->inline_loops;
	ph->x.path = m->kind;
	ph->x.trace = m->trace;
	/* The loaded handler gets a copy without source: a kernel refusal
	 * then names pcs, the same for every way the program was made. */
	copy = rc_prog_new();
	if (!copy) {
		rc_paths_close(ph);
		snprintf(why, size, "out of memory");
		return RC_PATHS_BROKEN;
	}
	memcpy(copy, c->prog, sizeof(*copy));
	copy->src = NULL;
	copy->loc = NULL;
	if (rc_verify(copy, &ph->vi, &ph->d)) {
		snprintf(why, size, "does not verify");
		rc_prog_free(copy);
		goto broken;
	}
	ph->x.h = rcode_handler__new(copy, &ph->vi, &ho);
	if (!ph->x.h) {
		snprintf(why, size, "rcode_handler__new: %s", strerror(errno));
		rc_prog_free(copy);
		goto broken;
	}
	ret = rcode_handler__load(ph->x.h, &ph->d);
	if (m->kind == RCODE_PATH_INTERP && ph->vi.needs_tc) {
		/* send needs TC; the interpreter runs at XDP: refused, with
		 * the verifier's first send named (pc: the copy has no
		 * source). */
		char want[200];

		snprintf(want, sizeof(want), "needs TC (send at pc %u); the "
			 "interpreter runs at XDP: use the translated path",
			 ph->vi.tc_pc);
		if (ret == -EOPNOTSUPP && ph->d.n &&
		    !strcmp(ph->d.v[ph->d.n - 1].msg, want)) {
			rc_paths_close(ph);
			return RC_PATHS_SEND_REFUSED;
		}
		snprintf(why, size, "expected -EOPNOTSUPP and \"%s\", got %s "
			 "and \"%s\"", want, strerror(-ret),
			 ph->d.n ? ph->d.v[ph->d.n - 1].msg : "");
		goto broken;
	}
	if (ret == -EOPNOTSUPP) {
		/* Not translatable by design: rcode2bpf says so. */
		snprintf(why, size, "%s", ph->d.n ? ph->d.v[0].msg :
			 "not supported");
		rc_paths_close(ph);
		return RC_PATHS_UNSUPPORTED;
	}
	if (ret) {
		/* The kernel refused what R-code's verifier accepted: the
		 * first diagnostic is the reason rcode2bpf gives. */
		const char *msg = "";

		/* the first error: the verifier's warnings come before */
		for (size_t i = 0; i < ph->d.n && !*msg; i++)
			if (ph->d.v[i].severity == RC_SEV_ERROR)
				msg = ph->d.v[i].msg;
		snprintf(why, size, "load: %s%s%s", strerror(-ret),
			 *msg ? ": " : "", msg);
		rc_paths_close(ph);
		return RC_PATHS_REFUSED;
	}
	/* Loading installed it at its own portal (interpreter path). */
	if (m->kind == RCODE_PATH_INTERP)
		ph->x.installed = c->prog->portal + 1u;
	ph->x.tc = rcode_handler__needs_tc(ph->x.h);
	if (ph->x.tc != m->tc) {
		snprintf(why, size, "loaded as %s program",
			 ph->x.tc ? "a TC" : "an XDP");
		goto broken;
	}
	if (rcode_handler__upcall_fd(ph->x.h) >= 0) {
		ph->x.ring = ring_buffer__new(rcode_handler__upcall_fd(ph->x.h),
					      ring_record, &ph->x, NULL);
		if (!ph->x.ring) {
			snprintf(why, size, "ring_buffer__new: %s",
				 strerror(errno));
			goto broken;
		}
	}
	if (rc_case_env_init(c, &ph->x.ref_env)) {
		snprintf(why, size, "out of memory");
		goto broken;
	}
	ph->env_ok = true;
	*out = ph;
	return RC_PATHS_LOADED;
broken:
	rc_paths_close(ph);
	return RC_PATHS_BROKEN;
}

const struct rc_diags *rc_paths_diags(const struct rc_paths_handler *ph)
{
	return &ph->d;
}

int rc_paths_run(struct rc_paths_handler *ph, int ipver, bool be_quiet,
		 char *why, size_t size)
{
	const struct rc_case *c = ph->c;
	int fails;

	/* The maps are written before every run, the counters are compared
	 * run by run: nothing carries over from another IP version. */
	ph->x.ipver = ipver;
	ph->x.why[0] = '\0';
	quiet = be_quiet;
	fails = rc_case_run_quiet(c, exec_xlate, &ph->x, ph->x.trace ? 0 :
				  RC_CASE_NO_STACK_MAX | RC_CASE_NO_INSNS,
				  ph->x.path == RCODE_PATH_INTERP ? "interp: " :
				  "xlate: ", be_quiet ? why : NULL, size);
	quiet = false;
	if (fails && be_quiet && ph->x.why[0])
		snprintf(why + strlen(why), size - strlen(why), " (%s)",
			 ph->x.why);
	else if (fails < 0 && !be_quiet)
		snprintf(why, size, "%s", ph->x.why);
	return fails;
}
