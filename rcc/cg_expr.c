// SPDX-License-Identifier: BSD-2-Clause
/*
 * cg_expr.c - C expressions to R-code: types and conversions, lvalues
 * (locals, data-area words, window words), operators, builtins, and the
 * inlining of calls.
 *
 * Clang makes every implicit conversion of C an ImplicitCastExpr (a
 * CXCursor_UnexposedExpr with one child here): rcc converts wherever the
 * type of a node differs from its child's, so the promotions and the usual
 * arithmetic conversions come from clang, not from rules restated here.
 * Only compound assignment needs its computation type worked out, since
 * the C API does not expose it.
 */
#include <stdlib.h>
#include <string.h>
#include "rcc.h"

static enum CXChildVisitResult kid_visit(CXCursor c, CXCursor parent,
					 CXClientData data)
{
	struct kids *k = data;

	(void)parent;
	if (k->n < (int)(sizeof(k->c) / sizeof(k->c[0])))
		k->c[k->n++] = c;
	return CXChildVisit_Continue;
}

void kids_of(CXCursor c, struct kids *k)
{
	k->n = 0;
	clang_visitChildren(c, kid_visit, k);
}

bool ity_of(CXType t, struct ity *o)
{
	t = clang_getCanonicalType(t);
	o->is_bool = false;
	switch (t.kind) {
	case CXType_Bool:
		*o = (struct ity){ 8, false, true };
		return true;
	case CXType_Char_S: case CXType_SChar:
		*o = (struct ity){ 8, true, false };
		return true;
	case CXType_Char_U: case CXType_UChar:
		*o = (struct ity){ 8, false, false };
		return true;
	case CXType_Short:
		*o = (struct ity){ 16, true, false };
		return true;
	case CXType_UShort:
		*o = (struct ity){ 16, false, false };
		return true;
	case CXType_Int:
		*o = (struct ity){ 32, true, false };
		return true;
	case CXType_UInt:
		*o = (struct ity){ 32, false, false };
		return true;
	case CXType_Long: case CXType_LongLong:
		*o = (struct ity){ 64, true, false };
		return true;
	case CXType_ULong: case CXType_ULongLong:
		*o = (struct ity){ 64, false, false };
		return true;
	case CXType_Enum:
		return ity_of(clang_getEnumDeclIntegerType(
				      clang_getTypeDeclaration(t)), o);
	default:
		return false;
	}
}

/* Why a type is outside the subset, for "error: X is not supported". */
const char *type_refusal(CXType t)
{
	t = clang_getCanonicalType(t);
	switch (t.kind) {
	case CXType_Float: case CXType_Double: case CXType_LongDouble:
	case CXType_Half: case CXType_Float16: case CXType_Float128:
		return "floating-point values (R-code has integer words only)";
	case CXType_Pointer:
		return "pointers (R-code has no addressable memory: use the "
		       "rc_ld/rc_st builtins, RC_STATE and RC_WINDOW arrays)";
	case CXType_Record:
		return "structs and unions (R-code values are single words)";
	case CXType_ConstantArray: case CXType_IncompleteArray:
	case CXType_VariableArray:
		return "arrays outside RC_STATE and RC_WINDOW";
	case CXType_Int128: case CXType_UInt128:
		return "128-bit integers (R-code words are 64 bits)";
	case CXType_Complex:
		return "complex numbers";
	default:
		return "this type";
	}
}

uint64_t canon(uint64_t v, struct ity t)
{
	if (t.is_bool)
		return v != 0;
	if (t.w == 64)
		return v;
	v &= (1ull << t.w) - 1;
	if (t.sgn && (v >> (t.w - 1)))
		v |= ~0ull << t.w;
	return v;
}

CXCursor strip_parens(CXCursor c)
{
	struct kids k;

	while (clang_getCursorKind(c) == CXCursor_ParenExpr) {
		kids_of(c, &k);
		if (k.n != 1)
			break;
		c = k.c[0];
	}
	return c;
}

/* Whether evaluating c could change anything: clang would fold some of
 * these (a comma whose right side is constant) and drop the effect. */
static enum CXChildVisitResult effect_visit(CXCursor c, CXCursor p,
					    CXClientData data)
{
	(void)p;
	switch (clang_getCursorKind(c)) {
	case CXCursor_CallExpr:
	case CXCursor_CompoundAssignOperator:
		*(bool *)data = true;
		return CXChildVisit_Break;
	case CXCursor_BinaryOperator:
		if (clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) {
			*(bool *)data = true;
			return CXChildVisit_Break;
		}
		break;
	case CXCursor_UnaryOperator:
		switch (clang_getCursorUnaryOperatorKind(c)) {
		case CXUnaryOperator_PostInc: case CXUnaryOperator_PostDec:
		case CXUnaryOperator_PreInc: case CXUnaryOperator_PreDec:
			*(bool *)data = true;
			return CXChildVisit_Break;
		default:
			break;
		}
		break;
	default:
		break;
	}
	return CXChildVisit_Recurse;
}

bool const_eval(CXCursor c, uint64_t *v)
{
	bool effects = false;
	CXEvalResult r;
	bool ok;

	effect_visit(c, c, &effects);
	if (!effects)
		clang_visitChildren(c, effect_visit, &effects);
	if (effects)
		return false;
	r = clang_Cursor_Evaluate(c);
	if (!r)
		return false;
	ok = clang_EvalResult_getKind(r) == CXEval_Int;
	if (ok)
		*v = clang_EvalResult_isUnsignedInt(r) ?
			     clang_EvalResult_getAsUnsigned(r) :
			     (uint64_t)clang_EvalResult_getAsLongLong(r);
	clang_EvalResult_dispose(r);
	return ok;
}

