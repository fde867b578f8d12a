// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_xlate_effects.c - what the data-file cases cannot show about
 * the translated forward, send and upcall (docs/xlate.md, section 9), at
 * XDP and as a TC program.  Their rank tables always hold a MAC of the
 * message's own family on the arriving interface, their rings never fill
 * and their TC programs take every portal:
 *
 *  - an entry of the other address family faults `rank`, for forward
 *    and for send;
 *  - an entry without a MAC takes its next hop from bpf_fib_lookup(): no
 *    route faults `rank`; with a route and a neighbour the frame goes out
 *    of the route's interface (XDP_REDIRECT, TC_ACT_REDIRECT) with the
 *    neighbour's MAC and the interface's own as its source, IPv4 and
 *    IPv6, byte for byte as rc_sent_frame() builds it;
 *  - an entry with a MAC and another interface goes there (XDP_REDIRECT),
 *    one on the arriving interface goes back out (XDP_TX);
 *  - the handler uses the rank table it is given (ranks_fd) and pins
 *    only a table of its own;
 *  - a full ring loses records and counts them in upcall_lost; the ones
 *    it kept are the first, in order; the ring is pinned as upcalls and a
 *    replacement with that directory as reuse_pin_dir keeps it;
 *  - a TC program takes only its own portal's R-messages: others, and
 *    other traffic, get TC_ACT_UNSPEC untouched and count not_for_us; it
 *    trims link-layer padding.
 *
 * Everything runs in a child in network and mount namespaces of its own
 * (a veth pair with 198.18.1.1/24 and fd00::1:1/112, permanent
 * neighbours; a bpffs of its own for the pins), which disappear with it.
 * BPF_PROG_TEST_RUN receives on that namespace's loopback device.  Needs
 * root.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rc_case.h"
#include "rc_sent.h"
#include "rc_test.h"
#include "rcode_private.h"

#define IFNAME		"rcx0"		/* in our own namespace only */
#define PEERNAME	"rcx1"

/* tag: the rank; seq 1: send a copy there first (then drop). */
static const char handler_text[] =
	".handler edges\n"
	".portal 3\n"
	"\tldh seq\n"
	"\tjnz copy\n"
	"\tldh tag\t\t; the rank to go to\n"
	"\tforward\t\t; pc 3\n"
	"copy:\tldh tag\n"
	"\tsend\t\t; pc 5\n"
	"\tdrop\n";

/* Without send: an XDP program unless TC is asked for. */
static const char fwd_text[] =
	".handler fwdonly\n"
	".portal 3\n"
	"\tldh tag\n"
	"\tforward\t\t; pc 1\n";

/* More up-calls in one run than a ring holds (RC_ABI_UPCALL_RING bytes of
 * 32-byte records and 8-byte headers: 1638), or a few hundred: a loop of
 * that many verifies without callbacks too (without the JIT). */
#define FLOOD		1800
#define FLOOD_INLINE	300

static void flood_text(char *buf, size_t size, unsigned int n)
{
	snprintf(buf, size,
		 ".handler flood\n"
		 ".portal 4\n"
		 ".budget %u\n"
		 "\tpush 0\n"
		 "loop:\tdup\n"
		 "\tupcall\n"
		 "\tpush 1\n"
		 "\tadd\n"
		 "\tdup\n"
		 "\tpush %u\n"
		 "\tltu\n"
		 "\tjnz loop\n"
		 "\tdrop\n", 8 * n + 16, n);
}

struct env {
	struct rcode_handler *h;
	int ranks_fd;
	bool tc;
	const char *mode;	/* "xdp" or "tc", in messages */
};

struct outcome {
	uint32_t verdict;
	struct rc_handler_stats d;	/* counters that changed */
	struct rcode_pkt_info info;
	struct rc_msg msg;
	uint8_t in[2048], frame[2048];
	int in_len;
	size_t len;
};

static int run(struct env *e, int ipver, uint32_t rank, bool copy,
	       struct outcome *o)
{
	struct rc_msg m = { .hdr = { .version = 1, .portal = 3, .src = 0,
				     .dst = 1, .tag = rank, .seq = copy,
				     .len = 4 } };
	struct rc_handler_stats a, b;
	int err;

