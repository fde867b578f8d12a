// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_lib.c - librcode's interface-facing calls, through the
 * library alone: attaching handlers at XDP and at TC ingress (tcx and
 * cls_bpf), replacing them on the same hook and across hooks, finding
 * and detaching them by portal, the rank table, the up-call reader, and
 * windows mapped writable.
 *
 * Everything runs in a child in network and mount namespaces of its own,
 * with a bpffs of its own on /sys/fs/bpf, so RC_PIN_ROOT is private and
 * goes away with the child, and the veth pair (198.18.90.0/24) too.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "rc_test.h"
#include "rcode_private.h"

#define IF0	"rcxl0"		/* where handlers are attached */
#define IF1	"rcxl1"
#define PIN(x)	pin_path(IF0, x)

/* RC_PIN_ROOT/net-<cookie>/<ifname><x>: this namespace's pins (a few
 * buffers in turn, so that two may be used in one expression). */
static const char *pin_path(const char *ifname, const char *x)
{
	static char bufs[4][PATH_MAX];
	static unsigned int next;
	char *b = bufs[next++ % 4];
	size_t n;

	if (rcode_dispatch_pin_dir(ifname, b, PATH_MAX - 64))
		return "(no pin dir)";
	n = strlen(b);
	snprintf(b + n, PATH_MAX - n, "%s", x);
	return b;
}

static const char up_text[] =
	".handler up\n.portal 3\n"
	"\tldh seq\n\tupcall\n\tldh tag\n\tupcall\n\tdrop\n";
static const char win_text[] =
	".handler win\n.portal 4\n.window w 4\n"
	"\tpush 1\n\txaddw w\n\tpop\n\tdrop\n";
static const char win2_text[] =
	".handler win2\n.portal 4\n.window w 4\n"
	"\tpush 2\n\txaddw w\n\tpop\n\tpass\n";
static const char fan_text[] =
	".handler fan\n.portal 6\n.state n\n"
	"\tpush 0\n\tsend\n\tpush 1\n\txadds n\n\tpop\n\tdrop\n";

static char lib_msg[512];

static int lib_print(enum rcode_print_level level, const char *fmt, va_list ap)
{
	if (level == RCODE_WARN)
		vsnprintf(lib_msg, sizeof(lib_msg), fmt, ap);
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static bool exists(const char *path)
{
	return !access(path, F_OK);
}

/* A handler from text, loaded; portal >= 0 overrides .portal. */
static struct rcode_handler *handler(const char *name, const char *text,
				     int portal, int ranks_fd)
{
	RCODE_OPTS(rcode_handler_opts, ho, .ranks_fd = ranks_fd > 0 ? ranks_fd : 0);
	struct rc_prog *p = rc_prog_new();
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rcode_handler *h = NULL;
	struct rc_diags d;

	rc_diags_init(&d);
	if (!p || !vi || rc_asm(name, text, p, &d))
		goto out;
	if (portal >= 0)
		p->portal = portal;
	if (rc_verify(p, vi, &d))
		goto out;
	h = rcode_handler__new(p, vi, &ho);
	p = NULL;
	if (h && rcode_handler__load(h, &d)) {
		rc_diags_print(&d, stdout);
		rcode_handler__close(h);
		h = NULL;
	}
out:
	if (!h)
		TEST_FAIL(name, "cannot load the handler");
	rc_prog_free(p);
	rc_diags_free(&d);
	free(vi);
	return h;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);

	return bpf_obj_get_info_by_fd(fd, &pi, &len) ? 0 : pi.id;
}

static int run(struct rcode_handler *h, uint32_t tag, uint32_t seq,
	       uint32_t repeat)
{
	struct rc_msg m = { .hdr = { .version = 1, .portal = 3, .src = 5,
				     .dst = 0, .tag = tag, .seq = seq } };
	uint8_t pkt[256], out[512];
	size_t out_len = sizeof(out);
	uint32_t verdict;
	int len = rcode_pkt_build(&m, 4, RC_ABI_DEFAULT_PORT, pkt, sizeof(pkt));

	return len < 0 ? len : rcode_handler__test_run(h, pkt, len, out, &out_len,
						       &verdict, repeat, NULL);
}

/* ---- up-calls ------------------------------------------------------------- */

