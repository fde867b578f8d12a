// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_report.c - turn the benchmarks' JSON into bench/results/.
 *
 *   bench_report --out DIR [--prog FILE] [--rtt FILE] [--spin FILE]
 *                [--install FILE] [--data DIR] [--note TEXT]...
 *
 * Reads what bench_prog, bench_rtt, bench_spin and bench_install wrote
 * (any may be missing), describes the machine, and writes
 * DIR/results.json (machine, prog, rtt, spin, install: the benchmarks' own
 * objects, untouched, and "crossover", computed here), DIR/results.md (the
 * tables a reader wants) and, for bench/plot.gp, DATA/prog.dat and
 * DATA/spin.dat.  JSON goes through json-c in both directions.
 *
 * The crossover: a message's cost on a path is its delivery (the echo's
 * median round trip on that path, bench_rtt) plus what its handler's
 * instructions add beyond the echo's (bench_spin: cost at N less cost at
 * the smallest N measured).  For each in-kernel path against each
 * user-level one, the first N at which the in-kernel path costs as much
 * is found on the measured points (linear between them), or, beyond
 * them, from the slopes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#define MAX_NOTES	8
#define BUDGET_MAX	65536	/* the most instructions a handler runs */

static struct json_object *get(struct json_object *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && path) {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s",
			 (int)(dot ? dot - path : (long)strlen(path)), path);
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path = dot ? dot + 1 : NULL;
	}
	return o;
}

static double num(struct json_object *o, const char *path)
{
	return json_object_get_double(get(o, path));
}

static const char *str(struct json_object *o, const char *path)
{
	const char *s = json_object_get_string(get(o, path));

	return s ? s : "";
}

/* "Intel(R) Xeon(R) ..." from /proc/cpuinfo, or "unknown". */
static void cpu_model(char *buf, size_t size)
{
	char line[512], *v;
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(buf, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) &&
		    (v = strchr(line, ':'))) {
			v += strspn(v + 1, " \t") + 1;
			v[strcspn(v, "\n")] = '\0';
			snprintf(buf, size, "%s", v);
			break;
		}
	fclose(f);
}

static struct json_object *machine(const char *clang)
{
	struct json_object *m = json_object_new_object();
	char cpu[256], date[64], lib[32];
	struct utsname u;
	time_t now = time(NULL);

