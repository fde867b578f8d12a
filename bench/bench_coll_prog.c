// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_coll_prog.c - ns per run of two builds of the collectives'
 * handler under BPF_PROG_TEST_RUN, on the protocol's own paths.
 *
 *   bench_coll_prog [--calls N] [OLD NEW]
 *
 * OLD and NEW are handler files (.r or .c; by default the hand-written
 * selftests/handlers/coll.r and the R-code librcode embeds, coll.c
 * compiled by rcc), each translated and loaded as TC programs as the
 * kernel mode loads them.  The paths that matter change the window (a
 * contribution completes a step once; a result is published once), so
 * BPF_PROG_TEST_RUN's repeat would measure their duplicates instead: each
 * call runs once (repeat 1) on a window written just before it, and the
 * kernel's duration of that call is taken, which leaves out the system
 * call.  Calls alternate between the builds; per path it prints the
 * median of each build's durations, their ratio, the median of the
 * ratios of calls made one after the other (paired), and the R-code
 * instructions each build executes on the path (reference interpreter).  Every send and
 * forward goes to ranks whose table entries have a MAC, and test runs do
 * not carry out redirects; no path here clones a copy out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "bench.h"
#include "rc_abi.h"
#include "rcode_coll.h"
#include "rcode_handler.h"
#include "rcode_internal.h"
#include "rcode_private.h"

struct path {
	const char *name;
	uint32_t self, n, kind, op, k, root, src;
	/* the window before the run (slot seq 1) */
	uint64_t done, claim1, result_seq, partial_seq, sleepers;
};

/* n = 4, root 0: rank 1 (vr 1) has one child, rank 3; rank 0 two. */
static const struct path paths[] = {
	{ "UP completes, sum K=32, partial UP", 1, 4, COLL_UP, 0, 32, 0, 3,
	  1, 0, COLL_NONE, COLL_NONE, 0 },
	{ "UP completes, max K=32, partial UP", 1, 4, COLL_UP, 2, 32, 0, 3,
	  1, 0, COLL_NONE, COLL_NONE, 0 },
	{ "UP completes at the root, sum K=8", 0, 2, COLL_UP, 0, 8, 0, 1,
	  1, 0, COLL_NONE, COLL_NONE, 0 },
	{ "barrier UP completes, partial UP", 1, 4, COLL_UP, 0, 0, 0, 3,
	  1, 0, COLL_NONE, COLL_NONE, 0 },
	{ "UP first of two, K=32", 0, 4, COLL_UP, 0, 32, 0, 1,
	  0, 0, COLL_NONE, COLL_NONE, 0 },
	{ "DOWN K=32 to a leaf", 3, 4, COLL_DOWN, 0, 32, 0, 1,
	  1, 0, COLL_NONE, COLL_NONE, 0 },
	{ "DOWN K=32 on to the child", 1, 4, COLL_DOWN, 0, 32, 0, 0,
	  2, 0, COLL_NONE, 1, 0 },
	{ "duplicate UP answered, K=32", 1, 4, COLL_UP, 0, 32, 0, 3,
	  2, 1, 1, 1, 0 },
	{ "duplicate DOWN", 3, 4, COLL_DOWN, 0, 32, 0, 1,
	  1, 0, 1, COLL_NONE, 0 },
	{ "not of the protocol", 1, 4, 9, 0, 4, 0, 3,
	  0, 0, COLL_NONE, COLL_NONE, 0 },
};

struct build {
	const char *path;
	struct rcode_handler *h;
};