struct later {
	struct rcode_handler *h;
	unsigned int ms;
};

static void *run_later(void *arg)
{
	struct later *l = arg;

	usleep(l->ms * 1000);
	run(l->h, 77, 1000, 1);
	return NULL;
}

static void upcalls(void)
{
	struct rcode_handler *h = handler("up.r", up_text, -1, -1);
	struct rc_upcall out[64];
	struct rcode_upcalls *u;
	struct rc_handler_stats s;
	struct later l;
	pthread_t th;
	uint64_t t0;
	int n, total;
	bool ordered = true;

	if (!h)
		return;
	ASSERT_TRUE(rcode_upcalls__new(rcode_handler__stats_fd(h)) == NULL &&
		    errno == EINVAL, "upcalls: __new of a map that is no ring: EINVAL");
	ASSERT_TRUE(rcode_upcalls__new(-1) == NULL && errno == EINVAL,
		    "upcalls: __new(-1): EINVAL");
	u = rcode_upcalls__new(rcode_handler__upcall_fd(h));
	if (!ASSERT_TRUE(u != NULL, "upcalls: a reader of the handler's ring"))
		goto out;
	ASSERT_EQ(rcode_upcalls__wait(u, 0, out, 64), 0,
		  "upcalls: nothing yet, timeout 0: 0 at once");
	t0 = now_ms();
	ASSERT_EQ(rcode_upcalls__wait(u, 60, out, 64), 0,
		  "upcalls: nothing in 60 ms: 0");
	ASSERT_TRUE(now_ms() - t0 >= 50, "upcalls: ... after waiting the timeout");
	{
		struct pollfd p = { .fd = rcode_upcalls__fd(u), .events = POLLIN };

		ASSERT_EQ(poll(&p, 1, 0), 0, "upcalls: fd not readable while empty");
		ASSERT_EQ(run(h, 7, 100, 1), 0, "upcalls: a message (test run)");
		ASSERT_EQ(poll(&p, 1, 0), 1, "upcalls: fd readable with records");
	}
	n = rcode_upcalls__wait(u, 0, out, 64);
	ASSERT_EQ(n, 2, "upcalls: one message, two up-calls");
	if (n == 2) {
		ASSERT_EQ(out[0].value, 100, "upcalls: first value (seq)");
		ASSERT_EQ(out[1].value, 7, "upcalls: second value (tag)");
		ASSERT_TRUE(out[0].portal == 3 && out[0].src == 5 &&
			    out[0].tag == 7 && out[0].seq == 100,
			    "upcalls: the header fields of the record");
		ASSERT_TRUE(out[0].ns && out[1].ns >= out[0].ns,
			    "upcalls: timestamps, in order");
	}
	/* 10 messages, 20 records, taken 3 at a time: none lost, in order. */
	for (uint32_t i = 0; i < 10; i++)
		run(h, i, 200 + i, 1);
	for (total = 0; (n = rcode_upcalls__wait(u, 0, out, 3)) > 0; total += n) {
		ASSERT_TRUE(n <= 3, "upcalls: never more than max");
		for (int k = 0; k < n; k++)
			ordered &= out[k].seq == 200u + (total + k) / 2;
	}
	ASSERT_EQ(total, 20, "upcalls: 20 records taken 3 at a time");
	ASSERT_TRUE(ordered, "upcalls: ... oldest first");
	/* A wait that sleeps is woken by the first record.  The run's second
	 * record may come after the wake (the kernel's eBPF interpreter in a
	 * slow VM leaves time between the two): a second, bounded wait takes
	 * it. */
	l.h = h;
	l.ms = 100;
	pthread_create(&th, NULL, run_later, &l);
	t0 = now_ms();
	n = rcode_upcalls__wait(u, 5000, out, 64);
	ASSERT_TRUE(n >= 1 && n <= 2, "upcalls: a sleeping wait gets what comes");
	ASSERT_TRUE(now_ms() - t0 < 2000, "upcalls: ... when it comes");
	pthread_join(th, NULL);
	if (n == 1)
		n += rcode_upcalls__wait(u, 2000, out + 1, 63);
	ASSERT_TRUE(n == 2 && out[0].tag == 77 && out[1].value == 77,
		    "upcalls: ... both of the run's records");
	/* More than the ring holds: what was written is what is read. */
	run(h, 1, 1, 1000);
	for (total = 0; (n = rcode_upcalls__wait(u, 0, out, 64)) > 0;)
		total += n;
	ASSERT_EQ(rcode_handler__read_stats(h, &s), 0, "upcalls: stats");
	ASSERT_EQ(total + 2 + 20 + 2, s.upcalls,
		  "upcalls: every record the handler wrote is read");
	ASSERT_TRUE(s.upcall_lost > 0, "upcalls: a full ring lost some (counted)");
	ASSERT_EQ(rcode_upcalls__wait(u, 0, out, 0), -EINVAL,
		  "upcalls: max 0: -EINVAL");
	rcode_upcalls__free(u);
	rcode_upcalls__free(NULL);
	/* By interface and portal, from the pins of an attached handler. */
	ASSERT_EQ(rcode_handler__attach(h, IF0, NULL), 0,
		  "upcalls: attach the handler at XDP");
	ASSERT_TRUE(exists(PIN("/portal-3/upcalls")), "upcalls: its ring is pinned");
	u = rcode_upcalls__open(IF0, 3);
	if (ASSERT_TRUE(u != NULL, "upcalls: __open(ifname, portal)")) {
		run(h, 9, 9, 1);
		ASSERT_EQ(rcode_upcalls__wait(u, 1000, out, 64), 2,
			  "upcalls: the pinned ring is the handler's");
		rcode_upcalls__free(u);
	}
	ASSERT_TRUE(rcode_upcalls__open(IF0, 4) == NULL && errno == ENOENT,
		    "upcalls: __open of a portal without a ring: ENOENT");
	ASSERT_EQ(rcode_portal_detach(IF0, 3), 0, "upcalls: detach");
	ASSERT_EQ(rcode_dispatch_detach(IF0), 0, "upcalls: the dispatcher too");
out:
	rcode_handler__close(h);
}

