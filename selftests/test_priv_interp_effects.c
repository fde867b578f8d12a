// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_interp_effects.c - what the data-file cases cannot show about
 * the in-kernel interpreter's forward and upcall (docs/interp.md, section
 * 7).  Their rank tables always hold a MAC of the message's own family on
 * the arriving interface, and their rings never fill:
 *
 *  - an entry of the other address family faults `rank`;
 *  - an entry without a MAC takes its next hop from bpf_fib_lookup(): no
 *    route faults `rank`; with a route and a neighbour the frame goes out
 *    of the route's interface (XDP_REDIRECT) with the neighbour's MAC and
 *    the interface's own as its source, IPv4 and IPv6;
 *  - an entry with a MAC and another interface goes there (XDP_REDIRECT),
 *    one on the arriving interface goes back out (XDP_TX);
 *  - the interpreter uses the rank table it is given (ranks_fd);
 *  - a full ring loses records and counts them in upcall_lost; the ones
 *    it kept are the first, in order;
 *  - the ring is pinned as portal-N/upcalls, and a handler loaded with
 *    that directory as reuse_pin_dir gets the same ring.
 *
 * Everything runs in a child in network and mount namespaces of its own
 * (a veth pair with 198.18.1.1/24 and fd00::1:1/112, permanent
 * neighbours; a bpffs of its own for the pins), which disappear with it.
 * BPF_PROG_TEST_RUN receives on that namespace's loopback device.  Needs
 * root; without the JIT it checks that the interpreter is refused.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
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
#include "rc_test.h"
#include "rcode_private.h"

#define IFNAME		"rcif0"		/* in our own namespace only */
#define PEERNAME	"rcif1"

static const char handler_text[] =
	".handler fwdedge\n"
	".portal 3\n"
	"\tldh tag\t\t; the rank to go to\n"
	"\tforward\t\t; pc 1\n";

/* More up-calls in one run than a ring holds (RC_ABI_UPCALL_RING bytes of
 * 32-byte records and 8-byte headers: 1638). */
#define FLOOD	2000
static const char flood_text[] =
	".handler flood\n"
	".portal 4\n"
	".budget 30000\n"
	"loop:\tldl 0\n"
	"\tupcall\n"
	"\tldl 0\n"
	"\tpush 1\n"
	"\tadd\n"
	"\tdup\n"
	"\tstl 0\n"
	"\tpush 2000\n"
	"\tltu\n"
	"\tjnz loop\n"
	"\tdrop\n";

struct env {
	struct rcode_interp *ip;
	struct rcode_handler *h;
	int ranks_fd;
};

struct outcome {
	uint32_t verdict;
	struct rc_handler_stats d;	/* counters that changed */
	struct rcode_pkt_info info;
	struct rc_msg msg;
	uint8_t frame[2048];
};

