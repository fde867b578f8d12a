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
 *
 * With --ranks the kernel path gets a rank table of its own (below), and
 * what leaves for other ranks is compared as well: the rank a forwarded
 * frame is addressed to and its addresses, the up-call records read from
 * the handler's ring, and for a TC program the copies `send` makes,
 * which leave through the loopback device of a network namespace of this
 * process's own and are captured there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <inttypes.h>
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "rloader.h"

#define FRAME_MAX	2048
/* Up-calls and sends shown one by one in the table; all are compared. */
#define FX_SHOW		8

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
	int64_t rank;		/* forward: the rank (kernel: the one whose
				 * entry the frame is addressed to); -1 */
	const char *addr_bad;	/* kernel forward: what in the frame's
				 * addresses is not that rank's; NULL */
	uint64_t nsends, nupcalls;	/* made (kernel: the statistics) */
	uint64_t send_errors, upcall_lost;	/* kernel: lost, counted */
};

/* ---- ranks, sends and up-calls ------------------------------------------ */
/*
 * The rank table --ranks N,self=S gives the kernel path, in the message's
 * address family, every entry with a MAC so that no FIB lookup is needed
 * and every frame leaves where it came in: this node at the address and
 * MAC the message arrives at (198.18.0.2, fd00::2), any other rank r at
 * 198.19.r/256.r%256 or fd00::1:r (r in hex) with MAC
 * 02:00:00:01:r/256:r%256, all on the R port.
 */
struct kranks {
	struct rcode_rank_addr *tab;	/* n entries, by rank; NULL: no table */
	uint32_t n, self;
	int ipver;
	struct rcode_pkt_info arrived;	/* the frame every run is given */
};

static int kranks_init(struct kranks *k, const struct rc_ranks *rk, int ipver,
		       const uint8_t *frame, int len)
{
	struct rc_msg m;

	k->ipver = ipver;
	if (rcode_pkt_parse(frame, len, &m, &k->arrived))
		return -EINVAL;
	if (!rk)
		return 0;
	k->tab = calloc(rk->nranks, sizeof(*k->tab));
	if (!k->tab)
		return -ENOMEM;
	k->n = rk->nranks;
	k->self = rk->self;
	for (uint32_t r = 0; r < k->n; r++) {
		struct rcode_rank_addr *a = &k->tab[r];

		a->rank = r;
		a->family = ipver == 4 ? AF_INET : AF_INET6;
		a->port = RC_UDP_PORT;
		a->has_mac = true;
		if (r == k->self) {
			memcpy(a->addr, k->arrived.dst_ip, sizeof(a->addr));
			memcpy(a->mac, k->arrived.dst_mac, 6);
			continue;
		}
		if (ipver == 4) {
			a->addr[0] = 198;
			a->addr[1] = 19;
			a->addr[2] = r >> 8;
			a->addr[3] = r & 0xff;
		} else {
			a->addr[0] = 0xfd;
			a->addr[13] = 1;
			a->addr[14] = r >> 8;
			a->addr[15] = r & 0xff;
		}
		memcpy(a->mac, ((const uint8_t[]){ 0x02, 0, 0, 1, r >> 8, r & 0xff }), 6);
	}
	return 0;
}

/*
 * Whose entry a frame that left is addressed to, by its IP destination
 * (-1: nobody's), and in *bad what else in its addresses is not as
 * docs/rcode.md 6.13 says (NULL: all is): Ethernet destination the
 * entry's MAC, source the arriving frame's destination; IP source the
 * address it arrived at; UDP destination the entry's port, source the
 * port it arrived at.
 */
static int64_t addressed_to(const struct kranks *k, const struct rcode_pkt_info *f,
			    const char **bad)
{
	const struct rcode_pkt_info *in = &k->arrived;
	size_t alen = k->ipver == 4 ? 4 : 16;

	for (uint32_t r = 0; r < k->n; r++) {
		const struct rcode_rank_addr *e = &k->tab[r];

		if (f->ipver != k->ipver || memcmp(f->dst_ip, e->addr, alen))
			continue;
		*bad = memcmp(f->dst_mac, e->mac, 6) ?
		       "Ethernet destination is not the rank's MAC" :
		       memcmp(f->src_mac, in->dst_mac, 6) ?
		       "Ethernet source is not the arriving frame's destination" :
		       memcmp(f->src_ip, in->dst_ip, alen) ?
		       "IP source is not the address it arrived at" :
		       f->dst_port != e->port ?
		       "UDP destination is not the rank's port" :
		       f->src_port != in->dst_port ?
		       "UDP source is not the port it arrived at" : NULL;
		return r;
	}
	*bad = "addressed to no rank";
	return -1;
}

