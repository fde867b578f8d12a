// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_send.c - 'rloader send': R-messages from the command line, over
 * UDP to a host's R port, and, with --wait, the replies decoded.  What a
 * user or a demo needs to talk to an attached handler without a test
 * binary.  Every loop is bounded in count and in time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "rloader.h"

#define SEND_COUNT_MAX		1000000
#define SEND_MS_MAX		60000	/* --interval and --wait */
/* Replies shown one by one (and in the JSON); all are counted. */
#define SEND_REPLIES_SHOWN	1000

struct send_opts {
	uint64_t port, portal, tag, seq, src, dst, count, interval, wait;
	const char *payload;
};

static const struct send_opts send_defaults = {
	.port = RC_UDP_PORT, .portal = ~0ull, .count = 1,
};

static const struct opt_def send_optdefs[] = {
	DEFINE_OPT(send_opts, portal, "portal", 0, OPT_U64, "N",
		   "the portal the message is for (required)"),
	DEFINE_OPT(send_opts, port, "port", 0, OPT_U64, "PORT",
		   "UDP port of the R-messages (default 7117)"),
	DEFINE_OPT(send_opts, tag, "tag", 0, OPT_U64, "N", "tag (default 0)"),
	DEFINE_OPT(send_opts, seq, "seq", 0, OPT_U64, "N",
		   "sequence number of the first message, +1 for each next (default 0)"),
	DEFINE_OPT(send_opts, src, "src", 0, OPT_U64, "RANK", "sender's rank (default 0)"),
	DEFINE_OPT(send_opts, dst, "dst", 0, OPT_U64, "RANK", "receiver's rank (default 0)"),
	DEFINE_OPT(send_opts, payload, "payload", 'P', OPT_STRING, "SPEC",
		   "the payload, as for run: hex:0a0b.., u64:1,2, u32:.., u16:.., u8:.., str:TEXT, zero:N"),
	DEFINE_OPT(send_opts, count, "count", 'n', OPT_U64, "N",
		   "send N messages (default 1, at most 1000000)"),
	DEFINE_OPT(send_opts, interval, "interval", 'i', OPT_U64, "MS",
		   "milliseconds from one message to the next (default 0, at most 60000)"),
	DEFINE_OPT(send_opts, wait, "wait", 'w', OPT_U64, "MS",
		   "after each message, wait up to MS ms for its reply and print "
		   "the replies (default 0: don't wait; at most 60000)"),
	END_OPTS
};

struct reply {
	uint64_t rtt_ns;	/* 0: not one of ours (seq unknown) */
	struct rc_msg m;
};

struct send_state {
	const struct send_opts *o;
	int fd;
	uint64_t sent_ns_base;
	uint64_t *sent_ns;	/* per message, for round trips */
	bool *answered;
	uint64_t answered_n, duplicates, strangers, malformed, refused;
	uint64_t rtt_min, rtt_max, rtt_sum;
	struct reply *shown;
	uint32_t nshown;
	uint64_t nreplies;
};

static int resolve(const char *addr, uint16_t port, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST,
				  .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res;
	char ps[8];

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(addr, ps, &hints, &res))
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Take one datagram (the socket is connected: only the destination's);
 * returns 1 if it answered message `want` (when want >= 0), 0 else,
 * -errno on a socket error that ends the run. */
static int take_reply(struct send_state *s, int64_t want)
{
	uint8_t buf[2048];
	struct rc_msg m;
	const char *why;
	ssize_t r = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	uint64_t i;

	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno == ECONNREFUSED) {
			/* ICMP port unreachable: no handler answered and
			 * no socket listens on the port there. */
			s->refused++;
			return 0;
		}
		return -errno;
	}
	if (rc_msg_from_wire(buf, r, &m, &why)) {
		s->malformed++;
		return 0;
	}
	s->nreplies++;
	i = (uint64_t)m.hdr.seq - (uint32_t)s->o->seq;
	i &= 0xffffffffu;
	if (i >= s->o->count || !s->sent_ns[i]) {
		s->strangers++;
		if (s->nshown < SEND_REPLIES_SHOWN)
			s->shown[s->nshown++] = (struct reply){ 0, m };
		return 0;
	}
	if (s->answered[i]) {
		s->duplicates++;
		return 0;
	}
	s->answered[i] = true;
	s->answered_n++;
	{
		uint64_t rtt = mono_ns() - s->sent_ns[i];

		s->rtt_sum += rtt;
		if (!s->rtt_min || rtt < s->rtt_min)
			s->rtt_min = rtt;
		if (rtt > s->rtt_max)
			s->rtt_max = rtt;
		if (s->nshown < SEND_REPLIES_SHOWN)
			s->shown[s->nshown++] = (struct reply){ rtt ?: 1, m };
	}
	return want >= 0 && (int64_t)i == want;
}

/* Read replies until deadline (CLOCK_MONOTONIC ns), or until message
 * `want` is answered (want < 0: until the deadline). */
