// SPDX-License-Identifier: BSD-2-Clause
// refused: no RC_HANDLER
// expect: 1:1: error: no handler: define one with RC_HANDLER(name, portal, budget)
#include <rcode.h>
static inline int f(void) { return 1; }