/* ---- the rank table ----------------------------------------------------------- */

static void ranks(void)
{
	struct rcode_rank_addr t[3] = {
		{ .rank = 0, .family = AF_INET, .has_mac = true,
		  .mac = { 2, 0, 0, 0, 1, 1 } },
		{ .rank = 1, .family = AF_INET, .port = 7201 },
		{ .rank = 2, .family = AF_INET },
	}, back[8];
	RCODE_OPTS(rcode_ranks_opts, o, .udp_port = 7300);
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi), id, self = 0, key = 1;
	struct rc_rank e;
	int fd, n;

	inet_pton(AF_INET, "198.18.90.7", t[0].addr);
	inet_pton(AF_INET, "198.18.90.1", t[1].addr);	/* IF0's */
	inet_pton(AF_INET, "198.18.90.9", t[2].addr);
	ASSERT_EQ(rcode_ranks_read(IF0, back, 8, &self), -ENOENT,
		  "ranks: no table yet: -ENOENT");
	fd = rcode_ranks_fd(IF0);
	if (!ASSERT_TRUE(fd >= 0, "ranks: rcode_ranks_fd creates the table"))
		return;
	ASSERT_TRUE(exists(PIN("/ranks")), "ranks: ... pinned");
	bpf_obj_get_info_by_fd(fd, &mi, &len);
	id = mi.id;
	ASSERT_TRUE(mi.type == BPF_MAP_TYPE_ARRAY && mi.max_entries == RC_ABI_RANKS_MAX &&
		    mi.value_size == sizeof(struct rc_rank),
		    "ranks: an array of RC_ABI_RANKS_MAX struct rc_rank");
	ASSERT_EQ(rcode_ranks_read(IF0, back, 8, &self), 0, "ranks: empty at first");
	ASSERT_EQ(rcode_ranks_load(IF0, t, 3, &o), 1,
		  "ranks: load finds this node: rank 1 has IF0's address");
	ASSERT_EQ(bpf_map_lookup_elem(fd, &key, &e), 0,
		  "ranks: the fd taken before sees the load (in place)");
	ASSERT_TRUE(e.flags == (RC_RANK_F_PRESENT | RC_RANK_F_SELF) && e.self == 1 &&
		    ntohs(e.port) == 7201, "ranks: entry 1: present, self, its port");
	key = 2;
	bpf_map_lookup_elem(fd, &key, &e);
	ASSERT_TRUE(e.flags == RC_RANK_F_PRESENT && e.self == 1 &&
		    ntohs(e.port) == 7300, "ranks: entry 2: the job's port, self 1");
	n = rcode_ranks_read(IF0, back, 8, &self);
	ASSERT_EQ(n, 3, "ranks: read back 3");
	ASSERT_EQ(self, 1, "ranks: read back self");
	ASSERT_TRUE(n == 3 && back[0].has_mac && !memcmp(back[0].mac, t[0].mac, 6) &&
		    back[1].port == 7201 && back[2].port == 7300 &&
		    !memcmp(back[2].addr, t[2].addr, 4),
		    "ranks: read back the entries");
	o.set_self = true;
	o.self = 2;
	ASSERT_EQ(rcode_ranks_load(IF0, t, 2, &o), -EINVAL,
		  "ranks: a self that is not one of the ranks: -EINVAL");
	t[2].rank = 0;
	ASSERT_EQ(rcode_ranks_load(IF0, t, 3, &o), -EINVAL,
		  "ranks: a rank twice: -EINVAL");
	t[2].rank = 2;
	ASSERT_EQ(rcode_ranks_load(IF0, t, 3, &o), 2, "ranks: --self 2");
	o.set_self = false;
	ASSERT_EQ(rcode_ranks_load(IF0, t, 1, &o), -ENOENT,
		  "ranks: no rank with an address of the interface: -ENOENT");
	ASSERT_EQ(rcode_ranks_clear(IF0), 0, "ranks: clear");
	ASSERT_EQ(rcode_ranks_read(IF0, back, 8, &self), 0, "ranks: ... empty");
	close(fd);
	fd = rcode_ranks_fd(IF0);
	len = sizeof(mi);
	bpf_obj_get_info_by_fd(fd, &mi, &len);
	ASSERT_EQ(mi.id, id, "ranks: the same map every time");
	close(fd);
	ASSERT_EQ(rcode_ranks_fd("no/such"), -EINVAL, "ranks: a bad name: -EINVAL");
}

