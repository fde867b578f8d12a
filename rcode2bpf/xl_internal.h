/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xl_internal.h - what the translator's two halves share: rc_xlate.c
 * translates instructions, xl_frame.c emits the frame around them
 * (packet parsing, map lookups, actions, faults, statistics).
 *
 * Registers of the emitted program:
 *   r1-r4  operand-stack slots 0..3 (deeper slots live in the stack frame)
 *   r0,r5  scratch
 *   r6     packet end (data_end)
 *   r7     the data area (map value), when the handler has one
 *   r8     the R-message header in the packet; payload at r8 + 24
 *   r9     the XDP context
 * Helper calls clobber r1-r5, so live operand slots are spilled around
 * them; r6-r9 survive, but a call that changes the packet (adjust_tail)
 * invalidates r6 and r8, which are then reloaded.
 */
#ifndef XL_INTERNAL_H
#define XL_INTERNAL_H

#include "rc_xlate.h"
#include "rc_abi.h"
#include "xl_insn.h"

/* Stack frame (offsets from r10). */
#define FP_STK(i)	(-8 * ((i) + 1))		/* operand slot homes, 16 */
#define FP_LOCAL(j)	(-136 - 8 * (j))		/* 16 locals */
#define FP_WIN(k)	(-264 - 8 * (k))		/* 8 window pointers */
#define FP_HDROFF	(-328)	/* R header offset from data: 42 or 62 */
#define FP_IPV		(-336)	/* 4 or 6 */
#define FP_CSUM		(-344)	/* checksum delta, a sum taken mod 0xffff */
#define FP_CNT		(-352)	/* instructions counted (budget checks) */
#define FP_KEY		(-360)	/* u32 0: the key of every one-entry map */
#define FP_SNAP		(-376)	/* snapshot buffer (map value) */
#define FP_ORIGLEN	(-384)	/* payload length on entry */
#define FP_FCODE	(-392)	/* fault code */
#define FP_FPC		(-400)	/* fault pc */
#define FP_TMP		(-408)	/* scratch for one instruction */
#define FP_TMP2		(-416)
/* Handlers with loops run as a bpf_loop callback that reaches this frame
 * through r9 (see xl_loop_main); these slots carry what registers would. */
#define FP_XDPCTX	(-424)	/* the XDP context */
#define FP_STATE	(-432)	/* the data area */
#define FP_RESUME	(-440)	/* pc the next callback run starts at */
#define FP_LOOPACT	(-448)	/* how the callback ended, XL_END_* */
#define FP_FRAMEPTR	(-456)	/* the loop frame (map value + 512) */
#define FP_ITER		(-464)	/* inline loops: back edges taken */
#define FP_LENOLD	(-472)	/* fix_lengths: the old UDP length field */
#define FP_LENNEW	(-480)	/* fix_lengths: the new one */
#define CB_PARENT	(-8)	/* in the callback's own stack: main's r10 */
#define XL_FRAME_SIZE	512

/*
 * In loop mode the scalar slots above live in a per-CPU map value (the
 * loop frame, r9 = value + 512 so the same negative offsets work), not on
 * the stack: the kernel verifier tracks no values in map memory, so the
 * state at the callback's entry repeats after one run and its
 * verification converges however long the handler loops.  Pointers
 * cannot be stored in map values; they stay on the main program's stack
 * (FP_WIN, FP_SNAP, FP_XDPCTX, FP_STATE, FP_FRAMEPTR), reached through
 * xl_ptr_slot().
 */

enum {
	XL_END_NONE = 0,	/* only if bpf_loop ran out: cannot happen */
	XL_END_DROP = RC_ACT_DROP,
	XL_END_PASS = RC_ACT_PASS,
	XL_END_REPLY = RC_ACT_REPLY,
	XL_END_FAULT = 100,
};

#define MSG_PAYLOAD	RC_HDR_LEN	/* payload offset from r8 */
#define CSUM_MOD	0xffff

