// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_disasm.c - R-code back to handler.r text (docs/rcode.md, section 4).
 *
 * The listing must reassemble to the identical binary, and the programs it
 * sees may be unverified, so every slot prints in one of two forms:
 *
 *	lds vec+2			the mnemonic and a symbolic operand,
 *					when the assembler would encode
 *					exactly these bits from that text;
 *	.insn 0xNN, A, RSVD, IMM	one raw slot (rc_asm.c accepts it),
 *					for everything else: unknown opcodes,
 *					nonzero reserved or 'a' fields, a
 *					header field or window that does not
 *					exist, a jump outside the program.
 *
 * Operands the assembler takes as plain numbers (push, pick, ldl/stl,
 * payload offsets, data-area words outside every group) print as numbers
 * even when the verifier will reject them: the text still reassembles, and
 * the verifier then explains the problem against it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rcode.h"

/* Column, after the leading tab, where comments start. */
#define COMMENT_COL	24

/* One line of the listing. */
struct line {
	char text[80];
	char why[80];		/* why the slot is raw; "" when it is not */
	unsigned int slots;	/* slots the text covers, 1 or 2 */
};

static void set_raw(struct line *l, const struct rc_insn *in)
{
	snprintf(l->text, sizeof(l->text), ".insn 0x%02x, %u, %u, %" PRId32,
		 in->op, in->a, in->rsvd, in->imm);
	l->slots = 1;
}

/*
 * Format the slot at pc (pc < ninsns).  'labels' marks the pcs that get a
 * label line in the listing, NULL when formatting a single instruction: a
 * push64 whose second slot carries a label is split into two raw slots so
 * the label has a line to sit on.
 */
static void format_insn(const struct rc_prog *prog, uint32_t pc,
			const bool *labels, struct line *l)
{
	const struct rc_insn *in = &prog->insns[pc];
	const struct rc_opinfo *oi = rc_opinfo(in->op);
	uint32_t n = prog->ninsns, base;
	const struct rc_statesym *sym;
	const char *field;
	int64_t target;
	uint64_t v;

	l->slots = 1;
	l->why[0] = '\0';
#define RAW(...)                                                       \
	do {                                                           \
		snprintf(l->why, sizeof(l->why), __VA_ARGS__);         \
		set_raw(l, in);                                        \
		return;                                                \
	} while (0)
#define TEXT(...) snprintf(l->text, sizeof(l->text), __VA_ARGS__)

	if (!oi)
		RAW("unknown opcode 0x%02x", in->op);
	if (in->rsvd)
		RAW("%s with nonzero reserved field", oi->name);
	if (in->a && oi->operand != RC_OPND_WIN)
		RAW("%s with nonzero a field", oi->name);

	switch ((enum rc_operand)oi->operand) {
	case RC_OPND_NONE:
		if (in->imm)
			RAW("%s with nonzero imm", oi->name);
		TEXT("%s", oi->name);
		break;
	case RC_OPND_IMM:
	case RC_OPND_DEPTH:
	case RC_OPND_LOCAL:
	case RC_OPND_POFF:
		TEXT("%s %" PRId32, oi->name, in->imm);
		break;
	case RC_OPND_IMM64:
		if (pc + 1 >= n)
			RAW("push64 without its second slot");
		if (in[1].op || in[1].a || in[1].rsvd)
			RAW("second slot of push64 is not 0x00, 0, 0, IMM");
		if (labels && labels[pc + 1])
			RAW("a jump targets the second slot of this push64");
		v = rc_insn_imm64(in);
		l->slots = 2;
		/* Small values read best in decimal, masks in hex. */
		if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX)
			TEXT("%s %" PRId64, oi->name, (int64_t)v);
		else
			TEXT("%s 0x%" PRIx64, oi->name, v);
		break;
	case RC_OPND_LABEL:
		/* A label may stand after the last instruction, so pc n
		 * still has a name; anything further has none. */
		target = (int64_t)pc + 1 + in->imm;
		if (target < 0 || target > n)
			RAW("%s to pc %" PRId64 ", outside the program",
			    oi->name, target);
		TEXT("%s L%" PRId64, oi->name, target);
		break;
	case RC_OPND_FIELD:
		field = rc_field_name((uint32_t)in->imm);
		if (!field)
			RAW("%s of unknown header field %" PRId32, oi->name,
			    in->imm);
		TEXT("%s %s", oi->name, field);
		break;
	case RC_OPND_SLOT:
		sym = in->imm >= 0 ?
			      rc_prog_sym_at(prog, (uint32_t)in->imm, &base) :
			      NULL;
		if (!sym)
			TEXT("%s %" PRId32, oi->name, in->imm);
		else if ((uint32_t)in->imm == base)
			TEXT("%s %s", oi->name, sym->name);
		else
			TEXT("%s %s+%" PRIu32, oi->name, sym->name,
			     (uint32_t)in->imm - base);
		break;
	case RC_OPND_WIN:
		if (in->a >= prog->nwindows || in->a >= RC_WINDOWS_MAX)
			RAW("%s of undeclared window %u", oi->name, in->a);
		if (in->imm < 0)
			RAW("%s with negative window word %" PRId32, oi->name,
			    in->imm);
		if (in->imm == 0)
			TEXT("%s %s", oi->name, prog->windows[in->a].name);
		else
			TEXT("%s %s+%" PRId32, oi->name,
			     prog->windows[in->a].name, in->imm);
		break;
	}
#undef RAW
#undef TEXT
}

