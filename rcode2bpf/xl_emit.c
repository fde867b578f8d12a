// SPDX-License-Identifier: BSD-2-Clause
/* xl_emit.c - instruction buffer, labels and jump fixups; eBPF listing. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xl_insn.h"

static bool reserve(void **v, uint32_t *cap, uint32_t n, size_t size)
{
	void *nv;
	uint32_t c;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 256;
	nv = realloc(*v, (size_t)c * size);
	if (!nv)
		return false;
	*v = nv;
	*cap = c;
	return true;
}

void xl_emit(struct xl_buf *b, struct bpf_insn insn)
{
	if (!reserve((void **)&b->insns, &b->cap, b->n, sizeof(insn))) {
		b->oom = true;
		return;
	}
	b->insns[b->n++] = insn;
}

void xl_ld_imm64(struct xl_buf *b, int dst, uint64_t imm)
{
	xl_emit(b, XL_INSN(BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (uint32_t)imm));
	xl_emit(b, XL_INSN(0, 0, 0, 0, (uint32_t)(imm >> 32)));
}

void xl_ld_map_fd(struct xl_buf *b, int dst, int fd)
{
	xl_emit(b, XL_INSN(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd));
	xl_emit(b, XL_INSN(0, 0, 0, 0, 0));
}

void xl_ld_func(struct xl_buf *b, int dst, int label)
{
	if (!reserve((void **)&b->fixups, &b->fixcap, b->nfixups,
		     sizeof(struct xl_fixup))) {
		b->oom = true;
		return;
	}
	b->fixups[b->nfixups++] = (struct xl_fixup){ .insn = b->n, .label = label,
						     .func = true };
	if ((uint32_t)label < b->nlabels)
		b->used[label] = 1;
	xl_emit(b, XL_INSN(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_FUNC, 0, 0));
	xl_emit(b, XL_INSN(0, 0, 0, 0, 0));
}

int xl_label(struct xl_buf *b)
{
	uint32_t cap = b->labcap;

	if (!reserve((void **)&b->labels, &b->labcap, b->nlabels, sizeof(int32_t))) {
		b->oom = true;
		return 0;
	}
	if (b->labcap != cap) {
		uint8_t *c = realloc(b->cold, b->labcap);
		uint8_t *u = c ? realloc(b->used, b->labcap) : NULL;

		if (c)
			b->cold = c;
		if (u)
			b->used = u;
		if (!c || !u) {
			b->oom = true;
			return 0;
		}
	}
	b->labels[b->nlabels] = -1;
	b->cold[b->nlabels] = 0;
	b->used[b->nlabels] = 0;
	return b->nlabels++;
}

void xl_mark_cold(struct xl_buf *b, int label)
{
	if (!b->oom && (uint32_t)label < b->nlabels)
		b->cold[label] = 1;
}

static int negate_jmp(uint8_t op)
{
	switch (op) {
	case BPF_JEQ: return BPF_JNE;
	case BPF_JNE: return BPF_JEQ;
	case BPF_JGT: return BPF_JLE;
	case BPF_JLE: return BPF_JGT;
	case BPF_JGE: return BPF_JLT;
	case BPF_JLT: return BPF_JGE;
	case BPF_JSGT: return BPF_JSLE;
	case BPF_JSLE: return BPF_JSGT;
	case BPF_JSGE: return BPF_JSLT;
	case BPF_JSLT: return BPF_JSGE;
	}
	return -1;	/* BPF_JSET has no inverse */
}

void xl_bind(struct xl_buf *b, int label)
{
	if (!b->oom && (uint32_t)label < b->nlabels)
		b->labels[label] = b->n;
}

void xl_jmp(struct xl_buf *b, struct bpf_insn jump, int label)
{
	int neg = negate_jmp(BPF_OP(jump.code));

	if (b->invert_cold && !b->oom && (uint32_t)label < b->nlabels &&
	    b->cold[label] && BPF_CLASS(jump.code) == BPF_JMP && neg >= 0 &&
	    BPF_OP(jump.code) != BPF_JA) {
		jump.code = BPF_CLASS(jump.code) | BPF_SRC(jump.code) | neg;
		jump.off = 1;	/* over the goto */
		xl_emit(b, jump);
		jump = JA();
	}
	if (!reserve((void **)&b->fixups, &b->fixcap, b->nfixups,
		     sizeof(struct xl_fixup))) {
		b->oom = true;
		return;
	}
	b->fixups[b->nfixups++] = (struct xl_fixup){ .insn = b->n, .label = label };
	if ((uint32_t)label < b->nlabels)
		b->used[label] = 1;
	xl_emit(b, jump);
}

bool xl_label_used(const struct xl_buf *b, int label)
{
	return !b->oom && (uint32_t)label < b->nlabels && b->used[label];
}

bool xl_label_bound(const struct xl_buf *b, int label)
{
	return !b->oom && (uint32_t)label < b->nlabels && b->labels[label] >= 0;
}

bool xl_label_cold(const struct xl_buf *b, int label)
{
	return !b->oom && (uint32_t)label < b->nlabels && b->cold[label];
}

int xl_finish(struct xl_buf *b)
{
	if (b->oom)
		return -ENOMEM;
	for (uint32_t i = 0; i < b->nfixups; i++) {
		struct xl_fixup *f = &b->fixups[i];
		int64_t off;

		if ((uint32_t)f->label >= b->nlabels || b->labels[f->label] < 0)
			return -ERANGE;
		off = (int64_t)b->labels[f->label] - (f->insn + 1);
		if (f->func) {
			b->insns[f->insn].imm = off;
			continue;
		}
		if (off < INT16_MIN || off > INT16_MAX)
			return -ERANGE;
		b->insns[f->insn].off = off;
	}
	return 0;
}

