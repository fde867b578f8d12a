// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_spin.c - what a message costs as a function of the R-code
 * instructions its handler executes, on each path, compared within one
 * run: the data for the crossover between the in-kernel paths and the
 * user-level one.
 *
 *   bench_spin [options]
 *
 * The handler is bench/handlers/spin.r: an echo that first runs a loop
 * whose iteration count k is the message's first payload word, so one
 * handler covers every size (13 + 11 k instructions).  For each k of
 * --k (log spaced from 0 to the budget's limit), and each path:
 *
 *   xlate   the translated handler, BPF_PROG_TEST_RUN on the frame
 *   interp  the handler in the in-kernel interpreter, the same way
 *   ref     the reference interpreter (rc_run), what the user-level
 *           path (rcode_serve, `rloader serve`, bench_rtt's user-r) runs
 *           for every message, called in this process on the same message
 *   native  the same handler written in C (spin_native() below, in the
 *           form of userlib's native handlers, rcode_native_fn_t), what
 *           bench_rtt's user-c runs for echo: a user-level handler
 *           compiled to machine code
 *
 * the cost per message is the thread's CPU time per run (for the kernel
 * paths less the cost of the test-run call, as in bench_prog).  The
 * executed instructions per message, N, are counted by the reference
 * interpreter and checked against the tracing interpreter's count.
 * Every round measures every (path, k) once in rotating order; rounds
 * continue until every median, and every path's slope, is known to
 * within --target (95% confidence, bench.h), or --max-time passes.
 *
 * Per path it fits cost = a + b N by least squares in every round: b is
 * the marginal cost of one executed instruction (ns/insn), reported as
 * the median over rounds with its confidence interval.  bench_report
 * adds the delivery costs measured by bench_rtt to find where the
 * user-level path overtakes the in-kernel ones.
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

#define MAX_K		32
#define NPATHS		4

enum { P_XLATE, P_INTERP, P_REF, P_NATIVE };
static const char *const path_name[NPATHS] = { "xlate", "interp", "ref",
					       "native" };
static const char *const path_label[NPATHS] = {
	"translated (XDP, BPF_PROG_TEST_RUN)",
	"in-kernel interpreter (XDP, BPF_PROG_TEST_RUN)",
	"reference interpreter (user level, rc_run)",
	"native C (user level)",
};

struct point {
	uint64_t k;
	double insns;
	struct rc_msg msg;		/* ref: run again and again in place */
	uint8_t frame[BENCH_FRAME_MAX];
	size_t frame_len;
	unsigned int repeat[NPATHS];
	double *ns[NPATHS];		/* per round */
};

static struct point pts[MAX_K];
static int npts;
static int prog_fd[NPATHS] = { -1, -1, -1, -1 };
static bool have[NPATHS];
static double *slope[NPATHS], *icept[NPATHS];	/* per round */
static struct rc_prog *prog;
static struct rc_env env;

static struct {
	const char *handler, *json;
	unsigned int min_rounds, max_rounds, max_repeat;
	double max_time, target, call_ms;
	int cpu;
} opt = {
	.handler = "bench/handlers/spin.r",
	.min_rounds = 10,
	.max_rounds = 200,
	.max_repeat = 2000000,
	.max_time = 150,
	.target = 0.01,
	.call_ms = 15,
	.cpu = -2,
};

/* spin.r in C, as userlib/rcode_native.c writes the examples. */
static int spin_native(void *ctx, struct rc_msg *m, struct rc_env *env,
		       struct rc_result *res)
{
	uint64_t k, h = 0;
	uint32_t t;

	(void)ctx;
	(void)env;
	if (m->hdr.len >= 16) {
		memcpy(&k, m->payload, 8);
		for (; k; k--)
			h = (h ^ k) * 3;
		memcpy(m->payload + 8, &h, 8);
	}
	m->hdr.tag = 0x6563686f;
	t = m->hdr.src;
	m->hdr.src = m->hdr.dst;
	m->hdr.dst = t;
	memset(res, 0, sizeof(*res));
	res->action = RC_ACT_REPLY;
	return 0;
}

/* The optimiser must not see through the call in the timing loop. */
static int (*volatile native_fn)(void *, struct rc_msg *, struct rc_env *,
				 struct rc_result *) = spin_native;

static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int test_run(int fd, const struct point *p, unsigned int repeat,
		    double *cpu)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->frame,
		    .data_size_in = p->frame_len, .repeat = repeat);
	double t0 = thread_cpu_ns();

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*cpu = thread_cpu_ns() - t0;
	if (o.retval != XDP_TX)
		return -EPROTO;		/* spin always answers */
	return 0;
}

