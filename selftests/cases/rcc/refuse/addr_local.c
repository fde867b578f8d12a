// SPDX-License-Identifier: BSD-2-Clause
// refused: the address of a local
// expect: 9:23: error: taking an address ('&') is not supported: R-code has no pointers (only '&word' as the first argument of an atomic builtin)
#include <rcode.h>
RC_HANDLER(f, 1, 64)
{
	uint64_t x = 1;

	rc_st64(0, (uint64_t)&x);
	return RC_PASS;
}
