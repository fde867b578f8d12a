// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_serve.c - the user-level path: an R-code handler run in this
 * process on every R-message that reaches a UDP socket (librcode.h, "the
 * user-level path").  The baseline the in-kernel path is measured against,
 * so it does what a careful user-level server would do and no more:
 * recvmmsg a batch, run the handler on each message, sendmmsg the
 * replies and forwards of the batch.  A run's sends go out with sendto()
 * as the run ends, before its own reply or forward leaves: the order in
 * which one handler run made them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "librcode.h"
#include "rcode.h"
#include "rc_diag.h"
#include "rcode_internal.h"

_Static_assert(RCODE_SERVE_WINDOWS == RC_WINDOWS_MAX,
	       "librcode.h's window count is the language's");
_Static_assert(RC_FAULT__COUNT <= RC_ABI_FAULTS, "fault codes fit the stats");

#define SERVE_BATCH	32
/* One byte more than the largest R-message: a longer datagram is seen
 * as longer and refused by rc_msg_from_wire(), never cut to fit. */
#define SERVE_BUF	(RC_HDR_LEN + RC_PAYLOAD_MAX + 1)

struct rcode_serve {
	int fd;
	struct rc_prog *prog;		/* private copy; NULL: native only */
	rcode_native_fn_t native;
	void *native_ctx;
	rcode_deliver_fn_t deliver;
	void *deliver_ctx;
	struct rc_env env;
	uint32_t state_words;
	uint32_t window_words[RC_WINDOWS_MAX];
	struct rc_handler_stats stats;
	struct rc_msg msg;

	/* The rank table: present[r] and where rank r is, as this socket
	 * addresses it (v4-mapped on a dual-stack socket). */
	struct rc_ranks ranks;
	uint8_t *present;
	struct sockaddr_storage *rank_addr;
	socklen_t *rank_addrlen;
	rcode_upcall_fn_t upcall;
	void *upcall_ctx;
	uint8_t (*payloads)[RC_PAYLOAD_MAX];	/* for env.effect_payloads */
	uint8_t sendbuf[RC_HDR_LEN + RC_PAYLOAD_MAX];

	struct mmsghdr rx[SERVE_BATCH], tx[SERVE_BATCH];
	bool txfwd[SERVE_BATCH];	/* tx[i] is a forward */
	struct iovec rxiov[SERVE_BATCH], txiov[SERVE_BATCH];
	struct sockaddr_storage from[SERVE_BATCH];
	uint8_t rxbuf[SERVE_BATCH][SERVE_BUF];
	uint8_t txbuf[SERVE_BATCH][RC_HDR_LEN + RC_PAYLOAD_MAX];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The layout comes from prog, or from opts when there is none. */
static int serve_layout(struct rcode_serve *s, const struct rc_prog *prog,
			const struct rcode_serve_opts *opts)
{
	if (prog) {
		s->state_words = prog->state_words;
		for (uint32_t k = 0; k < prog->nwindows; k++)
			s->window_words[k] = prog->windows[k].words;
		return 0;
	}
	s->state_words = RC_OPTS_GET(opts, state_words, 0);
	if (s->state_words > RC_STATE_MAX)
		return -EINVAL;
	for (uint32_t k = 0; k < RC_WINDOWS_MAX &&
	     RC_OPTS_HAS(opts, window_words); k++) {
		if (!opts->window_words[k])
			break;
		if (opts->window_words[k] > RC_WINDOW_WORDS_MAX)
			return -EINVAL;
		s->window_words[k] = opts->window_words[k];
	}
	return 0;
}

/* A native example handler on a smaller layout than its own would write
 * outside the memory: refuse it. */
static int native_fits(const struct rcode_serve *s, rcode_native_fn_t fn)
{
	const struct rcode_native *n;

	for (unsigned int i = 0; (n = rcode_native_get(i)); i++) {
		if (n->run != fn)
			continue;
		if (s->state_words < n->state_words)
			return -EINVAL;
		for (int k = 0; k < RC_WINDOWS_MAX; k++)
			if (s->window_words[k] < n->window_words[k])
				return -EINVAL;
	}
	return 0;
}

static int serve_memory(struct rcode_serve *s)
{
	/* One spare word keeps calloc(0) from meaning "failed". */
	s->env.state = calloc(s->state_words + 1, sizeof(uint64_t));
	if (!s->env.state)
		return -ENOMEM;
	for (int k = 0; k < RC_WINDOWS_MAX && s->window_words[k]; k++) {
		s->env.windows[k] = calloc(s->window_words[k], sizeof(uint64_t));
		if (!s->env.windows[k])
			return -ENOMEM;
	}
	return 0;
}

/*
 * The rank table, indexed by rank.  An IPv6 rank cannot be reached from
 * an IPv4-only socket: it is left absent, so forward and send to it fault
 * `rank`, as an entry of the other address family does in the kernel.
 */
static int serve_ranks(struct rcode_serve *s,
		       const struct rcode_serve_opts *opts, uint16_t port,
		       bool v6)
{
	const struct rcode_rank_addr *r = RC_OPTS_GET(opts, ranks, NULL);
	uint32_t n = RC_OPTS_GET(opts, nranks, 0), max = 0;

	if (!r)
		return n ? -EINVAL : 0;
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].rank >= RC_ABI_RANKS_MAX ||
		    (r[i].family != AF_INET && r[i].family != AF_INET6))
			return -EINVAL;
		if (r[i].rank + 1 > max)
			max = r[i].rank + 1;
	}
	s->ranks.self = RC_OPTS_GET(opts, self_rank, 0);
	s->ranks.nranks = max;
	s->present = calloc(max + 1, 1);
	s->rank_addr = calloc(max + 1, sizeof(*s->rank_addr));
	s->rank_addrlen = calloc(max + 1, sizeof(*s->rank_addrlen));
	if (!s->present || !s->rank_addr || !s->rank_addrlen)
		return -ENOMEM;
	s->ranks.present = s->present;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t p = htons(r[i].port ?: port);
		void *a = &s->rank_addr[r[i].rank];

		if (s->present[r[i].rank])
			return -EINVAL;	/* listed twice */
		if (r[i].family == AF_INET6 && !v6)
			continue;
		s->present[r[i].rank] = 1;
		if (!v6) {
			struct sockaddr_in *sin = a;

			sin->sin_family = AF_INET;
			sin->sin_port = p;
			memcpy(&sin->sin_addr, r[i].addr, 4);
			s->rank_addrlen[r[i].rank] = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = a;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = p;
			if (r[i].family == AF_INET6) {
				memcpy(&sin6->sin6_addr, r[i].addr, 16);
			} else {
				/* ::ffff:a.b.c.d */
				sin6->sin6_addr.s6_addr[10] = 0xff;
				sin6->sin6_addr.s6_addr[11] = 0xff;
				memcpy(&sin6->sin6_addr.s6_addr[12], r[i].addr, 4);
			}
			s->rank_addrlen[r[i].rank] = sizeof(*sin6);
		}
	}
	s->env.ranks = &s->ranks;
	return 0;
}