static bool expr_type(struct cg *cg, CXCursor e, struct ity *t)
{
	CXType ty = clang_getCursorType(e);
	CXString s;

	if (ity_of(ty, t))
		return true;
	s = clang_getTypeSpelling(ty);
	cg_error(cg, e, "a value of type '%s': %s are not supported",
		 clang_getCString(s), type_refusal(ty));
	clang_disposeString(s);
	return false;
}

/* Bring a raw 64-bit result back to the canonical form of t. */
static void normalize(struct cg *cg, struct ity t)
{
	if (t.is_bool) {
		emit(cg, RC_OP_push, 0);
		emit(cg, RC_OP_ne, 0);
	} else if (t.w == 64) {
		return;
	} else if (t.sgn) {
		emit(cg, t.w == 8 ? RC_OP_sext8 : t.w == 16 ? RC_OP_sext16 :
							      RC_OP_sext32, 0);
	} else {
		emit_const(cg, (1ull << t.w) - 1);
		emit(cg, RC_OP_and, 0);
	}
}

void convert(struct cg *cg, struct ity from, struct ity to)
{
	if (to.is_bool) {
		if (!from.is_bool)
			normalize(cg, to);
		return;
	}
	if (to.w == 64 || from.is_bool)
		return;
	/* Widening keeps a canonical value canonical, unless a negative
	 * value becomes unsigned. */
	if (to.w > from.w && (!from.sgn || to.sgn))
		return;
	if (to.w == from.w && to.sgn == from.sgn)
		return;
	normalize(cg, to);
}

/* ---- variables ---- */

struct var *var_find(struct cg *cg, CXCursor decl)
{
	for (size_t i = cg->nvars; i-- > 0;)
		if (clang_equalCursors(cg->vars[i].decl, decl))
			return &cg->vars[i];
	return NULL;
}

struct var *var_add(struct cg *cg, CXCursor decl, enum var_kind k)
{
	struct var *v;
	CXString s;

	if (cg->nvars == cg->varcap) {
		cg->varcap = cg->varcap ? cg->varcap * 2 : 64;
		cg->vars = realloc(cg->vars, cg->varcap * sizeof(*cg->vars));
		if (!cg->vars) {
			perror("rcc");
			exit(2);
		}
	}
	v = &cg->vars[cg->nvars++];
	memset(v, 0, sizeof(*v));
	v->decl = decl;
	v->kind = k;
	s = clang_getCursorSpelling(decl);
	snprintf(v->name, sizeof(v->name), "%s", clang_getCString(s));
	clang_disposeString(s);
	return v;
}

int local_alloc(struct cg *cg, CXCursor at)
{
	if (cg->nlocals >= RC_LOCALS) {
		cg_error(cg, at, "more than %d live values: R-code has %d locals "
			 "(variables, parameters of inlined calls and switch "
			 "values in scope share them)", RC_LOCALS, RC_LOCALS);
		return 0;
	}
	return cg->nlocals++;
}

/* ---- lvalues ---- */

struct lval {
	struct var *v;
	bool indexed;		/* variable index on the stack, below */
	CXCursor index;
	int64_t k;		/* constant word within the array */
	struct ity t;
};

static CXCursor strip_casts(CXCursor c)
{
	struct kids k;

	for (;;) {
		c = strip_parens(c);
		if (clang_getCursorKind(c) != CXCursor_UnexposedExpr)
			return c;
		kids_of(c, &k);
		if (k.n != 1)
			return c;
		c = k.c[0];
	}
}

static bool lval_of(struct cg *cg, CXCursor e, struct lval *lv)
{
	CXCursor c = strip_casts(e);
	enum CXCursorKind kind = clang_getCursorKind(c);
	struct kids k;
	uint64_t idx;

	memset(lv, 0, sizeof(*lv));
	if (kind == CXCursor_DeclRefExpr) {
		lv->v = var_find(cg, clang_getCursorReferenced(c));
		if (!lv->v) {
			cg_error(cg, c, "'%s' is not a variable rcc can store to",
				 cursor_name(c));
			return false;
		}
		if (lv->v->words) {
			cg_error(cg, c, "array '%s' used without an index: R-code "
				 "arrays are not values", lv->v->name);
			return false;
		}
		lv->t = lv->v->t;
		return true;
	}
	if (kind == CXCursor_ArraySubscriptExpr) {
		kids_of(c, &k);
		CXCursor base = strip_casts(k.c[0]);

		if (clang_getCursorKind(base) != CXCursor_DeclRefExpr ||
		    !(lv->v = var_find(cg, clang_getCursorReferenced(base))) ||
		    !lv->v->words) {
			cg_error(cg, c, "only RC_STATE and RC_WINDOW arrays can be "
				 "indexed");
			return false;
		}
		lv->t = lv->v->t;
		if (const_eval(k.c[1], &idx)) {
			if (idx >= lv->v->words) {
				cg_error(cg, k.c[1], "index %lld is outside '%s' "
					 "(%u words)", (long long)idx,
					 lv->v->name, lv->v->words);
				return false;
			}
			lv->k = idx;
		} else {
			lv->indexed = true;
			lv->index = k.c[1];
		}
		return true;
	}
	if (kind == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_Deref)
		cg_error(cg, c, "pointer dereference is not supported: %s",
			 type_refusal(clang_getCursorType(strip_casts(c))));
	else if (kind == CXCursor_MemberRefExpr)
		cg_error(cg, c, "struct members are not supported: %s",
			 type_refusal(clang_getCursorType(c)));
	else
		cg_error(cg, c, "this is not something rcc can assign to");
	return false;
}

