//! desc: examples/barrier.c: four arrivals open generation 0, a stray tag goes up
//! msg src=1 dst=0 portal=9 tag=0
//! expect action=drop
//! expect state arrived=1
//! msg src=2 dst=0 portal=9 tag=0
//! expect action=drop
//! expect state arrived=2
//! msg src=3 dst=0 portal=9 tag=5
//! expect action=pass
//! msg src=3 dst=0 portal=9 tag=0
//! expect action=drop
//! expect state arrived=3
//! msg src=0 dst=0 portal=9 tag=0
//! expect action=drop
//! expect state arrived=0 generation=1
//! expect window released=0
//! msg src=1 dst=0 portal=9 tag=1
//! expect action=drop
//! expect state arrived=1 generation=1
// SPDX-License-Identifier: BSD-2-Clause
/* examples/barrier.c as a case: the same runs on every execution path. */
#include "../../../examples/barrier.c"