int rc_insn_format(const struct rc_prog *prog, uint32_t pc, char *buf,
		   size_t size)
{
	struct line l;

	if (pc >= prog->ninsns || pc >= RC_CODE_MAX)
		return snprintf(buf, size, "<no instruction at pc %" PRIu32 ">",
				pc);
	format_insn(prog, pc, NULL, &l);
	return snprintf(buf, size, "%s", l.text);
}

/* ---- the listing --------------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		size_t cap = b->cap;
		char *s;

		while (cap - b->len <= (size_t)n)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += n;
}

static void hex_slot(struct sbuf *b, const struct rc_insn *in)
{
	uint32_t imm = (uint32_t)in->imm;

	/* The bytes as they are in the file (little-endian). */
	sb_printf(b, "%02x %02x %02x %02x %02x %02x %02x %02x", in->op, in->a,
		  in->rsvd & 0xff, in->rsvd >> 8, imm & 0xff, (imm >> 8) & 0xff,
		  (imm >> 16) & 0xff, imm >> 24);
}

/* Options are read only as far as the caller's struct reaches. */
#define OPT(opts, field)                                                 \
	((opts) && (opts)->sz >= offsetof(struct rc_disasm_opts, field) +  \
				       sizeof((opts)->field) ?             \
		 (opts)->field :                                         \
		 0)

int rc_disasm(const struct rc_prog *prog, const struct rc_disasm_opts *opts,
	      char **out)
{
	bool show_pc = OPT(opts, show_pc), show_hex = OPT(opts, show_hex);
	bool labels[RC_CODE_MAX + 1] = { false };
	struct sbuf b = { .cap = 1024 };
	uint32_t n = prog->ninsns, pc, data_slot = UINT32_MAX;

	*out = NULL;
	if (n > RC_CODE_MAX || prog->nsyms > RC_SYMBOLS_MAX ||
	    prog->nwindows > RC_WINDOWS_MAX)
		return -EINVAL;
	b.s = malloc(b.cap);
	if (!b.s)
		return -ENOMEM;
	b.s[0] = '\0';

	/*
	 * Labels first.  Walk the instructions the way every other tool does
	 * (push64 covers two slots) and mark the targets that format_insn
	 * will print as labels: jumps it prints symbolically, targets in
	 * 0..n.  The listing below visits the same instruction pcs, because
	 * a push64 it splits is followed by a data slot printed raw.
	 */
	for (pc = 0; pc < n; pc += rc_insn_slots(&prog->insns[pc])) {
		const struct rc_insn *in = &prog->insns[pc];
		const struct rc_opinfo *oi = rc_opinfo(in->op);
		int64_t target = (int64_t)pc + 1 + in->imm;

		if (oi && oi->operand == RC_OPND_LABEL && !in->rsvd &&
		    !in->a && target >= 0 && target <= n)
			labels[target] = true;
	}

	sb_printf(&b, ".handler %s\n", prog->name);
	sb_printf(&b, ".portal %" PRIu32 "\n", prog->portal);
	sb_printf(&b, ".budget %" PRIu32 "\n", prog->budget);
	for (uint32_t i = 0; i < prog->nsyms; i++) {
		if (prog->syms[i].words == 1)
			sb_printf(&b, ".state %s\n", prog->syms[i].name);
		else
			sb_printf(&b, ".state %s %" PRIu32 "\n",
				  prog->syms[i].name, prog->syms[i].words);
	}
	for (uint32_t i = 0; i < prog->nwindows; i++)
		sb_printf(&b, ".window %s %" PRIu32 "\n",
			  prog->windows[i].name, prog->windows[i].words);
	sb_printf(&b, "\n");

	for (pc = 0; pc < n;) {
		struct line l;
		int len;

		if (pc == data_slot) {
			/* The second half of a push64 printed raw. */
			set_raw(&l, &prog->insns[pc]);
			snprintf(l.why, sizeof(l.why),
				 "second slot of the push64 at pc %" PRIu32,
				 pc - 1);
		} else {
			format_insn(prog, pc, labels, &l);
			if (prog->insns[pc].op == RC_OP_push64 && l.slots == 1)
				data_slot = pc + 1;
		}
		if (labels[pc])
			sb_printf(&b, "L%" PRIu32 ":\n", pc);
		len = strlen(l.text);
		sb_printf(&b, "\t%s", l.text);
		if (show_pc || show_hex || l.why[0]) {
			const char *sep = "";

			sb_printf(&b, "%*s; ",
				  len < COMMENT_COL ? COMMENT_COL - len : 1,
				  "");
			if (show_pc) {
				/* Pad when more follows, so the columns
				 * after it line up. */
				sb_printf(&b, "pc %-*" PRIu32,
					  show_hex || l.why[0] ? 4 : 0, pc);
				sep = " | ";
			}
			if (show_hex) {
				sb_printf(&b, "%s", sep);
				for (unsigned int i = 0; i < l.slots; i++) {
					if (i)
						sb_printf(&b, "  ");
					hex_slot(&b, &prog->insns[pc + i]);
				}
				sep = " | ";
			}
			if (l.why[0])
				sb_printf(&b, "%s%s", sep, l.why);
		}
		sb_printf(&b, "\n");
		pc += l.slots;
	}
	if (labels[n])
		sb_printf(&b, "L%" PRIu32 ":\n", n);

	if (b.oom) {
		free(b.s);
		return -ENOMEM;
	}
	*out = b.s;
	return 0;
}
