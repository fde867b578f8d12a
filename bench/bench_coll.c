// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_coll.c - latency of allreduce and barrier on a switched network
 * of N namespaces, in-kernel (coll.c at TC) against user level, measured
 * interleaved in one run.
 *
 *   bench_coll --hosts FILE --ns-prefix P --if-prefix I [options]
 *
 * bench/coll.sh builds the network (selftests/tools/coll_topo.sh: rank r
 * in namespace P<r> on interface I<r>) and calls this.  For each size N
 * (--sizes, default 2,4,8,16) it forks N ranks, each entering its
 * namespace, with one communicator per mode on the first N ranks of the
 * hosts file (kernel: the job's port, portal 192; user: the port + 1).
 * Every rank runs the same schedule, so no one orchestrates them:
 *
 *   round k: for each mode, in an order that alternates by round:
 *              for each operation (allreduce of 1 word, of 16 words,
 *              barrier): --warmup calls, then --samples timed calls
 *
 * A sample is one call's duration on one rank (CLOCK_MONOTONIC around
 * the call), calls back to back, so each also contains the wait for the
 * slowest rank: in steady state every rank's calls take one period of
 * the operation.  Percentiles pool every rank's samples; the stability
 * of the median comes from the rounds: the median of the per-round
 * medians and its 95% confidence interval (bench.h), against --target.
 * Rounds go on until every median is known to --target or --time seconds
 * per size have passed (at least --min-rounds); the ranks agree on
 * stopping with a user-level allreduce after every round.
 *
 * If the kernel mode cannot be set up on some rank (this build or kernel
 * lacks it), every rank measures the user mode alone and the results say
 * so.  Writes --json, --md (a results.md section) and --dat (coll.dat
 * for bench/plot.gp).  Every wait is bounded: a rank that has not
 * finished after --time x 3 + 60 s is killed and the size reported as
 * failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "bench.h"
#include "librcode.h"

#define MAX_N		16
#define MAX_SIZES	8
#define MAX_ROUNDS	400
#define NMODES		3
#define NOPS		3
#define USER		2	/* the mode index of the user level */

/* The kernel mode woken by an up-call, the kernel mode woken through
 * the socket (rcode_comm_opts.wake; the default), the user level.  Both
 * kernel modes wait as --wait says (default: auto, spinning while that
 * pays, then sleeping). */
static const char *const mode_name[NMODES] = { "kernel", "kernel-sock", "user" };
static const char *const mode_title[NMODES] = { "in-kernel, up-call",
						 "in-kernel, socket wake",
						 "user level" };
static const char *const op_name[NOPS] = { "allreduce1", "allreduce16", "barrier" };
static const char *const op_title[NOPS] = { "allreduce, 1 word (sum)",
					     "allreduce, 16 words (sum)",
					     "barrier" };

static struct {
	const char *hosts, *ns_prefix, *if_prefix, *json, *md, *dat, *tmpdir;
	unsigned int sizes[MAX_SIZES], nsizes;
	unsigned int samples, warmup, min_rounds, max_rounds;
	double time_s, target;
	unsigned int port, spin_us;
	enum rcode_comm_wait wait;
} opt = {
	.sizes = { 2, 4, 8, 16 }, .nsizes = 4, .samples = 200, .warmup = 30,
	.min_rounds = 5, .max_rounds = 200, .time_s = 10, .target = 0.02,
	.port = RC_ABI_DEFAULT_PORT, .tmpdir = "/tmp",
};

/* ---- one rank ------------------------------------------------------------- */

/* What a rank leaves in its file: this header, then for each round, mode
 * and op, opt.samples doubles (ns). */