static int run(struct env *e, int ipver, uint32_t rank, struct outcome *o)
{
	struct rc_msg m = { .hdr = { .version = 1, .portal = 3, .src = 0,
				     .dst = 1, .tag = rank, .len = 4 } };
	struct rc_handler_stats a, b;
	uint8_t in[2048];
	size_t out_len = sizeof(o->frame);
	int len, err;

	memset(o, 0, sizeof(*o));
	len = rcode_pkt_build(&m, ipver, RC_UDP_PORT, in, sizeof(in));
	if (len < 0)
		return len;
	err = rcode_handler__read_stats(e->h, &a) ?:
	      rcode_handler__test_run(e->h, in, len, o->frame, &out_len,
				      &o->verdict, 1, NULL) ?:
	      rcode_handler__read_stats(e->h, &b);
	if (err)
		return err;
	o->d.forward = b.forward - a.forward;
	o->d.faults[RC_FAULT_RANK] = b.faults[RC_FAULT_RANK] - a.faults[RC_FAULT_RANK];
	o->d.last_fault_pc = b.last_fault_pc;
	return rcode_pkt_parse(o->frame, out_len, &o->msg, &o->info);
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

static void expect_fault(struct env *e, int ipver, uint32_t rank,
			 const char *what)
{
	struct outcome o;
	int err = run(e, ipver, rank, &o);

	if (err)
		TEST_FAIL(what, "could not run: %s", strerror(-err));
	else if (o.verdict != XDP_PASS || o.d.faults[RC_FAULT_RANK] != 1 ||
		 o.d.last_fault_pc != 1 || o.d.forward)
		TEST_FAIL(what, "verdict %u, rank faults %llu at pc %llu, "
			  "forwarded %llu; expected pass, one rank fault at pc 1",
			  o.verdict, (unsigned long long)o.d.faults[RC_FAULT_RANK],
			  (unsigned long long)o.d.last_fault_pc,
			  (unsigned long long)o.d.forward);
	else if (o.msg.hdr.src != 0 || o.msg.hdr.dst != 1 ||
		 !o.info.udp_csum_ok || !o.info.ip_csum_ok)
		TEST_FAIL(what, "the message did not go on as it came");
	else
		TEST_PASS(what);
}

/* Went to rank: to mac from smac, out of 'verdict', addresses and
 * checksums right. */
static void expect_sent(struct env *e, int ipver, uint32_t rank,
			uint32_t verdict, const uint8_t *mac,
			const uint8_t *smac, const char *what)
{
	struct rc_rank r;
	struct outcome o;
	int err = run(e, ipver, rank, &o);
	int alen = ipver == 4 ? 4 : 16;

	rc_case_rank_entry(rank, ipver, &r);
	if (err)
		TEST_FAIL(what, "could not run: %s", strerror(-err));
	else if (o.verdict != verdict || o.d.forward != 1 || o.d.faults[RC_FAULT_RANK])
		TEST_FAIL(what, "verdict %u (expected %u), forwarded %llu, rank "
			  "faults %llu", o.verdict, verdict,
			  (unsigned long long)o.d.forward,
			  (unsigned long long)o.d.faults[RC_FAULT_RANK]);
	else if (memcmp(o.info.dst_mac, mac, 6) || memcmp(o.info.src_mac, smac, 6))
		TEST_FAIL(what, "MACs %02x:..:%02x -> %02x:..:%02x",
			  o.info.src_mac[0], o.info.src_mac[5],
			  o.info.dst_mac[0], o.info.dst_mac[5]);
	else if (memcmp(o.info.dst_ip, r.addr, alen) ||
		 o.info.dst_port != ntohs(r.port) ||
		 o.info.src_port != RC_UDP_PORT)
		TEST_FAIL(what, "not addressed to rank %u", rank);
	else if (o.msg.hdr.src != 0 || o.msg.hdr.dst != rank)
		TEST_FAIL(what, "R header %u -> %u", o.msg.hdr.src, o.msg.hdr.dst);
	else if (!o.info.udp_csum_ok || !o.info.ip_csum_ok || !o.info.lengths_ok)
		TEST_FAIL(what, "bad checksum or lengths");
	else
		TEST_PASS(what);
}

/* Assemble, verify and load text on the interpreter path. */
static struct rcode_handler *load_text(struct rcode_interp *ip,
				       const char *name, const char *text,
				       const char *reuse_dir)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho),
					 .path = RCODE_PATH_INTERP,
					 .interp = ip,
					 .reuse_pin_dir = reuse_dir };
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *p = rc_prog_new();
	struct rcode_handler *h = NULL;
	struct rc_diags d;
	int err = -ENOMEM;

	rc_diags_init(&d);
	if (vi && p)
		err = rc_asm(name, text, p, &d) ?: rc_verify(p, vi, &d);
	if (!err) {
		h = rcode_handler__new(p, vi, &ho);
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

static __u32 map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* A full ring, its pin, and a replacement that keeps it. */
static void upcall_ring(struct env *e, const char *bpffs)
{
	struct rc_msg m = { .hdr = { .version = 1, .portal = 4 } };
	struct flood_read rd = { .in_order = true };
	struct rc_handler_stats st;
	struct rcode_handler *h, *h2;
	struct ring_buffer *rb;
	char dir[256], path[300];
	uint8_t in[256], out[256];
	size_t out_len = sizeof(out);
	uint32_t verdict;
	int len, fd;

	h = load_text(e->ip, "flood.r", flood_text, NULL);
	if (!h)
		return;
	len = rcode_pkt_build(&m, 4, RC_UDP_PORT, in, sizeof(in));
	rb = ring_buffer__new(rcode_handler__upcall_fd(h), flood_record, &rd, NULL);
	if (len < 0 || !rb ||
	    rcode_handler__test_run(h, in, len, out, &out_len, &verdict, 1, NULL) ||
	    rcode_handler__read_stats(h, &st) || ring_buffer__consume(rb) < 0) {
		TEST_FAIL("interp upcall: a full ring", "could not run");
	} else {
		ASSERT_TRUE(verdict == XDP_DROP && st.upcalls + st.upcall_lost == FLOOD &&
			    st.upcall_lost > 0 && st.upcalls == rd.n && rd.in_order,
			    "interp upcall: a full ring loses records and counts "
			    "them in upcall_lost; the first ones stay, in order");
		if (st.upcalls + st.upcall_lost != FLOOD || st.upcalls != rd.n)
			printf("# upcalls %llu, lost %llu, read %u, in order %d\n",
			       (unsigned long long)st.upcalls,
			       (unsigned long long)st.upcall_lost, rd.n, rd.in_order);
	}
	ring_buffer__free(rb);

	snprintf(dir, sizeof(dir), "%s/portal-4", bpffs);
	snprintf(path, sizeof(path), "%s/upcalls", dir);
	fd = -1;
	if (!rcode_handler__pin(h, dir))
		fd = bpf_obj_get(path);
	ASSERT_TRUE(fd >= 0 && map_id(fd) == map_id(rcode_handler__upcall_fd(h)),
		    "interp upcall: the ring is pinned as portal-N/upcalls");
	h2 = load_text(e->ip, "flood.r", flood_text, dir);
	ASSERT_TRUE(h2 && map_id(rcode_handler__upcall_fd(h2)) ==
			  map_id(rcode_handler__upcall_fd(h)),
		    "interp upcall: a replacement with reuse_pin_dir keeps the ring");
	if (fd >= 0)
		close(fd);
	rcode_handler__close(h2);
	rcode_handler__close(h);
}

static int open_env(struct env *e)
{
	struct rcode_interp_opts io = { .sz = sizeof(io) };
	struct rcode_handler_opts ho = { .sz = sizeof(ho) };
	struct bpf_map_info a = { 0 }, b = { 0 };
	__u32 la = sizeof(a), lb = sizeof(b);
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *p = rc_prog_new();
	struct rc_diags d;
	char why[512];
	int err;

	rc_diags_init(&d);
	e->ranks_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "rc_ranks", 4,
				     sizeof(struct rc_rank), RC_ABI_RANKS_MAX,
				     NULL);
	if (e->ranks_fd < 0 || !vi || !p) {
		TEST_FAIL("interp forward: setup", "%s", strerror(errno));
		return -1;
	}
	io.ranks_fd = e->ranks_fd;
	e->ip = rcode_interp__open(&io, why, sizeof(why));
	if (!e->ip) {
		TEST_FAIL("interp forward: load the interpreter", "%s", why);
		return -1;
	}
	bpf_obj_get_info_by_fd(e->ranks_fd, &a, &la);
	bpf_obj_get_info_by_fd(rcode_interp__map_fd(e->ip, RCODE_IMAP_RANKS), &b, &lb);
	ASSERT_EQ(b.id, a.id, "interp forward: the interpreter uses the rank "
		  "table it is given (ranks_fd)");
	err = rc_asm("fwdedge.r", handler_text, p, &d) ?: rc_verify(p, vi, &d);
	if (err) {
		rc_diags_print(&d, stdout);
		TEST_FAIL("interp forward: assemble", "%s", strerror(-err));
		return -1;
	}
	ho.path = RCODE_PATH_INTERP;
	ho.interp = e->ip;
	e->h = rcode_handler__new(p, vi, &ho);
	err = e->h ? rcode_handler__load(e->h, &d) : -errno;
	if (err) {
		rc_diags_print(&d, stdout);
		TEST_FAIL("interp forward: install", "%s", strerror(-err));
		return -1;
	}
	rc_diags_free(&d);
	free(vi);
	return 0;
}

