// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcc_main.c - the rcc command: options, rcc_compile(), the output.
 *
 *   rcc [-o OUT.r|OUT.rbin] [-I DIR] [-D NAME[=VALUE]] [-w|-W...]
 *       [--no-verify] FILE.c
 *
 * Without -o the R-code text goes to standard output; an '.rbin' output
 * gets the binary form.  Diagnostics go to standard error; exit status 1
 * when the handler was refused, 2 on a bad command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rcc.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: rcc [-o OUT.r|OUT.rbin] [-I DIR] [-D NAME[=VALUE]] [-w|-W...] "
		"[--no-verify] FILE.c\n"
		"Compile a C message handler into R-code (docs/c-handlers.md).\n"
		"Without -o the R-code text goes to standard output.\n");
}

static int write_out(const char *out, const void *p, size_t n)
{
	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;

	if (!f || fwrite(p, 1, n, f) != n) {
		fprintf(stderr, "rcc: %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (f != stdout)
		fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = "-", *path = NULL;
	const char *cargs[64];
	int ncargs = 0, rc;
	bool verify = true;
	struct rc_prog *prog;
	struct rc_diags d;
	char *text = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if ((!strcmp(argv[i], "-I") || !strcmp(argv[i], "-D")) &&
			   i + 1 < argc && ncargs < 60) {
			cargs[ncargs++] = argv[i];
			cargs[ncargs++] = argv[++i];
		} else if ((!strncmp(argv[i], "-I", 2) || !strncmp(argv[i], "-D", 2)) &&
			   ncargs < 60) {
			cargs[ncargs++] = argv[i];
		} else if ((!strncmp(argv[i], "-W", 2) || !strcmp(argv[i], "-w")) &&
			   ncargs < 60) {
			cargs[ncargs++] = argv[i];	/* clang's warnings */
		} else if (!strcmp(argv[i], "--no-verify")) {
			verify = false;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else if (argv[i][0] == '-' || path) {
			usage();
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		usage();
		return 2;
	}
	prog = rc_prog_new();
	if (!prog)
		return 1;
	rc_diags_init(&d);
	rc = rcc_compile(path, cargs, ncargs, verify, prog, &text, &d);
	if (!rc) {
		size_t len = strlen(out);

		if (len > 5 && !strcmp(out + len - 5, ".rbin")) {
			uint8_t *bin = NULL;

			rc = rc_bin_encode(prog, &bin, &len) ? 1 :
			     write_out(out, bin, len);
			free(bin);
		} else {
			rc = write_out(out, text, strlen(text));
		}
	}
	rc_diags_print(&d, stderr);
	rc_diags_free(&d);
	rc_prog_free(prog);
	free(text);
	return rc;
}
