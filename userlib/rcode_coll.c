// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_coll.c - the collectives protocol's steps (rcode_coll.h,
 * docs/collectives.md): the application's side for both modes of a
 * communicator.  The handler's side is userlib/coll/coll.c, in the kernel
 * as R-code and in the user-level mode natively (rcode_coll_native.c).
 */
#include <string.h>
#include "rcode_coll.h"

#define LOAD(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define XADD(p, v)	__atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)

uint64_t coll_combine(unsigned int op, uint64_t a, uint64_t b)
{
	switch (op) {
	case RCODE_OP_SUM:
		return a + b;
	case RCODE_OP_MIN:
		return a < b ? a : b;
	case RCODE_OP_MAX:
		return a > b ? a : b;
	case RCODE_OP_BAND:
		return a & b;
	case RCODE_OP_BOR:
		return a | b;
	default:
		return a;	/* COLL_OP_BCAST: the root's own words */
	}
}

/* Arm s for seq.  The seq word goes to "none" first and to seq last, so
 * a handler that claims in between sees the change when it looks again
 * (coll/coll.c), and the old result stays for children still asking for
 * it. */
static void arm(uint64_t *s, uint32_t seq)
{
	__atomic_store_n(&s[COLL_S_SEQ], COLL_NONE, __ATOMIC_SEQ_CST);
	STORE(&s[COLL_S_DONE], 0);
	for (int i = 0; i < COLL_CONTRIBUTORS; i++)
		STORE(&s[COLL_S_CLAIM + i], 0);
	__atomic_store_n(&s[COLL_S_SEQ], (uint64_t)seq, __ATOMIC_SEQ_CST);
}

void coll_core_init(struct coll_core *c, uint32_t first_seq)
{
	memset(c->win, 0, COLL_WINDOW_WORDS * sizeof(uint64_t));
	for (uint32_t i = 0; i < COLL_SLOTS; i++) {
		uint64_t *s = coll_slot(c, first_seq + i);

		s[COLL_S_RESULT_SEQ] = COLL_NONE;
		s[COLL_S_PARTIAL_SEQ] = COLL_NONE;
		arm(s, first_seq + i);
	}
	STORE(&c->win[COLL_W_LAYOUT], COLL_LAYOUT);
}

/* Send the K words at s[off] with this tag (kind replaced). */
static void send_words(struct coll_core *c, uint32_t dst, uint32_t tag,
		       unsigned int kind, uint32_t seq, const uint64_t *w,
		       unsigned int nwords)
{
	c->send(c->ctx, dst, (tag & ~0xfu) | kind, seq, w, nwords);
}

/* Every contribution of seq is in: combine them.  At the root the
 * result is published and goes DOWN to the children; elsewhere the
 * partial is kept (for retries) and goes UP to the parent.  True when it
 * published the result. */
static bool complete(struct coll_core *c, uint64_t *s, uint32_t seq,
		     uint32_t tag)
{
	unsigned int op = COLL_TAG_OP(tag), k = COLL_TAG_K(tag);
	uint32_t root = COLL_TAG_ROOT(tag);
	uint32_t vr = coll_vrank(c->n, c->self, root);
	unsigned int nch = coll_children(c->n, vr);
	uint64_t *out = vr ? &s[COLL_S_PARTIAL] : &s[COLL_S_RESULT];

	/* a broadcast's partial is nothing: only the root has words */
	for (unsigned int i = 0; i < k && (!vr || op != COLL_OP_BCAST); i++) {
		uint64_t v = LOAD(&s[COLL_S_CONTRIB + i]);

		if (op != COLL_OP_BCAST)
			for (unsigned int j = 1; j <= nch; j++)
				v = coll_combine(op, v,
						 LOAD(&s[COLL_S_CONTRIB +
							 j * RCODE_COLL_WORDS + i]));
		STORE(&out[i], v);
	}
	if (vr) {
		STORE(&s[COLL_S_PARTIAL_SEQ], (uint64_t)seq);
		send_words(c, coll_rank(c->n, (vr - 1) / 2, root), tag, COLL_UP,
			   seq, out, op == COLL_OP_BCAST ? 0 : k);
		return false;
	}
	STORE(&s[COLL_S_RESULT_SEQ], (uint64_t)seq);
	for (unsigned int j = 1; j <= nch; j++)
		send_words(c, coll_rank(c->n, 2 * vr + j, root), tag, COLL_DOWN,
			   seq, out, k);
	return true;
}

bool coll_contribute(struct coll_core *c, uint32_t seq, uint32_t tag,
		     const uint64_t *words, unsigned int nwords)
{
	uint64_t *s = coll_slot(c, seq);
	uint32_t vr = coll_vrank(c->n, c->self, COLL_TAG_ROOT(tag));

	for (unsigned int i = 0; i < nwords; i++)
		STORE(&s[COLL_S_CONTRIB + i], words[i]);
	if (XADD(&s[COLL_S_DONE], 1) + 1 != coll_children(c->n, vr) + 1)
		return false;
	complete(c, s, seq, tag);	/* the application: nobody to wake */
	return true;
}

bool coll_retry(struct coll_core *c, uint32_t seq, uint32_t tag)
{
	uint64_t *s = coll_slot(c, seq);
	uint32_t root = COLL_TAG_ROOT(tag);
	uint32_t vr = coll_vrank(c->n, c->self, root);

	if (!vr || LOAD(&s[COLL_S_PARTIAL_SEQ]) != seq)
		return false;
	send_words(c, coll_rank(c->n, (vr - 1) / 2, root), tag, COLL_UP, seq,
		   &s[COLL_S_PARTIAL],
		   COLL_TAG_OP(tag) == COLL_OP_BCAST ? 0 : COLL_TAG_K(tag));
	return true;
}

void coll_finish(struct coll_core *c, uint32_t seq, uint64_t *out,
		 unsigned int nwords)
{
	uint64_t *s = coll_slot(c, seq);

	for (unsigned int i = 0; i < nwords; i++)
		out[i] = LOAD(&s[COLL_S_RESULT + i]);
	arm(s, seq + 2);
}
