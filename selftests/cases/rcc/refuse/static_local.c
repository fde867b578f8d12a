// SPDX-License-Identifier: BSD-2-Clause
// refused: a static local (state must be RC_STATE at file scope)
// expect: 7:18: error: static and extern variables inside a function are not supported: declare RC_STATE or RC_WINDOW variables at file scope
#include <rcode.h>
RC_HANDLER(f, 1, 64)
{
	static uint64_t n;

	return RC_PASS;
}
