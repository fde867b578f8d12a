// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_osu.c - one rank of the OSU-method collective loop
 * (bench/osu/osu_loop.h) on rcode's calls: rcode_allreduce (sum) and
 * rcode_barrier on a communicator of the hosts file's ranks, in the
 * kernel mode with a given wait (and wake), or in the user mode.
 * bench/osu.sh starts one per rank, each in its network namespace, and
 * the same loop on MPI (bench/osu/osu_coll_mpi.c) in turn.
 *
 *   bench_osu --hosts FILE --rank R --ifname IF --way NAME --round K
 *             [--mode kernel|user] [--wait auto|spin|sleep] [--spin-us U]
 *             [--wake socket|upcall] [--port P] [--iters I] [--warmup W]
 *
 * The ranks start at their own moments and coll.c takes a while to
 * verify, so before measuring they meet in a barrier of a user-mode
 * communicator on port P + 2 with patient retries (35 s at most), and
 * again after, before any of them removes its handler.  With
 * BENCH_OSU_STATS set in the environment each rank says on stderr how
 * many of its operations slept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include "librcode.h"
#include "osu/osu_loop.h"

static int r_allreduce(void *ctx, const uint64_t *in, uint64_t *out,
		       unsigned int count)
{
	return rcode_allreduce(ctx, RCODE_OP_SUM, in, out, count);
}

static int r_barrier(void *ctx)
{
	return rcode_barrier(ctx);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_osu --hosts FILE --rank R --ifname IF --way NAME --round K\n"
		"       [--mode kernel|user] [--wait auto|spin|sleep] [--spin-us U]\n"
		"       [--wake socket|upcall] [--port P] [--iters I] [--warmup W]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "hosts", 1, 0, 'h' }, { "rank", 1, 0, 'r' }, { "ifname", 1, 0, 'i' },
		{ "way", 1, 0, 'n' }, { "round", 1, 0, 'k' }, { "mode", 1, 0, 'm' },
		{ "wait", 1, 0, 'a' }, { "spin-us", 1, 0, 'u' }, { "wake", 1, 0, 'W' },
		{ "port", 1, 0, 'p' }, { "iters", 1, 0, 'I' }, { "warmup", 1, 0, 'w' },
		{ 0 }
	};
	const char *hosts = NULL, *ifname = NULL;
	struct osu_way w = { .allreduce = r_allreduce, .barrier = r_barrier,
			     .iters = OSU_ITERS, .warmup = OSU_WARMUP };
	enum rcode_comm_mode mode = RCODE_COMM_KERNEL;
	enum rcode_comm_wait wait = RCODE_COMM_WAIT_AUTO;
	enum rcode_comm_wake wake = RCODE_COMM_WAKE_DEFAULT;
	unsigned int spin_us = 0, port = RC_ABI_DEFAULT_PORT;
	struct rcode_comm *c, *boot;
	int o, err;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'h': hosts = optarg; break;
		case 'r': w.rank = atoi(optarg); break;
		case 'i': ifname = optarg; break;
		case 'n': w.name = optarg; break;
		case 'k': w.round = atoi(optarg); break;
		case 'm':
			mode = !strcmp(optarg, "user") ? RCODE_COMM_USER : RCODE_COMM_KERNEL;
			break;
		case 'a':
			wait = !strcmp(optarg, "spin") ? RCODE_COMM_WAIT_SPIN :
			       !strcmp(optarg, "sleep") ? RCODE_COMM_WAIT_SLEEP :
			       RCODE_COMM_WAIT_AUTO;
			break;
		case 'u': spin_us = atoi(optarg); break;
		case 'W':
			wake = !strcmp(optarg, "upcall") ? RCODE_COMM_WAKE_UPCALL :
			       RCODE_COMM_WAKE_SOCKET;
			break;
		case 'p': port = atoi(optarg); break;
		case 'I': w.iters = atoi(optarg); break;
		case 'w': w.warmup = atoi(optarg); break;
		default: usage();
		}
	}
	if (!hosts || !ifname || !w.name || !w.iters)
		usage();
	{
		RCODE_OPTS(rcode_comm_opts, bo, .mode = RCODE_COMM_USER,
			   .udp_port = port + 2, .ifname = ifname,
			   .timeout_ms = 100, .timeout_max_ms = 1000, .tries = 40,
			   .linger_ms = 500);
		RCODE_OPTS(rcode_comm_opts, co, .mode = mode, .udp_port = port,
			   .ifname = ifname, .wait = wait, .spin_us = spin_us,
			   .wake = wake);

		c = rcode_comm__from_hosts(hosts, w.rank, &co);
		if (!c) {
			fprintf(stderr, "bench_osu: rank %u: communicator: %s\n",
				w.rank, strerror(errno));
			return 1;
		}
		boot = rcode_comm__from_hosts(hosts, w.rank, &bo);
		if (!boot || rcode_barrier(boot)) {
			fprintf(stderr, "bench_osu: rank %u: the start barrier failed\n",
				w.rank);
			return 1;
		}
	}
	w.ctx = c;
	w.size = rcode_comm__size(c);
	err = osu_run(&w);
	if (err)
		fprintf(stderr, "bench_osu: rank %u: %s\n", w.rank,
			err == -2 ? "a wrong sum" : "a call failed");
	if (getenv("BENCH_OSU_STATS")) {
		struct rcode_comm_stats s;

		rcode_comm__stats(c, &s);
		fprintf(stderr, "bench_osu: rank %u: %llu operations, %llu slept, %llu retries\n",
			w.rank, (unsigned long long)s.ops,
			(unsigned long long)s.sleeps, (unsigned long long)s.retries);
	}
	/* every rank done before any handler goes */
	if (!err && rcode_barrier(boot))
		fprintf(stderr, "bench_osu: rank %u: the end barrier failed\n", w.rank);
	rcode_comm__free(c);
	rcode_comm__free(boot);
	return err ? 1 : 0;
}
