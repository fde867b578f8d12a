// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_prog.c - nanoseconds per run of XDP programs under
 * BPF_PROG_TEST_RUN, compared within one run.
 *
 *   bench_prog [options] [floor] [c:NAME]... [xlate:FILE.r]...
 *              [interp:FILE.r]...
 *
 * Candidates: 'floor' (bpf/ref/xdp_pass.bpf.c, the cost of running any XDP
 * program at all), 'c:NAME' (the C baseline bpf/ref/NAME.bpf.c, measured on
 * a message for examples/NAME.r), 'xlate:FILE.r' (the translated handler,
 * via rcode_bench_load_xlate()), 'interp:FILE.r' (the handler installed in
 * the in-kernel interpreter, whose program runs it) and
 * 'obj:FILE.bpf.o,FILE.r' (an object file, e.g. a variant of a baseline,
 * on a message for FILE.r).  Without any: floor, and for each of counter,
 * echo, gsum and barrier c:NAME, xlate:examples/NAME.r (when the
 * translator hook loads handlers) and interp:examples/NAME.r (when the
 * interpreter loads).  A candidate that implements the same handler as an
 * earlier one (the translation after its C baseline) is also reported as
 * a ratio to it, and the interpreter also as a ratio to the translation.
 *
 * Executed R-code instructions per run are counted exactly for every
 * handler: by the tracing interpreter on the candidates' frame in the
 * same steady state (bench_interp_insns()), cross-checked with the
 * reference interpreter (rc_run) run on the same message the same way;
 * ns per instruction is then ns/run over that count (the whole run: the
 * XDP entry, packet checks and the verdict included).
 *
 * Every round runs each candidate once for --repeat runs (fewer for a
 * candidate whose call would take more than --call-ms, measured in the
 * warm-up round), in an order that
 * rotates from round to round (A B C, B C A, ...), so slow drifts of the
 * machine hit all candidates alike; ratios are taken within a round.  The
 * time per run is the thread's CPU time over the syscall divided by the
 * repeat count, less the cost of the call itself (see measure()): unlike
 * wall time it leaves out time spent preempted, and unlike the kernel's
 * own 'duration' it is not rounded down to whole nanoseconds (both are
 * reported too).  Rounds continue until the median of every candidate's
 * ns/run and of its ratios is known to within --target (a 95% confidence
 * interval that assumes no distribution, bench.h), or a limit is reached;
 * the result says which.
 *
 * The frame is IPv4 (--ipv6 for IPv6) with a valid UDP checksum and an
 * 8-byte payload.  The same frame runs again and again, so handlers with
 * state settle into a steady state: counter counts, echo answers every
 * run (the frame goes from and to the R-message port, so the reply is
 * again a message for it; addresses swap back and forth), gsum cycles
 * drop, drop, pass (the last arrival's path every third run), and barrier,
 * once its generation has moved past the frame's tag after NPROCS runs,
 * takes the stray path (two loads, a compare, pass).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "bench.h"
#include "rcode_private.h"

#define MAX_CANDS	32

struct cand {
	char label[64];		/* as shown: "C echo" */
	char kind[8];		/* "floor", "c", "xlate", "interp" */
	char handler[RC_NAME_MAX];	/* "echo"; "" for the floor */
	int prog_fd;
	uint8_t frame[BENCH_FRAME_MAX];
	size_t frame_len;
	uint32_t action;	/* XDP action of the first run */
	int base;		/* candidate of the same handler measured
				 * first (the C baseline), or -1 */
	int xbase;		/* interp: the translation of its handler */
	unsigned int repeat;	/* runs per test-run call */
	char rpath[512];	/* the R-code handler its frame is for */
	struct rcode_handler *h;	/* interp: the installed handler */
	double insns;		/* R-code instructions per run (traced) */
	double ref_insns, ref_first;	/* rc_run's count, steady and first */
	/* Per round. */
	double *cpu, *kern, *wall, *ratio, *net, *vs_base, *vs_xlate;
};

static struct cand cands[MAX_CANDS];
static int ncands;

static struct {
	unsigned int repeat;
	unsigned int min_rounds, max_rounds;
	double max_time, target, call_ms;
	bool ipv6;
	int cpu;
	const char *json;
	const char *examples;
} opt = {
	.repeat = 2000000,
	.min_rounds = 15,
	.max_rounds = 301,
	.max_time = 180,
	.target = 0.01,
	.call_ms = 30,
	.cpu = -2,	/* the last online CPU */
	.examples = "examples",
};

static const char *xdp_action_name(uint32_t a)
{
	static const char *const n[] = { "aborted", "drop", "pass", "tx",
					 "redirect" };

	return a < 5 ? n[a] : "?";
}

static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The message a candidate runs on: one for its handler's portal. */
static int cand_frame(struct cand *c, const char *rpath)
{
	struct bench_ends e;
	struct rc_prog *prog;
	struct rc_msg m;
	int err;

	err = bench_load_rcode(rpath, &prog);
	if (err)
		return err;
	if (!c->handler[0])
		snprintf(c->handler, sizeof(c->handler), "%s", prog->name);
	bench_msg(&m, prog, 0, 5);
	snprintf(c->rpath, sizeof(c->rpath), "%s", rpath);
	if (c->kind[0] != 'f' &&
	    bench_ref_insns(prog, &m, 1000, 3000, &c->ref_first, &c->ref_insns))
		fprintf(stderr, "bench_prog: %s: rc_run failed\n", rpath);
	bench_ends_default(&e, opt.ipv6);
	c->frame_len = bench_frame(c->frame, sizeof(c->frame), &m, &e);
	rc_prog_free(prog);
	return c->frame_len ? 0 : -EINVAL;
}

static int add_cand(const char *spec)
{
	struct cand *c = &cands[ncands];
	char path[512], obj[64];
	int err;

	if (ncands == MAX_CANDS) {
		fprintf(stderr, "bench_prog: at most %d candidates\n",
			MAX_CANDS);
		return -E2BIG;
	}
	memset(c, 0, sizeof(*c));
	c->base = -1;
	c->xbase = -1;
	c->repeat = opt.repeat;
	if (!strcmp(spec, "floor")) {
		snprintf(c->label, sizeof(c->label), "floor (XDP_PASS)");
		snprintf(c->kind, sizeof(c->kind), "floor");
		snprintf(path, sizeof(path), "%s/counter.r", opt.examples);
		err = bench_load_embedded("xdp_pass.bpf.o", 0, &c->prog_fd);
		if (!err)
			err = cand_frame(c, path);
		c->handler[0] = '\0';
	} else if (!strncmp(spec, "c:", 2)) {
		snprintf(c->handler, sizeof(c->handler), "%s", spec + 2);
		snprintf(c->label, sizeof(c->label), "C %s", spec + 2);
		snprintf(c->kind, sizeof(c->kind), "c");
		snprintf(obj, sizeof(obj), "%s.bpf.o", spec + 2);
		snprintf(path, sizeof(path), "%s/%s.r", opt.examples,
			 spec + 2);
		err = bench_load_embedded(obj, 0, &c->prog_fd);
		if (!err)
			err = cand_frame(c, path);
	} else if (!strncmp(spec, "obj:", 4) && strchr(spec, ',')) {
		/* obj:FILE.bpf.o,HANDLER.r: a variant of a baseline */
		const char *comma = strchr(spec, ',');

		snprintf(c->kind, sizeof(c->kind), "c");
		snprintf(path, sizeof(path), "%.*s", (int)(comma - spec - 4),
			 spec + 4);
		snprintf(c->label, sizeof(c->label), "%.63s", path);
		err = bench_load_file(path, 0, &c->prog_fd);
		if (!err)
			err = cand_frame(c, comma + 1);
	} else if (!strncmp(spec, "xlate:", 6)) {
		snprintf(c->kind, sizeof(c->kind), "xlate");
		err = rcode_bench_load_xlate(spec + 6, &c->prog_fd);
		if (!err)
			err = cand_frame(c, spec + 6);
		if (!err) {
			/* c->handler came from the handler's .handler */
			char h[RC_NAME_MAX];

			memcpy(h, c->handler, sizeof(h));
			snprintf(c->label, sizeof(c->label),
				 "R-code %s (translated)", h);
		}
	} else if (!strncmp(spec, "interp:", 7)) {
		snprintf(c->kind, sizeof(c->kind), "interp");
		err = rcode_bench_load_interp(spec + 7, 0, false, &c->prog_fd,
					      &c->h);
		if (!err)
			err = cand_frame(c, spec + 7);
		if (!err) {
			char h[RC_NAME_MAX];

			memcpy(h, c->handler, sizeof(h));
			snprintf(c->label, sizeof(c->label),
				 "R-code %s (interpreter)", h);
		}
	} else {
		fprintf(stderr, "bench_prog: unknown candidate '%s'\n", spec);
		return -EINVAL;
	}
	if (err)
		return err;
	for (int i = 0; i < ncands; i++)
		if (c->handler[0] && !strcmp(cands[i].handler, c->handler)) {
			if (c->base < 0)
				c->base = i;
			if (!strcmp(cands[i].kind, "xlate") &&
			    !strcmp(c->kind, "interp"))
				c->xbase = i;
		}
	ncands++;
	return 0;
}

/* Thread CPU time and wall time of one test-run call of 'repeat' runs. */
static int test_run(struct cand *c, unsigned int repeat, double *cpu,
		    double *wall, double *kern)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c->frame,
		    .data_size_in = c->frame_len, .repeat = repeat);
	double t0, w0;
	int err;

	w0 = bench_now();
	t0 = thread_cpu_ns();
	err = bpf_prog_test_run_opts(c->prog_fd, &o);
	*cpu = thread_cpu_ns() - t0;
	*wall = (bench_now() - w0) * 1e9;
	if (err)
		return -errno;
	*kern = o.duration;
	c->action = o.retval;
	return 0;
}

