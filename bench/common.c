// SPDX-License-Identifier: BSD-2-Clause
/*
 * common.c - loading, frames and statistics for the benchmarks (bench.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <unistd.h>
#include <json-c/json.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "embedded.h"
#include "rcode_private.h"
#include "rc_diag.h"

/* ---- loading --------------------------------------------------------------- */

static int load_object(struct bpf_object *bo, const char *name,
		       uint16_t port, int *prog_fd)
{
	int err;

	if (!bo) {
		err = -errno;
		fprintf(stderr, "%s: %s\n", name, strerror(-err));
		return err;
	}
	if (port && (err = rcode_object_set_rodata_u16(bo, "rc_port", port))) {
		fprintf(stderr, "%s: cannot set rc_port: %s\n", name,
			strerror(-err));
		bpf_object__close(bo);
		return err;
	}
	err = bpf_object__load(bo);
	if (err) {
		fprintf(stderr, "%s: load: %s\n", name, strerror(-err));
		bpf_object__close(bo);
		return err;
	}
	/* Deliberately never closed: the fd lives as long as the process. */
	*prog_fd = bpf_program__fd(bpf_object__next_program(bo, NULL));
	return 0;
}

int bench_load_embedded(const char *obj, uint16_t port, int *prog_fd)
{
	const struct rc_embedded_obj *eo = rc_embedded_test_find(obj);

	if (!eo) {
		fprintf(stderr, "%s: no such embedded object\n", obj);
		return -ENOENT;
	}
	return load_object(bpf_object__open_mem(eo->data, eo->size, NULL), obj,
			   port, prog_fd);
}

int bench_load_file(const char *path, uint16_t port, int *prog_fd)
{
	return load_object(bpf_object__open_file(path, NULL), path, port,
			   prog_fd);
}

/* A C handler's R-code text: build/rcc (beside build/bench/) or $RCC on
 * it, as rloader does; NULL on failure, with rcc's messages on stderr. */
char *bench_compile_c(const char *path)
{
	char exe[4096], cmd[8400], *text = NULL;
	const char *rcc = getenv("RCC");
	size_t len = 0;
	ssize_t n;
	FILE *p;

	if (!rcc || !*rcc) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return NULL;
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		strcat(exe, "/../rcc");
		rcc = exe;
	}
	snprintf(cmd, sizeof(cmd), "'%s' -w '%s'", rcc, path);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	if (getdelim(&text, &len, '\0', p) < 0) {
		free(text);
		text = NULL;
	}
	if (pclose(p) && text) {
		free(text);
		text = NULL;
	}
	return text;
}

int bench_load_rcode(const char *path, struct rc_prog **out)
{
	struct rc_prog *prog = rc_prog_new();
	struct rc_diags d;
	char *text = NULL;
	FILE *f;
	long n;
	int err = -EINVAL;

	if (bench_is_c(path)) {
		text = bench_compile_c(path);
		if (!text || !prog) {
			free(text);
			rc_prog_free(prog);
			return -EINVAL;
		}
		rc_diags_init(&d);
		goto assemble;
	}
	f = fopen(path, "rb");
	if (!f || !prog) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		rc_prog_free(prog);
		return -ENOENT;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (text = calloc(1, n + 1)) &&
	    fread(text, 1, n, f) == (size_t)n)
		err = 0;
	fclose(f);
	if (err) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(text);
		rc_prog_free(prog);
		return -EIO;
	}
	rc_diags_init(&d);
assemble:
	err = rc_asm(path, text, prog, &d);
	if (!err)
		err = rc_verify(prog, NULL, &d);
	rc_diags_print(&d, stderr);
	rc_diags_free(&d);
	free(text);
	if (err) {
		rc_prog_free(prog);
		return err;
	}
	*out = prog;
	return 0;
}

/* ---- frames ---------------------------------------------------------------- */

void bench_ends_default(struct bench_ends *e, bool ipv6)
{
	static const uint8_t a4[4] = { 198, 18, 0, 1 }, b4[4] = { 198, 18, 0, 2 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };

	memset(e, 0, sizeof(*e));
	e->ipv6 = ipv6;
	memcpy(e->smac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 0x0a }, 6);
	memcpy(e->dmac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 0x0b }, 6);
	memcpy(e->saddr, ipv6 ? a6 : a4, ipv6 ? 16 : 4);
	memcpy(e->daddr, ipv6 ? b6 : b4, ipv6 ? 16 : 4);
	e->sport = RC_UDP_PORT;
	e->dport = RC_UDP_PORT;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

