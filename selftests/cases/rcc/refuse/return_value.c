// SPDX-License-Identifier: BSD-2-Clause
// refused: a handler that returns something other than an action
// expect: 7:9: error: a handler returns a constant action (RC_DROP, RC_PASS, RC_REPLY), rc_forward(rank) or a ?: between them
#include <rcode.h>
RC_HANDLER(f, 1, 64)
{
	return rc_ld8(0);
}
