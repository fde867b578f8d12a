// SPDX-License-Identifier: BSD-2-Clause
// refused: calls through function pointers
// expect: 8:8: error: a local variable of type 'int (*)(void)': pointers (R-code has no addressable memory: use the rc_ld/rc_st builtins, RC_STATE and RC_WINDOW arrays) are not supported
#include <rcode.h>
static inline int one(void) { return 1; }
RC_HANDLER(f, 1, 64)
{
	int (*fp)(void) = one;

	rc_st8(0, fp());
	return RC_PASS;
}
