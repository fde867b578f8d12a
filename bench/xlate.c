// SPDX-License-Identifier: BSD-2-Clause
/*
 * xlate.c - the benchmarks' hook for translated R-code handlers
 * (rcode_bench_load_xlate() in bench.h): assemble, verify, translate and
 * load a handler exactly as `rloader attach` does, and hand out its
 * program.  The handler object (maps included) lives until the process
 * ends, as a benchmark's programs do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "rc_diag.h"
#include "rcode_handler.h"

int rcode_bench_load_xlate(const char *path, int *prog_fd)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho) };
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *prog = rc_prog_new();
	struct rcode_handler *h;
	struct rc_diags d;
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	int err = -ENOMEM;

	*prog_fd = -1;
	rc_diags_init(&d);
	if (!f) {
		err = -errno;
		fprintf(stderr, "%s: %s\n", path, strerror(-err));
		goto out;
	}
	if (!vi || !prog || getdelim(&text, &len, '\0', f) < 0)
		goto out;
	err = rc_asm(path, text, prog, &d);
	err = err ?: rc_verify(prog, vi, &d);
	if (err)
		goto out;
	h = rcode_handler__new(prog, vi, &ho);
	if (!h) {
		err = -errno;
		goto out;
	}
	prog = NULL;	/* the handler owns it now */
	err = rcode_handler__load(h, &d);
	if (err) {
		rcode_handler__close(h);
		goto out;
	}
	*prog_fd = rcode_handler__prog_fd(h);
out:
	if (d.n)
		rc_diags_print(&d, stderr);
	if (err && !d.n)
		fprintf(stderr, "%s: cannot load: %s\n", path, strerror(-err));
	rc_diags_free(&d);
	rc_prog_free(prog);
	free(vi);
	free(text);
	if (f)
		fclose(f);
	return err;
}
