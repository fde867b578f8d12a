// SPDX-License-Identifier: BSD-2-Clause
/* handler_file.c - load a handler from text or binary, then verify it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rloader.h"

int handler_load(const char *path, bool verify, struct rc_prog **progp,
		 struct rc_verinfo *info, struct rc_diags *d)
{
	struct rc_prog *prog = rc_prog_new();
	uint8_t *buf = NULL;
	size_t len;
	int err;

	if (!prog)
		return -ENOMEM;
	if (handler_is_c(path)) {
		char *text = NULL;

		err = rcc_compile(path, &text, d);
		if (!err)
			err = rc_asm(path, text, prog, d);
		free(text);
		goto verify;
	}
	err = read_file(path, &buf, &len);
	if (err)
		goto out;
	if (rc_bin_is_binary(buf, len)) {
		err = rc_bin_decode(buf, len, path, prog, d);
	} else if (memchr(buf, '\0', len)) {
		rc_diag_src(d, RC_SEV_ERROR, path, NULL, 0, 0,
			    "neither R-code text nor an R-code binary "
			    "(binaries start with \"%s\")", RC_BIN_MAGIC);
		err = -EINVAL;
	} else {
		err = rc_asm(path, (const char *)buf, prog, d);
	}
verify:
	if (!err && verify)
		err = rc_verify(prog, info, d);
out:
	free(buf);
	if (err) {
		rc_prog_free(prog);
		return err;
	}
	*progp = prog;
	return 0;
}
