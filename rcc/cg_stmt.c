// SPDX-License-Identifier: BSD-2-Clause
/*
 * cg_stmt.c - C statements to R-code control flow.
 *
 * Statements run with the operand stack at the depth of their function's
 * body (0 in the handler, the caller's expression depth in an inlined
 * call), so every label a statement jumps to has that depth and R-code's
 * verifier sees one depth per pc.  Variables live in R-code locals,
 * allocated as a stack: a block gives its slots back when it ends.
 */
#include <stdlib.h>
#include <string.h>
#include "rcc.h"

static void gen_decl(struct cg *cg, CXCursor d)
{
	struct var *v;
	CXType t = clang_getCursorType(d);
	struct ity it, from;

	if (clang_getCursorKind(d) != CXCursor_VarDecl)
		return;		/* a local struct/enum/typedef declaration */
	if (clang_Cursor_getStorageClass(d) == CX_SC_Static ||
	    clang_Cursor_getStorageClass(d) == CX_SC_Extern) {
		cg_error(cg, d, "static and extern variables inside a function "
			 "are not supported: declare RC_STATE or RC_WINDOW "
			 "variables at file scope");
		return;
	}
	if (!ity_of(t, &it)) {
		CXString ts = clang_getTypeSpelling(t);

		cg_error(cg, d, "a local variable of type '%s': %s are not "
			 "supported", clang_getCString(ts), type_refusal(t));
		clang_disposeString(ts);
		return;
	}
	if (!clang_Cursor_isNull(clang_Cursor_getVarDeclInitializer(d))) {
		CXCursor init = clang_Cursor_getVarDeclInitializer(d);

		if (!ity_of(clang_getCursorType(init), &from)) {
			cg_error(cg, init, "%s are not supported",
				 type_refusal(clang_getCursorType(init)));
			return;
		}
		cg_at(cg, d);
		gen_expr(cg, init, true);
		convert(cg, from, it);
		v = var_add(cg, d, VAR_LOCAL);
		v->t = it;
		v->slot = local_alloc(cg, d);
		cg_at(cg, d);
		emit(cg, RC_OP_stl, v->slot);
		return;
	}
	v = var_add(cg, d, VAR_LOCAL);
	v->t = it;
	v->slot = local_alloc(cg, d);
}

/* In the handler: 'return ACTION;', 'return rc_forward(rank);', or a ?:
 * choosing between them. */
void gen_return_action(struct cg *cg, CXCursor e)
{
	CXCursor c = strip_parens(e);
	struct kids k;
	uint64_t v;

	while (clang_getCursorKind(c) == CXCursor_UnexposedExpr ||
	       clang_getCursorKind(c) == CXCursor_CStyleCastExpr) {
		kids_of(c, &k);
		if (k.n != 1)
			break;
		c = strip_parens(k.c[0]);
	}
	cg_at(cg, e);
	if (const_eval(c, &v)) {
		static const enum rc_opcode act[] = {
			[1] = RC_OP_drop, [2] = RC_OP_pass, [3] = RC_OP_reply,
		};

		if (v >= 1 && v <= 3) {
			emit(cg, act[v], 0);
			return;
		}
		cg_error(cg, e, "a handler returns RC_DROP, RC_PASS, RC_REPLY or "
			 "rc_forward(rank), not %lld", (long long)v);
		return;
	}
	if (clang_getCursorKind(c) == CXCursor_CallExpr) {
		CXString s = clang_getCursorSpelling(c);
		bool fwd = !strcmp(clang_getCString(s), "rc_forward");

		clang_disposeString(s);
		if (fwd) {
			gen_expr(cg, clang_Cursor_getArgument(c, 0), true);
			cg_at(cg, c);
			emit(cg, RC_OP_forward, 0);
			return;
		}
	}
	if (clang_getCursorKind(c) == CXCursor_ConditionalOperator) {
		int els = cg_label(cg);

		kids_of(c, &k);
		if (k.n == 3) {
			gen_branch(cg, k.c[0], false, els);
			gen_return_action(cg, k.c[1]);
			cg_place(cg, els);
			gen_return_action(cg, k.c[2]);
			return;
		}
	}
	cg_error(cg, e, "a handler returns a constant action (RC_DROP, RC_PASS, "
		 "RC_REPLY), rc_forward(rank) or a ?: between them");
}

static void gen_return(struct cg *cg, CXCursor s)
{
	struct kids k;
	struct inline_frame *f;
	struct ity t;

	kids_of(s, &k);
	if (!cg->nframes) {
		if (!k.n) {
			cg_error(cg, s, "a handler returns an action");
			return;
		}
		gen_return_action(cg, k.c[0]);
		return;
	}
	f = &cg->frames[cg->nframes - 1];
	if (k.n) {
		if (f->is_void) {
			gen_expr(cg, k.c[0], false);
		} else if (ity_of(clang_getCursorType(k.c[0]), &t)) {
			gen_expr(cg, k.c[0], true);
			convert(cg, t, f->ret);
		} else {
			cg_error(cg, k.c[0], "%s are not supported",
				 type_refusal(clang_getCursorType(k.c[0])));
			return;
		}
	}
	cg_at(cg, s);
	emit_jump(cg, RC_OP_jmp, f->ret_label);
	cg->depth = f->base;
}

