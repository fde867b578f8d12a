/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_icode.h - the in-kernel interpreter's code: what rcode2bpf/rc_icode.c
 * writes into a handler's code map and bpf/rc_interp.bpf.c executes.
 *
 * The interpreter does not execute R-code as written.  R-code is a stack
 * machine, but the verifier gives every pc one stack depth, so the slot
 * every operand lives in is known before the handler runs.  rc_icode.c
 * turns each instruction into a three-address operation on numbered slots
 * (a "uop"): v[0..15] are the operand stack, v[16..31] the locals.  Stack
 * shuffles become moves or vanish, 'push K' becomes an immediate operand
 * of the instruction that consumes it, 'ldl' a source slot, a comparison
 * followed by 'jz'/'jnz' one conditional jump.  Fewer, fatter dispatches
 * are what make an interpreter fast when every dispatch is a tree of
 * compares (eBPF has no indirect jump): docs/interp.md measures it.
 *
 * Exactness.  A uop stands for n >= 1 consecutive R-code instructions of
 * one basic block: a run of instructions that only move values between
 * slots (pure: no fault, no effect outside the slots) followed by at most
 * one instruction of any kind.  If the budget would run out inside the
 * run, the interpreter switches to the "single" stream (uops
 * RC_IC_SINGLE + pc, one per R-code pc, never fused) at the uop's first
 * pc, where the budget is checked instruction by instruction: the pure
 * instructions it had skipped have no effect anybody can see, so the
 * fault lands on exactly the reference interpreter's pc.  A uop that may
 * fault records the pc of its last instruction, the one that faults.
 *
 * Encoding of a uop, 16 bytes:
 *
 *    0     8     16    24    32    40    48          64
 *    +-----+-----+-----+-----+-----+-----+-----------+
 *    | op  |  d  |  a  |  b  |  n  | dep |    pc     |
 *    +-----+-----+-----+-----+-----+-----+-----------+
 *    |   target (u16) |  x (u16)   |     k (s32)      |  (k64 for MOVI64)
 *    +----------------+------------+------------------+
 *
 *   d, a, b  slot numbers (d: destination, a, b: sources)
 *   n        R-code instructions this uop executes (for the budget)
 *   dep      operand-stack high-water mark inside it (tracing)
 *   pc       R-code pc of its first instruction; faults report the pc of
 *            its last, pc + x (x: slots from the first to the last)
 *   target   uop index of a jump's destination
 *   k        immediate: constant, payload offset, data-area word, ...
 *
 * The op list below is this format's only table; the compiler, the
 * interpreter and the listing (rc_icode_listing) derive from it.
 *
 * 'send' has no uop: a copy that leaves while the run goes on needs
 * bpf_clone_redirect(), a TC helper, and the interpreter runs at XDP.
 * FORWARD ends the run; the interpreter checks the rank and rewrites the
 * frame after the loop (docs/interp.md, section 7).
 */
#ifndef RC_ICODE_H
#define RC_ICODE_H

#include <linux/types.h>

#define RC_IC_SLOTS	32		/* v[0..15] stack, v[16..31] locals */
#define RC_IC_LOCAL0	16
#define RC_IC_MAX	8192		/* uops in a code map, power of two */
#define RC_IC_SINGLE	4096		/* where the single stream starts */
#ifndef RC_IC_CHUNK
#define RC_IC_CHUNK	64		/* uops per bpf_loop callback run */
#endif

/*
 * RC_IC_OP(name, "semantics")
 * Suffix _r: the second operand is slot b; _i: it is the immediate k.
 */
