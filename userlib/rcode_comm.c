// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_comm.c - communicators and their collectives (librcode.h,
 * docs/collectives.md): the API, the retry policy, and the user-level
 * mode, in which this process runs the handler's side of the protocol
 * (rcode_coll.c) on every message its UDP socket receives.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "rc_diag.h"
#include "rcode.h"
#include "rcode_coll.h"
#include "rcode_comm_internal.h"
#include "rcode_internal.h"

#define DEF_TIMEOUT_MS		20
#define DEF_TIMEOUT_MAX_MS	1000
#define DEF_TRIES		8
#define DEF_SPIN_US		50	/* bench/results: coll.md */

uint64_t comm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- sending ------------------------------------------------------------- */

static int rank_sockaddr(const struct rcode_comm *c, uint32_t rank,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	const struct rcode_rank_addr *r = &c->ranks[rank];
	uint16_t port = r->port ? r->port : c->port;

	memset(ss, 0, sizeof(*ss));
	if (r->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		memcpy(&a->sin6_addr, r->addr, 16);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		memcpy(&a->sin_addr, r->addr, 4);
		*len = sizeof(*a);
	}
	return 0;
}

/* coll_send_fn: one R-message to rank dst over the socket. */
static int comm_send(void *ctx, uint32_t dst, uint32_t tag, uint32_t seq,
		     const uint64_t *words, unsigned int nwords)
{
	struct rcode_comm *c = ctx;
	struct rc_msg *m = &c->txmsg;
	uint8_t buf[RC_HDR_LEN + RCODE_COLL_WORDS * 8];
	int n;

	if (dst >= c->n || nwords > RCODE_COLL_WORDS)
		return -EINVAL;
	memset(&m->hdr, 0, sizeof(m->hdr));
	m->hdr.version = RC_WIRE_VERSION;
	m->hdr.portal = c->portal;
	m->hdr.len = nwords * 8;
	m->hdr.src = c->self;
	m->hdr.dst = dst;
	m->hdr.tag = tag;
	m->hdr.seq = seq;
	memcpy(m->payload, words, nwords * 8);
	n = rc_msg_to_wire(m, buf, sizeof(buf));
	if (n < 0)
		return n;
	c->stats.sent++;
	if (sendto(c->fd, buf, n, 0, (struct sockaddr *)&c->addrs[dst],
		   c->addrlens[dst]) < 0) {
		pr_debug("comm: send to rank %u: %s\n", dst, strerror(errno));
		return -errno;
	}
	return 0;
}

/* ---- receiving (the user-level mode's handler; in the kernel mode the
 * socket only sees what coll.c passed on) ------------------------------- */

