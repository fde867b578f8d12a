/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_gen.h - a seeded generator of R-code test cases for the three-way
 * differential (test_priv_gen, make soak): a handler that R-code's
 * verifier should accept, the messages, data-area and window words, clock
 * and rank table of 1..3 runs, and, from the reference interpreter, the
 * expectations: a case file as selftests/cases/README.md describes, ready
 * to commit.
 *
 * The handler is text (failures then point at source lines) made of
 * stack-neutral statements, each a unit the shrinker can take out whole:
 * expressions over every opcode of rc_opcodes.def, branches, selects
 * whose arms push a wide constant before a jump, nested and sequential
 * loops (counted, with the back edge after a push64, entered in the
 * middle, left early, endless), payload edits, resize, send, upcall,
 * early actions and jumps to the last slot.
 *
 *	struct rc_gen *g = rc_gen_new(seed);
 *	char *text = rc_gen_case(g, NULL);	  NULL: not accepted
 *	...
 *	char *small = rc_gen_shrink(g, still_fails, ctx, &steps);
 *	rc_gen_free(g);
 */
#ifndef RC_GEN_H
#define RC_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rc_gen;

/* The program and messages of one seed: the same seed, the same case. */
struct rc_gen *rc_gen_new(uint64_t seed);
void rc_gen_free(struct rc_gen *g);

/* Which opcodes the handler uses (by code), for coverage checks. */
void rc_gen_opcodes(const struct rc_gen *g, bool used[256]);

/*
 * The case file: comment, inputs and the reference's expectations, then
 * the handler.  NULL when the handler does not assemble or verify (diag,
 * when not NULL, gets the first diagnostic).  malloc'd.
 */
char *rc_gen_case(const struct rc_gen *g, char *diag, size_t size);

/*
 * Delta debugging: take out runs, then statements (outer ones first),
 * then single instructions, then payload bytes, keeping each step that
 * leaves a handler that verifies and a case for which fails() still
 * returns true.  Returns the smallest case found (malloc'd); *steps counts
 * the cases tried.  g is left at that case.
 */
typedef bool rc_gen_fails_fn(void *ctx, const char *case_text);
char *rc_gen_shrink(struct rc_gen *g, rc_gen_fails_fn *fails, void *ctx,
		    unsigned int *steps);

#endif /* RC_GEN_H */