	memset(o, 0, sizeof(*o));
	o->len = sizeof(o->frame);
	o->in_len = rcode_pkt_build(&m, ipver, RC_UDP_PORT, o->in, sizeof(o->in));
	if (o->in_len < 0)
		return o->in_len;
	err = rcode_handler__read_stats(e->h, &a) ?:
	      rcode_handler__test_run(e->h, o->in, o->in_len, o->frame, &o->len,
				      &o->verdict, 1, NULL) ?:
	      rcode_handler__read_stats(e->h, &b);
	if (err)
		return err;
	o->d.forward = b.forward - a.forward;
	o->d.sends = b.sends - a.sends;
	o->d.send_errors = b.send_errors - a.send_errors;
	o->d.faults[RC_FAULT_RANK] = b.faults[RC_FAULT_RANK] - a.faults[RC_FAULT_RANK];
	o->d.last_fault_pc = b.last_fault_pc;
	o->d.not_for_us = b.not_for_us - a.not_for_us;
	return rcode_pkt_parse(o->frame, o->len, &o->msg, &o->info);
}

static int set_rank(struct env *e, uint32_t rank, int ipver, bool mac,
		    uint32_t ifindex)
{
	struct rc_rank r;

	rc_case_rank_entry(rank, ipver, &r);
	if (!mac)
		r.flags &= ~RC_RANK_F_MAC;
	r.ifindex = ifindex;
	return bpf_map_update_elem(e->ranks_fd, &rank, &r, BPF_ANY) ? -errno : 0;
}

static uint32_t v_pass(const struct env *e)
{
	return e->tc ? TC_ACT_OK : XDP_PASS;
}

static void expect_fault(struct env *e, int ipver, uint32_t rank, bool copy,
			 const char *what)
{
	char label[256];
	struct outcome o;
	int err = run(e, ipver, rank, copy, &o);
	uint32_t pc = !e->tc ? 1 : copy ? 5 : 3;	/* fwdonly.r, edges.r */

	snprintf(label, sizeof(label), "xlate %s %s: %s", e->mode,
		 copy ? "send" : "forward", what);
	if (err)
		TEST_FAIL(label, "could not run: %s", strerror(-err));
	else if (o.verdict != v_pass(e) || o.d.faults[RC_FAULT_RANK] != 1 ||
		 o.d.last_fault_pc != pc || o.d.forward || o.d.sends)
		TEST_FAIL(label, "verdict %u, rank faults %llu at pc %llu, "
			  "forwarded %llu, sent %llu; expected pass, one rank "
			  "fault at pc %u", o.verdict,
			  (unsigned long long)o.d.faults[RC_FAULT_RANK],
			  (unsigned long long)o.d.last_fault_pc,
			  (unsigned long long)o.d.forward,
			  (unsigned long long)o.d.sends, pc);
	else if (o.len != (size_t)o.in_len || memcmp(o.in, o.frame, o.len))
		TEST_FAIL(label, "the message did not go on as it came");
	else
		TEST_PASS(label);
}

/* Went to rank: to mac from smac, out of 'verdict', the frame exactly
 * the expected one. */
static void expect_sent(struct env *e, int ipver, uint32_t rank,
			uint32_t verdict, const uint8_t *mac,
			const uint8_t *smac, const char *what)
{
	uint8_t want[2048];
	char label[256], why[256];
	struct rc_rank r;
	struct outcome o;
	int err = run(e, ipver, rank, false, &o), n;

	snprintf(label, sizeof(label), "xlate %s forward: %s", e->mode, what);
	rc_case_rank_entry(rank, ipver, &r);
	if (err) {
		TEST_FAIL(label, "could not run: %s", strerror(-err));
		return;
	}
	if (o.verdict != verdict || o.d.forward != 1 || o.d.faults[RC_FAULT_RANK]) {
		TEST_FAIL(label, "verdict %u (expected %u), forwarded %llu, rank "
			  "faults %llu", o.verdict, verdict,
			  (unsigned long long)o.d.forward,
			  (unsigned long long)o.d.faults[RC_FAULT_RANK]);
		return;
	}
	n = rc_sent_frame(o.in, o.in_len, &r, mac, smac, &o.msg, want,
			  sizeof(want));
	if (o.msg.hdr.src != 0 || o.msg.hdr.dst != rank)
		TEST_FAIL(label, "R header %u -> %u", o.msg.hdr.src, o.msg.hdr.dst);
	else if (n < 0 || rc_sent_compare(want, n, o.frame, o.len, false, why,
					  sizeof(why)))
		TEST_FAIL(label, "%s", n < 0 ? "cannot build the frame" : why);
	else
		TEST_PASS(label);
}

