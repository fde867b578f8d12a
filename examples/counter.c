// SPDX-License-Identifier: BSD-2-Clause
/* counter.c - counter.r in C: count every message on portal 1, in the data
 * area and in the window the application reads (hits[0]), and keep the
 * last tag in hits[1].  The message is consumed. */
#include <rcode.h>

RC_STATE uint64_t total;		/* messages since installation */
extern uint64_t hits[2] RC_WINDOW;	/* [0] count, [1] last tag */

RC_HANDLER(counter, 1, 16)
{
	__sync_fetch_and_add(&total, 1);	/* other CPUs count too */
	__sync_fetch_and_add(&hits[0], 1);
	hits[1] = rc_tag();			/* the last writer wins */
	return RC_DROP;
}
