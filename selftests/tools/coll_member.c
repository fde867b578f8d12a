// SPDX-License-Identifier: BSD-2-Clause
/*
 * coll_member.c - one rank of a collectives test (selftests/priv_coll.sh):
 * builds its communicator from a hosts file, says it is ready, waits for
 * the start, then runs R rounds of
 *
 *   allreduce with every op, of 1, 3, 32, 33 and 70 words in turn (the
 *             last two in chunks), values derived from a seed shared by
 *             every member, so each computes the exact expected result of
 *             everyone's inputs;
 *   barrier,  checked through a file every member maps: each writes its
 *             round before the barrier, and after it every member's
 *             round must be at least its own;
 *   bcast     from root round mod N, of 1..40 words;
 *
 * and prints one JSON line: what it did, what was wrong, its statistics.
 * --cpu pins it to a CPU (to make handlers run on several CPUs at once).
 * With --expect-timeout it makes one allreduce that must fail with
 * -ETIMEDOUT (nobody answers), and reports how long it took and the
 * bound.  Exit status 0 when everything was as expected, 1 otherwise,
 * 2 on a bad command line.  Every wait is bounded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "librcode.h"

#define MAX_RANKS	16

static struct {
	const char *hosts, *ifname, *ready, *go, *shared;
	unsigned int rank, rounds, port, timeout_ms, timeout_max_ms, tries,
		linger_ms, spin_us, go_wait_s;
	int cpu;
	unsigned long long seed;
	enum rcode_comm_mode mode;
	enum rcode_comm_wake wake;
	enum rcode_comm_wait wait;
	bool expect_timeout;
} opt = { .rounds = 10, .seed = 1, .mode = RCODE_COMM_USER, .go_wait_s = 60,
	    .cpu = -1 };

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Rank r's input word i in round/op: the same function on every member. */
static uint64_t input(unsigned int round, unsigned int op, unsigned int r,
		      unsigned int i)
{
	uint64_t v = mix(opt.seed ^ mix(((uint64_t)round << 40) ^
					((uint64_t)op << 32) ^ (r << 16) ^ i));

	return (v & 3) ? v : v >> 61;	/* equal small words now and then */
}

static uint64_t combine(unsigned int op, uint64_t a, uint64_t b)
{
	switch (op) {
	case RCODE_OP_SUM: return a + b;
	case RCODE_OP_MIN: return a < b ? a : b;
	case RCODE_OP_MAX: return a > b ? a : b;
	case RCODE_OP_BAND: return a & b;
	default: return a | b;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: coll_member --hosts FILE --rank R [--mode user|kernel] [--ifname IF]\n"
		"       [--port P] [--rounds N] [--seed S] [--timeout-ms T] [--timeout-max-ms T]\n"
		"       [--tries K] [--spin-us U] [--linger-ms L] [--ready FILE] [--go FILE]\n"
		"       [--go-wait S] [--shared FILE] [--cpu C] [--wake upcall|socket]\n"
		"       [--wait auto|spin|sleep]\n"
		"       [--expect-timeout]\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "hosts", 1, 0, 'h' }, { "rank", 1, 0, 'r' }, { "mode", 1, 0, 'm' },
		{ "ifname", 1, 0, 'i' }, { "port", 1, 0, 'p' }, { "rounds", 1, 0, 'n' },
		{ "seed", 1, 0, 's' }, { "timeout-ms", 1, 0, 't' },
		{ "timeout-max-ms", 1, 0, 'T' }, { "tries", 1, 0, 'k' },
		{ "spin-us", 1, 0, 'u' }, { "linger-ms", 1, 0, 'l' },
		{ "ready", 1, 0, 'R' }, { "go", 1, 0, 'g' }, { "go-wait", 1, 0, 'w' },
		{ "shared", 1, 0, 'S' }, { "expect-timeout", 0, 0, 'x' },
		{ "cpu", 1, 0, 'c' }, { "wake", 1, 0, 'W' }, { "wait", 1, 0, 'a' },
		{ 0 }
	};
	bool have_rank = false;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'h': opt.hosts = optarg; break;
		case 'r': opt.rank = atoi(optarg); have_rank = true; break;
		case 'm':
			if (!strcmp(optarg, "user"))
				opt.mode = RCODE_COMM_USER;
			else if (!strcmp(optarg, "kernel"))
				opt.mode = RCODE_COMM_KERNEL;
			else
				usage();
			break;
		case 'i': opt.ifname = optarg; break;
		case 'p': opt.port = atoi(optarg); break;
		case 'n': opt.rounds = atoi(optarg); break;
		case 's': opt.seed = strtoull(optarg, NULL, 0); break;
		case 't': opt.timeout_ms = atoi(optarg); break;
		case 'T': opt.timeout_max_ms = atoi(optarg); break;
		case 'k': opt.tries = atoi(optarg); break;
		case 'u': opt.spin_us = atoi(optarg); break;
		case 'l': opt.linger_ms = atoi(optarg); break;
		case 'R': opt.ready = optarg; break;
		case 'g': opt.go = optarg; break;
		case 'w': opt.go_wait_s = atoi(optarg); break;
		case 'S': opt.shared = optarg; break;
		case 'x': opt.expect_timeout = true; break;
		case 'c': opt.cpu = atoi(optarg); break;
		case 'W':
			if (!strcmp(optarg, "upcall"))
				opt.wake = RCODE_COMM_WAKE_UPCALL;
			else if (!strcmp(optarg, "socket"))
				opt.wake = RCODE_COMM_WAKE_SOCKET;
			else
				usage();
			break;
		case 'a':
			if (!strcmp(optarg, "auto"))
				opt.wait = RCODE_COMM_WAIT_AUTO;
			else if (!strcmp(optarg, "spin"))
				opt.wait = RCODE_COMM_WAIT_SPIN;
			else if (!strcmp(optarg, "sleep"))
				opt.wait = RCODE_COMM_WAIT_SLEEP;
			else
				usage();
			break;
		default: usage();
		}
	}
	if (!opt.hosts || !have_rank || optind != argc || opt.rounds > 100000)
		usage();
}

