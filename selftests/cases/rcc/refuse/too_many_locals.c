// SPDX-License-Identifier: BSD-2-Clause
// refused: more than 16 live values (R-code has 16 locals)
// expect: 9:11: error: more than 16 live values: R-code has 16 locals (variables, parameters of inlined calls and switch values in scope share them)
#include <rcode.h>
RC_HANDLER(f, 1, 256)
{
	uint32_t a = 1, b = 2, c = 3, d = 4, e = 5, g = 6, h = 7, i = 8;
	uint32_t j = 9, k = 10, l = 11, m = 12, n = 13, o = 14, p = 15, q = 16;
	uint32_t r = 17;

	rc_st32(0, a + b + c + d + e + g + h + i + j + k + l + m + n + o + p + q + r);
	return RC_PASS;
}
