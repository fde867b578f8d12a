// SPDX-License-Identifier: BSD-2-Clause
/* barrier.c - barrier.r in C: count arrivals of NPROCS ranks at the
 * barrier of generation 'tag'; the arrival that completes the count opens
 * the barrier (the window 'released' gets the generation) and starts the
 * next generation.  A message for another generation is passed up. */
#include <rcode.h>

enum { NPROCS = 4 };

RC_STATE uint64_t arrived;		/* arrivals in this generation */
RC_STATE uint64_t generation;		/* generation being counted */
extern uint64_t released[1] RC_WINDOW;	/* last generation completed */

RC_HANDLER(barrier, 9, 48)
{
	/* rc_tag() is one instruction: reading it again is cheaper than a
	 * local (a store and a load) */
	if (rc_tag() != generation)
		return RC_PASS;		/* not the generation we count */
	if (__sync_fetch_and_add(&arrived, 1) + 1 != NPROCS)
		return RC_DROP;
	released[0] = rc_tag();		/* the waiting processes see this */
	arrived = 0;
	generation = (uint64_t)rc_tag() + 1;	/* no wrap at 2^32, as in barrier.r */
	return RC_DROP;
}