/* A copy send made, as it left. */
struct copy {
	int64_t rank;		/* addressed_to() */
	const char *bad;	/* the same; or "not an R-message frame" */
	bool is_msg;		/* it parsed as an R-message frame */
	struct rcode_pkt_info info;
	bool frame_ok;		/* lengths, checksums, addresses */
	struct rc_msg msg;
};

/* What one kernel run sent and up-called, as seen from outside it. */
struct kfx {
	struct rc_upcall up[RUN_EFFECTS_MAX];
	uint32_t nup;		/* records read (the first RUN_EFFECTS_MAX kept) */
	bool up_time_bad;	/* a record's time is not within the run */
	struct copy cp[RUN_EFFECTS_MAX];
	uint32_t ncp;		/* copies seen (likewise) */
	bool seen;		/* copies are captured, else only counted */
};

/* The up-call records the run wrote (before the run: whatever is left). */
static int read_upcalls(struct rcode_upcalls *u, struct kfx *k, uint64_t t0,
			uint64_t t1)
{
	struct rc_upcall buf[64];
	int n = 0;

	k->nup = 0;
	k->up_time_bad = false;
	while (u && (n = rcode_upcalls__wait(u, 0, buf, 64)) > 0)
		for (int i = 0; i < n; i++, k->nup++) {
			if (buf[i].ns < t0 || buf[i].ns > t1)
				k->up_time_bad = true;
			if (k->nup < RUN_EFFECTS_MAX)
				k->up[k->nup] = buf[i];
		}
	return n;
}

/* The copies the run sent, as they left through lo (before the run: what
 * is left from earlier ones). */
static int read_copies(int fd, const struct kranks *kr, struct kfx *k)
{
	static uint8_t f[4096];

	k->ncp = 0;
	for (;;) {
		ssize_t n = rcode_pkt_capture_next(fd, f, sizeof(f));
		struct copy *c = &k->cp[k->ncp < RUN_EFFECTS_MAX ? k->ncp :
					RUN_EFFECTS_MAX - 1];

		if (n <= 0)
			return n;
		if (k->ncp++ >= RUN_EFFECTS_MAX)
			continue;	/* counted */
		memset(c, 0, sizeof(*c));
		if (rcode_pkt_parse(f, n, &c->msg, &c->info)) {
			c->rank = -1;
			c->bad = "not an R-message frame";
			continue;
		}
		c->is_msg = true;
		c->rank = addressed_to(kr, &c->info, &c->bad);
		c->frame_ok = !c->bad && c->info.udp_csum_ok &&
			      c->info.ip_csum_ok && c->info.lengths_ok;
	}
}

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
static int xlate_once(struct rcode_handler *h, const struct kranks *kr,
		      const uint8_t *frame, int len, struct outcome *o,
		      char *why, size_t whylen)
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
	o->rank = -1;
	o->nsends = after.sends - before.sends;
	o->send_errors = after.send_errors - before.send_errors;
	o->nupcalls = after.upcalls - before.upcalls;
	o->upcall_lost = after.upcall_lost - before.upcall_lost;
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
	o->have_msg = !(o->action == RC_ACT_DROP ? rcode_pkt_parse_dropped :
			rcode_pkt_parse)(out, out_len, &o->msg, &o->frame);
	if (o->have_msg && o->action == RC_ACT_FORWARD)
		o->rank = addressed_to(kr, &o->frame, &o->addr_bad);
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
	bool upcalls, sends;	/* those differ (for the table's marks) */
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
	if ((r->action == RC_ACT_FORWARD || x->action == RC_ACT_FORWARD) &&
	    r->rank != x->rank)
		differs(c, "rank");
	if (x->action == RC_ACT_FORWARD && x->addr_bad)
		differs(c, "addresses");
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

static bool upcall_same(const struct rc_effect *e, const struct rc_upcall *u)
{
	return e->value == u->value && e->hdr.portal == u->portal &&
	       e->hdr.src == u->src && e->hdr.tag == u->tag &&
	       e->hdr.seq == u->seq;
}

