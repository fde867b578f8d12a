// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcsend.c - real traffic for the end-to-end tests and the demo: send
 * R-messages over UDP and count what comes back, receive datagrams on a
 * port, send exact bytes, ping.  Not a test program (selftests/test_*.c
 * are): a standalone tool that the shell scripts run inside network
 * namespaces.  Every loop is bounded in count and in time.
 *
 *   rcsend echo ADDR [opts]   one message at a time, each waiting up to
 *                             -w ms for its reply (matched by seq)
 *   rcsend send ADDR [opts]   -n messages, no waiting
 *   rcsend raw ADDR HEX       one datagram with exactly these bytes
 *   rcsend recv [opts]        print each datagram received on -p
 *   rcsend icmp ADDR [opts]   ICMP echo requests (ping(8) may be absent)
 *
 * Output is "key=value" lines (and "got HEX" per received datagram) for
 * the scripts to read; exit status 0, or 1 on a bad command line or a
 * socket error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "rcode.h"

#define MAX_COUNT	1000000
#define MAX_TAGS	8

static struct {
	unsigned int port, portal, src, dst, tag;
	unsigned long count, interval_us, wait_ms;
	uint64_t word;
	bool have_word;
} opt = { .port = RC_UDP_PORT, .count = 1, .wait_ms = 1000 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: rcsend echo|send ADDR [-p PORT] [-P PORTAL] [-n COUNT] [-i USEC]\n"
		"                        [-w MS] [--src R] [--dst R] [--tag T] [--word V]\n"
		"       rcsend raw ADDR HEX [-p PORT]\n"
		"       rcsend recv [-p PORT] [-n COUNT] [-w MS]   (-w: stop after MS ms of silence)\n"
		"       rcsend icmp ADDR [-n COUNT] [-w MS]\n");
	exit(1);
}

static bool num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return !errno && *s && !*end && *v <= max;
}

static int resolve(const char *addr, unsigned int port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST,
				  .ai_socktype = SOCK_DGRAM }, *ai;
	char ps[8];

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(addr, ps, &hints, &ai)) {
		fprintf(stderr, "rcsend: '%s' is not a numeric IPv4 or IPv6 address\n",
			addr);
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int udp_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		perror("rcsend: socket");
	return fd;
}

static int wire(uint32_t seq, uint8_t *buf, size_t size)
{
	struct rc_msg m = { 0 };
	uint64_t w = opt.have_word ? opt.word : seq;

	m.hdr.version = RC_WIRE_VERSION;
	m.hdr.portal = opt.portal;
	m.hdr.src = opt.src;
	m.hdr.dst = opt.dst;
	m.hdr.tag = opt.tag;
	m.hdr.seq = seq;
	m.hdr.len = 8;
	memcpy(m.payload, &w, 8);	/* little-endian, as ldp64 reads it */
	return rc_msg_to_wire(&m, buf, size);
}

