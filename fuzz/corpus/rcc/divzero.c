//! desc: a C handler's faults: div_zero and msg_bounds
//! msg src=1 dst=0 portal=3 payload=u32:7,2
//! expect action=pass
//! expect msg payload=u32:3,2
//! msg src=1 dst=0 portal=3 payload=u32:7,0
//! expect fault=div_zero
//! msg src=1 dst=0 portal=3 payload=u8:1
//! expect fault=msg_bounds
// SPDX-License-Identifier: BSD-2-Clause
/* selftests/cases/rcc/fault/divzero.c as a case. */
#include "../rcc/fault/divzero.c"