/* for (init; cond; inc) body: libclang visits only the parts that are
 * there, so each child is placed by where it starts relative to the two
 * semicolons of the header. */
static void for_parts(struct cg *cg, CXCursor s, CXCursor part[4])
{
	CXToken *toks;
	unsigned int ntoks, semi[2] = { 0, 0 }, nsemi = 0, depth = 0, rparen = 0;
	struct kids k;

	for (int i = 0; i < 4; i++)
		part[i] = clang_getNullCursor();
	clang_tokenize(cg->tu, clang_getCursorExtent(s), &toks, &ntoks);
	for (unsigned int i = 0; i < ntoks; i++) {
		CXString sp = clang_getTokenSpelling(cg->tu, toks[i]);
		const char *t = clang_getCString(sp);
		unsigned int off;

		clang_getSpellingLocation(clang_getTokenLocation(cg->tu, toks[i]),
					  NULL, NULL, NULL, &off);
		if (!strcmp(t, "("))
			depth++;
		else if (!strcmp(t, ")") && --depth == 0 && !rparen)
			rparen = off;
		else if (!strcmp(t, ";") && depth == 1 && nsemi < 2)
			semi[nsemi++] = off;
		clang_disposeString(sp);
		if (rparen)
			break;
	}
	clang_disposeTokens(cg->tu, toks, ntoks);
	kids_of(s, &k);
	for (int i = 0; i < k.n; i++) {
		unsigned int off;
		int which;

		clang_getSpellingLocation(clang_getRangeStart(
			clang_getCursorExtent(k.c[i])), NULL, NULL, NULL, &off);
		which = off < semi[0] ? 0 : off < semi[1] ? 1 : off < rparen ? 2 : 3;
		part[which] = k.c[i];
	}
}

/* Case labels of one switch, not those of a switch nested in it. */
struct cases {
	CXCursor c[256];
	int label[256];
	int n;
};

static enum CXChildVisitResult case_visit(CXCursor c, CXCursor p,
					  CXClientData data)
{
	struct cases *cs = data;
	enum CXCursorKind k = clang_getCursorKind(c);

	(void)p;
	if (k == CXCursor_SwitchStmt)
		return CXChildVisit_Continue;
	if ((k == CXCursor_CaseStmt || k == CXCursor_DefaultStmt) && cs->n < 256)
		cs->c[cs->n++] = c;
	return CXChildVisit_Recurse;
}

static struct cases *cur_cases;

/* The same statement reached along two paths: libclang's statement
 * cursors carry the declaration visited last before them, so
 * clang_equalCursors() can tell them apart; compare kind and place. */
static bool same_stmt(CXCursor a, CXCursor b)
{
	return clang_getCursorKind(a) == clang_getCursorKind(b) &&
	       clang_equalRanges(clang_getCursorExtent(a),
				 clang_getCursorExtent(b));
}

static int case_label(CXCursor c)
{
	for (int i = 0; cur_cases && i < cur_cases->n; i++)
		if (same_stmt(cur_cases->c[i], c))
			return cur_cases->label[i];
	return -1;
}

static void gen_switch(struct cg *cg, CXCursor s, struct loopctx lc)
{
	struct kids k;
	struct cases *cs = calloc(1, sizeof(*cs)), *outer = cur_cases;
	struct ity t, from;
	int slot, end = cg_label(cg), dflt = -1, mark = cg->nlocals;

	kids_of(s, &k);
	if (!cs || k.n != 2 || !ity_of(clang_getCursorType(k.c[0]), &from)) {
		cg_error(cg, s, "this switch is not supported");
		free(cs);
		return;
	}
	t = from;
	clang_visitChildren(k.c[1], case_visit, cs);
	cg_at(cg, s);
	gen_expr(cg, k.c[0], true);
	slot = local_alloc(cg, s);
	emit(cg, RC_OP_stl, slot);
	for (int i = 0; i < cs->n; i++) {
		struct kids ck;
		uint64_t v;

		cs->label[i] = cg_label(cg);
		if (clang_getCursorKind(cs->c[i]) == CXCursor_DefaultStmt) {
			dflt = cs->label[i];
			continue;
		}
		kids_of(cs->c[i], &ck);
		if (ck.n != 2 || !const_eval(ck.c[0], &v)) {
			cg_error(cg, cs->c[i], "case ranges are not supported");
			continue;
		}
		cg_at(cg, cs->c[i]);
		emit(cg, RC_OP_ldl, slot);
		emit_const(cg, canon(v, t));
		emit(cg, RC_OP_eq, 0);
		emit_jump(cg, RC_OP_jnz, cs->label[i]);
	}
	emit_jump(cg, RC_OP_jmp, dflt >= 0 ? dflt : end);
	cur_cases = cs;
	gen_stmt(cg, k.c[1], (struct loopctx){ end, lc.cont });
	cur_cases = outer;
	cg_place(cg, end);
	cg->nlocals = mark;
	free(cs);
}

