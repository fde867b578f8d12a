// SPDX-License-Identifier: BSD-2-Clause
/*
 * coll.c - one node's part of allreduce, barrier and broadcast
 * (docs/collectives.md), the protocol's handler written once:
 * - rcc compiles it into the R-code handler that librcode embeds and
 *   installs at TC ingress for a communicator in the kernel mode;
 * - gcc compiles it natively (userlib/rcode_coll_native.c) as the handler
 *   the user-level mode runs in the process on every datagram.
 * The application's side (contribute, retry, finish) is rcode_coll.c.
 *
 * Contributions travel UP a binary tree over virtual ranks
 * vr = (rank - root) mod N, combined at every node; the root's result
 * travels DOWN.  The window `coll` is shared with the application, which
 * contributes its own words there (contributor 0) and waits for the result
 * there; coll_abi.h lays it out.
 *
 * Several CPUs may run this at once, on different children's messages,
 * while the application writes its own contribution: whoever brings
 * `done` to children + 1 completes the step, and every claim and count is
 * an atomic add.  Every value is a uint64_t, as R-code's words are, so
 * that the arithmetic on ranks wraps the same way in both builds.
 */
/* The native build included rcc's <rcode.h> by its path already: its
 * include path finds rcode2bpf's rcode.h under that name. */
#ifndef COLL_NATIVE
#include <rcode.h>
#endif
#include "coll_abi.h"

/* The native build (rcode_coll_native.c) maps these names to the
 * communicator's own window and fields instead. */
#ifndef COLL_NATIVE
RC_STATE uint64_t self;		/* this node's rank, written by librcode */
RC_STATE uint64_t nranks;	/* N; 0 until librcode sets the node up */
RC_STATE uint64_t wake;		/* how a result wakes the application: 0 an
				 * up-call, 1 the DOWN passed on to its socket */
extern uint64_t coll[COLL_WINDOW_WORDS] RC_WINDOW;
#endif

#define KIND_MASK	0xfffffff0u	/* the tag without its kind */

/* What is left to do once the kind's own steps are done: the tails that
 * the kinds share (rcc has no goto, and an action cannot come back out of
 * an inlined function); the other ways out return at once. */
enum coll_go {
	GO_ANSWER,	/* a duplicate UP, a stale one or a PULL: answer it */
	GO_COMPLETE,	/* every contribution is in: combine them */
	GO_PUBLISHED,	/* a result just published: wake, then the children */
};

/* Payload word i = window word w + i, for the whole payload. */
static void fill(uint64_t w)
{
	for (uint64_t off = 0; off < rc_len(); off += 8) {
		rc_st64(off, coll[w]);
		w++;
	}
}

/* Window word w + i = payload word i, for the whole payload. */
static void copy_in(uint64_t w)
{
	for (uint64_t off = 0; off < rc_len(); off += 8) {
		coll[w] = rc_ld64(off);
		w++;
	}
}

/*
 * Combine the contributions word by word into the window (word w + out, w
 * walking contributor 0's words) and into the message.  One loop per op
 * and number of children, so that neither is decided per word; STEP(x)
 * combines word x into v.  Macros, not functions: an inlined call would
 * copy what the handler's locals hold into fresh ones, and R-code has 16.
 */
#define COMBINE_WORD(BODY)						\
	for (; off < rc_len(); off += 8) {				\
		uint64_t v = coll[w];					\
									\
		BODY							\
		coll[w + out] = v;					\
		rc_st64(off, v);					\
		w++;							\
	}
#define COMBINE(STEP)							\
	if (children == 2) {						\
		COMBINE_WORD(STEP(coll[w + COLL_WORDS]);		\
			     STEP(coll[w + 2 * COLL_WORDS]);)		\
	} else {							\
		COMBINE_WORD(STEP(coll[w + COLL_WORDS]);)		\
	}
#define STEP_SUM(x)	v += (x)
#define STEP_BAND(x)	v &= (x)
#define STEP_BOR(x)	v |= (x)
#define STEP_MIN(x)	{ uint64_t b = (x); if (b < v) v = b; }
#define STEP_MAX(x)	{ uint64_t b = (x); if (b > v) v = b; }

