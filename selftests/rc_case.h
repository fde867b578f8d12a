/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_case.h - test cases as data (selftests/cases/README.md): load a case
 * file, set up each of its runs, and judge what an execution path produced
 * against what the file expects.
 *
 * The reference interpreter is one execution path; the eBPF translation and
 * the in-kernel interpreter are others.  Each supplies an rc_case_exec_fn
 * and gets the same verdicts from rc_case_run_all(), or drives the runs
 * itself with rc_case_prepare() and rc_case_check_run():
 *
 *	rc_case_load(path, name, &c, err, sizeof(err));
 *	rc_case_check_diags(c, why, sizeof(why));	   assembler + verifier
 *	if (c->accepted)
 *		rc_case_run_all(c, my_exec, my_ctx, 0, "bpf: ");
 *	rc_case_free(c);
 */
#ifndef RC_CASE_H
#define RC_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rc_diag.h"
#include "rcode.h"

/* One data-area or window word, set before a run or expected after it. */
struct rc_case_word {
	uint32_t line;		/* of the directive, for messages */
	int32_t win;		/* -1: the data area; else a window number */
	uint32_t word;		/* word index within that area */
	uint64_t value;
	char ref[64];		/* as written, "vec+2"; resolved on load */
};

struct rc_case_run {
	uint32_t line;			/* the 'msg' directive that starts it */
	struct rc_msg in;		/* what the handler is given */
	uint64_t clock_ns;		/* what 'clock' pushes */
	struct rc_case_word *setup;	/* words written before the run */
	size_t nsetup;

	/* What must come out.  Words and message fields not listed must
	 * equal their values before the run. */
	uint32_t action;		/* enum rc_action */
	uint32_t fault;			/* enum rc_fault, default none */
	int64_t pc, insns, stack_max;	/* -1: not checked */
	struct rc_case_word *expect;	/* data-area and window words */
	size_t nexpect;
	struct rc_msg out;		/* the input with the listed edits */
};

/* An 'expect error:' or 'expect warning:' line. */
struct rc_case_diag {
	uint32_t line;
	char *text;		/* "L:C: error: TEXT", file name omitted */
};

struct rc_case {
	char *path;		/* as opened */
	char *name;		/* in messages, e.g. "interp/div.r" */
	char desc[160];		/* ';! desc:', or "" */
	char *text;		/* the whole file */
	struct rc_prog *prog;	/* as assembled; NULL if it failed to */
	struct rc_diags diags;	/* what the assembler and verifier said */
	bool accepted;		/* assembled and verified without error */
	struct rc_case_diag *expect_diags;
	size_t nexpect_diags;
	struct rc_case_run *runs;
	size_t nruns;
};

/*
 * Read, assemble and verify a case and parse its ';!' directives.  name is
 * used in messages (NULL: the path).  Returns 0, or a negative errno with a
 * reason in err ("line 7: unknown fault 'divzero'"): the file cannot be
 * read, or a directive is malformed or names a word the program does not
 * declare.  A handler that fails to
 * assemble or verify still loads; rc_case_check_diags() judges that.
 */
int rc_case_load(const char *path, const char *name, struct rc_case **out,
		 char *err, size_t errsize);
void rc_case_free(struct rc_case *c);

/*
 * Compare the assembler's and verifier's diagnostics with the case's
 * 'expect error:' lines: each must have been reported (each matching a
 * different diagnostic), and no error may have been reported that is not
 * expected.  Warnings that are not expected are allowed.  A case with runs
 * also needs a program that was accepted.  Returns 0 when all holds, else
 * -1 with the reasons in why.
 */
int rc_case_check_diags(const struct rc_case *c, char *why, size_t size);

/* Data area and windows as a handler finds them when installed: zero.
 * Returns 0 or -ENOMEM. */
int rc_case_env_init(const struct rc_case *c, struct rc_env *env);
void rc_case_env_free(const struct rc_case *c, struct rc_env *env);
/* Copy words and clock; both were set up by rc_case_env_init(). */
void rc_case_env_copy(const struct rc_case *c, struct rc_env *dst,
		      const struct rc_env *src);

/* Before run i: apply its setup words and clock to env (which carries the
 * previous runs' writes) and fill msg with its input. */
void rc_case_prepare(const struct rc_case *c, size_t i, struct rc_env *env,
		     struct rc_msg *msg);

/* Flags for rc_case_check_run(). */
#define RC_CASE_NO_STACK_MAX	0x1	/* the path does not measure it */
#define RC_CASE_NO_INSNS	0x2	/* the path does not count instructions */

/*
 * Judge run i: res and msg as the execution path left them, the data area
 * and windows as they were before the run (after rc_case_prepare()) and
 * after it.  Returns the number of mismatches (0: the run passed) and
 * describes them in why, "; "-separated, e.g.
 * "state sum: expected 12, got 7; action: expected drop, got pass".
 */
int rc_case_check_run(const struct rc_case *c, size_t i,
		      const struct rc_result *res, const struct rc_msg *msg,
		      const struct rc_env *before, const struct rc_env *after,
		      unsigned int flags, char *why, size_t size);

/*
 * Run one prepared message on some execution path.  env holds the data
 * area and windows to use and to leave updated, and the clock.  Returns 0,
 * or a negative errno when the path could not run at all.
 */
typedef int rc_case_exec_fn(void *ctx, const struct rc_case *c,
			    struct rc_msg *msg, struct rc_env *env,
			    struct rc_result *res);

/*
 * Every run of a case in order, the data area and windows carrying over
 * between them.  Prints "FAIL: <prefix><name> run N: <why>" for each run
 * that fails (runs are numbered from 1) and nothing for those that pass.
 * Returns the number of failed runs, or -ENOMEM.
 */
int rc_case_run_all(const struct rc_case *c, rc_case_exec_fn *exec, void *ctx,
		    unsigned int flags, const char *prefix);

/* The reference interpreter as an rc_case_exec_fn. */
rc_case_exec_fn rc_case_exec_interp;

/* Every '*.r' file under dir, recursively, sorted by path.  Returns 0 or a
 * negative errno; free the list with rc_case_paths_free(). */
int rc_case_find(const char *dir, char ***paths, size_t *n);
void rc_case_paths_free(char **paths, size_t n);

#endif /* RC_CASE_H */