/* Assemble, verify and load text translated. */
static struct rcode_handler *load_text(const char *name, const char *text,
				       const struct rcode_handler_opts *opts)
{
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *p = rc_prog_new();
	struct rcode_handler *h = NULL;
	struct rc_diags d;
	int err = -ENOMEM;

	rc_diags_init(&d);
	if (vi && p)
		err = rc_asm(name, text, p, &d) ?: rc_verify(p, vi, &d);
	if (!err) {
		h = rcode_handler__new(p, vi, opts);
		p = NULL;
		err = h ? rcode_handler__load(h, &d) : -errno;
	}
	if (err) {
		rc_diags_print(&d, stdout);
		TEST_FAIL(name, "cannot load: %s", strerror(-err));
		rcode_handler__close(h);
		h = NULL;
	}
	rc_prog_free(p);
	rc_diags_free(&d);
	free(vi);
	return h;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

struct flood_read {
	uint32_t n;
	bool in_order;
};

static int flood_record(void *ctx, void *data, size_t len)
{
	struct flood_read *r = ctx;
	const struct rc_upcall *u = data;

	if (len != sizeof(*u) || u->value != r->n || u->portal != 4)
		r->in_order = false;
	r->n++;
	return 0;
}

/*
 * n up-calls in one run: with n = FLOOD a full ring, which loses records
 * and counts them; with FLOOD_INLINE, translated as without the JIT
 * (inline loops, verified iteration by iteration), all of them.  Then
 * the ring's pin and a replacement that keeps it.
 */
static void upcall_ring(const char *bpffs, bool tc, unsigned int n)
{
	bool full = n > FLOOD_INLINE;
	struct rcode_handler_opts ho = { .sz = sizeof(ho), .tc = tc,
					 .inline_loops = !full };
	struct rc_msg m = { .hdr = { .version = 1, .portal = 4 } };
	struct flood_read rd = { .in_order = true };
	const char *mode = tc ? (full ? "tc" : "tc/inline") :
			   (full ? "xdp" : "xdp/inline");
	struct rc_handler_stats st;
	struct rcode_handler *h, *h2;
	struct ring_buffer *rb;
	char dir[256], path[300], label[200], text[512];
	uint8_t in[256], out[256];
	size_t out_len = sizeof(out);
	uint32_t verdict;
	int len, fd;

	flood_text(text, sizeof(text), n);
	h = load_text("flood.r", text, &ho);
	if (!h)
		return;
	len = rcode_pkt_build(&m, 4, RC_UDP_PORT, in, sizeof(in));
	rb = ring_buffer__new(rcode_handler__upcall_fd(h), flood_record, &rd, NULL);
	if (full)
		snprintf(label, sizeof(label), "xlate %s upcall: a full ring loses "
			 "records and counts them in upcall_lost; the first ones "
			 "stay, in order", mode);
	else
		snprintf(label, sizeof(label), "xlate %s upcall: %u up-calls in a "
			 "loop, all in the ring, in order", mode, n);
	if (len < 0 || !rb ||
	    rcode_handler__test_run(h, in, len, out, &out_len, &verdict, 1, NULL) ||
	    rcode_handler__read_stats(h, &st) || ring_buffer__consume(rb) < 0) {
		TEST_FAIL(label, "could not run");
	} else {
		ASSERT_TRUE(verdict == (tc ? (uint32_t)TC_ACT_SHOT : XDP_DROP) &&
			    st.upcalls + st.upcall_lost == n &&
			    (full ? st.upcall_lost > 0 : !st.upcall_lost) &&
			    st.upcalls == rd.n && rd.in_order, label);
		if (st.upcalls + st.upcall_lost != n || st.upcalls != rd.n)
			printf("# upcalls %llu, lost %llu, read %u, in order %d\n",
			       (unsigned long long)st.upcalls,
			       (unsigned long long)st.upcall_lost, rd.n, rd.in_order);
	}
	ring_buffer__free(rb);
	if (full) {
		rcode_handler__close(h);
		return;
	}

	snprintf(dir, sizeof(dir), "%s/%s-portal-4", bpffs, tc ? "tc" : "xdp");
	snprintf(path, sizeof(path), "%s/upcalls", dir);
	fd = -1;
	if (!rcode_handler__pin(h, dir))
		fd = bpf_obj_get(path);
	snprintf(label, sizeof(label), "xlate %s upcall: the ring is pinned as "
		 "upcalls", mode);
	ASSERT_TRUE(fd >= 0 && map_id(fd) == map_id(rcode_handler__upcall_fd(h)),
		    label);
	ho.reuse_pin_dir = dir;
	h2 = load_text("flood.r", text, &ho);
	snprintf(label, sizeof(label), "xlate %s upcall: a replacement with "
		 "reuse_pin_dir keeps the ring", mode);
	ASSERT_TRUE(h2 && map_id(rcode_handler__upcall_fd(h2)) ==
			  map_id(rcode_handler__upcall_fd(h)), label);
	if (fd >= 0)
		close(fd);
	rcode_handler__close(h2);
	rcode_handler__close(h);
}

/* The rank table: the one given is used and not pinned by the handler;
 * without one, the handler's own is both. */
static void rank_tables(struct env *e, const char *bpffs)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho) };
	struct rcode_handler *own;
	char dir[256], path[300];
	struct stat st;
	int fd = -1;

	ASSERT_EQ(map_id(rcode_handler__ranks_fd(e->h)), map_id(e->ranks_fd),
		  "xlate ranks: the handler uses the rank table it is given "
		  "(ranks_fd)");
	snprintf(dir, sizeof(dir), "%s/given", bpffs);
	snprintf(path, sizeof(path), "%s/ranks", dir);
	ASSERT_TRUE(!rcode_handler__pin(e->h, dir) && stat(path, &st) &&
		    errno == ENOENT,
		    "xlate ranks: a table given is not pinned by the handler");
	own = load_text("fwdonly.r", fwd_text, &ho);
	if (!own)
		return;
	snprintf(dir, sizeof(dir), "%s/own", bpffs);
	snprintf(path, sizeof(path), "%s/ranks", dir);
	if (!rcode_handler__pin(own, dir))
		fd = bpf_obj_get(path);
	ASSERT_TRUE(rcode_handler__ranks_fd(own) >= 0 &&
		    map_id(rcode_handler__ranks_fd(own)) != map_id(e->ranks_fd) &&
		    map_id(fd) == map_id(rcode_handler__ranks_fd(own)),
		    "xlate ranks: without one the handler has its own, pinned "
		    "as ranks");
	ASSERT_TRUE(rcode_handler__upcall_fd(own) < 0 &&
		    !rcode_handler__needs_tc(own),
		    "xlate: a handler that only forwards has no ring and runs at XDP");
	if (fd >= 0)
		close(fd);
	rcode_handler__close(own);
}