struct rank_out {
	unsigned int rank, n, rounds;
	int kernel_ok;			/* 1, or -errno of the kernel mode */
	unsigned int samples;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int enter_ns(unsigned int r)
{
	char path[256];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/run/netns/%s%u", opt.ns_prefix, r);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		err = -errno;
	if (fd >= 0)
		close(fd);
	return err;
}

static int one_op(struct rcode_comm *c, unsigned int op, uint64_t *v)
{
	switch (op) {
	case 0:
		return rcode_allreduce(c, RCODE_OP_SUM, v, v, 1);
	case 1:
		return rcode_allreduce(c, RCODE_OP_SUM, v, v, 16);
	default:
		return rcode_barrier(c);
	}
}

static int rank_main(unsigned int r, unsigned int n, const char *hosts,
		     const char *outpath)
{
	struct rcode_comm *comm[NMODES] = { NULL, NULL, NULL };
	struct rank_out hdr = { .rank = r, .n = n, .samples = opt.samples };
	char ifname[IF_NAMESIZE];
	size_t per_round = (size_t)NMODES * NOPS * opt.samples;
	double *buf, t0;
	uint64_t v[16] = { 0 }, flag;
	FILE *f;
	int err;

	buf = calloc(per_round * opt.max_rounds, sizeof(double));
	if (!buf)
		return 1;
	err = enter_ns(r);
	if (err) {
		fprintf(stderr, "rank %u: namespace %s%u: %s\n", r, opt.ns_prefix,
			r, strerror(-err));
		return 1;
	}
	snprintf(ifname, sizeof(ifname), "%s%u", opt.if_prefix, r);
	{
		/* one port each: coll.c checks the port, the sockets bind it */
		RCODE_OPTS(rcode_comm_opts, uo, .mode = RCODE_COMM_USER,
			   .udp_port = opt.port + 2, .ifname = ifname,
			   .timeout_ms = 200, .tries = 6);
		RCODE_OPTS(rcode_comm_opts, ko, .mode = RCODE_COMM_KERNEL,
			   .udp_port = opt.port, .ifname = ifname,
			   .timeout_ms = 200, .tries = 6, .spin_us = opt.spin_us,
			   .wait = opt.wait, .wake = RCODE_COMM_WAKE_UPCALL);
		RCODE_OPTS(rcode_comm_opts, so, .mode = RCODE_COMM_KERNEL,
			   .udp_port = opt.port + 1, .ifname = ifname,
			   .portal = RCODE_COLL_PORTAL + 1,
			   .timeout_ms = 200, .tries = 6, .spin_us = opt.spin_us,
			   .wait = opt.wait, .wake = RCODE_COMM_WAKE_SOCKET);

		comm[USER] = rcode_comm__from_hosts(hosts, r, &uo);
		if (!comm[USER]) {
			fprintf(stderr, "rank %u: user mode: %s\n", r, strerror(errno));
			return 1;
		}
		comm[0] = rcode_comm__from_hosts(hosts, r, &ko);
		hdr.kernel_ok = comm[0] ? 1 : -errno;
		if (comm[0]) {
			comm[1] = rcode_comm__from_hosts(hosts, r, &so);
			if (!comm[1])
				hdr.kernel_ok = -errno;
		}
	}
	/* Every rank measures the kernel mode only if every rank has it. */
	flag = hdr.kernel_ok == 1;
	if (rcode_allreduce(comm[USER], RCODE_OP_BAND, &flag, &flag, 1))
		return 1;
	if (!flag) {
		for (unsigned int m = 0; m < USER; m++) {
			rcode_comm__free(comm[m]);
			comm[m] = NULL;
		}
		if (hdr.kernel_ok == 1)
			hdr.kernel_ok = -ENODEV;	/* another rank lacks it */
	}
	t0 = now_ns();
	for (unsigned int round = 0; round < opt.max_rounds; round++) {
		for (unsigned int mi = 0; mi < NMODES; mi++) {
			unsigned int m = (mi + round) % NMODES;

			if (!comm[m])
				continue;
			for (unsigned int op = 0; op < NOPS; op++) {
				double *s = buf + round * per_round +
					    (m * NOPS + op) * opt.samples;

				for (unsigned int i = 0; i < opt.warmup; i++)
					if (one_op(comm[m], op, v))
						goto broken;
				for (unsigned int i = 0; i < opt.samples; i++) {
					double a = now_ns();

					if (one_op(comm[m], op, v))
						goto broken;
					s[i] = now_ns() - a;
				}
			}
		}
		hdr.rounds = round + 1;
		/* Stop together: rank 0 decides by the clock (the driver
		 * checks stability afterwards, on every round). */
		flag = r == 0 && hdr.rounds >= opt.min_rounds &&
		       now_ns() - t0 > opt.time_s * 1e9;
		if (rcode_allreduce(comm[USER], RCODE_OP_MAX, &flag, &flag, 1))
			goto broken;
		if (flag)
			break;
	}
	f = fopen(outpath, "we");
	if (!f || fwrite(&hdr, sizeof(hdr), 1, f) != 1 ||
	    fwrite(buf, sizeof(double), per_round * hdr.rounds, f) !=
		    per_round * hdr.rounds) {
		fprintf(stderr, "rank %u: cannot write %s\n", r, outpath);
		return 1;
	}
	fclose(f);
	for (unsigned int m = 0; m < NMODES; m++)
		rcode_comm__free(comm[m]);
	free(buf);
	return 0;
broken:
	fprintf(stderr, "rank %u: an operation failed after %u rounds\n", r,
		hdr.rounds);
	return 1;
}

/* ---- the driver -------------------------------------------------------------- */

struct cell {			/* one size, mode and op */
	double *pool;		/* every rank's samples, every round */
	size_t npool;
	double round_med[MAX_ROUNDS];
	struct bench_summary all, rounds;
};

struct size_result {
	unsigned int n, rounds;
	bool ok, kernel;	/* finished; the kernel mode was measured */
	int kernel_err;
	double seconds;
	struct cell cell[NMODES][NOPS];
};

static struct size_result results[MAX_SIZES];

/* The first n ranks of the hosts file, for a communicator of n. */
static int hosts_prefix(unsigned int n, char *path, size_t size)
{
	char line[512];
	unsigned int taken = 0;
	FILE *in, *out;

	snprintf(path, size, "%s/bench-coll-hosts.%u.%d", opt.tmpdir, n, getpid());
	in = fopen(opt.hosts, "re");
	out = fopen(path, "we");
	if (!in || !out) {
		fprintf(stderr, "bench_coll: %s: %s\n", in ? path : opt.hosts,
			strerror(errno));
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return -1;
	}
	while (taken < n && fgets(line, sizeof(line), in)) {
		char *p = line + strspn(line, " \t");

		if (*p == '#' || *p == '\n' || !*p)
			continue;
		fputs(line, out);
		taken++;
	}
	fclose(in);
	fclose(out);
	if (taken < n) {
		fprintf(stderr, "bench_coll: %s has fewer than %u ranks\n",
			opt.hosts, n);
		return -1;
	}
	return 0;
}

static void summarize_cell(struct cell *c, unsigned int rounds, unsigned int n,
			   double *const *per_rank, size_t per_round,
			   unsigned int m, unsigned int op)
{
	double *tmp = malloc(sizeof(double) * n * opt.samples);

	c->pool = malloc(sizeof(double) * n * opt.samples * rounds);
	c->npool = 0;
	for (unsigned int k = 0; k < rounds; k++) {
		size_t nt = 0;

		for (unsigned int r = 0; r < n; r++) {
			const double *s = per_rank[r] + k * per_round +
					  (m * NOPS + op) * opt.samples;

			for (unsigned int i = 0; i < opt.samples; i++) {
				c->pool[c->npool++] = s[i] / 1e3;	/* us */
				tmp[nt++] = s[i] / 1e3;
			}
		}
		{
			struct bench_summary rs;

			bench_summarize(tmp, nt, &rs);
			c->round_med[k] = rs.median;
		}
	}
	memcpy(tmp, c->round_med, rounds * sizeof(double));
	bench_summarize(tmp, rounds, &c->rounds);
	bench_summarize(c->pool, c->npool, &c->all);	/* sorts the pool */
	free(tmp);
}

static int run_size(unsigned int si)
{
	struct size_result *res = &results[si];
	unsigned int n = opt.sizes[si];
	size_t per_round = (size_t)NMODES * NOPS * opt.samples;
	double *per_rank[MAX_N] = { 0 };
	char hosts[512], out[MAX_N][512];
	pid_t pid[MAX_N];
	double start = bench_now(), limit = opt.time_s * 3 + 60;
	unsigned int rounds = opt.max_rounds, alive, failed = 0;
	int kernel_err = 1;

	res->n = n;
	if (hosts_prefix(n, hosts, sizeof(hosts)))
		return -1;
	fflush(NULL);
	for (unsigned int r = 0; r < n; r++) {
		snprintf(out[r], sizeof(out[r]), "%s/bench-coll.%u.%u.%d",
			 opt.tmpdir, n, r, getpid());
		unlink(out[r]);
		pid[r] = fork();
		if (pid[r] < 0)
			return -1;
		if (!pid[r])
			_exit(rank_main(r, n, hosts, out[r]));
	}
	/* Wait, bounded. */
	do {
		alive = 0;
		for (unsigned int r = 0; r < n; r++) {
			int st;

			if (!pid[r])
				continue;
			if (waitpid(pid[r], &st, WNOHANG) == pid[r]) {
				if (!WIFEXITED(st) || WEXITSTATUS(st))
					failed++;
				pid[r] = 0;
			} else {
				alive++;
			}
		}
		if (alive && bench_now() - start > limit) {
			fprintf(stderr, "bench_coll: n=%u: ranks still running after %.0f s: killed\n",
				n, limit);
			for (unsigned int r = 0; r < n; r++)
				if (pid[r]) {
					kill(pid[r], SIGKILL);
					waitpid(pid[r], NULL, 0);
					failed++;
				}
			alive = 0;
		}
		if (alive)
			usleep(20000);
	} while (alive);
	res->seconds = bench_now() - start;
	unlink(hosts);
	for (unsigned int r = 0; r < n && !failed; r++) {
		struct rank_out h;
		FILE *f = fopen(out[r], "re");

		if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.samples != opt.samples ||
		    h.rounds > opt.max_rounds) {
			failed++;
		} else {
			per_rank[r] = malloc(sizeof(double) * per_round * (h.rounds + 1));
			if (!per_rank[r] ||
			    fread(per_rank[r], sizeof(double), per_round * h.rounds, f) !=
				    per_round * h.rounds)
				failed++;
			if (h.rounds < rounds)
				rounds = h.rounds;
			if (h.kernel_ok != 1 && kernel_err == 1)
				kernel_err = h.kernel_ok;
		}
		if (f)
			fclose(f);
	}
	for (unsigned int r = 0; r < n; r++)
		unlink(out[r]);
	if (failed || !rounds) {
		fprintf(stderr, "bench_coll: n=%u: %u ranks failed\n", n, failed);
		for (unsigned int r = 0; r < n; r++)
			free(per_rank[r]);
		return -1;
	}
	res->ok = true;
	res->rounds = rounds;
	res->kernel = kernel_err == 1;
	res->kernel_err = kernel_err == 1 ? 0 : kernel_err;
	for (unsigned int m = 0; m < NMODES; m++)
		for (unsigned int op = 0; op < NOPS; op++)
			if (m == USER || res->kernel)
				summarize_cell(&res->cell[m][op], rounds, n, per_rank,
					       per_round, m, op);
	for (unsigned int r = 0; r < n; r++)
		free(per_rank[r]);
	return 0;
}