/* Push the index of an indexed lvalue (a 64-bit word: a negative index is
 * huge and faults, as an out-of-bounds C access may). */
static void lval_index(struct cg *cg, struct lval *lv)
{
	if (lv->indexed)
		gen_expr(cg, lv->index, true);
}

static void lval_load(struct cg *cg, struct lval *lv)
{
	struct var *v = lv->v;

	switch (v->kind) {
	case VAR_LOCAL:
		emit(cg, RC_OP_ldl, v->slot);
		break;
	case VAR_STATE:
		emit_sym(cg, lv->indexed ? RC_OP_ldsx : RC_OP_lds, v->name, lv->k);
		break;
	case VAR_WINDOW:
		emit_sym(cg, lv->indexed ? RC_OP_ldwx : RC_OP_ldw, v->name, lv->k);
		break;
	}
}

/* Stack: [index] value; with keep, the value stays on the stack. */
static void lval_store(struct cg *cg, struct lval *lv, bool keep)
{
	struct var *v = lv->v;

	if (keep) {
		emit(cg, RC_OP_dup, 0);
		if (lv->indexed) {	/* i v v -> v i v */
			emit(cg, RC_OP_rot, 0);
			emit(cg, RC_OP_rot, 0);
		}
	}
	switch (v->kind) {
	case VAR_LOCAL:
		emit(cg, RC_OP_stl, v->slot);
		break;
	case VAR_STATE:
		emit_sym(cg, lv->indexed ? RC_OP_stsx : RC_OP_sts, v->name, lv->k);
		break;
	case VAR_WINDOW:
		emit_sym(cg, lv->indexed ? RC_OP_stwx : RC_OP_stw, v->name, lv->k);
		break;
	}
}

/* ---- operators ---- */

static struct ity promote(struct ity t)
{
	if (t.is_bool || t.w < 32)
		return (struct ity){ 32, true, false };
	return t;
}

static struct ity common(struct ity a, struct ity b)
{
	a = promote(a);
	b = promote(b);
	if (a.sgn == b.sgn)
		return a.w >= b.w ? a : b;
	if (!a.sgn && a.w >= b.w)
		return a;
	if (!b.sgn && b.w >= a.w)
		return b;
	return a.sgn ? a : b;	/* the signed one is wider */
}

/* Instructions of a binary operator at the operator itself (libclang
 * places the expression at its left operand): the first token between the
 * operands, so that a div_zero fault points at the '/'. */
static void cg_at_operator(struct cg *cg, CXCursor e, CXCursor lhs,
			   CXCursor rhs)
{
	CXSourceRange r = clang_getRange(clang_getRangeEnd(clang_getCursorExtent(lhs)),
					 clang_getRangeStart(clang_getCursorExtent(rhs)));
	unsigned int ntoks, l, c, off;
	CXToken *toks;
	CXFile f;

	cg_at(cg, e);
	clang_tokenize(cg->tu, r, &toks, &ntoks);
	for (unsigned int i = 0; i < ntoks; i++) {
		CXSourceLocation loc = clang_getTokenLocation(cg->tu, toks[i]);

		if (clang_getTokenKind(toks[i]) != CXToken_Punctuation)
			continue;
		clang_getExpansionLocation(loc, &f, &l, &c, &off);
		if (in_main_file(loc) && l) {
			cg->line = l;
			cg->col = c;
		}
		break;
	}
	clang_disposeTokens(cg->tu, toks, ntoks);
}

static bool is_shift(enum CXBinaryOperatorKind k)
{
	return k == CXBinaryOperator_Shl || k == CXBinaryOperator_Shr ||
	       k == CXBinaryOperator_ShlAssign || k == CXBinaryOperator_ShrAssign;
}

/* The arithmetic of a binary operator on two values of type t (already
 * converted), leaving a canonical t. */
static void arith(struct cg *cg, enum CXBinaryOperatorKind k, struct ity t)
{
	bool wrap = t.w < 64;

	switch (k) {
	case CXBinaryOperator_Add: case CXBinaryOperator_AddAssign:
		emit(cg, RC_OP_add, 0);
		break;
	case CXBinaryOperator_Sub: case CXBinaryOperator_SubAssign:
		emit(cg, RC_OP_sub, 0);
		break;
	case CXBinaryOperator_Mul: case CXBinaryOperator_MulAssign:
		emit(cg, RC_OP_mul, 0);
		break;
	case CXBinaryOperator_Div: case CXBinaryOperator_DivAssign:
		/* canonical operands: only INT_MIN / -1 leaves the type */
		emit(cg, t.sgn ? RC_OP_div : RC_OP_divu, 0);
		wrap = wrap && t.sgn;
		break;
	case CXBinaryOperator_Rem: case CXBinaryOperator_RemAssign:
		emit(cg, t.sgn ? RC_OP_mod : RC_OP_modu, 0);
		wrap = false;
		break;
	case CXBinaryOperator_And: case CXBinaryOperator_AndAssign:
		emit(cg, RC_OP_and, 0);
		wrap = false;
		break;
	case CXBinaryOperator_Or: case CXBinaryOperator_OrAssign:
		emit(cg, RC_OP_or, 0);
		wrap = false;
		break;
	case CXBinaryOperator_Xor: case CXBinaryOperator_XorAssign:
		emit(cg, RC_OP_xor, 0);
		wrap = false;
		break;
	case CXBinaryOperator_Shl: case CXBinaryOperator_ShlAssign:
		emit(cg, RC_OP_shl, 0);
		break;
	case CXBinaryOperator_Shr: case CXBinaryOperator_ShrAssign:
		emit(cg, t.sgn ? RC_OP_sar : RC_OP_shr, 0);
		wrap = false;
		break;
	default:
		wrap = false;
		break;
	}
	if (wrap)
		normalize(cg, t);
}