/* ---- attach, replace, detach ----------------------------------------------------- */

static void xdp_attach(void)
{
	RCODE_OPTS(rcode_attach_opts, ao, .mode = RCODE_MODE_SKB);
	struct rcode_handler *h = handler("win.r", win_text, -1, -1);
	struct rcode_handler *h2 = handler("win2.r", win2_text, -1, -1);
	struct rcode_portal_info pi;
	struct rc_prog *p;
	unsigned int portals[RC_ABI_PORTALS];
	__u64 *w, *w2;
	uint64_t words[4];
	__u32 nw = 0;

	if (!h || !h2)
		goto out;
	ASSERT_EQ(rcode_portal_query(IF0, 4, &pi), -ENOENT,
		  "xdp: portal 4 empty: -ENOENT");
	ASSERT_EQ(rcode_handler__attach(h, IF0, &ao), 0, "xdp: attach in skb mode");
	ASSERT_EQ(rcode_portal_query(IF0, 4, &pi), 0, "xdp: query");
	ASSERT_TRUE(pi.hook == RCODE_HOOK_XDP && pi.prog_id ==
		    prog_id(rcode_handler__prog_fd(h)) && pi.pinned &&
		    !pi.interp && !strcmp(pi.name, "win"),
		    "xdp: at XDP, its program, pinned, its name");
	ASSERT_TRUE(exists(PIN("/portal-4/rcode")) && exists(PIN("/portal-4/win-w")),
		    "xdp: its R-code and window pinned");
	p = rcode_portal_prog(IF0, 4);
	ASSERT_TRUE(p && p->nwindows == 1 && !strcmp(p->name, "win"),
		    "xdp: rcode_portal_prog reads the R-code back");
	rc_prog_free(p);
	ASSERT_EQ(rcode_portal_list(IF0, portals), 1, "xdp: one portal listed");
	/* A window mapped writable by pin, read through the handler. */
	w = rcode_window_mmap(IF0, 4, "w", true, &nw);
	if (ASSERT_TRUE(w && nw == 4, "xdp: window mapped writable by pin")) {
		w[2] = 1234;
		rcode_handler__read_window(h, 0, words);
		ASSERT_EQ(words[2], 1234, "xdp: a store through the mapping is the map's");
		__atomic_fetch_add(&w[0], 5, __ATOMIC_SEQ_CST);
		rcode_window_munmap(w, nw);
	}
	w2 = rcode_handler__window_mmap(h, 0, false, &nw);
	ASSERT_TRUE(w2 && nw == 4 && w2[0] == 5, "xdp: the handler's window read-only");
	if (w2)
		rcode_window_munmap(w2, nw);
	ASSERT_TRUE(rcode_window_mmap(IF0, 4, "nope", false, &nw) == NULL &&
		    errno == ENOENT, "xdp: no such window: ENOENT");
	/* Replace: refused without replace, atomic with it, data kept by
	 * the caller's choice (reuse_pin_dir), here not. */
	ASSERT_EQ(rcode_handler__attach(h2, IF0, &ao), -EEXIST,
		  "xdp: a taken portal without replace: -EEXIST");
	ao.replace = true;
	ao.mode = RCODE_MODE_NATIVE;
	ASSERT_EQ(rcode_handler__attach(h2, IF0, &ao), -EEXIST,
		  "xdp: the dispatcher in another mode: -EEXIST");
	ASSERT_TRUE(strstr(lib_msg, "skb mode") != NULL,
		    "xdp: ... the library says which mode it runs in");
	ao.mode = 0;
	ASSERT_EQ(rcode_handler__attach(h2, IF0, &ao), 0, "xdp: replace");
	rcode_portal_query(IF0, 4, &pi);
	ASSERT_TRUE(pi.prog_id == prog_id(rcode_handler__prog_fd(h2)) &&
		    !strcmp(pi.name, "win2"), "xdp: the new handler runs");
out:
	rcode_handler__close(h);
	rcode_handler__close(h2);
}

