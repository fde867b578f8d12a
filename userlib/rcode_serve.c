// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_serve.c - the user-level path: an R-code handler run in this
 * process on every R-message that reaches a UDP socket (librcode.h, "the
 * user-level path").  The baseline the in-kernel path is measured against,
 * so it does what a careful user-level server would do and no more:
 * recvmmsg a batch, run the handler on each message, sendmmsg the
 * replies of the batch.
 */
#define _GNU_SOURCE
#include <errno.h>
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

	struct mmsghdr rx[SERVE_BATCH], tx[SERVE_BATCH];
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
	default:
		st->pass++;
		break;
	}
}

/*
 * Handle rx[i]; returns true when it queued a reply in tx[*ntx].  The
 * message lives in s->msg, and a native handler that fails gets the
 * fault the reference would give unverified code.
 */
static bool handle(struct rcode_serve *s, int i, unsigned int *ntx)
{
	struct rc_msg *m = &s->msg;
	struct rc_result res;
	int n;

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
	if (res.action == RC_ACT_REPLY) {
		n = rc_msg_to_wire(m, s->txbuf[*ntx], sizeof(s->txbuf[*ntx]));
		if (n < 0)
			return false;
		s->txiov[*ntx].iov_len = n;
		s->tx[*ntx].msg_hdr = (struct msghdr){
			.msg_name = &s->from[i],
			.msg_namelen = s->rx[i].msg_hdr.msg_namelen,
			.msg_iov = &s->txiov[*ntx],
			.msg_iovlen = 1,
		};
		(*ntx)++;
		return true;
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
			pr_debug("serve: reply: %s\n", strerror(errno));
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
