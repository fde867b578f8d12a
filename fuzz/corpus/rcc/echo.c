//! desc: examples/echo.c: answer with the first word + 1, tagged "echo"
//! msg src=4 dst=0 portal=2 tag=1 seq=3 payload=u64:41
//! expect action=reply
//! expect msg src=0 dst=4 tag=0x6563686f payload=u64:42
//! msg src=1 dst=0 portal=2 tag=2 payload=u8:1,2,3
//! expect action=reply
//! expect msg src=0 dst=1 tag=0x6563686f
//! msg src=3 dst=0 portal=2 payload=u64:-1,5
//! expect action=reply
//! expect msg src=0 dst=3 tag=0x6563686f payload=u64:0,5
// SPDX-License-Identifier: BSD-2-Clause
/* examples/echo.c as a case: the same runs on every execution path. */
#include "../../../examples/echo.c"
