// SPDX-License-Identifier: BSD-2-Clause
/*
 * cg_emit.c - the instruction list rcc builds, its labels and stack depth,
 * the R-code text it becomes, and the budget check on loop-free code.
 *
 * The stack depth is followed at every emit from rc_opcodes.def's pops and
 * pushes, so codegen knows at each point what R-code's verifier will know,
 * and a C expression that needs more than 16 stack values is refused at its
 * own line instead of at an R-code pc.  Code after an unconditional jump or
 * an action is dropped until a label that some jump uses: R-code's verifier
 * warns about unreachable instructions, and C code that cannot run should
 * not cost slots.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rcc.h"

/* Instructions take the position of the C construct being compiled; an
 * inlined function's code keeps its own lines, as a debugger shows them. */
void cg_at(struct cg *cg, CXCursor c)
{
	CXFile f;
	unsigned int l, cl, off;

	clang_getExpansionLocation(clang_getCursorLocation(c), &f, &l, &cl, &off);
	if (!in_main_file(clang_getCursorLocation(c)) || !l)
		return;
	cg->line = l;
	cg->col = cl;
}

static struct ins *push_ins(struct cg *cg)
{
	if (cg->n == cg->cap) {
		cg->cap = cg->cap ? cg->cap * 2 : 256;
		cg->v = realloc(cg->v, cg->cap * sizeof(*cg->v));
		if (!cg->v) {
			perror("rcc");
			exit(2);
		}
	}
	memset(&cg->v[cg->n], 0, sizeof(cg->v[0]));
	cg->v[cg->n].label = -1;
	cg->v[cg->n].line = cg->line;
	cg->v[cg->n].col = cg->col;
	return &cg->v[cg->n++];
}

static void track(struct cg *cg, const struct rc_opinfo *oi)
{
	cg->depth += oi->code == RC_OP_pick ? 1 : oi->pushes - oi->pops;
	if (cg->depth > RC_STACK_MAX && !cg->depth_reported) {
		cg->depth_reported = true;
		rc_diag_src(cg->d, RC_SEV_ERROR, cg->path, cg->src, cg->line,
			    cg->col, "this needs more than %d operand-stack "
			    "values (R-code's stack limit); split the expression "
			    "with a local variable", RC_STACK_MAX);
	}
	if (oi->flags & RC_F_ACTION)
		cg->dead = true;
}

static struct ins *emit_op(struct cg *cg, enum rc_opcode op)
{
	const struct rc_opinfo *oi = rc_opinfo(op);

	if (cg->dead)
		return NULL;
	struct ins *i = push_ins(cg);

	i->op = oi;
	track(cg, oi);
	return i;
}

void emit(struct cg *cg, enum rc_opcode op, int64_t imm)
{
	struct ins *i = emit_op(cg, op);

	if (i)
		i->imm = imm;
}

void emit_sym(struct cg *cg, enum rc_opcode op, const char *sym, int64_t k)
{
	struct ins *i = emit_op(cg, op);

	if (!i)
		return;
	if (k)
		snprintf(i->sym, sizeof(i->sym), "%s+%" PRId64, sym, k);
	else
		snprintf(i->sym, sizeof(i->sym), "%s", sym);
}

void emit_field(struct cg *cg, enum rc_opcode op, enum rc_field f)
{
	emit_sym(cg, op, rc_field_name(f), 0);
}

void emit_const(struct cg *cg, uint64_t v)
{
	if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX)
		emit(cg, RC_OP_push, (int64_t)v);
	else
		emit(cg, RC_OP_push64, (int64_t)v);
}

int cg_label(struct cg *cg)
{
	if (cg->nlabels == cg->labcap) {
		cg->labcap = cg->labcap ? cg->labcap * 2 : 64;
		cg->labels = realloc(cg->labels, cg->labcap * sizeof(*cg->labels));
		if (!cg->labels) {
			perror("rcc");
			exit(2);
		}
	}
	cg->labels[cg->nlabels].depth = -1;
	cg->labels[cg->nlabels].used = false;
	return cg->nlabels++;
}

void emit_jump(struct cg *cg, enum rc_opcode op, int label)
{
	struct ins *i = emit_op(cg, op);

	if (!i)
		return;
	i->label = label;
	cg->labels[label].used = true;
	cg->labels[label].depth = cg->depth;
	if (op == RC_OP_jmp)
		cg->dead = true;
}

void cg_place(struct cg *cg, int label)
{
	struct label *l = &cg->labels[label];
	struct ins *i;

	if (cg->dead) {
		if (!l->used)
			return;		/* nobody gets here */
		cg->dead = false;
		cg->depth = l->depth;
	}
	/* A label right after a jump to it: drop the jump. */
	if (cg->n && cg->v[cg->n - 1].op &&
	    cg->v[cg->n - 1].op->code == RC_OP_jmp &&
	    cg->v[cg->n - 1].label == label)
		cg->n--;
	/* "jz L; jmp M; L:" is "jnz M; L:" (the jump to L was its only use
	 * there; L stays, other jumps may use it). */
	if (cg->n >= 2 && cg->v[cg->n - 1].op &&
	    cg->v[cg->n - 1].op->code == RC_OP_jmp &&
	    cg->v[cg->n - 2].op && cg->v[cg->n - 2].label == label &&
	    (cg->v[cg->n - 2].op->flags & RC_F_COND)) {
		struct ins *j = &cg->v[cg->n - 2];

		j->op = rc_opinfo(j->op->code == RC_OP_jz ? RC_OP_jnz : RC_OP_jz);
		j->label = cg->v[cg->n - 1].label;
		cg->n--;
	}
	i = push_ins(cg);
	i->label = label;
	l->depth = cg->depth;
}

