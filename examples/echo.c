// SPDX-License-Identifier: BSD-2-Clause
/* echo.c - echo.r in C: answer every message on portal 2 with itself,
 * the first payload word (if there is one) incremented, tagged "echo". */
#include <rcode.h>

#define ANSWERED 0x6563686f	/* "echo" */

RC_HANDLER(echo, 2, 32)
{
	if (rc_len() >= 8)
		rc_st64(0, rc_ld64(0) + 1);
	rc_set_tag(ANSWERED);
	return RC_REPLY;
}