/*
 * ns per run of a candidate.  A call costs more than its runs: copying the
 * frame in, and for repeat > 1 switching the kernel's XDP dispatcher to
 * the program and back, some hundreds of microseconds that would add
 * about 0.3 ns to every run of a million.  So a call of 2 runs is timed
 * right before, and the difference is divided by the extra runs.
 */
static int measure(struct cand *c, unsigned int repeat, double *cpu,
		   double *kern, double *wall)
{
	double c2, w2, k2, cn, wn;
	int err;

	err = test_run(c, 2, &c2, &w2, &k2);
	if (!err)
		err = test_run(c, repeat, &cn, &wn, kern);
	if (err)
		return err;
	*cpu = (cn - c2) / (repeat - 2);
	*wall = (wn - w2) / (repeat - 2);
	return 0;
}

static double median_of(const double *v, size_t n)
{
	struct bench_summary s;
	double *t = malloc(n * sizeof(*t));

	if (!t)
		return 0;
	memcpy(t, v, n * sizeof(*t));
	bench_summarize(t, n, &s);
	free(t);
	return s.median;
}

static void summary_of(const double *v, size_t n, struct bench_summary *s)
{
	double *t = malloc(n * sizeof(*t));

	memset(s, 0, sizeof(*s));
	if (!t)
		return;
	memcpy(t, v, n * sizeof(*t));
	bench_summarize(t, n, s);
	free(t);
}

