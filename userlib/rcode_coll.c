// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_coll.c - the collectives protocol's steps (rcode_coll.h,
 * docs/collectives.md): the application's side for both modes of a
 * communicator, and the handler's side that the user-level mode runs in
 * the process and userlib/coll.r runs in the kernel.
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
 * (coll_handle), and the old result stays for children still asking for
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
		       enum coll_kind kind, uint32_t seq, const uint64_t *w,
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

/* A duplicate or late UP, or a PULL: send the result back if this node
 * has it, else the partial up again if this node sent it (the parent may
 * have lost it, or its answer may be lost), else nothing: the sender
 * tries again later. */
static enum coll_action answer(struct coll_core *c, uint64_t *s, uint32_t src,
			       uint32_t tag, uint32_t seq, uint32_t vr)
{
	if (LOAD(&s[COLL_S_RESULT_SEQ]) == seq) {
		XADD(&c->win[COLL_W_ANSWERS], 1);
		send_words(c, src, tag, COLL_DOWN, seq, &s[COLL_S_RESULT],
			   COLL_TAG_K(tag));
	} else if (vr && LOAD(&s[COLL_S_SEQ]) == seq &&
		   LOAD(&s[COLL_S_PARTIAL_SEQ]) == seq) {
		XADD(&c->win[COLL_W_REFORWARDS], 1);
		send_words(c, coll_rank(c->n, (vr - 1) / 2, COLL_TAG_ROOT(tag)),
			   tag, COLL_UP, seq, &s[COLL_S_PARTIAL],
			   COLL_TAG_OP(tag) == COLL_OP_BCAST ? 0 :
			   COLL_TAG_K(tag));
	}
	return COLL_ACT_DROP;
}

static enum coll_action bad(struct coll_core *c)
{
	XADD(&c->win[COLL_W_BAD], 1);
	return COLL_ACT_PASS;
}

enum coll_action coll_handle(struct coll_core *c, uint32_t src, uint32_t tag,
			     uint32_t seq, const void *payload,
			     unsigned int len)
{
	unsigned int kind = COLL_TAG_KIND(tag), op = COLL_TAG_OP(tag);
	unsigned int k = COLL_TAG_K(tag);
	uint32_t root = COLL_TAG_ROOT(tag), n = c->n, vr, vs, j;
	uint64_t *s = coll_slot(c, seq);
	const uint8_t *p = payload;
	uint64_t old;

	if (!n || root >= n || src >= n || op >= COLL_OPS ||
	    k > RCODE_COLL_WORDS)
		return bad(c);
	vr = coll_vrank(n, c->self, root);
	switch (kind) {
	case COLL_UP:
		if (len != (op == COLL_OP_BCAST ? 0 : 8 * k))
			return bad(c);
		/* which child: 1 or 2, in virtual ranks */
		vs = coll_vrank(n, src, root);
		j = vs - 2 * vr;
		if (vs <= 2 * vr || j > coll_children(n, vr))
			return bad(c);
		if (LOAD(&s[COLL_S_SEQ]) != seq)
			goto stale;
		old = XADD(&s[COLL_S_CLAIM + j], 1);
		if (LOAD(&s[COLL_S_SEQ]) != seq) {
			/* re-armed under us: the claim was not for seq */
			XADD(&s[COLL_S_CLAIM + j], -1);
			goto stale;
		}
		if (old) {
			XADD(&c->win[COLL_W_DUPS], 1);
			return answer(c, s, src, tag, seq, vr);
		}
		for (unsigned int i = 0; i < len / 8; i++) {
			uint64_t v;

			memcpy(&v, p + 8 * i, 8);
			STORE(&s[COLL_S_CONTRIB + j * RCODE_COLL_WORDS + i], v);
		}
		if (XADD(&s[COLL_S_DONE], 1) + 1 == coll_children(n, vr) + 1 &&
		    complete(c, s, seq, tag) && coll_sleeping(c) &&
		    c->wake_pass)
			return COLL_ACT_WAKE;
		return COLL_ACT_DROP;
	case COLL_DOWN:
		if (len != 8 * k)
			return bad(c);
		if (LOAD(&s[COLL_S_SEQ]) != seq) {
			XADD(&c->win[COLL_W_STALE], 1);
			return COLL_ACT_DROP;
		}
		if (LOAD(&s[COLL_S_RESULT_SEQ]) == seq)
			return COLL_ACT_DROP;	/* a duplicate */
		for (unsigned int i = 0; i < k; i++) {
			uint64_t v;

			memcpy(&v, p + 8 * i, 8);
			STORE(&s[COLL_S_RESULT + i], v);
		}
		STORE(&s[COLL_S_RESULT_SEQ], (uint64_t)seq);
		for (j = 1; j <= coll_children(n, vr); j++)
			send_words(c, coll_rank(n, 2 * vr + j, root), tag,
				   COLL_DOWN, seq, &s[COLL_S_RESULT], k);
		return coll_sleeping(c) && c->wake_pass ? COLL_ACT_WAKE :
							  COLL_ACT_DROP;
	case COLL_PULL:
		if (len)
			return bad(c);
		return answer(c, s, src, tag, seq, vr);
	default:
		return bad(c);
	}
stale:
	XADD(&c->win[COLL_W_STALE], 1);
	return answer(c, s, src, tag, seq, vr);
}