static bool compare_op(enum CXBinaryOperatorKind k, bool sgn,
		       enum rc_opcode *op)
{
	switch (k) {
	case CXBinaryOperator_LT: *op = sgn ? RC_OP_lt : RC_OP_ltu; return true;
	case CXBinaryOperator_GT: *op = sgn ? RC_OP_gt : RC_OP_gtu; return true;
	case CXBinaryOperator_LE: *op = sgn ? RC_OP_le : RC_OP_leu; return true;
	case CXBinaryOperator_GE: *op = sgn ? RC_OP_ge : RC_OP_geu; return true;
	case CXBinaryOperator_EQ: *op = RC_OP_eq; return true;
	case CXBinaryOperator_NE: *op = RC_OP_ne; return true;
	default: return false;
	}
}

/* x = y, x op= y, with the value left when need. */
static void gen_assign(struct cg *cg, CXCursor e, enum CXBinaryOperatorKind k,
		       bool need)
{
	struct kids kk;
	struct lval lv;
	struct ity rt, ct;

	kids_of(e, &kk);
	if (kk.n != 2 || !lval_of(cg, kk.c[0], &lv) || !expr_type(cg, kk.c[1], &rt))
		return;
	cg_at(cg, e);
	lval_index(cg, &lv);
	if (k == CXBinaryOperator_Assign) {
		gen_expr(cg, kk.c[1], true);
		convert(cg, rt, lv.t);
		lval_store(cg, &lv, need);
		return;
	}
	ct = is_shift(k) ? promote(lv.t) : common(lv.t, rt);
	if (lv.indexed)
		emit(cg, RC_OP_dup, 0);
	lval_load(cg, &lv);
	convert(cg, lv.t, ct);
	gen_expr(cg, kk.c[1], true);
	if (!is_shift(k))
		convert(cg, rt, ct);
	cg_at_operator(cg, e, kk.c[0], kk.c[1]);
	arith(cg, k, ct);
	convert(cg, ct, lv.t);
	lval_store(cg, &lv, need);
}

/* ++ and --: computed in the promoted type, then converted back. */
static void gen_incdec(struct cg *cg, CXCursor e, CXCursor x, bool inc,
		       bool post, bool need)
{
	struct lval lv;
	struct ity ct;

	if (!lval_of(cg, x, &lv))
		return;
	ct = promote(lv.t);
	cg_at(cg, e);
	lval_index(cg, &lv);
	if (lv.indexed)
		emit(cg, RC_OP_dup, 0);
	lval_load(cg, &lv);
	if (post && need) {
		if (lv.indexed) {	/* i old -> old i old */
			emit(cg, RC_OP_dup, 0);
			emit(cg, RC_OP_rot, 0);
			emit(cg, RC_OP_rot, 0);
		} else {
			emit(cg, RC_OP_dup, 0);
		}
	}
	emit(cg, RC_OP_push, 1);
	arith(cg, inc ? CXBinaryOperator_Add : CXBinaryOperator_Sub, ct);
	convert(cg, ct, lv.t);
	lval_store(cg, &lv, need && !post);
}

/* ---- calls: builtins and inlining ---- */

enum bkind { B_LD, B_ST, B_LDH, B_STH, B_OP1, B_OP0, B_FWD };

static const struct builtin {
	const char *name;
	enum bkind kind;
	int op;			/* opcode, or field for header builtins */
	int width;
} builtins[] = {
	{ "rc_ld8", B_LD, RC_OP_ldp8, 1 }, { "rc_ld16", B_LD, RC_OP_ldp16, 2 },
	{ "rc_ld32", B_LD, RC_OP_ldp32, 4 }, { "rc_ld64", B_LD, RC_OP_ldp64, 8 },
	{ "rc_st8", B_ST, RC_OP_stp8, 1 }, { "rc_st16", B_ST, RC_OP_stp16, 2 },
	{ "rc_st32", B_ST, RC_OP_stp32, 4 }, { "rc_st64", B_ST, RC_OP_stp64, 8 },
	{ "rc_src", B_LDH, RC_FIELD_SRC, 0 }, { "rc_dst", B_LDH, RC_FIELD_DST, 0 },
	{ "rc_portal", B_LDH, RC_FIELD_PORTAL, 0 },
	{ "rc_tag", B_LDH, RC_FIELD_TAG, 0 }, { "rc_seq", B_LDH, RC_FIELD_SEQ, 0 },
	{ "rc_len", B_LDH, RC_FIELD_LEN, 0 },
	{ "rc_set_portal", B_STH, RC_FIELD_PORTAL, 16 },
	{ "rc_set_tag", B_STH, RC_FIELD_TAG, 32 },
	{ "rc_set_seq", B_STH, RC_FIELD_SEQ, 32 },
	{ "rc_resize", B_OP1, RC_OP_resize, 0 },
	{ "rc_send", B_OP1, RC_OP_send, 0 },
	{ "rc_upcall", B_OP1, RC_OP_upcall, 0 },
	{ "rc_clock", B_OP0, RC_OP_clock, 0 },
	{ "rc_forward", B_FWD, RC_OP_forward, 0 },
};