static bool copy_same(const struct rc_effect *e, const struct copy *c)
{
	const struct rc_hdr *a = &e->hdr, *b = &c->msg.hdr;

	return c->frame_ok && e->rank == c->rank && a->src == b->src &&
	       a->dst == b->dst && a->portal == b->portal && a->tag == b->tag &&
	       a->seq == b->seq && e->len == b->len &&
	       (!e->payload || !memcmp(e->payload, c->msg.payload, e->len));
}

/*
 * Up-calls and sends: as many made as the reference made, none lost;
 * the up-call records read from the ring, each written during the run,
 * and the copies seen on lo (when they are), in order, the same as the
 * reference's (each channel in its own order: how the kernel interleaved
 * them cannot be seen from outside).
 */
static void compare_effects(struct cmp *c, const struct rc_env *renv,
			    const struct rc_result *res, const struct outcome *x,
			    const struct kfx *k)
{
	uint32_t nu = 0, ns = 0;
	bool up = res->nupcalls != x->nupcalls || x->upcall_lost ||
		  k->nup != x->nupcalls || k->up_time_bad;
	bool sends = res->nsends != x->nsends + x->send_errors ||
		     x->send_errors || (k->seen && k->ncp != x->nsends);

	for (uint32_t i = 0; i < res->neffects; i++) {
		const struct rc_effect *e = &renv->effects[i];

		if (e->kind == RC_EFFECT_UPCALL) {
			if (nu < k->nup && nu < RUN_EFFECTS_MAX)
				up |= !upcall_same(e, &k->up[nu]);
			nu++;
		} else {
			if (k->seen && ns < k->ncp && ns < RUN_EFFECTS_MAX)
				sends |= !copy_same(e, &k->cp[ns]);
			ns++;
		}
	}
	c->upcalls = up;
	c->sends = sends;
	if (up)
		differs(c, "upcalls");
	if (sends)
		differs(c, "sends");
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

static void upcall_str(uint64_t v, uint32_t portal, uint32_t src, uint32_t tag,
		       uint32_t seq, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 " (portal %u src %u tag %u seq %u)", v,
		 portal, src, tag, seq);
}

/* A rank as shown: the number, or what stands in for none. */
static const char *rank_str(int64_t rank, const char *none, char *buf,
			    size_t size)
{
	if (rank < 0)
		return none;
	snprintf(buf, size, "%" PRId64, rank);
	return buf;
}

static void send_str(int64_t rank, const struct rc_hdr *h, char *buf, size_t size)
{
	char to[24];

	snprintf(buf, size, "to %s: src %u dst %u tag %u seq %u len %u",
		 rank_str(rank, "?", to, sizeof(to)), h->src, h->dst, h->tag,
		 h->seq, h->len);
}

/* The up-call and send rows: counts, then the first FX_SHOW of each in
 * order, side by side. */
