// SPDX-License-Identifier: BSD-2-Clause
/* gsum.c - gsum.r in C: one node's fan-in step of a global sum.  Each of
 * NCHILD children sends its value as the first payload word; arrivals add
 * atomically and count themselves only after their value is in the sum,
 * so the arrival that takes the count to NCHILD sees every value.  It
 * passes the total up in its message, publishes it in 'result' and resets
 * the round. */
#include <rcode.h>

static const int NCHILD = 3;

RC_STATE uint64_t sum;			/* partial sum of this round */
RC_STATE uint64_t count;		/* arrivals in this round */
RC_STATE uint64_t rounds;		/* completed rounds */
extern uint64_t result[2] RC_WINDOW;	/* [0] last total, [1] rounds */

RC_HANDLER(gsum, 7, 64)
{
	uint64_t total;

	if (rc_len() < 8)
		return RC_PASS;		/* not a value */
	__sync_fetch_and_add(&sum, rc_ld64(0));
	if (__sync_fetch_and_add(&count, 1) != NCHILD - 1)
		return RC_DROP;		/* the value is kept */
	total = sum;
	rc_st64(0, total);
	result[0] = total;
	result[1] = __sync_fetch_and_add(&rounds, 1) + 1;
	sum = 0;
	count = 0;
	return RC_PASS;
}