static int load(struct build *b)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho), .tc = true };
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *prog = rc_prog_new();
	struct rc_diags d;
	char *text = NULL;
	int err = -ENOMEM;

	rc_diags_init(&d);
	if (!strcmp(b->path, "embedded")) {
		const char *t = rc_text_find("coll.r");

		text = t ? strdup(t) : NULL;
	} else if (bench_is_c(b->path)) {
		text = bench_compile_c(b->path);
	} else {
		FILE *f = fopen(b->path, "r");
		size_t len = 0;

		if (f && getdelim(&text, &len, '\0', f) < 0) {
			free(text);
			text = NULL;
		}
		if (f)
			fclose(f);
	}
	if (!text || !vi || !prog) {
		fprintf(stderr, "%s: cannot read or compile\n", b->path);
		goto out;
	}
	err = rc_asm(b->path, text, prog, &d) ?: rc_verify(prog, vi, &d);
	if (err)
		goto out;
	b->h = rcode_handler__new(prog, vi, &ho);
	if (!b->h) {
		err = -errno;
		goto out;
	}
	prog = NULL;
	err = rcode_handler__load(b->h, &d);
out:
	if (d.n)
		rc_diags_print(&d, stderr);
	rc_diags_free(&d);
	rc_prog_free(prog);
	free(vi);
	free(text);
	return err;
}

/* Every rank of the path's job, with a MAC: no route lookup. */
static int set_ranks(struct build *b, const struct path *p)
{
	int fd = rcode_handler__ranks_fd(b->h);

	for (uint32_t r = 0; r < p->n && fd >= 0; r++) {
		struct rc_rank e = { .self = p->self, .port = htons(7117),
				     .flags = RC_RANK_F_PRESENT | RC_RANK_F_MAC |
					      (r == p->self ? RC_RANK_F_SELF : 0) };

		e.addr[0] = 198;
		e.addr[1] = 18;
		e.addr[2] = 0;
		e.addr[3] = 1 + r;
		e.mac[0] = 2;
		e.mac[5] = 1 + r;
		if (bpf_map_update_elem(fd, &r, &e, 0))
			return -errno;
	}
	return 0;
}

static void window_for(const struct path *p, uint64_t *win)
{
	uint64_t *s = win + COLL_W_HDR + COLL_SLOT_WORDS;	/* seq 1 */

	memset(win, 0, COLL_WINDOW_WORDS * 8);
	win[COLL_W_LAYOUT] = COLL_LAYOUT;
	win[COLL_W_SLEEPERS] = p->sleepers;
	win[COLL_W_HDR + COLL_S_SEQ] = 2;
	win[COLL_W_HDR + COLL_S_RESULT_SEQ] = COLL_NONE;
	win[COLL_W_HDR + COLL_S_PARTIAL_SEQ] = COLL_NONE;
	s[COLL_S_SEQ] = 1;
	s[COLL_S_DONE] = p->done;
	s[COLL_S_RESULT_SEQ] = p->result_seq;
	s[COLL_S_PARTIAL_SEQ] = p->partial_seq;
	s[COLL_S_CLAIM + 1] = p->claim1;
	for (unsigned int i = COLL_S_CONTRIB; i < COLL_SLOT_WORDS; i++)
		s[i] = 0x0123456789abcdefull * i;
}