static void print_effects(const struct rc_env *renv, const struct rc_result *res,
			  const struct outcome *x, const struct kfx *k,
			  const struct cmp *c)
{
	const struct rc_effect *ru[FX_SHOW], *rs[FX_SHOW];
	uint32_t nu = 0, ns = 0;
	char a[160], b[200], label[32];

	for (uint32_t i = 0; i < res->neffects; i++) {
		const struct rc_effect *e = &renv->effects[i];

		if (e->kind == RC_EFFECT_UPCALL && nu < FX_SHOW)
			ru[nu++] = e;
		else if (e->kind == RC_EFFECT_SEND && ns < FX_SHOW)
			rs[ns++] = e;
	}
	if (res->nupcalls || x->nupcalls || x->upcall_lost || k->nup) {
		snprintf(a, sizeof(a), "%u", res->nupcalls);
		snprintf(b, sizeof(b), "%" PRIu64, x->nupcalls);
		if (x->upcall_lost || k->nup != x->nupcalls || k->up_time_bad)
			snprintf(b, sizeof(b), "%" PRIu64 ", %" PRIu64 " lost, %u "
				 "read%s", x->nupcalls, x->upcall_lost, k->nup,
				 k->up_time_bad ? ", not all of this run" : "");
		row_mark("upcalls", a, b, c->upcalls);
		for (uint32_t i = 0; i < FX_SHOW && (i < nu || i < k->nup); i++) {
			a[0] = b[0] = '\0';
			if (i < nu)
				upcall_str(ru[i]->value, ru[i]->hdr.portal, ru[i]->hdr.src,
					   ru[i]->hdr.tag, ru[i]->hdr.seq, a, sizeof(a));
			if (i < k->nup)
				upcall_str(k->up[i].value, k->up[i].portal, k->up[i].src,
					   k->up[i].tag, k->up[i].seq, b, sizeof(b));
			snprintf(label, sizeof(label), "upcall %u", i + 1);
			row(label, a, b);
		}
		if (res->nupcalls > FX_SHOW || k->nup > FX_SHOW)
			printf("  (the others are compared, not shown)\n");
	}
	if (!(res->nsends || x->nsends || x->send_errors || k->ncp))
		return;
	snprintf(a, sizeof(a), "%u", res->nsends);
	if (k->seen)
		snprintf(b, sizeof(b), "%" PRIu64 ", %" PRIu64 " lost, %u seen on lo",
			 x->nsends, x->send_errors, k->ncp);
	else
		snprintf(b, sizeof(b), "%" PRIu64 ", %" PRIu64 " lost, not seen",
			 x->nsends, x->send_errors);
	row_mark("sends", a, b, c->sends);
	for (uint32_t i = 0; i < FX_SHOW && (i < ns || (k->seen && i < k->ncp)); i++) {
		const struct copy *cp = &k->cp[i];
		char pa[64] = "", pb[64] = "";

		if (i < ns) {
			send_str(rs[i]->rank, &rs[i]->hdr, a, sizeof(a));
			if (rs[i]->payload)
				hex(rs[i]->payload, rs[i]->len, pa, sizeof(pa));
		} else {
			a[0] = '\0';
		}
		if (k->seen && i < k->ncp) {
			send_str(cp->rank, &cp->msg.hdr, b, sizeof(b));
			hex(cp->msg.payload, cp->msg.hdr.len, pb, sizeof(pb));
			if (cp->bad || !cp->frame_ok)
				snprintf(b + strlen(b), sizeof(b) - strlen(b), " (%s)",
					 cp->bad ? cp->bad : "BAD CHECKSUM OR LENGTHS");
			snprintf(label, sizeof(label), "send %u", i + 1);
			row(label, a, b);
			row("  payload", pa, pb);
		} else {
			snprintf(label, sizeof(label), "send %u", i + 1);
			row_mark(label, a, k->seen ? "" : "(not seen)", k->seen);
			row_mark("  payload", pa, "", k->seen);
		}
	}
	if (res->nsends > FX_SHOW || k->ncp > FX_SHOW)
		printf("  (the others are compared, not shown)\n");
}

