// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_coll_native.c - the collectives' handler, userlib/coll/coll.c,
 * compiled natively: coll_handle() runs it on one received message for
 * the user-level mode (and for test_coll), with the communicator's window
 * and fields where the R-code build has its window and data area, so both
 * modes run the same steps on the same layout.
 *
 * rcc's <rcode.h> without __RCC__ gives the builtins a native body on the
 * message rc_nat; here rc_nat is the running thread's message (user-level
 * communicators of one process may run on several threads), and rc_send
 * sends the copy at once through the communicator's send function.
 */
#include <string.h>
#include "rcode_coll.h"

static __thread struct coll_core *coll_cur;	/* the node running it */
static __thread struct rc_native *coll_msg;	/* the message it runs on */

#define rc_nat (*coll_msg)
#include "../rcc/include/rcode.h"

/* A copy of the message as it is now, to rank: what R-code's send does. */
static void coll_send_copy(uint64_t rank)
{
	uint64_t words[COLL_WORDS];
	unsigned int nwords = rc_nat.len / 8;

	if (nwords > COLL_WORDS)	/* coll.c sends only K-word messages */
		nwords = COLL_WORDS;
	memcpy(words, rc_nat.payload, nwords * 8);	/* aligned for send */
	coll_cur->send(coll_cur->ctx, rank, rc_nat.tag, rc_nat.seq, words,
		       nwords);
}

#define COLL_NATIVE
#define rc_send(rank)	coll_send_copy(rank)
#define coll		(coll_cur->win)
#define self		((uint64_t)coll_cur->self)
#define nranks		((uint64_t)coll_cur->n)
#define wake		((uint64_t)coll_cur->wake_pass)
#include "coll/coll.c"
#undef wake
#undef nranks
#undef self
#undef coll
#undef rc_send

enum coll_action coll_handle(struct coll_core *c, uint32_t src, uint32_t tag,
			     uint32_t seq, const void *payload,
			     unsigned int len)
{
	static __thread struct rc_native m;
	uint64_t bad = c->win[COLL_W_BAD];
	int act;

	if (len > sizeof(m.payload)) {	/* not an R-message's payload */
		__atomic_fetch_add(&c->win[COLL_W_BAD], 1, __ATOMIC_SEQ_CST);
		return COLL_ACT_PASS;
	}
	m.src = src;
	m.dst = c->self;
	m.tag = tag;
	m.seq = seq;
	m.portal = 0;
	m.len = len;
	memcpy(m.payload, payload, len);
	m.fault = 0;
	m.nsends = m.nupcalls = 0;
	coll_cur = c;
	coll_msg = &m;
	act = coll_node();
	if (m.fault)		/* coll.c checks every length: never */
		return COLL_ACT_PASS;
	switch (act) {
	case RC_REPLY:
		coll_send_copy(src);
		return COLL_ACT_DROP;
	case RC_FORWARD:
		coll_send_copy(m.forward_rank);
		return COLL_ACT_DROP;
	case RC_PASS:
		/* passed on: not of the protocol (counted bad), or a result
		 * that wakes the application (wake_pass) */
		return c->win[COLL_W_BAD] != bad ? COLL_ACT_PASS :
						   COLL_ACT_WAKE;
	default:
		return COLL_ACT_DROP;
	}
}
