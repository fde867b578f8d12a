/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcc.h - the C front end's internals: one compilation (struct cg), the
 * instruction list it emits, and the passes that share them.
 *
 *   rcc.c      driver: options, clang, top-level declarations, output
 *   cg_emit.c  instruction list, labels, stack depth, R-code text, budget
 *   cg_expr.c  expressions: types, conversions, builtins, inlining
 *   cg_stmt.c  statements and control flow
 *
 * Clang does every C job (preprocessing, parsing, typing, constant
 * folding); rcc only walks the typed tree and picks R-code for it.  Every
 * value on the R-code stack is kept canonical for its C type: a w-bit
 * signed value sign-extended to 64 bits, an unsigned one zero-extended, a
 * _Bool 0 or 1.  Operations that can leave that form (add, mul, shl, neg,
 * ~ on unsigned, signed div) are followed by the one instruction or two
 * that restore it; everything else needs nothing.
 */
#ifndef RCC_H
#define RCC_H

#include <clang-c/Index.h>
#include <stdbool.h>
#include <stdint.h>
#include "rc_diag.h"
#include "rcode.h"

/* An integer type as R-code sees it. */
struct ity {
	uint8_t w;		/* 8, 16, 32, 64 */
	bool sgn;
	bool is_bool;
};

enum var_kind { VAR_LOCAL, VAR_STATE, VAR_WINDOW };

struct var {
	CXCursor decl;
	enum var_kind kind;
	int slot;		/* local number, or first data-area word */
	int win;		/* window number */
	uint32_t words;		/* array length; 0 for a scalar */
	struct ity t;		/* element type */
	char name[RC_NAME_MAX];
};

/* One emitted line: an instruction or a label. */
struct ins {
	const struct rc_opinfo *op;	/* NULL: label */
	int64_t imm;			/* number operand */
	int label;			/* jump target / label id, else -1 */
	char sym[48];			/* slot, window or field operand */
	uint32_t line, col;		/* C position */
};

struct label {
	int depth;		/* stack depth at the label, -1 if unknown */
	bool used;		/* some jump targets it */
};

struct inline_frame {
	CXCursor fn;
	int ret_label;
	int base;		/* stack depth at statements of its body */
	struct ity ret;
	bool is_void;
};

struct cg {
	CXTranslationUnit tu;
	CXFile main_file;
	const char *path;
	struct rc_source *src;
	struct rc_diags *d;
	/* the handler */
	char name[RC_NAME_MAX];
	uint32_t portal, budget;
	CXCursor handler;
	bool have_handler;
	/* variables: globals first, then locals in scope order */
	struct var *vars;
	size_t nvars, varcap;
	struct rc_statesym syms[RC_SYMBOLS_MAX];
	uint32_t nsyms, state_words;
	struct rc_window wins[RC_WINDOWS_MAX];
	uint32_t nwins;
	int nlocals;		/* locals in use (a stack) */
	/* code */
	struct ins *v;
	size_t n, cap;
	struct label *labels;
	int nlabels, labcap;
	int depth;		/* operand-stack depth here */
	bool dead;		/* no path reaches here */
	bool depth_reported;
	uint32_t line, col;	/* C position of what is emitted now */
	struct inline_frame frames[16];
	int nframes;
};

/* ---- diagnostics (rcc.c) ---- */
__attribute__((format(printf, 3, 4)))
void cg_error(struct cg *cg, CXCursor at, const char *fmt, ...);
/* Whether loc, after macro expansion, is in the file being compiled
 * (clang_Location_isFromMainFile says no inside RC_HANDLER's expansion). */
bool in_main_file(CXSourceLocation loc);
/* A cursor's spelling in a static buffer (for one message at a time). */
const char *cursor_name(CXCursor c);

/* ---- cg_emit.c ---- */
void cg_at(struct cg *cg, CXCursor c);
void emit(struct cg *cg, enum rc_opcode op, int64_t imm);
void emit_sym(struct cg *cg, enum rc_opcode op, const char *sym, int64_t k);
void emit_field(struct cg *cg, enum rc_opcode op, enum rc_field f);
void emit_const(struct cg *cg, uint64_t v);
int cg_label(struct cg *cg);
void emit_jump(struct cg *cg, enum rc_opcode op, int label);
void cg_place(struct cg *cg, int label);
int cg_text(struct cg *cg, char **out);
void cg_check_budget(struct cg *cg);

/* ---- cg_expr.c ---- */
bool ity_of(CXType t, struct ity *o);
const char *type_refusal(CXType t);
uint64_t canon(uint64_t v, struct ity t);
bool const_eval(CXCursor c, uint64_t *v);
CXCursor strip_parens(CXCursor c);
/* Push e's value (need) or only its effects (!need). */
void gen_expr(struct cg *cg, CXCursor e, bool need);
/* Jump to label when e's truth equals sense; fall through otherwise. */
void gen_branch(struct cg *cg, CXCursor e, bool sense, int label);
void convert(struct cg *cg, struct ity from, struct ity to);
struct var *var_find(struct cg *cg, CXCursor decl);
int local_alloc(struct cg *cg, CXCursor at);
struct var *var_add(struct cg *cg, CXCursor decl, enum var_kind k);
void gen_body(struct cg *cg, CXCursor fn);

/* ---- cg_stmt.c ---- */
struct loopctx {
	int brk, cont;		/* labels, -1 where not allowed */
};
void gen_stmt(struct cg *cg, CXCursor s, struct loopctx lc);
void gen_return_action(struct cg *cg, CXCursor e);

/* children of a cursor, in order */
struct kids {
	CXCursor c[8];
	int n;
};
void kids_of(CXCursor c, struct kids *k);

/* rcc.c: compile path into R-code text (*text, malloc'd) and, through
 * the assembler (and the verifier, with verify), into prog; clang's
 * arguments are args.  0, or 1 with the reasons in d. */
int rcc_compile(const char *path, const char *const *args, int nargs,
		bool verify, struct rc_prog *prog, char **text,
		struct rc_diags *d);
/* Where rcode.h for handlers is: $RCC_INCLUDE, beside the binary, or
 * installed. */
const char *rcc_include_dir(void);

#endif /* RCC_H */
