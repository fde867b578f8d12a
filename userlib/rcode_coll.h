/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcode_coll.h - the collectives protocol (docs/collectives.md), internal
 * to librcode: the tree, and the application's side of the protocol's
 * steps; the layouts are coll/coll_abi.h.
 *
 * The steps are written once, for both modes of a communicator:
 * - the application's side (contribute, complete when it is the last
 *   contributor, retry, re-arm) runs in the calling process in both
 *   modes;
 * - the handler's side is userlib/coll/coll.c, written once: rcc
 *   compiles it into the R-code handler of the kernel mode, gcc into
 *   coll_handle() (rcode_coll_native.c), which the user-level mode runs
 *   in the process on every message its socket receives.
 *
 * Every word of the window may be touched by several CPUs and by the
 * application at once (in the kernel mode), so shared words are read and
 * written with __atomic builtins, as the R-code handler reads and writes them with
 * its window instructions.
 */
#ifndef RCODE_COLL_H
#define RCODE_COLL_H

#include <stdbool.h>
#include <stdint.h>
#include "librcode.h"

/* The tag's fields, the window's words and the handler's data area: one
 * layout for the handler (coll/coll.c, built by rcc and by gcc) and the
 * application's side here. */
#include "coll/coll_abi.h"

_Static_assert(COLL_WORDS == RCODE_COLL_WORDS, "coll_abi.h: RCODE_COLL_WORDS");
_Static_assert(COLL_PORTAL == RCODE_COLL_PORTAL, "coll_abi.h: RCODE_COLL_PORTAL");
_Static_assert(COLL_OP_BOR == RCODE_OP_BOR && COLL_OP_BCAST == RCODE_OP__COUNT,
	       "coll_abi.h: enum rcode_op");

#define COLL_TAG(kind, op, k, root) \
	((uint32_t)(kind) | (uint32_t)(op) << 4 | (uint32_t)(k) << 8 | \
	 (uint32_t)(root) << 16)
#define COLL_TAG_KIND(t)	((t) & 0xf)
#define COLL_TAG_OP(t)		(((t) >> 4) & 0xf)
#define COLL_TAG_K(t)		(((t) >> 8) & 0xff)
#define COLL_TAG_ROOT(t)	((t) >> 16)

/* ---- the tree ---------------------------------------------------------------
 * A binary heap over virtual ranks vr = (rank - root) mod n. */
static inline uint32_t coll_vrank(uint32_t n, uint32_t rank, uint32_t root)
{
	return (rank + n - root) % n;
}

static inline uint32_t coll_rank(uint32_t n, uint32_t vr, uint32_t root)
{
	return (vr + root) % n;
}

static inline uint32_t coll_children(uint32_t n, uint32_t vr)
{
	return (2 * vr + 1 < n) + (2 * vr + 2 < n);
}

/* ---- one node's protocol state ------------------------------------------------ */
struct coll_core;

/* How a message leaves the node (the application's sendto, or the
 * user-level handler's): tag and seq as sent, nwords words of payload.
 * Returns 0 or -errno; a message that cannot be sent is lost, as on the
 * wire, and the retry repairs it. */
typedef int (*coll_send_fn)(void *ctx, uint32_t dst, uint32_t tag,
			    uint32_t seq, const uint64_t *words,
			    unsigned int nwords);

struct coll_core {
	uint64_t *win;		/* COLL_WINDOW_WORDS words */
	uint32_t self, n;
	coll_send_fn send;
	void *ctx;
	/* the handler's `wake`: a result the handler publishes wakes the
	 * application by passing the DOWN on (COLL_ACT_WAKE), not by an
	 * up-call (which the native handler's caller ignores). */
	bool wake_pass;
};

/* What coll_handle did with a message, as the handler's action. */
enum coll_action {
	COLL_ACT_DROP = 1,	/* consumed (whatever it sent) */
	COLL_ACT_PASS = 2,	/* not a message of the protocol */
	COLL_ACT_WAKE = 3,	/* wake_pass: a result published; the DOWN
				 * goes on to the application (R-code: pass) */
};

static inline uint64_t *coll_slot(const struct coll_core *c, uint32_t seq)
{
	return c->win + COLL_W_HDR + (seq & 1) * COLL_SLOT_WORDS;
}

/* Set the window up for a first operation first_seq (and the one after). */
void coll_core_init(struct coll_core *c, uint32_t first_seq);

/* The application's contribution to operation seq (K words in words,
 * none for a broadcast that is not the root's).  If it is the last
 * contribution at this node, complete the step here: combine, and send
 * UP to the parent or, at the root, publish and send DOWN.  Returns
 * true when it completed the step. */
bool coll_contribute(struct coll_core *c, uint32_t seq, uint32_t tag,
		     const uint64_t *words, unsigned int nwords);

/* Has the result of seq arrived?  (acquire: the result words are
 * readable when it says so) */
static inline bool coll_done(const struct coll_core *c, uint32_t seq)
{
	return __atomic_load_n(&coll_slot(c, seq)[COLL_S_RESULT_SEQ],
			       __ATOMIC_ACQUIRE) == seq;
}

/* Does the application sleep, so that a result must wake it?  (A full
 * barrier: the result_seq written before is visible before this read,
 * against the application's raise of COLL_W_SLEEPERS before its last
 * look at result_seq.) */
static inline bool coll_sleeping(const struct coll_core *c)
{
	return __atomic_fetch_add(&c->win[COLL_W_SLEEPERS], 0,
				  __ATOMIC_SEQ_CST) != 0;
}

/* After a timeout: send again what this node last sent up for seq, if it
 * has sent it (its fan-in is complete and it is not the root).  Returns
 * true when something was sent. */
bool coll_retry(struct coll_core *c, uint32_t seq, uint32_t tag);

/* Copy the result of seq out, then arm its slot for seq + 2. */
void coll_finish(struct coll_core *c, uint32_t seq, uint64_t *out,
		 unsigned int nwords);

/* The handler, coll/coll.c compiled natively (rcode_coll_native.c): one
 * received message (portal already checked). */
enum coll_action coll_handle(struct coll_core *c, uint32_t src, uint32_t tag,
			     uint32_t seq, const void *payload,
			     unsigned int len);

/* Combine b into a by op (enum rcode_op). */
uint64_t coll_combine(unsigned int op, uint64_t a, uint64_t b);

#endif /* RCODE_COLL_H */
