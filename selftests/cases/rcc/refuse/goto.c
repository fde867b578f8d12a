// refused: goto
// expect: 6:2: error: goto and labels are not supported (use loops, break and continue)
#include <rcode.h>
RC_HANDLER(f, 1, 64)
{
	goto out;
out:
	return RC_PASS;
}