static void print_table(const struct rc_prog *p, const struct outcome *r,
			const struct outcome *x, const uint64_t *rstate,
			const uint64_t *xstate, uint64_t *const *rwin,
			uint64_t *const *xwin, bool interp,
			const struct rc_env *renv, const struct rc_result *res,
			const struct kfx *k, const struct cmp *c)
{
	bool fwd = r->action == RC_ACT_FORWARD || x->action == RC_ACT_FORWARD;
	char a[128], b[160];
	uint32_t off = 0;

	printf("  %-14s %-30s %s\n", "", "ref (interpreter)",
	       interp ? "interp (in-kernel interpreter)" : "xlate (eBPF)");
	snprintf(b, sizeof(b), "%s (%s)", x->action ? rc_action_name(x->action) :
		 "none", verdict_name(x));
	row_mark("action", rc_action_name(r->action), b, r->action != x->action);
	if (fwd)
		row_mark("rank", rank_str(r->rank, "-", a, sizeof(a)),
			 rank_str(x->rank, x->action == RC_ACT_FORWARD ?
				  "? (no rank's address)" : "-", b, sizeof(b)),
			 r->rank != x->rank);
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
			snprintf(b, sizeof(b), "%s%s%s%s%s",
				 x->frame.ip_csum_ok && x->frame.udp_csum_ok ?
				 "checksums ok" : "BAD CHECKSUM",
				 x->frame.lengths_ok ? ", lengths ok" : ", BAD LENGTHS",
				 x->action == RC_ACT_REPLY ? ", to the sender" :
				 x->action != RC_ACT_FORWARD ? "" :
				 x->addr_bad ? ", NOT AS THE RANK'S ENTRY: " :
				 ", as the rank's entry says",
				 x->action == RC_ACT_FORWARD && x->addr_bad ?
				 x->addr_bad : "",
				 x->frame_ok ? "" : " (wrong direction?)");
		row_mark("frame", "-", b, !x->frame_ok ||
			 (x->action == RC_ACT_FORWARD && x->addr_bad));
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
	print_effects(renv, res, x, k, c);
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

/* "addresses_ok" and "addresses_why" of a frame that left for a rank;
 * null when it did not. */
static void addresses_json(struct json_object *fr, bool to_rank, const char *bad)
{
	json_object_object_add(fr, "addresses_ok", to_rank ?
			       json_object_new_boolean(!bad) : NULL);
	json_object_object_add(fr, "addresses_why", to_rank && bad ?
			       json_object_new_string(bad) : NULL);
}

/*
 * The kernel's effect log, in the shape of the reference's: the up-call
 * records read and the copies seen, each channel in its own order,
 * interleaved as the reference's log (how the kernel interleaved them
 * cannot be seen from outside), what the reference does not account for
 * at the end; each copy with its "frame".
 */
static struct json_object *kfx_json(const struct kfx *k, const struct rc_env *renv,
				    const struct rc_result *res)
{
	static struct rc_effect fx[2 * RUN_EFFECTS_MAX];
	static const struct copy *cps[2 * RUN_EFFECTS_MAX];
	uint32_t nup = k->nup < RUN_EFFECTS_MAX ? k->nup : RUN_EFFECTS_MAX;
	uint32_t ncp = !k->seen ? 0 : k->ncp < RUN_EFFECTS_MAX ? k->ncp :
		       RUN_EFFECTS_MAX;
	uint32_t nu = 0, ns = 0, n = 0;
	struct json_object *a;

	for (; nu < nup || ns < ncp; n++) {
		bool send = ns < ncp &&
			    (nu == nup || n >= res->neffects ||
			     renv->effects[n].kind == RC_EFFECT_SEND);
		struct rc_effect *e = &fx[n];

		memset(e, 0, sizeof(*e));
		cps[n] = NULL;
		if (send) {
			const struct copy *c = &k->cp[ns++];

			e->kind = RC_EFFECT_SEND;
			e->rank = c->rank < 0 ? UINT32_MAX : c->rank;
			e->hdr = c->msg.hdr;
			e->len = c->msg.hdr.len;
			e->payload = (uint8_t *)c->msg.payload;
			cps[n] = c;
		} else {
			rcode_upcall_effect(&k->up[nu++], e);
		}
	}
	a = effects_json(fx, n);
	for (uint32_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		const struct copy *c = cps[i];
		struct json_object *fr;

		if (!c)
			continue;
		if (!c->is_msg)
			json_object_object_add(e, "message", NULL);
		if (c->rank < 0)
			json_object_object_add(e, "rank", NULL);
		fr = json_object_new_object();
		json_object_object_add(fr, "ip_csum_ok", json_object_new_boolean(c->info.ip_csum_ok));
		json_object_object_add(fr, "udp_csum_ok", json_object_new_boolean(c->info.udp_csum_ok));
		json_object_object_add(fr, "lengths_ok", json_object_new_boolean(c->info.lengths_ok));
		json_object_object_add(fr, "ok", json_object_new_boolean(c->frame_ok));
		addresses_json(fr, true, c->bad);
		json_object_object_add(e, "frame", fr);
	}
	return a;
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
		addresses_json(fr, o->action == RC_ACT_FORWARD, o->addr_bad);
		json_object_object_add(j, "frame", fr);
	}
	json_object_object_add(j, "rank", o->rank >= 0 ?
			       json_object_new_int64(o->rank) : NULL);
	json_object_object_add(j, "sends", json_object_new_uint64(o->nsends));
	json_object_object_add(j, "upcalls", json_object_new_uint64(o->nupcalls));
	if (xlate) {
		json_object_object_add(j, "send_errors", json_object_new_uint64(o->send_errors));
		json_object_object_add(j, "upcall_lost", json_object_new_uint64(o->upcall_lost));
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
/* Why lo cannot be one of our own, when it cannot. */
static char sends_why[320];

/*
 * The kernel path's rank table, and where sends' copies can be seen.  A
 * TC program sends with bpf_clone_redirect() to the interface the message
 * arrived on, under BPF_PROG_TEST_RUN the loopback device of the calling
 * process's network namespace: this process moves into one of its own,
 * where a capture socket sees the copies leave and nothing else runs.
 * When it cannot (no CAP_SYS_ADMIN), the run is refused rather than let
 * the copies out of the caller's namespace: -EACCES, and sends_why says
 * why.  Returns the capture socket, -1 for a handler that does not send,
 * or -errno.
 */
static int ranks_setup(struct rcode_handler *h, struct rcode_interp *ip,
		       const struct kranks *kr)
{
	int fd = ip ? rcode_interp__map_fd(ip, RCODE_IMAP_RANKS) :
		      rcode_handler__ranks_fd(h);
	int err, cap;

	if (!kr->tab)
		return -1;
	/* A translated handler that neither forwards nor sends has none. */
	if (fd >= 0) {
		err = rcode_ranks_write(fd, kr->tab, kr->n, kr->self, RC_UDP_PORT);
		if (err)
			return err;
	}
	if (!rcode_handler__needs_tc(h))
		return -1;
	cap = rcode_pkt_private_lo(sends_why, sizeof(sends_why));
	return cap < 0 ? -EACCES : cap;
}

int run_xlate(struct rc_prog **progp, const struct rc_msg *in,
	      const uint64_t *state0, uint64_t *const *windows0,
	      uint64_t repeat, int ipver, enum rcode_path path,
	      const struct rc_ranks *ranks)
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
	static struct kfx kfx;		/* what the kernel path sent, up-called */
	struct kranks kr = { 0 };
	struct rcode_upcalls *ups = NULL;
	int cap_fd = -1;		/* where its copies are seen, if they are */
	struct rc_env env = { .ranks = ranks };
	bool all_agree = true, faulted = false;
	struct rc_diags d;
	int st = EXIT_OK, err, len;

	rc_diags_init(&d);
	rstate = calloc(p->state_words + 1, sizeof(uint64_t));
	xstate = calloc(p->state_words + 1, sizeof(uint64_t));
	env.effects = calloc(RUN_EFFECTS_MAX, sizeof(*env.effects));
	env.effect_payloads = calloc(RUN_EFFECTS_MAX, sizeof(*env.effect_payloads));
	env.effects_max = RUN_EFFECTS_MAX;
	if (!vi || !rstate || !xstate || !env.effects || !env.effect_payloads) {
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
	/* Its notes were told when the file was loaded: d keeps only what
	 * the kernel path adds. */
	rc_diags_free(&d);
	rc_diags_init(&d);
	if (interp) {
		/* A private interpreter, gone with this process; the tracing
		 * one, so its instruction counts can be compared. */
		char why_[512] = "";

		progress_begin("run: loading the in-kernel interpreter");
		ip = rcode_interp__open(NULL, why_, sizeof(why_));
		progress_end();
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
	progress_begin("run: loading the handler");
	err = rcode_handler__load(h, &d);
	progress_end();
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
	err = kranks_init(&kr, ranks, ipver, frame, len);
	if (err) {
		st = fail(EXIT_SYSTEM, "the rank table: %s", strerror(-err));
		goto out;
	}
	sends_why[0] = '\0';
	cap_fd = ranks_setup(h, ip, &kr);
	if (cap_fd == -EACCES) {
		st = fail(EXIT_SYSTEM, "%s sends: its copies are captured in a "
			  "network namespace of rloader's own, and there is "
			  "none: %s", p->name, sends_why);
		goto out;
	}
	if (cap_fd < -1) {
		st = fail(EXIT_SYSTEM, "cannot write the rank table: %s",
			  strerror(-cap_fd));
		goto out;
	}
	kfx.seen = cap_fd >= 0;
	if (rcode_handler__upcall_fd(h) >= 0) {
		ups = rcode_upcalls__new(rcode_handler__upcall_fd(h));
		if (!ups) {
			st = fail(EXIT_SYSTEM, "cannot read the up-call ring: %s",
				  strerror(errno));
			goto out;
		}
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
		if (kr.tab) {
			char a[INET6_ADDRSTRLEN] = "";

			inet_ntop(ipver == 4 ? AF_INET : AF_INET6, kr.arrived.dst_ip,
				  a, sizeof(a));
			printf("  ranks    0..%u, this node %u at %s; rank r at %s, "
			       "MAC 02:00:00:01:r/256:r%%256, port %u\n", kr.n - 1,
			       kr.self, a, ipver == 4 ? "198.19.r/256.r%256" :
			       "fd00::1:r", RC_UDP_PORT);
		}
		if (kr.tab && rcode_handler__needs_tc(h))
			printf("  sends    the copies leave through lo of a network "
			       "namespace of rloader's own, and are seen there\n");
	}
	for (uint64_t r = 0; r < repeat; r++) {
		struct cmp c = { .diffs = json_object_new_array(), .agree = true };
		struct outcome ro = { 0 }, xo;
		struct rc_result res;
		char why[128] = "";
		uint64_t t0, t1;

		/* Nothing left over from before counts for this run. */
		err = read_upcalls(ups, &kfx, 0, 0);
		err = err < 0 ? err : cap_fd >= 0 ? read_copies(cap_fd, &kr, &kfx) : 0;
		t0 = mono_ns();
		err = err ?: xlate_once(h, &kr, frame, len, &xo, why, sizeof(why));
		t1 = mono_ns();
		if (!err) {
			err = read_upcalls(ups, &kfx, t0, t1);
			err = err < 0 ? err : 0;
		}
		kfx.ncp = 0;
		if (!err && cap_fd >= 0)
			err = read_copies(cap_fd, &kr, &kfx);
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
		ro.rank = res.action == RC_ACT_FORWARD ? (int64_t)res.rank : -1;
		ro.nsends = res.nsends;
		ro.nupcalls = res.nupcalls;
		insns_total += xo.insns;
		faulted |= ro.fault || xo.fault;
		compare(&c, p, &ro, &xo, rstate, xstate, rwin, xwin, t0, t1);
		compare_effects(&c, &env, &res, &xo, &kfx);
		if (why[0])
			differs(&c, "ran");
		all_agree &= c.agree;
		if (json_output) {
			struct json_object *j = json_object_new_object();
			struct json_object *jr = outcome_json(p, &ro, false);
			struct json_object *jx = outcome_json(p, &xo, true);

			json_object_object_add(jr, "effects",
					       effects_json(env.effects, res.neffects));
			json_object_object_add(jx, "effects", kfx_json(&kfx, &env, &res));
			json_object_object_add(j, "ref", jr);
			json_object_object_add(j, pname, jx);
			json_object_object_add(j, "agree", json_object_new_boolean(c.agree));
			json_object_object_add(j, "differences", c.diffs);
			json_object_array_add(jruns, j);
			continue;
		}
		{
			char rb[24], xb[24];
			bool rf = ro.action == RC_ACT_FORWARD;
			bool xf = xo.action == RC_ACT_FORWARD;

			printf("run %" PRIu64 ": ref %s%s%s, %s %s%s%s: %s\n", r + 1,
			       rc_action_name(ro.action), rf ? " to rank " : "",
			       rf ? rank_str(ro.rank, "?", rb, sizeof(rb)) : "", pname,
			       xo.action ? rc_action_name(xo.action) : verdict_name(&xo),
			       xf ? " to rank " : "",
			       xf ? rank_str(xo.rank, "?", xb, sizeof(xb)) : "",
			       c.agree ? "agree" : "DISAGREE");
		}
		if (why[0])
			printf("  %s: %s\n", pname, why);
		/* The whole picture for the last run and for every run that
		 * went wrong; the others would only repeat it. */
		if (!c.agree || r + 1 == repeat)
			print_table(p, &ro, &xo, rstate, xstate, rwin, xwin, interp,
				    &env, &res, &kfx, &c);
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
		if (kr.tab) {
			struct json_object *jk = json_object_new_object();

			json_object_object_add(jk, "nranks", json_object_new_int64(kr.n));
			json_object_object_add(jk, "self", json_object_new_int64(kr.self));
			json_object_object_add(jout, "ranks", jk);
		} else {
			json_object_object_add(jout, "ranks", NULL);
		}
		json_object_object_add(jout, "sends_seen", !kr.tab ||
				       !rcode_handler__needs_tc(h) ? NULL :
				       json_object_new_boolean(kfx.seen));
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
	free(env.effects);
	free(env.effect_payloads);
	free(kr.tab);
	if (cap_fd >= 0)
		close(cap_fd);
	rcode_upcalls__free(ups);
	free(vi);
	rc_diags_free(&d);
	rcode_handler__close(h);
	rcode_interp__close(ip);
	return st;
}
