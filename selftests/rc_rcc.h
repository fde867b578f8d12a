/* SPDX-License-Identifier: BSD-2-Clause */
/* rc_rcc.h - running the C front end (build/rcc) from the tests. */
#ifndef RC_RCC_H
#define RC_RCC_H

#include <stdint.h>
#include "rcode.h"

/* build/rcc beside the test's build/selftests/ (argv0 NULL: this
 * program's), or NULL when rcc was not built (no libclang-19-dev): the
 * rcc tests then SKIP. */
const char *rc_rcc_path(const char *argv0);

/* Run rcc on src with extra arguments (may be ""): its stdout and stderr
 * (malloc'd, NUL-terminated) and wall time.  Returns the exit status, or
 * -1 if it could not be run. */
int rc_rcc_run(const char *rcc, const char *src, const char *args,
	       char **out, char **err, double *ms);

/* Compile src with rcc and assemble and verify the text into a program
 * (NULL on any failure, with rcc's or the toolchain's messages printed). */
struct rc_prog *rc_rcc_prog(const char *rcc, const char *src,
			    const char *args);

#endif
