// SPDX-License-Identifier: BSD-2-Clause
// refused: a window that is not extern
// expect: 5:10: error: an RC_WINDOW is the application's memory: declare it 'extern'
#include <rcode.h>
uint64_t win[2] RC_WINDOW;
RC_HANDLER(f, 1, 64)
{
	return RC_PASS;
}