/* ---- output --------------------------------------------------------------------- */

static bool measured(const struct size_result *r, unsigned int m)
{
	return r->ok && (m == USER || r->kernel);
}

static void write_json(void)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();
	FILE *f;

	for (unsigned int si = 0; si < opt.nsizes; si++) {
		const struct size_result *r = &results[si];

		for (unsigned int m = 0; m < NMODES; m++) {
			for (unsigned int op = 0; op < NOPS; op++) {
				const struct cell *c = &r->cell[m][op];
				struct json_object *o, *rm;

				if (!measured(r, m))
					continue;
				o = json_object_new_object();
				rm = json_object_new_array();
				json_object_object_add(o, "n", json_object_new_int(r->n));
				json_object_object_add(o, "mode", json_object_new_string(mode_name[m]));
				json_object_object_add(o, "op", json_object_new_string(op_name[op]));
				json_object_object_add(o, "samples", json_object_new_int64(c->npool));
				json_object_object_add(o, "rounds", json_object_new_int(r->rounds));
				json_object_object_add(o, "p50_us", json_object_new_double(c->all.median));
				json_object_object_add(o, "p90_us", json_object_new_double(c->all.p90));
				json_object_object_add(o, "p99_us", json_object_new_double(c->all.p99));
				json_object_object_add(o, "p999_us", json_object_new_double(c->all.p999));
				json_object_object_add(o, "min_us", json_object_new_double(c->all.min));
				json_object_object_add(o, "mean_us", json_object_new_double(c->all.mean));
				json_object_object_add(o, "round_p50_median_us",
						       json_object_new_double(c->rounds.median));
				json_object_object_add(o, "round_p50_rel_ci95",
						       json_object_new_double(bench_rel_ci(&c->rounds)));
				for (unsigned int k = 0; k < r->rounds; k++)
					json_object_array_add(rm, json_object_new_double(c->round_med[k]));
				json_object_object_add(o, "round_p50s_us", rm);
				json_object_array_add(arr, o);
			}
		}
	}
	json_object_object_add(root, "results", arr);
	{
		struct json_object *sz = json_object_new_array();

		for (unsigned int si = 0; si < opt.nsizes; si++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "n", json_object_new_int(results[si].n));
			json_object_object_add(o, "ok", json_object_new_boolean(results[si].ok));
			json_object_object_add(o, "kernel", json_object_new_boolean(results[si].kernel));
			if (results[si].kernel_err)
				json_object_object_add(o, "kernel_error",
						       json_object_new_string(strerror(-results[si].kernel_err)));
			json_object_object_add(o, "rounds", json_object_new_int(results[si].rounds));
			json_object_object_add(o, "seconds", json_object_new_double(results[si].seconds));
			json_object_array_add(sz, o);
		}
		json_object_object_add(root, "sizes", sz);
	}
	json_object_object_add(root, "samples_per_round", json_object_new_int(opt.samples));
	json_object_object_add(root, "warmup", json_object_new_int(opt.warmup));
	json_object_object_add(root, "target_rel_ci95", json_object_new_double(opt.target));
	f = fopen(opt.json, "we");
	if (f) {
		fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY), f);
		fputc('\n', f);
		fclose(f);
	}
	json_object_put(root);
}

