// SPDX-License-Identifier: BSD-2-Clause
// refused: recursion cannot be inlined
// expect: 5:57: error: recursive call to 'fact' cannot be inlined (R-code has no calls)
#include <rcode.h>
static inline int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
RC_HANDLER(f, 1, 256)
{
	rc_st32(0, fact(rc_ld8(0)));
	return RC_PASS;
}