/* TC: only its own portal's R-messages; padding trimmed. */
static void tc_portal(struct env *e)
{
	struct rc_msg m = { .hdr = { .version = 1, .portal = 9, .src = 0,
				     .dst = 1, .tag = 2, .len = 4 } };
	struct rc_handler_stats a, b;
	uint8_t in[256], out[256];
	size_t out_len = sizeof(out);
	uint32_t verdict = 0;
	int len = rcode_pkt_build(&m, 4, RC_UDP_PORT, in, sizeof(in)), err;

	set_rank(e, 2, 4, true, 0);
	err = rcode_handler__read_stats(e->h, &a) ?:
	      rcode_handler__test_run(e->h, in, len, out, &out_len, &verdict,
				      1, NULL) ?:
	      rcode_handler__read_stats(e->h, &b);
	ASSERT_TRUE(!err && verdict == (uint32_t)TC_ACT_UNSPEC &&
		    out_len == (size_t)len && !memcmp(in, out, len) &&
		    b.not_for_us == a.not_for_us + 1 &&
		    b.invocations == a.invocations,
		    "xlate tc: another portal's message: TC_ACT_UNSPEC, untouched, "
		    "not_for_us");
	/* Not even UDP: an ARP request's worth of bytes. */
	memset(in, 0, 60);
	in[12] = 0x08;
	in[13] = 0x06;
	out_len = sizeof(out);
	err = rcode_handler__read_stats(e->h, &a) ?:
	      rcode_handler__test_run(e->h, in, 60, out, &out_len, &verdict,
				      1, NULL) ?:
	      rcode_handler__read_stats(e->h, &b);
	ASSERT_TRUE(!err && verdict == (uint32_t)TC_ACT_UNSPEC && out_len == 60 &&
		    b.not_for_us == a.not_for_us + 1,
		    "xlate tc: other traffic: TC_ACT_UNSPEC, untouched");
	/* Its own portal, with 10 bytes of padding after the message. */
	m.hdr.portal = 3;
	len = rcode_pkt_build(&m, 4, RC_UDP_PORT, in, sizeof(in));
	memset(in + len, 0xee, 10);
	out_len = sizeof(out);
	err = rcode_handler__read_stats(e->h, &a) ?:
	      rcode_handler__test_run(e->h, in, len + 10, out, &out_len,
				      &verdict, 1, NULL) ?:
	      rcode_handler__read_stats(e->h, &b);
	ASSERT_TRUE(!err && verdict == TC_ACT_REDIRECT &&
		    out_len == (size_t)len && b.forward == a.forward + 1,
		    "xlate tc: its own portal, padded: trimmed and forwarded");
}