/* A value whose low 'bits' bits are all that is used: the narrowing
 * conversion clang put around it need not be computed. */
static void gen_lowbits(struct cg *cg, CXCursor e, unsigned int bits)
{
	struct ity to, from;
	struct kids k;
	CXCursor c = strip_parens(e);

	while (clang_getCursorKind(c) == CXCursor_UnexposedExpr &&
	       ity_of(clang_getCursorType(c), &to) && !to.is_bool &&
	       to.w >= bits) {
		kids_of(c, &k);
		if (k.n != 1 || !ity_of(clang_getCursorType(k.c[0]), &from))
			break;
		c = strip_parens(k.c[0]);
	}
	gen_expr(cg, c, true);
}

static void gen_builtin(struct cg *cg, CXCursor call, const struct builtin *b,
			bool need)
{
	int nargs = clang_Cursor_getNumArguments(call);
	CXCursor a0 = nargs > 0 ? clang_Cursor_getArgument(call, 0) : call;
	uint64_t off;
	bool k = nargs > 0 && const_eval(a0, &off);

	cg_at(cg, call);
	switch (b->kind) {
	case B_LD:
	case B_ST:
		if (k && off > RC_PAYLOAD_MAX - (uint64_t)b->width) {
			cg_error(cg, a0, "payload offset %llu: a %d-byte access "
				 "must end within %d bytes", (unsigned long long)off,
				 b->width, RC_PAYLOAD_MAX);
			return;
		}
		if (!k)
			gen_expr(cg, a0, true);
		if (b->kind == B_ST)
			gen_lowbits(cg, clang_Cursor_getArgument(call, 1),
				    b->width * 8);
		cg_at(cg, call);
		/* the x forms follow the plain ones in rc_opcodes.def */
		emit(cg, b->op + (k ? 0 : 4), k ? (int64_t)off : 0);
		break;
	case B_LDH:
		emit_field(cg, RC_OP_ldh, b->op);
		break;
	case B_STH:
		gen_lowbits(cg, a0, b->width);
		cg_at(cg, call);
		emit_field(cg, RC_OP_sth, b->op);
		break;
	case B_OP1:
		gen_expr(cg, a0, true);
		cg_at(cg, call);
		emit(cg, b->op, 0);
		break;
	case B_OP0:
		emit(cg, b->op, 0);
		break;
	case B_FWD:
		cg_error(cg, call, "rc_forward() ends the handler: write "
			 "'return rc_forward(rank);' in the handler itself");
		return;
	}
	if (!need && (b->kind == B_LD || b->kind == B_LDH || b->kind == B_OP0))
		emit(cg, RC_OP_pop, 0);
}

enum atomic_kind {
	AT_FETCH_ADD,	/* __sync_fetch_and_add: old */
	AT_FETCH_SUB,	/* __sync_fetch_and_sub: old */
	AT_ADD_FETCH,	/* __sync_add_and_fetch: new */
	AT_SUB_FETCH,	/* __sync_sub_and_fetch: new */
	AT_CAS,		/* __sync_val_compare_and_swap: old */
};

/* The __sync builtins on a data-area or window word: R-code's atomic add
 * (of -v to subtract) and compare-and-swap. */
static void gen_atomic(struct cg *cg, CXCursor call, enum atomic_kind ak,
		       bool need)
{
	bool cas = ak == AT_CAS;
	bool sub = ak == AT_FETCH_SUB || ak == AT_SUB_FETCH;
	bool fetch_new = ak == AT_ADD_FETCH || ak == AT_SUB_FETCH;
	CXCursor p = strip_casts(clang_Cursor_getArgument(call, 0));
	struct lval lv;
	struct kids k;
	int n = clang_Cursor_getNumArguments(call);

	if (clang_getCursorKind(p) != CXCursor_UnaryOperator ||
	    clang_getCursorUnaryOperatorKind(p) != CXUnaryOperator_AddrOf) {
		cg_error(cg, p, "the first argument of an atomic builtin must be "
			 "&word of an RC_STATE or RC_WINDOW variable");
		return;
	}
	kids_of(p, &k);
	if (!lval_of(cg, k.c[0], &lv))
		return;
	if (lv.v->kind == VAR_LOCAL) {
		cg_error(cg, p, "atomics work on RC_STATE and RC_WINDOW words, "
			 "not on the local '%s'", lv.v->name);
		return;
	}
	if (cas && lv.v->kind == VAR_WINDOW) {
		cg_error(cg, call, "R-code has no compare-and-swap on windows "
			 "(only on RC_STATE words)");
		return;
	}
	lval_index(cg, &lv);
	for (int i = 1; i < n; i++)
		gen_lowbits(cg, clang_Cursor_getArgument(call, i), 64);
	cg_at(cg, call);
	if (sub)
		emit(cg, RC_OP_neg, 0);
	if (fetch_new && need) {
		/* keep v for old + v: [i] v -> v [i] v */
		emit(cg, RC_OP_dup, 0);
		if (lv.indexed) {
			emit(cg, RC_OP_rot, 0);
			emit(cg, RC_OP_swap, 0);
		}
	}
	if (cas)
		emit_sym(cg, lv.indexed ? RC_OP_cassx : RC_OP_cass, lv.v->name, lv.k);
	else if (lv.v->kind == VAR_STATE)
		emit_sym(cg, lv.indexed ? RC_OP_xaddsx : RC_OP_xadds, lv.v->name, lv.k);
	else
		emit_sym(cg, lv.indexed ? RC_OP_xaddwx : RC_OP_xaddw, lv.v->name, lv.k);
	if (!need)
		emit(cg, RC_OP_pop, 0);
	else if (fetch_new)
		emit(cg, RC_OP_add, 0);
}