static int drain_until(struct send_state *s, uint64_t deadline, int64_t want)
{
	for (;;) {
		uint64_t now = mono_ns();
		struct pollfd pf = { .fd = s->fd, .events = POLLIN };
		int r, ms;

		if (want >= 0 && s->answered[want])
			return 0;
		if (now >= deadline)
			return 0;
		ms = (int)((deadline - now + 999999) / 1000000);
		r = poll(&pf, 1, ms);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		r = take_reply(s, want);
		if (r < 0)
			return r;
	}
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { t / 1000000000ull, t % 1000000000ull };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void report(const struct send_state *s, const char *addr, int64_t sent)
{
	const struct send_opts *o = s->o;
	bool waited = o->wait > 0;

	if (json_output) {
		struct json_object *j = json_object_new_object();
		struct json_object *a = json_object_new_array();

		json_object_object_add(j, "to", json_object_new_string(addr));
		json_object_object_add(j, "port", json_object_new_int(o->port));
		json_object_object_add(j, "portal", json_object_new_int(o->portal));
		json_object_object_add(j, "sent", json_object_new_int64(sent));
		if (waited) {
			json_object_object_add(j, "answered", json_object_new_int64(s->answered_n));
			json_object_object_add(j, "lost", json_object_new_int64(sent - s->answered_n));
			json_object_object_add(j, "duplicates", json_object_new_int64(s->duplicates));
			json_object_object_add(j, "other_replies", json_object_new_int64(s->strangers));
			json_object_object_add(j, "malformed", json_object_new_int64(s->malformed));
			json_object_object_add(j, "refused", json_object_new_int64(s->refused));
			json_object_object_add(j, "rtt_us", s->answered_n ? ({
				struct json_object *r = json_object_new_object();

				json_object_object_add(r, "min", json_object_new_double(s->rtt_min / 1e3));
				json_object_object_add(r, "avg", json_object_new_double(
					s->rtt_sum / 1e3 / s->answered_n));
				json_object_object_add(r, "max", json_object_new_double(s->rtt_max / 1e3));
				r; }) : NULL);
			for (uint32_t i = 0; i < s->nshown; i++) {
				struct json_object *e = json_object_new_object();

				json_object_object_add(e, "answers", json_object_new_boolean(
					s->shown[i].rtt_ns != 0));
				json_object_object_add(e, "rtt_us", s->shown[i].rtt_ns ?
					json_object_new_double(s->shown[i].rtt_ns / 1e3) : NULL);
				json_object_object_add(e, "message", msg_json(&s->shown[i].m));
				json_object_array_add(a, e);
			}
			json_object_object_add(j, "replies", a);
		} else {
			json_object_put(a);
		}
		out_json(j);
		return;
	}
	for (uint32_t i = 0; i < s->nshown; i++) {
		char label[32];

		if (s->shown[i].rtt_ns)
			snprintf(label, sizeof(label), "reply %.0fus", s->shown[i].rtt_ns / 1e3);
		else
			snprintf(label, sizeof(label), "other");
		msg_print(label, &s->shown[i].m);
	}
	if (s->nreplies > s->nshown)
		printf("  (%" PRIu64 " more replies not shown)\n", s->nreplies - s->nshown);
	printf("%" PRId64 " sent to %s port %u portal %u", sent, addr,
	       (unsigned int)o->port, (unsigned int)o->portal);
	if (waited) {
		printf(", %" PRIu64 " answered, %" PRId64 " lost", s->answered_n,
		       sent - (int64_t)s->answered_n);
		if (s->answered_n)
			printf(", rtt min/avg/max %.0f/%.0f/%.0f us", s->rtt_min / 1e3,
			       s->rtt_sum / 1e3 / s->answered_n, s->rtt_max / 1e3);
		if (s->duplicates || s->strangers || s->malformed || s->refused)
			printf(" (%" PRIu64 " duplicates, %" PRIu64 " other replies, "
			       "%" PRIu64 " malformed, %" PRIu64 " port unreachable)",
			       s->duplicates, s->strangers, s->malformed, s->refused);
	}
	putchar('\n');
}

static int do_send(void *opts, int argc, char **argv)
{
	const struct send_opts *o = opts;
	struct send_state s = { .o = o, .fd = -1 };
	struct sockaddr_storage ss;
	socklen_t sl;
	struct rc_msg m = { 0 };
	uint8_t wire[RC_HDR_LEN + RC_PAYLOAD_MAX];
	char err[128];
	unsigned int portal;
	int64_t i = 0;
	int st = EXIT_OK, n;
	uint64_t next;

	(void)argc;
	if (o->portal == ~0ull)
		return usage_fail("send", "--portal is required (the portal of "
				  "the handler to reach, e.g. 2 for examples/echo.r)");
	if (!parse_portal(o->portal, "send", &portal, &st))
		return st;
	if (o->port == 0 || o->port > 65535)
		return usage_fail("send", "--port: %" PRIu64 " is not a UDP port", o->port);
	if (o->count == 0 || o->count > SEND_COUNT_MAX)
		return usage_fail("send", "--count: from 1 to %d", SEND_COUNT_MAX);
	if (o->interval > SEND_MS_MAX || o->wait > SEND_MS_MAX)
		return usage_fail("send", "--interval and --wait: at most %d ms",
				  SEND_MS_MAX);
	if (o->tag > UINT32_MAX || o->seq > UINT32_MAX || o->src > UINT32_MAX ||
	    o->dst > UINT32_MAX)
		return usage_fail("send", "--tag, --seq, --src and --dst are 32-bit");
	if (resolve(argv[0], o->port, &ss, &sl))
		return usage_fail("send", "'%s' is not an IPv4 or IPv6 address",
				  argv[0]);
	m.hdr.version = RC_WIRE_VERSION;
	m.hdr.portal = portal;
	m.hdr.tag = o->tag;
	m.hdr.src = o->src;
	m.hdr.dst = o->dst;
	if (o->payload && rc_payload_parse(o->payload, m.payload, &m.hdr.len,
					   err, sizeof(err)))
		return usage_fail("send", "--payload %s: %s", o->payload, err);

	s.sent_ns = calloc(o->count, sizeof(*s.sent_ns));
	s.answered = calloc(o->count, sizeof(*s.answered));
	s.shown = calloc(SEND_REPLIES_SHOWN, sizeof(*s.shown));
	if (!s.sent_ns || !s.answered || !s.shown) {
		st = fail(EXIT_SYSTEM, "out of memory");
		goto out;
	}
	s.fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* Connected: only the destination's datagrams come back, and an
	 * ICMP port unreachable shows as ECONNREFUSED. */
	if (s.fd < 0 || connect(s.fd, (struct sockaddr *)&ss, sl)) {
		st = fail(EXIT_SYSTEM, "send: socket to %s: %s", argv[0], strerror(errno));
		goto out;
	}
	next = mono_ns();
	for (i = 0; i < (int64_t)o->count; i++) {
		m.hdr.seq = (uint32_t)(o->seq + i);
		n = rc_msg_to_wire(&m, wire, sizeof(wire));
		if (n < 0) {
			st = fail(EXIT_SYSTEM, "send: cannot encode: %s", strerror(-n));
			break;
		}
		s.sent_ns[i] = mono_ns();
		if (send(s.fd, wire, n, 0) != n) {
			if (errno == ECONNREFUSED) {
				/* The previous message's ICMP error, reported
				 * on this send: it is not lost, retry once. */
				s.refused++;
				if (send(s.fd, wire, n, 0) == n)
					goto sent;
			}
			st = fail(EXIT_SYSTEM, "send: to %s: %s", argv[0], strerror(errno));
			break;
		}
sent:
		next += o->interval * 1000000ull;
		if (o->wait) {
			int r = drain_until(&s, s.sent_ns[i] + o->wait * 1000000ull, i);

			if (r < 0) {
				i++;
				st = fail(EXIT_SYSTEM, "send: receiving: %s", strerror(-r));
				break;
			}
		}
		if (o->interval && i + 1 < (int64_t)o->count) {
			/* Replies that come while we pace are taken too. */
			if (o->wait)
				drain_until(&s, next, -1);
			else
				sleep_until(next);
		}
	}
	if (st == EXIT_OK) {
		report(&s, argv[0], i);
		if (o->wait && s.answered_n < o->count)
			st = EXIT_REJECTED;	/* as ping: some went unanswered */
	}
out:
	if (s.fd >= 0)
		close(s.fd);
	free(s.sent_ns);
	free(s.answered);
	free(s.shown);
	return st;
}

const struct cmd_def cmd_send = {
	.name = "send",
	.args = "ADDR",
	.min_args = 1, .max_args = 1,
	.summary = "Send R-messages to a host over UDP; print the replies.",
	.description =
	"Sends --count R-messages (docs/wire.md) to ADDR (IPv4 or IPv6) on the\n"
	"R port, each with the next sequence number.  With --wait MS, after each\n"
	"message it waits up to MS ms for the reply with that sequence number,\n"
	"then prints every reply decoded and a summary (answered, lost, round\n"
	"trips).  Nothing needs root.  Exit status 1 when --wait was given and\n"
	"some message went unanswered, 2 on a bad command line, 3 on a socket\n"
	"error.\n"
	"\nExamples:\n"
	"  rloader send 198.18.0.2 --portal 2 --payload u64:41 --wait 500\n"
	"  rloader send fd00::2 --portal 2 -n 100 -i 10 --wait 200\n"
	"  rloader -j send 198.18.0.2 --portal 5 --tag 7 --payload str:hi\n",
	.opts = send_optdefs,
	.opts_size = sizeof(struct send_opts),
	.defaults = &send_defaults,
	.run = do_send,
};