/* Take every datagram queued on the socket. */
void comm_serve(struct rcode_comm *c)
{
	struct rc_msg *m = &c->rxmsg;

	for (;;) {
		int r;

		for (int i = 0; i < COMM_BATCH; i++) {
			c->rxiov[i] = (struct iovec){ c->rxbuf[i], COMM_BUF };
			c->rx[i].msg_hdr = (struct msghdr){
				.msg_iov = &c->rxiov[i],
				.msg_iovlen = 1,
			};
		}
		r = recvmmsg(c->fd, c->rx, COMM_BATCH, MSG_DONTWAIT, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		for (int i = 0; i < r; i++) {
			if (rc_msg_from_wire(c->rxbuf[i], c->rx[i].msg_len, m,
					     NULL) ||
			    m->hdr.portal != c->portal) {
				c->foreign++;
				continue;
			}
			c->stats.received++;
			if (c->mode == RCODE_COMM_USER)
				coll_handle(&c->core, m->hdr.src, m->hdr.tag,
					    m->hdr.seq, m->payload, m->hdr.len);
			else
				c->foreign++;	/* coll.c passed it on */
		}
		if (r < COMM_BATCH)
			return;
	}
}

/* ---- set-up -------------------------------------------------------------- */

/* The wait's defaults, from the environment (as MPI takes its progress
 * engine's from MCA variables), so that a job can change them without
 * rebuilding: RCODE_COLL_SPIN_US=U, RCODE_COLL_WAIT=auto|spin|sleep. */
static unsigned int env_spin_us(void)
{
	const char *s = getenv("RCODE_COLL_SPIN_US");
	char *end;
	unsigned long v;

	if (!s || !*s)
		return DEF_SPIN_US;
	v = strtoul(s, &end, 10);
	if (*end || v > 1000000) {
		pr_warn("comm: RCODE_COLL_SPIN_US=%s: not 0..1000000 µs, taking %u\n",
			s, DEF_SPIN_US);
		return DEF_SPIN_US;
	}
	return v;
}

static enum rcode_comm_wait env_wait(void)
{
	static const char *const name[] = { "auto", "spin", "sleep" };
	const char *s = getenv("RCODE_COLL_WAIT");

	for (unsigned int i = 0; s && *s && i < 3; i++)
		if (!strcmp(s, name[i]))
			return i;
	if (s && *s)
		pr_warn("comm: RCODE_COLL_WAIT=%s: not auto, spin or sleep\n", s);
	return RCODE_COMM_WAIT_AUTO;
}

static int comm_socket(struct rcode_comm *c, const char *ifname)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	c->fd = socket(c->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (c->family == AF_INET6 &&
	    setsockopt(c->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		return -errno;
	if (ifname && setsockopt(c->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 strlen(ifname)))
		return -errno;
	/* Any address, this rank's port: what arrives for the job's port
	 * on this node is ours, whichever address it was sent to. */
	rank_sockaddr(c, c->self, &ss, &len);
	if (c->family == AF_INET6)
		memset(&((struct sockaddr_in6 *)&ss)->sin6_addr, 0, 16);
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(c->fd, (struct sockaddr *)&ss, len)) {
		int err = -errno;

		pr_warn("comm: bind port %u: %s\n",
			c->ranks[c->self].port ?: c->port, strerror(-err));
		return err;
	}
	return 0;
}

static int check_table(const struct rcode_rank_addr *ranks, unsigned int n,
		       unsigned int self)
{
	if (!ranks || !n || n > RC_ABI_RANKS_MAX || self >= n) {
		pr_warn("comm: %u ranks, self %u: need 1..%u ranks and self below them\n",
			n, self, RC_ABI_RANKS_MAX);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (ranks[i].rank != i) {
			pr_warn("comm: entry %u is rank %u: the table must be indexed by rank\n",
				i, ranks[i].rank);
			return -EINVAL;
		}
		if (ranks[i].family != ranks[0].family ||
		    (ranks[i].family != AF_INET && ranks[i].family != AF_INET6)) {
			pr_warn("comm: rank %u: every rank must be IPv4, or every rank IPv6\n",
				i);
			return -EINVAL;
		}
	}
	return 0;
}

struct rcode_comm *rcode_comm__new(const struct rcode_rank_addr *ranks,
				   unsigned int nranks, unsigned int self,
				   const struct rcode_comm_opts *opts)
{
	const char *ifname = RC_OPTS_GET(opts, ifname, NULL);
	struct rcode_comm *c;
	int err;

	if (!RC_OPTS_VALID(opts, rcode_comm_opts)) {
		errno = EINVAL;
		return NULL;
	}
	err = check_table(ranks, nranks, self);
	if (err) {
		errno = -err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->fd = -1;
	c->n = nranks;
	c->self = self;
	c->family = ranks[0].family;
	c->mode = RC_OPTS_GET(opts, mode, RCODE_COMM_KERNEL);
	c->port = RC_OPTS_GET(opts, udp_port, 0) ?: RC_ABI_DEFAULT_PORT;
	c->portal = RC_OPTS_GET(opts, portal, 0) ?: RCODE_COLL_PORTAL;
	c->timeout_ms = RC_OPTS_GET(opts, timeout_ms, 0) ?: DEF_TIMEOUT_MS;
	c->timeout_max_ms = RC_OPTS_GET(opts, timeout_max_ms, 0) ?:
			    DEF_TIMEOUT_MAX_MS;
	c->tries = RC_OPTS_GET(opts, tries, 0) ?: DEF_TRIES;
	c->spin_us = RC_OPTS_GET(opts, spin_us, 0) ?: env_spin_us();
	c->wait = RC_OPTS_GET(opts, wait, 0) ?: env_wait();
	c->linger_ms = RC_OPTS_GET(opts, linger_ms, 0);
	c->wake = RC_OPTS_GET(opts, wake, 0) ?: RCODE_COMM_WAKE_SOCKET;
	err = -EINVAL;
	if ((c->mode != RCODE_COMM_KERNEL && c->mode != RCODE_COMM_USER) ||
	    (c->wake != RCODE_COMM_WAKE_UPCALL && c->wake != RCODE_COMM_WAKE_SOCKET) ||
	    (unsigned int)c->wait > RCODE_COMM_WAIT_SLEEP ||
	    c->portal >= RC_ABI_PORTALS || c->timeout_max_ms < c->timeout_ms ||
	    c->tries > 64 || (ifname && (!*ifname || strlen(ifname) >= IFNAMSIZ)))
		goto fail;
	err = -ENODEV;
	if (ifname && !if_nametoindex(ifname))
		goto fail;
	if (ifname)
		strcpy(c->ifname, ifname);
	err = -ENOMEM;
	c->ranks = calloc(nranks, sizeof(*c->ranks));
	c->addrs = calloc(nranks, sizeof(*c->addrs));
	c->addrlens = calloc(nranks, sizeof(*c->addrlens));
	if (!c->ranks || !c->addrs || !c->addrlens)
		goto fail;
	memcpy(c->ranks, ranks, nranks * sizeof(*ranks));
	for (unsigned int i = 0; i < nranks; i++)
		rank_sockaddr(c, i, &c->addrs[i], &c->addrlens[i]);
	err = comm_socket(c, ifname);
	if (err)
		goto fail;
	c->core.self = self;
	c->core.n = nranks;
	c->core.send = comm_send;
	c->core.ctx = c;
	c->seq = 1;
	if (c->mode == RCODE_COMM_USER) {
		c->core.win = calloc(COLL_WINDOW_WORDS, sizeof(uint64_t));
		if (!c->core.win) {
			err = -ENOMEM;
			goto fail;
		}
		coll_core_init(&c->core, c->seq);
	} else {
		/* sets the window up before the handler runs */
		err = comm_kernel_setup(c);
		if (err)
			goto fail;
	}
	return c;
fail:
	rcode_comm__free(c);
	errno = -err;
	return NULL;
}

static void comm_linger(struct rcode_comm *c)
{
	uint64_t end = comm_now_ns() + c->linger_ms * 1000000ull;
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	if (c->mode != RCODE_COMM_USER) {
		/* coll.c answers by itself meanwhile */
		while (comm_now_ns() < end)
			usleep(1000);
		return;
	}
	for (;;) {
		uint64_t now = comm_now_ns();

		if (now >= end)
			return;
		if (poll(&p, 1, (end - now + 999999) / 1000000) > 0)
			comm_serve(c);
	}
}

void rcode_comm__free(struct rcode_comm *c)
{
	if (!c)
		return;
	if (c->fd >= 0 && c->linger_ms && !c->broken)
		comm_linger(c);
	if (c->mode == RCODE_COMM_USER)
		free(c->core.win);
	else
		comm_kernel_teardown(c);
	if (c->fd >= 0)
		close(c->fd);
	free(c->ranks);
	free(c->addrs);
	free(c->addrlens);
	free(c);
}

unsigned int rcode_comm__rank(const struct rcode_comm *c)
{
	return c->self;
}

unsigned int rcode_comm__size(const struct rcode_comm *c)
{
	return c->n;
}

enum rcode_comm_mode rcode_comm__mode(const struct rcode_comm *c)
{
	return c->mode;
}

/* The i-th wait, in ms: doubling from the first timeout, capped. */
static unsigned int interval_ms(const struct rcode_comm *c, unsigned int i)
{
	uint64_t t = (uint64_t)c->timeout_ms << (i < 32 ? i : 32);

	return t < c->timeout_max_ms ? t : c->timeout_max_ms;
}

unsigned int rcode_comm__timeout_bound(const struct rcode_comm *c)
{
	unsigned int sum = 0;

	for (unsigned int i = 0; i < c->tries; i++)
		sum += interval_ms(c, i);
	return sum;
}

int rcode_comm__stats(const struct rcode_comm *c, struct rcode_comm_stats *out)
{
	const uint64_t *w = c->core.win;

	if (!c || !out)
		return -EINVAL;
	*out = c->stats;
	out->dups = __atomic_load_n(&w[COLL_W_DUPS], __ATOMIC_RELAXED);
	out->answers = __atomic_load_n(&w[COLL_W_ANSWERS], __ATOMIC_RELAXED);
	out->reforwards = __atomic_load_n(&w[COLL_W_REFORWARDS], __ATOMIC_RELAXED);
	out->stale = __atomic_load_n(&w[COLL_W_STALE], __ATOMIC_RELAXED);
	out->bad = __atomic_load_n(&w[COLL_W_BAD], __ATOMIC_RELAXED);
	if (c->mode == RCODE_COMM_KERNEL)
		comm_kernel_stats(c, out);
	return 0;
}

/* ---- one operation ---------------------------------------------------------- */

/* Wait up to deadline (ns) for the result of seq, serving the socket. */
static int wait_until(struct rcode_comm *c, uint32_t seq, uint64_t deadline)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	if (c->mode == RCODE_COMM_KERNEL)
		return comm_kernel_wait(c, seq, deadline);
	for (;;) {
		uint64_t now;
		struct timespec ts;

		if (coll_done(&c->core, seq))
			return 0;
		now = comm_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		ts.tv_sec = (deadline - now) / 1000000000ull;
		ts.tv_nsec = (deadline - now) % 1000000000ull;
		if (ppoll(&p, 1, &ts, NULL) < 0 && errno != EINTR)
			return -errno;
		if (p.revents & POLLIN)
			comm_serve(c);
	}
}

/* Operation seq = c->seq with this tag: contribute nin words, wait for
 * the result with retries, copy nout words of it to out. */
static int comm_op(struct rcode_comm *c, uint32_t tag, const uint64_t *in,
		   unsigned int nin, uint64_t *out, unsigned int nout)
{
	uint32_t seq = c->seq;
	uint64_t deadline;
	int err = 0;

	if (c->broken)
		return -EPIPE;
	coll_contribute(&c->core, seq, tag, in, nin);
	deadline = comm_now_ns();
	for (unsigned int i = 0; i < c->tries; i++) {
		if (i && coll_retry(&c->core, seq, tag))
			c->stats.retries++;
		deadline += interval_ms(c, i) * 1000000ull;
		err = wait_until(c, seq, deadline);
		if (err != -ETIMEDOUT)
			break;
	}
	if (err) {
		if (err == -ETIMEDOUT)
			c->stats.timeouts++;
		c->broken = true;
		return err;
	}
	coll_finish(&c->core, seq, out, nout);
	c->seq++;
	c->stats.ops++;
	return 0;
}

int rcode_allreduce(struct rcode_comm *c, enum rcode_op op, const uint64_t *in,
		    uint64_t *out, size_t count)
{
	if (!c || (unsigned int)op >= RCODE_OP__COUNT || (count && (!in || !out)))
		return -EINVAL;
	for (size_t at = 0; at < count; at += RCODE_COLL_WORDS) {
		unsigned int k = count - at < RCODE_COLL_WORDS ?
				 count - at : RCODE_COLL_WORDS;
		uint64_t chunk[RCODE_COLL_WORDS];
		int err;

		memcpy(chunk, in + at, k * 8);	/* in and out may overlap */
		err = comm_op(c, COLL_TAG(COLL_UP, op, k, 0), chunk, k,
			      out + at, k);
		if (err)
			return err;
	}
	return 0;
}

int rcode_barrier(struct rcode_comm *c)
{
	if (!c)
		return -EINVAL;
	return comm_op(c, COLL_TAG(COLL_UP, RCODE_OP_SUM, 0, 0), NULL, 0, NULL, 0);
}

int rcode_bcast(struct rcode_comm *c, unsigned int root, uint64_t *buf,
		size_t count)
{
	if (!c || root >= c->n || (count && !buf))
		return -EINVAL;
	for (size_t at = 0; at < count; at += RCODE_COLL_WORDS) {
		unsigned int k = count - at < RCODE_COLL_WORDS ?
				 count - at : RCODE_COLL_WORDS;
		int err;

		err = comm_op(c, COLL_TAG(COLL_UP, COLL_OP_BCAST, k, root),
			      buf + at, c->self == root ? k : 0, buf + at, k);
		if (err)
			return err;
	}
	return 0;
}

/* ---- hosts files ---------------------------------------------------------- */

struct rcode_comm *rcode_comm__from_hosts(const char *path, unsigned int self,
					  const struct rcode_comm_opts *opts)
{
	struct rcode_rank_addr *t = NULL;
	struct rcode_comm *c;
	struct rc_diags d;
	unsigned int n = 0;
	int err;

	rc_diags_init(&d);
	err = rcode_ranks_parse(path, &t, &n, &d);
	for (size_t i = 0; i < d.n; i++) {
		char line[RC_DIAG_MSG_MAX + 256];

		rc_diag_format_line(&d.v[i], line, sizeof(line));
		rc_log(RCODE_WARN, "%s\n", line);
	}
	rc_diags_free(&d);
	if (err) {
		errno = -err;
		return NULL;
	}
	c = rcode_comm__new(t, n, self, opts);
	err = errno;
	free(t);
	errno = err;
	return c;
}