static void tc_attach(bool have_tcx)
{
	RCODE_OPTS(rcode_attach_opts, ao);
	int ranks_fd = rcode_ranks_fd(IF0);
	struct rcode_handler *h = handler("fan.r", fan_text, -1, ranks_fd);
	struct rcode_handler *h2 = handler("fan.r", fan_text, -1, ranks_fd);
	struct rcode_handler *x = handler("fan.r", fan_text, 4, ranks_fd);
	struct rcode_handler *w = handler("win.r", win_text, -1, -1);
	struct rcode_portal_info pi;
	enum rcode_tc_attach how;
	__u32 id;

	if (!h || !h2 || !x || !w)
		goto out;
	ASSERT_TRUE(rcode_handler__needs_tc(h), "tc: fan.r needs TC");
	ASSERT_EQ(rcode_handler__attach(h, IF0, &ao), 0, "tc: attach");
	ASSERT_EQ(rcode_portal_query(IF0, 6, &pi), 0, "tc: query");
	ASSERT_TRUE(pi.hook == RCODE_HOOK_TC && pi.prog_id ==
		    prog_id(rcode_handler__prog_fd(h)),
		    "tc: at TC, its program");
	ASSERT_EQ(pi.tc, have_tcx ? RCODE_TC_TCX : RCODE_TC_CLS_BPF,
		  have_tcx ? "tc: by tcx, which this kernel has" :
		  "tc: by cls_bpf, tcx missing");
	ASSERT_EQ(exists(PIN("/portal-6/link")), have_tcx,
		  "tc: a tcx link is pinned as portal-N/link");
	ASSERT_EQ(rcode_handler__attach(h2, IF0, &ao), -EEXIST,
		  "tc: taken, no replace: -EEXIST");
	ao.replace = true;
	ASSERT_EQ(rcode_handler__attach(h2, IF0, &ao), 0, "tc: replace");
	rcode_tc_query(IF0, 6, &how, &id);
	ASSERT_TRUE(id == prog_id(rcode_handler__prog_fd(h2)) && how == pi.tc,
		    "tc: replaced in place, attached the same way");
	/* The other way, asked for. */
	ao.tc = RCODE_TC_CLS_BPF;
	ASSERT_EQ(rcode_handler__attach(h, IF0, &ao), 0, "tc: replace by cls_bpf");
	rcode_tc_query(IF0, 6, &how, &id);
	ASSERT_TRUE(how == RCODE_TC_CLS_BPF && id == prog_id(rcode_handler__prog_fd(h)),
		    "tc: now a cls_bpf filter with the new program");
	ASSERT_TRUE(!exists(PIN("/portal-6/link")), "tc: ... the link's pin is gone");
	ao.tc = RCODE_TC_AUTO;
	ASSERT_EQ(rcode_handler__attach(h2, IF0, &ao), 0,
		  "tc: replace, as it is attached");
	rcode_tc_query(IF0, 6, &how, &id);
	ASSERT_TRUE(how == RCODE_TC_CLS_BPF && id == prog_id(rcode_handler__prog_fd(h2)),
		    "tc: ... still cls_bpf, atomically");
	if (have_tcx) {
		ao.tc = RCODE_TC_TCX;
		ASSERT_EQ(rcode_handler__attach(h, IF0, &ao), 0,
			  "tc: back to tcx, asked for");
		rcode_tc_query(IF0, 6, &how, &id);
		ASSERT_TRUE(how == RCODE_TC_TCX && exists(PIN("/portal-6/link")),
			    "tc: ... a link again, no filter");
		ao.tc = RCODE_TC_AUTO;
	} else {
		ao.tc = RCODE_TC_TCX;
		ASSERT_EQ(rcode_handler__attach(h, IF0, &ao), -EOPNOTSUPP,
			  "tc: tcx asked for where there is none: -EOPNOTSUPP");
		ao.tc = RCODE_TC_AUTO;
	}
	/* Across hooks, on portal 4 (win2 from xdp_attach is there). */
	ASSERT_EQ(rcode_handler__attach(x, IF0, &ao), 0,
		  "tc: replace an XDP handler by a TC one");
	rcode_portal_query(IF0, 4, &pi);
	ASSERT_TRUE(pi.hook == RCODE_HOOK_TC && pi.prog_id ==
		    prog_id(rcode_handler__prog_fd(x)), "tc: ... at TC now");
	ASSERT_TRUE(rcode_portal_prog_id(IF0, 4, &id) == -ENOENT || id == 0,
		    "tc: ... and no longer in the dispatcher's portals");
	ASSERT_TRUE(!exists(PIN("/portal-4/win-w")),
		    "tc: ... the old handler's window pin is pruned");
	ASSERT_EQ(rcode_handler__attach(w, IF0, &ao), 0,
		  "tc: replace the TC handler by an XDP one");
	rcode_portal_query(IF0, 4, &pi);
	rcode_tc_query(IF0, 4, &how, NULL);
	ASSERT_TRUE(pi.hook == RCODE_HOOK_XDP && how == RCODE_TC_AUTO,
		    "tc: ... at XDP, nothing at TC");
	/* Detach one portal: the program stops, the pins go. */
	ASSERT_EQ(rcode_portal_detach(IF0, 6), 0, "tc: detach portal 6");
	rcode_tc_query(IF0, 6, &how, NULL);
	ASSERT_TRUE(how == RCODE_TC_AUTO && !exists(PIN("/portal-6")),
		    "tc: ... nothing at TC, no pins");
	ASSERT_EQ(rcode_portal_detach(IF0, 6), -ENOENT, "tc: again: -ENOENT");
	/* Everything, both ways of being at TC included. */
	ao.tc = RCODE_TC_CLS_BPF;
	ASSERT_EQ(rcode_handler__attach(h, IF0, &ao), 0, "tc: cls_bpf on portal 6");
	ao.tc = RCODE_TC_AUTO;
	h2 = (rcode_handler__close(h2), handler("fan.r", fan_text, 7, ranks_fd));
	ASSERT_EQ(h2 ? rcode_handler__attach(h2, IF0, &ao) : -1, 0,
		  "tc: and portal 7");
	ASSERT_EQ(rcode_dispatch_detach(IF0), 0, "tc: rcode_dispatch_detach");
	rcode_tc_query(IF0, 6, &how, NULL);
	ASSERT_EQ(how, RCODE_TC_AUTO, "tc: ... the cls_bpf filter is gone");
	rcode_tc_query(IF0, 7, &how, NULL);
	ASSERT_EQ(how, RCODE_TC_AUTO, "tc: ... portal 7's too");
	ASSERT_TRUE(!exists(PIN("")), "tc: ... and every pin");
out:
	if (ranks_fd >= 0)
		close(ranks_fd);
	rcode_handler__close(h);
	rcode_handler__close(h2);
	rcode_handler__close(x);
	rcode_handler__close(w);
}

