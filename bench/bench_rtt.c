// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_rtt.c - round-trip latency of an R-message echo over a veth pair,
 * answered at XDP or by a user-level server, compared within one run.
 *
 *   bench_rtt --client-ns A --server-ns B --client-if IFA --server-if IFB
 *             --server-addr ADDR [options] [SERVER...]
 *
 * bench/rtt.sh creates the namespaces and the veth pair and calls this.
 * The client, in namespace A, sends one echo message (portal 2, 8-byte
 * payload holding its sequence number) at a time and waits for the reply
 * before sending the next, so every sample is one message's round trip.
 * Servers, all in namespace B on the same port, so that the client
 * cannot tell them apart:
 *
 *   xdp     the C echo (bpf/ref/echo.bpf.c) attached to IFB in driver mode
 *   udp     a user-level process: recvfrom, the same edit, sendto (the
 *           floor of any user-level server)
 *   user-c  a user-level process running librcode's rcode_serve with the
 *           native C echo (userlib/rcode_native.c): recvmmsg, handler,
 *           sendmmsg, statistics, as an application would run it
 *   user-r:FILE.r  the same with the handler FILE.r on the reference
 *           interpreter (what `rloader serve` does)
 *   xlate:FILE.r  the translated handler, attached like xdp
 *   interp:FILE.r  the in-kernel interpreter's program, attached like xdp,
 *           with FILE.r installed in it on its portal (2 for echo.r)
 *
 * A user-level server is a child process forked in namespace B when its
 * turn comes and ended when another server's does, so that only one of
 * them holds the port.  Each round measures every server in turn
 * (rotating the order), detaching and attaching the XDP program or
 * switching the user-level process between them, and discards the first
 * messages after each switch.
 * Rounds continue until the median RTT of every server is known to within
 * --target (95% confidence, bench.h) or a limit is reached.
 *
 * XDP_TX on a veth puts the frame straight into the peer's receive ring,
 * which exists only while the peer runs NAPI: when it has an XDP program
 * attached or GRO enabled.  --client-mode xdp (default) attaches the
 * trivial XDP_PASS program to IFA for the whole run; 'gro' expects GRO to
 * be enabled on IFA by the caller; 'none' leaves IFA alone (XDP replies are
 * then dropped by the veth, which shows as loss).
 *
 * Every wait is bounded: a reply not seen within --timeout-ms is lost, a
 * server that loses --max-lost messages in a row ends its round, and the
 * whole run ends after --max-time seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <math.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "bench.h"
#include "librcode.h"

#define ECHO_PORTAL	2
#define ECHO_ANSWERED	0x6563686f	/* "echo", examples/echo.r */
#define MAX_SERVERS	8

struct server {
	char label[64];
	char kind[8];		/* "xdp", "udp", "user-c", "user-r", "xlate",
				 * "interp" */
	int prog_fd;		/* XDP kinds */
	struct rc_prog *rprog;	/* user-c, user-r: the handler (its layout) */
	double *rtt;		/* microseconds, every kept sample */
	size_t n, cap;
	double *round_p50;	/* per round */
	uint64_t sent, lost, bad;
};

static struct server servers[MAX_SERVERS];
static int nservers;

static struct {
	const char *client_ns, *server_ns, *client_if, *server_if;
	const char *server_addr, *client_mode, *json, *samples;
	uint16_t port;
	unsigned int count, warmup, min_rounds, max_rounds, max_lost;
	unsigned int timeout_ms;
	double max_time, target;
} opt = {
	.client_mode = "xdp",
	.port = RC_UDP_PORT,
	.count = 5000,
	.warmup = 100,
	.min_rounds = 10,
	.max_rounds = 50,
	.max_lost = 20,
	.timeout_ms = 200,
	.max_time = 120,
	.target = 0.02,
};

static int ns_self = -1, ns_client = -1, ns_server = -1;
static int ifindex_client, ifindex_server;
static bool client_xdp_attached;
static int current = -1;	/* server whose XDP program is attached */
static int user_current = -1;	/* server whose user-level process runs */
static pid_t user_pid = -1;
static double user_deadline;	/* children end by themselves after it */

static int open_ns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "bench_rtt: %s: %s\n", path, strerror(errno));
	return fd;
}

