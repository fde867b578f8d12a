// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_install.c - how long installing a handler takes, by stage, for
 * each example: parse and verify the R-code, translate it (with its maps
 * and their BTF), load it into the kernel, and attach it (the portal-table
 * update that makes the dispatcher call it).  Beside it, the hand-written
 * C version the usual way: clang compiles it, libbpf opens and loads it.
 *
 * Every stage is timed with CLOCK_MONOTONIC over --rounds installs, the
 * two paths interleaved; medians are reported.  Writes a markdown table
 * (--md) and JSON (--json, through json-c).
 *
 * The installs start from warm caches (an untimed parse and verify
 * first, as clang, run just before, evicts them), the two R-code paths
 * in alternating order.  The in-kernel interpreter path takes turns with
 * them: parse and verify,
 * then rcode_handler__load on the interpreter path, whose own clock
 * (rcode_handler__install_ns) covers compiling to uops, creating the maps
 * and the code map, and installing them on the portal: no program is
 * loaded.  The interpreter itself is loaded once per process (both of its
 * programs, rcode_interp__open); that one-time cost is measured on its
 * own, --interp-loads times, as rcode_interp__load_ns (bpf_object__load)
 * and the whole open.
 */
#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rc_diag.h"
#include "rcode_private.h"

#define ROUNDS_MAX 200

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_us(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) / 1e3;
}

enum { S_PARSE, S_XLATE, S_LOAD, S_ATTACH, S_RTOTAL,
       S_CLANG, S_LIBBPF, S_CATTACH, S_CTOTAL,
       S_IPARSE, S_IINSTALL, S_ITOTAL, S__N };
static const char *const stage_names[S__N] = {
	"parse_verify", "translate", "kernel_load", "attach", "total",
	"clang", "libbpf_load", "attach", "total",
	"parse_verify", "install", "total",
};
static const char *const stage_path[S__N] = {
	"rcode", "rcode", "rcode", "rcode", "rcode",
	"c", "c", "c", "c",
	"interp", "interp", "interp",
};

/*
 * An untimed parse and verify: the installs are timed from warm caches.
 * Right after a clang run (the C path's) the first of them would
 * otherwise also pay for refilling the caches clang evicted, some
 * hundreds of us, whichever path came first.
 */
static int warm_up(const char *path, const char *text)
{
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *prog = rc_prog_new();
	struct rc_diags d;
	int err;

	rc_diags_init(&d);
	err = vi && prog ? rc_asm(path, text, prog, &d) ?:
			   rc_verify(prog, vi, &d) : -ENOMEM;
	rc_diags_free(&d);
	rc_prog_free(prog);
	free(vi);
	return err;
}

/* One install on the interpreter path; times in t[]. */
static int install_interp(const char *path, const char *text,
			  struct rcode_interp *ip, uint64_t *t)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho),
					 .path = RCODE_PATH_INTERP,
					 .interp = ip };
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *prog = rc_prog_new();
	struct rcode_handler *h;
	struct rc_diags d;
	uint64_t t0 = now_ns(), t1;
	unsigned int portal;
	int err;

	rc_diags_init(&d);
	err = rc_asm(path, text, prog, &d) ?: rc_verify(prog, vi, &d);
	t1 = now_ns();
	if (err) {
		rc_diags_print(&d, stderr);
		rc_prog_free(prog);
		goto out;
	}
	portal = prog->portal;
	h = rcode_handler__new(prog, vi, &ho);
	err = h ? rcode_handler__load(h, &d) : -errno;
	t[S_ITOTAL] = now_ns() - t0;
	if (err)
		rc_diags_print(&d, stderr);
	else {
		t[S_IPARSE] = t1 - t0;
		t[S_IINSTALL] = rcode_handler__install_ns(h);
	}
	rcode_interp__uninstall(ip, portal);
	rcode_handler__close(h);
out:
	rc_diags_free(&d);
	free(vi);
	return err;
}

/* One R-code install; times in t[]; returns 0 or -errno. */
static int install_rcode(const char *path, const char *text, int portals_fd,
			 uint64_t *t)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho) };
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *prog = rc_prog_new();
	struct rcode_handler *h;
	struct rc_diags d;
	uint64_t t0 = now_ns(), t1, t2;
	uint32_t key = 0;
	int err, fd;

	rc_diags_init(&d);
	err = rc_asm(path, text, prog, &d) ?: rc_verify(prog, vi, &d);
	t1 = now_ns();
	if (err) {
		rc_diags_print(&d, stderr);
		rc_prog_free(prog);
		goto out;
	}
	h = rcode_handler__new(prog, vi, &ho);
	err = h ? rcode_handler__load(h, &d) : -errno;
	t2 = now_ns();
	if (err) {
		rc_diags_print(&d, stderr);
		rcode_handler__close(h);
		goto out;
	}
	fd = rcode_handler__prog_fd(h);
	err = bpf_map_update_elem(portals_fd, &key, &fd, BPF_ANY) ? -errno : 0;
	t[S_ATTACH] = now_ns() - t2;
	t[S_PARSE] = t1 - t0;
	t[S_LOAD] = rcode_handler__load_ns(h);
	t[S_XLATE] = t2 - t1 - t[S_LOAD];	/* translation, maps, BTF */
	t[S_RTOTAL] = now_ns() - t0;
	bpf_map_delete_elem(portals_fd, &key);
	rcode_handler__close(h);
