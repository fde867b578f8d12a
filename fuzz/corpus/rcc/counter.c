//! desc: examples/counter.c: count in the data area and the window, keep the last tag
//! msg src=1 dst=0 portal=1 tag=7
//! expect action=drop
//! expect state total=1
//! expect window hits=1,7
//! msg src=2 dst=0 portal=1 tag=9 payload=u64:5
//! expect action=drop
//! expect state total=2
//! expect window hits=2,9
// SPDX-License-Identifier: BSD-2-Clause
/* examples/counter.c as a case: the same runs on every execution path. */
#include "../../../examples/counter.c"