/* The log that tells this process what a run sent and handed up. */
static int serve_effects(struct rcode_serve *s)
{
	s->env.effects = calloc(RCODE_SERVE_EFFECTS_MAX, sizeof(*s->env.effects));
	s->payloads = calloc(RCODE_SERVE_EFFECTS_MAX, sizeof(*s->payloads));
	if (!s->env.effects || !s->payloads)
		return -ENOMEM;
	s->env.effects_max = RCODE_SERVE_EFFECTS_MAX;
	s->env.effect_payloads = s->payloads;
	return 0;
}

static int serve_socket(struct rcode_serve *s,
			const struct rcode_serve_opts *opts)
{
	const char *ifname = RC_OPTS_GET(opts, ifname, NULL);
	uint16_t port = RC_OPTS_GET(opts, udp_port, 0) ?: RC_ABI_DEFAULT_PORT;
	bool v6 = RC_OPTS_GET(opts, ipv6, false);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	int off = 0;

	if (ifname && (!*ifname || strlen(ifname) >= IFNAMSIZ))
		return -EINVAL;
	if (ifname && !if_nametoindex(ifname))
		return -ENODEV;
	/* Blocking: the wait is poll()'s, receives say MSG_DONTWAIT, and a
	 * send waits for room rather than lose a reply. */
	s->fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	if (v6 && setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
			     sizeof(off)))
		return -errno;
	if (ifname && setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 strlen(ifname)))
		return -errno;
	if (v6 ? bind(s->fd, (struct sockaddr *)&a6, sizeof(a6)) :
		 bind(s->fd, (struct sockaddr *)&a4, sizeof(a4))) {
		int err = -errno;

		pr_warn("serve: bind %s port %u: %s\n", v6 ? "[::]" : "0.0.0.0",
			port, strerror(-err));
		return err;
	}
	return 0;
}