void xl_buf_free(struct xl_buf *b)
{
	free(b->insns);
	free(b->labels);
	free(b->fixups);
	free(b->cold);
	free(b->used);
	memset(b, 0, sizeof(*b));
}

static const char *alu_op(uint8_t op)
{
	switch (op) {
	case BPF_ADD: return "+=";
	case BPF_SUB: return "-=";
	case BPF_MUL: return "*=";
	case BPF_DIV: return "/=";
	case BPF_OR: return "|=";
	case BPF_AND: return "&=";
	case BPF_LSH: return "<<=";
	case BPF_RSH: return ">>=";
	case BPF_MOD: return "%=";
	case BPF_XOR: return "^=";
	case BPF_MOV: return "=";
	case BPF_ARSH: return "s>>=";
	}
	return "?=";
}

static const char *jmp_op(uint8_t op)
{
	switch (op) {
	case BPF_JEQ: return "==";
	case BPF_JGT: return ">";
	case BPF_JGE: return ">=";
	case BPF_JSET: return "&";
	case BPF_JNE: return "!=";
	case BPF_JSGT: return "s>";
	case BPF_JSGE: return "s>=";
	case BPF_JLT: return "<";
	case BPF_JLE: return "<=";
	case BPF_JSLT: return "s<";
	case BPF_JSLE: return "s<=";
	}
	return "?";
}

static const char *size_name(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return "u8";
	case BPF_H: return "u16";
	case BPF_W: return "u32";
	}
	return "u64";
}

int xl_format_insn(const struct bpf_insn *in, uint32_t left, char *buf,
		   size_t size)
{
	uint8_t cls = BPF_CLASS(in->code);

	switch (cls) {
	case BPF_ALU64:
	case BPF_ALU: {
		const char *w = cls == BPF_ALU64 ? "r" : "w";

		if (BPF_OP(in->code) == BPF_NEG)
			snprintf(buf, size, "%s%d = -%s%d", w, in->dst_reg, w, in->dst_reg);
		else if (BPF_OP(in->code) == BPF_END)
			snprintf(buf, size, "r%d = be%d r%d", in->dst_reg, in->imm,
				 in->dst_reg);
		else if (BPF_SRC(in->code) == BPF_X)
			snprintf(buf, size, "%s%d %s %s%d", w, in->dst_reg,
				 alu_op(BPF_OP(in->code)), w, in->src_reg);
		else
			snprintf(buf, size, "%s%d %s %d", w, in->dst_reg,
				 alu_op(BPF_OP(in->code)), in->imm);
		return 1;
	}
	case BPF_LDX:
		snprintf(buf, size, "r%d = *(%s *)(r%d %+d)", in->dst_reg,
			 size_name(in->code), in->src_reg, in->off);
		return 1;
	case BPF_ST:
		snprintf(buf, size, "*(%s *)(r%d %+d) = %d", size_name(in->code),
			 in->dst_reg, in->off, in->imm);
		return 1;
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_ATOMIC) {
			if (in->imm == BPF_ADD)
				snprintf(buf, size, "lock *(%s *)(r%d %+d) += r%d",
					 size_name(in->code), in->dst_reg, in->off, in->src_reg);
			else if (in->imm == BPF_CMPXCHG)
				snprintf(buf, size, "r0 = atomic_cmpxchg((%s *)(r%d %+d), r0, r%d)",
					 size_name(in->code), in->dst_reg, in->off, in->src_reg);
			else
				snprintf(buf, size, "r%d = atomic_fetch_add((%s *)(r%d %+d), r%d)",
					 in->src_reg, size_name(in->code), in->dst_reg,
					 in->off, in->src_reg);
		} else {
			snprintf(buf, size, "*(%s *)(r%d %+d) = r%d", size_name(in->code),
				 in->dst_reg, in->off, in->src_reg);
		}
		return 1;
	case BPF_LD:
		if (left < 2) {
			snprintf(buf, size, "(truncated ld_imm64)");
			return 1;
		}
		if (in->src_reg == BPF_PSEUDO_FUNC)
			snprintf(buf, size, "r%d = func %+d", in->dst_reg, in->imm);
		else if (in->src_reg == BPF_PSEUDO_MAP_FD)
			snprintf(buf, size, "r%d = map[fd:%d] ll", in->dst_reg, in->imm);
		else
			snprintf(buf, size, "r%d = 0x%" PRIx64 " ll", in->dst_reg,
				 (uint64_t)(uint32_t)in[0].imm |
				 (uint64_t)(uint32_t)in[1].imm << 32);
		return 2;
	case BPF_JMP:
	case BPF_JMP32:
		switch (BPF_OP(in->code)) {
		case BPF_JA:
			snprintf(buf, size, "goto %+d", in->off);
			return 1;
		case BPF_CALL:
			snprintf(buf, size, "call %d", in->imm);
			return 1;
		case BPF_EXIT:
			snprintf(buf, size, "exit");
			return 1;
		}
		if (BPF_SRC(in->code) == BPF_X)
			snprintf(buf, size, "if r%d %s r%d goto %+d", in->dst_reg,
				 jmp_op(BPF_OP(in->code)), in->src_reg, in->off);
		else
			snprintf(buf, size, "if r%d %s %d goto %+d", in->dst_reg,
				 jmp_op(BPF_OP(in->code)), in->imm, in->off);
		return 1;
	}
	snprintf(buf, size, "(code 0x%02x)", in->code);
	return 1;
}