static double spread_of(const double *v, size_t n)
{
	struct bench_summary s;

	summary_of(v, n, &s);
	return bench_rel_iqr(&s);
}

static double precision_of(const double *v, size_t n)
{
	struct bench_summary s;

	summary_of(v, n, &s);
	return bench_rel_ci(&s);
}

/* Is every candidate's median ns/run, ratio to the floor and ratio to
 * its baseline known to within the target? */
static bool stable(unsigned int rounds, double *worst)
{
	*worst = 0;
	for (int i = 0; i < ncands; i++) {
		const struct cand *c = &cands[i];
		double p = precision_of(c->cpu, rounds);

		if (strcmp(c->kind, "floor"))
			p = fmax(p, precision_of(c->ratio, rounds));
		if (c->base >= 0)
			p = fmax(p, precision_of(c->vs_base, rounds));
		if (c->xbase >= 0)
			p = fmax(p, precision_of(c->vs_xlate, rounds));
		*worst = fmax(*worst, p);
	}
	return *worst <= opt.target;
}

static struct json_object *array_json(const double *v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_double(v[i]));
	return a;
}

static int write_json(unsigned int rounds, bool ok, double worst,
		      double secs)
{
	struct json_object *root = json_object_new_object(), *progs;
	int err;

	json_object_object_add(root, "benchmark",
			       json_object_new_string("bpf_prog_test_run"));
	json_object_object_add(root, "frame",
			       json_object_new_string(opt.ipv6 ? "ipv6" :
							"ipv4"));
	json_object_object_add(root, "repeat",
			       json_object_new_int64(opt.repeat));
	json_object_object_add(root, "rounds", json_object_new_int(rounds));
	json_object_object_add(root, "seconds", json_object_new_double(secs));
	json_object_object_add(root, "cpu", json_object_new_int(opt.cpu));
	json_object_object_add(root, "target",
			       json_object_new_double(opt.target));
	json_object_object_add(root, "worst_rel_ci95",
			       json_object_new_double(worst));
	json_object_object_add(root, "stable", json_object_new_boolean(ok));
	json_object_object_add(root, "measure", json_object_new_string(
		"(thread CPU time of a test run of 'repeat' runs - that of "
		"2 runs) / (repeat - 2)"));
	progs = json_object_new_array();
	for (int i = 0; i < ncands; i++) {
		struct cand *c = &cands[i];
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "label",
				       json_object_new_string(c->label));
		json_object_object_add(p, "kind",
				       json_object_new_string(c->kind));
		json_object_object_add(p, "handler",
				       json_object_new_string(c->handler));
		json_object_object_add(p, "last_action", json_object_new_string(
			xdp_action_name(c->action)));
		json_object_object_add(p, "repeat",
				       json_object_new_int64(c->repeat));
		if (c->insns > 0) {
			double ns = median_of(c->cpu, rounds);

			json_object_object_add(p, "insns_per_run",
					       json_object_new_double(c->insns));
			json_object_object_add(p, "ref_insns_per_run",
					       json_object_new_double(c->ref_insns));
			json_object_object_add(p, "ref_insns_first_run",
					       json_object_new_double(c->ref_first));
			json_object_object_add(p, "ns_per_insn",
					       json_object_new_double(ns / c->insns));
		}
		json_object_object_add(p, "ns_per_run",
				       bench_summary_json(c->cpu, rounds));
		json_object_object_add(p, "kernel_ns_per_run",
				       bench_summary_json(c->kern, rounds));
		json_object_object_add(p, "wall_ns_per_run",
				       bench_summary_json(c->wall, rounds));
		if (strcmp(c->kind, "floor")) {
			json_object_object_add(p, "ratio_to_floor",
					       bench_summary_json(c->ratio, rounds));
			json_object_object_add(p, "ns_above_floor",
					       bench_summary_json(c->net, rounds));
		}
		if (c->base >= 0) {
			json_object_object_add(p, "baseline", json_object_new_string(
				cands[c->base].label));
			json_object_object_add(p, "ratio_to_baseline",
					       bench_summary_json(c->vs_base, rounds));
		}
		if (c->xbase >= 0) {
			json_object_object_add(p, "translation",
				json_object_new_string(cands[c->xbase].label));
			json_object_object_add(p, "ratio_to_translation",
					       bench_summary_json(c->vs_xlate, rounds));
		}
		json_object_object_add(p, "rounds_ns_per_run",
				       array_json(c->cpu, rounds));
		json_object_array_add(progs, p);
	}
	json_object_object_add(root, "programs", progs);
	err = json_object_to_file_ext(opt.json, root, JSON_C_TO_STRING_PRETTY);
	json_object_put(root);
	if (err) {
		fprintf(stderr, "bench_prog: %s: %s\n", opt.json,
			json_util_get_last_err());
		return -EIO;
	}
	return 0;
}

