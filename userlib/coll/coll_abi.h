/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * coll_abi.h - the collectives' tag and window layout (docs/collectives.md,
 * sections 3 and 4), in plain #defines only: the handler userlib/coll/coll.c
 * includes it under rcc as well as under gcc, and librcode's application
 * side (rcode_coll.h) through it, so the layout has one home.
 */
#ifndef RCODE_COLL_ABI_H
#define RCODE_COLL_ABI_H

#define COLL_PORTAL		192	/* RCODE_COLL_PORTAL: the handler's default */
#define COLL_BUDGET		8192	/* instructions a message; the longest
					 * run takes about 2,220 */

/* ---- the tag ---------------------------------------------------------------
 *   bits  0..3   kind: COLL_UP, COLL_DOWN, COLL_PULL
 *   bits  4..7   op: enum rcode_op, or COLL_OP_BCAST
 *   bits  8..15  K: words of the result, 0..COLL_WORDS
 *   bits 16..31  root rank of the tree
 * The payload: UP carries the sender's partial (K words; none for a
 * broadcast), DOWN the result (K words), PULL nothing. */
#define COLL_UP			1
#define COLL_DOWN		2
#define COLL_PULL		3

#define COLL_OP_SUM		0	/* enum rcode_op's values */
#define COLL_OP_MIN		1
#define COLL_OP_MAX		2
#define COLL_OP_BAND		3
#define COLL_OP_BOR		4
#define COLL_OP_BCAST		5	/* the root's contribution is the result */
#define COLL_OPS		6

#define COLL_WORDS		32	/* RCODE_COLL_WORDS */

/* ---- the window `coll` (64-bit words) -------------------------------------
 * A header, then COLL_SLOTS slots; operation seq uses slot seq & 1. */
#define COLL_SLOTS		2
#define COLL_CONTRIBUTORS	3	/* 0: this node's application, 1, 2: children */

#define COLL_W_LAYOUT		0	/* COLL_LAYOUT, written at set-up */
#define COLL_W_DUPS		1	/* duplicate UP claims seen (handler) */
#define COLL_W_ANSWERS		2	/* results sent back to a retrying child */
#define COLL_W_REFORWARDS	3	/* partials sent up again */
#define COLL_W_STALE		4	/* messages for a seq the slot is not armed for */
#define COLL_W_BAD		5	/* malformed for the protocol: passed */
#define COLL_W_SLEEPERS		6	/* the application sleeps: wake it (the
					 * handler reads it after publishing a
					 * result, with a full barrier) */
#define COLL_W_HDR		8

#define COLL_S_SEQ		0	/* seq the slot is armed for */
#define COLL_S_DONE		1	/* contributions in, 0..children+1 */
#define COLL_S_RESULT_SEQ	2	/* seq whose result is in RESULT */
#define COLL_S_PARTIAL_SEQ	3	/* seq whose partial is in PARTIAL */
#define COLL_S_CLAIM		4	/* 3 words: claims of contributors 0..2 */
#define COLL_S_CONTRIB		8	/* 3 x COLL_WORDS */
#define COLL_S_PARTIAL		(COLL_S_CONTRIB + COLL_CONTRIBUTORS * COLL_WORDS)
#define COLL_S_RESULT		(COLL_S_PARTIAL + COLL_WORDS)
#define COLL_SLOT_WORDS		(COLL_S_RESULT + COLL_WORDS)
#define COLL_WINDOW_WORDS	(COLL_W_HDR + COLL_SLOTS * COLL_SLOT_WORDS)

#define COLL_LAYOUT		1
/* No 32-bit seq equals it: a slot armed for nothing, no result yet. */
#define COLL_NONE		(1ull << 32)

/* The handler's data area, in its declaration order. */
#define COLL_ST_SELF		0
#define COLL_ST_NRANKS		1
#define COLL_ST_WAKE		2	/* 0: up-call, 1: pass the DOWN on */
#define COLL_STATE_WORDS	3

#endif /* RCODE_COLL_ABI_H */
