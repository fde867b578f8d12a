// SPDX-License-Identifier: BSD-2-Clause
/*
 * xlate.c - the benchmarks' hooks for R-code handlers in the kernel
 * (bench.h): assemble, verify, and either translate and load a handler
 * exactly as `rloader attach` does (rcode_bench_load_xlate), or install it
 * in the in-kernel interpreter (rcode_bench_load_interp), and hand out the
 * program that runs it.  Handler objects (maps included) live until the
 * process ends unless the caller takes them, as a benchmark's programs
 * do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "bench.h"
#include "rc_diag.h"
#include "rcode_private.h"

static int load_handler(const char *path, struct rcode_handler_opts *ho,
			struct rcode_handler **hp)
{
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_prog *prog = rc_prog_new();
	struct rcode_handler *h;
	struct rc_diags d;
	char *text = NULL;
	size_t len = 0;
	FILE *f = bench_is_c(path) ? NULL : fopen(path, "r");
	int err = -ENOMEM;

	*hp = NULL;
	rc_diags_init(&d);
	if (bench_is_c(path)) {
		text = bench_compile_c(path);
		if (!text || !vi || !prog) {
			err = -EINVAL;
			goto out;
		}
	} else if (!f) {
		err = -errno;
		fprintf(stderr, "%s: %s\n", path, strerror(-err));
		goto out;
	} else if (!vi || !prog || getdelim(&text, &len, '\0', f) < 0) {
		goto out;
	}
	err = rc_asm(path, text, prog, &d);
	err = err ?: rc_verify(prog, vi, &d);
	if (err)
		goto out;
	h = rcode_handler__new(prog, vi, ho);
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
	*hp = h;
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

int rcode_bench_load_xlate(const char *path, int *prog_fd)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho) };
	struct rcode_handler *h;
	int err = load_handler(path, &ho, &h);

	*prog_fd = err ? -1 : rcode_handler__prog_fd(h);
	return err;
}

/* ---- the in-kernel interpreter ------------------------------------------ */

static struct rcode_interp *interp;
static uint16_t interp_port;
static int interp_err;

struct rcode_interp *bench_interp(uint16_t port)
{
	struct rcode_interp_opts io = { .sz = sizeof(io), .udp_port = port };
	char why[256] = "";

	if (interp) {
		if (port != interp_port) {
			errno = EINVAL;
			return NULL;
		}
		return interp;
	}
	if (interp_err) {	/* said why once already */
		errno = interp_err;
		return NULL;
	}
	interp = rcode_interp__open(&io, why, sizeof(why));
	if (!interp) {
		interp_err = errno;
		fprintf(stderr, "in-kernel interpreter: %s\n", why);
		return NULL;
	}
	interp_port = port;
	return interp;
}

int rcode_bench_load_interp(const char *path, uint16_t port, bool trace,
			    int *prog_fd, struct rcode_handler **hp)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho), .udp_port = port,
					 .path = RCODE_PATH_INTERP,
					 .trace = trace };
	struct rcode_handler *h = NULL;
	int err;

	*prog_fd = -1;
	ho.interp = bench_interp(port);
	if (!ho.interp)
		return -errno;
	err = load_handler(path, &ho, &h);
	if (err)
		return err;
	*prog_fd = rcode_interp__prog_fd(ho.interp, trace);
	if (hp)
		*hp = h;
	return 0;
}

int bench_interp_insns(const char *path, const uint8_t *frame, size_t len,
		       unsigned int warm, unsigned int runs,
		       struct rcode_handler *restore, double *per_run)
{
	static struct rc_trace zero, tr;
	struct rcode_handler *h;
	__u32 key = 0;
	int fd, err;

	err = rcode_bench_load_interp(path, interp ? interp_port : 0, true,
				      &fd, &h);
	if (err)
		return err;
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = len, .repeat = warm);

		err = warm && bpf_prog_test_run_opts(fd, &o) ? -errno : 0;
	}
	if (!err && bpf_map_update_elem(rcode_handler__trace_fd(h), &key,
					&zero, BPF_ANY))
		err = -errno;
	if (!err) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = len, .repeat = runs);

		err = bpf_prog_test_run_opts(fd, &o) ? -errno : 0;
	}
	err = err ?: rcode_handler__read_trace(h, &tr);
	if (!err && tr.runs != runs) {
		fprintf(stderr, "%s: the tracing interpreter counted %llu runs "
			"of %u\n", path, (unsigned long long)tr.runs, runs);
		err = -EPROTO;
	}
	if (!err)
		*per_run = (double)tr.insns / tr.runs;
	/* The traced handler leaves the portal to the measured one. */
	if (restore) {
		int e = rcode_handler__install(restore,
				rcode_handler__prog(restore)->portal);

		err = err ?: e;
	}
	rcode_handler__close(h);
	return err;
}
