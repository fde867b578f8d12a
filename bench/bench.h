/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench.h - what the benchmarks in bench/ share: loading the programs
 * under comparison, building the frames they run on, and summarising
 * samples.
 *
 * A benchmark compares candidates, each an XDP program fd plus the frame
 * it is measured on.  Where the program comes from does not matter to the
 * measuring code:
 *
 *	bench_load_embedded("echo.bpf.o", 0, &fd)	a C baseline (bpf/ref/)
 *	rcode_bench_load_xlate("examples/echo.r", &fd)	a translated handler
 *
 * and the frame comes from the R-code handler the candidate implements
 * (its portal), so a C baseline and the translation of the same handler
 * run on identical bytes.
 */
#ifndef RC_BENCH_H
#define RC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "rcode.h"

#define BENCH_FRAME_MAX		2048

/*
 * The hook for the translator: load the R-code handler at 'path' (text or
 * binary), translate it to eBPF and load the result into the kernel as an
 * XDP program with its maps, ready for BPF_PROG_TEST_RUN or for attaching.
 * On success *prog_fd stays valid until the process exits.  Returns 0 or a
 * negative errno after printing the reason to stderr.  bench/xlate.c holds
 * the implementation; until rcode2bpf lands it returns -EOPNOTSUPP
 * ("translator not available yet").
 */
int rcode_bench_load_xlate(const char *path, int *prog_fd);

/*
 * The in-kernel interpreter (one per process, loaded on first use, for
 * R-messages on UDP port 'port', 0: the default).  NULL with errno set
 * after saying why on stderr (e.g. no BPF JIT).
 */
struct rcode_interp;
struct rcode_handler;
struct rcode_interp *bench_interp(uint16_t port);

/*
 * Install the R-code handler at 'path' in that interpreter, on its
 * portal; *prog_fd is the interpreter's program (the tracing one if
 * 'trace'), which runs it for messages on that portal.  *hp, if not NULL,
 * gets the handler object (to re-install or close it); otherwise it lives
 * until the process exits.  Returns 0 or a negative errno.
 */
int rcode_bench_load_interp(const char *path, uint16_t port, bool trace,
			    int *prog_fd, struct rcode_handler **hp);

/*
 * R-code instructions executed per run, exactly as the tracing
 * interpreter counts them, of the handler at 'path' on 'frame' run
 * 'runs' times after 'warm' runs (handlers with state settle into their
 * steady state first, as under a benchmark's repeat).  The traced copy
 * has its own maps; afterwards 'restore' (if not NULL) is installed on
 * its portal again.
 */
int bench_interp_insns(const char *path, const uint8_t *frame, size_t len,
		       unsigned int warm, unsigned int runs,
		       struct rcode_handler *restore, double *per_run);

/*
 * Load an object embedded from bpf/ (e.g. "echo.bpf.o") and return the fd
 * of its first program.  port, if not 0, replaces the R-message port in
 * .rodata (the const volatile rc_port) before the load.  The object stays
 * loaded until the process exits.
 */
int bench_load_embedded(const char *obj, uint16_t port, int *prog_fd);

/* The same for an object file on disk (variants of a baseline). */
int bench_load_file(const char *path, uint16_t port, int *prog_fd);

/* Assemble and verify an R-code text file; *out is the program.  Prints
 * the diagnostics and returns -EINVAL when it does not verify. */
int bench_load_rcode(const char *path, struct rc_prog **out);
/* FILE.c is a C handler: its R-code text comes from rcc (malloc'd; NULL
 * with rcc's messages on stderr). */
static inline bool bench_is_c(const char *path)
{
	size_t n = strlen(path);

	return n > 2 && path[n - 2] == '.' && path[n - 1] == 'c';
}
char *bench_compile_c(const char *path);

/* R-code instructions the reference interpreter (rc_run) executes on
 * msg: in the first run (*first, if not NULL), and per run over 'runs'
 * runs after 'warm' (state kept, each run on what the previous one left
 * of the message, as under BPF_PROG_TEST_RUN's repeat). */
int bench_ref_insns(const struct rc_prog *prog, const struct rc_msg *msg,
		    unsigned int warm, unsigned int runs, double *first,
		    double *per_run);

/* The two ends of a frame.  Addresses in network order. */
struct bench_ends {
	bool ipv6;
	uint8_t smac[6], dmac[6];
	uint8_t saddr[16], daddr[16];	/* IPv4 uses the first 4 bytes */
	uint16_t sport, dport;		/* host order */
};

/* Default ends: 198.18.0.1 -> 198.18.0.2 or 2001:2::1 -> 2001:2::2,
 * from and to port RC_UDP_PORT (so that a reply is again a message for
 * the handler when the same frame runs again), benchmarking addresses
 * (RFC 2544, RFC 5180). */
void bench_ends_default(struct bench_ends *e, bool ipv6);

/* Ethernet + IP + UDP (valid checksums) carrying msg; returns the frame's
 * length, or 0 when it does not fit in size bytes. */
size_t bench_frame(uint8_t *f, size_t size, const struct rc_msg *msg,
		   const struct bench_ends *e);

/* A message for prog's portal with an 8-byte payload holding 'word'. */
void bench_msg(struct rc_msg *m, const struct rc_prog *prog, uint32_t tag,
	       uint64_t word);

/*
 * Order statistics of n samples (v is sorted in place), and a 95%
 * confidence interval of the median that assumes nothing about the
 * distribution: the order statistics n/2 -+ 0.98 sqrt(n) (a binomial
 * argument; it needs n >= 6 to exist and is [min, max] below).
 */
struct bench_summary {
	size_t n;
	double min, p25, median, p75, max, mean;
	double p90, p99, p999;
	double ci_lo, ci_hi;
};
void bench_summarize(double *v, size_t n, struct bench_summary *s);
/* Interquartile range relative to the median: how much samples vary. */
double bench_rel_iqr(const struct bench_summary *s);
/* The summary of v[0..n) as JSON: median, quartiles, min, max, 95%
 * confidence interval and the relative spreads (v is not changed). */
struct json_object;
struct json_object *bench_summary_json(const double *v, size_t n);
/* Run on one CPU: cpu, or the last one for -2, or leave it for -1.
 * Returns the CPU pinned to, or -1 (with a message naming 'who'). */
int bench_pin_cpu(int cpu, const char *who);
/* Half the confidence interval relative to the median: how well the
 * median is known.  Repeating until this is small is "until stable". */
double bench_rel_ci(const struct bench_summary *s);

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

#endif /* RC_BENCH_H */