static void pace(void)
{
	if (opt.interval_us)
		usleep(opt.interval_us);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- echo: ping-pong, every message waits for its own reply ---------- */
static int do_echo(const char *addr, bool wait_replies)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	uint32_t tags[MAX_TAGS];
	unsigned long tagn[MAX_TAGS] = { 0 }, ntags = 0;
	unsigned long sent = 0, replies = 0, dup = 0, bad = 0, stray = 0;
	unsigned long incremented = 0;
	uint64_t *rtt = NULL;
	uint8_t *seen = NULL;
	int fd;

	if (resolve(addr, opt.port, &to, &tolen))
		return 1;
	fd = udp_socket(to.ss_family);
	if (fd < 0)
		return 1;
	if (wait_replies) {
		rtt = calloc(opt.count, sizeof(*rtt));
		seen = calloc(opt.count, 1);
		if (!rtt || !seen)
			return 1;
	}
	for (unsigned long i = 0; i < opt.count; i++) {
		uint8_t buf[RC_HDR_LEN + RC_PAYLOAD_MAX];
		int n = wire(i, buf, sizeof(buf));
		uint64_t t0 = now_ns(), deadline = t0 + opt.wait_ms * 1000000ull;

		if (sendto(fd, buf, n, 0, (struct sockaddr *)&to, tolen) != n) {
			perror("rcsend: sendto");
			return 1;
		}
		sent++;
		while (wait_replies) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			uint64_t t = now_ns();
			struct rc_msg m;
			const char *why;
			uint64_t w;
			ssize_t r;
			unsigned long k;

			if (t >= deadline)
				break;	/* lost: counted below */
			if (poll(&p, 1, (deadline - t) / 1000000 + 1) <= 0)
				continue;
			r = recv(fd, buf, sizeof(buf), 0);
			if (r < 0 || rc_msg_from_wire(buf, r, &m, &why)) {
				bad++;
				continue;
			}
			if (m.hdr.seq >= opt.count) {
				stray++;
				continue;
			}
			if (seen[m.hdr.seq]++) {
				dup++;
				continue;
			}
			replies++;
			rtt[replies - 1] = now_ns() - t0;
			for (k = 0; k < ntags && tags[k] != m.hdr.tag; k++)
				;
			if (k == ntags && ntags < MAX_TAGS)
				tags[ntags++] = m.hdr.tag;
			if (k < MAX_TAGS)
				tagn[k]++;
			memcpy(&w, m.payload, 8);
			if (m.hdr.len >= 8 && w == (opt.have_word ? opt.word : m.hdr.seq) + 1)
				incremented++;
			if (m.hdr.seq == i)
				break;
		}
		pace();
	}
	printf("sent=%lu\n", sent);
	if (wait_replies) {
		printf("replies=%lu\nlost=%lu\nduplicates=%lu\nbad=%lu\nstray=%lu\n"
		       "incremented=%lu\n", replies, sent - replies, dup, bad, stray,
		       incremented);
		for (unsigned long k = 0; k < ntags; k++)
			printf("tag.%08x=%lu\n", tags[k], tagn[k]);
		if (replies) {
			qsort(rtt, replies, sizeof(*rtt), cmp_u64);
			printf("rtt_p50_us=%.1f\nrtt_p99_us=%.1f\nrtt_max_us=%.1f\n",
			       rtt[replies / 2] / 1e3, rtt[replies * 99 / 100] / 1e3,
			       rtt[replies - 1] / 1e3);
		}
	}
	free(rtt);
	free(seen);
	close(fd);
	return 0;
}

/* ---- raw: exactly these bytes ---------------------------------------- */
static int do_raw(const char *addr, const char *hex)
{
	size_t n = strlen(hex) / 2;
	uint8_t buf[2048];
	struct sockaddr_storage to;
	socklen_t tolen;
	int fd;

	if (strlen(hex) % 2 || n > sizeof(buf))
		usage();
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			usage();
		buf[i] = b;
	}
	if (resolve(addr, opt.port, &to, &tolen))
		return 1;
	fd = udp_socket(to.ss_family);
	if (fd < 0)
		return 1;
	for (unsigned long i = 0; i < opt.count; i++) {
		if (sendto(fd, buf, n, 0, (struct sockaddr *)&to, tolen) != (ssize_t)n) {
			perror("rcsend: sendto");
			return 1;
		}
		pace();
	}
	printf("sent=%lu\nbytes=%zu\n", opt.count, n);
	close(fd);
	return 0;
}

/* ---- recv: everything that reaches the port -------------------------- */
static int do_recv(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(opt.port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = udp_socket(AF_INET6), off = 0;
	unsigned long got = 0;

	/* One dual-stack socket hears IPv4 and IPv6. */
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("rcsend: bind");
		return 1;
	}
	printf("listening port=%u\n", opt.port);
	fflush(stdout);
	while (got < opt.count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint8_t buf[4096];
		ssize_t r;

		if (poll(&p, 1, opt.wait_ms) <= 0)
			break;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0)
			break;
		printf("got ");
		for (ssize_t i = 0; i < r; i++)
			printf("%02x", buf[i]);
		putchar('\n');
		fflush(stdout);
		got++;
	}
	printf("received=%lu\n", got);
	close(fd);
	return 0;
}

