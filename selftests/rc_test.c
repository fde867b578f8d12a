// SPDX-License-Identifier: BSD-2-Clause
/* rc_test.c - state shared by the C tests' assertions. */
#include "rc_test.h"

int rc_test_failures;