size_t bench_frame(uint8_t *f, size_t size, const struct rc_msg *msg,
		   const struct bench_ends *e)
{
	size_t l3len = e->ipv6 ? 40 : 20, hdr = 14 + l3len + 8;
	uint8_t *l3 = f + 14, *udp = f + 14 + l3len;
	uint32_t s;
	uint16_t c;
	int n;

	if (size < hdr)
		return 0;
	memset(f, 0, hdr);
	n = rc_msg_to_wire(msg, udp + 8, size - hdr);
	if (n < 0)
		return 0;
	memcpy(f, e->dmac, 6);
	memcpy(f + 6, e->smac, 6);
	if (e->ipv6) {
		put16(f + 12, ETH_P_IPV6);
		l3[0] = 0x60;
		put16(l3 + 4, 8 + n);
		l3[6] = IPPROTO_UDP;
		l3[7] = 64;
		memcpy(l3 + 8, e->saddr, 16);
		memcpy(l3 + 24, e->daddr, 16);
		s = sum16(l3 + 8, 32, 0);
	} else {
		put16(f + 12, ETH_P_IP);
		l3[0] = 0x45;
		put16(l3 + 2, 20 + 8 + n);
		put16(l3 + 6, 0x4000);	/* DF */
		l3[8] = 64;
		l3[9] = IPPROTO_UDP;
		memcpy(l3 + 12, e->saddr, 4);
		memcpy(l3 + 16, e->daddr, 4);
		put16(l3 + 10, ~fold(sum16(l3, 20, 0)));
		s = sum16(l3 + 12, 8, 0);
	}
	put16(udp, e->sport);
	put16(udp + 2, e->dport);
	put16(udp + 4, 8 + n);
	s += IPPROTO_UDP + 8 + n;
	c = ~fold(sum16(udp, 8 + n, s));
	put16(udp + 6, c ? c : 0xffff);
	return hdr + n;
}

void bench_msg(struct rc_msg *m, const struct rc_prog *prog, uint32_t tag,
	       uint64_t word)
{
	memset(m, 0, sizeof(*m));
	m->hdr.version = RC_WIRE_VERSION;
	m->hdr.portal = prog->portal;
	m->hdr.src = 1;
	m->hdr.dst = 2;
	m->hdr.tag = tag;
	m->hdr.len = 8;
	memcpy(m->payload, &word, 8);	/* little-endian, as ldp64 reads */
}

/* ---- statistics ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Linear interpolation between closest ranks. */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (n - 1);
	size_t i = (size_t)pos;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

void bench_summarize(double *v, size_t n, struct bench_summary *s)
{
	double sum = 0, half;
	size_t k;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->min = v[0];
	s->max = v[n - 1];
	s->mean = sum / n;
	s->p25 = quantile(v, n, 0.25);
	s->median = quantile(v, n, 0.5);
	s->p75 = quantile(v, n, 0.75);
	s->p90 = quantile(v, n, 0.90);
	s->p99 = quantile(v, n, 0.99);
	s->p999 = quantile(v, n, 0.999);
	half = 0.98 * sqrt(n);
	k = (double)n / 2 > half + 1 ? (size_t)((double)n / 2 - half) : 0;
	s->ci_lo = v[k];
	s->ci_hi = v[n - 1 - k];
}

double bench_rel_iqr(const struct bench_summary *s)
{
	return s->median > 0 ? (s->p75 - s->p25) / s->median : 0;
}

double bench_rel_ci(const struct bench_summary *s)
{
	return s->median > 0 ? (s->ci_hi - s->ci_lo) / 2 / s->median : 1;
}

struct json_object *bench_summary_json(const double *v, size_t n)
{
	struct json_object *o = json_object_new_object();
	struct bench_summary s;
	double *t = malloc((n + 1) * sizeof(*t));

	if (!t)
		return o;
	memcpy(t, v, n * sizeof(*t));
	bench_summarize(t, n, &s);
	free(t);
	json_object_object_add(o, "median", json_object_new_double(s.median));
	json_object_object_add(o, "p25", json_object_new_double(s.p25));
	json_object_object_add(o, "p75", json_object_new_double(s.p75));
	json_object_object_add(o, "min", json_object_new_double(s.min));
	json_object_object_add(o, "max", json_object_new_double(s.max));
	json_object_object_add(o, "rel_iqr",
			       json_object_new_double(bench_rel_iqr(&s)));
	json_object_object_add(o, "ci95_lo", json_object_new_double(s.ci_lo));
	json_object_object_add(o, "ci95_hi", json_object_new_double(s.ci_hi));
	json_object_object_add(o, "rel_ci95",
			       json_object_new_double(bench_rel_ci(&s)));
	return o;
}

int bench_pin_cpu(int cpu, const char *who)
{
	cpu_set_t set;

	if (cpu == -2)
		cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "%s: cannot pin to CPU %d: %s\n", who, cpu,
			strerror(errno));
		return -1;
	}
	return cpu;
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- the reference interpreter ----------------------------------------- */

int bench_ref_insns(const struct rc_prog *prog, const struct rc_msg *msg,
		    unsigned int warm, unsigned int runs, double *first,
		    double *per_run)
{
	uint64_t *state = calloc(RC_STATE_MAX, sizeof(uint64_t));
	uint64_t *win[RC_WINDOWS_MAX] = { NULL }, sum = 0;
	struct rc_env env = { .state = state };
	struct rc_result res;
	struct rc_msg m = *msg;
	int err = state ? 0 : -ENOMEM;

	for (uint32_t k = 0; !err && k < prog->nwindows; k++) {
		win[k] = calloc(prog->windows[k].words, sizeof(uint64_t));
		env.windows[k] = win[k];
		if (!win[k])
			err = -ENOMEM;
	}
	/* The same message again and again, as the kernel paths see it
	 * under BPF_PROG_TEST_RUN: a reply comes back as the next message. */
	for (unsigned int i = 0; !err && i < warm + runs; i++) {
		err = rc_run(prog, &m, &env, &res);
		if (i == 0 && first)
			*first = res.insns;
		if (i >= warm)
			sum += res.insns;
	}
	if (!err && runs)
		*per_run = (double)sum / runs;
	for (uint32_t k = 0; k < RC_WINDOWS_MAX; k++)
		free(win[k]);
	free(state);
	return err;
}
