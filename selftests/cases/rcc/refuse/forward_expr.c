// SPDX-License-Identifier: BSD-2-Clause
// refused: rc_forward() outside a return
// expect: 7:2: error: rc_forward() ends the handler: write 'return rc_forward(rank);' in the handler itself
#include <rcode.h>
RC_HANDLER(f, 1, 64)
{
	rc_forward(1);
	return RC_PASS;
}
