// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_xlate_tc.c - a TC handler end to end over a real veth pair:
 * what leaves the wire is, byte for byte, what the reference interpreter
 * says the handler sends.
 *
 * Two network namespaces of the test's own, rcx-xlate-a-PID and
 * rcx-xlate-b-PID, joined by veth xa0 <-> xb0.  The handler (portal 5)
 * is attached at xb0's TC ingress with a tcx link where the kernel has
 * tcx (Linux >= 6.6), and with a cls_bpf filter on a clsact qdisc
 * (handle RC_ABI_TC_HANDLE_BASE + 5, priority RC_ABI_TC_PRIO) always:
 * the way rcode attaches on kernels without tcx.  For each message a UDP
 * socket in A sends to B, the handler sends a copy to rank 1 (a MAC in
 * the table), edits, sends a copy to rank 2 (no MAC: bpf_fib_lookup's
 * next hop), resizes and edits, and forwards to rank 3 (a MAC and an
 * explicit interface) or replies.  Ranks 1-3 are addresses of A.  In A,
 * an AF_PACKET socket captures the three frames that come back and the
 * one that left; each must equal the frame rc_sent_frame() builds from
 * the reference's effects (the reply: the frame that left, turned
 * around), and UDP sockets bound to the ranks' addresses and ports (and
 * the sender's) must receive the R-messages, which A's stack delivers
 * only with right checksums.
 *
 * With xa0's transmit checksum offload on (the veth default) the frames
 * arrive CHECKSUM_PARTIAL, carrying only the pseudo-header's sum, and the
 * frames that come back must carry the pseudo-header sum of their own
 * addresses and length (the capture says TP_STATUS_CSUMNOTREADY); with it
 * off they arrive and leave with complete checksums.  IPv4 and IPv6.
 * Also: a message for another portal reaches B's socket untouched.
 *
 * Every wait is bounded; the namespaces (and with them the veth, the
 * qdisc, the filter and the link) go on exit and on SIGINT/SIGTERM.
 * Needs root.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rc_diag.h"
#include "rc_sent.h"
#include "rc_test.h"
#include "rcode_private.h"

/* Not in Linux 6.1's UAPI headers: enum bpf_attach_type's tcx ingress. */
#define RC_BPF_TCX_INGRESS	46

#define PORTAL		5
#define SELF		0
#define SPORT		40000

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0x0a, 0x01 };

static const char handler_text[] =
	".handler tcsend\n"
	".portal 5\n"
	"\tpush 1\n"
	"\tsend\t\t; as it came\n"
	"\tpush 0x42\n"
	"\tstp8 0\n"
	"\tpush 2\n"
	"\tsend\t\t; edited\n"
	"\tpush 16\n"
	"\tresize\n"
	"\tpush 0x5a\n"
	"\tstp8 15\n"
	"\tldh tag\n"
	"\tjnz back\n"
	"\tpush 3\n"
	"\tforward\n"
	"back:\treply\n";

static char ns_name[2][64];
static int ns_fd[2] = { -1, -1 }, ns_self = -1;

static void cleanup(void)
{
	char cmd[160];

	if (ns_self >= 0)
		setns(ns_self, CLONE_NEWNET);
	for (int i = 0; i < 2; i++) {
		if (!ns_name[i][0])
			continue;
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", ns_name[i]);
		if (system(cmd)) {
			/* already gone */
		}
		ns_name[i][0] = '\0';
	}
}

static void on_signal(int sig)
{
	(void)sig;
	cleanup();
	_exit(1);
}

static int enter(int i)
{
	return setns(ns_fd[i], CLONE_NEWNET) ? -errno : 0;
}

