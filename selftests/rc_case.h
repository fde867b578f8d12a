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

/* A send or an up-call a run must make: an 'expect send' or 'expect
 * upcall' line. */
struct rc_case_effect {
	uint32_t line;
	uint32_t kind;		/* RC_EFFECT_SEND or RC_EFFECT_UPCALL */
	uint32_t rank;		/* SEND: the destination */
	uint64_t value;		/* UPCALL: the value */
	/* The run's input with the listed edits: SEND compares the header
	 * (src = self, dst = rank) and payload of the copy, UPCALL the
	 * header fields a struct rc_upcall records (portal, src, tag, seq). */
	struct rc_msg msg;
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

	/* Sending and up-calls (docs/rcode.md 6.13). */
	bool has_ranks;			/* a 'ranks' line is in force */
	struct rc_ranks ranks;		/* then env->ranks; present is owned
					 * by the case */
	int64_t rank;			/* action forward: where to, else -1 */
	struct rc_case_effect *effects;	/* in the order they must be made */
	size_t neffects;
	int64_t nsends, nupcalls;	/* counts; -1: as many as listed */
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
	uint8_t **present;	/* the runs' rank tables' present flags */
	size_t npresent;
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
/* The same for a case held in memory (text; path names it in
 * diagnostics), as the program generator makes them. */
int rc_case_load_text(const char *path, const char *text, const char *name,
		      struct rc_case **out, char *err, size_t errsize);
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
 * Also an effect log of RC_CASE_EFFECTS_MAX entries with payload buffers
 * (env->effects, effects_max, effect_payloads), which a run fills and
 * rc_case_check_run() reads.  Returns 0 or -ENOMEM. */
#define RC_CASE_EFFECTS_MAX	64
int rc_case_env_init(const struct rc_case *c, struct rc_env *env);
void rc_case_env_free(const struct rc_case *c, struct rc_env *env);
/* Copy words and clock; both were set up by rc_case_env_init(). */
void rc_case_env_copy(const struct rc_case *c, struct rc_env *dst,
		      const struct rc_env *src);

/* Before run i: apply its setup words and clock to env (which carries the
 * previous runs' writes), point env->ranks at its rank table (NULL when
 * no 'ranks' line is in force) and fill msg with its input. */
void rc_case_prepare(const struct rc_case *c, size_t i, struct rc_env *env,
		     struct rc_msg *msg);

/* Flags for rc_case_check_run(). */
#define RC_CASE_NO_STACK_MAX	0x1	/* the path does not measure it */
#define RC_CASE_NO_INSNS	0x2	/* the path does not count instructions */
#define RC_CASE_NO_EFFECT_LOG	0x4	/* the path counts sends and up-calls
					 * (res->nsends, nupcalls) but does not
					 * log them in env->effects */

/*
 * Judge run i: res and msg as the execution path left them, the data area
 * and windows as they were before the run (after rc_case_prepare()) and
 * after it, and the sends and up-calls: res->nsends and res->nupcalls, and
 * the first res->neffects of them as logged in after->effects (header and,
 * when effect payload is non-NULL, payload).  Returns the number of mismatches (0: the run passed) and
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

/* The same, printing nothing: the first failing run's reason goes into
 * first ("run 2: action: expected drop, got pass"). */
int rc_case_run_quiet(const struct rc_case *c, rc_case_exec_fn *exec,
		      void *ctx, unsigned int flags, const char *prefix,
		      char *first, size_t size);

/* The reference interpreter as an rc_case_exec_fn. */
rc_case_exec_fn rc_case_exec_interp;

/*
 * The kernel rank-table entry of rank r in the tests of the kernel paths
 * (ipver 4 or 6): address 198.18.(1 + r / 256).(r % 256), so 198.18.1.r
 * for r < 256, or fd00::1:r (r in the last two bytes); UDP port 7200 + r;
 * MAC 02:00:00:HH:01:LL with HH = r >> 8, LL = r & 0xff, so
 * 02:00:00:00:01:rr for r < 256; flags RC_RANK_F_PRESENT | RC_RANK_F_MAC
 * (| RC_RANK_F_IPV6); ifindex 0 (the arriving interface); self 0.  The
 * caller makes it the case's table: self, RC_RANK_F_SELF on self, no
 * RC_RANK_F_PRESENT on absent ranks and those past nranks; or lets
 * rc_case_rank_table() do that.  Returns 0, or -EINVAL when r is not below
 * RC_ABI_RANKS_MAX or ipver is neither 4 nor 6 (out zeroed).
 */
struct rc_rank;
int rc_case_rank_entry(unsigned int rank, int ipver, struct rc_rank *out);

/*
 * A whole kernel rank table of n entries (n <= RC_ABI_RANKS_MAX) for a
 * run's ranks (NULL: no table, every entry absent): rc_case_rank_entry()
 * for each rank below ranks->nranks that is present, RC_RANK_F_SELF and
 * self set as the case says.  What the reference treats as reachable is
 * exactly what this table makes reachable, as long as the kernel's message
 * is of the same address family (ipver).  Returns 0 or -EINVAL.
 */
int rc_case_rank_table(const struct rc_ranks *ranks, int ipver,
		       struct rc_rank *tab, unsigned int n);

/* Every '*.r' file under dir, recursively, sorted by path.  Returns 0 or a
 * negative errno; free the list with rc_case_paths_free(). */
int rc_case_find(const char *dir, char ***paths, size_t *n);
void rc_case_paths_free(char **paths, size_t n);

#endif /* RC_CASE_H */
