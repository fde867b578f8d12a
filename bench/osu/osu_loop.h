/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * osu_loop.h - the OSU Micro-Benchmarks' collective latency loop (the
 * method of OMB 7.2's osu_allreduce and osu_barrier, written anew: OMB
 * is not packaged in Debian), shared by bench/bench_osu.c (rcode's calls)
 * and bench/osu/osu_coll_mpi.c (the same loop on MPI), so both ways are
 * measured by the same code:
 *
 *   for each message size, 1 element (8 bytes) up to rcode's largest
 *   message (RCODE_COLL_WORDS = 32 words, 256 bytes), then the barrier:
 *     100 warm-up iterations, then 1,000 timed ones (OMB: up to 8 KiB);
 *     an iteration is the call between two clock reads, then an untimed
 *     barrier (OMB 7.2's default: MPI_Barrier after each call);
 *     each rank's latency: the timed sum / 1,000 (OMB's), and here also
 *     its median call and its CPU time (getrusage: user + system) per
 *     collective call, the untimed barriers included (2 calls an
 *     iteration);
 *   OMB reduces the per-rank latency to its average, minimum and maximum
 *     over ranks; here every rank prints one JSON line per size and the
 *     driver (bench/osu.sh) reduces them the same way.
 *
 * Operands are unsigned 64-bit words, summed.
 */
#ifndef OSU_LOOP_H
#define OSU_LOOP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define OSU_METHOD	"OMB 7.2 (osu_allreduce, osu_barrier)"
#define OSU_MAX_WORDS	32
#define OSU_ITERS	1000
#define OSU_WARMUP	100

struct osu_way {
	const char *name;		/* e.g. "rcode-auto", "ompi-tcp" */
	unsigned int rank, size, round;
	unsigned int iters, warmup;
	void *ctx;
	/* 0, or nonzero when the call failed */
	int (*allreduce)(void *ctx, const uint64_t *in, uint64_t *out,
			 unsigned int count);
	int (*barrier)(void *ctx);
};

static inline double osu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline double osu_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int osu_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One size (count words; 0: the barrier).  Prints this rank's line. */
static inline int osu_one(const struct osu_way *w, unsigned int count,
			  double *t)
{
	uint64_t in[OSU_MAX_WORDS], out[OSU_MAX_WORDS];
	double sum = 0, cpu0 = 0, cpu1, wall0 = 0, wall1;

	for (unsigned int i = 0; i < OSU_MAX_WORDS; i++)
		in[i] = w->rank + i;
	for (unsigned int i = 0; i < w->warmup + w->iters; i++) {
		double a, b;
		int err;

		if (i == w->warmup) {
			cpu0 = osu_cpu_us();
			wall0 = osu_now_us();
		}
		a = osu_now_us();
		err = count ? w->allreduce(w->ctx, in, out, count) :
			      w->barrier(w->ctx);
		b = osu_now_us();
		if (err || w->barrier(w->ctx))
			return -1;
		if (count && out[0] != (uint64_t)w->size * (w->size - 1) / 2)
			return -2;	/* a wrong sum: not a measurement */
		if (i >= w->warmup) {
			t[i - w->warmup] = b - a;
			sum += b - a;
		}
	}
	cpu1 = osu_cpu_us();
	wall1 = osu_now_us();
	qsort(t, w->iters, sizeof(*t), osu_cmp);
	printf("{\"way\": \"%s\", \"n\": %u, \"round\": %u, \"rank\": %u, "
	       "\"op\": \"%s\", \"bytes\": %u, \"avg_us\": %.3f, "
	       "\"p50_us\": %.3f, \"cpu_us_per_call\": %.3f, "
	       "\"cpu_share\": %.3f, \"iters\": %u}\n",
	       w->name, w->size, w->round, w->rank,
	       count ? "allreduce" : "barrier", count * 8, sum / w->iters,
	       t[w->iters / 2], (cpu1 - cpu0) / (2.0 * w->iters),
	       (cpu1 - cpu0) / (wall1 - wall0), w->iters);
	fflush(stdout);
	return 0;
}

/* Every size, then the barrier: 0, or -1 (a call failed), -2 (wrong). */
static inline int osu_run(const struct osu_way *w)
{
	double *t = calloc(w->iters, sizeof(double));
	int err = t ? 0 : -1;

	for (unsigned int k = 1; !err && k <= OSU_MAX_WORDS; k *= 2)
		err = osu_one(w, k, t);
	if (!err)
		err = osu_one(w, 0, t);
	free(t);
	return err;
}

#endif /* OSU_LOOP_H */
