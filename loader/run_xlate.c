// SPDX-License-Identifier: BSD-2-Clause
/*
 * run_xlate.c - rloader run --path xlate|interp: a kernel path (the
 * translated eBPF program, or the handler on the in-kernel interpreter)
 * and the reference interpreter on the same inputs, side by side.
 *
 * The reference defines what is right (docs/rcode.md), so every difference
 * is a bug of the kernel path; this verb is how a user shows one.  The
 * comparison is the one selftests/test_priv_paths.c makes for every
 * data-file case: action, fault code and pc, the message that leaves
 * (parsed back out of the whole frame, whose lengths and checksums must
 * hold), data area and windows after every run.  The interpreter runs in
 * its tracing form, privately loaded for this run, so the instructions it
 * executed and its stack's high-water mark are compared too.
 */
#include <errno.h>
#include <linux/pkt_cls.h>
#include <inttypes.h>
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rloader.h"

#define FRAME_MAX	2048

/* What one path did in one run. */
struct outcome {
	uint32_t action;	/* enum rc_action; RC_ACT_NONE: not an action */
	uint32_t xdp;		/* xlate: the XDP verdict, or the TC one */
	bool tc;		/* xlate: a TC program (the handler sends) */
	uint32_t fault, fault_pc;
	uint64_t insns;		/* ref, and interp (traced) */
	uint64_t stack_max;	/* the same */
	bool counted;		/* insns and stack_max hold (not on xlate) */
	bool have_msg;		/* xlate: the frame parsed as an R-message */
	struct rc_msg msg;
	struct rcode_pkt_info frame;	/* xlate only */
	bool frame_ok;		/* xlate: lengths, checksums, direction */
};

static const char *verdict_name(const struct outcome *o)
{
	static const char *const n[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS",
					 "XDP_TX", "XDP_REDIRECT" };

	if (o->tc)
		return o->xdp == (uint32_t)TC_ACT_UNSPEC ? "TC_ACT_UNSPEC" :
		       o->xdp == TC_ACT_OK ? "TC_ACT_OK" :
		       o->xdp == TC_ACT_SHOT ? "TC_ACT_SHOT" :
		       o->xdp == TC_ACT_REDIRECT ? "TC_ACT_REDIRECT" : "TC_ACT_?";
	return o->xdp < sizeof(n) / sizeof(n[0]) ? n[o->xdp] : "XDP_?";
}

/* The action a verdict stands for; reply and forward both leave with
 * XDP_TX or a redirect, and the statistics say which. */
static uint32_t action_of(const struct outcome *o, bool forwarded)
{
	if (forwarded && (o->tc ? o->xdp == TC_ACT_REDIRECT :
			  o->xdp == XDP_TX || o->xdp == XDP_REDIRECT))
		return RC_ACT_FORWARD;
	if (o->tc)
		return o->xdp == TC_ACT_SHOT ? RC_ACT_DROP :
		       o->xdp == TC_ACT_OK ? RC_ACT_PASS :
		       o->xdp == TC_ACT_REDIRECT ? RC_ACT_REPLY : RC_ACT_NONE;
	switch (o->xdp) {
	case XDP_DROP:
		return RC_ACT_DROP;
	case XDP_PASS:
		return RC_ACT_PASS;
	case XDP_TX:
		return RC_ACT_REPLY;
	default:
		return RC_ACT_NONE;
	}
}

/* The traced interpreter's record of one run: zeroed before it, read
 * after it. */
static struct rc_trace trace_buf;

static int trace_zero(struct rcode_handler *h)
{
	__u32 key = 0;

	memset(&trace_buf, 0, sizeof(trace_buf));
	return bpf_map_update_elem(rcode_handler__trace_fd(h), &key, &trace_buf,
				   BPF_ANY) ? -errno : 0;
}

/* One run of the loaded program.  Fills o from the verdict, the frame that
 * came back and the change in the statistics (and, on the interpreter,
 * from the trace). */
static int xlate_once(struct rcode_handler *h, const uint8_t *frame, int len,
		      struct outcome *o, char *why, size_t whylen)
{
	static uint8_t out[FRAME_MAX];
	struct rc_handler_stats before, after;
	size_t out_len = sizeof(out);
	bool traced = rcode_handler__trace_fd(h) >= 0;
	int err;