static CXCursor fn_body(CXCursor def)
{
	struct kids k;

	kids_of(def, &k);
	for (int i = 0; i < k.n; i++)
		if (clang_getCursorKind(k.c[i]) == CXCursor_CompoundStmt)
			return k.c[i];
	return clang_getNullCursor();
}

/* The statements of fn at the current depth (handler or inlined body). */
void gen_body(struct cg *cg, CXCursor fn)
{
	CXCursor body = fn_body(fn);

	if (!clang_Cursor_isNull(body))
		gen_stmt(cg, body, (struct loopctx){ -1, -1 });
}

static void gen_inline(struct cg *cg, CXCursor call, CXCursor def,
		       const char *name, bool need)
{
	int n = clang_Cursor_getNumArguments(call), mark = cg->nlocals;
	size_t vmark = cg->nvars;
	struct inline_frame *f;
	CXType rt = clang_getResultType(clang_getCursorType(def));
	struct ity at, pt;

	for (int i = 0; i < cg->nframes; i++)
		if (clang_equalCursors(cg->frames[i].fn, def)) {
			cg_error(cg, call, "recursive call to '%s' cannot be "
				 "inlined (R-code has no calls)", name);
			return;
		}
	if (cg->nframes == 16) {
		cg_error(cg, call, "calls nested more than 16 deep");
		return;
	}
	if (clang_Cursor_isVariadic(def)) {
		cg_error(cg, call, "call to the variadic function '%s': varargs "
			 "are not supported", name);
		return;
	}
	f = &cg->frames[cg->nframes];
	f->is_void = rt.kind == CXType_Void;
	if (!f->is_void && !ity_of(rt, &f->ret)) {
		cg_error(cg, call, "'%s' returns %s, which is not supported", name,
			 type_refusal(rt));
		return;
	}
	/* Arguments are evaluated left to right, then popped into the
	 * parameters' locals. */
	for (int i = 0; i < n; i++) {
		CXCursor a = clang_Cursor_getArgument(call, i);
		CXCursor p = clang_Cursor_getArgument(def, i);

		if (!ity_of(clang_getCursorType(p), &pt)) {
			cg_error(cg, p, "parameter of %s is not supported",
				 type_refusal(clang_getCursorType(p)));
			return;
		}
		if (!expr_type(cg, a, &at))
			return;
		gen_expr(cg, a, true);
		convert(cg, at, pt);
	}
	for (int i = 0; i < n; i++) {
		CXCursor p = clang_Cursor_getArgument(def, i);
		struct var *v = var_add(cg, p, VAR_LOCAL);

		ity_of(clang_getCursorType(p), &v->t);
		v->slot = local_alloc(cg, call);
	}
	/* the last argument is on top */
	for (size_t i = cg->nvars; i-- > vmark;)
		emit(cg, RC_OP_stl, cg->vars[i].slot);
	f->fn = def;
	f->ret_label = cg_label(cg);
	f->base = cg->depth;
	cg->nframes++;
	gen_body(cg, def);
	if (!f->is_void && !cg->dead)
		emit(cg, RC_OP_push, 0);	/* fell off the end: UB in C */
	cg_place(cg, f->ret_label);
	cg->nframes--;
	cg->nlocals = mark;
	cg->nvars = vmark;
	if (!need && !f->is_void)
		emit(cg, RC_OP_pop, 0);
}

static void gen_call(struct cg *cg, CXCursor call, bool need)
{
	CXCursor decl = clang_getCursorReferenced(call), def;
	CXString s = clang_getCursorSpelling(decl);
	char name[128];
	size_t len;

	snprintf(name, sizeof(name), "%s", clang_getCString(s));
	clang_disposeString(s);
	if (clang_Cursor_isNull(decl) ||
	    clang_getCursorKind(decl) != CXCursor_FunctionDecl) {
		cg_error(cg, call, "calls through function pointers are not "
			 "supported");
		return;
	}
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(name, builtins[i].name)) {
			gen_builtin(cg, call, &builtins[i], need);
			return;
		}
	/* clang renames the overloaded __sync builtins by size (_8). */
	len = strlen(name);
	while (len && name[len - 1] >= '0' && name[len - 1] <= '9')
		len--;
	if (len && name[len - 1] == '_')
		name[len - 1] = '\0';
	{
		static const struct {
			const char *name;
			enum atomic_kind k;
		} at[] = {
			{ "__sync_fetch_and_add", AT_FETCH_ADD },
			{ "__sync_fetch_and_sub", AT_FETCH_SUB },
			{ "__sync_add_and_fetch", AT_ADD_FETCH },
			{ "__sync_sub_and_fetch", AT_SUB_FETCH },
			{ "__sync_val_compare_and_swap", AT_CAS },
		};

		for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
			if (!strcmp(name, at[i].name)) {
				gen_atomic(cg, call, at[i].k, need);
				return;
			}
	}
	def = clang_getCursorDefinition(decl);
	if (clang_Cursor_isNull(def) || clang_Cursor_isNull(fn_body(def))) {
		cg_error(cg, call, "call to '%s', which has no body here, cannot "
			 "be inlined (R-code has no calls; only rc_* builtins "
			 "and functions defined in this file)", name);
		return;
	}
	gen_inline(cg, call, def, name, need);
}