static int open_env(struct env *e, bool tc)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho), .tc = tc };

	e->tc = tc;
	e->mode = tc ? "tc" : "xdp";
	e->ranks_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "rc_ranks", 4,
				     sizeof(struct rc_rank), RC_ABI_RANKS_MAX,
				     NULL);
	if (e->ranks_fd < 0) {
		TEST_FAIL("xlate forward: setup", "%s", strerror(errno));
		return -1;
	}
	ho.ranks_fd = e->ranks_fd;
	/* The send path only exists at TC; forward-only at XDP. */
	e->h = load_text(tc ? "edges.r" : "fwdonly.r",
			 tc ? handler_text : fwd_text, &ho);
	if (!e->h)
		return -1;
	if (rcode_handler__needs_tc(e->h) != tc) {
		TEST_FAIL("xlate: program type", "loaded as %s",
			  tc ? "XDP" : "TC");
		return -1;
	}
	return 0;
}

static void close_env(struct env *e)
{
	rcode_handler__close(e->h);
	if (e->ranks_fd >= 0)
		close(e->ranks_fd);
	memset(e, 0, sizeof(*e));
}

/* forward (and at TC send) for every kind of entry. */
static void edges(struct env *e, const uint8_t *arrived, const uint8_t *ifmac,
		  uint32_t ifindex, bool net_up)
{
	static const uint8_t neigh3[6] = { 0x02, 0, 0, 0, 0x01, 0x03 };
	static const uint8_t mac4[6] = { 0x02, 0, 0, 0, 0x01, 0x04 };
	uint32_t redirect = e->tc ? TC_ACT_REDIRECT : XDP_REDIRECT;

	if (!net_up) {
		set_rank(e, 2, 6, true, 0);
		expect_fault(e, 4, 2, false, "an IPv6 rank for an IPv4 message "
			     "faults rank");
		set_rank(e, 2, 4, true, 0);
		expect_fault(e, 6, 2, false, "an IPv4 rank for an IPv6 message "
			     "faults rank");
		if (e->tc)
			expect_fault(e, 6, 2, true, "an IPv4 rank for an IPv6 "
				     "message faults rank");
		set_rank(e, 3, 4, false, 0);
		expect_fault(e, 4, 3, false, "no MAC and no route faults rank");
		return;
	}
	set_rank(e, 3, 4, false, 0);
	expect_sent(e, 4, 3, redirect, neigh3, ifmac,
		    "IPv4, no MAC: the fib's next hop and interface");
	set_rank(e, 3, 6, false, 0);
	expect_sent(e, 6, 3, redirect, neigh3, ifmac,
		    "IPv6, no MAC: the fib's next hop and interface");
	set_rank(e, 5, 4, false, 0);
	expect_fault(e, 4, 5, false, "no MAC, a route but no neighbour faults "
		     "rank");
	if (e->tc)
		expect_fault(e, 4, 5, true, "no MAC, a route but no neighbour "
			     "faults rank");
	set_rank(e, 4, 4, true, ifindex);
	expect_sent(e, 4, 4, redirect, mac4, arrived,
		    "a MAC and another interface: redirected");
	set_rank(e, 4, 4, true, 0);
	expect_sent(e, 4, 4, e->tc ? TC_ACT_REDIRECT : XDP_TX, mac4, arrived,
		    e->tc ? "a MAC on the arriving interface: redirected" :
			    "a MAC on the arriving interface: XDP_TX");
}