/* ---- icmp: echo requests over a raw socket --------------------------- */
static uint16_t csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons(~s);
}

static int do_icmp(const char *addr)
{
	struct sockaddr_storage to;
	socklen_t tolen;
	unsigned long replies = 0;
	uint16_t id = getpid() & 0xffff;
	bool v6;
	int fd;

	if (resolve(addr, 0, &to, &tolen))
		return 1;
	v6 = to.ss_family == AF_INET6;
	fd = socket(to.ss_family, SOCK_RAW | SOCK_CLOEXEC,
		    v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0) {
		perror("rcsend: raw socket");
		return 1;
	}
	for (unsigned long i = 0; i < opt.count; i++) {
		uint8_t pkt[64] = { v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO, 0 };
		uint64_t deadline = now_ns() + opt.wait_ms * 1000000ull;

		*(uint16_t *)(pkt + 4) = htons(id);
		*(uint16_t *)(pkt + 6) = htons(i);
		if (!v6)	/* the kernel fills in ICMPv6's */
			*(uint16_t *)(pkt + 2) = csum(pkt, sizeof(pkt));
		if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, tolen) < 0) {
			perror("rcsend: sendto");
			return 1;
		}
		for (;;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			uint64_t t = now_ns();
			uint8_t buf[256], *icmp = buf;
			ssize_t r;

			if (t >= deadline || poll(&p, 1, (deadline - t) / 1000000 + 1) <= 0)
				break;
			r = recv(fd, buf, sizeof(buf), 0);
			if (!v6 && r >= 20)	/* IPv4 raw sockets see the header */
				icmp = buf + (buf[0] & 15) * 4, r -= (buf[0] & 15) * 4;
			if (r >= 8 && icmp[0] == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) &&
			    ntohs(*(uint16_t *)(icmp + 4)) == id &&
			    ntohs(*(uint16_t *)(icmp + 6)) == i) {
				replies++;
				break;
			}
		}
		pace();
	}
	printf("sent=%lu\nreplies=%lu\n", opt.count, replies);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "src", required_argument, NULL, 1 },
		{ "dst", required_argument, NULL, 2 },
		{ "tag", required_argument, NULL, 3 },
		{ "word", required_argument, NULL, 4 },
		{ 0 }
	};
	const char *cmd;
	unsigned long v;
	int c;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "p:P:n:i:w:", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!num(optarg, 65535, &v) || !v)
				usage();
			opt.port = v;
			break;
		case 'P':
			if (!num(optarg, 65535, &v))
				usage();
			opt.portal = v;
			break;
		case 'n':
			if (!num(optarg, MAX_COUNT, &opt.count) || !opt.count)
				usage();
			break;
		case 'i':
			if (!num(optarg, 10000000, &opt.interval_us))
				usage();
			break;
		case 'w':
			if (!num(optarg, 60000, &opt.wait_ms))
				usage();
			break;
		case 1: case 2: case 3:
			if (!num(optarg, UINT32_MAX, &v))
				usage();
			*(c == 1 ? &opt.src : c == 2 ? &opt.dst : &opt.tag) = v;
			break;
		case 4:
			errno = 0;
			opt.word = strtoull(optarg, NULL, 0);
			opt.have_word = !errno;
			break;
		default:
			usage();
		}
	}
	if (!strcmp(cmd, "echo") && optind + 1 == argc)
		return do_echo(argv[optind], true);
	if (!strcmp(cmd, "send") && optind + 1 == argc)
		return do_echo(argv[optind], false);
	if (!strcmp(cmd, "raw") && optind + 2 == argc)
		return do_raw(argv[optind], argv[optind + 1]);
	if (!strcmp(cmd, "recv") && optind == argc)
		return do_recv();
	if (!strcmp(cmd, "icmp") && optind + 1 == argc)
		return do_icmp(argv[optind]);
	usage();
	return 1;
}
