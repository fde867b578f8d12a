// SPDX-License-Identifier: BSD-2-Clause
// refused by clang: C errors come out in the same form
// expect: 7:9: error: use of undeclared identifier 'undeclared'
#include <rcode.h>
RC_HANDLER(f, 1, 64)
{
	return undeclared;
}