/* ns per message of path pa on point p, 'repeat' messages. */
static int measure(int pa, struct point *p, unsigned int repeat, double *ns)
{
	struct rc_result res;
	double c2, cn, t0;
	int err;

	if (pa == P_REF || pa == P_NATIVE) {
		t0 = thread_cpu_ns();
		if (pa == P_REF)
			for (unsigned int i = 0; i < repeat; i++)
				rc_run(prog, &p->msg, &env, &res);
		else
			for (unsigned int i = 0; i < repeat; i++)
				native_fn(NULL, &p->msg, &env, &res);
		*ns = (thread_cpu_ns() - t0) / repeat;
		return res.action == RC_ACT_REPLY ? 0 : -EPROTO;
	}
	/* As bench_prog: less a call of 2 runs, for the call's own cost. */
	err = test_run(prog_fd[pa], p, 2, &c2);
	err = err ?: test_run(prog_fd[pa], p, repeat, &cn);
	if (err)
		return err;
	*ns = (cn - c2) / (repeat - 2);
	return 0;
}

static void summary_of(const double *v, size_t n, struct bench_summary *s)
{
	double *t = malloc((n + 1) * sizeof(*t));

	memset(s, 0, sizeof(*s));
	if (!t)
		return;
	memcpy(t, v, n * sizeof(*t));
	bench_summarize(t, n, s);
	free(t);
}

/* Least squares of y over x. */
static void fit(const double *x, const double *y, int n, double *a, double *b)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;

	for (int i = 0; i < n; i++) {
		sx += x[i];
		sy += y[i];
		sxx += x[i] * x[i];
		sxy += x[i] * y[i];
	}
	*b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	*a = (sy - *b * sx) / n;
}

static void fit_round(unsigned int r)
{
	double x[MAX_K], y[MAX_K];

	for (int pa = 0; pa < NPATHS; pa++) {
		if (!have[pa])
			continue;
		for (int i = 0; i < npts; i++) {
			x[i] = pts[i].insns;
			y[i] = pts[i].ns[pa][r];
		}
		fit(x, y, npts, &icept[pa][r], &slope[pa][r]);
	}
}

static bool stable(unsigned int rounds, double *worst)
{
	struct bench_summary s;

	*worst = 0;
	for (int pa = 0; pa < NPATHS; pa++) {
		if (!have[pa])
			continue;
		for (int i = 0; i < npts; i++) {
			summary_of(pts[i].ns[pa], rounds, &s);
			*worst = fmax(*worst, bench_rel_ci(&s));
		}
		summary_of(slope[pa], rounds, &s);
		*worst = fmax(*worst, bench_rel_ci(&s));
	}
	return *worst <= opt.target;
}

static double median_of(const double *v, size_t n)
{
	struct bench_summary s;

	summary_of(v, n, &s);
	return s.median;
}

