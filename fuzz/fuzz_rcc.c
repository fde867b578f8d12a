// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_rcc.c - the C front end.  The input is a C file, compiled by
 * rcc_compile() exactly as rcc compiles it (clang parses it; rcc.h's
 * handler header is on the include path).  Properties: a file rcc takes
 * becomes R-code that assembles and verifies (rcc checks that itself,
 * so a compiled program that the verifier refuses is a failure here),
 * runs on the reference interpreter without raising 'illegal', and both
 * compilers take (fuzz_common.h); a file rcc refuses gets an error.
 *
 * Each input is a clang parse, so this harness runs some hundreds of
 * inputs a second, not thousands.  LeakSanitizer is off: libclang keeps
 * process-wide caches that it reports as leaks.
 */
#include <unistd.h>
#include "rcc.h"
#include "fuzz_common.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static char path[64];

/* The one scratch file every input is written to goes when the run ends. */
static void remove_scratch(void)
{
	if (path[0])
		unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rc_verinfo vi;
	struct rc_prog *p;
	struct rc_diags d;
	char *text = NULL;
	FILE *f;
	int rc;

	if (!path[0]) {
		int fd;

		snprintf(path, sizeof(path), "/tmp/rcode-fuzz-rcc-XXXXXX.c");
		fd = mkstemps(path, 2);
		if (fd < 0)
			abort();
		close(fd);
		atexit(remove_scratch);
	}
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	p = rc_prog_new();
	rc_diags_init(&d);
	rc = rcc_compile(path, NULL, 0, true, p, &text, &d);
	if (!rc) {
		FUZZ_CHECK(text && *text, "compiled to no text");
		rc_diags_free(&d);
		rc_diags_init(&d);
		FUZZ_CHECK(!rc_verify(p, &vi, &d),
			   "rcc's output does not verify:\n%s", text);
		fuzz_backends(p, &vi, data, size);
	} else {
		/* clang's own failures to parse go to stderr; everything else
		 * is a diagnostic at a line. */
		FUZZ_CHECK(d.nerrors > 0 || !size || rc == 1,
			   "refused without an error");
	}
	rc_diags_free(&d);
	rc_prog_free(p);
	free(text);
	return 0;
}