static void print_table(unsigned int rounds, bool ok, double worst)
{
	printf("%-32s %6s %9s %7s %7s %9s %7s %7s %8s %7s %7s %7s %7s\n",
	       "program", "last", "ns/run", "+-95%", "IQR", "kernel", "wall",
	       "x floor", "+-95%", "x C", "x xlat", "insns", "ns/ins");
	for (int i = 0; i < ncands; i++) {
		struct cand *c = &cands[i];

		printf("%-32s %6s %9.2f %6.1f%% %6.1f%% %9.1f %7.2f",
		       c->label, xdp_action_name(c->action),
		       median_of(c->cpu, rounds),
		       100 * precision_of(c->cpu, rounds),
		       100 * spread_of(c->cpu, rounds),
		       median_of(c->kern, rounds), median_of(c->wall, rounds));
		if (strcmp(c->kind, "floor"))
			printf(" %7.2f %6.1f%%", median_of(c->ratio, rounds),
			       100 * precision_of(c->ratio, rounds));
		else
			printf(" %7s %7s", "", "");
		printf(" %9.3f", c->base >= 0 ? median_of(c->vs_base, rounds) :
							 0.0);
		printf(" %7.3f", c->xbase >= 0 ?
				 median_of(c->vs_xlate, rounds) : 0.0);
		if (c->insns > 0)
			printf(" %7.1f %7.3f", c->insns,
			       median_of(c->cpu, rounds) / c->insns);
		printf("\n");
	}
	printf("%u rounds of up to %u runs each; medians known to +-%.1f%% (95%% "
	       "confidence; target %.1f%%): %s\n", rounds, opt.repeat,
	       100 * worst, 100 * opt.target, ok ? "stable" : "NOT stable");
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: bench_prog [options] [floor] [c:NAME]... [xlate:FILE.r]...\n"
"                  [interp:FILE.r]... [obj:FILE.bpf.o,FILE.r]...\n"
"  --repeat N          runs per test-run call (default 2000000)\n"
"  --call-ms MS        fewer runs for a candidate whose call would take\n"
"                      longer than MS (default 30)\n"
"  --min-rounds N      rounds before judging stability (default 15)\n"
"  --max-rounds N      give up after N rounds (default 301)\n"
"  --max-time SECS     give up after SECS seconds (default 180)\n"
"  --target F          stop when every median is known to +-F, 95%%\n"
"                      confidence (default 0.01)\n"
"  --ipv6              measure on IPv6 frames\n"
"  --cpu N             pin to CPU N (-1: do not pin; default: last CPU)\n"
"  --examples DIR      where NAME.r lives (default examples)\n"
"  --xlate FILE.r      same as the candidate xlate:FILE.r\n"
"  --xlate-available   exit 0 if the translator hook loads handlers\n"
"  --json FILE         write the results as JSON\n");
}