	cpu_model(cpu, sizeof(cpu));
	uname(&u);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(lib, sizeof(lib), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	json_object_object_add(m, "cpu", json_object_new_string(cpu));
	json_object_object_add(m, "cpus_online", json_object_new_int(
		sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(m, "cpus_configured", json_object_new_int(
		sysconf(_SC_NPROCESSORS_CONF)));
	json_object_object_add(m, "kernel", json_object_new_string(u.release));
	json_object_object_add(m, "arch", json_object_new_string(u.machine));
	json_object_object_add(m, "libbpf", json_object_new_string(lib));
	if (clang)
		json_object_object_add(m, "clang",
				       json_object_new_string(clang));
	json_object_object_add(m, "date", json_object_new_string(date));
	return m;
}

static void md_machine(FILE *f, struct json_object *m)
{
	fprintf(f, "| machine | |\n| --- | --- |\n");
	fprintf(f, "| CPU | %s |\n", str(m, "cpu"));
	fprintf(f, "| cores | %d online, %d configured |\n",
		json_object_get_int(get(m, "cpus_online")),
		json_object_get_int(get(m, "cpus_configured")));
	fprintf(f, "| kernel | %s (%s) |\n", str(m, "kernel"), str(m, "arch"));
	fprintf(f, "| libbpf | %s |\n", str(m, "libbpf"));
	if (get(m, "clang"))
		fprintf(f, "| BPF compiler | %s |\n", str(m, "clang"));
	fprintf(f, "| date | %s |\n\n", str(m, "date"));
}

static int md_prog(FILE *f, struct json_object *p, const char *data)
{
	struct json_object *progs = get(p, "programs");
	size_t n = json_object_array_length(progs);
	bool any_xlate = false;
	char path[512];
	FILE *dat;

	fprintf(f, "## XDP programs under BPF_PROG_TEST_RUN\n\n");
	fprintf(f, "Each program runs %lld times per round on the same %s "
		"frame (8-byte payload, valid UDP checksum); the programs "
		"take turns within each round, in rotating order.  ns/run is "
		"the median over %d rounds of the thread's CPU time per run "
		"(the cost of the test-run call itself subtracted); the "
		"kernel's own figure, rounded down to whole ns, is beside "
		"it.  ±95%%: half the 95%% confidence interval of the median; "
		"IQR: interquartile range of the rounds; both relative to the "
		"median.  Ratios are taken within each round.  Medians known "
		"to ±%.1f%% (target ±%.1f%%): **%s**.\n\n",
		(long long)json_object_get_int64(get(p, "repeat")),
		str(p, "frame"), json_object_get_int(get(p, "rounds")),
		100 * num(p, "worst_rel_ci95"), 100 * num(p, "target"),
		json_object_get_boolean(get(p, "stable")) ? "stable" :
							    "not stable");
	fprintf(f, "| program | last action | ns/run | ±95%% | IQR | × floor "
		"| ns above floor | kernel ns/run | × C baseline | × translated "
		"| R-code insns/run | ns/insn |\n");
	fprintf(f, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: "
		"| ---: | ---: | ---: | ---: |\n");
	snprintf(path, sizeof(path), "%s/prog.dat", data);
	dat = fopen(path, "w");
	if (!dat) {
		fprintf(stderr, "bench_report: %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	/* kind: 1 floor, 2 C, 3 translated (gnuplot's line colours) */
	fprintf(dat, "# label median ci_lo ci_hi p25 p75 kind\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(progs, i);
		bool floor = !strcmp(str(c, "kind"), "floor");

		any_xlate |= !strcmp(str(c, "kind"), "xlate");
		fprintf(f, "| %s | %s | %.2f | %.1f%% | %.1f%% |",
			str(c, "label"), str(c, "last_action"),
			num(c, "ns_per_run.median"),
			100 * num(c, "ns_per_run.rel_ci95"),
			100 * num(c, "ns_per_run.rel_iqr"));
		if (floor)
			fprintf(f, " 1 | 0 |");
		else
			fprintf(f, " %.2f | %.2f |",
				num(c, "ratio_to_floor.median"),
				num(c, "ns_above_floor.median"));
		fprintf(f, " %.0f |", num(c, "kernel_ns_per_run.median"));
		if (get(c, "ratio_to_baseline"))
			fprintf(f, " %.3f ±%.1f%% |",
				num(c, "ratio_to_baseline.median"),
				100 * num(c, "ratio_to_baseline.rel_ci95"));
		else
			fprintf(f, " |");
		if (get(c, "ratio_to_translation"))
			fprintf(f, " %.2f ±%.1f%% |",
				num(c, "ratio_to_translation.median"),
				100 * num(c, "ratio_to_translation.rel_ci95"));
		else
			fprintf(f, " |");
		if (get(c, "insns_per_run"))
			fprintf(f, " %.4g | %.2f |", num(c, "insns_per_run"),
				num(c, "ns_per_insn"));
		else
			fprintf(f, " | |");
		fprintf(f, "\n");
		fprintf(dat, "\"%s\" %.3f %.3f %.3f %.3f %.3f %d\n",
			str(c, "label"), num(c, "ns_per_run.median"),
			num(c, "ns_per_run.ci95_lo"),
			num(c, "ns_per_run.ci95_hi"), num(c, "ns_per_run.p25"),
			num(c, "ns_per_run.p75"),
			floor ? 1 : !strcmp(str(c, "kind"), "xlate") ? 3 :
			!strcmp(str(c, "kind"), "interp") ? 4 : 2);
	}
	fclose(dat);
	fprintf(f, "\nThe same frame runs again and again, so each handler "
		"settles into a steady state: counter and gsum update their "
		"data area atomically on every run (gsum's last-arrival path "
		"every third run), echo answers every run (XDP_TX), barrier "
		"takes its stray path (tag != generation) once its first "
		"generation has completed.  'last action' is the action of "
		"the final run.  R-code insns/run: the R-code instructions "
		"the handler executes per run in that steady state, counted "
		"exactly by the tracing interpreter (and the same as the "
		"reference interpreter's count); ns/insn is ns/run over it, "
		"the whole run (XDP entry, packet checks, verdict) included, "
		"for the C version too, which runs the same handler.  The "
		"marginal cost of one more instruction is measured below "
		"(cost against instructions).  A call makes up to %lld "
		"runs, fewer for slower programs (at most about 30 ms a "
		"call).\n", (long long)json_object_get_int64(get(p, "repeat")));
	if (!any_xlate)
		fprintf(f, "\nTranslated R-code handlers: not measured, the "
			"translator hook (bench/xlate.c) says \"translator not "
			"available yet\".\n");
	fprintf(f, "\n![ns per run](prog.png)\n\n");
	return 0;
}

static double rtt_p50(struct json_object *r, const char *kind);

static void md_rtt(FILE *f, struct json_object *r)
{
	struct json_object *srv = get(r, "servers");
	size_t n = json_object_array_length(srv);
	double xdp = 0, udp = 0, user_c = 0, user_r = 0;

	fprintf(f, "## Round trip over a veth pair\n\n");
	fprintf(f, "A client in one network namespace sends one echo message "
		"(UDP to port 7117, portal 2, 8-byte payload) at a time to "
		"the other namespace and waits for the reply; %d rounds of %d "
		"messages per server (after %d discarded), servers taking "
		"turns within each round.  Replies later than %d ms count as "
		"lost.  Client veth: %s.  ±95%%: the median of the per-round "
		"p50s, known to within this (target ±%.1f%%; overall **%s**)."
		"\n\n",
		json_object_get_int(get(r, "rounds")),
		json_object_get_int(get(r, "messages_per_round")),
		json_object_get_int(get(r, "warmup_per_round")),
		json_object_get_int(get(r, "timeout_ms")),
		!strcmp(str(r, "client_mode"), "xdp") ?
			"XDP_PASS program attached (so XDP_TX frames reach it)"
			: str(r, "client_mode"),
		100 * num(r, "target"),
		json_object_get_boolean(get(r, "stable")) ? "stable" :
							    "not stable");
	fprintf(f, "| server | p50 µs | ±95%% | p90 µs | p99 µs | p99.9 µs | "
		"min µs | sent | lost | bad |\n");
	fprintf(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
		"---: | ---: |\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(srv, i);

		fprintf(f, "| %s | %.2f | %.1f%% | %.2f | %.2f | %.2f | %.2f | "
			"%lld | %lld | %lld |\n", str(s, "label"),
			num(s, "rtt_us.p50"), 100 * num(s, "round_p50_us.rel_ci95"),
			num(s, "rtt_us.p90"), num(s, "rtt_us.p99"),
			num(s, "rtt_us.p999"), num(s, "rtt_us.min"),
			(long long)json_object_get_int64(get(s, "sent")),
			(long long)json_object_get_int64(get(s, "lost")),
			(long long)json_object_get_int64(get(s, "bad")));
		if (!strcmp(str(s, "kind"), "xdp"))
			xdp = num(s, "rtt_us.p50");
		if (!strcmp(str(s, "kind"), "udp"))
			udp = num(s, "rtt_us.p50");
		if (!strcmp(str(s, "kind"), "user-c"))
			user_c = num(s, "rtt_us.p50");
		if (!strcmp(str(s, "kind"), "user-r"))
			user_r = num(s, "rtt_us.p50");
	}
	if (xdp > 0 && udp > 0)
		fprintf(f, "\nThe user-level echo's p50 is %.1f times the XDP "
			"echo's.\n", udp / xdp);
	if (xdp > 0 && user_c > 0)
		fprintf(f, "The C echo at user level through rcode_serve: %.1f "
			"times.\n", user_c / xdp);
	if (xdp > 0 && user_r > 0)
		fprintf(f, "The R-code echo on the interpreter at user level: "
			"%.1f times.\n", user_r / xdp);
	if (xdp > 0 && rtt_p50(r, "xlate") > 0)
		fprintf(f, "The translated R-code echo at XDP: %.2f times.\n",
			rtt_p50(r, "xlate") / xdp);
	if (xdp > 0 && rtt_p50(r, "interp") > 0)
		fprintf(f, "The R-code echo in the in-kernel interpreter at "
			"XDP: %.2f times.\n", rtt_p50(r, "interp") / xdp);
	fprintf(f, "\n![round-trip time](rtt.png)\n\n");
}

/* The echo's median RTT on a bench_rtt server kind, or 0. */
static double rtt_p50(struct json_object *r, const char *kind)
{
	struct json_object *srv = get(r, "servers");

	for (size_t i = 0; i < json_object_array_length(srv); i++) {
		struct json_object *s = json_object_array_get_idx(srv, i);

		if (!strcmp(str(s, "kind"), kind))
			return num(s, "rtt_us.p50");
	}
	return 0;
}

static const struct {
	const char *path, *rtt, *label;
} spin_paths[] = {
	{ "xlate", "xlate", "translated at XDP" },
	{ "interp", "interp", "in-kernel interpreter at XDP" },
	{ "ref", "user-r", "user level, reference interpreter (rcode_serve)" },
	{ "native", "user-c", "user level, native C (rcode_serve)" },
};
#define NSPIN (sizeof(spin_paths) / sizeof(spin_paths[0]))

/* Median ns of path j at point i, or -1. */
static double spin_ns(struct json_object *pt, size_t j)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_ns.median", spin_paths[j].path);
	return get(pt, key) ? num(pt, key) : -1;
}

/*
 * Where in-kernel path a (total cost ta[]) stops being cheaper than
 * user-level path u (tu[]): N, or 0 with *why saying why not.
 */
static double crossover(const double *n, const double *ta, const double *tu,
			size_t np, double sa, double su, const char **why)
{
	for (size_t i = 0; i < np; i++)
		if (ta[i] >= tu[i]) {
			double d0, d1;

			if (i == 0) {
				*why = "already at the smallest N";
				return n[0];
			}
			d0 = tu[i - 1] - ta[i - 1];
			d1 = tu[i] - ta[i];
			*why = "measured";
			return n[i - 1] + (n[i] - n[i - 1]) * d0 / (d0 - d1);
		}
	if (sa <= su) {
		*why = "never: its cost per instruction is not higher";
		return 0;
	}
	*why = "extrapolated from the slopes";
	return n[np - 1] + (tu[np - 1] - ta[np - 1]) * 1e3 / (sa - su);
}

static int md_spin(FILE *f, struct json_object *sp, struct json_object *r,
		   const char *data, struct json_object **xo)
{
	struct json_object *pts = get(sp, "points");
	size_t np = json_object_array_length(pts);
	double n[64], tot[NSPIN][64], slope[NSPIN], rtt[NSPIN];
	bool have[NSPIN];
	char path[512];
	FILE *dat;

	if (np > 64 || np < 2)
		return -EINVAL;
	fprintf(f, "## Cost against executed instructions (the crossover)\n\n");
	fprintf(f, "The handler is bench/handlers/spin.r, an echo that first "
		"runs a loop whose iteration count is the message's first "
		"payload word (locals, xor, multiply, compare, branch: 11 "
		"instructions an iteration), so one handler covers every "
		"size.  N: R-code instructions one message executes, counted "
		"by the reference interpreter and checked against the "
		"tracing in-kernel interpreter.  Cost per message in ns, "
		"median over %d rounds of thread CPU time: the in-kernel "
		"paths under BPF_PROG_TEST_RUN (as above), the user-level "
		"ones called in-process on the same message: rc_run, the "
		"reference interpreter that rcode_serve runs (`rloader "
		"serve`, bench_rtt's user-r), and the same handler written "
		"in C as userlib's native handlers are (user-c).  All paths "
		"and sizes take turns within each round.  Medians known to "
		"±%.1f%% (target ±%.1f%%): **%s**.\n\n",
		json_object_get_int(get(sp, "rounds")),
		100 * num(sp, "worst_rel_ci95"), 100 * num(sp, "target"),
		json_object_get_boolean(get(sp, "stable")) ? "stable" :
							     "not stable");
	fprintf(f, "| N |");
	for (size_t j = 0; j < NSPIN; j++) {
		char key[64];

		snprintf(key, sizeof(key), "fits.%s", spin_paths[j].path);
		have[j] = get(sp, key) != NULL;
		snprintf(key, sizeof(key), "fits.%s.slope_ns_per_insn.median",
			 spin_paths[j].path);
		slope[j] = num(sp, key);
		rtt[j] = r ? rtt_p50(r, spin_paths[j].rtt) : 0;
		if (have[j])
			fprintf(f, " %s ns | ns/insn |", spin_paths[j].path);
	}
	fprintf(f, "\n| ---: |");
	for (size_t j = 0; j < NSPIN; j++)
		if (have[j])
			fprintf(f, " ---: | ---: |");
	fprintf(f, "\n");
	for (size_t i = 0; i < np; i++) {
		struct json_object *pt = json_object_array_get_idx(pts, i);

		n[i] = num(pt, "insns");
		fprintf(f, "| %.0f |", n[i]);
		for (size_t j = 0; j < NSPIN; j++)
			if (have[j])
				fprintf(f, " %.1f | %.3f |", spin_ns(pt, j),
					spin_ns(pt, j) / n[i]);
		fprintf(f, "\n");
	}
	fprintf(f, "\nMarginal cost of one executed instruction (least-squares "
		"slope of cost over N, fitted in each round; median and 95%% "
		"confidence interval over the rounds), and the fit's "
		"intercept:\n\n| path | ns/insn (slope) | 95%% CI | intercept "
		"ns |\n| --- | ---: | ---: | ---: |\n");
	for (size_t j = 0; j < NSPIN; j++) {
		char k1[96], k2[96], k3[96];

		if (!have[j])
			continue;
		snprintf(k1, sizeof(k1), "fits.%s.slope_ns_per_insn.ci95_lo",
			 spin_paths[j].path);
		snprintf(k2, sizeof(k2), "fits.%s.slope_ns_per_insn.ci95_hi",
			 spin_paths[j].path);
		snprintf(k3, sizeof(k3), "fits.%s.intercept_ns.median",
			 spin_paths[j].path);
		fprintf(f, "| %s (%s) | **%.3f** | %.3f – %.3f | %.0f |\n",
			spin_paths[j].label, spin_paths[j].path, slope[j],
			num(sp, k1), num(sp, k2), num(sp, k3));
	}

	/* Totals: delivery (RTT p50) + what the handler adds over N[0]. */
	for (size_t j = 0; j < NSPIN; j++) {
		struct json_object *p0 = json_object_array_get_idx(pts, 0);

		for (size_t i = 0; have[j] && i < np; i++)
			tot[j][i] = rtt[j] + (spin_ns(json_object_array_get_idx(
				pts, i), j) - spin_ns(p0, j)) / 1e3;
	}
	snprintf(path, sizeof(path), "%s/spin.dat", data);
	dat = fopen(path, "w");
	if (!dat) {
		fprintf(stderr, "bench_report: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(dat, "# N  ns: xlate interp ref native  total us: xlate interp "
		"user-r user-c (-1: not measured)\n");
	for (size_t i = 0; i < np; i++) {
		struct json_object *pt = json_object_array_get_idx(pts, i);

		fprintf(dat, "%.0f", n[i]);
		for (size_t j = 0; j < NSPIN; j++)
			fprintf(dat, " %.3f", have[j] ? spin_ns(pt, j) : -1);
		for (size_t j = 0; j < NSPIN; j++)
			fprintf(dat, " %.4f", have[j] && rtt[j] > 0 ?
				tot[j][i] : -1);
		fprintf(dat, "\n");
	}
	fclose(dat);

	if (!r) {
		fprintf(f, "\nNo round trips measured: no crossover.\n\n");
		return 0;
	}
	*xo = json_object_new_array();
	fprintf(f, "\n### Where the user level catches up\n\nA message's "
		"cost on a path: its delivery, the echo's median round trip "
		"on that path (above: ");
	for (size_t j = 0; j < NSPIN; j++)
		if (rtt[j] > 0)
			fprintf(f, "%s%s %.2f µs", j ? ", " : "",
				spin_paths[j].rtt, rtt[j]);
	fprintf(f, "), plus what the handler's instructions add beyond the "
		"echo's (the table above, less its first row; the echo "
		"itself executes 11).  The user-level path pays its "
		"delivery once, the in-kernel paths pay more per "
		"instruction, or not:\n\n| in-kernel path | user-level "
		"path | delivery saved, µs | ns/insn kernel − user | "
		"crossover N | how |\n| --- | --- | ---: | ---: | ---: | --- |\n");
	for (size_t a = 0; a < 2; a++)
		for (size_t u = 2; u < NSPIN; u++) {
			struct json_object *o;
			const char *why;
			double x;

			if (!have[a] || !have[u] || rtt[a] <= 0 || rtt[u] <= 0)
				continue;
			x = crossover(n, tot[a], tot[u], np, slope[a], slope[u],
				      &why);
			fprintf(f, "| %s | %s | %.2f | %+.3f | ", spin_paths[a].label,
				spin_paths[u].label, rtt[u] - rtt[a],
				slope[a] - slope[u]);
			if (x <= 0)
				fprintf(f, "none | %s |\n", why);
			else if (x > BUDGET_MAX)
				fprintf(f, "%.0f (> budget %d) | %s: no handler "
					"runs that long |\n", x, BUDGET_MAX, why);
			else
				fprintf(f, "**%.0f** | %s |\n", x, why);
			o = json_object_new_object();
			json_object_object_add(o, "kernel", json_object_new_string(
				spin_paths[a].path));
			json_object_object_add(o, "user", json_object_new_string(
				spin_paths[u].rtt));
			json_object_object_add(o, "delivery_saved_us",
					       json_object_new_double(rtt[u] - rtt[a]));
			json_object_object_add(o, "slope_diff_ns_per_insn",
				json_object_new_double(slope[a] - slope[u]));
			json_object_object_add(o, "crossover_insns",
					       json_object_new_double(x));
			json_object_object_add(o, "how", json_object_new_string(why));
			json_object_array_add(*xo, o);
		}
	fprintf(f, "\n![cost against instructions](spin.png)\n\n");
	return 0;
}

static struct json_object *load(const char *path)
{
	struct json_object *o;

	if (!path || access(path, R_OK))
		return NULL;
	o = json_object_from_file(path);
	if (!o)
		fprintf(stderr, "bench_report: %s: %s\n", path,
			json_util_get_last_err());
	return o;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "prog", required_argument, NULL, 'p' },
		{ "rtt", required_argument, NULL, 'r' },
		{ "spin", required_argument, NULL, 's' },
		{ "install", required_argument, NULL, 'i' },
		{ "data", required_argument, NULL, 'd' },
		{ "clang", required_argument, NULL, 'c' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *prog_path = NULL, *rtt_path = NULL;
	const char *spin_path = NULL, *inst_path = NULL;
	struct json_object *sp, *in, *xo = NULL;
	const char *data = NULL, *clang = NULL, *notes[MAX_NOTES];
	struct json_object *root, *m, *p, *r;
	int c, nnotes = 0, err = 0;
	char path[512];
	FILE *f;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'p': prog_path = optarg; break;
		case 'r': rtt_path = optarg; break;
		case 's': spin_path = optarg; break;
		case 'i': inst_path = optarg; break;
		case 'd': data = optarg; break;
		case 'c': clang = optarg; break;
		case 'n':
			if (nnotes < MAX_NOTES)
				notes[nnotes++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_report --out DIR [--prog "
				"FILE] [--rtt FILE] [--spin FILE] [--install FILE] "
				"[--data DIR] [--clang "
				"TEXT] [--note TEXT]...\n");
			return 2;
		}
	}
	if (!out)
		return 2;
	if (!data)
		data = out;
	m = machine(clang);
	p = load(prog_path);
	r = load(rtt_path);
	sp = load(spin_path);
	in = load(inst_path);
	if ((prog_path && !p) || (rtt_path && !r) || (spin_path && !sp) ||
	    (inst_path && !in))
		err = 1;

	snprintf(path, sizeof(path), "%s/results.md", out);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bench_report: %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	fprintf(f, "# rcode benchmark results\n\nWritten by `make bench` "
		"(bench/run.sh); the same numbers, with every round, are in "
		"results.json.  Measure ratios within one run: this machine "
		"is shared and noisy.\n\n");
	md_machine(f, m);
	if (p && md_prog(f, p, data))
		err = 1;
	if (r)
		md_rtt(f, r);
	if (sp && md_spin(f, sp, r, data, &xo))
		err = 1;
	for (int i = 0; i < nnotes; i++)
		fprintf(f, "%s\n\n", notes[i]);
	fclose(f);

	root = json_object_new_object();
	json_object_object_add(root, "machine", json_object_get(m));
	if (p)
		json_object_object_add(root, "prog", json_object_get(p));
	if (r)
		json_object_object_add(root, "rtt", json_object_get(r));
	if (sp)
		json_object_object_add(root, "spin", json_object_get(sp));
	if (xo)
		json_object_object_add(root, "crossover", xo);
	if (in)
		json_object_object_add(root, "install", json_object_get(in));
	snprintf(path, sizeof(path), "%s/results.json", out);
	if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_NOSLASHESCAPE)) {
		fprintf(stderr, "bench_report: %s: %s\n", path,
			json_util_get_last_err());
		err = 1;
	}
	json_object_put(root);
	json_object_put(m);
	json_object_put(p);
	json_object_put(r);
	json_object_put(sp);
	json_object_put(in);
	return err;
}