static void write_md(void)
{
	FILE *f = fopen(opt.md, "we");
	double worst = 0;

	if (!f)
		return;
	for (unsigned int si = 0; si < opt.nsizes; si++)
		for (unsigned int m = 0; m < NMODES; m++)
			for (unsigned int op = 0; op < NOPS && measured(&results[si], m); op++)
				if (bench_rel_ci(&results[si].cell[m][op].rounds) > worst)
					worst = bench_rel_ci(&results[si].cell[m][op].rounds);
	fprintf(f, "## Collectives on a switched network\n\n");
	fprintf(f, "N ranks, each a process in its own network namespace with one veth "
		   "to a bridge (selftests/tools/coll_topo.sh), all on this machine's CPUs.  "
		   "Each rank calls the operation back to back: %u calls per round and "
		   "operation after %u warm-up calls, three modes taking turns within every "
		   "round: in-kernel (coll.c translated, at TC ingress) with the process, "
		   "when it sleeps, woken by an up-call, in-kernel with coll.c waking it "
		   "through its socket (rcode_comm_opts.wake, the default), both waiting as "
		   "rcode_comm_opts.wait %s says, and user level (the same protocol "
		   "in each process over its UDP socket).  A sample is one call on one rank; "
		   "percentiles pool every rank and round.  ±95%%: the median of the per-round "
		   "medians is known to within this (target ±%.1f%%; overall %s).\n\n",
		   opt.samples, opt.warmup,
		   opt.wait == RCODE_COMM_WAIT_SPIN ? "spin" :
		   opt.wait == RCODE_COMM_WAIT_SLEEP ? "sleep" : "auto",
		   opt.target * 100, worst <= opt.target ? "**stable**" : "**not stable**");
	fprintf(f, "| N | operation |");
	for (unsigned int m = 0; m < NMODES; m++)
		fprintf(f, " %s p50 µs | ±95%% | p99 µs |", mode_title[m]);
	fprintf(f, " user ÷ up-call (p50) | user ÷ socket wake (p50) | rounds |\n");
	fprintf(f, "| ---: | --- |");
	for (unsigned int m = 0; m < NMODES; m++)
		fprintf(f, " ---: | ---: | ---: |");
	fprintf(f, " ---: | ---: | ---: |\n");
	for (unsigned int op = 0; op < NOPS; op++) {
		for (unsigned int si = 0; si < opt.nsizes; si++) {
			const struct size_result *r = &results[si];
			const struct cell *u = &r->cell[USER][op];

			fprintf(f, "| %u | %s |", r->n, op_title[op]);
			if (!r->ok) {
				fprintf(f, " failed | | | | | | | | | | | |\n");
				continue;
			}
			for (unsigned int m = 0; m < NMODES; m++) {
				const struct cell *c = &r->cell[m][op];

				if (measured(r, m))
					fprintf(f, " %.1f | %.1f%% | %.1f |", c->all.median,
						bench_rel_ci(&c->rounds) * 100, c->all.p99);
				else
					fprintf(f, " n/a | | |");
			}
			for (unsigned int m = 0; m < USER; m++)
				if (r->kernel)
					fprintf(f, " %.2f |", u->all.median /
						r->cell[m][op].all.median);
				else
					fprintf(f, " |");
			fprintf(f, " %u |\n", r->rounds);
		}
	}
	for (unsigned int si = 0; si < opt.nsizes; si++)
		if (results[si].ok && !results[si].kernel) {
			fprintf(f, "\nThe kernel mode was not measured: %s.\n",
				strerror(-results[si].kernel_err));
			break;
		}
	fprintf(f, "\n![collectives](coll.png)\n");
	fclose(f);
}