struct kidlist {
	CXCursor *c;
	size_t n, cap;
};

static enum CXChildVisitResult list_visit(CXCursor c, CXCursor p,
					  CXClientData data)
{
	struct kidlist *l = data;

	(void)p;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->c = realloc(l->c, l->cap * sizeof(*l->c));
		if (!l->c) {
			perror("rcc");
			exit(2);
		}
	}
	l->c[l->n++] = c;
	return CXChildVisit_Continue;
}

static void gen_loop(struct cg *cg, CXCursor init, CXCursor cond,
		     CXCursor inc, CXCursor body, bool do_while,
		     struct loopctx outer)
{
	int top = cg_label(cg), cont = cg_label(cg), end = cg_label(cg);
	struct loopctx lc = { end, cont };
	int mark = cg->nlocals;
	size_t vmark = cg->nvars;

	(void)outer;
	if (!clang_Cursor_isNull(init))
		gen_stmt(cg, init, lc);
	cg_place(cg, top);
	cg->labels[top].used = true;	/* the loop's own jump comes later */
	if (!do_while && !clang_Cursor_isNull(cond))
		gen_branch(cg, cond, false, end);
	gen_stmt(cg, body, lc);
	cg_place(cg, cont);
	if (!clang_Cursor_isNull(inc))
		gen_expr(cg, inc, false);
	if (do_while)
		gen_branch(cg, cond, true, top);
	else
		emit_jump(cg, RC_OP_jmp, top);
	cg_place(cg, end);
	cg->nlocals = mark;
	cg->nvars = vmark;
}

void gen_stmt(struct cg *cg, CXCursor s, struct loopctx lc)
{
	enum CXCursorKind kind = clang_getCursorKind(s);
	struct kids k;

	if (clang_isExpression(kind)) {
		gen_expr(cg, s, false);
		return;
	}
	kids_of(s, &k);
	cg_at(cg, s);
	switch (kind) {
	case CXCursor_CompoundStmt: {
		int mark = cg->nlocals;
		size_t vmark = cg->nvars;
		struct kidlist l = { 0 };

		clang_visitChildren(s, list_visit, &l);
		for (size_t i = 0; i < l.n; i++)
			gen_stmt(cg, l.c[i], lc);
		free(l.c);
		cg->nlocals = mark;
		cg->nvars = vmark;
		break;
	}
	case CXCursor_DeclStmt: {
		struct kidlist l = { 0 };

		clang_visitChildren(s, list_visit, &l);
		for (size_t i = 0; i < l.n; i++)
			gen_decl(cg, l.c[i]);
		free(l.c);
		break;
	}
	case CXCursor_NullStmt:
		break;
	case CXCursor_IfStmt: {
		int els = cg_label(cg), end = cg_label(cg);

		gen_branch(cg, k.c[0], false, els);
		gen_stmt(cg, k.c[1], lc);
		if (k.n > 2)
			emit_jump(cg, RC_OP_jmp, end);
		cg_place(cg, els);
		if (k.n > 2)
			gen_stmt(cg, k.c[2], lc);
		cg_place(cg, end);
		break;
	}
	case CXCursor_WhileStmt:
		gen_loop(cg, clang_getNullCursor(), k.c[0], clang_getNullCursor(),
			 k.c[1], false, lc);
		break;
	case CXCursor_DoStmt:
		gen_loop(cg, clang_getNullCursor(), k.c[1], clang_getNullCursor(),
			 k.c[0], true, lc);
		break;
	case CXCursor_ForStmt: {
		CXCursor part[4];

		for_parts(cg, s, part);
		gen_loop(cg, part[0], part[1], part[2], part[3], false, lc);
		break;
	}
	case CXCursor_SwitchStmt:
		gen_switch(cg, s, lc);
		break;
	case CXCursor_CaseStmt:
	case CXCursor_DefaultStmt: {
		int l = case_label(s);

		if (l < 0) {
			cg_error(cg, s, "case label outside a switch rcc follows");
			break;
		}
		cg_place(cg, l);
		gen_stmt(cg, k.c[k.n - 1], lc);
		break;
	}
	case CXCursor_BreakStmt:
		emit_jump(cg, RC_OP_jmp, lc.brk);
		break;
	case CXCursor_ContinueStmt:
		emit_jump(cg, RC_OP_jmp, lc.cont);
		break;
	case CXCursor_ReturnStmt:
		gen_return(cg, s);
		break;
	case CXCursor_GotoStmt:
	case CXCursor_IndirectGotoStmt:
	case CXCursor_LabelStmt:
		cg_error(cg, s, "goto and labels are not supported (use loops, "
			 "break and continue)");
		break;
	case CXCursor_GCCAsmStmt:
		cg_error(cg, s, "inline assembly is not supported");
		break;
	default:
		cg_error(cg, s, "this kind of statement is not supported by rcc");
		break;
	}
}