static int setup_net(void)
{
	const char *a = ns_name[0], *b = ns_name[1];
	char path[128];

	snprintf(ns_name[0], sizeof(ns_name[0]), "rcx-xlate-a-%d", (int)getpid());
	snprintf(ns_name[1], sizeof(ns_name[1]), "rcx-xlate-b-%d", (int)getpid());
	if (rc_test_sh("ip netns add %s && ip netns add %s", a, b) ||
	    rc_test_sh("ip -n %s link add xa0 address 02:00:00:00:0a:01 type veth "
		       "peer name xb0 address 02:00:00:00:0b:01 netns %s", a, b) ||
	    rc_test_sh("ip -n %s link set lo up && ip -n %s link set lo up", a, b) ||
	    rc_test_sh("ip -n %s addr add 198.18.0.1/24 dev xa0 && "
		       "ip -n %s -6 addr add fd00::1/64 dev xa0 nodad", a, a) ||
	    rc_test_sh("for r in 1 2 3; do ip -n %s addr add 198.18.1.$r/32 dev xa0 && "
		       "ip -n %s -6 addr add fd00::1:$r/128 dev xa0 nodad || exit 1; done",
		       a, a) ||
	    rc_test_sh("ip -n %s addr add 198.18.0.2/24 dev xb0 && "
		       "ip -n %s -6 addr add fd00::2/64 dev xb0 nodad", b, b) ||
	    rc_test_sh("ip -n %s link set xa0 up && ip -n %s link set xb0 up", a, b) ||
	    rc_test_sh("ip -n %s route add 198.18.1.0/24 via 198.18.0.1 dev xb0 && "
		       "ip -n %s -6 route add fd00::1:0/112 via fd00::1 dev xb0", b, b) ||
	    rc_test_sh("ip -n %s neigh add 198.18.0.1 lladdr 02:00:00:00:0a:01 dev xb0 "
		       "nud permanent && ip -n %s -6 neigh add fd00::1 lladdr "
		       "02:00:00:00:0a:01 dev xb0 nud permanent", b, b) ||
	    rc_test_sh("ip -n %s neigh add 198.18.0.2 lladdr 02:00:00:00:0b:01 dev xa0 "
		       "nud permanent && ip -n %s -6 neigh add fd00::2 lladdr "
		       "02:00:00:00:0b:01 dev xa0 nud permanent", a, a))
		return -1;
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/run/netns/%s", ns_name[i]);
		ns_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns_fd[i] < 0)
			return -1;
	}
	/* bpf_fib_lookup() answers only where the kernel forwards. */
	if (enter(1) ||
	    rc_test_write_file("/proc/sys/net/ipv4/conf/all/forwarding", "1") ||
	    rc_test_write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1"))
		return -1;
	return enter(0);
}

/* ---- the handler and its ranks ------------------------------------------- */
static struct rcode_handler *load_handler(struct rc_prog **ref)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho) };
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *p = rc_prog_new();
	struct rcode_handler *h = NULL;
	struct rc_diags d;
	int err = -ENOMEM;

	rc_diags_init(&d);
	*ref = rc_prog_new();
	if (vi && p && *ref)
		err = rc_asm("tcsend.r", handler_text, p, &d) ?:
		      rc_verify(p, vi, &d);
	if (!err) {
		memcpy(*ref, p, sizeof(**ref));
		(*ref)->src = NULL;
		(*ref)->loc = NULL;
		h = rcode_handler__new(p, vi, &ho);
		p = NULL;
		err = h ? rcode_handler__load(h, &d) : -errno;
	}
	if (err) {
		rc_diags_print(&d, stdout);
		TEST_FAIL("xlate tc: load the handler", "%s", strerror(-err));
		rcode_handler__close(h);
		h = NULL;
	}
	rc_prog_free(p);
	rc_diags_free(&d);
	free(vi);
	return h;
}

/* Rank r of the test: A's address 198.18.1.r / fd00::1:r, port 7200 + r;
 * rank 2 without a MAC (the FIB's next hop), rank 3 on xb0 by index. */