static int enter_ns(int fd)
{
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "bench_rtt: setns: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/* ---- the user-level server ------------------------------------------------ */

/*
 * What examples/echo.r does, at user level: the first payload word + 1
 * when there is one, tag "echo", ranks exchanged, and back to the sender.
 * Ends when the parent goes away or the deadline passes.
 */
static void udp_server(int fd, double deadline)
{
	uint8_t buf[RC_HDR_LEN + RC_PAYLOAD_MAX + 1];
	struct sockaddr_storage from;
	struct rc_msg m;
	uint32_t t;
	uint64_t w;
	ssize_t n;

	while (bench_now() < deadline && getppid() != 1) {
		socklen_t fl = sizeof(from);

		n = recvfrom(fd, buf, sizeof(buf), 0, (void *)&from, &fl);
		if (n < 0)
			continue;	/* timeout: look at the clock */
		if (rc_msg_from_wire(buf, n, &m, NULL) ||
		    m.hdr.portal != ECHO_PORTAL)
			continue;
		if (m.hdr.len >= 8) {
			memcpy(&w, m.payload, 8);
			w++;
			memcpy(m.payload, &w, 8);
		}
		m.hdr.tag = ECHO_ANSWERED;
		t = m.hdr.src;
		m.hdr.src = m.hdr.dst;
		m.hdr.dst = t;
		n = rc_msg_to_wire(&m, buf, sizeof(buf));
		if (n > 0)
			sendto(fd, buf, n, 0, (void *)&from, fl);
	}
}

static bool user_kind(const struct server *s)
{
	return !strcmp(s->kind, "udp") || !strncmp(s->kind, "user-", 5);
}

/* The rcode_serve path: as udp_server(), with librcode doing the work. */
static void rcode_server(struct rcode_serve *srv, double deadline)
{
	while (bench_now() < deadline && getppid() != 1)
		rcode_serve__poll(srv, 100);
}

/*
 * Start server i's process in namespace B.  The socket is bound here,
 * before the fork, so the port is ready when this returns; the child
 * inherits it and the parent closes its copy, so the port is free again
 * once the child is gone.
 */
static int user_start(int i)
{
	struct server *s = &servers[i];
	struct rcode_serve *srv = NULL;
	sigset_t sigs, old;
	int fd = -1, err;

	if ((err = enter_ns(ns_server)))
		return err;
	if (!strcmp(s->kind, "udp")) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(opt.port) };
		struct timeval tv = { .tv_usec = 100000 };

		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		err = fd < 0 || bind(fd, (void *)&a, sizeof(a)) ||
		      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		err = err ? -errno : 0;
	} else {
		RCODE_OPTS(rcode_serve_opts, so, .udp_port = opt.port,
			   .native = !strcmp(s->kind, "user-c") ?
				     rcode_native_find("echo")->run : NULL);

		srv = rcode_serve__new(s->rprog, &so);
		err = srv ? 0 : -errno;
	}
	if (err) {
		fprintf(stderr, "bench_rtt: %s: server socket: %s\n", s->label,
			strerror(-err));
		goto out;
	}
	/* The parent's handlers undo its XDP attachments: the child must
	 * not run them, not even when a signal comes right after the fork. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	user_pid = fork();
	if (user_pid < 0) {
		err = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto out;
	}
	if (user_pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (srv)
			rcode_server(srv, user_deadline);
		else
			udp_server(fd, user_deadline);
		_exit(0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	user_current = i;
out:
	if (fd >= 0)
		close(fd);
	rcode_serve__free(srv);
	enter_ns(ns_self);
	return err;
}

static void user_stop(void)
{
	if (user_pid > 0) {
		kill(user_pid, SIGTERM);
		waitpid(user_pid, NULL, 0);
	}
	user_pid = -1;
	user_current = -1;
}

/* ---- XDP attachments -------------------------------------------------------- */

/* Driver mode only: a silent fall-back to generic XDP would measure
 * something else. */
static int xdp_set(int ns, int ifindex, int prog_fd)
{
	int err = enter_ns(ns);

	if (err)
		return err;
	if (prog_fd >= 0)
		err = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE,
				     NULL);
	else
		err = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fprintf(stderr, "bench_rtt: XDP %s on ifindex %d: %s\n",
			prog_fd >= 0 ? "attach" : "detach", ifindex,
			strerror(-err));
	enter_ns(ns_self);
	return err;
}

