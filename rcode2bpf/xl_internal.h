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
 *   r9     the context: struct xdp_md, or struct __sk_buff in TC mode
 * Helper calls clobber r1-r5, so live operand slots are spilled around
 * them; r6-r9 survive, but a call that changes the packet (adjust_tail,
 * and at TC change_tail, pull_data, l4_csum_replace, clone_redirect,
 * store_bytes) invalidates r6 and r8, which are then reloaded.
 */
#ifndef XL_INTERNAL_H
#define XL_INTERNAL_H

#include <stddef.h>
#include <linux/pkt_cls.h>
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
/* Sending (xl_net.c).  At TC the pseudo-header's share of the UDP
 * checksum is kept apart from the rest (bpf_l4_csum_replace() treats the
 * two differently for CHECKSUM_PARTIAL skbs); at XDP both go to FP_CSUM. */
#define FP_PSUM		(-488)	/* TC: pseudo-header delta of the message that leaves */
#define FP_SEND_N	(-496)	/* send: the copy's checksum delta (FP_CSUM + its own) */
#define FP_SEND_P	(-504)	/* send: the copy's pseudo-header delta */
#define FP_SCRATCH	(-512)	/* pointer: the scratch map value (SC_*);
				 * not in loop mode, where main's frame must
				 * leave room for the callback's (the kernel
				 * limits the two together to 512 bytes) and
				 * the loop frame holds the scratch area */
#define CB_PARENT	(-8)	/* in the callback's own stack: main's r10 */
#define CB_KEY		(-16)	/* in the callback's own stack: u32 0 */
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
	XL_END_FORWARD = RC_ACT_FORWARD,
	XL_END_FAULT = 100,
};

/*
 * The scratch area (per-CPU, RC_SCRATCH_SIZE bytes), for what does not
 * fit the 512-byte stack frame: the parameters of bpf_fib_lookup(), the
 * destination forward and send resolved, what send saves of the packet
 * while its copy leaves, and the record upcall writes.  The scratch map's value, or in loop mode
 * the loop frame's last RC_SCRATCH_SIZE bytes, from r9 up (xl_scratch).
 */
#define SC_FIB		0	/* struct bpf_fib_lookup, 64 bytes */
#define SC_KEY		64	/* u32: the rank, as the ranks map's key */
#define SC_CSUM0	72	/* send: skb->csum before (CHECKSUM_COMPLETE) */
#define RT_DMAC		80	/* route: next hop's MAC */
#define RT_SMAC		88	/* route: our MAC on the way out */
#define RT_PORT		94	/* route: UDP port, network order */
#define RT_IFINDEX	96	/* route: egress interface */
#define RT_SELF		100	/* route: R header src, network order */
#define RT_RANK		104	/* route: R header dst, network order */
#define RT_ADDR		112	/* route: IP address, 16 bytes */
#define SC_SAVE		128	/* send: the headers, up to 14+40+8+24 bytes */
#define SC_UPCALL	216	/* upcall: the struct rc_upcall it writes */
_Static_assert(SC_SAVE + 14 + 40 + 8 + RC_HDR_LEN <= SC_UPCALL,
	       "the scratch value holds what send saves");
_Static_assert(SC_UPCALL + sizeof(struct rc_upcall) <= RC_SCRATCH_SIZE,
	       "the scratch value holds an up-call record");
_Static_assert(sizeof(struct bpf_fib_lookup) <= SC_KEY, "fib params fit");

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
	bool emitted;	/* at an island, or at the end */
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
	bool tc;		/* SCHED_CLS on __sk_buff, not XDP */
	bool any_portal;	/* TC: no portal check (tests) */
	bool csum;		/* keeps FP_CSUM: edits, or sends (forward, send) */
	bool has_forward;	/* a reachable forward: the l_forward epilogue */
	/* Frame labels. */
	int l_not_ours, l_internal, l_fault, l_drop, l_pass, l_reply, l_forward;
	/* Payload bytes (from r8 + 24) the kernel verifier already knows are
	 * in the packet on the current straight-line path. */
	uint32_t proven;
	uint32_t island_at;	/* where the last island ended (rc_xlate.c) */
};

