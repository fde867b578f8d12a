// SPDX-License-Identifier: BSD-2-Clause
// refused: goto
// expect: 7:2: error: goto and labels are not supported (use loops, break and continue)
#include <rcode.h>
RC_HANDLER(f, 1, 64)
{
	goto out;
out:
	return RC_PASS;
}
