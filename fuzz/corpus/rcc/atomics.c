//! desc: the __sync builtins on data-area and window words, plain and indexed
//! msg src=1 dst=0 portal=6 payload=u64:5,1,0,0,0,0
//! expect action=pass
//! expect state a=5 v=0,-1,0 c=7
//! expect window w=0,5
//! expect msg payload=u64:5,1,0,5,4,0
//! msg src=1 dst=0 portal=6 payload=u64:3,2,0,0,0,0
//! expect action=pass
//! expect state a=8 v=0,-1,-3 c=7
//! expect window w=0,8
//! expect msg payload=u64:3,2,5,8,3,7
// SPDX-License-Identifier: BSD-2-Clause
/* Every atomic builtin rcc maps (docs/c-handlers.md): fetch-and-add and
 * -sub, add- and sub-and-fetch, compare-and-swap, on a scalar and an
 * indexed state word and on a window word.  Payload: x, i in; the
 * results out at 16.  The expectations come from gcc on the same file. */
#include <rcode.h>

RC_STATE uint64_t a;
RC_STATE uint64_t v[3];
RC_STATE uint64_t c;
extern uint64_t w[2] RC_WINDOW;

RC_HANDLER(atomics, 6, 128)
{
	uint64_t x = rc_ld64(0), i = rc_ld64(8);

	rc_st64(16, __sync_fetch_and_add(&a, x));		/* old a */
	rc_st64(24, __sync_add_and_fetch(&w[1], x));		/* new w[1] */
	__sync_sub_and_fetch(&v[i], x);				/* v[i] -= x */
	rc_st64(32, __sync_fetch_and_sub(&v[i - 1], 0) + 4);	/* old v[i-1] + 4 */
	rc_st64(40, __sync_val_compare_and_swap(&c, 0, 7));	/* old c */
	if (i == 1)
		__sync_add_and_fetch(&v[i], 2 * x - 1 - 5);	/* v[1] += 4 on x = 5 */
	return RC_PASS;
}