/* A back edge of a handler with loops: leave the callback, resume at
 * target on the next one. */
struct xl_backedge {
	int label;	/* the jump's way out of the callback */
	int entry;	/* the next run's way in */
	uint32_t target;
};

/* A fault exit waiting to be emitted after the code. */
struct xl_stub {
	int label;
	uint32_t code, pc;
};

struct xl_ctx {
	struct xl_buf b;
	const struct rc_prog *prog;
	const struct rc_verinfo *vi;
	const struct rc_xlate_maps *maps;
	struct rc_xlate_plan plan;
	struct rc_diags *d;
	uint16_t port;
	bool has_resize;
	uint32_t locals_read;	/* bit j: some ldl reads local j */
	int *pc_label;		/* label of each leader pc */
	uint32_t *maxc;		/* most instructions executed before pc */
	uint32_t *rc_to_bpf;
	struct xl_stub *stubs;
	uint32_t nstubs, stubcap;
	struct xl_backedge *backedges;
	uint32_t nbackedges, becap;
	/* Frame base: r10 in the main program, r9 in the loop callback. */
	int fb;
	bool loop;		/* the handler has loops: bpf_loop mode */
	bool in_callback;	/* emitting the callback's code */
	bool inline_loops;	/* loop mode without bpf_loop (no JIT) */
	/* Frame labels. */
	int l_not_ours, l_internal, l_fault, l_drop, l_pass, l_reply;
	/* Payload bytes (from r8 + 24) the kernel verifier already knows are
	 * in the packet on the current straight-line path. */
	uint32_t proven;
};

/* xl_frame.c */
void xl_prologue(struct xl_ctx *x);
void xl_epilogue(struct xl_ctx *x);
/* A label that, when jumped to, ends the run with fault code at pc. */
int xl_fault_label(struct xl_ctx *x, uint32_t code, uint32_t pc);
/* Add the checksum contribution of replacing old (in r0, raw bytes as
 * loaded) by new (in r5) at a message offset of the given parity; stores
 * nothing; clobbers r0 and r5. */
void xl_csum_replace(struct xl_ctx *x, bool odd);
/* Spill / reload operand slots 0..n-1 that live in registers. */
void xl_spill(struct xl_ctx *x, int n);
void xl_reload(struct xl_ctx *x, int n);
/* Reload r6 and r8 after a helper that changed the packet; jumps to
 * l_internal if the header is (impossibly) gone. */
void xl_reload_packet(struct xl_ctx *x);
/* Emit the resize instruction at pc with depth d. */
void xl_resize(struct xl_ctx *x, uint32_t pc, int d);
/* The XDP context in a register: r9 in the main program, loaded from the
 * frame into tmp in the loop callback.  Returns the register. */
int xl_ctx_reg(struct xl_ctx *x, int tmp);
/* Load a slot of main's stack (a pointer, or a constant the kernel
 * verifier must see) into tmp, from the main program or the callback. */
void xl_ptr_slot(struct xl_ctx *x, int slot, int tmp);
/* Fault exits collected by xl_fault_label, jumping to l_fault. */
void xl_emit_fault_stubs(struct xl_ctx *x);
/* Loop mode: the main program's call of the callback and its dispatch on
 * how the callback ended; then (with fb = r9) the callback's entry. */
void xl_loop_main(struct xl_ctx *x, int l_callback);
/* Loop mode without callbacks (no JIT): the frame, and back edges that
 * jump straight back under an iteration guard. */
void xl_loop_frame(struct xl_ctx *x);
void xl_inline_backedges(struct xl_ctx *x);
void xl_loop_callback_entry(struct xl_ctx *x);
/* Loop mode: the callback's exits and back-edge stubs. */
void xl_loop_callback_exits(struct xl_ctx *x);
int xl_backedge_label(struct xl_ctx *x, uint32_t target);

#endif /* XL_INTERNAL_H */
