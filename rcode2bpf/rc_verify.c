// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_verify.c - the R-code verifier, the one place that judges a program.
 *
 * Two passes, like uBPF's validate() followed by the kernel's do_check():
 *
 * 1. Static checks of the program object and of every instruction slot on
 *    its own: limits, encodings, operand ranges, jump targets.  Every
 *    problem is reported, so one run shows them all.
 * 2. An abstract interpretation over the control-flow graph that tracks
 *    only the operand-stack depth, and for messages which instruction
 *    pushed each slot: underflow, overflow, paths that join with different
 *    depths, paths that run off the end.  R-code has no indirect jumps and
 *    every instruction has a fixed stack effect, so an accepted program has
 *    exactly one depth per pc and loops need no widening: the first path to
 *    reach a loop head fixes its depth and every later one must match.
 *
 * Pass 2 runs only when pass 1 found the control flow well formed (known
 * opcodes, whole instructions, jump targets on instruction starts); without
 * that, successors and stack effects are unknown and its messages would be
 * noise.  Stack effects come from rc_opcodes.def through rc_opinfo().
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "rcode.h"

/* Origin of a stack slot whose pushers differ on paths that join. */
#define ORG_MERGED	(-1)

/* A pass-2 diagnostic, held back so they come out in pc order. */
struct pending {
	int pc;
	int severity;
	unsigned int seq;	/* keeps the sort stable */
	char msg[RC_DIAG_MSG_MAX];
	char note[RC_DIAG_NOTE_MAX];
};

struct verifier {
	const struct rc_prog *prog;
	struct rc_diags *d;
	uint32_t n;			/* prog->ninsns */
	unsigned int nerrors;		/* ours, whether d kept them or not */
	bool cfg_ok;			/* pass 2 may trust the control flow */
	bool start[RC_CODE_MAX];	/* an instruction begins in this slot */
	bool reach[RC_CODE_MAX];	/* reachable in the flow graph */

	/* Pass 2, per pc: the depth before it (-1 until a path arrives), the
	 * pc the first path came from (-1: program entry) and who pushed
	 * each slot, bottom first. */
	int16_t depth[RC_CODE_MAX];
	int16_t from[RC_CODE_MAX];
	int16_t org[RC_CODE_MAX][RC_STACK_MAX];
	bool queued[RC_CODE_MAX];
	bool failed[RC_CODE_MAX];	/* a pass-2 error is reported here */
	uint32_t nqueued, lowest;

	struct pending *pend;
	size_t npend, cappend;
};

/* ---- reporting ----------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static void error_pc(struct verifier *v, int pc, const char *fmt, ...)
{
	char msg[RC_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc_diag_pc(v->d, RC_SEV_ERROR, v->prog, pc, "%s", msg);
	v->nerrors++;
}

/*
 * rc_prog keeps no positions for directives, so an error about the program
 * as a whole (portal, budget, data area, windows) finds the index'th line
 * that starts with the directive and points at its word'th word.  Programs
 * without source (binaries) get no position.
 */
static bool find_directive(const struct rc_prog *p, const char *dir,
			   unsigned int index, unsigned int word,
			   uint32_t *line, uint32_t *col)
{
	const struct rc_source *s = p->src;
	size_t len = strlen(dir);

	if (!s || !s->text || !s->line_start)
		return false;
	for (uint32_t l = 0; l < s->nlines; l++) {
		const char *t = s->text + s->line_start[l], *q = t, *w;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, dir, len) || !strchr(" \t\r\n;", q[len]) ||
		    index--)
			continue;
		w = q;
		for (unsigned int i = 0; i < word; i++) {
			const char *e = w;

			while (*e && !strchr(" \t\r\n;", *e))
				e++;
			while (*e == ' ' || *e == '\t')
				e++;
			if (!*e || strchr("\r\n;", *e))
				break;
			w = e;
		}
		*line = l + 1;
		*col = w - t + 1;
		return true;
	}
	return false;
}

__attribute__((format(printf, 5, 6)))
static void error_directive(struct verifier *v, const char *dir,
			    unsigned int index, unsigned int word,
			    const char *fmt, ...)
{
	const struct rc_prog *p = v->prog;
	char msg[RC_DIAG_MSG_MAX];
	uint32_t line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (dir && find_directive(p, dir, index, word, &line, &col))
		rc_diag_src(v->d, RC_SEV_ERROR, p->origin, p->src, line, col,
			    "%s", msg);
	else
		rc_diag_pc(v->d, RC_SEV_ERROR, p, -1, "%s", msg);
	v->nerrors++;
}

