// SPDX-License-Identifier: BSD-2-Clause
/* A C handler that faults div_zero on a zero second word: rloader run must
 * name this file's line 10 (test_rloader.sh). */
#include <rcode.h>

RC_HANDLER(divzero, 3, 64)
{
	uint32_t a = rc_ld32(0), b = rc_ld32(4);

	rc_st32(0, a / b);
	return RC_PASS;
}