struct rcode_serve *rcode_serve__new(const struct rc_prog *prog,
				     const struct rcode_serve_opts *opts)
{
	rcode_native_fn_t native = RC_OPTS_GET(opts, native, NULL);
	struct rcode_serve *s;
	int err;

	if (!RC_OPTS_VALID(opts, rcode_serve_opts) || (!prog && !native)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->fd = -1;
	s->native = native;
	s->native_ctx = RC_OPTS_GET(opts, native_ctx, NULL);
	s->deliver = RC_OPTS_GET(opts, deliver, NULL);
	s->deliver_ctx = RC_OPTS_GET(opts, deliver_ctx, NULL);
	s->upcall = RC_OPTS_GET(opts, upcall, NULL);
	s->upcall_ctx = RC_OPTS_GET(opts, upcall_ctx, NULL);
	if (prog) {
		struct rc_diags d;

		/* rc_run() trusts a verified program; a caller's mistake
		 * must not become an interpreter running wild. */
		rc_diags_init(&d);
		err = rc_verify(prog, NULL, &d);
		rc_diags_free(&d);
		if (err) {
			pr_warn("serve: handler %s is rejected by the verifier\n",
				prog->name);
			err = -EINVAL;
			goto fail;
		}
		s->prog = malloc(sizeof(*s->prog));
		if (!s->prog) {
			err = -ENOMEM;
			goto fail;
		}
		memcpy(s->prog, prog, sizeof(*prog));
		s->prog->src = NULL;	/* debug information stays with the caller */
		s->prog->loc = NULL;
	}
	err = serve_layout(s, prog, opts);
	err = err ?: native ? native_fits(s, native) : 0;
	err = err ?: serve_memory(s);
	err = err ?: serve_effects(s);
	err = err ?: serve_ranks(s, opts, RC_OPTS_GET(opts, udp_port, 0) ?:
				 RC_ABI_DEFAULT_PORT, RC_OPTS_GET(opts, ipv6, false));
	err = err ?: serve_socket(s, opts);
	if (err)
		goto fail;
	for (int i = 0; i < SERVE_BATCH; i++) {
		s->rxiov[i] = (struct iovec){ s->rxbuf[i], sizeof(s->rxbuf[i]) };
		s->txiov[i].iov_base = s->txbuf[i];
	}
	return s;
fail:
	rcode_serve__free(s);
	errno = -err;
	return NULL;
}

void rcode_serve__free(struct rcode_serve *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->env.state);
	for (int k = 0; k < RC_WINDOWS_MAX; k++)
		free(s->env.windows[k]);
	free(s->env.effects);
	free(s->payloads);
	free(s->present);
	free(s->rank_addr);
	free(s->rank_addrlen);
	free(s->prog);
	free(s);
}

int rcode_serve__fd(const struct rcode_serve *s)
{
	return s->fd;
}

uint64_t *rcode_serve__state(const struct rcode_serve *s)
{
	return s->state_words ? s->env.state : NULL;
}