static int add_defaults(void)
{
	static const char *const names[] = { "counter", "echo", "gsum",
					      "barrier" };
	char spec[512];
	int fd, err;
	bool xl, in;

	/* Probe the hook once; until it works it says why on stderr. */
	snprintf(spec, sizeof(spec), "%s/counter.r", opt.examples);
	xl = !rcode_bench_load_xlate(spec, &fd);
	in = bench_interp(0) != NULL;
	if ((err = add_cand("floor")))
		return err;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(spec, sizeof(spec), "c:%s", names[i]);
		if ((err = add_cand(spec)))
			return err;
		snprintf(spec, sizeof(spec), "xlate:%s/%s.r", opt.examples,
			 names[i]);
		if (xl && (err = add_cand(spec)))
			return err;
		snprintf(spec, sizeof(spec), "interp:%s/%s.r", opt.examples,
			 names[i]);
		if (in && (err = add_cand(spec)))
			return err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_REPEAT = 256, O_CALL, O_MIN, O_MAX, O_TIME, O_TARGET, O_IPV6, O_CPU,
	       O_EX, O_XLATE, O_AVAIL, O_JSON, O_HELP };
	static const struct option lo[] = {
		{ "repeat", required_argument, NULL, O_REPEAT },
		{ "call-ms", required_argument, NULL, O_CALL },
		{ "min-rounds", required_argument, NULL, O_MIN },
		{ "max-rounds", required_argument, NULL, O_MAX },
		{ "max-time", required_argument, NULL, O_TIME },
		{ "target", required_argument, NULL, O_TARGET },
		{ "ipv6", no_argument, NULL, O_IPV6 },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "examples", required_argument, NULL, O_EX },
		{ "xlate", required_argument, NULL, O_XLATE },
		{ "xlate-available", no_argument, NULL, O_AVAIL },
		{ "json", required_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *xlates[MAX_CANDS];
	unsigned int nxl = 0, rounds = 0, i;
	double start, worst = 1;
	bool avail = false, ok = false;
	int c, err;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_REPEAT: opt.repeat = strtoul(optarg, NULL, 0); break;
		case O_CALL: opt.call_ms = strtod(optarg, NULL); break;
		case O_MIN: opt.min_rounds = strtoul(optarg, NULL, 0); break;
		case O_MAX: opt.max_rounds = strtoul(optarg, NULL, 0); break;
		case O_TIME: opt.max_time = strtod(optarg, NULL); break;
		case O_TARGET: opt.target = strtod(optarg, NULL); break;
		case O_IPV6: opt.ipv6 = true; break;
		case O_CPU: opt.cpu = strtol(optarg, NULL, 0); break;
		case O_EX: opt.examples = optarg; break;
		case O_XLATE:
			if (nxl < MAX_CANDS)
				xlates[nxl++] = optarg;
			break;
		case O_AVAIL: avail = true; break;
		case O_JSON: opt.json = optarg; break;
		case 'h':
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (opt.repeat < 100 || opt.min_rounds < 3 ||
	    opt.max_rounds < opt.min_rounds) {
		fprintf(stderr, "bench_prog: need --repeat >= 100 and "
			"3 <= --min-rounds <= --max-rounds\n");
		return 2;
	}
	if (avail) {
		char path[512];
		int fd;

		snprintf(path, sizeof(path), "%s/counter.r", opt.examples);
		return rcode_bench_load_xlate(path, &fd) ? 1 : 0;
	}

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (optind == argc && !nxl)
		err = add_defaults();
	else
		err = 0;
	for (int a = optind; !err && a < argc; a++)
		err = add_cand(argv[a]);
	for (i = 0; !err && i < nxl; i++) {
		char spec[600];

		snprintf(spec, sizeof(spec), "xlate:%s", xlates[i]);
		err = add_cand(spec);
	}
	if (err)
		return 1;
	for (int k = 0; k < ncands; k++) {
		struct cand *cd = &cands[k];

		cd->cpu = calloc(opt.max_rounds, sizeof(double));
		cd->kern = calloc(opt.max_rounds, sizeof(double));
		cd->wall = calloc(opt.max_rounds, sizeof(double));
		cd->ratio = calloc(opt.max_rounds, sizeof(double));
		cd->net = calloc(opt.max_rounds, sizeof(double));
		cd->vs_base = calloc(opt.max_rounds, sizeof(double));
		cd->vs_xlate = calloc(opt.max_rounds, sizeof(double));
		if (!cd->cpu || !cd->kern || !cd->wall || !cd->ratio ||
		    !cd->net || !cd->vs_base || !cd->vs_xlate)
			return 1;
	}
	opt.cpu = bench_pin_cpu(opt.cpu, "bench_prog");

	/* Instructions per run, one count per handler (the frames of its
	 * candidates are the same bytes), in the state the repeated runs
	 * settle into. */
	for (int k = 0; k < ncands; k++) {
		struct cand *cd = &cands[k];
		struct rcode_handler *restore = NULL;

		if (!cd->handler[0] || !cd->rpath[0])
			continue;
		if (cd->base >= 0 && cands[cd->base].insns > 0) {
			cd->insns = cands[cd->base].insns;
			continue;
		}
		if (!bench_interp(0)) {
			cd->insns = cd->ref_insns;	/* no tracer here */
			continue;
		}
		for (int j = 0; j < ncands; j++)
			if (cands[j].h && !strcmp(cands[j].handler,
						  cd->handler))
				restore = cands[j].h;
		if (bench_interp_insns(cd->rpath, cd->frame, cd->frame_len,
				       1000, 3000, restore, &cd->insns)) {
			fprintf(stderr, "bench_prog: %s: cannot count "
				"instructions\n", cd->label);
			cd->insns = 0;
		} else if (cd->insns != cd->ref_insns)
			fprintf(stderr, "bench_prog: %s: the tracing "
				"interpreter counts %.2f instructions a run, "
				"the reference %.2f\n", cd->label, cd->insns,
				cd->ref_insns);
	}

	/* One round to warm caches, JIT images and branch predictors. */
	for (int k = 0; k < ncands; k++) {
		double x, y, z;

		err = measure(&cands[k], opt.repeat / 10 + 3, &x, &y, &z);
		if (err) {
			fprintf(stderr, "bench_prog: test run of %s: %s\n",
				cands[k].label, strerror(-err));
			return 1;
		}
		/* x: ns per run; keep a call within --call-ms. */
		if (x > 0 && opt.repeat * x > opt.call_ms * 1e6)
			cands[k].repeat = fmax(1000, opt.call_ms * 1e6 / x);
	}

	start = bench_now();
	while (rounds < opt.max_rounds) {
		double floor_ns = 0;

		for (int j = 0; j < ncands; j++) {
			struct cand *cd = &cands[(j + rounds) % ncands];

			err = measure(cd, cd->repeat, &cd->cpu[rounds],
				      &cd->kern[rounds], &cd->wall[rounds]);
			if (err) {
				fprintf(stderr, "bench_prog: test run of %s: "
					"%s\n", cd->label, strerror(-err));
				return 1;
			}
		}
		for (int k = 0; k < ncands; k++)
			if (!strcmp(cands[k].kind, "floor"))
				floor_ns = cands[k].cpu[rounds];
		for (int k = 0; k < ncands; k++) {
			struct cand *cd = &cands[k];

			cd->ratio[rounds] = floor_ns ? cd->cpu[rounds] /
						       floor_ns : 0;
			cd->net[rounds] = cd->cpu[rounds] - floor_ns;
			if (cd->base >= 0)
				cd->vs_base[rounds] = cd->cpu[rounds] /
					cands[cd->base].cpu[rounds];
			if (cd->xbase >= 0)
				cd->vs_xlate[rounds] = cd->cpu[rounds] /
					cands[cd->xbase].cpu[rounds];
		}
		rounds++;
		if (rounds >= opt.min_rounds && (ok = stable(rounds, &worst)))
			break;
		if (bench_now() - start > opt.max_time)
			break;
	}
	if (!ok)
		stable(rounds, &worst);
	print_table(rounds, ok, worst);
	if (opt.json && write_json(rounds, ok, worst, bench_now() - start))
		return 1;
	return 0;
}