RC_HANDLER(coll_node, COLL_PORTAL, COLL_BUDGET)
{
	uint32_t tag = rc_tag();	/* set again as the message changes kind */
	uint64_t op = (tag >> 4) & 15, k = (tag >> 8) & 255, root = tag >> 16;
	uint64_t n = nranks, seq = rc_seq();
	uint64_t vr, children, base, go;

	/* not set up yet, or not a message of ours: the application's
	 * socket sees it, as it arrived */
	if (!n || root >= n || rc_src() >= n || op >= COLL_OPS ||
	    k > COLL_WORDS) {
		__sync_fetch_and_add(&coll[COLL_W_BAD], 1);
		return RC_PASS;
	}
	vr = (self + n - root) % n;
	children = (2 * vr + 1 < n) + (2 * vr + 2 < n);
	base = COLL_W_HDR + (seq & 1) * COLL_SLOT_WORDS;

	switch (tag & 15) {
	case COLL_UP: {
		uint64_t j, claim;

		/* K words; none in a broadcast */
		if (rc_len() != (op == COLL_OP_BCAST ? 0 : k * 8)) {
			__sync_fetch_and_add(&coll[COLL_W_BAD], 1);
			return RC_PASS;
		}
		/* which child, 1 or 2: j - 1 wraps for anything else */
		j = (rc_src() + n - root) % n - 2 * vr;
		if (j - 1 >= children) {
			__sync_fetch_and_add(&coll[COLL_W_BAD], 1);
			return RC_PASS;
		}
		go = GO_ANSWER;
		if (coll[base + COLL_S_SEQ] != seq) {
			__sync_fetch_and_add(&coll[COLL_W_STALE], 1);
			break;
		}
		/* Claim, then look at the slot's seq again: if the
		 * application re-armed the slot in between, the claim was
		 * not for seq (docs/collectives.md, section 5). */
		claim = __sync_fetch_and_add(&coll[base + COLL_S_CLAIM + j], 1);
		if (coll[base + COLL_S_SEQ] != seq) {
			__sync_fetch_and_sub(&coll[base + COLL_S_CLAIM + j], 1);
			__sync_fetch_and_add(&coll[COLL_W_STALE], 1);
			break;
		}
		if (claim) {	/* not the first copy */
			__sync_fetch_and_add(&coll[COLL_W_DUPS], 1);
			break;
		}
		copy_in(base + COLL_S_CONTRIB + j * COLL_WORDS);
		/* counted after its words are in; the last one completes */
		if (__sync_fetch_and_add(&coll[base + COLL_S_DONE], 1) != children)
			return RC_DROP;
		go = GO_COMPLETE;
		break;
	}
	case COLL_DOWN:
		if (rc_len() != k * 8) {
			__sync_fetch_and_add(&coll[COLL_W_BAD], 1);
			return RC_PASS;
		}
		if (coll[base + COLL_S_SEQ] != seq) {
			__sync_fetch_and_add(&coll[COLL_W_STALE], 1);
			return RC_DROP;
		}
		if (coll[base + COLL_S_RESULT_SEQ] == seq)
			return RC_DROP;	/* a duplicate: the result is here */
		copy_in(base + COLL_S_RESULT);
		/* a full barrier: the words before their seq */
		__sync_fetch_and_add(&coll[COLL_W_LAYOUT], 0);
		coll[base + COLL_S_RESULT_SEQ] = seq;
		go = GO_PUBLISHED;
		break;
	case COLL_PULL:
		if (rc_len()) {
			__sync_fetch_and_add(&coll[COLL_W_BAD], 1);
			return RC_PASS;
		}
		go = GO_ANSWER;
		break;
	default:
		__sync_fetch_and_add(&coll[COLL_W_BAD], 1);
		return RC_PASS;
	}

	if (go == GO_COMPLETE) {
		/* Every contribution is in: the message becomes this node's
		 * partial, UP to the parent, or at the root the result, DOWN
		 * to the children. */
		uint64_t w = base + COLL_S_CONTRIB, out, off = 0;

		out = COLL_S_PARTIAL - COLL_S_CONTRIB;
		if (!vr) {
			rc_set_tag((tag & KIND_MASK) | COLL_DOWN);
			rc_resize(k * 8);
			out = COLL_S_RESULT - COLL_S_CONTRIB;
		}
		if (!children || op == COLL_OP_BCAST) {
			/* a leaf's own words, or the root's in a broadcast
			 * (elsewhere a broadcast's UP has none) */
			COMBINE_WORD()
		} else if (op == COLL_OP_SUM) {
			COMBINE(STEP_SUM)
		} else if (op == COLL_OP_MIN) {
			COMBINE(STEP_MIN)
		} else if (op == COLL_OP_MAX) {
			COMBINE(STEP_MAX)
		} else if (op == COLL_OP_BAND) {
			COMBINE(STEP_BAND)
		} else {
			COMBINE(STEP_BOR)
		}
		/* a full barrier: the words before their seq */
		__sync_fetch_and_add(&coll[COLL_W_LAYOUT], 0);
		if (vr) {
			/* kept for retries; the message is the UP already */
			coll[base + COLL_S_PARTIAL_SEQ] = seq;
			return rc_forward((((vr - 1) >> 1) + root) % n);
		}
		coll[base + COLL_S_RESULT_SEQ] = seq;
		go = GO_PUBLISHED;
	}
	if (go == GO_ANSWER) {
		/* The result if this node has it; else its own partial up
		 * again if it sent one for seq (the parent may have lost
		 * it); else nothing: the sender tries again later. */
		if (coll[base + COLL_S_RESULT_SEQ] == seq) {
			__sync_fetch_and_add(&coll[COLL_W_ANSWERS], 1);
			rc_set_tag((tag & KIND_MASK) | COLL_DOWN);
			rc_resize(k * 8);
			fill(base + COLL_S_RESULT);
			return RC_REPLY;
		}
		if (!vr || coll[base + COLL_S_SEQ] != seq ||
		    coll[base + COLL_S_PARTIAL_SEQ] != seq)
			return RC_DROP;
		__sync_fetch_and_add(&coll[COLL_W_REFORWARDS], 1);
		rc_set_tag((tag & KIND_MASK) | COLL_UP);
		rc_resize(op == COLL_OP_BCAST ? 0 : k * 8);
		fill(base + COLL_S_PARTIAL);
		return rc_forward((((vr - 1) >> 1) + root) % n);
	}

	/* GO_PUBLISHED.  Wake the application only if it sleeps: read with
	 * a full barrier after result_seq, else it polls and sees the
	 * result (a wake-up costs an interrupt or two). */
	if (__sync_fetch_and_add(&coll[COLL_W_SLEEPERS], 0)) {
		if (wake) {
			/* a copy to each child, the message (the result
			 * already) to the application's socket */
			if (children) {
				rc_send((2 * vr + 1 + root) % n);
				if (children == 2)
					rc_send((2 * vr + 2 + root) % n);
			}
			return RC_PASS;
		}
		rc_upcall(seq);
	}
	/* a copy to the first child, the message to the last */
	if (!children)
		return RC_DROP;
	if (children != 2)
		return rc_forward((2 * vr + 1 + root) % n);
	rc_send((2 * vr + 1 + root) % n);
	return rc_forward((2 * vr + 2 + root) % n);
}