struct tally {
	unsigned long ops, wrong, barrier_bad;
	int err;
	const char *where;
};

/* The shared progress words of the barrier check (NULL: no check). */
static uint64_t *progress;

static void run(struct rcode_comm *c, struct tally *t)
{
	static const unsigned int counts[] = { 1, 3, 32, 33, 70 };
	unsigned int n = rcode_comm__size(c), me = rcode_comm__rank(c);
	uint64_t in[70], out[70];

	for (unsigned int round = 0; round < opt.rounds; round++) {
		for (unsigned int op = 0; op < RCODE_OP__COUNT; op++) {
			unsigned int k = counts[(round + op) % 5];

			for (unsigned int i = 0; i < k; i++)
				in[i] = input(round, op, me, i);
			t->err = rcode_allreduce(c, op, in, out, k);
			if (t->err) {
				t->where = "allreduce";
				return;
			}
			t->ops++;
			for (unsigned int i = 0; i < k; i++) {
				uint64_t e = input(round, op, 0, i);

				for (unsigned int r = 1; r < n; r++)
					e = combine(op, e, input(round, op, r, i));
				t->wrong += out[i] != e;
			}
		}
		if (progress)
			__atomic_store_n(&progress[me], round + 1, __ATOMIC_SEQ_CST);
		t->err = rcode_barrier(c);
		if (t->err) {
			t->where = "barrier";
			return;
		}
		t->ops++;
		for (unsigned int r = 0; progress && r < n; r++)
			t->barrier_bad += __atomic_load_n(&progress[r], __ATOMIC_SEQ_CST) <
					  round + 1;
		{
			unsigned int root = round % n, k = 1 + round % 40;

			for (unsigned int i = 0; i < k; i++)
				out[i] = me == root ? input(round, 99, root, i) : 0;
			t->err = rcode_bcast(c, root, out, k);
			if (t->err) {
				t->where = "bcast";
				return;
			}
			t->ops++;
			for (unsigned int i = 0; i < k; i++)
				t->wrong += out[i] != input(round, 99, root, i);
		}
	}
}