static void rank_entry(uint32_t r, int ipver, uint32_t ifb, struct rc_rank *e)
{
	memset(e, 0, sizeof(*e));
	e->flags = RC_RANK_F_PRESENT | (ipver == 6 ? RC_RANK_F_IPV6 : 0);
	e->self = SELF;
	if (r == SELF) {
		e->flags |= RC_RANK_F_SELF;
		return;
	}
	if (ipver == 4) {
		memcpy(e->addr, (uint8_t[]){ 198, 18, 1, r }, 4);
	} else {
		e->addr[0] = 0xfd;
		e->addr[13] = 1;
		e->addr[15] = r;
	}
	e->port = htons(7200 + r);
	if (r != 2) {
		e->flags |= RC_RANK_F_MAC;
		memcpy(e->mac, mac_a, 6);
	}
	if (r == 3)
		e->ifindex = ifb;
}

static int set_ranks(struct rcode_handler *h, int ipver, uint32_t ifb)
{
	for (uint32_t r = 0; r < 4; r++) {
		struct rc_rank e;

		rank_entry(r, ipver, ifb, &e);
		if (bpf_map_update_elem(rcode_handler__ranks_fd(h), &r, &e, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* ---- sockets in A ---------------------------------------------------------- */
struct sockets {
	int sender[2];		/* [0] IPv4, [1] IPv6 */
	int rank[2][4];		/* rank r's receiver */
	int b_port[2];		/* B's own socket on the R port */
	int capture;		/* AF_PACKET on xa0 */
};

static int udp_socket(int ipver, const char *addr, uint16_t port)
{
	int fd = socket(ipver == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ipver == 4 ? inet_pton(AF_INET, addr, &a4.sin_addr) != 1 ||
			 bind(fd, (struct sockaddr *)&a4, sizeof(a4))
		       : inet_pton(AF_INET6, addr, &a6.sin6_addr) != 1 ||
			 bind(fd, (struct sockaddr *)&a6, sizeof(a6))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_sockets(struct sockets *s)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	char addr[64];
	int one = 1;

	if (enter(0))
		return -1;
	for (int v = 0; v < 2; v++) {
		s->sender[v] = udp_socket(v ? 6 : 4, v ? "fd00::1" : "198.18.0.1",
					  SPORT);
		if (s->sender[v] < 0)
			return -1;
		for (int r = 1; r < 4; r++) {
			snprintf(addr, sizeof(addr), v ? "fd00::1:%d" : "198.18.1.%d", r);
			s->rank[v][r] = udp_socket(v ? 6 : 4, addr, 7200 + r);
			if (s->rank[v][r] < 0)
				return -1;
		}
	}
	s->capture = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	sll.sll_ifindex = if_nametoindex("xa0");
	if (s->capture < 0 || !sll.sll_ifindex ||
	    bind(s->capture, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(s->capture, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)))
		return -1;
	if (enter(1))
		return -1;
	s->b_port[0] = udp_socket(4, "198.18.0.2", RC_UDP_PORT);
	s->b_port[1] = udp_socket(6, "fd00::2", RC_UDP_PORT);
	return enter(0) || s->b_port[0] < 0 || s->b_port[1] < 0 ? -1 : 0;
}

static void drain(int fd)
{
	uint8_t buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

static void drain_all(struct sockets *s)
{
	for (int v = 0; v < 2; v++) {
		drain(s->sender[v]);
		drain(s->b_port[v]);
		for (int r = 1; r < 4; r++)
			drain(s->rank[v][r]);
	}
	drain(s->capture);
}

/* One datagram within timeout_ms, or -1. */
static ssize_t recv_wait(int fd, uint8_t *buf, size_t size, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	return recv(fd, buf, size, MSG_DONTWAIT);
}

/* ---- frames ---------------------------------------------------------------- */
struct frame {
	uint8_t b[2048];
	size_t len;
	bool partial;		/* TP_STATUS_CSUMNOTREADY */
};

/* The UDP ports of an R-port frame, or false. */
static bool udp_ports(const struct frame *f, uint16_t *sport, uint16_t *dport)
{
	const uint8_t *p = f->b;
	size_t l4;

	if (f->len >= 14 + 20 + 8 && p[12] == 0x08 && p[13] == 0x00 &&
	    p[14] == 0x45 && p[14 + 9] == 17)
		l4 = 14 + 20;
	else if (f->len >= 14 + 40 + 8 && p[12] == 0x86 && p[13] == 0xdd &&
		 p[14 + 6] == 17)
		l4 = 14 + 40;
	else
		return false;
	*sport = (uint16_t)(p[l4] << 8 | p[l4 + 1]);
	*dport = (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]);
	return true;
}

/*
 * What the capture saw within a second: the frame that left A for the R
 * port (out) and the n frames that came back from it (back), in order.
 */
static int capture(struct sockets *s, struct frame *out, struct frame *back,
		   int n)
{
	struct timespec t0, t;
	int got = 0, have_out = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < n || !have_out) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} cm;
		struct sockaddr_ll sll;
		struct frame f = { 0 };
		struct iovec iov = { f.b, sizeof(f.b) };
		struct msghdr mh = { .msg_name = &sll, .msg_namelen = sizeof(sll),
				     .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = &cm, .msg_controllen = sizeof(cm) };
		struct pollfd p = { .fd = s->capture, .events = POLLIN };
		uint16_t sp, dp;
		ssize_t len;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = 1000 - ((t.tv_sec - t0.tv_sec) * 1000 +
			     (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0 || poll(&p, 1, ms) != 1)
			break;
		len = recvmsg(s->capture, &mh, MSG_DONTWAIT);
		if (len <= 0)
			continue;
		f.len = len;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA)
				f.partial = ((struct tpacket_auxdata *)CMSG_DATA(c))->tp_status &
					    TP_STATUS_CSUMNOTREADY;
		if (!udp_ports(&f, &sp, &dp))
			continue;
		if (sll.sll_pkttype == PACKET_OUTGOING && dp == RC_UDP_PORT &&
		    !have_out) {
			*out = f;
			have_out = 1;
		} else if (sll.sll_pkttype != PACKET_OUTGOING && sp == RC_UDP_PORT &&
			   got < n) {
			back[got++] = f;
		}
	}
	return have_out && got == n ? 0 : -1;
}

/* The reply the handler makes of the frame that arrived: turned around,
 * with the message the reference left (lengths and checksums made). */
static int reply_frame(const struct frame *in, const struct rc_msg *msg,
		       uint8_t *out, size_t size)
{
	bool v6 = in->b[12] == 0x86;
	size_t iplen = v6 ? 40 : 20, hdrs = 14 + iplen + 8;
	size_t ulen = 8 + RC_HDR_LEN + msg->hdr.len;
	uint8_t *ip = out + 14, *udp = ip + iplen, tmp[16];
	int alen = v6 ? 16 : 4, n;

	if (hdrs + ulen > size + 8)
		return -ENOSPC;
	memcpy(out, in->b, hdrs);
	memcpy(out, in->b + 6, 6);
	memcpy(out + 6, in->b, 6);
	memcpy(tmp, ip + (v6 ? 8 : 12), alen);
	memcpy(ip + (v6 ? 8 : 12), ip + (v6 ? 24 : 16), alen);
	memcpy(ip + (v6 ? 24 : 16), tmp, alen);
	memcpy(tmp, udp, 2);
	memcpy(udp, udp + 2, 2);
	memcpy(udp + 2, tmp, 2);
	udp[4] = ulen >> 8;
	udp[5] = (uint8_t)ulen;
	if (v6) {
		ip[4] = ulen >> 8;
		ip[5] = (uint8_t)ulen;
	} else {
		uint32_t acc = 0;

		ip[2] = (iplen + ulen) >> 8;
		ip[3] = (uint8_t)(iplen + ulen);
		ip[10] = ip[11] = 0;
		for (int i = 0; i < 20; i += 2)
			acc += (uint32_t)ip[i] << 8 | ip[i + 1];
		while (acc >> 16)
			acc = (acc & 0xffff) + (acc >> 16);
		ip[10] = (uint8_t)(~acc >> 8);
		ip[11] = (uint8_t)~acc;
	}
	n = rc_msg_to_wire(msg, udp + 8, size - hdrs);
	if (n < 0)
		return n;
	{
		uint16_t c = rc_sent_udp_csum(out, hdrs + n);

		udp[6] = c >> 8;
		udp[7] = (uint8_t)c;
	}
	return (int)(hdrs + n);
}

/* ---- one message ----------------------------------------------------------- */
static const char *attach_name;

static void one_message(struct rcode_handler *h, const struct rc_prog *ref,
			struct sockets *s, int ipver, bool offload, int tag,
			uint32_t ifb)
{
	struct rc_msg m = { .hdr = { .version = 1, .portal = PORTAL, .src = 7,
				     .dst = SELF, .tag = tag, .seq = 11, .len = 8 } };
	static const uint8_t payload[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33,
					    0x22, 0x11 };
	struct rc_effect eff[4];
	uint8_t eff_pay[4][RC_PAYLOAD_MAX];
	struct rc_ranks ranks = { .nranks = 4, .self = SELF };
	struct rc_env env = { .ranks = &ranks, .effects = eff, .effects_max = 4,
			      .effect_payloads = eff_pay };
	struct rc_handler_stats a, b;
	struct rc_result res;
	struct rc_msg fin = m;
	struct frame out, back[3];
	uint8_t wire[2048], want[2048], buf[2048];
	char label[200], why[256];
	int v = ipver == 6, n, ok = 1;
	union {
		struct sockaddr_in a4;
		struct sockaddr_in6 a6;
	} to = { 0 };

	snprintf(label, sizeof(label), "xlate tc e2e (%s): IPv%d, %s, checksum "
		 "offload %s", attach_name, ipver, tag ? "reply" : "forward",
		 offload ? "on (CHECKSUM_PARTIAL)" : "off");
	memcpy(m.payload, payload, 8);
	memcpy(fin.payload, payload, 8);
	/* The reference says what must leave. */
	rc_run(ref, &fin, &env, &res);
	if (res.fault || res.nsends != 2 || res.neffects != 2 ||
	    res.action != (tag ? RC_ACT_REPLY : RC_ACT_FORWARD)) {
		TEST_FAIL(label, "the reference: fault %u, %u sends, action %u",
			  res.fault, res.nsends, res.action);
		return;
	}
	if (rc_test_sh("ip netns exec %s ethtool -K xa0 tx %s >/dev/null 2>&1",
		       ns_name[0], offload ? "on" : "off") || set_ranks(h, ipver, ifb) ||
	    rcode_handler__read_stats(h, &a)) {
		TEST_FAIL(label, "setup");
		return;
	}
	drain_all(s);
	n = rc_msg_to_wire(&m, wire, sizeof(wire));
	if (v) {
		to.a6.sin6_family = AF_INET6;
		to.a6.sin6_port = htons(RC_UDP_PORT);
		inet_pton(AF_INET6, "fd00::2", &to.a6.sin6_addr);
	} else {
		to.a4.sin_family = AF_INET;
		to.a4.sin_port = htons(RC_UDP_PORT);
		inet_pton(AF_INET, "198.18.0.2", &to.a4.sin_addr);
	}
	if (sendto(s->sender[v], wire, n, 0, (struct sockaddr *)&to,
		   v ? sizeof(to.a6) : sizeof(to.a4)) != n) {
		TEST_FAIL(label, "sendto: %s", strerror(errno));
		return;
	}
	if (capture(s, &out, back, 3)) {
		TEST_FAIL(label, "the capture did not see the message and three "
			  "frames coming back within a second");
		return;
	}
	if (out.partial != offload) {
		TEST_FAIL(label, "the message left %s", out.partial ?
			  "CHECKSUM_PARTIAL" : "with its checksum complete");
		return;
	}
	for (int k = 0; k < 3; k++) {
		struct rc_msg sent;
		struct rc_rank e;
		const char *what = k == 0 ? "copy to rank 1" : k == 1 ?
				   "copy to rank 2 (fib)" : tag ? "reply" :
				   "forward to rank 3";

		if (k < 2) {
			sent.hdr = eff[k].hdr;
			memcpy(sent.payload, eff[k].payload, eff[k].len);
			rank_entry(eff[k].rank, ipver, ifb, &e);
			n = rc_sent_frame(out.b, out.len, &e, mac_a, NULL, &sent,
					  want, sizeof(want));
		} else if (!tag) {
			rank_entry(3, ipver, ifb, &e);
			n = rc_sent_frame(out.b, out.len, &e, NULL, NULL, &fin,
					  want, sizeof(want));
		} else {
			n = reply_frame(&out, &fin, want, sizeof(want));
		}
		if (n < 0 || rc_sent_compare(want, n, back[k].b, back[k].len,
					     back[k].partial, why, sizeof(why))) {
			TEST_FAIL(label, "%s: %s", what, n < 0 ? "no frame" : why);
			ok = 0;
		} else if (back[k].partial != offload) {
			TEST_FAIL(label, "%s came back %s", what, back[k].partial ?
				  "CHECKSUM_PARTIAL" : "complete");
			ok = 0;
		}
	}
	/* A's stack delivers them: checksums right, to the right sockets. */
	for (int k = 0; k < 3 && ok; k++) {
		int fd = k < 2 ? s->rank[v][k + 1] : tag ? s->sender[v] : s->rank[v][3];
		struct rc_msg sent;
		ssize_t got;

		if (k < 2) {
			sent.hdr = eff[k].hdr;
			memcpy(sent.payload, eff[k].payload, eff[k].len);
		} else {
			sent = fin;
		}
		n = rc_msg_to_wire(&sent, wire, sizeof(wire));
		got = recv_wait(fd, buf, sizeof(buf), 1000);
		if (got != n || memcmp(buf, wire, n)) {
			TEST_FAIL(label, "the %s socket got %s", k == 0 ? "rank 1" :
				  k == 1 ? "rank 2" : tag ? "sender's" : "rank 3",
				  got < 0 ? "nothing" : "another message");
			ok = 0;
		}
	}
	if (ok && (rcode_handler__read_stats(h, &b) ||
		   b.sends != a.sends + 2 || b.send_errors != a.send_errors ||
		   (tag ? b.reply != a.reply + 1 : b.forward != a.forward + 1))) {
		TEST_FAIL(label, "statistics: sends %llu, errors %llu",
			  (unsigned long long)(b.sends - a.sends),
			  (unsigned long long)(b.send_errors - a.send_errors));
		ok = 0;
	}
	if (ok)
		TEST_PASS(label);
}

/* A message for another portal goes on to B's socket as it came. */
static void other_portal(struct rcode_handler *h, struct sockets *s, int ipver)
{
	struct rc_msg m = { .hdr = { .version = 1, .portal = PORTAL + 1,
				     .src = 7, .tag = 1, .len = 4 } };
	struct rc_handler_stats a, b;
	uint8_t wire[256], buf[256];
	char label[160];
	int v = ipver == 6, n;
	ssize_t got;
	union {
		struct sockaddr_in a4;
		struct sockaddr_in6 a6;
	} to = { 0 };

	snprintf(label, sizeof(label), "xlate tc e2e (%s): IPv%d, another "
		 "portal's message reaches B's socket untouched", attach_name,
		 ipver);
	if (v) {
		to.a6.sin6_family = AF_INET6;
		to.a6.sin6_port = htons(RC_UDP_PORT);
		inet_pton(AF_INET6, "fd00::2", &to.a6.sin6_addr);
	} else {
		to.a4.sin_family = AF_INET;
		to.a4.sin_port = htons(RC_UDP_PORT);
		inet_pton(AF_INET, "198.18.0.2", &to.a4.sin_addr);
	}
	drain_all(s);
	n = rc_msg_to_wire(&m, wire, sizeof(wire));
	rcode_handler__read_stats(h, &a);
	if (sendto(s->sender[v], wire, n, 0, (struct sockaddr *)&to,
		   v ? sizeof(to.a6) : sizeof(to.a4)) != n) {
		TEST_FAIL(label, "sendto: %s", strerror(errno));
		return;
	}
	got = recv_wait(s->b_port[v], buf, sizeof(buf), 1000);
	rcode_handler__read_stats(h, &b);
	ASSERT_TRUE(got == n && !memcmp(buf, wire, n) &&
		    b.invocations == a.invocations && b.not_for_us > a.not_for_us,
		    label);
}

/* ---- attaching -------------------------------------------------------------- */
struct attachment {
	int link;			/* tcx */
	struct bpf_tc_hook hook;	/* cls_bpf */
	struct bpf_tc_opts opts;
	bool tc_hook;
};

static int attach(int prog_fd, uint32_t ifb, bool tcx, struct attachment *at)
{
	int err;

	memset(at, 0, sizeof(*at));
	at->link = -1;
	if (tcx) {
		at->link = bpf_link_create(prog_fd, ifb, RC_BPF_TCX_INGRESS, NULL);
		return at->link < 0 ? -errno : 0;
	}
	at->hook.sz = sizeof(at->hook);
	at->hook.ifindex = ifb;
	at->hook.attach_point = BPF_TC_INGRESS;
	at->opts.sz = sizeof(at->opts);
	at->opts.handle = RC_ABI_TC_HANDLE_BASE + PORTAL;
	at->opts.priority = RC_ABI_TC_PRIO;
	at->opts.prog_fd = prog_fd;
	err = bpf_tc_hook_create(&at->hook);
	if (err && err != -EEXIST)
		return err;
	at->tc_hook = true;
	return bpf_tc_attach(&at->hook, &at->opts);
}

static void detach(struct attachment *at)
{
	if (at->link >= 0)
		close(at->link);
	if (at->tc_hook) {
		at->opts.prog_fd = at->opts.prog_id = 0;
		at->opts.flags = 0;
		bpf_tc_detach(&at->hook, &at->opts);
		bpf_tc_hook_destroy(&at->hook);
	}
	at->link = -1;
	at->tc_hook = false;
}

int main(void)
{
	struct rcode_handler *h;
	struct rc_prog *ref = NULL;
	struct sockets s;
	uint32_t ifb;

	if (geteuid() != 0) {
		printf("SKIP: xlate tc e2e: needs root\n");
		return 0;
	}
	ns_self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (setup_net()) {
		TEST_FAIL("xlate tc e2e: namespaces and a veth pair", "setup failed");
		return rc_test_exit();
	}
	h = load_handler(&ref);
	if (!h || open_sockets(&s))
		return rc_test_exit() ?: 1;
	ASSERT_TRUE(rcode_handler__needs_tc(h), "xlate tc e2e: a handler that "
		    "sends is a TC program");
	if (enter(1))
		return 1;
	ifb = if_nametoindex("xb0");
	for (int tcx = 1; tcx >= 0; tcx--) {
		struct attachment at;
		int err;

		attach_name = tcx ? "tcx" : "cls_bpf";
		if (enter(1))
			return 1;
		err = attach(rcode_handler__prog_fd(h), ifb, tcx, &at);
		if (enter(0))
			return 1;
		if (err && tcx) {
			/* Linux < 6.6: no tcx; cls_bpf is the way there. */
			printf("# tcx: %s; cls_bpf only\n", strerror(-err));
			continue;
		}
		if (err) {
			TEST_FAIL("xlate tc e2e: attach with cls_bpf", "%s",
				  strerror(-err));
			break;
		}
		for (int ipver = 4; ipver <= 6; ipver += 2) {
			for (int off = 0; off < 2; off++)
				for (int tag = 0; tag < 2; tag++)
					one_message(h, ref, &s, ipver, !off, tag, ifb);
			other_portal(h, &s, ipver);
		}
		if (enter(1))
			return 1;
		detach(&at);
		if (enter(0))
			return 1;
	}
	rcode_handler__close(h);
	rc_prog_free(ref);
	cleanup();
	return rc_test_exit();
}