	memset(o, 0, sizeof(*o));
	err = traced ? trace_zero(h) : 0;
	err = err ?: rcode_handler__read_stats(h, &before) ?:
	      rcode_handler__test_run(h, frame, len, out, &out_len, &o->xdp, 1,
				      NULL) ?:
	      rcode_handler__read_stats(h, &after);
	if (!err && traced)
		err = rcode_handler__read_trace(h, &trace_buf);
	if (err)
		return err;
	o->tc = rcode_handler__needs_tc(h);
	o->action = action_of(o, after.forward != before.forward);
	if (after.invocations != before.invocations + 1)
		snprintf(why, whylen, "the handler did not run on its message");
	if (traced) {
		o->counted = true;
		o->insns = trace_buf.insns;
		o->stack_max = trace_buf.stack_max;
		if (trace_buf.runs != after.invocations - before.invocations)
			snprintf(why, whylen, "the trace counts %llu runs, the "
				 "statistics %llu",
				 (unsigned long long)trace_buf.runs,
				 (unsigned long long)(after.invocations -
						      before.invocations));
	}
	for (int f = 1; f < RC_ABI_FAULTS; f++)
		if (after.faults[f] != before.faults[f]) {
			o->fault = f;
			o->fault_pc = after.last_fault_pc;
		}
	o->have_msg = !rcode_pkt_parse(out, out_len, &o->msg, &o->frame);
	/* What leaves must be a frame the peer accepts; a dropped one goes
	 * nowhere, so nothing is promised about it. */
	o->frame_ok = o->have_msg &&
		      (o->action == RC_ACT_DROP ||
		       (o->frame.udp_csum_ok && o->frame.ip_csum_ok &&
			o->frame.lengths_ok &&
			(o->action == RC_ACT_REPLY || o->action == RC_ACT_FORWARD) ==
			(o->frame.src_port == RC_UDP_PORT)));
	return 0;
}

/* ---- comparing -------------------------------------------------------- */
struct cmp {
	struct json_object *diffs;	/* names of what differs */
	bool agree;
};

static void differs(struct cmp *c, const char *what)
{
	c->agree = false;
	json_object_array_add(c->diffs, json_object_new_string(what));
}

/* A word the reference set to the clock agrees with any time the kernel
 * could have read during the run. */
static bool word_agrees(uint64_t ref, uint64_t xl, uint64_t t0, uint64_t t1)
{
	return ref == xl || (ref == t0 && xl >= t0 && xl <= t1);
}

static void compare(struct cmp *c, const struct rc_prog *p,
		    const struct outcome *r, const struct outcome *x,
		    const uint64_t *rstate, const uint64_t *xstate,
		    uint64_t *const *rwin, uint64_t *const *xwin,
		    uint64_t t0, uint64_t t1)
{
	const struct rc_hdr *a = &r->msg.hdr, *b = &x->msg.hdr;
	uint32_t off = 0;

	if (r->action != x->action)
		differs(c, "action");
	if (r->fault != x->fault ||
	    (r->fault && r->fault_pc != x->fault_pc))
		differs(c, "fault");
	if (x->counted && r->insns != x->insns)
		differs(c, "insns");
	if (x->counted && r->stack_max != x->stack_max)
		differs(c, "stack_max");
	if (!x->have_msg) {
		differs(c, "frame");
	} else {
		if (a->src != b->src)
			differs(c, "src");
		if (a->dst != b->dst)
			differs(c, "dst");
		if (a->portal != b->portal)
			differs(c, "portal");
		if (a->tag != b->tag)
			differs(c, "tag");
		if (a->seq != b->seq)
			differs(c, "seq");
		if (a->len != b->len)
			differs(c, "len");
		else if (memcmp(r->msg.payload, x->msg.payload, a->len))
			differs(c, "payload");
		if (!x->frame_ok)
			differs(c, "frame");
	}
	for (uint32_t i = 0; i < p->nsyms; off += p->syms[i++].words)
		for (uint32_t w = off; w < off + p->syms[i].words; w++)
			if (!word_agrees(rstate[w], xstate[w], t0, t1)) {
				differs(c, p->syms[i].name);
				break;
			}
	for (uint32_t k = 0; k < p->nwindows; k++)
		for (uint32_t w = 0; w < p->windows[k].words; w++)
			if (!word_agrees(rwin[k][w], xwin[k][w], t0, t1)) {
				differs(c, p->windows[k].name);
				break;
			}
}

