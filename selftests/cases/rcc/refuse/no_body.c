// SPDX-License-Identifier: BSD-2-Clause
// refused: a call that cannot be inlined (no body)
// expect: 8:13: error: call to 'helper', which has no body here, cannot be inlined (R-code has no calls; only rc_* builtins and functions defined in this file)
#include <rcode.h>
int helper(int x);
RC_HANDLER(f, 1, 64)
{
	rc_st32(0, helper(3));
	return RC_PASS;
}