static int write_json(unsigned int rounds, bool ok, double worst,
		      double secs)
{
	struct json_object *root = json_object_new_object(), *a, *fits;
	int err;

	json_object_object_add(root, "benchmark",
			       json_object_new_string("cost_vs_insns"));
	json_object_object_add(root, "handler",
			       json_object_new_string(opt.handler));
	json_object_object_add(root, "rounds", json_object_new_int(rounds));
	json_object_object_add(root, "seconds", json_object_new_double(secs));
	json_object_object_add(root, "cpu", json_object_new_int(opt.cpu));
	json_object_object_add(root, "target",
			       json_object_new_double(opt.target));
	json_object_object_add(root, "worst_rel_ci95",
			       json_object_new_double(worst));
	json_object_object_add(root, "stable", json_object_new_boolean(ok));
	json_object_object_add(root, "measure", json_object_new_string(
		"thread CPU time per message; kernel paths: (a test run of "
		"'repeat' runs - one of 2 runs) / (repeat - 2); ref: rc_run "
		"called 'repeat' times on the message"));
	a = json_object_new_array();
	for (int pa = 0; pa < NPATHS; pa++)
		if (have[pa]) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "path", json_object_new_string(
				path_name[pa]));
			json_object_object_add(o, "label", json_object_new_string(
				path_label[pa]));
			json_object_array_add(a, o);
		}
	json_object_object_add(root, "paths", a);
	a = json_object_new_array();
	for (int i = 0; i < npts; i++) {
		struct point *p = &pts[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "k", json_object_new_int64(p->k));
		json_object_object_add(o, "insns",
				       json_object_new_double(p->insns));
		for (int pa = 0; pa < NPATHS; pa++) {
			struct json_object *q;
			char key[32];

			if (!have[pa])
				continue;
			q = bench_summary_json(p->ns[pa], rounds);
			json_object_object_add(q, "repeat",
				json_object_new_int64(p->repeat[pa]));
			json_object_object_add(q, "ns_per_insn",
				json_object_new_double(
					median_of(p->ns[pa], rounds) /
					p->insns));
			snprintf(key, sizeof(key), "%s_ns", path_name[pa]);
			json_object_object_add(o, key, q);
		}
		json_object_array_add(a, o);
	}
	json_object_object_add(root, "points", a);
	fits = json_object_new_object();
	for (int pa = 0; pa < NPATHS; pa++) {
		struct json_object *o = json_object_new_object();

		if (!have[pa])
			continue;
		json_object_object_add(o, "slope_ns_per_insn",
				       bench_summary_json(slope[pa], rounds));
		json_object_object_add(o, "intercept_ns",
				       bench_summary_json(icept[pa], rounds));
		json_object_object_add(fits, path_name[pa], o);
	}
	json_object_object_add(root, "fits", fits);
	err = json_object_to_file_ext(opt.json, root, JSON_C_TO_STRING_PRETTY);
	json_object_put(root);
	if (err) {
		fprintf(stderr, "bench_spin: %s: %s\n", opt.json,
			json_util_get_last_err());
		return -EIO;
	}
	return 0;
}

static void print_table(unsigned int rounds, bool ok, double worst)
{
	struct bench_summary s;

	printf("%8s %8s", "k", "insns");
	for (int pa = 0; pa < NPATHS; pa++)
		if (have[pa])
			printf(" %12s %8s", path_name[pa], "ns/insn");
	printf("\n");
	for (int i = 0; i < npts; i++) {
		printf("%8llu %8.0f", (unsigned long long)pts[i].k,
		       pts[i].insns);
		for (int pa = 0; pa < NPATHS; pa++)
			if (have[pa]) {
				double m = median_of(pts[i].ns[pa], rounds);

				printf(" %12.1f %8.3f", m, m / pts[i].insns);
			}
		printf("\n");
	}
	for (int pa = 0; pa < NPATHS; pa++)
		if (have[pa]) {
			summary_of(slope[pa], rounds, &s);
			printf("%-7s cost = %.1f ns + %.3f ns/insn x N "
			       "(slope +-%.1f%%)\n", path_name[pa],
			       median_of(icept[pa], rounds), s.median,
			       100 * bench_rel_ci(&s));
		}
	printf("%u rounds; medians known to +-%.1f%% (95%% confidence; "
	       "target %.1f%%): %s\n", rounds, 100 * worst, 100 * opt.target,
	       ok ? "stable" : "NOT stable");
}