static int use_server(int i)
{
	int err = 0;

	if (user_current >= 0 && user_current != i)
		user_stop();
	if (current >= 0 && (i < 0 || servers[i].prog_fd < 0 ||
			     servers[i].prog_fd != servers[current].prog_fd)) {
		err = xdp_set(ns_server, ifindex_server, -1);
		current = -1;
	}
	if (!err && i >= 0 && servers[i].prog_fd >= 0 && current < 0) {
		err = xdp_set(ns_server, ifindex_server, servers[i].prog_fd);
		if (!err)
			current = i;
	}
	if (!err && i >= 0 && user_kind(&servers[i]) && user_current != i)
		err = user_start(i);
	return err;
}

static void cleanup(void)
{
	if (ns_self < 0)
		return;
	use_server(-1);
	if (client_xdp_attached)
		xdp_set(ns_client, ifindex_client, -1);
	client_xdp_attached = false;
}

static void on_signal(int sig)
{
	(void)sig;
	cleanup();
	_exit(130);
}

/* ---- the client ------------------------------------------------------------- */

static int client_socket(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(opt.port) };
	struct timeval tv = { .tv_sec = opt.timeout_ms / 1000,
			      .tv_usec = opt.timeout_ms % 1000 * 1000 };
	int fd, err;

	if (inet_pton(AF_INET, opt.server_addr, &a.sin_addr) != 1) {
		fprintf(stderr, "bench_rtt: bad address %s\n",
			opt.server_addr);
		return -EINVAL;
	}
	if ((err = enter_ns(ns_client)))
		return err;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (void *)&a, sizeof(a)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		fprintf(stderr, "bench_rtt: client socket: %s\n",
			strerror(errno));
		return -errno;
	}
	enter_ns(ns_self);
	return fd;
}

/*
 * One message there and back.  Returns the RTT in microseconds, -1 when
 * the reply did not come in time, -2 when a reply came but was wrong.
 * Replies to earlier messages that came too late are skipped.
 */
static double ping(int fd, uint32_t seq)
{
	uint8_t buf[RC_HDR_LEN + RC_PAYLOAD_MAX + 1];
	double t0, deadline;
	struct rc_msg m, r;
	uint64_t w = seq;
	ssize_t n;
	int len;

	memset(&m, 0, sizeof(m));
	m.hdr.version = RC_WIRE_VERSION;
	m.hdr.portal = ECHO_PORTAL;
	m.hdr.src = 1;
	m.hdr.dst = 2;
	m.hdr.seq = seq;
	m.hdr.len = 8;
	memcpy(m.payload, &w, 8);
	len = rc_msg_to_wire(&m, buf, sizeof(buf));

	t0 = bench_now();
	deadline = t0 + opt.timeout_ms * 1e-3;
	if (send(fd, buf, len, 0) != len)
		return -1;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -1;	/* SO_RCVTIMEO expired */
		if (!rc_msg_from_wire(buf, n, &r, NULL) && r.hdr.seq == seq)
			break;
		if (bench_now() > deadline)
			return -1;
	}
	t0 = (bench_now() - t0) * 1e6;
	memcpy(&w, r.payload, 8);
	if (r.hdr.tag != ECHO_ANSWERED || r.hdr.src != 2 || r.hdr.dst != 1 ||
	    r.hdr.len != 8 || w != (uint64_t)seq + 1)
		return -2;
	return t0;
}

static int push(struct server *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4096;
		double *p = realloc(s->rtt, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->rtt = p;
		s->cap = cap;
	}
	s->rtt[s->n++] = v;
	return 0;
}

/* One server's share of a round.  Returns 0, or -ETIMEDOUT when the run
 * is out of time. */