out:
	rc_diags_free(&d);
	free(vi);
	return err;
}

/* clang on the C file, then libbpf; the object's program goes into the
 * same portal table. */
static int install_c(const char *src, const char *obj, int portals_fd,
		     uint64_t *t)
{
	uint64_t t0 = now_ns(), t1, t2;
	struct bpf_object *o;
	struct bpf_program *p;
	uint32_t key = 0;
	int status, fd, err;
	pid_t pid = fork();

	if (pid == 0) {
		execlp("clang", "clang", "-O2", "-g", "-target", "bpf", "-Wall",
		       "-Ibpf", "-I/usr/include/x86_64-linux-gnu", "-c", src,
		       "-o", obj, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -ECHILD;
	t1 = now_ns();
	o = bpf_object__open_file(obj, NULL);
	if (!o)
		return -errno;
	/* Tail-call targets load with expected_attach_type 0, as the
	 * dispatcher's table requires (docs/dispatch.md). */
	bpf_object__for_each_program(p, o)
		bpf_program__set_expected_attach_type(p, 0);
	err = bpf_object__load(o);
	t2 = now_ns();
	if (err) {
		bpf_object__close(o);
		return err;
	}
	p = bpf_object__next_program(o, NULL);
	fd = bpf_program__fd(p);
	err = bpf_map_update_elem(portals_fd, &key, &fd, BPF_ANY) ? -errno : 0;
	t[S_CATTACH] = now_ns() - t2;
	t[S_CLANG] = t1 - t0;
	t[S_LIBBPF] = t2 - t1;
	t[S_CTOTAL] = now_ns() - t0;
	bpf_map_delete_elem(portals_fd, &key);
	bpf_object__close(o);
	return err;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if (getdelim(&s, &n, '\0', f) < 0) {
		free(s);
		s = NULL;
	}
	fclose(f);
	return s;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "counter", "echo", "gsum", "barrier" };
	const char *md = NULL, *json = NULL;
	struct json_object *jall = json_object_new_array();
	static uint64_t t[4][S__N][ROUNDS_MAX];
	static uint64_t iload[ROUNDS_MAX], iopen[ROUNDS_MAX];
	int rounds = 30, iloads = 10, portals_fd;
	struct rcode_interp *ip;
	char why[256];
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--md") && i + 1 < argc)
			md = argv[++i];
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else if (!strcmp(argv[i], "--interp-loads") && i + 1 < argc)
			iloads = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: bench_install [--rounds N] "
				"[--interp-loads N] [--md FILE] "
				"[--json FILE]\n");
			return 2;
		}
	}
	if (rounds < 3 || rounds > ROUNDS_MAX)
		rounds = 30;
	if (iloads < 1 || iloads > ROUNDS_MAX)
		iloads = 10;
	libbpf_set_print(NULL);
	/* The interpreter's one-time load, then the one the handlers use. */
	for (int r = 0; r < iloads; r++) {
		uint64_t t0 = now_ns();

		ip = rcode_interp__open(NULL, why, sizeof(why));
		iopen[r] = now_ns() - t0;
		if (!ip) {
			fprintf(stderr, "bench_install: interpreter: %s\n", why);
			return 1;
		}
		iload[r] = rcode_interp__load_ns(ip);
		rcode_interp__close(ip);
	}
	ip = rcode_interp__open(NULL, why, sizeof(why));
	if (!ip) {
		fprintf(stderr, "bench_install: interpreter: %s\n", why);
		return 1;
	}
	/* A portal table like the dispatcher's: attaching is an update. */
	portals_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "bench_portals",
				    4, 4, 1, NULL);
	if (portals_fd < 0) {
		perror("bench_install: prog array");
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		for (int e = 0; e < 4; e++) {
			char path[64], src[64], obj[64];
			char *text;
			int err;

			snprintf(path, sizeof(path), "examples/%s.r", names[e]);
			snprintf(src, sizeof(src), "bpf/ref/%s.bpf.c", names[e]);
			snprintf(obj, sizeof(obj), "/tmp/rcode-bench-%d-%s.o",
				 (int)getpid(), names[e]);
			uint64_t v[S__N] = { 0 };

			text = slurp(path);
			err = text ? warm_up(path, text) : -ENOENT;
			/* The two R-code paths in alternating order, each
			 * from warm caches (not right after clang). */
			if (r % 2) {
				err = err ?: install_interp(path, text, ip, v);
				err = err ?: install_rcode(path, text, portals_fd, v);
			} else {
				err = err ?: install_rcode(path, text, portals_fd, v);
				err = err ?: install_interp(path, text, ip, v);
			}
			err = err ?: install_c(src, obj, portals_fd, v);
			for (int s = 0; s < S__N; s++)
				t[e][s][r] = v[s];
			unlink(obj);
			free(text);
			if (err) {
				fprintf(stderr, "bench_install: %s: %s\n", names[e],
					strerror(-err));
				return 1;
			}
		}
	}
	f = md ? fopen(md, "w") : stdout;
	if (!f)
		return 1;
	fprintf(f, "## Install latency\n\n"
		"Median over %d installs of each example, the three ways taking "
		"turns.  R-code: parse and verify, translate (with creating the "
		"maps and loading their BTF), kernel load (bpf_prog_load), attach "
		"(the portal-table update that puts it behind the dispatcher).  C: "
		"clang -O2 compiling bpf/ref/NAME.bpf.c, libbpf opening and loading "
		"the object (maps included), the same attach.  The R-code installs "
		"start from warm caches (an untimed parse of the handler first, as "
		"the clang run before evicts them).  In µs.\n\n", rounds);
	fprintf(f, "| handler | parse+verify | translate | kernel load | attach | "
		"**R-code total** | clang | libbpf load | attach | **C total** | C ÷ R-code |\n"
		"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (int e = 0; e < 4; e++) {
		double m[S__N];

		for (int s = 0; s < S__N; s++)
			m[s] = median_us(t[e][s], rounds);
		fprintf(f, "| %s | %.0f | %.0f | %.0f | %.0f | **%.0f** | %.0f | %.0f "
			"| %.0f | **%.0f** | %.0f |\n", names[e], m[S_PARSE], m[S_XLATE],
			m[S_LOAD], m[S_ATTACH], m[S_RTOTAL], m[S_CLANG], m[S_LIBBPF],
			m[S_CATTACH], m[S_CTOTAL], m[S_CTOTAL] / m[S_RTOTAL]);
	}
	fprintf(f, "\nThe in-kernel interpreter path, the same installs taking "
		"turns with the two above: parse and verify, then install "
		"(rcode_handler__install_ns: compile to uops, create the maps and "
		"the code map, put them in the interpreter's tables for the portal; "
		"no program is loaded).  In µs.\n\n"
		"| handler | parse+verify | install | **interpreter total** | "
		"translated total ÷ interpreter total |\n"
		"| --- | ---: | ---: | ---: | ---: |\n");
	for (int e = 0; e < 4; e++) {
		struct json_object *j = json_object_new_object();
		double m[S__N];

		for (int s = 0; s < S__N; s++)
			m[s] = median_us(t[e][s], rounds);
		fprintf(f, "| %s | %.0f | %.0f | **%.0f** | %.1f |\n", names[e],
			m[S_IPARSE], m[S_IINSTALL], m[S_ITOTAL],
			m[S_RTOTAL] / m[S_ITOTAL]);
		json_object_object_add(j, "handler", json_object_new_string(names[e]));
		for (int s = 0; s < S__N; s++) {
			char key[40];

			snprintf(key, sizeof(key), "%s_%s_us", stage_path[s],
				 stage_names[s]);
			json_object_object_add(j, key, json_object_new_double(m[s]));
		}
		json_object_array_add(jall, j);
	}
	{
		double l = median_us(iload, iloads), o = median_us(iopen, iloads);
		struct json_object *j = json_object_new_object();

		fprintf(f, "\nThe interpreter's own load, once per interface "
			"(or per process; pinned, it is reused): %.0f µs in "
			"bpf_object__load for its two programs "
			"(rcode_interp__load_ns), %.0f µs for the whole "
			"rcode_interp__open; median of %d loads.\n", l, o, iloads);
		json_object_object_add(j, "handler",
				       json_object_new_string("(interpreter)"));
		json_object_object_add(j, "interp_load_us",
				       json_object_new_double(l));
		json_object_object_add(j, "interp_open_us",
				       json_object_new_double(o));
		json_object_object_add(j, "loads", json_object_new_int(iloads));
		json_object_array_add(jall, j);
	}
	if (f != stdout)
		fclose(f);
	rcode_interp__close(ip);
	if (json && json_object_to_file_ext(json, jall, JSON_C_TO_STRING_PRETTY)) {
		fprintf(stderr, "bench_install: cannot write %s\n", json);
		return 1;
	}
	json_object_put(jall);
	close(portals_fd);
	return 0;
}
