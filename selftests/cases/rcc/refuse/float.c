// SPDX-License-Identifier: BSD-2-Clause
// refused: floating point
// expect: 7:9: error: a local variable of type 'double': floating-point values (R-code has integer words only) are not supported
#include <rcode.h>
RC_HANDLER(f, 1, 64)
{
	double x = rc_ld32(0);

	rc_st32(0, x * 2);
	return RC_PASS;
}