static int child(void)
{
	static const uint8_t neigh3[6] = { 0x02, 0, 0, 0, 0x01, 0x03 };
	uint8_t ifmac[6], mac4[6], arrived[6];
	struct rcode_pkt_info info;
	struct rc_msg m = { .hdr = { .version = 1 } };
	uint8_t frame[256];
	struct env e = { 0 };
	uint32_t ifindex;
	int len;

	char bpffs[] = "/tmp/rcode-interp-bpffs.XXXXXX";

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(bpffs) || mount("bpf", bpffs, "bpf", 0, NULL)) {
		TEST_FAIL("interp: network and mount namespaces, a bpffs", "%s",
			  strerror(errno));
		return 1;
	}
	if (open_env(&e))
		return 1;
	upcall_ring(&e, bpffs);
	/* Where the test frames are addressed to: the interface they
	 * "arrived" on, the source of what goes back out of it. */
	len = rcode_pkt_build(&m, 4, RC_UDP_PORT, frame, sizeof(frame));
	if (len < 0 || rcode_pkt_parse(frame, len, &m, &info))
		return 1;
	memcpy(arrived, info.dst_mac, 6);

	set_rank(&e, 2, 6, true, 0);
	expect_fault(&e, 4, 2, "interp forward: an IPv6 rank for an IPv4 message "
		     "faults rank");
	set_rank(&e, 2, 4, true, 0);
	expect_fault(&e, 6, 2, "interp forward: an IPv4 rank for an IPv6 message "
		     "faults rank");
	/* Forwarding on, so that a failed lookup means no route. */
	if (rc_test_forwarding_on()) {
		TEST_FAIL("interp forward: forwarding on", "cannot");
		return 1;
	}
	set_rank(&e, 3, 4, false, 0);
	expect_fault(&e, 4, 3, "interp forward: no MAC and no route faults rank");

	if (rc_test_routed_veth(IFNAME, PEERNAME, ifmac)) {
		TEST_FAIL("interp forward: a veth pair with routes", "ip failed");
		return 1;
	}
	ifindex = if_nametoindex(IFNAME);
	expect_sent(&e, 4, 3, XDP_REDIRECT, neigh3, ifmac,
		    "interp forward: IPv4, no MAC: the fib's next hop and interface");
	set_rank(&e, 3, 6, false, 0);
	expect_sent(&e, 6, 3, XDP_REDIRECT, neigh3, ifmac,
		    "interp forward: IPv6, no MAC: the fib's next hop and interface");
	set_rank(&e, 5, 4, false, 0);
	expect_fault(&e, 4, 5, "interp forward: no MAC, a route but no neighbour "
		     "faults rank");

	set_rank(&e, 4, 4, true, ifindex);
	memcpy(mac4, (uint8_t[]){ 0x02, 0, 0, 0, 0x01, 0x04 }, 6);
	expect_sent(&e, 4, 4, XDP_REDIRECT, mac4, arrived,
		    "interp forward: a MAC and another interface: redirected");
	set_rank(&e, 4, 4, true, 0);
	expect_sent(&e, 4, 4, XDP_TX, mac4, arrived,
		    "interp forward: a MAC on the arriving interface: XDP_TX");

	rcode_handler__close(e.h);
	rcode_interp__close(e.ip);
	close(e.ranks_fd);
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	return rc_test_exit();
}

int main(void)
{
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		printf("SKIP: interp forward: needs root\n");
		return 0;
	}
	if (!rcode_jit_enabled()) {
		/* Nothing to forward with: the interpreter is refused
		 * (test_priv_paths checks the reason it gives). */
		char why[512];
		struct rcode_interp *ip = rcode_interp__open(NULL, why, sizeof(why));

		if (!ip && errno == EOPNOTSUPP)
			TEST_PASS("interp forward: without the JIT there is no "
				  "interpreter to forward with");
		else
			TEST_FAIL("interp forward: refused without the JIT",
				  "got %s", ip ? "an interpreter" : strerror(errno));
		rcode_interp__close(ip);
		return rc_test_exit();
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
			TEST_FAIL("interp forward", "the test's child died");
		return 1;
	}
	return 0;
}