/* ---- expressions ---- */

static void gen_logical_value(struct cg *cg, CXCursor e)
{
	int f = cg_label(cg), end = cg_label(cg);

	gen_branch(cg, e, false, f);
	emit(cg, RC_OP_push, 1);
	emit_jump(cg, RC_OP_jmp, end);
	cg_place(cg, f);
	emit(cg, RC_OP_push, 0);
	cg_place(cg, end);
}

static void gen_binary(struct cg *cg, CXCursor e, bool need)
{
	enum CXBinaryOperatorKind k = clang_getCursorBinaryOperatorKind(e);
	struct kids kk;
	struct ity t, lt, rt;
	enum rc_opcode cmp;

	kids_of(e, &kk);
	if (k == CXBinaryOperator_Assign) {
		gen_assign(cg, e, k, need);
		return;
	}
	if (k == CXBinaryOperator_Comma) {
		gen_expr(cg, kk.c[0], false);
		gen_expr(cg, kk.c[1], need);
		return;
	}
	if (k == CXBinaryOperator_LAnd || k == CXBinaryOperator_LOr) {
		if (need) {
			gen_logical_value(cg, e);
		} else {	/* only the right side's effects, if they happen */
			int end = cg_label(cg);

			gen_branch(cg, kk.c[0], k == CXBinaryOperator_LOr, end);
			gen_expr(cg, kk.c[1], false);
			cg_place(cg, end);
		}
		return;
	}
	if (!expr_type(cg, e, &t) || !expr_type(cg, kk.c[0], &lt) ||
	    !expr_type(cg, kk.c[1], &rt))
		return;
	gen_expr(cg, kk.c[0], true);
	gen_expr(cg, kk.c[1], true);
	cg_at_operator(cg, e, kk.c[0], kk.c[1]);
	if (compare_op(k, lt.sgn, &cmp))
		emit(cg, cmp, 0);
	else if (k == CXBinaryOperator_PtrMemD || k == CXBinaryOperator_PtrMemI)
		cg_error(cg, e, "this operator is not supported");
	else
		arith(cg, k, t);
	if (!need)
		emit(cg, RC_OP_pop, 0);
}

static void gen_unary(struct cg *cg, CXCursor e, bool need)
{
	enum CXUnaryOperatorKind k = clang_getCursorUnaryOperatorKind(e);
	struct kids kk;
	struct ity t;

	kids_of(e, &kk);
	switch (k) {
	case CXUnaryOperator_PostInc:
	case CXUnaryOperator_PostDec:
	case CXUnaryOperator_PreInc:
	case CXUnaryOperator_PreDec:
		gen_incdec(cg, e, kk.c[0],
			   k == CXUnaryOperator_PostInc || k == CXUnaryOperator_PreInc,
			   k == CXUnaryOperator_PostInc || k == CXUnaryOperator_PostDec,
			   need);
		return;
	case CXUnaryOperator_AddrOf:
		cg_error(cg, e, "taking an address ('&') is not supported: R-code "
			 "has no pointers (only '&word' as the first argument of "
			 "an atomic builtin)");
		return;
	case CXUnaryOperator_Deref:
		cg_error(cg, e, "pointer dereference is not supported: %s",
			 type_refusal(clang_getCursorType(kk.c[0])));
		return;
	default:
		break;
	}
	if (!expr_type(cg, e, &t))
		return;
	gen_expr(cg, kk.c[0], true);
	cg_at(cg, e);
	switch (k) {
	case CXUnaryOperator_Minus:
		emit(cg, RC_OP_neg, 0);
		normalize(cg, t);
		break;
	case CXUnaryOperator_Not:
		emit(cg, RC_OP_not, 0);
		if (!t.sgn)
			normalize(cg, t);
		break;
	case CXUnaryOperator_LNot:
		emit(cg, RC_OP_push, 0);
		emit(cg, RC_OP_eq, 0);
		break;
	case CXUnaryOperator_Plus:
	case CXUnaryOperator_Extension:
		break;
	default:
		cg_error(cg, e, "this operator is not supported");
		return;
	}
	if (!need)
		emit(cg, RC_OP_pop, 0);
}

static void gen_conditional(struct cg *cg, CXCursor e, bool need)
{
	struct kids kk;
	struct ity t, at, bt;
	int els = cg_label(cg), end = cg_label(cg);

	kids_of(e, &kk);
	if (kk.n != 3) {
		cg_error(cg, e, "the GNU 'a ?: b' form is not supported");
		return;
	}
	if (need && (!expr_type(cg, e, &t) || !expr_type(cg, kk.c[1], &at) ||
		     !expr_type(cg, kk.c[2], &bt)))
		return;
	gen_branch(cg, kk.c[0], false, els);
	gen_expr(cg, kk.c[1], need);
	if (need)
		convert(cg, at, t);
	emit_jump(cg, RC_OP_jmp, end);
	cg_place(cg, els);
	gen_expr(cg, kk.c[2], need);
	if (need)
		convert(cg, bt, t);
	cg_place(cg, end);
}