static int add_point(uint64_t k, struct rcode_handler *ih)
{
	struct point *p = &pts[npts];
	struct bench_ends e;
	double first, traced;
	uint64_t zero = 0;

	if (npts == MAX_K)
		return -E2BIG;
	p->k = k;
	bench_msg(&p->msg, prog, 0, k);
	p->msg.hdr.len = 16;
	memcpy(p->msg.payload + 8, &zero, 8);
	bench_ends_default(&e, false);
	p->frame_len = bench_frame(p->frame, sizeof(p->frame), &p->msg, &e);
	if (!p->frame_len ||
	    bench_ref_insns(prog, &p->msg, 0, 1, &first, &p->insns))
		return -EINVAL;
	{	/* the C version computes what the handler computes */
		struct rc_msg a = p->msg, b = p->msg;
		struct rc_result ra, rb;

		rc_run(prog, &a, &env, &ra);
		spin_native(NULL, &b, &env, &rb);
		if (memcmp(&a.hdr, &b.hdr, sizeof(a.hdr)) ||
		    memcmp(a.payload, b.payload, 16) || ra.action != rb.action) {
			fprintf(stderr, "bench_spin: k=%llu: spin_native() "
				"and the handler disagree\n",
				(unsigned long long)k);
			return -EPROTO;
		}
	}
	if (p->insns > prog->budget) {
		fprintf(stderr, "bench_spin: k=%llu exceeds the budget\n",
			(unsigned long long)k);
		return -ERANGE;
	}
	/* The interpreter must count what the reference counts. */
	if (have[P_INTERP]) {
		int err = bench_interp_insns(opt.handler, p->frame,
					     p->frame_len, 2, 3, ih, &traced);

		if (err)
			return err;
		if (traced != p->insns) {
			fprintf(stderr, "bench_spin: k=%llu: the tracing "
				"interpreter counts %.0f instructions, the "
				"reference %.0f\n", (unsigned long long)k,
				traced, p->insns);
			return -EPROTO;
		}
	}
	for (int pa = 0; pa < NPATHS; pa++) {
		p->ns[pa] = calloc(opt.max_rounds, sizeof(double));
		if (!p->ns[pa])
			return -ENOMEM;
	}
	npts++;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: bench_spin [options]\n"
"  --handler FILE.r    the handler (default bench/handlers/spin.r)\n"
"  --k LIST            loop counts, comma-separated (default: log spaced,\n"
"                      0 .. 5950, i.e. 13 .. 65463 instructions)\n"
"  --call-ms MS        time per measurement (default 15)\n"
"  --min-rounds N      (default 10)   --max-rounds N (default 200)\n"
"  --max-time SECS     (default 150)\n"
"  --target F          stop when every median is known to +-F, 95%%\n"
"                      confidence (default 0.01)\n"
"  --cpu N             pin to CPU N (-1: do not pin; default: last CPU)\n"
"  --json FILE         write the results as JSON\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "handler", required_argument, NULL, 'H' },
		{ "k", required_argument, NULL, 'k' },
		{ "call-ms", required_argument, NULL, 'c' },
		{ "min-rounds", required_argument, NULL, 'm' },
		{ "max-rounds", required_argument, NULL, 'M' },
		{ "max-time", required_argument, NULL, 't' },
		{ "target", required_argument, NULL, 'T' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *klist = "0,1,3,8,18,45,90,180,450,900,1800,3600,5950";
	struct rcode_handler *ih = NULL;
	unsigned int rounds = 0;
	double start, worst = 1;
	bool ok = false;
	int c, err;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'H': opt.handler = optarg; break;
		case 'k': klist = optarg; break;
		case 'c': opt.call_ms = strtod(optarg, NULL); break;
		case 'm': opt.min_rounds = strtoul(optarg, NULL, 0); break;
		case 'M': opt.max_rounds = strtoul(optarg, NULL, 0); break;
		case 't': opt.max_time = strtod(optarg, NULL); break;
		case 'T': opt.target = strtod(optarg, NULL); break;
		case 'C': opt.cpu = strtol(optarg, NULL, 0); break;
		case 'j': opt.json = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (opt.min_rounds < 3 || opt.max_rounds < opt.min_rounds) {
		fprintf(stderr, "bench_spin: need 3 <= --min-rounds <= "
			"--max-rounds\n");
		return 2;
	}
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (bench_load_rcode(opt.handler, &prog))
		return 1;
	env.state = calloc(RC_STATE_MAX, sizeof(uint64_t));
	if (!env.state)
		return 1;
	have[P_REF] = true;
	have[P_NATIVE] = !strcmp(prog->name, "spin");
	have[P_XLATE] = !rcode_bench_load_xlate(opt.handler, &prog_fd[P_XLATE]);
	have[P_INTERP] = !rcode_bench_load_interp(opt.handler, 0, false,
						  &prog_fd[P_INTERP], &ih);
	for (const char *s = klist; *s; ) {
		char *end;
		uint64_t k = strtoull(s, &end, 0);

		if (end == s || (err = add_point(k, ih))) {
			fprintf(stderr, "bench_spin: bad --k at '%s'\n", s);
			return 1;
		}
		s = *end == ',' ? end + 1 : end;
	}
	if (npts < 2)
		return 2;
	for (int pa = 0; pa < NPATHS; pa++) {
		slope[pa] = calloc(opt.max_rounds, sizeof(double));
		icept[pa] = calloc(opt.max_rounds, sizeof(double));
		if (!slope[pa] || !icept[pa])
			return 1;
	}
	opt.cpu = bench_pin_cpu(opt.cpu, "bench_spin");

	/* Warm up, and size every measurement to about --call-ms: first
	 * from the whole time of a call (which overestimates a fast path's
	 * runs by the call's own cost), then from a measurement of that
	 * size.  A kernel path makes at least 200 runs a call, so that the
	 * variation of the call's own cost (tens of us) stays small. */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < npts; i++)
			for (int pa = 0; pa < NPATHS; pa++) {
				struct point *p = &pts[i];
				double ns;

				if (!have[pa])
					continue;
				if (pass == 0 && pa <= P_INTERP) {
					err = test_run(prog_fd[pa], p, 20000,
						       &ns);
					ns /= 20000;
				} else
					err = measure(pa, p, pass ?
						      p->repeat[pa] : 2000,
						      &ns);
				if (err) {
					fprintf(stderr, "bench_spin: %s, "
						"k=%llu: %s\n", path_name[pa],
						(unsigned long long)p->k,
						strerror(-err));
					return 1;
				}
				if (ns <= 0)
					continue;
				p->repeat[pa] = fmin(opt.max_repeat,
					fmax(pa >= P_REF ? 100 : 200,
					     opt.call_ms * 1e6 / ns));
			}

	start = bench_now();
	while (rounds < opt.max_rounds) {
		int n = npts * NPATHS;

		for (int j = 0; j < n; j++) {
			int x = (j + rounds * 7) % n;	/* rotate */
			struct point *p = &pts[x / NPATHS];
			int pa = x % NPATHS;

			if (!have[pa])
				continue;
			err = measure(pa, p, p->repeat[pa], &p->ns[pa][rounds]);
			if (err) {
				fprintf(stderr, "bench_spin: %s, k=%llu: %s\n",
					path_name[pa],
					(unsigned long long)p->k,
					strerror(-err));
				return 1;
			}
		}
		fit_round(rounds);
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