/* ---- printing --------------------------------------------------------- */
/* A row of the table; 'differ' marks what the comparison found. */
static void row_mark(const char *label, const char *ref, const char *xl,
		     bool differ)
{
	printf("  %-14s %-30s %s%s\n", label, ref, xl,
	       differ ? "   <-- differs" : "");
}

static void row(const char *label, const char *ref, const char *xl)
{
	row_mark(label, ref, xl, strcmp(ref, xl));
}

static void hex(const uint8_t *b, uint32_t n, char *buf, size_t size)
{
	size_t k = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n && k + 4 < size; i++) {
		if (i == 12 && n > 14) {
			snprintf(buf + k, size - k, "..(%u bytes)", n);
			return;
		}
		k += snprintf(buf + k, size - k, "%02x", b[i]);
	}
}

static void words_str(const uint64_t *w, uint32_t n, char *buf, size_t size)
{
	size_t k = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n && k + 24 < size; i++) {
		if (i == 6 && n > 7) {
			snprintf(buf + k, size - k, ",..(%u words)", n);
			return;
		}
		k += snprintf(buf + k, size - k, "%s%" PRIu64, i ? "," : "", w[i]);
	}
}

static void fault_str(const struct rc_prog *p, const struct outcome *o,
		      char *buf, size_t size)
{
	char insn[96];

	if (!o->fault) {
		snprintf(buf, size, "-");
		return;
	}
	rc_insn_format(p, o->fault_pc, insn, sizeof(insn));
	snprintf(buf, size, "%s at pc %u (%s)", rc_fault_name(o->fault),
		 o->fault_pc, insn);
}