/* ---- text ---- */

struct buf {
	char *s;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3)))
static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	va_start(ap, fmt);
	need = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->n + need + 1 > b->cap) {
		b->cap = (b->n + need + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s) {
			perror("rcc");
			exit(2);
		}
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, need + 1, fmt, ap);
	va_end(ap);
	b->n += need;
}

static void source_comment(struct cg *cg, struct buf *b, uint32_t line)
{
	const char *s, *e;

	if (!cg->src || !line || line > cg->src->nlines)
		return;
	s = cg->src->text + cg->src->line_start[line - 1];
	while (*s == ' ' || *s == '\t')
		s++;
	e = strchr(s, '\n');
	if (!e)
		e = s + strlen(s);
	bprintf(b, "\t; %.*s", (int)(e - s), s);
}

/* Labels that no jump uses are not printed: they would only be noise. */
int cg_text(struct cg *cg, char **out)
{
	struct buf b = { 0 };
	uint32_t line = 0, col = 0;

	bprintf(&b, "; %s: compiled by rcc, do not edit\n", cg->path);
	bprintf(&b, ".handler %s\n.portal %u\n.budget %u\n", cg->name,
		cg->portal, cg->budget);
	for (uint32_t i = 0; i < cg->nsyms; i++)
		if (cg->syms[i].words == 1)
			bprintf(&b, ".state %s\n", cg->syms[i].name);
		else
			bprintf(&b, ".state %s %u\n", cg->syms[i].name,
				cg->syms[i].words);
	for (uint32_t i = 0; i < cg->nwins; i++)
		bprintf(&b, ".window %s %u\n", cg->wins[i].name,
			cg->wins[i].words);
	for (size_t k = 0; k < cg->n; k++) {
		struct ins *i = &cg->v[k];

		if (!i->op) {
			if (cg->labels[i->label].used)
				bprintf(&b, "_L%d:\n", i->label);
			continue;
		}
		if (i->line && (i->line != line || i->col != col)) {
			bprintf(&b, ".loc %s %u %u", cg->path, i->line, i->col);
			if (i->line != line)
				source_comment(cg, &b, i->line);
			bprintf(&b, "\n");
			line = i->line;
			col = i->col;
		}
		bprintf(&b, "\t%s", i->op->name);
		if (i->label >= 0)
			bprintf(&b, " _L%d", i->label);
		else if (i->sym[0])
			bprintf(&b, " %s", i->sym);
		else if (i->op->operand != RC_OPND_NONE)
			bprintf(&b, " %" PRId64, i->imm);
		bprintf(&b, "\n");
	}
	*out = b.s;
	return 0;
}

/*
 * A handler without loops executes at most the instructions of its longest
 * path; when that exceeds the budget, the run would fault 'budget' on some
 * message, so rcc refuses it at the C line where the budget runs out on
 * that path.  With a loop the count depends on the data and the budget
 * stays a run-time limit.
 */
void cg_check_budget(struct cg *cg)
{
	size_t n = cg->n;
	long *len = calloc(n + 1, sizeof(*len));
	size_t *next = calloc(n + 1, sizeof(*next));
	size_t *where = calloc(cg->nlabels + 1, sizeof(*where));

	if (!len || !next || !where)
		goto out;
	for (size_t k = 0; k < n; k++)
		if (!cg->v[k].op)
			where[cg->v[k].label] = k;
	for (size_t k = 0; k < n; k++)
		if (cg->v[k].op && cg->v[k].label >= 0 &&
		    where[cg->v[k].label] <= k)
			goto out;	/* a loop */
	/* len[k]: most instructions executed from line k to an action. */
	for (size_t k = n; k-- > 0;) {
		struct ins *i = &cg->v[k];
		long fall = k + 1 < n ? len[k + 1] : 0, jump;

		if (!i->op) {
			len[k] = fall;
			next[k] = k + 1;
			continue;
		}
		if (i->op->flags & RC_F_ACTION) {
			len[k] = 1;
			next[k] = n;
			continue;
		}
		if (i->label >= 0) {
			jump = len[where[i->label]];
			if (i->op->code == RC_OP_jmp || jump > fall) {
				len[k] = 1 + jump;
				next[k] = where[i->label];
				continue;
			}
		}
		len[k] = 1 + fall;
		next[k] = k + 1;
	}
	if (n && len[0] > (long)cg->budget) {
		long count = 0;
		size_t k = 0;

		while (k < n) {
			if (cg->v[k].op && ++count > (long)cg->budget)
				break;
			k = next[k];
		}
		if (k < n)
			rc_diag_src(cg->d, RC_SEV_ERROR, cg->path, cg->src,
				    cg->v[k].line, cg->v[k].col,
				    "the longest path through the handler executes "
				    "%ld R-code instructions, more than its budget "
				    "of %u: this would fault 'budget' here",
				    len[0], cg->budget);
	}
out:
	free(len);
	free(next);
	free(where);
}