/* Hold a pass-2 diagnostic; at most one error per pc. */
__attribute__((format(printf, 5, 6)))
static void pend(struct verifier *v, int pc, int severity, const char *note,
		 const char *fmt, ...)
{
	struct pending *g;
	va_list ap;

	if (severity == RC_SEV_ERROR) {
		if (v->failed[pc])
			return;
		v->failed[pc] = true;
		v->nerrors++;
	}
	if (v->npend == v->cappend) {
		size_t cap = v->cappend ? v->cappend * 2 : 16;
		struct pending *p = realloc(v->pend, cap * sizeof(*p));

		if (!p)
			return;	/* the count above still rejects */
		v->pend = p;
		v->cappend = cap;
	}
	g = &v->pend[v->npend];
	g->pc = pc;
	g->severity = severity;
	g->seq = v->npend++;
	snprintf(g->note, sizeof(g->note), "%s", note ? note : "");
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
}

static int pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_pending(struct verifier *v)
{
	if (v->npend)
		qsort(v->pend, v->npend, sizeof(*v->pend), pending_cmp);
	for (size_t i = 0; i < v->npend; i++) {
		const struct pending *g = &v->pend[i];
		size_t before = v->d->n;

		rc_diag_pc(v->d, g->severity, v->prog, g->pc, "%s", g->msg);
		/* Only on our own entry: the list may have been full. */
		if (g->note[0] && v->d->n > before)
			rc_diag_note(v->d, "%s", g->note);
	}
}

/* "'push 1' (line 13)", or "(pc 13)" for a program without source. */
static void slot_text(const struct verifier *v, int16_t org, char *buf,
		      size_t size)
{
	const struct rc_prog *p = v->prog;
	char insn[96];

	if (org == ORG_MERGED) {
		snprintf(buf, size, "a value from paths that join");
		return;
	}
	rc_insn_format(p, org, insn, sizeof(insn));
	if (p->loc && p->loc[org].line)
		snprintf(buf, size, "'%s' (line %u)", insn, p->loc[org].line);
	else
		snprintf(buf, size, "'%s' (pc %d)", insn, org);
}

/*
 * "PREFIX'a' (line 3), 'b' (line 4)" into buf.  When the whole stack does
 * not fit, the slots nearest the bottom give way to "...": the top is what
 * the failing instruction was about to use.
 */
static void stack_list(const struct verifier *v, const int16_t *org,
		       int depth, const char *prefix, char *buf, size_t size)
{
	char item[RC_STACK_MAX][128];
	size_t len[RC_STACK_MAX], total = strlen(prefix), off;
	int first = 0;

	for (int i = 0; i < depth; i++) {
		slot_text(v, org[i], item[i], sizeof(item[i]));
		len[i] = strlen(item[i]);
		total += len[i] + (i ? 2 : 0);
	}
	while (first < depth - 1 && total + (first ? 5 : 0) >= size) {
		total -= len[first] + 2;
		first++;
	}
	off = snprintf(buf, size, "%s%s", prefix, first ? "..., " : "");
	for (int i = first; i < depth && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s",
				i > first ? ", " : "", item[i]);
}

static void stack_note(const struct verifier *v, const int16_t *org,
		       int depth, char *buf, size_t size)
{
	if (!depth)
		snprintf(buf, size, "the stack is empty");
	else
		stack_list(v, org, depth, "stack (bottom to top): ", buf, size);
}

/* "drop, pass or reply": the actions of this version, from the table. */
static void action_names(char *buf, size_t size)
{
	const struct rc_opinfo *act[16];
	size_t n = 0, off = 0;

	for (const struct rc_opinfo *o = rc_optable; o->name; o++)
		if ((o->flags & RC_F_ACTION) && !(o->flags & RC_F_RESERVED) &&
		    n < sizeof(act) / sizeof(act[0]))
			act[n++] = o;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s",
				!i ? "" : i + 1 < n ? ", " : " or ",
				act[i]->name);
}

/* ---- pass 1: the program object ------------------------------------------ */

