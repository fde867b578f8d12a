// SPDX-License-Identifier: BSD-2-Clause
/* rc_test.c - state shared by the C tests' assertions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "rc_test.h"

int rc_test_failures;

char *rc_test_read_file(const char *path, int *errp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int err = 0;

	if (!f) {
		err = -errno;
		goto out;
	}
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (!err)
		buf[len] = '\0';
out:
	if (err) {
		free(buf);
		buf = NULL;
		if (errp)
			*errp = err;
	}
	return buf;
}
