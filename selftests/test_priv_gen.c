// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_gen.c - the three-way differential at scale: generated cases
 * (rc_gen.h: a handler R-code's verifier accepts, messages, and the
 * reference interpreter's results as expectations) on every kernel path
 * that applies (rc_paths.h): translated at XDP (bpf_loop callbacks) over
 * IPv4 and IPv6, loops inline as without the JIT (IPv4), TC when the
 * handler sends (IPv4 and IPv6), the in-kernel interpreter over both and
 * traced (instructions and stack high-water mark too).  A case that any
 * path disagrees with, or whose translation the kernel refuses although
 * R-code's verifier accepted it, is shrunk to a minimal one and printed
 * as a case file for selftests/cases/.
 *
 * RC_GEN_N programs (default 2000; 40 in the VM, where RC_VM_JIT is set,
 * or when the JIT is off: emulated BPF is 50-100x slower) from seeds
 * derived from RC_GEN_SEED (default 0x5eed).  Every program runs on the
 * reference and the translation (XDP or TC, IPv4 and IPv6); the
 * interpreter and inline loops, which cost far more, on every
 * RC_GEN_EVERY-th (default 4 for the default sample, 1 when RC_GEN_N is
 * given, as make soak does).  RC_GEN_JOBS workers (default 4, 1 in the VM)
 * share the programs.  RC_GEN_REPORT=DIR writes
 * the figures to DIR/soak.json and DIR/soak.md (make soak).  RC_GEN_OUT=DIR
 * also writes each shrunk case there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "rc_case.h"
#include "rc_gen.h"
#include "rc_paths.h"
#include "rc_test.h"
#include "rcode_handler.h"
#include "rcode_private.h"

#define SAMPLE_HOST	2000
#define SAMPLE_VM	40
#define MAX_REPORTED	8	/* failing programs shrunk and printed */

static const struct {
	const char *name;
	struct rc_paths_mode m;
	int ipvers[3];
} modes[] = {
	{ "xlate", { RCODE_PATH_XLATE, false, false, false }, { 4, 6, 0 } },
	{ "xlate-tc", { RCODE_PATH_XLATE, false, false, true }, { 4, 6, 0 } },
	{ "xlate/inline", { RCODE_PATH_XLATE, true, false, false }, { 4, 0 } },
	{ "interp", { RCODE_PATH_INTERP, false, false, false }, { 4, 6, 0 } },
	{ "interp-trace", { RCODE_PATH_INTERP, false, true, false }, { 4, 0 } },
};
#define NMODES	(sizeof(modes) / sizeof(modes[0]))

struct figures {
	uint64_t programs, rejected, agreed, disagreements, refused, broken;
	uint64_t unsupported, loads[NMODES], runs, case_bugs;
	uint64_t inline_limit;	/* inline loops: budget too large to verify */
	uint64_t slow;		/* loads interrupted after SLOW_S */
	bool opcode[256];
	uint64_t faults[RC_FAULT__COUNT], actions[RC_ACT__COUNT];
	uint64_t with_loops, with_send;
};

/* How a case failed: on which mode, and how (so shrinking keeps it). */
struct failure {
	int mode;		/* -1: none */
	int kind;		/* RC_PATHS_REFUSED, _BROKEN, or -1 disagree */
	char why[1024];
};

static bool needs_send(const struct rc_case *c)
{
	struct rc_verinfo vi;

	return !rc_verify(c->prog, &vi, &(struct rc_diags){ 0 }) && vi.needs_tc;
}

/* Every applicable path on one case; the first failure in f.  only >= 0:
 * that mode only (shrinking). */
static unsigned int every = 1;	/* RC_GEN_EVERY */
static volatile sig_atomic_t slow;	/* the program's time is up */

/*
 * A kernel verifier that walks a translation for minutes (seen on inline
 * loops with large budgets) is interrupted: it checks for signals, and
 * the load fails with EAGAIN (libbpf retries a few times, each retry
 * interrupted a second later).  Counted and reported apart.
 */
#define SLOW_S	30

static void on_alarm(int sig)
{
	(void)sig;
	slow = 1;
}

static void arm(bool on)
{
	struct itimerval it = { .it_value = { on ? SLOW_S : 0, 0 },
				.it_interval = { on ? 1 : 0, 0 } };

	slow = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void judge(const struct rc_case *c, int only, bool full,
		  struct failure *f, struct figures *fig)
{
	bool tc = needs_send(c);

	f->mode = -1;
	f->why[0] = '\0';
	for (int k = 0; k < (int)NMODES; k++) {
		struct rc_paths_handler *ph;
		char why[1024];
		int st;

		/* The interpreter and inline loops cost a hundred times
		 * what the translation does (RCU grace periods, loops
		 * verified iteration by iteration): on every program in the
		 * soak, on every RC_GEN_EVERY-th in the CI sample. */
		if (!full && (modes[k].m.inline_loops ||
			      modes[k].m.kind == RCODE_PATH_INTERP))
			continue;
		if ((only >= 0 && k != only) ||
		    (modes[k].m.kind == RCODE_PATH_XLATE && !modes[k].m.inline_loops &&
		     modes[k].m.tc != tc))
			continue;
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		st = rc_paths_open(c, &modes[k].m, &ph, why, sizeof(why));
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (getenv("RC_GEN_TIMING"))
			printf("# open %s: %.3f s\n", modes[k].name, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
		if (st == RC_PATHS_UNSUPPORTED && fig)
			fig->unsupported++;
		if (st == RC_PATHS_REFUSED &&
		    (modes[k].m.inline_loops || !rcode_jit_enabled()) &&
		    strstr(why, "loops are verified iteration by iteration")) {
			/* The known limit of inline loops (no JIT): rcode2bpf
			 * names it at load time; counted apart.  Without the
			 * JIT every translation keeps its loops inline. */
			if (fig)
				fig->inline_limit++;
			continue;
		}
		if (slow && (st == RC_PATHS_REFUSED || st == RC_PATHS_BROKEN)) {
			printf("# %s: %s: load interrupted after %d s: %s\n",
			       c->name, modes[k].name, SLOW_S, why);
			if (fig)
				fig->slow++;
			continue;
		}
		if (st == RC_PATHS_REFUSED || st == RC_PATHS_BROKEN) {
			f->mode = k;
			f->kind = st;
			snprintf(f->why, sizeof(f->why), "%s", why);
			return;
		}
		if (st != RC_PATHS_LOADED)
			continue;
		if (fig)
			fig->loads[k]++;
		for (const int *v = modes[k].ipvers; *v; v++) {
			clock_gettime(CLOCK_MONOTONIC, &a);
			int n = rc_paths_run(ph, *v, true, why, sizeof(why));
			clock_gettime(CLOCK_MONOTONIC, &b);
			if (getenv("RC_GEN_TIMING"))
				printf("# run %s v%d x%zu: %.3f s\n", modes[k].name, *v, c->nruns, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);

			if (fig)
				fig->runs += c->nruns;
			if (n) {
				f->mode = k;
				f->kind = -1;
				snprintf(f->why, sizeof(f->why), "ipv%d: %s", *v,
					 why);
				break;
			}
		}
		rc_paths_close(ph);
		if (f->mode >= 0)
			return;
	}
}

struct shrink_ctx {
	const struct failure *orig;
	time_t deadline;	/* shrinking stops trying then */
};

static bool still_fails(void *ctx, const char *text)
{
	const struct shrink_ctx *s = ctx;
	struct failure f;
	struct rc_case *c;
	char err[256];

	if (time(NULL) > s->deadline ||
	    rc_case_load_text("gen.r", text, "gen.r", &c, err, sizeof(err)))
		return false;
	arm(true);
	judge(c, s->orig->mode, true, &f, NULL);
	arm(false);
	rc_case_free(c);
	return f.mode == s->orig->mode && f.kind == s->orig->kind;
}

static void report_failure(struct rc_gen *g, uint64_t seed,
			   const struct failure *f)
{
	const char *ts = getenv("RC_GEN_SHRINK_S");
	struct shrink_ctx s = { .orig = f,
				.deadline = time(NULL) + (ts ? atoi(ts) : 60) };
	const char *out = getenv("RC_GEN_OUT");
	unsigned int steps;
	char *small;

	small = rc_gen_shrink(g, still_fails, &s, &steps);
	printf("# seed 0x%016" PRIx64 ": %s %s: %s\n", seed,
	       modes[f->mode].name, f->kind == RC_PATHS_REFUSED ?
	       "accepted but refused" : f->kind == RC_PATHS_BROKEN ? "broken" :
	       "disagrees", f->why);
	printf("# shrunk in %u steps to this case:\n", steps);
	printf("#---8<---\n%s#---8<---\n", small ? small : "(none)\n");
	if (out && small) {
		char path[4096];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/gen-%016" PRIx64 ".r", out, seed);
		fp = fopen(path, "w");
		if (fp) {
			fputs(small, fp);
			fclose(fp);
		}
	}
	free(small);
}

static void count_case(const struct rc_case *c, struct rc_gen *g,
		       struct figures *fig)
{
	struct rc_verinfo vi;

	rc_gen_opcodes(g, fig->opcode);
	for (size_t i = 0; i < c->nruns; i++) {
		fig->faults[c->runs[i].fault]++;
		if (!c->runs[i].fault)
			fig->actions[c->runs[i].action]++;
	}
	if (!rc_verify(c->prog, &vi, &(struct rc_diags){ 0 })) {
		fig->with_loops += vi.has_loop;
		fig->with_send += vi.needs_tc;
	}
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void write_report(const char *dir, const struct figures *fig,
			 uint64_t seed, double secs, bool jit)
{
	struct utsname u;
	char path[4096], cpu[256] = "unknown";
	FILE *fp = fopen("/proc/cpuinfo", "r");
	char l[512];

	while (fp && fgets(l, sizeof(l), fp))
		if (!strncmp(l, "model name", 10) && strchr(l, ':')) {
			snprintf(cpu, sizeof(cpu), "%s", strchr(l, ':') + 2);
			cpu[strcspn(cpu, "\n")] = '\0';
			break;
		}
	if (fp)
		fclose(fp);
	uname(&u);
	snprintf(path, sizeof(path), "%s/soak.json", dir);
	fp = fopen(path, "w");
	if (!fp)
		return;
	fprintf(fp, "{\n  \"programs\": %" PRIu64 ",\n  \"rejected_by_rcode_verifier\": %"
		PRIu64 ",\n  \"disagreements\": %" PRIu64
		",\n  \"accepted_but_refused\": %" PRIu64 ",\n  \"broken\": %" PRIu64
		",\n  \"accepted_but_refused_inline_budget_limit\": %" PRIu64
		",\n  \"loads_interrupted_after_30s\": %" PRIu64
		",\n  \"unsupported\": %" PRIu64 ",\n  \"runs\": %" PRIu64
		",\n  \"seed\": \"0x%" PRIx64 "\",\n  \"seconds\": %.1f,\n"
		"  \"machine\": { \"kernel\": \"%s %s\", \"cpu\": \"%s\", \"cpus\": %ld, "
		"\"jit\": %s }\n}\n", fig->programs, fig->rejected,
		fig->disagreements, fig->refused, fig->broken, fig->inline_limit,
		fig->slow, fig->unsupported, fig->runs, seed, secs, u.sysname, u.release, cpu,
		sysconf(_SC_NPROCESSORS_ONLN), jit ? "true" : "false");
	fclose(fp);
	snprintf(path, sizeof(path), "%s/soak.md", dir);
	fp = fopen(path, "w");
	if (!fp)
		return;
	fprintf(fp, "# Generated-program soak (make soak)\n\n"
		"| figure | value |\n| --- | --- |\n"
		"| programs run (accepted by R-code's verifier) | %" PRIu64 " |\n"
		"| generated but rejected by R-code's verifier | %" PRIu64 " |\n"
		"| disagreements | %" PRIu64 " |\n"
		"| accepted but refused by the kernel | %" PRIu64 " |\n"
		"| accepted, refused inline (no JIT) for a budget too large "
		"(rcode2bpf names the limit at load) | %" PRIu64 " |\n"
		"| loads interrupted after 30 s (kernel verifier still walking) | %" PRIu64 " |\n"
		"| test harness failures | %" PRIu64 " |\n"
		"| refused by rcode2bpf (-EOPNOTSUPP, by design) | %" PRIu64 " |\n"
		"| message runs compared (all paths) | %" PRIu64 " |\n"
		"| seed | 0x%" PRIx64 " |\n| time | %.0f s |\n"
		"| machine | %s %s, %s, %ld CPUs, JIT %s |\n",
		fig->programs, fig->rejected, fig->disagreements, fig->refused,
		fig->inline_limit, fig->slow, fig->broken, fig->unsupported,
		fig->runs, seed,
		secs, u.sysname,
		u.release, cpu, sysconf(_SC_NPROCESSORS_ONLN), jit ? "on" : "off");
	fclose(fp);
}

/* Programs w, w + nw, w + 2 nw, ... of n, with an interpreter and a
 * network namespace of the worker's own; figures into fig. */
static int worker(unsigned int w, unsigned int nw, uint64_t n, uint64_t seed,
		  bool jit, struct figures *fig)
{
	struct rcode_interp *interp;
	unsigned int reported = 0;
	struct timespec t0, t1;
	char why[512], name[64];
	int capture_fd;

	/* Without the JIT the interpreter cannot load (bpf_loop callbacks):
	 * its paths do not apply, test_priv_paths checks that refusal. */
	interp = jit ? rcode_interp__open(NULL, why, sizeof(why)) : NULL;
	if (jit && !interp) {
		TEST_FAIL("gen: load the in-kernel interpreter", "%s", why);
		return -1;
	}
	capture_fd = rcode_pkt_private_lo(why, sizeof(why));
	if (capture_fd < 0) {
		TEST_FAIL("gen: a network namespace of its own", "%s", why);
		rcode_interp__close(interp);
		return -1;
	}
	rc_paths_init(interp, capture_fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = w; i < n; i += nw) {
		uint64_t s = mix(seed + i);
		struct rc_gen *g = rc_gen_new(s);
		struct failure fl;
		struct rc_case *c;
		char *text;

		text = g ? rc_gen_case(g, why, sizeof(why)) : NULL;
		if (!text) {
			if (fig->rejected < 3)
				printf("# seed 0x%016" PRIx64 ": not accepted: %s\n",
				       s, why);
			fig->rejected++;
			rc_gen_free(g);
			continue;
		}
		snprintf(name, sizeof(name), "gen-%016" PRIx64 ".r", s);
		if (rc_case_load_text(name, text, name, &c, why, sizeof(why)) ||
		    rc_case_run_quiet(c, rc_case_exec_interp, NULL, 0, "", why,
				      sizeof(why))) {
			/* The case file the generator wrote must say what the
			 * reference does: else the writer or parser is off. */
			TEST_FAIL(name, "the case does not hold on the reference: %s",
				  why);
			if (!c)
				printf("%s", text);
			fig->case_bugs++;
			rc_case_free(c);
			free(text);
			rc_gen_free(g);
			continue;
		}
		fig->programs++;
		count_case(c, g, fig);
		printf("# seed 0x%016" PRIx64 "\n", s);
		arm(true);
		judge(c, -1, i % every == 0, &fl, fig);
		arm(false);
		if (fl.mode < 0) {
			fig->agreed++;
		} else {
			if (fl.kind == RC_PATHS_REFUSED)
				fig->refused++;
			else if (fl.kind == RC_PATHS_BROKEN)
				fig->broken++;
			else
				fig->disagreements++;
			TEST_FAIL(name, "%s: %s", modes[fl.mode].name, fl.why);
			if (reported++ < MAX_REPORTED)
				report_failure(g, s, &fl);
		}
		rc_case_free(c);
		free(text);
		rc_gen_free(g);
		if ((i + 1) % 1000 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("# %" PRIu64 " generated, %" PRIu64 " run, %" PRIu64
			       " disagree, %" PRIu64 " refused, %.0f s\n", i + 1,
			       fig->programs, fig->disagreements, fig->refused,
			       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
			fflush(stdout);
		}
	}
	close(capture_fd);
	rcode_interp__close(interp);
	return 0;
}

int main(void)
{
	const char *ns = getenv("RC_GEN_N"), *ss = getenv("RC_GEN_SEED");
	const char *report = getenv("RC_GEN_REPORT"), *js = getenv("RC_GEN_JOBS");
	struct figures *fig = calloc(1, sizeof(*fig)), part;
	uint64_t seed = ss ? strtoull(ss, NULL, 0) : 0x5eed, n;
	unsigned int nw;
	struct timespec t0, t1;
	int jit = 1, fds[2];
	FILE *f;

	if (geteuid() != 0) {
		printf("SKIP: gen: needs root for BPF_PROG_TEST_RUN\n");
		return 0;
	}
	f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	if (f) {
		if (fscanf(f, "%d", &jit) != 1)
			jit = 1;
		fclose(f);
	}
	n = ns ? strtoull(ns, NULL, 0) :
	    getenv("RC_VM_JIT") || !jit ? SAMPLE_VM : SAMPLE_HOST;
	/* Most of a program's time is spent waiting for RCU grace periods
	 * (the interpreter's map-in-map updates), not on a CPU: several
	 * workers overlap the waits. */
	nw = js ? strtoul(js, NULL, 0) : getenv("RC_VM_JIT") ? 1 : 4;
	every = getenv("RC_GEN_EVERY") ? strtoul(getenv("RC_GEN_EVERY"), NULL, 0) :
		ns ? 1 : 4;
	if (every < 1)
		every = 1;
	if (nw < 1)
		nw = 1;
	printf("# %" PRIu64 " programs from seed 0x%" PRIx64 " (RC_GEN_N, "
	       "RC_GEN_SEED), %u workers (RC_GEN_JOBS); interpreter and inline "
	       "loops on every %u. (RC_GEN_EVERY)\n", n, seed, nw, every);
	fflush(stdout);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(fds)) {
		TEST_FAIL("gen: pipe", "%s", strerror(errno));
		return rc_test_exit();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int w = 0; w < nw; w++) {
		pid_t pid = fork();

		if (pid == 0) {
			/* a worker ends with the test, however it ends */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			sigaction(SIGALRM, &(struct sigaction){
					  .sa_handler = on_alarm }, NULL);
			memset(fig, 0, sizeof(*fig));
			fig->broken += worker(w, nw, n, seed, jit, fig) ? 1 : 0;
			if (write(fds[1], fig, sizeof(*fig)) != sizeof(*fig))
				_exit(2);
			_exit(0);
		}
		if (pid < 0) {
			TEST_FAIL("gen: fork", "%s", strerror(errno));
			return rc_test_exit();
		}
	}
	close(fds[1]);
	for (unsigned int w = 0; w < nw; w++) {
		if (read(fds[0], &part, sizeof(part)) != sizeof(part)) {
			TEST_FAIL("gen: a worker", "ended without its figures");
			fig->broken++;
			continue;
		}
		fig->programs += part.programs;
		fig->rejected += part.rejected;
		fig->agreed += part.agreed;
		fig->disagreements += part.disagreements;
		fig->refused += part.refused;
		fig->broken += part.broken;
		fig->unsupported += part.unsupported;
		fig->runs += part.runs;
		fig->case_bugs += part.case_bugs;
		fig->inline_limit += part.inline_limit;
		fig->slow += part.slow;
		fig->with_loops += part.with_loops;
		fig->with_send += part.with_send;
		for (size_t k = 0; k < NMODES; k++)
			fig->loads[k] += part.loads[k];
		for (int k = 0; k < 256; k++)
			fig->opcode[k] |= part.opcode[k];
		for (int k = 0; k < RC_FAULT__COUNT; k++)
			fig->faults[k] += part.faults[k];
		for (int k = 0; k < RC_ACT__COUNT; k++)
			fig->actions[k] += part.actions[k];
	}
	close(fds[0]);
	while (wait(NULL) > 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("# programs %" PRIu64 ", rejected %" PRIu64 ", disagreements %"
	       PRIu64 ", accepted-but-refused %" PRIu64 " (+ %" PRIu64 " inline-"
	       "loop budget limit, %" PRIu64 " slow), broken %" PRIu64 ", unsupported %" PRIu64
	       ", runs %" PRIu64 ", %.1f s\n", fig->programs, fig->rejected,
	       fig->disagreements, fig->refused, fig->inline_limit, fig->slow,
	       fig->broken, fig->unsupported, fig->runs, secs);
	for (size_t k = 0; k < NMODES; k++)
		printf("# loaded on %s: %" PRIu64 "\n", modes[k].name, fig->loads[k]);
	if (report)
		write_report(report, fig, seed, secs, jit);

	/* The generator itself: mostly accepted, every opcode, every fault
	 * a verified program can raise, every action, loops and sends. */
	ASSERT_TRUE(fig->rejected * 20 <= n, "gen: R-code's verifier accepts at least 95% of generated programs");
	for (const struct rc_opinfo *oi = rc_optable; oi->name; oi++) {
		char what[96];

		if (oi->flags & RC_F_RESERVED)
			continue;
		snprintf(what, sizeof(what), "gen: the sample uses opcode %s", oi->name);
		if (n >= SAMPLE_HOST)
			ASSERT_TRUE(fig->opcode[oi->code], what);
	}
	for (int k = 1; k < RC_FAULT__COUNT && n >= SAMPLE_HOST; k++) {
		char what[96];

		if (k == RC_FAULT_ILLEGAL)
			continue;
		snprintf(what, sizeof(what), "gen: the sample faults %s",
			 rc_fault_name(k));
		ASSERT_TRUE(fig->faults[k] > 0, what);
	}
	for (int k = RC_ACT_DROP; k < RC_ACT__COUNT && n >= SAMPLE_HOST; k++) {
		char what[96];

		snprintf(what, sizeof(what), "gen: the sample ends with %s",
			 rc_action_name(k));
		ASSERT_TRUE(fig->actions[k] > 0, what);
	}
	if (n >= SAMPLE_HOST) {
		ASSERT_TRUE(fig->with_loops > 0, "gen: the sample has loops");
		ASSERT_TRUE(fig->with_send > 0, "gen: the sample sends (TC)");
	}
	ASSERT_EQ(fig->case_bugs, 0, "gen: every generated case holds on the reference");
	ASSERT_EQ(fig->refused, 0, "gen: no program accepted by R-code's verifier is refused by the kernel");
	ASSERT_EQ(fig->disagreements + fig->broken, 0, "gen: every path agrees with the reference");
	/* A refused translation leaves its verifier log for the user; the
	 * generated handlers are all named gen: this test's own. */
	unlink("/tmp/rcode-verifier-gen.log");
	free(fig);
	return rc_test_exit();
}
