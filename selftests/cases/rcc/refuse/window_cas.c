// SPDX-License-Identifier: BSD-2-Clause
// refused: compare-and-swap on a window word (R-code has none)
// expect: 8:2: error: R-code has no compare-and-swap on windows (only on RC_STATE words)
#include <rcode.h>
extern uint64_t win[2] RC_WINDOW;
RC_HANDLER(f, 1, 64)
{
	__sync_val_compare_and_swap(&win[0], 0, 1);
	return RC_PASS;
}
