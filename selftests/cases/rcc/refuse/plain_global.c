// SPDX-License-Identifier: BSD-2-Clause
// refused: a global that is neither state nor window
// expect: 5:10: error: global variable 'counter' is neither RC_STATE nor an extern RC_WINDOW array: R-code has no other memory
#include <rcode.h>
uint64_t counter;
RC_HANDLER(f, 1, 64)
{
	return RC_PASS;
}
