// SPDX-License-Identifier: BSD-2-Clause
// refused: general pointers
// expect: 8:12: error: a local variable of type 'uint64_t *': pointers (R-code has no addressable memory: use the rc_ld/rc_st builtins, RC_STATE and RC_WINDOW arrays) are not supported
#include <rcode.h>
RC_STATE uint64_t s[4];
RC_HANDLER(f, 1, 64)
{
	uint64_t *p = &s[1];

	return RC_PASS;
}
