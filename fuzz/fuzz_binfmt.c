// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_binfmt.c - the binary decoder.  Property: a buffer the decoder
 * takes re-encodes to exactly the same bytes (the format is canonical),
 * and what it holds, if it verifies, runs and compiles (fuzz_common.h).
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_prog *p = rc_prog_new();
	static struct rc_verinfo vi;
	struct rc_diags d;
	uint8_t *out = NULL;
	size_t n = 0;

	rc_diags_init(&d);
	if (!rc_bin_decode(data, size, "fuzz.rbin", p, &d)) {
		FUZZ_CHECK(!rc_bin_encode(p, &out, &n), "encode failed");
		FUZZ_CHECK(n == size && !memcmp(out, data, n),
			   "decode+encode is not the identity (%zu -> %zu bytes)",
			   size, n);
		free(out);
		rc_diags_free(&d);
		rc_diags_init(&d);
		if (!rc_verify(p, &vi, &d))
			fuzz_backends(p, &vi, data, size);
	} else {
		FUZZ_CHECK(d.nerrors > 0, "rejected without a diagnostic");
	}
	rc_diags_free(&d);
	rc_prog_free(p);
	return 0;
}