/* rcode_tc_attach() with a program of one's own: TC_ACT_UNSPEC. */
static void tc_own(bool have_tcx)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = TC_ACT_UNSPEC },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	RCODE_OPTS(rcode_tc_opts, to);
	enum rcode_tc_attach how;
	__u32 id;
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "rc_own", "GPL", insns, 2,
			       NULL);

	if (!ASSERT_TRUE(fd >= 0, "tc own: a SCHED_CLS program"))
		return;
	ASSERT_EQ(rcode_tc_attach(IF0, 9, fd, &to), 0, "tc own: attach on portal 9");
	rcode_tc_query(IF0, 9, &how, &id);
	ASSERT_TRUE(how == (have_tcx ? RCODE_TC_TCX : RCODE_TC_CLS_BPF) &&
		    id == prog_id(fd), "tc own: query");
	ASSERT_EQ(rcode_tc_attach(IF0, 9, fd, &to), -EEXIST, "tc own: again: -EEXIST");
	ASSERT_EQ(rcode_tc_attach(IF0, RC_ABI_PORTALS, fd, &to), -EINVAL,
		  "tc own: portal 256: -EINVAL");
	ASSERT_EQ(rcode_tc_attach("rcx-lib-no", 9, fd, &to), -ENODEV,
		  "tc own: no such interface: -ENODEV");
	ASSERT_EQ(rcode_tc_detach(IF0, 9), 0, "tc own: detach");
	ASSERT_EQ(rcode_tc_detach(IF0, 9), -ENOENT, "tc own: again: -ENOENT");
	close(fd);
}

