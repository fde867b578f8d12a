// SPDX-License-Identifier: BSD-2-Clause
// refused: structs by value
// expect: 8:14: error: a local variable of type 'struct pair': structs and unions (R-code values are single words) are not supported
#include <rcode.h>
struct pair { uint32_t a, b; };
RC_HANDLER(f, 1, 64)
{
	struct pair p = { 1, 2 };

	rc_st32(0, p.a);
	return RC_PASS;
}
