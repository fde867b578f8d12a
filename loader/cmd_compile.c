// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_compile.c - C handlers: run the C front end (rcc) for every verb
 * that takes a handler file, and 'rloader compile'.
 *
 * rloader does not link libclang: it runs the rcc tool that sits beside
 * it (build/rcc next to build/rloader, or $(PREFIX)/bin/rcc), or $RCC, or
 * 'rcc' from PATH.  rcc writes R-code text whose .loc lines carry the C
 * positions; the ordinary assembler turns it into a program whose
 * diagnostics, faults and traces name the C file's lines.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "rloader.h"

bool handler_is_c(const char *path)
{
	size_t n = strlen(path);

	return n > 2 && !strcmp(path + n - 2, ".c");
}

static const char *rcc_path(void)
{
	static char buf[4200];
	char exe[4096];
	ssize_t n;

	if (getenv("RCC") && *getenv("RCC"))
		return getenv("RCC");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(buf, sizeof(buf), "%s/rcc", dirname(exe));
		if (!access(buf, X_OK))
			return buf;
	}
	return "rcc";
}

/* rcc's messages, "FILE:LINE:COL: error: MSG" and the like, become
 * diagnostics of rloader's own, so that they print (or go into JSON) as
 * every other verb's do, with the source line from the file. */
static void rcc_diags(FILE *f, struct rc_diags *d)
{
	static const char *const sev[] = { ": error: ", ": warning: ", ": note: " };
	char line[1024];

	while (fgets(line, sizeof(line), f)) {
		unsigned int ln, col;
		char *m = NULL, *c1, *c2, *nl = strchr(line, '\n');
		int s;

		if (nl)
			*nl = '\0';
		for (s = 0; s < 3 && !m; s++)
			m = strstr(line, sev[s]);
		if (!m)
			continue;	/* a source line or a caret */
		s--;
		*m = '\0';
		c2 = strrchr(line, ':');
		if (!c2)
			continue;
		*c2 = '\0';
		c1 = strrchr(line, ':');
		if (!c1 || sscanf(c1 + 1, "%u", &ln) != 1 ||
		    sscanf(c2 + 1, "%u", &col) != 1)
			continue;
		*c1 = '\0';
		{
			uint8_t *buf = NULL;
			size_t len;
			struct rc_source *src = NULL;

			if (!read_file(line, &buf, &len)) {
				char *t = strndup((char *)buf, len);

				src = t ? rc_source_new(line, t) : NULL;
				free(t);
			}
			rc_diag_src(d, s == 0 ? RC_SEV_ERROR : s == 1 ?
				    RC_SEV_WARNING : RC_SEV_NOTE, line, src, ln,
				    col, "%s", m + strlen(sev[s]));
			if (src) {
				free(src->path);
				free(src->text);
				free(src->line_start);
				free(src);
			}
			free(buf);
		}
	}
}

/* Run rcc on path; its R-code text in *text (malloc'd), its messages in
 * d; a failure without one is one more diagnostic. */
int rcc_compile(const char *path, char **text, struct rc_diags *d)
{
	const char *rcc = rcc_path();
	size_t cap = 4096, n = 0, errors = d->nerrors;
	char *buf = malloc(cap);
	int fds[2], status;
	FILE *errf = tmpfile();
	ssize_t got;
	pid_t pid;

	if (!buf || !errf || pipe(fds)) {
		free(buf);
		if (errf)
			fclose(errf);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		free(buf);
		return -errno;
	}
	if (!pid) {
		dup2(fds[1], 1);
		dup2(fileno(errf), 2);
		close(fds[0]);
		close(fds[1]);
		/* rloader verifies the result itself (JSON-capable) */
		execlp(rcc, rcc, "--no-verify", path, (char *)NULL);
		fprintf(stderr, "rloader: cannot run %s: %s\n", rcc,
			strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	while ((got = read(fds[0], buf + n, cap - n - 1)) > 0) {
		n += got;
		if (n + 1 == cap) {
			char *b = realloc(buf, cap *= 2);

			if (!b) {
				free(buf);
				close(fds[0]);
				waitpid(pid, &status, 0);
				return -ENOMEM;
			}
			buf = b;
		}
	}
	close(fds[0]);
	buf[n] = '\0';
	if (waitpid(pid, &status, 0) < 0)
		status = -1;
	rewind(errf);
	rcc_diags(errf, d);
	fclose(errf);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		if (d->nerrors == errors)
			rc_diag_src(d, RC_SEV_ERROR, path, NULL, 0, 0,
				    WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
				    "the C front end (rcc) could not be run; build "
				    "it with libclang-19-dev installed, or set RCC" :
				    "rcc could not compile it");
		free(buf);
		return -EINVAL;
	}
	*text = buf;
	return 0;
}

/* ---- compile ------------------------------------------------------------- */
struct compile_opts {
	const char *output;
};

static const struct opt_def compile_optdefs[] = {
	DEFINE_OPT(compile_opts, output, "output", 'o', OPT_STRING, "FILE",
		   "write the R-code text here (default: stdout)"),
	END_OPTS
};

static int do_compile(void *o_, int argc, char **argv)
{
	struct compile_opts *o = o_;
	struct rc_prog *prog = NULL;
	struct rc_diags d;
	char *text = NULL;
	int st = EXIT_OK, err;

	(void)argc;
	rc_diags_init(&d);
	err = rcc_compile(argv[0], &text, &d);
	if (!err) {
		/* what rloader would load: verified, at the C lines */
		prog = rc_prog_new();
		err = prog ? rc_asm(argv[0], text, prog, &d) : -ENOMEM;
		if (!err)
			err = rc_verify(prog, NULL, &d);
	}
	rc_diags_print(&d, stderr);
	if (err == -EINVAL) {
		st = EXIT_REJECTED;
	} else if (err) {
		st = fail(EXIT_SYSTEM, "%s: %s", argv[0], strerror(-err));
	} else if (o->output && strcmp(o->output, "-")) {
		err = write_file(o->output, text, strlen(text));
		if (err)
			st = fail(EXIT_SYSTEM, "%s: %s", o->output, strerror(-err));
	} else {
		fputs(text, stdout);
	}
	rc_prog_free(prog);
	rc_diags_free(&d);
	free(text);
	return st;
}

const struct cmd_def cmd_compile = {
	.name = "compile",
	.args = "FILE.c",
	.min_args = 1, .max_args = 1,
	.summary = "Compile a C handler into R-code text (docs/c-handlers.md).",
	.description =
	"Runs the C front end (rcc), then the assembler and the verifier on\n"
	"its output; prints the R-code with each C line as a comment and\n"
	"'.loc FILE LINE COL' lines that keep the C positions.  Every verb\n"
	"that takes FILE.r also takes FILE.c and compiles it this way.\n"
	"\nExamples:\n"
	"  rloader compile examples/gsum.c\n"
	"  rloader assemble examples/gsum.c -o gsum.rbin\n",
	.opts = compile_optdefs,
	.opts_size = sizeof(struct compile_opts),
	.run = do_compile,
};