/* A failed attach leaves nothing behind. */
static void failed_attach(void)
{
	RCODE_OPTS(rcode_attach_opts, ao, .mode = RCODE_MODE_NATIVE);
	struct rcode_handler *h = handler("win.r", win_text, -1, -1);
	RCODE_OPTS(rcode_dispatch_opts, dopts, .mode = RCODE_MODE_SKB);

	if (!h)
		return;
	ASSERT_EQ(rcode_dispatch_attach(IF0, &dopts), 0, "undo: dispatcher in skb mode");
	ASSERT_EQ(rcode_handler__attach(h, IF0, &ao), -EEXIST,
		  "undo: a handler for native mode: -EEXIST");
	ASSERT_TRUE(!exists(PIN("/portal-4")), "undo: ... no portal pins left");
	ASSERT_EQ(rcode_dispatch_detach(IF0), 0, "undo: detach");
	ASSERT_EQ(rcode_handler__attach(h, "rcx-lib-no", NULL), -ENODEV,
		  "undo: no such interface: -ENODEV");
	ASSERT_TRUE(!exists(pin_path("rcx-lib-no", "")), "undo: ... no pins for it");
	rcode_handler__close(h);
}

static bool kernel_has_tcx(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 6 || (major == 6 && minor >= 6);
}

static int child(void)
{
	bool have_tcx;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		TEST_FAIL("lib: network and mount namespaces, a bpffs", "%s",
			  strerror(errno));
		return 1;
	}
	if (system("ip link set lo up && ip link add " IF0 " type veth peer name "
		   IF1 " && ip addr add 198.18.90.1/24 dev " IF0 " && ip addr add "
		   "198.18.90.2/24 dev " IF1 " && ip link set " IF0 " up && ip link "
		   "set " IF1 " up")) {
		TEST_FAIL("lib: a veth pair", "ip failed");
		return 1;
	}
	rcode_set_print(lib_print);
	libbpf_set_print(quiet);
	libxdp_set_print((libxdp_print_fn_t)quiet);
	have_tcx = rcode_tcx_supported();
	ASSERT_EQ(have_tcx, kernel_has_tcx(), "tcx probe: as the kernel's version says");
	upcalls();
	ranks();
	xdp_attach();
	tc_attach(have_tcx);
	tc_own(have_tcx);
	failed_attach();
	return rc_test_exit();
}

int main(void)
{
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		printf("SKIP: lib: needs root\n");
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
		if (!WIFEXITED(st))
			TEST_FAIL("lib", "the test's child died");
		return 1;
	}
	return 0;
}