static int run_round(int fd, struct server *s, unsigned int round,
		     uint32_t *seq, double end)
{
	size_t first = s->n;
	unsigned int lost_row = 0;
	struct bench_summary sum;
	double *t, v;

	if (use_server(s - servers))
		return -EIO;
	/* After a switch the first frames meet cold caches and a veth that
	 * just reconfigured its queues: not part of the measurement. */
	for (unsigned int i = 0; i < opt.warmup && bench_now() < end; i++)
		ping(fd, (*seq)++);
	for (unsigned int i = 0; i < opt.count; i++) {
		if (bench_now() > end) {
			s->n = first;	/* only whole rounds count */
			return -ETIMEDOUT;
		}
		v = ping(fd, (*seq)++);
		s->sent++;
		if (v == -1) {
			s->lost++;
			if (++lost_row == opt.max_lost) {
				fprintf(stderr, "bench_rtt: %s: %u replies "
					"lost in a row, round %u ends\n",
					s->label, lost_row, round + 1);
				break;
			}
			continue;
		}
		lost_row = 0;
		if (v == -2) {
			s->bad++;
			continue;
		}
		if (push(s, v))
			return -ENOMEM;
	}
	t = malloc((s->n - first + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	memcpy(t, s->rtt + first, (s->n - first) * sizeof(*t));
	bench_summarize(t, s->n - first, &sum);
	free(t);
	s->round_p50[round] = sum.median;
	return 0;
}

/* ---- results ---------------------------------------------------------------- */

static void summary(struct server *s, struct bench_summary *all,
		    struct bench_summary *rounds, unsigned int nrounds)
{
	double *t = malloc((s->n + nrounds + 1) * sizeof(*t));

	memset(all, 0, sizeof(*all));
	memset(rounds, 0, sizeof(*rounds));
	if (!t)
		return;
	memcpy(t, s->rtt, s->n * sizeof(*t));
	bench_summarize(t, s->n, all);	/* sorts: keep the copy */
	memcpy(s->rtt, t, s->n * sizeof(*t));
	memcpy(t, s->round_p50, nrounds * sizeof(*t));
	bench_summarize(t, nrounds, rounds);
	free(t);
}

static bool stable(unsigned int nrounds, double *worst)
{
	struct bench_summary r;
	double *t = malloc((nrounds + 1) * sizeof(*t));

	*worst = 0;
	if (!t)
		return false;
	for (int i = 0; i < nservers; i++) {
		memcpy(t, servers[i].round_p50, nrounds * sizeof(*t));
		bench_summarize(t, nrounds, &r);
		*worst = fmax(*worst, bench_rel_ci(&r));
	}
	free(t);
	return *worst <= opt.target;
}

/* A CDF for gnuplot: RTT in us and the fraction of samples at or below,
 * on a grid that is finer in the tail. */
static int write_cdf(const struct server *s, const char *dir)
{
	char path[512];
	FILE *f;

	if (!s->n)
		return 0;
	snprintf(path, sizeof(path), "%s/rtt_%s.dat", dir, s->kind);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bench_rtt: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "# %s: rtt_us fraction\n", s->label);
	for (double q = 0; q <= 1.0000001;
	     q += q < 0.99 ? 0.001 : q < 0.999 ? 0.0001 : 0.00001) {
		size_t i = (size_t)(q * (s->n - 1) + 0.5);

		fprintf(f, "%.3f %.5f\n", s->rtt[i], q);
	}
	fclose(f);
	return 0;
}

static struct json_object *dbl(double v)
{
	return json_object_new_double(round(v * 1000) / 1000);
}

static int report(unsigned int nrounds, bool ok, double worst, double secs)
{
	struct json_object *root = json_object_new_object(), *arr;
	struct bench_summary all, rs;
	int err = 0;

	printf("%-32s %8s %8s %8s %8s %8s %7s %6s %5s %5s\n", "server",
	       "p50 us", "+-95%", "p99", "p99.9", "min", "rounds", "sent",
	       "lost", "bad");
	arr = json_object_new_array();
	for (int i = 0; i < nservers; i++) {
		struct server *s = &servers[i];
		struct json_object *o = json_object_new_object(), *p;

		summary(s, &all, &rs, nrounds);
		printf("%-32s %8.2f %7.1f%% %8.2f %8.2f %8.2f %7u %6llu "
		       "%5llu %5llu\n", s->label, all.median,
		       100 * bench_rel_ci(&rs), all.p99, all.p999, all.min,
		       nrounds, (unsigned long long)s->sent,
		       (unsigned long long)s->lost,
		       (unsigned long long)s->bad);
		json_object_object_add(o, "label",
				       json_object_new_string(s->label));
		json_object_object_add(o, "kind",
				       json_object_new_string(s->kind));
		json_object_object_add(o, "sent", json_object_new_int64(s->sent));
		json_object_object_add(o, "received",
				       json_object_new_int64(s->n));
		json_object_object_add(o, "lost", json_object_new_int64(s->lost));
		json_object_object_add(o, "bad", json_object_new_int64(s->bad));
		p = json_object_new_object();
		json_object_object_add(p, "p50", dbl(all.median));
		json_object_object_add(p, "p90", dbl(all.p90));
		json_object_object_add(p, "p99", dbl(all.p99));
		json_object_object_add(p, "p999", dbl(all.p999));
		json_object_object_add(p, "min", dbl(all.min));
		json_object_object_add(p, "max", dbl(all.max));
		json_object_object_add(p, "mean", dbl(all.mean));
		json_object_object_add(o, "rtt_us", p);
		p = json_object_new_object();
		json_object_object_add(p, "median", dbl(rs.median));
		json_object_object_add(p, "min", dbl(rs.min));
		json_object_object_add(p, "max", dbl(rs.max));
		json_object_object_add(p, "rel_iqr", dbl(bench_rel_iqr(&rs)));
		json_object_object_add(p, "rel_ci95", dbl(bench_rel_ci(&rs)));
		json_object_object_add(o, "round_p50_us", p);
		json_object_array_add(arr, o);
		if (opt.samples && !err)
			err = write_cdf(s, opt.samples);
	}
	printf("%u rounds of %u messages per server; median RTTs known to "
	       "+-%.1f%% (95%% confidence; target %.1f%%): %s\n", nrounds,
	       opt.count, 100 * worst, 100 * opt.target,
	       ok ? "stable" : "NOT stable");

	json_object_object_add(root, "benchmark",
			       json_object_new_string("veth_rtt"));
	json_object_object_add(root, "client_mode",
			       json_object_new_string(opt.client_mode));
	json_object_object_add(root, "messages_per_round",
			       json_object_new_int(opt.count));
	json_object_object_add(root, "warmup_per_round",
			       json_object_new_int(opt.warmup));
	json_object_object_add(root, "timeout_ms",
			       json_object_new_int(opt.timeout_ms));
	json_object_object_add(root, "rounds", json_object_new_int(nrounds));
	json_object_object_add(root, "seconds", dbl(secs));
	json_object_object_add(root, "target", dbl(opt.target));
	json_object_object_add(root, "worst_rel_ci95", dbl(worst));
	json_object_object_add(root, "stable", json_object_new_boolean(ok));
	json_object_object_add(root, "servers", arr);
	if (opt.json && json_object_to_file_ext(opt.json, root,
						JSON_C_TO_STRING_PRETTY)) {
		fprintf(stderr, "bench_rtt: %s: %s\n", opt.json,
			json_util_get_last_err());
		err = -EIO;
	}
	json_object_put(root);
	return err;
}

/* ---- setup -------------------------------------------------------------------- */

static int add_server(const char *spec)
{
	struct server *s = &servers[nservers];
	int err = 0;

	if (nservers == MAX_SERVERS)
		return -E2BIG;
	memset(s, 0, sizeof(*s));
	s->prog_fd = -1;
	if (!strcmp(spec, "xdp")) {
		snprintf(s->label, sizeof(s->label), "C echo at XDP");
		snprintf(s->kind, sizeof(s->kind), "xdp");
		err = bench_load_embedded("echo.bpf.o", opt.port, &s->prog_fd);
	} else if (!strcmp(spec, "udp")) {
		snprintf(s->label, sizeof(s->label), "user-level UDP echo");
		snprintf(s->kind, sizeof(s->kind), "udp");
	} else if (!strcmp(spec, "user-c")) {
		snprintf(s->label, sizeof(s->label),
			 "user-level C echo (rcode_serve)");
		snprintf(s->kind, sizeof(s->kind), "user-c");
		/* The example gives the portal the server answers. */
		err = bench_load_rcode("examples/echo.r", &s->rprog);
	} else if (!strncmp(spec, "user-r:", 7)) {
		snprintf(s->label, sizeof(s->label),
			 "user-level R-code echo (interp)");
		snprintf(s->kind, sizeof(s->kind), "user-r");
		err = bench_load_rcode(spec + 7, &s->rprog);
	} else if (!strncmp(spec, "xlate:", 6)) {
		snprintf(s->label, sizeof(s->label),
			 "R-code echo (translated) at XDP");
		snprintf(s->kind, sizeof(s->kind), "xlate");
		err = rcode_bench_load_xlate(spec + 6, &s->prog_fd);
	} else if (!strncmp(spec, "interp:", 7)) {
		snprintf(s->label, sizeof(s->label),
			 "R-code echo (interpreter) at XDP");
		snprintf(s->kind, sizeof(s->kind), "interp");
		err = rcode_bench_load_interp(spec + 7, opt.port, false,
					      &s->prog_fd, NULL);
	} else {
		fprintf(stderr, "bench_rtt: unknown server '%s'\n", spec);
		return -EINVAL;
	}
	if (err)
		return err;
	s->round_p50 = calloc(opt.max_rounds, sizeof(double));
	if (!s->round_p50)
		return -ENOMEM;
	nservers++;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: bench_rtt --client-ns A --server-ns B --client-if IFA --server-if IFB\n"
"                 --server-addr ADDR [options] [xdp] [udp] [user-c]\n"
"                 [user-r:FILE.r] [xlate:FILE.r] [interp:FILE.r]\n"
"  --port N            R-message UDP port (default 7117)\n"
"  --count N           messages per server and round (default 5000)\n"
"  --warmup N          messages discarded after each switch (default 100)\n"
"  --min-rounds N      (default 10)   --max-rounds N (default 50)\n"
"  --target F          stop when every median RTT is known to +-F\n"
"                      (95%% confidence; default 0.02)\n"
"  --timeout-ms N      a reply later than this is lost (default 200)\n"
"  --max-lost N        lost in a row that end a server's round (default 20)\n"
"  --max-time SECS     end the run after SECS seconds (default 120)\n"
"  --client-mode M     xdp (attach XDP_PASS to IFA), gro, none\n"
"  --xlate FILE.r      same as the server xlate:FILE.r\n"
"  --json FILE         results as JSON\n"
"  --samples DIR       write DIR/rtt_<server>.dat (CDF for gnuplot)\n"
"Servers default to: xdp udp user-c user-r:examples/echo.r, and\n"
"xlate:examples/echo.r when the translator hook loads handlers, and\n"
"interp:examples/echo.r when the in-kernel interpreter loads.\n");
}

