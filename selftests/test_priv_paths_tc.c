// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_paths_tc.c - test_priv_paths's runs of every case translated
 * into a TC program (BPF_PROG_TEST_RUN on an skb), with the copies send
 * makes captured on the loopback device of a namespace of the test's
 * own.  The same code as test_priv_paths.c, built for TC only: apart so
 * that each test fits the emulated VM's time per test.
 */
#define PATHS_TC	1
#include "test_priv_paths.c"