uint64_t *rcode_serve__window(const struct rcode_serve *s, unsigned int k)
{
	return k < RC_WINDOWS_MAX ? s->env.windows[k] : NULL;
}

int rcode_serve__stats(const struct rcode_serve *s,
		       struct rc_handler_stats *out)
{
	if (!s || !out)
		return -EINVAL;
	*out = s->stats;
	return 0;
}

/* Count an ended run as the kernel path counts it (ref_common.h). */
static void count(struct rcode_serve *s, const struct rc_result *res)
{
	struct rc_handler_stats *st = &s->stats;

	st->invocations++;
	if (res->fault) {
		st->faults[res->fault < RC_ABI_FAULTS ? res->fault : 0]++;
		if (res->fault == RC_FAULT_BUDGET)
			st->budget_aborts++;
		st->last_fault_pc = res->fault_pc;
		st->last_fault_code = res->fault;
		st->last_fault_ns = mono_ns();
	}
	switch (res->action) {
	case RC_ACT_DROP:
		st->drop++;
		break;
	case RC_ACT_REPLY:
		st->reply++;
		break;
	case RC_ACT_FORWARD:
		st->forward++;
		break;
	default:
		st->pass++;
		break;
	}
}

/* One send of a run: the copy as the log has it, to its rank. */
static void send_copy(struct rcode_serve *s, const struct rc_effect *e)
{
	struct rc_msg copy;
	int n;

	copy.hdr = e->hdr;
	memcpy(copy.payload, e->payload, e->len);
	n = rc_msg_to_wire(&copy, s->sendbuf, sizeof(s->sendbuf));
	if (n < 0 || e->rank >= s->ranks.nranks || !s->present[e->rank] ||
	    sendto(s->fd, s->sendbuf, n, 0,
		   (struct sockaddr *)&s->rank_addr[e->rank],
		   s->rank_addrlen[e->rank]) != n) {
		pr_debug("serve: send to rank %u: %s\n", e->rank,
			 strerror(errno));
		s->stats.send_errors++;
	}
}

/*
 * Carry out a run's sends and up-calls, in the order it made them; those
 * past the log were made but cannot be carried out: lost, as a full ring
 * or a refused clone loses them in the kernel.
 */
static void effects(struct rcode_serve *s, const struct rc_result *res)
{
	uint32_t logged = res->neffects <= s->env.effects_max ?
			  res->neffects : s->env.effects_max;
	uint32_t sends = 0, upcalls = 0;

	for (uint32_t k = 0; k < logged; k++) {
		const struct rc_effect *e = &s->env.effects[k];
		struct rc_upcall u;

		if (e->kind == RC_EFFECT_SEND) {
			sends++;
			send_copy(s, e);
			continue;
		}
		upcalls++;
		if (!s->upcall) {
			s->stats.upcall_lost++;
			continue;
		}
		u = (struct rc_upcall){ .value = e->value,
					.ns = s->env.clock_ns,
					.portal = e->hdr.portal,
					.src = e->hdr.src, .tag = e->hdr.tag,
					.seq = e->hdr.seq };
		s->upcall(s->upcall_ctx, &u);
	}
	s->stats.sends += res->nsends;
	s->stats.upcalls += res->nupcalls;
	if (res->nsends > sends)
		s->stats.send_errors += res->nsends - sends;
	if (res->nupcalls > upcalls)
		s->stats.upcall_lost += res->nupcalls - upcalls;
}

/* Queue msg for tx[*ntx], to addr; fwd: a forward, whose loss counts. */
static bool queue_tx(struct rcode_serve *s, const struct rc_msg *m,
		     void *addr, socklen_t addrlen, bool fwd,
		     unsigned int *ntx)
{
	int n = rc_msg_to_wire(m, s->txbuf[*ntx], sizeof(s->txbuf[*ntx]));

	if (n < 0)
		return false;
	s->txiov[*ntx].iov_len = n;
	s->tx[*ntx].msg_hdr = (struct msghdr){
		.msg_name = addr,
		.msg_namelen = addrlen,
		.msg_iov = &s->txiov[*ntx],
		.msg_iovlen = 1,
	};
	s->txfwd[*ntx] = fwd;
	(*ntx)++;
	return true;
}

