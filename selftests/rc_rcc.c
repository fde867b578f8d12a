// SPDX-License-Identifier: BSD-2-Clause
/* rc_rcc.c - running the C front end (build/rcc) from the tests. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "rc_diag.h"
#include "rc_rcc.h"
#include "rc_test.h"

const char *rc_rcc_path(const char *argv0)
{
	static char buf[4096];
	char exe[4096], *copy;
	ssize_t n;

	if (!argv0) {	/* this program's own path */
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return NULL;
		exe[n] = '\0';
		argv0 = exe;
	}
	copy = strdup(argv0);
	if (!copy)
		return NULL;
	snprintf(buf, sizeof(buf), "%s/../rcc", dirname(copy));
	free(copy);
	return access(buf, X_OK) ? NULL : buf;
}

int rc_rcc_run(const char *rcc, const char *src, const char *args,
	       char **out, char **err, double *ms)
{
	char cmd[8192], errpath[] = "/tmp/rc_rcc_XXXXXX";
	struct timespec t0, t1;
	size_t cap = 8192, n = 0, got;
	int fd = mkstemp(errpath), st;
	char *buf = malloc(cap);
	FILE *p;

	if (fd < 0 || !buf) {
		free(buf);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "'%s' %s '%s' 2>'%s'", rcc, args, src, errpath);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = popen(cmd, "r");
	if (!p) {
		free(buf);
		unlink(errpath);
		return -1;
	}
	while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += got;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
		if (!buf)
			break;
	}
	st = pclose(p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ms)
		*ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (buf)
		buf[n] = '\0';
	*out = buf;
	*err = rc_test_read_file(errpath, NULL);
	if (!*err)
		*err = strdup("");
	unlink(errpath);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct rc_prog *rc_rcc_prog(const char *rcc, const char *src,
			    const char *args)
{
	struct rc_prog *prog = NULL;
	char *out = NULL, *err = NULL;
	struct rc_diags d;
	int st;

	rc_diags_init(&d);
	st = rc_rcc_run(rcc, src, args, &out, &err, NULL);
	if (st) {
		printf("# rcc %s: exit %d\n%s", src, st, err ? err : "");
		goto out;
	}
	prog = rc_prog_new();
	if (prog && (rc_asm(src, out, prog, &d) || rc_verify(prog, NULL, &d))) {
		rc_diags_print(&d, stdout);
		rc_prog_free(prog);
		prog = NULL;
	}
out:
	rc_diags_free(&d);
	free(out);
	free(err);
	return prog;
}