static int wait_go(void)
{
	double end = now_s() + opt.go_wait_s;

	if (opt.ready) {
		int fd = open(opt.ready, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

		if (fd < 0)
			return -errno;
		close(fd);
	}
	while (opt.go && access(opt.go, F_OK)) {
		if (now_s() > end)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

static void map_shared(void)
{
	int fd;

	if (!opt.shared)
		return;
	fd = open(opt.shared, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	progress = mmap(NULL, MAX_RANKS * 8, PROT_READ | PROT_WRITE, MAP_SHARED,
			fd, 0);
	if (progress == MAP_FAILED)
		progress = NULL;
	close(fd);
}

int main(int argc, char **argv)
{
	RCODE_OPTS(rcode_comm_opts, o);
	struct rcode_comm_stats st = { 0 };
	struct rcode_comm *c;
	struct tally t = { 0 };
	bool ok;
	double t0, dt;
	int err2 = 0;

	parse(argc, argv);
	if (opt.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(opt.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("coll_member: sched_setaffinity");
			return 1;
		}
	}
	o.mode = opt.mode;
	o.ifname = opt.ifname;
	o.udp_port = opt.port;
	o.timeout_ms = opt.timeout_ms;
	o.timeout_max_ms = opt.timeout_max_ms;
	o.tries = opt.tries;
	o.spin_us = opt.spin_us;
	o.linger_ms = opt.linger_ms;
	o.wake = opt.wake;
	o.wait = opt.wait;
	map_shared();
	c = rcode_comm__from_hosts(opt.hosts, opt.rank, &o);
	if (!c) {
		int e = errno;

		printf("{\"rank\": %u, \"ok\": false, \"err\": \"%s\", \"where\": \"new\", \"errno\": %d}\n",
		       opt.rank, strerror(e), e);
		/* the driver tells "not supported here" from a failure */
		return e == EOPNOTSUPP ? 3 : 1;
	}
	t.err = wait_go();
	if (t.err)
		t.where = "start";
	t0 = now_s();
	if (!t.err && opt.expect_timeout) {
		uint64_t v = 1;

		t.err = rcode_allreduce(c, RCODE_OP_SUM, &v, &v, 1);
		t.where = t.err ? "allreduce" : NULL;
		err2 = rcode_barrier(c);
	} else if (!t.err) {
		run(c, &t);
	}
	dt = now_s() - t0;
	rcode_comm__stats(c, &st);
	if (opt.expect_timeout)
		ok = t.err == -ETIMEDOUT && err2 == -EPIPE;
	else
		ok = !t.err && !t.wrong && !t.barrier_bad;
	printf("{\"rank\": %u, \"n\": %u, \"mode\": \"%s\", \"ok\": %s, "
	       "\"ops\": %lu, \"wrong\": %lu, \"barrier_bad\": %lu, "
	       "\"err\": %s%s%s, \"errno\": %d, \"where\": %s%s%s, "
	       "\"after_timeout\": %d, \"seconds\": %.6f, \"bound_ms\": %u, "
	       "\"stats\": {\"ops\": %llu, \"sent\": %llu, \"received\": %llu, "
	       "\"retries\": %llu, \"timeouts\": %llu, \"sleeps\": %llu, "
	       "\"dups\": %llu, \"answers\": %llu, \"reforwards\": %llu, "
	       "\"stale\": %llu, \"bad\": %llu, \"handler_runs\": %llu, "
	       "\"handler_faults\": %llu, \"handler_cpus\": %u}}\n",
	       opt.rank, rcode_comm__size(c),
	       opt.mode == RCODE_COMM_USER ? "user" : "kernel",
	       ok ? "true" : "false", t.ops, t.wrong, t.barrier_bad,
	       t.err ? "\"" : "", t.err ? strerror(-t.err) : "null",
	       t.err ? "\"" : "", -t.err,
	       t.where ? "\"" : "", t.where ? t.where : "null",
	       t.where ? "\"" : "", err2, dt, rcode_comm__timeout_bound(c),
	       (unsigned long long)st.ops, (unsigned long long)st.sent,
	       (unsigned long long)st.received, (unsigned long long)st.retries,
	       (unsigned long long)st.timeouts, (unsigned long long)st.sleeps,
	       (unsigned long long)st.dups, (unsigned long long)st.answers,
	       (unsigned long long)st.reforwards, (unsigned long long)st.stale,
	       (unsigned long long)st.bad, (unsigned long long)st.handler_runs,
	       (unsigned long long)st.handler_faults, st.handler_cpus);
	fflush(stdout);
	rcode_comm__free(c);
	return ok ? 0 : 1;
}
