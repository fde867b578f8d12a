// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_native.c - the four example handlers (examples/NAME.r) written by
 * hand in C for the user-level path (rcode_serve_opts.native), as
 * bpf/ref/NAME.bpf.c are for XDP.  Each does exactly what its R-code does,
 * step for step where order is observable: data-area and window words
 * are touched with the interpreter's word semantics (relaxed whole-word
 * loads and stores, sequentially consistent fetch-and-add), in the
 * R-code's order, so that concurrent readers see what they would see
 * with rc_run().  selftests/test_native.c holds them to the reference.
 *
 * None of them can fault: every payload access is behind the R-code's
 * own length check, the indices are constants the verifier accepted, and
 * the budgets cover the longest path.  So res->fault is always 0.
 */
#include <string.h>
#include "librcode.h"
#include "rcode.h"

static uint64_t word_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void word_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static uint64_t word_fetch_add(uint64_t *p, uint64_t v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

/* The first payload word, little-endian at any alignment (ldp64 0). */
static uint64_t payload64(const struct rc_msg *m)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | m->payload[i];
	return v;
}

static void set_payload64(struct rc_msg *m, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		m->payload[i] = (uint8_t)v;
}

static int end(struct rc_result *res, uint32_t action)
{
	memset(res, 0, sizeof(*res));
	res->action = action;
	return 0;
}

/* ---- echo.r: answer with the first word + 1 and tag "echo" ------------- */
#define ECHO_ANSWERED	0x6563686f

static int native_echo(void *ctx, struct rc_msg *m, struct rc_env *env,
		       struct rc_result *res)
{
	uint32_t t;

	(void)ctx;
	(void)env;
	if (m->hdr.len >= 8)
		set_payload64(m, payload64(m) + 1);
	m->hdr.tag = ECHO_ANSWERED;
	/* reply: the ranks are exchanged after the handler, as rc_run()
	 * does. */
	t = m->hdr.src;
	m->hdr.src = m->hdr.dst;
	m->hdr.dst = t;
	return end(res, RC_ACT_REPLY);
}

/* ---- counter.r: total, hits+0 count, hits+1 last tag; consume ---------- */
static int native_counter(void *ctx, struct rc_msg *m, struct rc_env *env,
			  struct rc_result *res)
{
	(void)ctx;
	word_fetch_add(&env->state[0], 1);		/* xadds total */
	word_fetch_add(&env->windows[0][0], 1);		/* xaddw hits */
	word_store(&env->windows[0][1], m->hdr.tag);	/* stw hits+1 */
	return end(res, RC_ACT_DROP);
}

/* ---- gsum.r: fan-in step of a global sum over NCHILD children ---------- */
#define GSUM_NCHILD	3
enum { GSUM_SUM, GSUM_COUNT, GSUM_ROUNDS };	/* data-area words */

static int native_gsum(void *ctx, struct rc_msg *m, struct rc_env *env,
		       struct rc_result *res)
{
	uint64_t *s = env->state, *w = env->windows[0], total;

	(void)ctx;
	if (m->hdr.len < 8)
		return end(res, RC_ACT_PASS);		/* notvalue */
	word_fetch_add(&s[GSUM_SUM], payload64(m));
	if (word_fetch_add(&s[GSUM_COUNT], 1) != GSUM_NCHILD - 1)
		return end(res, RC_ACT_DROP);
	/* Last arrival: every value was added before its count. */
	total = word_load(&s[GSUM_SUM]);
	set_payload64(m, total);
	word_store(&w[0], total);
	word_store(&w[1], word_fetch_add(&s[GSUM_ROUNDS], 1) + 1);
	word_store(&s[GSUM_SUM], 0);
	word_store(&s[GSUM_COUNT], 0);
	return end(res, RC_ACT_PASS);
}

/* ---- barrier.r: count arrivals of NPROCS ranks per generation ---------- */
#define BARRIER_NPROCS	4
enum { BAR_ARRIVED, BAR_GENERATION };

static int native_barrier(void *ctx, struct rc_msg *m, struct rc_env *env,
			  struct rc_result *res)
{
	uint64_t *s = env->state, tag = m->hdr.tag;	/* ldh zero-extends */

	(void)ctx;
	if (tag != word_load(&s[BAR_GENERATION]))
		return end(res, RC_ACT_PASS);		/* stray */
	if (word_fetch_add(&s[BAR_ARRIVED], 1) + 1 != BARRIER_NPROCS)
		return end(res, RC_ACT_DROP);
	word_store(&env->windows[0][0], tag);		/* open */
	word_store(&s[BAR_ARRIVED], 0);
	word_store(&s[BAR_GENERATION], tag + 1);	/* 64-bit: may pass 2^32 */
	return end(res, RC_ACT_DROP);
}

static const struct rcode_native natives[] = {
	{ "echo", 2, native_echo, 0, { 0 } },
	{ "counter", 1, native_counter, 1, { 2 } },
	{ "gsum", 7, native_gsum, 3, { 2 } },
	{ "barrier", 9, native_barrier, 2, { 1 } },
};
#define NNATIVES (sizeof(natives) / sizeof(natives[0]))

const struct rcode_native *rcode_native_find(const char *name)
{
	for (size_t i = 0; name && i < NNATIVES; i++)
		if (!strcmp(natives[i].name, name))
			return &natives[i];
	return NULL;
}

const struct rcode_native *rcode_native_get(unsigned int i)
{
	return i < NNATIVES ? &natives[i] : NULL;
}