/* A name is an identifier of at most RC_NAME_MAX - 1 characters. */
static bool valid_name(const char *s)
{
	size_t n = strnlen(s, RC_NAME_MAX);

	if (!n || n == RC_NAME_MAX ||
	    !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* A possibly unterminated, possibly binary name, fit to print. */
static const char *show_name(const char *s, char *buf)
{
	size_t i;

	for (i = 0; i < RC_NAME_MAX - 1 && s[i]; i++)
		buf[i] = isprint((unsigned char)s[i]) && s[i] != '\'' ?
				 s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* The data-area groups; false when their count is past the array. */
static bool check_state(struct verifier *v)
{
	const struct rc_prog *p = v->prog;
	int cross = -1;		/* the group that crosses RC_STATE_MAX */
	char nb[RC_NAME_MAX];
	uint64_t words = 0;

	if (p->nsyms > RC_SYMBOLS_MAX) {
		error_directive(v, NULL, 0, 0, "the program has %u data-area "
				"groups; at most %d are allowed", p->nsyms,
				RC_SYMBOLS_MAX);
		return false;
	}
	for (uint32_t i = 0; i < p->nsyms; i++) {
		const struct rc_statesym *s = &p->syms[i];

		if (!valid_name(s->name))
			error_directive(v, ".state", i, 1, "invalid data-area "
					"group name '%s'",
					show_name(s->name, nb));
		if (!s->words)
			error_directive(v, ".state", i, 2, "data-area group "
					"'%s' has no words",
					show_name(s->name, nb));
		if (cross < 0 && words + s->words > RC_STATE_MAX)
			cross = i;
		words += s->words;
	}
	/* In a source file the groups are the only description of the
	 * data area, so only a binary can disagree with them. */
	if (words != p->state_words)
		error_directive(v, NULL, 0, 0, "the data area has %u words but "
				"its groups add up to %llu", p->state_words,
				(unsigned long long)words);
	if (p->state_words > RC_STATE_MAX)
		error_directive(v, cross >= 0 ? ".state" : NULL,
				cross >= 0 ? cross : 0, 1, "the data area has "
				"%u words; at most %d are allowed",
				p->state_words, RC_STATE_MAX);
	return true;
}

/* The windows; false when their count is past the array. */
static bool check_windows(struct verifier *v)
{
	const struct rc_prog *p = v->prog;
	char nb[RC_NAME_MAX];

	if (p->nwindows > RC_WINDOWS_MAX) {
		error_directive(v, NULL, 0, 0, "the program has %u windows; at "
				"most %d are allowed", p->nwindows,
				RC_WINDOWS_MAX);
		return false;
	}
	for (uint32_t i = 0; i < p->nwindows; i++) {
		const struct rc_window *w = &p->windows[i];

		if (!valid_name(w->name))
			error_directive(v, ".window", i, 1, "invalid window "
					"name '%s'", show_name(w->name, nb));
		if (!w->words || w->words > RC_WINDOW_WORDS_MAX)
			error_directive(v, ".window", i, 2, "window '%s' has "
					"%u words; a window holds 1..%d",
					show_name(w->name, nb), w->words,
					RC_WINDOW_WORDS_MAX);
	}
	return true;
}

/* Returns false when the object is too broken to look at its code:
 * counts past the arrays they index, or no code at all. */
static bool check_prog(struct verifier *v)
{
	const struct rc_prog *p = v->prog;
	char nb[RC_NAME_MAX];
	bool usable = true;

	if (!p->name[0])
		error_directive(v, NULL, 0, 0, "the handler has no name");
	else if (!valid_name(p->name))
		error_directive(v, ".handler", 0, 1, "invalid handler name "
				"'%s': a name is a letter or '_' and then "
				"letters, digits or '_', at most %d in all",
				show_name(p->name, nb), RC_NAME_MAX - 1);
	if (p->portal >= RC_PORTALS)
		error_directive(v, ".portal", 0, 1, "portal %u is out of range "
				"0..%d", p->portal, RC_PORTALS - 1);
	if (!p->budget || p->budget > RC_BUDGET_MAX)
		error_directive(v, ".budget", 0, 1, "budget %u is out of range "
				"1..%d", p->budget, RC_BUDGET_MAX);
	usable &= check_state(v);
	usable &= check_windows(v);
	if (!p->ninsns) {
		error_directive(v, ".handler", 0, 0,
				"the program has no instructions");
		usable = false;
	} else if (p->ninsns > RC_CODE_MAX) {
		error_directive(v, NULL, 0, 0, "the program has %u instruction "
				"slots; at most %d are allowed", p->ninsns,
				RC_CODE_MAX);
		usable = false;
	}
	return usable;
}

/* ---- pass 1: each instruction on its own --------------------------------- */

static int64_t jump_target(const struct rc_insn *insn, uint32_t pc)
{
	return (int64_t)pc + 1 + insn->imm;
}

static uint32_t insn_slots(const struct rc_opinfo *info)
{
	return info && (info->flags & RC_F_WIDE) ? 2 : 1;
}

/* "portal, tag and seq", from rc_field_writable(). */
static void writable_fields(char *buf, size_t size)
{
	unsigned int n = 0, k = 0;
	size_t off = 0;

	for (unsigned int f = 0; f < RC_FIELD__COUNT; f++)
		n += rc_field_writable(f);
	buf[0] = '\0';
	for (unsigned int f = 0; f < RC_FIELD__COUNT && off < size; f++) {
		if (!rc_field_writable(f))
			continue;
		off += snprintf(buf + off, size - off, "%s%s",
				!k ? "" : k + 1 < n ? ", " : " and ",
				rc_field_name(f));
		k++;
	}
}

static void check_operand(struct verifier *v, uint32_t pc,
			  const struct rc_opinfo *info)
{
	const struct rc_prog *p = v->prog;
	const struct rc_insn *insn = &p->insns[pc];
	const struct rc_window *win;
	int32_t imm = insn->imm;
	char buf[64];

	switch ((enum rc_operand)info->operand) {
	case RC_OPND_NONE:
		/* The encoding is canonical: a stray imm would not survive a
		 * disassemble/assemble round trip. */
		if (imm)
			error_pc(v, pc, "'%s' takes no operand, but its imm "
				 "field is %d", info->name, imm);
		break;
	case RC_OPND_IMM:
	case RC_OPND_IMM64:	/* the second slot: check_insns() */
	case RC_OPND_LABEL:	/* the target: check_insns() */
		break;
	case RC_OPND_DEPTH:
		/* pick N reads N+1 values and pushes one more, so on a
		 * stack of RC_STACK_MAX the deepest that can run is
		 * RC_STACK_MAX - 2; a wider range could never verify. */
		if (imm < 0)
			error_pc(v, pc, "'%s' depth %d is out of range 0..%d",
				 info->name, imm, RC_STACK_MAX - 2);
		else if (imm > RC_STACK_MAX - 2)
			error_pc(v, pc, "'%s' depth %d is out of range 0..%d "
				 "(it needs %d values and pushes one more; the "
				 "stack holds %d)", info->name, imm,
				 RC_STACK_MAX - 2, imm + 1, RC_STACK_MAX);
		break;
	case RC_OPND_LOCAL:
		if (imm < 0 || imm >= RC_LOCALS)
			error_pc(v, pc, "local %d is out of range 0..%d", imm,
				 RC_LOCALS - 1);
		break;
	case RC_OPND_FIELD:
		if (!rc_field_name(imm)) {
			error_pc(v, pc, "unknown header field %d", imm);
		} else if (insn->op == RC_OP_sth && !rc_field_writable(imm)) {
			writable_fields(buf, sizeof(buf));
			if (imm == RC_FIELD_LEN)
				error_pc(v, pc, "header field 'len' is "
					 "read-only; use resize to change the "
					 "payload length");
			else
				error_pc(v, pc, "header field '%s' is "
					 "read-only; 'sth' can write %s",
					 rc_field_name(imm), buf);
		}
		break;
	case RC_OPND_POFF:
		/* For the indexed forms imm is the base: an unsigned index
		 * only adds to it, so the same bound holds. */
		if (imm < 0)
			error_pc(v, pc, "payload offset %d is negative", imm);
		else if ((int64_t)imm + info->width > RC_PAYLOAD_MAX)
			error_pc(v, pc, "payload offset %d + %u byte%s is past "
				 "the largest payload (%d bytes)", imm,
				 info->width, info->width == 1 ? "" : "s",
				 RC_PAYLOAD_MAX);
		break;
	case RC_OPND_SLOT:
		if (imm >= 0 && (uint32_t)imm < p->state_words)
			break;
		if (!p->state_words)
			error_pc(v, pc, "data-area word %d is used, but the "
				 "program has no data area (declare one with "
				 ".state)", imm);
		else
			error_pc(v, pc, "data-area word %d is outside the data "
				 "area (words 0..%u)", imm, p->state_words - 1);
		break;
	case RC_OPND_WIN:
		win = insn->a < p->nwindows ? &p->windows[insn->a] : NULL;
		if (!win) {
			if (!p->nwindows)
				error_pc(v, pc, "window %u is used, but the "
					 "program declares no windows (declare "
					 "one with .window)", insn->a);
			else
				error_pc(v, pc, "window %u does not exist "
					 "(windows 0..%u)", insn->a,
					 p->nwindows - 1);
		} else if (imm < 0 || (uint32_t)imm >= win->words) {
			error_pc(v, pc, "word %d is outside window '%s' (words "
				 "0..%u)", imm, show_name(win->name, buf),
				 win->words - 1);
		}
		break;
	}
}

static void check_insns(struct verifier *v)
{
	const struct rc_prog *p = v->prog;
	uint32_t pc;

	/* Where instructions start, first: jumps may point forward. */
	for (pc = 0; pc < v->n; pc += insn_slots(rc_opinfo(p->insns[pc].op)))
		v->start[pc] = true;

	for (pc = 0; pc < v->n; pc++) {
		const struct rc_insn *insn = &p->insns[pc];
		const struct rc_opinfo *info = rc_opinfo(insn->op);
		int64_t t;

		if (!v->start[pc])
			continue;
		if (!info) {
			/* Unknown length and stack effect: pass 2 is off. */
			error_pc(v, pc, "undefined opcode 0x%02x", insn->op);
			v->cfg_ok = false;
			continue;
		}
		if (info->flags & RC_F_RESERVED)
			error_pc(v, pc, "'%s' is reserved for a later version "
				 "of R-code", info->name);
		if (insn->rsvd)
			error_pc(v, pc, "reserved field of '%s' is 0x%04x; it "
				 "must be 0", info->name, insn->rsvd);
		if (insn->a && info->operand != RC_OPND_WIN)
			error_pc(v, pc, "'a' field of '%s' is %u; only window "
				 "instructions use it", info->name, insn->a);
		check_operand(v, pc, info);

		if (info->flags & RC_F_WIDE) {
			if (pc + 1 >= v->n) {
				error_pc(v, pc, "truncated '%s': its second "
					 "slot is missing", info->name);
				v->cfg_ok = false;
			} else if (insn[1].op || insn[1].a || insn[1].rsvd) {
				error_pc(v, pc, "second slot of '%s' has op "
					 "0x%02x, a %u, reserved 0x%04x; all "
					 "must be 0", info->name, insn[1].op,
					 insn[1].a, insn[1].rsvd);
			}
		}
		if (!(info->flags & RC_F_JUMP))
			continue;
		t = jump_target(insn, pc);
		if (t < 0 || t >= v->n) {
			error_pc(v, pc, "jump target pc %lld is outside the "
				 "program (pc 0..%u)", (long long)t, v->n - 1);
			v->cfg_ok = false;
		} else if (!v->start[t]) {
			error_pc(v, pc, "jump target pc %lld is inside the "
				 "'%s' at pc %lld", (long long)t,
				 rc_opinfo(p->insns[t - 1].op)->name,
				 (long long)t - 1);
			v->cfg_ok = false;
		}
	}
}

/* ---- pass 2: stack depths over the control-flow graph -------------------- */

/* Plain reachability from pc 0, whatever the stack does: code after an
 * error is not unreachable, only unexplored. */
static void find_reachable(struct verifier *v)
{
	const struct rc_prog *p = v->prog;
	uint16_t *stack = malloc(v->n * sizeof(*stack));
	uint32_t sp = 0;

	if (!stack) {
		/* Without the list, assume everything can run: that only
		 * loses warnings. */
		memcpy(v->reach, v->start, sizeof(v->reach));
		return;
	}
	v->reach[0] = true;
	stack[sp++] = 0;
	while (sp) {
		uint32_t pc = stack[--sp], next[2];
		const struct rc_insn *insn = &p->insns[pc];
		const struct rc_opinfo *info = rc_opinfo(insn->op);
		int nnext = 0;

		if (info->flags & RC_F_ACTION)
			continue;
		if (info->flags & RC_F_JUMP)
			next[nnext++] = jump_target(insn, pc);
		if (!(info->flags & RC_F_JUMP) || (info->flags & RC_F_COND))
			next[nnext++] = pc + insn_slots(info);
		for (int i = 0; i < nnext; i++) {
			if (next[i] >= v->n || v->reach[next[i]])
				continue;
			v->reach[next[i]] = true;
			stack[sp++] = next[i];
		}
	}
	free(stack);
}

static void queue(struct verifier *v, uint32_t pc)
{
	if (v->queued[pc])
		return;
	v->queued[pc] = true;
	v->nqueued++;
	if (pc < v->lowest)
		v->lowest = pc;
}

/* Lowest pc first, so paths meet roughly in text order and a depth
 * mismatch is blamed on the later path, as a reader would. */
static uint32_t dequeue(struct verifier *v)
{
	while (!v->queued[v->lowest])
		v->lowest++;
	v->queued[v->lowest] = false;
	v->nqueued--;
	return v->lowest;
}

/* "from pc 5 (line 9)", "from pc 5" without source, or the entry. */
static void path_name(const struct verifier *v, int from, bool lines,
		      char *buf, size_t size)
{
	const struct rc_prog *p = v->prog;

	if (from < 0)
		snprintf(buf, size, "at program entry");
	else if (lines && p->loc && p->loc[from].line)
		snprintf(buf, size, "from pc %d (line %u)", from,
			 p->loc[from].line);
	else
		snprintf(buf, size, "from pc %d", from);
}

/* One path's arrival at a pc. */
struct arrival {
	int from;		/* pc it came from, -1: program entry */
	int depth;
	const int16_t *org;
};

/* "PREFIXfrom pc 5: 'push 1' (line 4), ..." or "PREFIXfrom pc 5: empty". */
static void arrival_note(const struct verifier *v, const struct arrival *a,
			 const char *prefix, char *buf, size_t size)
{
	char where[64], pre[96];

	path_name(v, a->from, false, where, sizeof(where));
	snprintf(pre, sizeof(pre), "%s%s: ", prefix, where);
	if (a->depth)
		stack_list(v, a->org, a->depth, pre, buf, size);
	else
		snprintf(buf, size, "%sempty", pre);
}

static void join_error(struct verifier *v, uint32_t from, uint32_t to,
		       const int16_t *org, int depth)
{
	struct arrival a = { v->from[to], v->depth[to], v->org[to] };
	struct arrival b = { (int)from, depth, org }, t;
	char s1[RC_DIAG_NOTE_MAX / 2], s2[RC_DIAG_NOTE_MAX / 2];
	char w1[64], w2[64], note[RC_DIAG_NOTE_MAX];

	if (a.from > b.from) {	/* the entry (-1) and lower pcs first */
		t = a;
		a = b;
		b = t;
	}
	arrival_note(v, &a, "stack (bottom to top) ", s1, sizeof(s1));
	arrival_note(v, &b, "", s2, sizeof(s2));
	snprintf(note, sizeof(note), "%s; %s", s1, s2);
	path_name(v, a.from, true, w1, sizeof(w1));
	path_name(v, b.from, true, w2, sizeof(w2));
	pend(v, to, RC_SEV_ERROR, note,
	     "stack depth differs where paths join: %d %s, %d %s", a.depth, w1,
	     b.depth, w2);
}

/* A path arrives at 'to' from 'from' with this stack. */
static void flow(struct verifier *v, uint32_t from, uint32_t to,
		 const int16_t *org, int depth)
{
	bool changed = false;

	if (v->depth[to] < 0) {
		v->depth[to] = depth;
		v->from[to] = from;
		memcpy(v->org[to], org, depth * sizeof(*org));
		queue(v, to);
		return;
	}
	if (v->depth[to] != depth) {
		join_error(v, from, to, org, depth);
		return;
	}
	/* Same depth: only the notes' provenance can change, and only
	 * towards ORG_MERGED, so this settles. */
	for (int i = 0; i < depth; i++) {
		if (v->org[to][i] != org[i] && v->org[to][i] != ORG_MERGED) {
			v->org[to][i] = ORG_MERGED;
			changed = true;
		}
	}
	if (changed)
		queue(v, to);
}

/*
 * Who pushed each slot after the instruction, for the notes only; depths
 * come from the table.  Shuffles keep their operands' pushers; a copy is
 * the copying instruction's.  Every opcode is listed so that a new one
 * makes its author decide which kind it is.
 */
static void track_pushers(const struct rc_insn *insn,
			  const struct rc_opinfo *info, uint32_t pc,
			  int16_t *org, int depth)
{
	int16_t t;

	switch ((enum rc_opcode)insn->op) {
	case RC_OP_swap:
		t = org[depth - 1];
		org[depth - 1] = org[depth - 2];
		org[depth - 2] = t;
		return;
	case RC_OP_rot:
		t = org[depth - 3];
		org[depth - 3] = org[depth - 2];
		org[depth - 2] = org[depth - 1];
		org[depth - 1] = t;
		return;
	case RC_OP_dup:
	case RC_OP_over:
	case RC_OP_pick:
		org[depth] = pc;
		return;
	case RC_OP_push:
	case RC_OP_push64:
	case RC_OP_pop:
	case RC_OP_ldl:
	case RC_OP_stl:
	case RC_OP_add:
	case RC_OP_sub:
	case RC_OP_mul:
	case RC_OP_div:
	case RC_OP_divu:
	case RC_OP_mod:
	case RC_OP_modu:
	case RC_OP_neg:
	case RC_OP_and:
	case RC_OP_or:
	case RC_OP_xor:
	case RC_OP_not:
	case RC_OP_shl:
	case RC_OP_shr:
	case RC_OP_sar:
	case RC_OP_sext8:
	case RC_OP_sext16:
	case RC_OP_sext32:
	case RC_OP_bswap16:
	case RC_OP_bswap32:
	case RC_OP_bswap64:
	case RC_OP_eq:
	case RC_OP_ne:
	case RC_OP_lt:
	case RC_OP_le:
	case RC_OP_gt:
	case RC_OP_ge:
	case RC_OP_ltu:
	case RC_OP_leu:
	case RC_OP_gtu:
	case RC_OP_geu:
	case RC_OP_jmp:
	case RC_OP_jz:
	case RC_OP_jnz:
	case RC_OP_ldh:
	case RC_OP_sth:
	case RC_OP_resize:
	case RC_OP_ldp8:
	case RC_OP_ldp16:
	case RC_OP_ldp32:
	case RC_OP_ldp64:
	case RC_OP_ldpx8:
	case RC_OP_ldpx16:
	case RC_OP_ldpx32:
	case RC_OP_ldpx64:
	case RC_OP_stp8:
	case RC_OP_stp16:
	case RC_OP_stp32:
	case RC_OP_stp64:
	case RC_OP_stpx8:
	case RC_OP_stpx16:
	case RC_OP_stpx32:
	case RC_OP_stpx64:
	case RC_OP_lds:
	case RC_OP_ldsx:
	case RC_OP_sts:
	case RC_OP_stsx:
	case RC_OP_xadds:
	case RC_OP_xaddsx:
	case RC_OP_cass:
	case RC_OP_cassx:
	case RC_OP_ldw:
	case RC_OP_ldwx:
	case RC_OP_stw:
	case RC_OP_stwx:
	case RC_OP_xaddw:
	case RC_OP_xaddwx:
	case RC_OP_clock:
	case RC_OP_drop:
	case RC_OP_pass:
	case RC_OP_reply:
	case RC_OP_forward:
	case RC_OP_send:
	case RC_OP_upcall:
		break;
	}
	for (int i = 0; i < info->pushes; i++)
		org[depth - info->pops + i] = pc;
}

static void step(struct verifier *v, uint32_t pc)
{
	const struct rc_insn *insn = &v->prog->insns[pc];
	const struct rc_opinfo *info = rc_opinfo(insn->op);
	int depth = v->depth[pc], need = info->pops, after;
	int16_t org[RC_STACK_MAX];
	char name[48], note[RC_DIAG_NOTE_MAX], acts[64];
	uint32_t next;

	snprintf(name, sizeof(name), "%s", info->name);
	if (insn->op == RC_OP_pick && insn->imm >= 0 &&
	    insn->imm < RC_STACK_MAX) {
		need = insn->imm + 1;
		snprintf(name, sizeof(name), "%s %d", info->name, insn->imm);
	}
	after = depth - info->pops + info->pushes;
	if (depth < need || after > RC_STACK_MAX) {
		stack_note(v, v->org[pc], depth, note, sizeof(note));
		if (depth >= need)
			pend(v, pc, RC_SEV_ERROR, note, "stack overflow: '%s' "
			     "would make the stack %d values deep; at most %d "
			     "are allowed", name, after, RC_STACK_MAX);
		else if (depth)
			pend(v, pc, RC_SEV_ERROR, note, "stack underflow: '%s' "
			     "needs %d value%s, the stack holds %d", name, need,
			     need == 1 ? "" : "s", depth);
		else	/* the message says it all */
			pend(v, pc, RC_SEV_ERROR, NULL, "stack underflow: '%s' "
			     "needs %d value%s, the stack is empty", name, need,
			     need == 1 ? "" : "s");
		return;
	}
	memcpy(org, v->org[pc], depth * sizeof(*org));
	track_pushers(insn, info, pc, org, depth);

	if (info->flags & RC_F_ACTION)
		return;
	if (info->flags & RC_F_JUMP)
		flow(v, pc, jump_target(insn, pc), org, after);
	if ((info->flags & RC_F_JUMP) && !(info->flags & RC_F_COND))
		return;
	next = pc + insn_slots(info);
	if (next < v->n) {
		flow(v, pc, next, org, after);
	} else {
		action_names(acts, sizeof(acts));
		pend(v, pc, RC_SEV_ERROR, NULL, "control reaches the end of "
		     "the program without an action (%s)", acts);
	}
}

static void explore(struct verifier *v)
{
	v->depth[0] = 0;
	v->from[0] = -1;
	queue(v, 0);
	while (v->nqueued)
		step(v, dequeue(v));
}

/* One warning per run of unreachable instructions. */
static void warn_unreachable(struct verifier *v)
{
	bool prev = true;

	for (uint32_t pc = 0; pc < v->n; pc++) {
		if (!v->start[pc])
			continue;
		if (!v->reach[pc] && prev)
			pend(v, pc, RC_SEV_WARNING, NULL,
			     "unreachable instruction");
		prev = v->reach[pc];
	}
}

/*
 * A reachable send makes the handler a TC program (docs/rcode.md, section
 * 5): say so once, at the first one, so that whoever loads it knows where
 * it will run and why, before a loader refuses the interpreter path.
 */
static int first_needs_tc(const struct verifier *v)
{
	for (uint32_t pc = 0; pc < v->n; pc++)
		if (v->start[pc] && v->reach[pc] &&
		    (rc_opinfo(v->prog->insns[pc].op)->flags & RC_F_NEEDS_TC))
			return pc;
	return -1;
}

static void note_needs_tc(struct verifier *v)
{
	const struct rc_prog *p = v->prog;
	int pc = first_needs_tc(v);
	char where[64];

	if (pc < 0)
		return;
	if (p->loc && p->loc[pc].line)
		snprintf(where, sizeof(where), "line %u", p->loc[pc].line);
	else
		snprintf(where, sizeof(where), "pc %d", pc);
	pend(v, pc, RC_SEV_NOTE, "it is attached at TC ingress by itself "
	     "instead of behind the XDP dispatcher, and the interpreter path "
	     "(XDP only) cannot run it",
	     "the handler needs TC: '%s' at %s sends a copy of the message, "
	     "which only a TC program can do",
	     rc_opinfo(p->insns[pc].op)->name, where);
}

static void fill_info(const struct verifier *v, struct rc_verinfo *info)
{
	const struct rc_prog *p = v->prog;
	int tc;

	info->leader[0] = true;
	for (uint32_t pc = 0; pc < v->n; pc++) {
		const struct rc_insn *insn = &p->insns[pc];
		const struct rc_opinfo *info_op = rc_opinfo(insn->op);
		int64_t t;

		if (!v->start[pc])
			continue;
		info->reachable[pc] = v->reach[pc];
		info->depth[pc] = v->reach[pc] ? v->depth[pc] : -1;
		if (info->depth[pc] > (int)info->max_depth)
			info->max_depth = info->depth[pc];
		if (!(info_op->flags & RC_F_JUMP))
			continue;
		t = jump_target(insn, pc);
		info->leader[t] = true;
		if ((info_op->flags & RC_F_COND) && pc + 1 < v->n)
			info->leader[pc + 1] = true;
		if (v->reach[pc] && t <= pc)
			info->has_loop = true;
	}
	tc = first_needs_tc(v);
	info->needs_tc = tc >= 0;
	info->tc_pc = tc >= 0 ? tc : 0;
}

int rc_verify(const struct rc_prog *prog, struct rc_verinfo *info,
	      struct rc_diags *d)
{
	struct rc_diags mine;
	struct verifier *v;
	int err;

	if (info) {
		memset(info, 0, sizeof(*info));
		for (uint32_t pc = 0; pc < RC_CODE_MAX; pc++)
			info->depth[pc] = -1;
	}
	if (!prog)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (!d) {
		rc_diags_init(&mine);
		d = &mine;
	}
	v->prog = prog;
	v->d = d;
	v->cfg_ok = true;
	for (uint32_t pc = 0; pc < RC_CODE_MAX; pc++)
		v->depth[pc] = -1;

	if (check_prog(v)) {
		v->n = prog->ninsns;
		check_insns(v);
		if (v->cfg_ok) {
			find_reachable(v);
			explore(v);
			warn_unreachable(v);
			if (!v->nerrors)
				note_needs_tc(v);
			flush_pending(v);
			if (info)
				fill_info(v, info);
		}
	}
	err = v->nerrors ? -EINVAL : 0;
	free(v->pend);
	free(v);
	if (d == &mine)
		rc_diags_free(&mine);
	return err;
}