static int child(void)
{
	uint8_t ifmac[6], arrived[6];
	struct rcode_pkt_info info;
	struct rc_msg m = { .hdr = { .version = 1 } };
	uint8_t frame[256];
	struct env e[2] = { { 0 }, { 0 } };
	uint32_t ifindex;
	int len;

	char bpffs[] = "/tmp/rcode-xlate-bpffs.XXXXXX";

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(bpffs) || mount("bpf", bpffs, "bpf", 0, NULL)) {
		TEST_FAIL("xlate: network and mount namespaces, a bpffs", "%s",
			  strerror(errno));
		return 1;
	}
	for (int tc = 0; tc < 2; tc++) {
		if (open_env(&e[tc], tc))
			return 1;
		/* Filling the ring takes a loop too long to verify without
		 * the JIT (docs/xlate.md, loop mode). */
		if (rcode_jit_enabled())
			upcall_ring(bpffs, tc, FLOOD);
		upcall_ring(bpffs, tc, FLOOD_INLINE);
	}
	rank_tables(&e[0], bpffs);
	tc_portal(&e[1]);
	/* Where the test frames are addressed to: the interface they
	 * "arrived" on, the source of what goes back out of it. */
	len = rcode_pkt_build(&m, 4, RC_UDP_PORT, frame, sizeof(frame));
	if (len < 0 || rcode_pkt_parse(frame, len, &m, &info))
		return 1;
	memcpy(arrived, info.dst_mac, 6);

	for (int tc = 0; tc < 2; tc++)
		edges(&e[tc], arrived, NULL, 0, false);
	/* Forwarding on, so that a failed lookup means no route. */
	if (rc_test_forwarding_on()) {
		TEST_FAIL("xlate forward: forwarding on", "cannot");
		return 1;
	}
	if (rc_test_routed_veth(IFNAME, PEERNAME, ifmac)) {
		TEST_FAIL("xlate forward: a veth pair with routes", "ip failed");
		return 1;
	}
	ifindex = if_nametoindex(IFNAME);
	for (int tc = 0; tc < 2; tc++) {
		edges(&e[tc], arrived, ifmac, ifindex, true);
		close_env(&e[tc]);
	}
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	return rc_test_exit();
}

int main(void)
{
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		printf("SKIP: xlate effects: needs root\n");
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		st = child();
		fflush(stdout);
		_exit(st);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		/* Its FAIL lines are printed; a crash gets one. */
		if (!WIFEXITED(st))
			TEST_FAIL("xlate effects", "the test's child died");
		return 1;
	}
	return 0;
}
