// SPDX-License-Identifier: BSD-2-Clause
// refused: a loop-free path longer than the budget
// expect: 11:12: error: the longest path through the handler executes 11 R-code instructions, more than its budget of 8: this would fault 'budget' here
#include <rcode.h>
RC_HANDLER(f, 1, 8)
{
	rc_st8(0, 1);
	rc_st8(1, 2);
	rc_st8(2, 3);
	rc_st8(3, 4);
	rc_st8(4, 5);
	return RC_PASS;
}