static void print_table(const struct rc_prog *p, const struct outcome *r,
			const struct outcome *x, const uint64_t *rstate,
			const uint64_t *xstate, uint64_t *const *rwin,
			uint64_t *const *xwin, bool interp)
{
	char a[128], b[128];
	uint32_t off = 0;

	printf("  %-14s %-30s %s\n", "", "ref (interpreter)",
	       interp ? "interp (in-kernel interpreter)" : "xlate (eBPF)");
	snprintf(b, sizeof(b), "%s (%s)", x->action ? rc_action_name(x->action) :
		 "none", verdict_name(x));
	row_mark("action", rc_action_name(r->action), b, r->action != x->action);
	fault_str(p, r, a, sizeof(a));
	fault_str(p, x, b, sizeof(b));
	row("fault", a, b);
	if (!x->have_msg) {
		row("message", "", "(the frame that left is not an R-message)");
	} else {
#define HROW(f)                                                            \
		snprintf(a, sizeof(a), "%u", (unsigned)r->msg.hdr.f);      \
		snprintf(b, sizeof(b), "%u", (unsigned)x->msg.hdr.f);      \
		row(#f, a, b);
		HROW(src) HROW(dst) HROW(portal) HROW(tag) HROW(seq) HROW(len)
#undef HROW
		hex(r->msg.payload, r->msg.hdr.len, a, sizeof(a));
		hex(x->msg.payload, x->msg.hdr.len, b, sizeof(b));
		row("payload", a, b);
		if (x->action == RC_ACT_DROP)
			snprintf(b, sizeof(b), "dropped");
		else
			snprintf(b, sizeof(b), "%s%s%s%s",
				 x->frame.ip_csum_ok && x->frame.udp_csum_ok ?
				 "checksums ok" : "BAD CHECKSUM",
				 x->frame.lengths_ok ? ", lengths ok" : ", BAD LENGTHS",
				 x->action == RC_ACT_REPLY ? ", to the sender" : "",
				 x->frame_ok ? "" : " (wrong direction?)");
		row_mark("frame", "-", b, !x->frame_ok);
	}
	snprintf(a, sizeof(a), "%" PRIu64, r->insns);
	if (x->counted) {
		snprintf(b, sizeof(b), "%" PRIu64, x->insns);
		row("instructions", a, b);
		snprintf(a, sizeof(a), "%" PRIu64, r->stack_max);
		snprintf(b, sizeof(b), "%" PRIu64, x->stack_max);
		row("max stack", a, b);
	} else {
		row_mark("instructions", a, "(not counted)", false);
	}
	for (uint32_t i = 0; i < p->nsyms; off += p->syms[i++].words) {
		char label[48];

		snprintf(label, sizeof(label), "state %s", p->syms[i].name);
		words_str(rstate + off, p->syms[i].words, a, sizeof(a));
		words_str(xstate + off, p->syms[i].words, b, sizeof(b));
		row(label, a, b);
	}
	for (uint32_t k = 0; k < p->nwindows; k++) {
		char label[48];

		snprintf(label, sizeof(label), "window %s", p->windows[k].name);
		words_str(rwin[k], p->windows[k].words, a, sizeof(a));
		words_str(xwin[k], p->windows[k].words, b, sizeof(b));
		row(label, a, b);
	}
}

static struct json_object *outcome_json(const struct rc_prog *p,
					const struct outcome *o, bool xlate)
{
	/* xlate: either kernel path (the name is older than the second) */
	struct json_object *j = json_object_new_object(), *f = NULL;

	json_object_object_add(j, "action", o->action ?
			       json_object_new_string(rc_action_name(o->action)) : NULL);
	if (o->fault) {
		char where[256];

		fault_where(p, o->fault_pc, where, sizeof(where));
		f = json_object_new_object();
		json_object_object_add(f, "code", json_object_new_int(o->fault));
		json_object_object_add(f, "name", json_object_new_string(rc_fault_name(o->fault)));
		json_object_object_add(f, "pc", json_object_new_int(o->fault_pc));
		json_object_object_add(f, "where", json_object_new_string(where));
	}
	json_object_object_add(j, "fault", f);
	if (xlate) {
		struct json_object *fr = json_object_new_object();

		json_object_object_add(j, o->tc ? "tc_action" : "xdp_action",
				       json_object_new_string(verdict_name(o)));
		json_object_object_add(fr, "ip_csum_ok", json_object_new_boolean(o->frame.ip_csum_ok));
		json_object_object_add(fr, "udp_csum_ok", json_object_new_boolean(o->frame.udp_csum_ok));
		json_object_object_add(fr, "lengths_ok", json_object_new_boolean(o->frame.lengths_ok));
		json_object_object_add(fr, "ok", json_object_new_boolean(o->frame_ok));
		json_object_object_add(j, "frame", fr);
	}
	if (!xlate || o->counted) {
		json_object_object_add(j, "insns", json_object_new_int64(o->insns));
		json_object_object_add(j, "stack_max", json_object_new_int64(o->stack_max));
	}
	json_object_object_add(j, "message", o->have_msg || !xlate ?
			       msg_json(&o->msg) : NULL);
	return j;
}

static struct json_object *areas_json(const struct rc_prog *p,
				      const uint64_t *state,
				      uint64_t *const *win)
{
	struct json_object *j = json_object_new_object();
	struct json_object *js = json_object_new_object();
	struct json_object *jw = json_object_new_object();
	uint32_t off = 0;

	for (uint32_t i = 0; i < p->nsyms; off += p->syms[i++].words)
		json_object_object_add(js, p->syms[i].name,
				       words_json(state + off, p->syms[i].words));
	for (uint32_t k = 0; k < p->nwindows; k++)
		json_object_object_add(jw, p->windows[k].name,
				       words_json(win[k], p->windows[k].words));
	json_object_object_add(j, "state", js);
	json_object_object_add(j, "windows", jw);
	return j;
}

/* ---- the verb ---------------------------------------------------------- */
int run_xlate(struct rc_prog **progp, const struct rc_msg *in,
	      const uint64_t *state0, uint64_t *const *windows0,
	      uint64_t repeat, int ipver, enum rcode_path path)
{
	RCODE_OPTS(rcode_handler_opts, ho);
	const bool interp = path == RCODE_PATH_INTERP;
	const char *pname = interp ? "interp" : "xlate";
	struct rcode_interp *ip = NULL;
	uint64_t insns_total = 0;
	const struct rc_prog *p = *progp;
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	uint64_t *rstate = NULL, *xstate = NULL;
	uint64_t *rwin[RC_WINDOWS_MAX] = { 0 }, *xwin[RC_WINDOWS_MAX] = { 0 };
	struct json_object *jruns = NULL, *jout = NULL;
	struct rcode_handler *h = NULL;
	static uint8_t frame[FRAME_MAX];
	struct rc_env env = { 0 };
	bool all_agree = true, faulted = false;
	struct rc_diags d;
	int st = EXIT_OK, err, len;

	rc_diags_init(&d);
	rstate = calloc(p->state_words + 1, sizeof(uint64_t));
	xstate = calloc(p->state_words + 1, sizeof(uint64_t));
	if (!vi || !rstate || !xstate) {
		st = fail(EXIT_SYSTEM, "out of memory");
		goto out;
	}
	memcpy(rstate, state0, p->state_words * sizeof(uint64_t));
	for (uint32_t k = 0; k < p->nwindows; k++) {
		size_t n = p->windows[k].words * sizeof(uint64_t);

		rwin[k] = malloc(n);
		xwin[k] = malloc(n);
		if (!rwin[k] || !xwin[k]) {
			st = fail(EXIT_SYSTEM, "out of memory");
			goto out;
		}
		memcpy(rwin[k], windows0[k], n);
	}
	/* The backends want the verifier's facts; the program passed it. */
	if (rc_verify(p, vi, &d)) {
		st = fail(EXIT_REJECTED, "%s: does not verify", p->origin);
		goto out;
	}
	if (interp) {
		/* A private interpreter, gone with this process; the tracing
		 * one, so its instruction counts can be compared. */
		char why_[512] = "";

		ip = rcode_interp__open(NULL, why_, sizeof(why_));
		if (!ip) {
			int e = errno;

			st = fail(EXIT_SYSTEM, "%s: the in-kernel interpreter: %s%s",
				  p->origin, why_[0] ? why_ : strerror(e),
				  e == EPERM ? " (--path interp needs root)" : "");
			goto out;
		}
		ho.path = RCODE_PATH_INTERP;
		ho.interp = ip;
		ho.trace = true;
	}
	h = rcode_handler__new(*progp, vi, &ho);
	if (!h) {
		st = fail(EXIT_SYSTEM, "cannot create the handler: %s", strerror(errno));
		goto out;
	}
	*progp = NULL;	/* the handler owns it now */
	err = rcode_handler__load(h, &d);
	if (err) {
		if (!json_output)
			rc_diags_print(&d, stderr);
		if (err == -EOPNOTSUPP) {
			if (json_output)
				report_rejection(p->origin, diags_json(&d));
			st = json_output ? EXIT_REJECTED :
			     fail(EXIT_REJECTED, "%s: rcode2bpf cannot %s "
				  "this handler (see above)", p->origin,
				  interp ? "compile" : "translate");
		} else {
			st = fail(EXIT_SYSTEM, "%s: loading the %s: %s%s",
				  p->origin, interp ? "handler into the interpreter" :
				  "translated program", strerror(-err), err == -EPERM ?
				  interp ? " (--path interp needs root)" :
				  " (--path xlate needs root)" : "");
		}
		goto out;
	}
	err = rcode_handler__write_state(h, rstate);
	for (uint32_t k = 0; !err && k < p->nwindows; k++)
		err = rcode_handler__write_window(h, k, rwin[k]);
	if (err) {
		st = fail(EXIT_SYSTEM, "cannot write the handler's maps: %s",
			  strerror(-err));
		goto out;
	}
	len = rcode_pkt_build(in, ipver, RC_UDP_PORT, frame, sizeof(frame));
	if (len < 0) {
		st = fail(EXIT_SYSTEM, "cannot build the frame: %s", strerror(-len));
		goto out;
	}

	env.state = rstate;
	for (uint32_t k = 0; k < p->nwindows; k++)
		env.windows[k] = rwin[k];
	if (json_output) {
		jruns = json_object_new_array();
	} else {
		if (interp)
			printf("handler %s (portal %u, budget %u): the reference "
			       "interpreter and the in-kernel interpreter\n"
			       "(BPF_PROG_TEST_RUN, IPv%d, %u uops, traced) on the "
			       "same message\n", p->name, p->portal, p->budget,
			       ipver, rcode_handler__icode(h)->nuops);
		else
			printf("handler %s (portal %u, budget %u): the reference "
			       "interpreter and the translated eBPF\n"
			       "(BPF_PROG_TEST_RUN, IPv%d, %u eBPF instructions) on "
			       "the same message\n", p->name, p->portal, p->budget,
			       ipver, rcode_handler__xlated(h)->ninsns);
		msg_print("message", in);
	}
	for (uint64_t r = 0; r < repeat; r++) {
		struct cmp c = { .diffs = json_object_new_array(), .agree = true };
		struct outcome ro = { 0 }, xo;
		struct rc_result res;
		char why[128] = "";
		uint64_t t0, t1;

		t0 = mono_ns();
		err = xlate_once(h, frame, len, &xo, why, sizeof(why));
		t1 = mono_ns();
		err = err ?: rcode_handler__read_state(h, xstate);
		for (uint32_t k = 0; !err && k < p->nwindows; k++)
			err = rcode_handler__read_window(h, k, xwin[k]);
		if (err) {
			json_object_put(c.diffs);
			st = fail(EXIT_SYSTEM, "BPF_PROG_TEST_RUN: %s", strerror(-err));
			goto out;
		}
		/* The reference sees the time the kernel run started. */
		env.clock_ns = t0;
		ro.msg = *in;
		rc_run(p, &ro.msg, &env, &res);
		ro.action = res.action;
		ro.fault = res.fault;
		ro.fault_pc = res.fault_pc;
		ro.insns = res.insns;
		ro.stack_max = res.stack_max;
		insns_total += xo.insns;
		faulted |= ro.fault || xo.fault;
		compare(&c, p, &ro, &xo, rstate, xstate, rwin, xwin, t0, t1);
		if (why[0])
			differs(&c, "ran");
		all_agree &= c.agree;
		if (json_output) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "ref", outcome_json(p, &ro, false));
			json_object_object_add(j, pname, outcome_json(p, &xo, true));
			json_object_object_add(j, "agree", json_object_new_boolean(c.agree));
			json_object_object_add(j, "differences", c.diffs);
			json_object_array_add(jruns, j);
			continue;
		}
		printf("run %" PRIu64 ": ref %s, %s %s: %s\n", r + 1,
		       rc_action_name(ro.action), pname,
		       xo.action ? rc_action_name(xo.action) : verdict_name(&xo),
		       c.agree ? "agree" : "DISAGREE");
		if (why[0])
			printf("  %s: %s\n", pname, why);
		/* The whole picture for the last run and for every run that
		 * went wrong; the others would only repeat it. */
		if (!c.agree || r + 1 == repeat)
			print_table(p, &ro, &xo, rstate, xstate, rwin, xwin, interp);
		json_object_put(c.diffs);
	}
	if (json_output) {
		struct json_object *paths = json_object_new_array();

		jout = json_object_new_object();
		json_object_array_add(paths, json_object_new_string("ref"));
		json_object_array_add(paths, json_object_new_string(pname));
		json_object_object_add(jout, "handler", json_object_new_string(p->name));
		json_object_object_add(jout, "portal", json_object_new_int(p->portal));
		json_object_object_add(jout, "paths", paths);
		json_object_object_add(jout, "ipv", json_object_new_int(ipver));
		json_object_object_add(jout, "xlated_insns", interp ? NULL :
				       json_object_new_int(rcode_handler__xlated(h)->ninsns));
		json_object_object_add(jout, "uops", !interp ? NULL :
				       json_object_new_int(rcode_handler__icode(h)->nuops));
		json_object_object_add(jout, "insns_total", !interp ? NULL :
				       json_object_new_uint64(insns_total));
		json_object_object_add(jout, "input", msg_json(in));
		json_object_object_add(jout, "runs", jruns);
		jruns = NULL;
		json_object_object_add(jout, "ref", areas_json(p, rstate, rwin));
		json_object_object_add(jout, pname, areas_json(p, xstate, xwin));
		json_object_object_add(jout, "agree", json_object_new_boolean(all_agree));
		out_json(jout);
	} else {
		if (interp)
			printf("interp: %" PRIu64 " instruction%s executed in %" PRIu64
			       " run%s\n", insns_total, insns_total == 1 ? "" : "s",
			       repeat, repeat == 1 ? "" : "s");
		printf("agree: %s\n", all_agree ? "yes" : "no");
	}
	st = !all_agree ? EXIT_REJECTED : faulted ? EXIT_FAULT : EXIT_OK;
out:
	json_object_put(jruns);
	for (uint32_t k = 0; k < RC_WINDOWS_MAX; k++) {
		free(rwin[k]);
		free(xwin[k]);
	}
	free(rstate);
	free(xstate);
	free(vi);
	rc_diags_free(&d);
	rcode_handler__close(h);
	rcode_interp__close(ip);
	return st;
}
