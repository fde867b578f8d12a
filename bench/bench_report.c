// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_report.c - turn the benchmarks' JSON into bench/results/.
 *
 *   bench_report --out DIR [--prog FILE] [--rtt FILE] [--data DIR]
 *                [--note TEXT]...
 *
 * Reads what bench_prog and bench_rtt wrote (either may be missing),
 * describes the machine, and writes DIR/results.json (machine, prog, rtt:
 * the benchmarks' own objects, untouched), DIR/results.md (the tables a
 * reader wants) and, for bench/plot.gp, DATA/prog.dat.  JSON goes through
 * json-c in both directions.
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
		"| ns above floor | kernel ns/run | × C baseline |\n");
	fprintf(f, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: "
		"| ---: |\n");
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
		fprintf(f, "\n");
		fprintf(dat, "\"%s\" %.3f %.3f %.3f %.3f %.3f %d\n",
			str(c, "label"), num(c, "ns_per_run.median"),
			num(c, "ns_per_run.ci95_lo"),
			num(c, "ns_per_run.ci95_hi"), num(c, "ns_per_run.p25"),
			num(c, "ns_per_run.p75"),
			floor ? 1 : !strcmp(str(c, "kind"), "xlate") ? 3 : 2);
	}
	fclose(dat);
	fprintf(f, "\nThe same frame runs again and again, so each handler "
		"settles into a steady state: counter and gsum update their "
		"data area atomically on every run (gsum's last-arrival path "
		"every third run), echo answers every run (XDP_TX), barrier "
		"takes its stray path (tag != generation) once its first "
		"generation has completed.  'last action' is the action of "
		"the final run.\n");
	if (!any_xlate)
		fprintf(f, "\nTranslated R-code handlers: not measured, the "
			"translator hook (bench/xlate.c) says \"translator not "
			"available yet\".\n");
	fprintf(f, "\n![ns per run](prog.png)\n\n");
	return 0;
}

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
	fprintf(f, "\n![round-trip time](rtt.png)\n\n");
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
		{ "data", required_argument, NULL, 'd' },
		{ "clang", required_argument, NULL, 'c' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *prog_path = NULL, *rtt_path = NULL;
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
		case 'd': data = optarg; break;
		case 'c': clang = optarg; break;
		case 'n':
			if (nnotes < MAX_NOTES)
				notes[nnotes++] = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_report --out DIR [--prog "
				"FILE] [--rtt FILE] [--data DIR] [--clang "
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
	if ((prog_path && !p) || (rtt_path && !r))
		err = 1;

	root = json_object_new_object();
	json_object_object_add(root, "machine", json_object_get(m));
	if (p)
		json_object_object_add(root, "prog", json_object_get(p));
	if (r)
		json_object_object_add(root, "rtt", json_object_get(r));
	snprintf(path, sizeof(path), "%s/results.json", out);
	if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_NOSLASHESCAPE)) {
		fprintf(stderr, "bench_report: %s: %s\n", path,
			json_util_get_last_err());
		err = 1;
	}

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
	for (int i = 0; i < nnotes; i++)
		fprintf(f, "%s\n\n", notes[i]);
	fclose(f);
	json_object_put(root);
	json_object_put(m);
	json_object_put(p);
	json_object_put(r);
	return err;
}