/*
 * Handle rx[i]; returns true when it queued a reply or a forward in
 * tx[*ntx].  The message lives in s->msg, and a native handler that fails
 * gets the fault the reference would give unverified code.
 */
static bool handle(struct rcode_serve *s, int i, unsigned int *ntx)
{
	struct rc_msg *m = &s->msg;
	struct rc_result res;

	if (rc_msg_from_wire(s->rxbuf[i], s->rx[i].msg_len, m, NULL)) {
		s->stats.not_for_us++;
		return false;
	}
	if (s->prog && m->hdr.portal != s->prog->portal) {
		s->stats.not_for_us++;
		if (s->deliver)
			s->deliver(s->deliver_ctx, m, NULL);
		return false;
	}
	s->env.clock_ns = mono_ns();
	memset(&res, 0, sizeof(res));
	if (s->native) {
		if (s->native(s->native_ctx, m, &s->env, &res) < 0) {
			/* Whatever it edited goes: parse the datagram again. */
			rc_msg_from_wire(s->rxbuf[i], s->rx[i].msg_len, m, NULL);
			memset(&res, 0, sizeof(res));
			res.action = RC_ACT_PASS;
			res.fault = RC_FAULT_ILLEGAL;
		}
	} else {
		rc_run(s->prog, m, &s->env, &res);
	}
	count(s, &res);
	if (res.nsends || res.nupcalls)
		effects(s, &res);
	if (res.action == RC_ACT_REPLY)
		return queue_tx(s, m, &s->from[i], s->rx[i].msg_hdr.msg_namelen,
				false, ntx);
	if (res.action == RC_ACT_FORWARD) {
		/* rc_run() checked the rank; a native handler may not have. */
		if (res.rank < s->ranks.nranks && s->present[res.rank] &&
		    queue_tx(s, m, &s->rank_addr[res.rank],
			     s->rank_addrlen[res.rank], true, ntx))
			return true;
		s->stats.send_errors++;
		return false;
	}
	if (res.action == RC_ACT_PASS && s->deliver)
		s->deliver(s->deliver_ctx, m, &res);
	return false;
}

/* Send tx[0..n); a datagram the socket refuses is skipped, as a frame
 * lost on the wire would be. */
static void flush(struct rcode_serve *s, unsigned int n)
{
	unsigned int done = 0;

	while (done < n) {
		int r = sendmmsg(s->fd, s->tx + done, n - done, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			pr_debug("serve: %s: %s\n", s->txfwd[done] ?
				 "forward" : "reply", strerror(errno));
			s->stats.send_errors += s->txfwd[done];
			done++;
			continue;
		}
		done += r;
	}
}

int rcode_serve__poll_max(struct rcode_serve *s, int timeout_ms,
			  unsigned int max)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	unsigned int taken = 0;
	int r;

	if (!max)
		return -EINVAL;
	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (!r)
		return 0;
	while (taken < max) {
		unsigned int want = max - taken, ntx = 0;

		if (want > SERVE_BATCH)
			want = SERVE_BATCH;
		for (unsigned int i = 0; i < want; i++)
			s->rx[i].msg_hdr = (struct msghdr){
				.msg_name = &s->from[i],
				.msg_namelen = sizeof(s->from[i]),
				.msg_iov = &s->rxiov[i],
				.msg_iovlen = 1,
			};
		r = recvmmsg(s->fd, s->rx, want, MSG_DONTWAIT, NULL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return taken ? (int)taken : -errno;
		}
		for (int i = 0; i < r; i++)
			handle(s, i, &ntx);
		if (ntx)
			flush(s, ntx);
		taken += r;
		if ((unsigned int)r < want)
			break;	/* the queue is empty */
	}
	return taken;
}

int rcode_serve__poll(struct rcode_serve *s, int timeout_ms)
{
	return rcode_serve__poll_max(s, timeout_ms, INT32_MAX);
}
