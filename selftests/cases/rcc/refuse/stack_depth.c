// SPDX-License-Identifier: BSD-2-Clause
// refused: an expression deeper than the 16-value operand stack
// expect: 9:93: error: this needs more than 16 operand-stack values (R-code's stack limit); split the expression with a local variable
#include <rcode.h>
RC_HANDLER(f, 1, 256)
{
	uint64_t a = rc_ld64(0);

	rc_st64(0, a + (a * (a + (a * (a + (a * (a + (a * (a + (a * (a + (a * (a + (a * (a + (a * (a + a)))))))))))))))));
	return RC_PASS;
}