int main(int argc, char **argv)
{
	enum { O_CNS = 256, O_SNS, O_CIF, O_SIF, O_ADDR, O_PORT, O_COUNT,
	       O_WARM, O_MIN, O_MAX, O_TARGET, O_TMO, O_MAXLOST, O_TIME,
	       O_CMODE, O_XLATE, O_JSON, O_SAMPLES, O_HELP };
	static const struct option lo[] = {
		{ "client-ns", required_argument, NULL, O_CNS },
		{ "server-ns", required_argument, NULL, O_SNS },
		{ "client-if", required_argument, NULL, O_CIF },
		{ "server-if", required_argument, NULL, O_SIF },
		{ "server-addr", required_argument, NULL, O_ADDR },
		{ "port", required_argument, NULL, O_PORT },
		{ "count", required_argument, NULL, O_COUNT },
		{ "warmup", required_argument, NULL, O_WARM },
		{ "min-rounds", required_argument, NULL, O_MIN },
		{ "max-rounds", required_argument, NULL, O_MAX },
		{ "target", required_argument, NULL, O_TARGET },
		{ "timeout-ms", required_argument, NULL, O_TMO },
		{ "max-lost", required_argument, NULL, O_MAXLOST },
		{ "max-time", required_argument, NULL, O_TIME },
		{ "client-mode", required_argument, NULL, O_CMODE },
		{ "xlate", required_argument, NULL, O_XLATE },
		{ "json", required_argument, NULL, O_JSON },
		{ "samples", required_argument, NULL, O_SAMPLES },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *specs[MAX_SERVERS];
	unsigned int nspecs = 0, rounds = 0;
	double start, end, worst = 1;
	int c, fd, pass_fd, err = 0;
	uint32_t seq = 1;
	bool ok = false;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_CNS: opt.client_ns = optarg; break;
		case O_SNS: opt.server_ns = optarg; break;
		case O_CIF: opt.client_if = optarg; break;
		case O_SIF: opt.server_if = optarg; break;
		case O_ADDR: opt.server_addr = optarg; break;
		case O_PORT: opt.port = strtoul(optarg, NULL, 0); break;
		case O_COUNT: opt.count = strtoul(optarg, NULL, 0); break;
		case O_WARM: opt.warmup = strtoul(optarg, NULL, 0); break;
		case O_MIN: opt.min_rounds = strtoul(optarg, NULL, 0); break;
		case O_MAX: opt.max_rounds = strtoul(optarg, NULL, 0); break;
		case O_TARGET: opt.target = strtod(optarg, NULL); break;
		case O_TMO: opt.timeout_ms = strtoul(optarg, NULL, 0); break;
		case O_MAXLOST: opt.max_lost = strtoul(optarg, NULL, 0); break;
		case O_TIME: opt.max_time = strtod(optarg, NULL); break;
		case O_CMODE: opt.client_mode = optarg; break;
		case O_XLATE:
			if (nspecs < MAX_SERVERS)
				specs[nspecs++] = optarg;
			break;
		case O_JSON: opt.json = optarg; break;
		case O_SAMPLES: opt.samples = optarg; break;
		case 'h':
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!opt.client_ns || !opt.server_ns || !opt.client_if ||
	    !opt.server_if || !opt.server_addr || !opt.count ||
	    !opt.timeout_ms || opt.min_rounds < 1 ||
	    opt.max_rounds < opt.min_rounds || !opt.max_lost) {
		usage(stderr);
		return 2;
	}
	if (strcmp(opt.client_mode, "xdp") && strcmp(opt.client_mode, "gro") &&
	    strcmp(opt.client_mode, "none")) {
		fprintf(stderr, "bench_rtt: --client-mode is xdp, gro or none\n");
		return 2;
	}
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);

	ns_self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns_client = open_ns(opt.client_ns);
	ns_server = open_ns(opt.server_ns);
	if (ns_self < 0 || ns_client < 0 || ns_server < 0)
		return 1;
	if (enter_ns(ns_client))
		return 1;
	ifindex_client = if_nametoindex(opt.client_if);
	enter_ns(ns_server);
	ifindex_server = if_nametoindex(opt.server_if);
	enter_ns(ns_self);
	if (!ifindex_client || !ifindex_server) {
		fprintf(stderr, "bench_rtt: no interface %s in %s or %s in "
			"%s\n", opt.client_if, opt.client_ns, opt.server_if,
			opt.server_ns);
		return 1;
	}

	for (int a = optind; a < argc && !err; a++)
		err = add_server(argv[a]);
	for (unsigned int i = 0; i < nspecs && !err; i++) {
		char spec[600];

		snprintf(spec, sizeof(spec), "xlate:%s", specs[i]);
		err = add_server(spec);
	}
	if (!err && !nservers) {
		err = add_server("xdp");
		if (!err)
			err = add_server("udp");
		if (!err)
			err = add_server("user-c");
		if (!err)
			err = add_server("user-r:examples/echo.r");
		/* Once the hook loads handlers, the translation joins. */
		if (!err && !rcode_bench_load_xlate("examples/echo.r", &fd))
			err = add_server("xlate:examples/echo.r");
		if (!err && bench_interp(opt.port))
			err = add_server("interp:examples/echo.r");
	}
	if (err)
		return 1;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	start = bench_now();
	end = start + opt.max_time;
	user_deadline = end + 5;
	if (!strcmp(opt.client_mode, "xdp")) {
		if (bench_load_embedded("xdp_pass.bpf.o", 0, &pass_fd) ||
		    xdp_set(ns_client, ifindex_client, pass_fd))
			goto fail;
		client_xdp_attached = true;
	}
	fd = client_socket();
	if (fd < 0)
		goto fail;

	while (rounds < opt.max_rounds && bench_now() < end) {
		for (int j = 0; j < nservers && !err; j++)
			err = run_round(fd, &servers[(j + rounds) % nservers],
					rounds, &seq, end);
		if (err)
			break;
		rounds++;
		if (rounds >= opt.min_rounds && (ok = stable(rounds, &worst)))
			break;
	}
	cleanup();
	if (err && err != -ETIMEDOUT)
		return 1;
	if (!rounds) {
		fprintf(stderr, "bench_rtt: not one round within %g s\n",
			opt.max_time);
		return 1;
	}
	if (!ok)
		stable(rounds, &worst);
	return report(rounds, ok, worst, bench_now() - start) ? 1 : 0;
fail:
	cleanup();
	return 1;
}