/* coll.dat: N, then p50 and p99 of each (mode, op), -1 where not measured. */
static void write_dat(void)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/coll.dat", opt.dat);
	f = fopen(path, "we");
	if (!f)
		return;
	fprintf(f, "# N");
	for (unsigned int m = 0; m < NMODES; m++)
		for (unsigned int op = 0; op < NOPS; op++)
			fprintf(f, " %s-%s-p50 %s-%s-p99", mode_name[m], op_name[op],
				mode_name[m], op_name[op]);
	fprintf(f, "\n");
	for (unsigned int si = 0; si < opt.nsizes; si++) {
		if (!results[si].ok)
			continue;
		fprintf(f, "%u", results[si].n);
		for (unsigned int m = 0; m < NMODES; m++)
			for (unsigned int op = 0; op < NOPS; op++) {
				const struct cell *c = &results[si].cell[m][op];

				if (measured(&results[si], m))
					fprintf(f, " %.3f %.3f", c->all.median, c->all.p99);
				else
					fprintf(f, " -1 -1");
			}
		fprintf(f, "\n");
	}
	fclose(f);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_coll --hosts FILE --ns-prefix P --if-prefix I [--sizes 2,4,8,16]\n"
		"       [--samples M] [--warmup W] [--time S] [--min-rounds R] [--max-rounds R]\n"
		"       [--target REL] [--port P] [--spin-us U] [--wait auto|spin|sleep] [--tmpdir DIR] [--json F]\n"
		"       [--md F] [--dat DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "hosts", 1, 0, 'h' }, { "ns-prefix", 1, 0, 'n' },
		{ "if-prefix", 1, 0, 'i' }, { "sizes", 1, 0, 's' },
		{ "samples", 1, 0, 'm' }, { "warmup", 1, 0, 'w' },
		{ "time", 1, 0, 't' }, { "min-rounds", 1, 0, 'r' },
		{ "max-rounds", 1, 0, 'R' }, { "target", 1, 0, 'T' },
		{ "port", 1, 0, 'p' }, { "tmpdir", 1, 0, 'd' },
		{ "spin-us", 1, 0, 'S' }, { "wait", 1, 0, 'W' }, { "json", 1, 0, 'j' }, { "md", 1, 0, 'M' }, { "dat", 1, 0, 'D' },
		{ 0 }
	};
	int c, failed = 0;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'h': opt.hosts = optarg; break;
		case 'n': opt.ns_prefix = optarg; break;
		case 'i': opt.if_prefix = optarg; break;
		case 's': {
			char *p = optarg;

			opt.nsizes = 0;
			while (*p && opt.nsizes < MAX_SIZES) {
				unsigned long v = strtoul(p, &p, 10);

				if (!v || v > MAX_N)
					usage();
				opt.sizes[opt.nsizes++] = v;
				if (*p == ',')
					p++;
				else if (*p)
					usage();
			}
			break;
		}
		case 'm': opt.samples = atoi(optarg); break;
		case 'w': opt.warmup = atoi(optarg); break;
		case 't': opt.time_s = atof(optarg); break;
		case 'r': opt.min_rounds = atoi(optarg); break;
		case 'R': opt.max_rounds = atoi(optarg); break;
		case 'T': opt.target = atof(optarg); break;
		case 'p': opt.port = atoi(optarg); break;
		case 'd': opt.tmpdir = optarg; break;
		case 'S': opt.spin_us = atoi(optarg); break;
		case 'W':
			opt.wait = !strcmp(optarg, "spin") ? RCODE_COMM_WAIT_SPIN :
				   !strcmp(optarg, "sleep") ? RCODE_COMM_WAIT_SLEEP :
				   RCODE_COMM_WAIT_AUTO;
			break;
		case 'j': opt.json = optarg; break;
		case 'M': opt.md = optarg; break;
		case 'D': opt.dat = optarg; break;
		default: usage();
		}
	}
	if (!opt.hosts || !opt.ns_prefix || !opt.if_prefix || optind != argc ||
	    !opt.samples || opt.samples > 100000 || !opt.max_rounds ||
	    opt.max_rounds > MAX_ROUNDS || opt.min_rounds > opt.max_rounds ||
	    !opt.port || opt.port > 65534)
		usage();
	rcode_set_print(NULL);	/* the ranks' failures are reported by them */
	for (unsigned int si = 0; si < opt.nsizes; si++) {
		const struct size_result *r = &results[si];

		printf("bench_coll: n=%u ...\n", opt.sizes[si]);
		fflush(stdout);
		if (run_size(si)) {
			failed++;
			continue;
		}
		for (unsigned int op = 0; op < NOPS; op++) {
			printf("  %-12s", op_name[op]);
			for (unsigned int m = 0; m < NMODES; m++)
				if (measured(r, m))
					printf("  %s p50 %7.1f us p99 %7.1f us (±%.1f%%)",
					       mode_name[m], r->cell[m][op].all.median,
					       r->cell[m][op].all.p99,
					       bench_rel_ci(&r->cell[m][op].rounds) * 100);
			printf("\n");
		}
		printf("  %u rounds in %.1f s%s\n", r->rounds, r->seconds,
		       r->kernel ? "" : " (user mode only)");
	}
	if (opt.json)
		write_json();
	if (opt.md)
		write_md();
	if (opt.dat)
		write_dat();
	return failed ? 1 : 0;
}
