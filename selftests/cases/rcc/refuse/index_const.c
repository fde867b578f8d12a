// SPDX-License-Identifier: BSD-2-Clause
// refused: a constant index outside its array
// expect: 8:4: error: index 4 is outside 'v' (4 words)
#include <rcode.h>
RC_STATE uint64_t v[4];
RC_HANDLER(f, 1, 64)
{
	v[4] = 1;
	return RC_PASS;
}
