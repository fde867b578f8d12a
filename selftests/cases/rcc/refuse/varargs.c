// SPDX-License-Identifier: BSD-2-Clause
// refused: a call to a variadic function
// expect: 8:13: error: call to the variadic function 'first': varargs are not supported
#include <rcode.h>
static inline int first(int n, ...) { return n; }
RC_HANDLER(f, 1, 64)
{
	rc_st32(0, first(1, 2, 3));
	return RC_PASS;
}