#define RC_IC_OPS(X)							\
	X(NOP,     "count n instructions, nothing else")		\
	X(MOV,     "v[d] = v[a]")					\
	X(MOVI,    "v[d] = k (sign-extended)")				\
	X(MOVI64,  "v[d] = k64 (the next uop's 8 bytes)")		\
	X(SWAP,    "exchange v[d] and v[a]")				\
	X(ROT,     "v[d], v[d+1], v[d+2] = v[d+1], v[d+2], v[d]")	\
	X(ADD_R,   "v[d] = v[a] + v[b]")   X(ADD_I,  "v[d] = v[a] + k")	\
	X(SUB_R,   "v[d] = v[a] - v[b]")   X(SUB_I,  "v[d] = v[a] - k")	\
	X(MUL_R,   "v[d] = v[a] * v[b]")   X(MUL_I,  "v[d] = v[a] * k")	\
	X(AND_R,   "v[d] = v[a] & v[b]")   X(AND_I,  "v[d] = v[a] & k")	\
	X(OR_R,    "v[d] = v[a] | v[b]")   X(OR_I,   "v[d] = v[a] | k")	\
	X(XOR_R,   "v[d] = v[a] ^ v[b]")   X(XOR_I,  "v[d] = v[a] ^ k")	\
	X(SHL_R,   "v[d] = v[a] << (v[b] & 63)") X(SHL_I, "v[d] = v[a] << k") \
	X(SHR_R,   "v[d] = v[a] >> (v[b] & 63)") X(SHR_I, "v[d] = v[a] >> k") \
	X(SAR_R,   "v[d] = v[a] s>> (v[b] & 63)") X(SAR_I, "v[d] = v[a] s>> k") \
	X(DIV,     "v[d] = v[a] s/ v[b], fault div_zero")		\
	X(DIVU,    "v[d] = v[a] / v[b], fault div_zero")		\
	X(MOD,     "v[d] = v[a] s% v[b], fault div_zero")		\
	X(MODU,    "v[d] = v[a] % v[b], fault div_zero")		\
	X(NEG,     "v[d] = -v[a]")					\
	X(NOT,     "v[d] = ~v[a]")					\
	X(SEXT8,   "v[d] = sign-extend v[a] from bit 7")		\
	X(SEXT16,  "v[d] = sign-extend v[a] from bit 15")		\
	X(SEXT32,  "v[d] = sign-extend v[a] from bit 31")		\
	X(BSWAP16, "v[d] = bswap16(v[a])")				\
	X(BSWAP32, "v[d] = bswap32(v[a])")				\
	X(BSWAP64, "v[d] = bswap64(v[a])")				\
	/* comparisons as values: v[d] = 1 or 0 */			\
	X(EQ_R,  "v[a] == v[b]")  X(EQ_I,  "v[a] == k")		\
	X(NE_R,  "v[a] != v[b]")  X(NE_I,  "v[a] != k")		\
	X(LT_R,  "v[a] s< v[b]")  X(LT_I,  "v[a] s< k")		\
	X(LE_R,  "v[a] s<= v[b]") X(LE_I,  "v[a] s<= k")		\
	X(GT_R,  "v[a] s> v[b]")  X(GT_I,  "v[a] s> k")		\
	X(GE_R,  "v[a] s>= v[b]") X(GE_I,  "v[a] s>= k")		\
	X(LTU_R, "v[a] < v[b]")   X(LTU_I, "v[a] < k")		\
	X(LEU_R, "v[a] <= v[b]")  X(LEU_I, "v[a] <= k")		\
	X(GTU_R, "v[a] > v[b]")   X(GTU_I, "v[a] > k")		\
	X(GEU_R, "v[a] >= v[b]")  X(GEU_I, "v[a] >= k")		\
	/* control flow */						\
	X(JMP,     "goto target")					\
	X(JZ,      "if v[a] == 0 goto target")				\
	X(JNZ,     "if v[a] != 0 goto target")				\
	X(JEQ_R, "if v[a] == v[b] goto target") X(JEQ_I, "if v[a] == k goto target") \
	X(JNE_R, "if v[a] != v[b] goto target") X(JNE_I, "if v[a] != k goto target") \
	X(JLT_R, "if v[a] s< v[b] goto target") X(JLT_I, "if v[a] s< k goto target") \
	X(JLE_R, "if v[a] s<= v[b] goto target") X(JLE_I, "if v[a] s<= k goto target") \
	X(JGT_R, "if v[a] s> v[b] goto target") X(JGT_I, "if v[a] s> k goto target") \
	X(JGE_R, "if v[a] s>= v[b] goto target") X(JGE_I, "if v[a] s>= k goto target") \
	X(JLTU_R, "if v[a] < v[b] goto target") X(JLTU_I, "if v[a] < k goto target") \
	X(JLEU_R, "if v[a] <= v[b] goto target") X(JLEU_I, "if v[a] <= k goto target") \
	X(JGTU_R, "if v[a] > v[b] goto target") X(JGTU_I, "if v[a] > k goto target") \
	X(JGEU_R, "if v[a] >= v[b] goto target") X(JGEU_I, "if v[a] >= k goto target") \
	/* the message; b is the access width in bytes */		\
	X(LDH,     "v[d] = header field k")				\
	X(STH,     "header field k = v[a]")				\
	X(STHI,    "header field b = k")				\
	X(RESIZE,  "payload length = v[a], fault length")		\
	X(LDP,     "v[d] = payload[k], b bytes, fault msg_bounds")	\
	X(LDPX,    "v[d] = payload[v[a] + k], b bytes, fault msg_bounds") \
	X(STP,     "payload[k] = v[a], b bytes, fault msg_bounds")	\
	X(STPX,    "payload[v[d] + k] = v[a], b bytes, fault msg_bounds") \
	/* the data area; x of STSX etc. as above */			\
	X(LDS,     "v[d] = state[k]")					\
	X(LDSX,    "v[d] = state[k + v[a]], fault state_bounds")	\
	X(STS,     "state[k] = v[a]")					\
	X(STSX,    "state[k + v[d]] = v[a], fault state_bounds")	\
	X(XADDS,   "v[d] = fetch_add(state[k], v[a])")			\
	X(XADDSX,  "v[d] = fetch_add(state[k + v[d]], v[a]), fault state_bounds") \
	X(CASS,    "v[d] = cmpxchg(state[k], v[a], v[b])")		\
	X(CASSX,   "v[d] = cmpxchg(state[k + v[d]], v[d+1], v[d+2]), fault state_bounds") \
	/* windows: window b, k the word */				\
	X(LDW,     "v[d] = win[b][k]")					\
	X(LDWX,    "v[d] = win[b][k + v[a]], fault window_bounds")	\
	X(STW,     "win[b][k] = v[a]")					\
	X(STWX,    "win[b][k + v[d]] = v[a], fault window_bounds")	\
	X(XADDW,   "v[d] = fetch_add(win[b][k], v[a])")		\
	X(XADDWX,  "v[d] = fetch_add(win[b][k + v[d]], v[a]), fault window_bounds") \
	X(CLOCK,   "v[d] = monotonic time in ns")			\
	X(UPCALL,  "append v[a] and the header to the up-call ring")	\
	/* actions */							\
	X(DROP,    "end: consume")					\
	X(PASS,    "end: deliver")					\
	X(REPLY,   "end: send back")					\
	X(FORWARD, "end: send on to rank v[a], fault rank")