void gen_expr(struct cg *cg, CXCursor e, bool need)
{
	enum CXCursorKind kind;
	struct ity t, from;
	struct kids kk;
	uint64_t v;

	e = strip_parens(e);
	kind = clang_getCursorKind(e);
	if (need && kind != CXCursor_CallExpr && const_eval(e, &v)) {
		if (!expr_type(cg, e, &t))
			return;
		cg_at(cg, e);
		emit_const(cg, canon(v, t));
		return;
	}
	switch (kind) {
	case CXCursor_IntegerLiteral:
	case CXCursor_CharacterLiteral:
		return;		/* a constant whose value is not needed */
	case CXCursor_FloatingLiteral:
		cg_error(cg, e, "floating-point values (R-code has integer words "
			 "only) are not supported");
		return;
	case CXCursor_StringLiteral:
		cg_error(cg, e, "string literals are not supported: %s",
			 type_refusal(clang_getCursorType(e)));
		return;
	case CXCursor_DeclRefExpr: {
		CXCursor d = clang_getCursorReferenced(e);
		struct var *var = var_find(cg, d);
		struct lval lv = { .v = var };

		if (!var) {
			if (clang_getCursorKind(d) == CXCursor_VarDecl)
				cg_error(cg, e, "'%s' is neither a local, an "
					 "RC_STATE or RC_WINDOW variable nor a "
					 "constant", cursor_name(e));
			else
				cg_error(cg, e, "'%s' cannot be used as a value "
					 "here", cursor_name(e));
			return;
		}
		if (var->words) {
			cg_error(cg, e, "array '%s' used without an index: "
				 "R-code arrays are not values", var->name);
			return;
		}
		if (need) {
			cg_at(cg, e);
			lval_load(cg, &lv);
		}
		return;
	}
	case CXCursor_ArraySubscriptExpr: {
		struct lval lv;

		if (!lval_of(cg, e, &lv))
			return;
		lval_index(cg, &lv);
		cg_at(cg, e);
		lval_load(cg, &lv);
		if (!need)
			emit(cg, RC_OP_pop, 0);
		return;
	}
	case CXCursor_UnexposedExpr:
	case CXCursor_CStyleCastExpr:
		kids_of(e, &kk);
		if (kk.n < 1) {
			cg_error(cg, e, "this expression is not supported");
			return;
		}
		if (clang_getCursorType(e).kind == CXType_Void) {
			gen_expr(cg, kk.c[kk.n - 1], false);
			return;
		}
		/* '(T)&x': say what is wrong with &x, not with its type */
		if (!ity_of(clang_getCursorType(kk.c[kk.n - 1]), &from) &&
		    clang_getCursorKind(strip_parens(kk.c[kk.n - 1])) ==
			    CXCursor_UnaryOperator) {
			gen_expr(cg, kk.c[kk.n - 1], need);
			return;
		}
		if (!expr_type(cg, e, &t) ||
		    !expr_type(cg, kk.c[kk.n - 1], &from))
			return;
		gen_expr(cg, kk.c[kk.n - 1], need);
		if (need)
			convert(cg, from, t);
		return;
	case CXCursor_BinaryOperator:
		gen_binary(cg, e, need);
		return;
	case CXCursor_CompoundAssignOperator:
		gen_assign(cg, e, clang_getCursorBinaryOperatorKind(e), need);
		return;
	case CXCursor_UnaryOperator:
		gen_unary(cg, e, need);
		return;
	case CXCursor_ConditionalOperator:
		gen_conditional(cg, e, need);
		return;
	case CXCursor_CallExpr:
		gen_call(cg, e, need);
		return;
	case CXCursor_MemberRefExpr:
		cg_error(cg, e, "struct members are not supported: structs and "
			 "unions (R-code values are single words)");
		return;
	case CXCursor_UnaryExpr:
		cg_error(cg, e, "this sizeof/alignof is not a constant");
		return;
	default:
		cg_error(cg, e, "this kind of expression is not supported by rcc");
		return;
	}
}

void gen_branch(struct cg *cg, CXCursor e, bool sense, int label)
{
	struct kids kk;
	uint64_t v;

	e = strip_parens(e);
	if (const_eval(e, &v)) {
		if ((v != 0) == sense)
			emit_jump(cg, RC_OP_jmp, label);
		return;
	}
	kids_of(e, &kk);
	if (clang_getCursorKind(e) == CXCursor_BinaryOperator) {
		enum CXBinaryOperatorKind k = clang_getCursorBinaryOperatorKind(e);
		bool land = k == CXBinaryOperator_LAnd;

		if (land || k == CXBinaryOperator_LOr) {
			/* a && b jumps on false when either is false */
			if (sense != land) {
				gen_branch(cg, kk.c[0], sense, label);
				gen_branch(cg, kk.c[1], sense, label);
			} else {
				int skip = cg_label(cg);

				gen_branch(cg, kk.c[0], !sense, skip);
				gen_branch(cg, kk.c[1], sense, label);
				cg_place(cg, skip);
			}
			return;
		}
		/* x == 0 and x != 0 test x itself */
		if ((k == CXBinaryOperator_EQ || k == CXBinaryOperator_NE) &&
		    const_eval(kk.c[1], &v) && v == 0) {
			gen_expr(cg, kk.c[0], true);
			cg_at(cg, e);
			emit_jump(cg, (k == CXBinaryOperator_NE) == sense ?
					      RC_OP_jnz : RC_OP_jz, label);
			return;
		}
	}
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_LNot) {
		gen_branch(cg, kk.c[0], !sense, label);
		return;
	}
	gen_expr(cg, e, true);
	cg_at(cg, e);
	emit_jump(cg, sense ? RC_OP_jnz : RC_OP_jz, label);
}
