//! desc: examples/gsum.c: three children, the last passes the total up
//! msg src=1 dst=0 portal=7 payload=u64:5
//! expect action=drop
//! expect state sum=5 count=1
//! msg src=2 dst=0 portal=7 payload=u64:7
//! expect action=drop
//! expect state sum=12 count=2
//! msg src=3 dst=0 portal=7 payload=u64:1
//! expect action=pass
//! expect state sum=0 count=0 rounds=1
//! expect window result=13,1
//! expect msg payload=u64:13
//! msg src=3 dst=0 portal=7 payload=u8:1
//! expect action=pass
// SPDX-License-Identifier: BSD-2-Clause
/* examples/gsum.c as a case: the same runs on every execution path. */
#include "../../../examples/gsum.c"