enum rc_uop_op {
#define RC_IC_ENUM(name, sem) RC_U_##name,
	RC_IC_OPS(RC_IC_ENUM)
#undef RC_IC_ENUM
	RC_U__COUNT
};

struct rc_uop {
	__u8 op;
	__u8 d, a, b;
	__u8 n;
	__u8 dep;
	__u16 pc;
	__u16 target;
	__u16 x;
	__s32 k;
};

/* Flags of struct rc_icode. */
#define RC_IC_F_SNAPSHOT	0x1	/* an edit may be followed by a fault:
					 * copy the message before running */
#define RC_IC_F_EDITS		0x2	/* stores to the message: checksum */

/*
 * The value of a handler's code map (one-entry array).  Fixed size, so
 * that every handler's code map has the shape the interpreter's
 * array-of-maps was created with.
 */
struct rc_icode {
	__u32 magic;		/* RC_IC_MAGIC */
	__u32 flags;		/* RC_IC_F_* */
	__u32 budget;		/* R-code instructions per run */
	__u32 nuops;		/* fused stream length */
	__u32 state_words;
	__u32 nwindows;
	__u32 window_words[8];
	__u32 portal;		/* the handler's own portal */
	__u32 rsvd;
	struct rc_uop u[RC_IC_MAX];
};
#define RC_IC_MAGIC	0x52434943	/* "RCIC" */

/*
 * Tracing (the second, logging interpreter): per CPU and per handler, what
 * its runs did.  Summed over CPUs by readers.  uop_runs[i] counts the runs
 * of uop i; rc_icode_listing maps it back to R-code pcs.
 */
#define RC_TRACE_HIST	24	/* time histogram: bucket i holds runs
				 * that took [2^i, 2^(i+1)) ns */
struct rc_trace {
	__u64 runs;		/* invocations traced */
	__u64 insns;		/* R-code instructions executed */
	__u64 insns_max;	/* most in one run */
	__u64 ns_total;		/* time in the interpreter */
	__u64 ns_max;
	__u64 stack_max;	/* operand-stack high-water mark */
	__u64 state_reads, state_writes;	/* data-area word accesses */
	__u64 win_reads[8], win_writes[8];	/* window word accesses */
	__u64 msg_reads, msg_writes;		/* payload and header accesses */
	__u64 hist[RC_TRACE_HIST];
	__u64 uop_runs[RC_IC_MAX];
};

#endif /* RC_ICODE_H */
