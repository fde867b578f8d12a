// SPDX-License-Identifier: BSD-2-Clause
// refused: an atomic on a local
// expect: 9:23: error: atomics work on RC_STATE and RC_WINDOW words, not on the local 'x'
#include <rcode.h>
RC_HANDLER(f, 1, 64)
{
	uint64_t x = 0;

	__sync_fetch_and_add(&x, 1);
	return RC_PASS;
}
