// SPDX-License-Identifier: BSD-2-Clause
// refused: data-area words are 64 bits
// expect: 5:19: error: data-area words are 64 bits: declare 'small' as int64_t or uint64_t (or an array of them)
#include <rcode.h>
RC_STATE uint32_t small;
RC_HANDLER(f, 1, 64)
{
	return RC_PASS;
}