/* Offsets of the packet pointers in the context. */
static inline int16_t xl_off_data(const struct xl_ctx *x)
{
	return x->tc ? offsetof(struct __sk_buff, data) : offsetof(struct xdp_md, data);
}

static inline int16_t xl_off_data_end(const struct xl_ctx *x)
{
	return x->tc ? offsetof(struct __sk_buff, data_end) :
		       offsetof(struct xdp_md, data_end);
}

/* The interface the packet arrived on. */
static inline int16_t xl_off_ifindex(const struct xl_ctx *x)
{
	return x->tc ? offsetof(struct __sk_buff, ifindex) :
		       offsetof(struct xdp_md, ingress_ifindex);
}

/* xl_frame.c */
void xl_prologue(struct xl_ctx *x);
void xl_epilogue(struct xl_ctx *x);
/* A label that, when jumped to, ends the run with fault code at pc. */
int xl_fault_label(struct xl_ctx *x, uint32_t code, uint32_t pc);
/* Add the checksum contribution of replacing old (in r0, raw bytes as
 * loaded) by new (in r5) at a message offset of the given parity; stores
 * nothing; clobbers r0 and r5. */
void xl_csum_replace(struct xl_ctx *x, bool odd);
/* The same into the accumulator at frame offset acc (FP_CSUM, FP_PSUM,
 * FP_SEND_N, FP_SEND_P). */
void xl_csum_replace_acc(struct xl_ctx *x, bool odd, int acc);
/* r0 = r0 folded to 16 bits, not complemented; clobbers r5. */
void xl_csum_fold(struct xl_ctx *x);
/* r0 = the map value of a one-entry map, or jump to l_internal. */
void xl_lookup(struct xl_ctx *x, int fd);
/* *(u64 *)(r0 + off) += 1; r0 holds a stats map value. */
void xl_bump(struct xl_ctx *x, int off);
/* Fix the UDP and IP lengths after a resize; r2 = data (checked); the
 * checksum deltas go to acc (the UDP header's) and pacc (the
 * pseudo-header's). */
void xl_fix_lengths(struct xl_ctx *x, bool v6, int acc, int pacc);
/* r2 = data, known to reach past the R header of an IPv4/6 packet. */
void xl_load_data_checked(struct xl_ctx *x, bool v6);
/* The verdicts of the context. */
int xl_verdict_pass(const struct xl_ctx *x);
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
/* tmp = the scratch area (SC_*, RT_*). */
void xl_scratch(struct xl_ctx *x, int tmp);
/* Fault exits collected by xl_fault_label and not emitted yet, jumping to
 * l_fault. */
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

/* xl_net.c: forward, send, upcall; TC checksums */
/* forward at pc (depth d): resolve the rank, then end at l_forward. */
void xl_forward(struct xl_ctx *x, uint32_t pc, int d);
/* send at pc (depth d, TC only): a copy leaves, the run continues. */
void xl_send(struct xl_ctx *x, uint32_t pc, int d);
/* upcall at pc (depth d). */
void xl_upcall(struct xl_ctx *x, uint32_t pc, int d);
/* The forward epilogue: the message leaves for the resolved route. */
void xl_forward_epilogue(struct xl_ctx *x);
/* Fold the deltas in acc and pacc into the UDP checksum: at XDP directly
 * (pacc must be acc), at TC through bpf_l4_csum_replace() so that
 * CHECKSUM_PARTIAL and CHECKSUM_COMPLETE skbs stay right.  Reloads the
 * packet pointers. */
void xl_fold_checksum(struct xl_ctx *x, int acc, int pacc);
void xl_tc_fold(struct xl_ctx *x, int acc, int pacc);

#endif /* XL_INTERNAL_H */
