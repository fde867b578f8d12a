/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_diag.h - diagnostics shaped like a compiler's.
 *
 * Every tool that judges a handler (binary decoder, assembler, verifier)
 * records what it found here; the command-line tool prints the list as
 *
 *   handler.r:14:9: error: stack underflow: 'add' needs 2 values, ...
 *      14 |         add
 *         |         ^
 *   handler.r:14:9: note: stack (bottom to top): ...
 *
 * or turns it into JSON.  A program decoded from a binary has no source;
 * its diagnostics name the pc and show the disassembled instruction.
 */
#ifndef RC_DIAG_H
#define RC_DIAG_H

#include <stdarg.h>
#include <stdio.h>
#include "rcode.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rc_severity {
	RC_SEV_ERROR,
	RC_SEV_WARNING,
	RC_SEV_NOTE,	/* neither: something to know (e.g. "needs TC") */
};

#define RC_DIAG_MSG_MAX		256
#define RC_DIAG_NOTE_MAX	512
#define RC_DIAG_LIMIT		50	/* errors kept before giving up */

struct rc_diag {
	int severity;		/* enum rc_severity */
	char *origin;		/* file name */
	uint32_t line, col;	/* 1-based; 0 when not known */
	int32_t pc;		/* -1 when not about an instruction */
	char msg[RC_DIAG_MSG_MAX];
	char note[RC_DIAG_NOTE_MAX];	/* "" when none */
	char *text;		/* the source line, or the disassembled
				 * instruction; NULL when none */
};

struct rc_diags {
	struct rc_diag *v;
	size_t n, cap;
	size_t nerrors, nwarnings, nnotes;
	bool truncated;		/* RC_DIAG_LIMIT errors were reached */
};

void rc_diags_init(struct rc_diags *d);
void rc_diags_free(struct rc_diags *d);

/* A diagnostic at a source position; src may be NULL. */
__attribute__((format(printf, 7, 8)))
void rc_diag_src(struct rc_diags *d, int severity, const char *origin,
		 const struct rc_source *src, uint32_t line, uint32_t col,
		 const char *fmt, ...);

/* A diagnostic about the instruction at pc (pc < 0: about the program as a
 * whole).  Uses prog->loc and prog->src when present. */
__attribute__((format(printf, 5, 6)))
void rc_diag_pc(struct rc_diags *d, int severity, const struct rc_prog *prog,
		int pc, const char *fmt, ...);

/* Append a note to the most recent diagnostic (no-op if none). */
__attribute__((format(printf, 2, 3)))
void rc_diag_note(struct rc_diags *d, const char *fmt, ...);

/* Print every diagnostic in compiler form, in the order recorded. */
void rc_diags_print(const struct rc_diags *d, FILE *f);

/* Print one diagnostic as a single line "origin:line:col: error: msg"
 * (the first line of the compiler form); used by tests to compare. */
int rc_diag_format_line(const struct rc_diag *g, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* RC_DIAG_H */
