/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xl_insn.h - building eBPF instructions, in the manner of the kernel's
 * tools/include/linux/filter.h: each macro is one instruction, so the
 * translator's emitting code reads like the listing it produces.
 *
 * Jumps name a label instead of an offset; xl_emit.c resolves them when
 * the program is complete.
 */
#ifndef XL_INSN_H
#define XL_INSN_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };

#define XL_INSN(CODE, DST, SRC, OFF, IMM)                                   \
	((struct bpf_insn){ .code = (CODE), .dst_reg = (DST), .src_reg = (SRC), \
			    .off = (OFF), .imm = (IMM) })

#define ALU64_REG(OP, DST, SRC)	XL_INSN(BPF_ALU64 | BPF_OP(OP) | BPF_X, DST, SRC, 0, 0)
#define ALU64_IMM(OP, DST, IMM)	XL_INSN(BPF_ALU64 | BPF_OP(OP) | BPF_K, DST, 0, 0, IMM)
#define MOV64_REG(DST, SRC)	ALU64_REG(BPF_MOV, DST, SRC)
#define MOV64_IMM(DST, IMM)	ALU64_IMM(BPF_MOV, DST, IMM)
/* 32-bit move: zero-extends, so it doubles as "truncate to 32 bits". */
#define MOV32_REG(DST, SRC)	XL_INSN(BPF_ALU | BPF_MOV | BPF_X, DST, SRC, 0, 0)
#define NEG64(DST)		XL_INSN(BPF_ALU64 | BPF_NEG, DST, 0, 0, 0)
/* Byte swap to big-endian: on a little-endian host this swaps the low
 * LEN bits and clears the rest (LEN 16, 32, 64). */
#define BSWAP_BE(DST, LEN)	XL_INSN(BPF_ALU | BPF_END | BPF_TO_BE, DST, 0, 0, LEN)

#define LDX_MEM(SZ, DST, SRC, OFF)	XL_INSN(BPF_LDX | BPF_SIZE(SZ) | BPF_MEM, DST, SRC, OFF, 0)
#define STX_MEM(SZ, DST, SRC, OFF)	XL_INSN(BPF_STX | BPF_SIZE(SZ) | BPF_MEM, DST, SRC, OFF, 0)
#define ST_MEM(SZ, DST, OFF, IMM)	XL_INSN(BPF_ST | BPF_SIZE(SZ) | BPF_MEM, DST, 0, OFF, IMM)
/* BPF_ADD|BPF_FETCH leaves the old value in SRC; BPF_CMPXCHG compares
 * with R0 and leaves the old value in R0. */
#define ATOMIC_OP(SZ, OP, DST, SRC, OFF) XL_INSN(BPF_STX | BPF_SIZE(SZ) | BPF_ATOMIC, DST, SRC, OFF, OP)

#define JMP_REG(OP, DST, SRC)	XL_INSN(BPF_JMP | BPF_OP(OP) | BPF_X, DST, SRC, 0, 0)
#define JMP_IMM(OP, DST, IMM)	XL_INSN(BPF_JMP | BPF_OP(OP) | BPF_K, DST, 0, 0, IMM)
#define JA()			XL_INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0)
#define CALL(FUNC)		XL_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, FUNC)
#define EXIT_INSN()		XL_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The emitter: a growing instruction buffer with labels. */
struct xl_fixup {
	uint32_t insn;	/* index of the jump, or of a ld_imm64 of a function */
	int label;
	bool func;	/* BPF_PSEUDO_FUNC: the offset goes in imm */
};

struct xl_buf {
	struct bpf_insn *insns;
	uint32_t n, cap;
	int32_t *labels;	/* label -> insn index, -1 while unbound */
	uint32_t nlabels, labcap;
	struct xl_fixup *fixups;
	uint32_t nfixups, fixcap;
	uint8_t *cold;		/* per label: an exit that rarely runs */
	uint8_t *used;		/* per label: some jump goes there */
	/* Emit conditional jumps to cold labels inverted, over a 'goto':
	 * the kernel verifier then explores the short cold path first
	 * instead of leaving it pending (it gives up at 8192 pending
	 * branches, which a loop verified iteration by iteration reaches). */
	bool invert_cold;
	bool oom;
};

void xl_emit(struct xl_buf *b, struct bpf_insn insn);
/* A 64-bit immediate load takes two slots. */
void xl_ld_imm64(struct xl_buf *b, int dst, uint64_t imm);
void xl_ld_map_fd(struct xl_buf *b, int dst, int fd);
/* dst = address of the subprogram starting at label (for bpf_loop). */
void xl_ld_func(struct xl_buf *b, int dst, int label);
int xl_label(struct xl_buf *b);
void xl_bind(struct xl_buf *b, int label);
void xl_mark_cold(struct xl_buf *b, int label);
/* Emit a jump (JMP_REG/JMP_IMM/JA) whose target is label. */
void xl_jmp(struct xl_buf *b, struct bpf_insn jump, int label);
/* Does any jump emitted so far go to label?  (The kernel rejects
 * unreachable instructions, so unused code is not emitted at all.) */
bool xl_label_used(const struct xl_buf *b, int label);
bool xl_label_bound(const struct xl_buf *b, int label);
bool xl_label_cold(const struct xl_buf *b, int label);
/* Resolve every jump; returns 0, or -ERANGE for an unbound label or an
 * offset beyond 16 bits, -ENOMEM if any emit failed. */
int xl_finish(struct xl_buf *b);
void xl_buf_free(struct xl_buf *b);

/* One instruction as text, in the kernel verifier's notation
 * ("r0 = *(u32 *)(r9 +4)"); returns slots consumed (2 for ld_imm64). */
int xl_format_insn(const struct bpf_insn *insn, uint32_t left, char *buf,
		   size_t size);

#define EMIT(b, insn)		xl_emit(b, insn)
#define JMP_TO(b, insn, lbl)	xl_jmp(b, insn, lbl)

#endif /* XL_INSN_H */