/* R-code instructions the reference interpreter executes on the path. */
static uint64_t insns(const struct build *b, const struct path *p,
		      const struct rc_msg *m, const uint64_t *win0)
{
	static uint64_t win[COLL_WINDOW_WORDS];
	uint64_t state[COLL_STATE_WORDS] = { p->self, p->n, 0 };
	struct rc_ranks ranks = { .nranks = p->n, .self = p->self };
	struct rc_env env = { .state = state, .windows = { win },
			      .ranks = &ranks };
	struct rc_msg msg = *m;
	struct rc_result res;

	memcpy(win, win0, sizeof(win));
	rc_run(rcode_handler__prog(b->h), &msg, &env, &res);
	return res.insns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct build b[2] = { { "selftests/handlers/coll.r" }, { "embedded" } };
	unsigned int calls = 20000;
	static uint64_t win[COLL_WINDOW_WORDS];
	static uint8_t frame[BENCH_FRAME_MAX], out[BENCH_FRAME_MAX];
	uint32_t *dur[2];
	double *ratio;
	int a = 1;

	if (a + 1 < argc && !strcmp(argv[a], "--calls")) {
		calls = strtoul(argv[a + 1], NULL, 0);
		a += 2;
	}
	if (a + 1 < argc) {
		b[0].path = argv[a];
		b[1].path = argv[a + 1];
	}
	dur[0] = calloc(calls, sizeof(uint32_t));
	dur[1] = calloc(calls, sizeof(uint32_t));
	ratio = calloc(calls, sizeof(double));
	if (!dur[0] || !dur[1] || !ratio || load(&b[0]) || load(&b[1]))
		return 1;
	printf("median ns per run of %u calls each; R-code instructions\n", calls);
	printf("%-38s %8s %8s %7s %7s %6s %6s\n", "path", "old ns", "new ns",
	       "new/old", "paired", "old", "new");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct path *p = &paths[i];
		uint64_t state[COLL_STATE_WORDS] = { p->self, p->n, 0 };
		struct bench_ends e;
		struct rc_msg m;
		uint32_t verdict[2] = { 0, 0 };
		size_t flen;
		double med[2];

		memset(&m, 0, sizeof(m));
		m.hdr.version = RC_WIRE_VERSION;
		m.hdr.portal = RCODE_COLL_PORTAL;
		m.hdr.src = p->src;
		m.hdr.dst = p->self;
		m.hdr.tag = COLL_TAG(p->kind, p->op, p->k, p->root);
		m.hdr.seq = 1;
		m.hdr.len = p->kind == COLL_DOWN || p->kind == COLL_UP ? 8 * p->k : 0;
		for (unsigned int w = 0; w < m.hdr.len / 8; w++) {
			uint64_t v = 0xfedcba9876543210ull ^ w;

			memcpy(m.payload + 8 * w, &v, 8);
		}
		bench_ends_default(&e, false);
		flen = bench_frame(frame, sizeof(frame), &m, &e);
		window_for(p, win);
		for (int k = 0; k < 2; k++)
			if (rcode_handler__write_state(b[k].h, state) ||
			    set_ranks(&b[k], p)) {
				fprintf(stderr, "cannot set up %s\n", b[k].path);
				return 1;
			}
		for (unsigned int c = 0; c < calls; c++)
			for (int k = 0; k < 2; k++) {
				int kk = (c & 1) ? 1 - k : k;	/* alternate */
				size_t olen = sizeof(out);
				uint32_t d = 0;

				if (rcode_handler__write_window(b[kk].h, 0, win) ||
				    rcode_handler__test_run(b[kk].h, frame, flen,
							    out, &olen,
							    &verdict[kk], 1, &d)) {
					fprintf(stderr, "test run failed\n");
					return 1;
				}
				dur[kk][c] = d;
			}
		/* the ratio of each pair of calls, made one after the other,
		 * so that the machine's drifts hit both alike */
		for (unsigned int c = 0; c < calls; c++)
			ratio[c] = dur[0][c] ? (double)dur[1][c] / dur[0][c] : 0;
		qsort(ratio, calls, sizeof(double), cmp_double);
		for (int k = 0; k < 2; k++) {
			qsort(dur[k], calls, sizeof(uint32_t), cmp_u32);
			med[k] = calls % 2 ? dur[k][calls / 2] :
			    (dur[k][calls / 2 - 1] + dur[k][calls / 2]) / 2.0;
		}
		printf("%-38s %8.1f %8.1f %7.3f %7.3f %6llu %6llu\n", p->name,
		       med[0], med[1], med[0] ? med[1] / med[0] : 0.0,
		       ratio[calls / 2],
		       (unsigned long long)insns(&b[0], p, &m, win),
		       (unsigned long long)insns(&b[1], p, &m, win));
		if (verdict[0] != verdict[1])
			printf("# the builds' verdicts differ\n");
	}
	rcode_handler__close(b[0].h);
	rcode_handler__close(b[1].h);
	return 0;
}
