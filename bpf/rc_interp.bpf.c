// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_interp.bpf.c - the in-kernel R-code interpreter.
 *
 * One XDP program serves every portal of an interface whose handler was
 * installed on the interpreter path: it reads the portal from the
 * R-message, finds that handler's code, data area, statistics and windows
 * through arrays of maps indexed by portal, and runs the code.  Installing
 * a handler therefore loads no program: userlib writes the handler's uops
 * (rcode2bpf/rc_icompile.c, format in bpf/rc_icode.h) into a new code map
 * and swaps it into 'ic_code'.
 *
 * The uops run in a bpf_loop() callback, RC_IC_CHUNK uops per call.  All
 * interpreter state (the 32 slots, pc, counters) lives in a per-CPU map
 * value, so the kernel verifier sees the same state at the top of every
 * iteration and verifies the body once per iteration of the bounded inner
 * loop, whatever the handler does; every index into it is masked.
 *
 * Semantics are docs/rcode.md's and the translator's (docs/xlate.md):
 * the same packet checks, checksum upkeep, snapshot and undo on a fault,
 * statistics and verdicts.  docs/interp.md describes the design and its
 * measurements.
 *
 * Built once; it holds two programs: rc_interp, and rc_interp_trace, the
 * seeds' "logging interpreter", which also records per handler what every
 * run executed (struct rc_trace) in the handler's trace map.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "rc_abi.h"
#include "rc_icode.h"

/* enum rc_fault and enum rc_action (rcode2bpf/rcode.h), which BPF code
 * cannot include; the numbers are ABI. */
#define F_DIV_ZERO	1
#define F_MSG_BOUNDS	2
#define F_STATE_BOUNDS	3
#define F_WINDOW_BOUNDS	4
#define F_BUDGET	5
#define F_LENGTH	6
#define F_ILLEGAL	7
#define F_RANK		8

#define AF_INET		2	/* bpf_fib_lookup's families */
#define AF_INET6	10

/* How a run ended (struct ic_frame.act). */
#define END_NONE	0
#define END_DROP	1
#define END_PASS	2
#define END_REPLY	3
#define END_FAULT	4
#define END_FORWARD	5	/* to f->rank, checked after the loop */

#define STATE_WORDS	256	/* RC_STATE_MAX: every data area's value size */
#define SNAP_SIZE	(RC_ABI_HDR_LEN + RC_ABI_PAYLOAD_MAX)

const volatile __u16 rc_port = RC_ABI_DEFAULT_PORT;

/* ---- maps: per portal, through arrays of maps ---------------------------- */
/*
 * The inner maps' shapes are set by userlib (rcode_interp.c) with template
 * maps before loading: clang describes structs reached through two levels
 * of pointers (an __array() of map definitions) only as forward
 * declarations, from which libbpf cannot size an inner map.  The shapes:
 *   ic_code     array, 1 entry of struct rc_icode
 *   ic_state    array, 1 entry of struct ic_state_value
 *   ic_stats    per-CPU array, 1 entry of struct rc_handler_stats
 *   ic_windows  array of __u64 (BPF_F_MMAPABLE | BPF_F_INNER_MAP): one
 *               word per entry, so windows of every size fit; mmap shows
 *               it as one array of words all the same.  Key: portal * 8 +
 *               window number.
 *   ic_trace    array, 1 entry of struct rc_trace
 *   ic_upcalls  ring buffer of RC_ABI_UPCALL_RING bytes (struct rc_upcall
 *               records): each handler that upcalls has its own, so the
 *               application waits on its handler's ring only
 */
struct ic_state_value {
	__u64 w[STATE_WORDS];
};

#define OUTER(name, n)						\
	struct {						\
		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);	\
		__uint(max_entries, n);				\
		__uint(key_size, sizeof(__u32));		\
		__uint(value_size, sizeof(__u32));		\
	} name SEC(".maps")

OUTER(ic_code, RC_ABI_PORTALS);
OUTER(ic_state, RC_ABI_PORTALS);
OUTER(ic_stats, RC_ABI_PORTALS);
OUTER(ic_windows, RC_ABI_PORTALS * 8);
OUTER(ic_trace, RC_ABI_PORTALS);
OUTER(ic_upcalls, RC_ABI_PORTALS);

/* The interface's rank table (bpf/rc_abi.h): userlib makes this object
 * reuse the one pinned for the interface (rcode_interp_opts.ranks_fd). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RC_ABI_RANKS_MAX);
	__type(key, __u32);
	__type(value, struct rc_rank);
} ic_ranks SEC(".maps");

/* Packets the interpreter could not give to any handler. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rc_interp_stats);
} ic_misc SEC(".maps");

/* ---- the run's state, per CPU --------------------------------------------- */
struct ic_frame {
	__u64 v[RC_IC_SLOTS];
	__u64 cnt;		/* R-code instructions executed */
	__u64 csum;		/* checksum change of the edits so far */
	__u32 pc;		/* next uop */
	__u32 act;		/* END_* */
	__u32 fcode, fpc;
	__u32 len;		/* payload length now */
	__u32 origlen;		/* on entry */
	__u32 hdroff;		/* R header offset in the frame: 42 or 62 */
	__u32 resized;
	__u64 rank;		/* END_FORWARD: where to */
	__u32 upcalls, upcall_lost;	/* this run's */
	__u64 sm;		/* tracing: operand-stack high-water mark */
	__u64 state_reads, state_writes, msg_reads, msg_writes;
	__u64 win_reads[8], win_writes[8];
	__u8 snap[SNAP_SIZE];	/* the message as it came, for undo */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ic_frame);
} ic_frame SEC(".maps");

/* What the callback needs, on the main program's stack. */
struct ictx {
	struct xdp_md *xdp;
	struct ic_frame *f;
	struct rc_icode *code;
	struct ic_state_value *state;
	struct rc_trace *tr;
	__u32 portal;
};

/* ---- checksum: docs/xlate.md, section 7 ---------------------------------- */
static __always_inline __u64 fold32(__u64 v)
{
	return (v & 0xffffffff) + (v >> 32);
}

static __always_inline __u64 fold16(__u64 s)
{
	s = fold32(s);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

/* The change, congruent modulo 0xffff, of w bytes at payload offset o
 * going from old to new (both read little-endian).  An odd offset weighs
 * every byte by 2^8. */
static __always_inline __u64 csum_delta(__u64 old, __u64 new, __u32 w, __u64 o)
{
	__u64 d;

	/* ~x is -x modulo 0xffff only over 16, 32 or 64 bits (2^16 = 1):
	 * a byte is complemented as a 16-bit word. */
	if (w == 8)
		d = fold32(~old) + fold32(new);
	else if (w == 4)
		d = (__u32)~old + new;
	else
		d = (0xffff - old) + new;
	if (o & 1)
		d = fold16(d) << 8;
	return d;
}

/*
 * Sum, as the UDP checksum sees it, of the packet bytes [from, to): what
 * a shrinking resize removes.  A global function, so the kernel verifies
 * its loop once rather than at every place the interpreter could call it.
 */
__noinline int ic_sum_bytes(struct xdp_md *ctx, __u32 from, __u32 to)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 s = 0;

	for (__u32 i = 0; i < SNAP_SIZE + 64; i++) {
		__u32 o = from + i;
		__u8 *p;

		if (o >= to)
			break;
		/* A bound the kernel verifier sees (clang would fold a
		 * plain compare into the one above). */
		asm volatile("%0 &= 0x7ff" : "+r"(o));
		p = data + o;
		if ((void *)(p + 1) > data_end)
			return -1;
		/* The UDP header starts at an even offset in the frame. */
		s += (o & 1) ? (__u64)*p << 8 : *p;
	}
	return fold16(s);
}

/* ---- the uops ------------------------------------------------------------- */
/*
 * upcall: a struct rc_upcall into the handler's ring, the header as it is
 * now.  A function of its own, so that the loop every uop runs keeps its
 * registers: inline, the record and the values it needs changed the
 * allocation of the whole loop (more spills), and the spin loop's cost
 * per instruction rose by some 6% (bench_spin, on a busy host); apart,
 * the loop compiles to the code it had without up-calls.
 */
static __noinline void ic_upcall(struct ictx *c, __u64 v)
{
	struct ic_frame *f = c->f;
	struct xdp_md *xdp = c->xdp;
	void *data = (void *)(long)xdp->data;
	void *data_end = (void *)(long)xdp->data_end;
	__u8 *hdr = data + (f->hdroff & 127);
	__u32 key = c->portal;
	struct rc_upcall r;
	void *ring;

	if ((void *)(hdr + RC_ABI_HDR_LEN) > data_end) {
		f->upcall_lost++;	/* cannot happen: checked on entry */
		return;
	}
	ring = bpf_map_lookup_elem(&ic_upcalls, &key);
	r.value = v;
	r.ns = bpf_ktime_get_ns();
	r.portal = bpf_ntohs(*(__u16 *)(hdr + RC_WOFF_PORTAL));
	r.src = bpf_ntohl(*(__u32 *)(hdr + RC_WOFF_SRC));
	r.tag = bpf_ntohl(*(__u32 *)(hdr + RC_WOFF_TAG));
	r.seq = bpf_ntohl(*(__u32 *)(hdr + RC_WOFF_SEQ));
	/* A full ring loses the record, not the run. */
	if (ring && !bpf_ringbuf_output(ring, &r, sizeof(r), 0))
		f->upcalls++;
	else
		f->upcall_lost++;
}

static __always_inline void trace_max(__u64 *m, __u64 v)
{
	if (v > *m)
		*m = v;
}

/*
 * Run up to RC_IC_CHUNK uops.  Returns 0 to be called again, 1 when the
 * run has ended (f->act says how).
 */
static __always_inline long chunk(struct ictx *c, const bool trace)
{
	struct ic_frame *f = c->f;
	struct rc_icode *code = c->code;
	__u64 *st = c->state->w;
	struct rc_trace *tr = c->tr;
	struct xdp_md *xdp = c->xdp;
	void *data = (void *)(long)xdp->data;
	void *data_end = (void *)(long)xdp->data_end;
	__u8 *hdr = data + (f->hdroff & 127), *pay;
	__u32 budget = code->budget, pc = f->pc & (RC_IC_MAX - 1);
	__u64 cnt = f->cnt;

	if ((void *)(hdr + RC_ABI_HDR_LEN) > data_end) {
		f->act = END_FAULT;	/* cannot happen: checked on entry */
		f->fcode = F_ILLEGAL;
		return 1;
	}
	pay = hdr + RC_ABI_HDR_LEN;

#pragma clang loop unroll(disable)
	for (int j = 0; j < RC_IC_CHUNK; j++) {
		struct rc_uop *u = &code->u[pc];
		/* Branches fall through to pc + 1; every other uop goes to
		 * its target: pc + 1, or where a 'jmp' fused into it goes. */
		__u32 next = u->target, op = u->op, n = u->n;
		__u64 k = (__u64)(__s64)u->k, a, b, *p;
		__u32 w = u->b, d = u->d & (RC_IC_SLOTS - 1);
		__u64 *v = f->v;

		if (cnt + n > budget) {
			/* Maybe inside this uop: go on instruction by
			 * instruction from its first pc. */
			if (pc < RC_IC_SINGLE) {
				pc = RC_IC_SINGLE + (u->pc & (RC_IC_SINGLE - 1));
				continue;
			}
			f->fcode = F_BUDGET;
			f->fpc = u->pc;
			cnt = budget;
			goto fault;
		}
		cnt += n;
		if (trace) {
			trace_max(&f->sm, u->dep);
			if (tr)
				__sync_fetch_and_add(&tr->uop_runs[pc & (RC_IC_MAX - 1)], 1);
		}
		a = v[u->a & (RC_IC_SLOTS - 1)];
		b = v[u->b & (RC_IC_SLOTS - 1)];

#define FAULT(code)						\
		do {						\
			f->fcode = (code);			\
			f->fpc = u->pc + u->x;			\
			goto fault;				\
		} while (0)
#define SET(val)	(v[d] = (val))

		switch (op) {
		case RC_U_NOP:
			break;
		case RC_U_MOV:
			SET(a);
			break;
		case RC_U_MOVI:
			SET(k);
			break;
		case RC_U_MOVI64: {
			struct rc_uop *hi = &code->u[(pc + 1) & (RC_IC_MAX - 1)];

			SET((__u32)u->k | (__u64)(__u32)hi->k << 32);
			break;
		}
		case RC_U_SWAP:
			v[u->a & (RC_IC_SLOTS - 1)] = v[d];
			SET(a);
			break;
		case RC_U_ROT:
			a = v[d];
			v[d] = v[(d + 1) & (RC_IC_SLOTS - 1)];
			v[(d + 1) & (RC_IC_SLOTS - 1)] = v[(d + 2) & (RC_IC_SLOTS - 1)];
			v[(d + 2) & (RC_IC_SLOTS - 1)] = a;
			break;

#define BIN(name, expr)						\
		case RC_U_##name##_R:				\
			SET(expr);				\
			break;					\
		case RC_U_##name##_I:				\
			b = k;					\
			SET(expr);				\
			break;
		BIN(ADD, a + b)
		BIN(SUB, a - b)
		BIN(MUL, a * b)
		BIN(AND, a & b)
		BIN(OR, a | b)
		BIN(XOR, a ^ b)
		BIN(SHL, a << (b & 63))
		BIN(SHR, a >> (b & 63))
		BIN(SAR, (__u64)((__s64)a >> (b & 63)))
		BIN(EQ, a == b)
		BIN(NE, a != b)
		BIN(LT, (__s64)a < (__s64)b)
		BIN(LE, (__s64)a <= (__s64)b)
		BIN(GT, (__s64)a > (__s64)b)
		BIN(GE, (__s64)a >= (__s64)b)
		BIN(LTU, a < b)
		BIN(LEU, a <= b)
		BIN(GTU, a > b)
		BIN(GEU, a >= b)
#undef BIN

#define JCC(name, expr)						\
		case RC_U_J##name##_R:				\
			if (!(expr))				\
				next = pc + 1;			\
			break;					\
		case RC_U_J##name##_I:				\
			b = k;					\
			if (!(expr))				\
				next = pc + 1;			\
			break;
		JCC(EQ, a == b)
		JCC(NE, a != b)
		JCC(LT, (__s64)a < (__s64)b)
		JCC(LE, (__s64)a <= (__s64)b)
		JCC(GT, (__s64)a > (__s64)b)
		JCC(GE, (__s64)a >= (__s64)b)
		JCC(LTU, a < b)
		JCC(LEU, a <= b)
		JCC(GTU, a > b)
		JCC(GEU, a >= b)
#undef JCC
		case RC_U_JMP:
			next = u->target;
			break;
		case RC_U_JZ:
			if (a)
				next = pc + 1;
			break;
		case RC_U_JNZ:
			if (!a)
				next = pc + 1;
			break;

		/* Linux 6.1 has only unsigned division: divide magnitudes,
		 * then fix the signs (INT64_MIN / -1 wraps, as R-code says). */
		case RC_U_DIV:
		case RC_U_MOD: {
			__u64 ua = (__s64)a < 0 ? -a : a;
			__u64 ub = (__s64)b < 0 ? -b : b;

			if (!b)
				FAULT(F_DIV_ZERO);
			if (op == RC_U_DIV) {
				ua /= ub;
				SET(((__s64)a < 0) != ((__s64)b < 0) ? -ua : ua);
			} else {
				ua %= ub;
				SET((__s64)a < 0 ? -ua : ua);
			}
			break;
		}
		case RC_U_DIVU:
			if (!b)
				FAULT(F_DIV_ZERO);
			SET(a / b);
			break;
		case RC_U_MODU:
			if (!b)
				FAULT(F_DIV_ZERO);
			SET(a % b);
			break;
		case RC_U_NEG:
			SET(-a);
			break;
		case RC_U_NOT:
			SET(~a);
			break;
		case RC_U_SEXT8:
			SET((__u64)((__s64)(a << 56) >> 56));
			break;
		case RC_U_SEXT16:
			SET((__u64)((__s64)(a << 48) >> 48));
			break;
		case RC_U_SEXT32:
			SET((__u64)((__s64)(a << 32) >> 32));
			break;
		case RC_U_BSWAP16:
			SET(__builtin_bswap16(a));
			break;
		case RC_U_BSWAP32:
			SET(__builtin_bswap32(a));
			break;
		case RC_U_BSWAP64:
			SET(__builtin_bswap64(a));
			break;

		/* ---- the message ---- */
		case RC_U_LDH:
			if (trace)
				f->msg_reads++;
			switch (u->k) {
			case 0:
				SET(bpf_ntohl(*(__u32 *)(hdr + RC_WOFF_SRC)));
				break;
			case 1:
				SET(bpf_ntohl(*(__u32 *)(hdr + RC_WOFF_DST)));
				break;
			case 2:
				SET(bpf_ntohs(*(__u16 *)(hdr + RC_WOFF_PORTAL)));
				break;
			case 3:
				SET(bpf_ntohl(*(__u32 *)(hdr + RC_WOFF_TAG)));
				break;
			case 4:
				SET(bpf_ntohl(*(__u32 *)(hdr + RC_WOFF_SEQ)));
				break;
			default:
				SET(f->len);
				break;
			}
			break;
		case RC_U_STH:
		case RC_U_STHI: {
			__u32 field = op == RC_U_STH ? u->k : w;
			__u64 val = op == RC_U_STH ? a : k;

			if (trace)
				f->msg_writes++;
			if (field == 2) {
				__u16 *q = (__u16 *)(hdr + RC_WOFF_PORTAL);
				__u16 old = *q, nv = bpf_htons(val);

				*q = nv;
				f->csum += csum_delta(old, nv, 2, 0);
			} else {
				__u32 *q = (__u32 *)(hdr + (field == 3 ?
						RC_WOFF_TAG : RC_WOFF_SEQ));
				__u32 old = *q, nv = bpf_htonl(val);

				*q = nv;
				f->csum += csum_delta(old, nv, 4, 0);
			}
			break;
		}
		case RC_U_RESIZE: {
			__u32 len = f->len & 0x7ff;
			__u16 oldf, newf;
			int s;

			if (a > RC_ABI_PAYLOAD_MAX)
				FAULT(F_LENGTH);
			if (trace)
				f->msg_writes++;
			if (a < len) {
				__u32 base = (f->hdroff & 127) + RC_ABI_HDR_LEN;

				s = ic_sum_bytes(xdp, base + a, base + len);
				if (s < 0)
					FAULT(F_LENGTH);
				f->csum += 0xffff - s;
			}
			if (bpf_xdp_adjust_tail(xdp, (int)a - (int)len))
				FAULT(F_LENGTH);
			data = (void *)(long)xdp->data;
			data_end = (void *)(long)xdp->data_end;
			hdr = data + (f->hdroff & 127);
			if ((void *)(hdr + RC_ABI_HDR_LEN) > data_end)
				FAULT(F_LENGTH);
			oldf = *(__u16 *)(hdr + RC_WOFF_LEN);
			newf = bpf_htons(a);
			*(__u16 *)(hdr + RC_WOFF_LEN) = newf;
			f->csum += csum_delta(oldf, newf, 2, 0);
			f->len = a;
			f->resized = 1;
			/* Every packet pointer is stale: start the next chunk
			 * afresh. */
			f->pc = next;
			f->cnt = cnt;
			return 0;
		}
		case RC_U_LDP:
		case RC_U_LDPX: {
			__u64 o = op == RC_U_LDPX ? a : 0;
			__u8 *q;

			if (o > RC_ABI_PAYLOAD_MAX)
				FAULT(F_MSG_BOUNDS);
			o = (o + (u->k & 0x7ff)) & 0xfff;
			q = pay + o;
			if (trace)
				f->msg_reads++;
			switch (w) {
			case 1:
				if ((void *)(q + 1) > data_end)
					FAULT(F_MSG_BOUNDS);
				SET(*q);
				break;
			case 2:
				if ((void *)(q + 2) > data_end)
					FAULT(F_MSG_BOUNDS);
				SET(*(__u16 *)q);
				break;
			case 4:
				if ((void *)(q + 4) > data_end)
					FAULT(F_MSG_BOUNDS);
				SET(*(__u32 *)q);
				break;
			default:
				if ((void *)(q + 8) > data_end)
					FAULT(F_MSG_BOUNDS);
				SET(*(__u64 *)q);
				break;
			}
			/* Only a load that succeeded has pushed: a faulting one
			 * leaves the high-water mark as the reference does. */
			if (trace)
				trace_max(&f->sm, d + 1);
			break;
		}
		case RC_U_STP:
		case RC_U_STPX: {
			__u64 o = op == RC_U_STPX ? v[d] : 0, old;
			__u8 *q;

			if (o > RC_ABI_PAYLOAD_MAX)
				FAULT(F_MSG_BOUNDS);
			o = (o + (u->k & 0x7ff)) & 0xfff;
			q = pay + o;
			if (trace)
				f->msg_writes++;
			switch (w) {
			case 1:
				if ((void *)(q + 1) > data_end)
					FAULT(F_MSG_BOUNDS);
				old = *q;
				*q = a;
				a &= 0xff;
				break;
			case 2:
				if ((void *)(q + 2) > data_end)
					FAULT(F_MSG_BOUNDS);
				old = *(__u16 *)q;
				*(__u16 *)q = a;
				a &= 0xffff;
				break;
			case 4:
				if ((void *)(q + 4) > data_end)
					FAULT(F_MSG_BOUNDS);
				old = *(__u32 *)q;
				*(__u32 *)q = a;
				a &= 0xffffffff;
				break;
			default:
				if ((void *)(q + 8) > data_end)
					FAULT(F_MSG_BOUNDS);
				old = *(__u64 *)q;
				*(__u64 *)q = a;
				w = 8;
				break;
			}
			f->csum += csum_delta(old, a, w, o);
			break;
		}

		/* ---- the data area: checked against the handler's size,
		 * masked for the kernel verifier ---- */
#define STATE_AT(i)	(&st[((i) + (__u32)u->k) & (STATE_WORDS - 1)])
#define STATE_IDX(i)						\
		({						\
			if ((i) >= (__u64)code->state_words - (__u32)u->k) \
				FAULT(F_STATE_BOUNDS);		\
			STATE_AT(i);				\
		})
		case RC_U_LDS:
			SET(*STATE_AT(0));
			if (trace)
				f->state_reads++;
			break;
		case RC_U_LDSX:
			p = STATE_IDX(a);
			SET(*p);
			if (trace)
				f->state_reads++;
			break;
		case RC_U_STS:
			*STATE_AT(0) = a;
			if (trace)
				f->state_writes++;
			break;
		case RC_U_STSX:
			p = STATE_IDX(v[d]);
			*p = a;
			if (trace)
				f->state_writes++;
			break;
		case RC_U_XADDS:
			SET(__sync_fetch_and_add(STATE_AT(0), a));
			if (trace)
				f->state_writes++;
			break;
		case RC_U_XADDSX:
			p = STATE_IDX(v[d]);
			SET(__sync_fetch_and_add(p, a));
			if (trace)
				f->state_writes++;
			break;
		case RC_U_CASS:
			SET(__sync_val_compare_and_swap(STATE_AT(0), a, b));
			if (trace)
				f->state_writes++;
			break;
		case RC_U_CASSX:
			p = STATE_IDX(v[d]);
			SET(__sync_val_compare_and_swap(p,
				v[(d + 1) & (RC_IC_SLOTS - 1)],
				v[(d + 2) & (RC_IC_SLOTS - 1)]));
			if (trace)
				f->state_writes++;
			break;
#undef STATE_IDX
#undef STATE_AT

		/* ---- windows: look the window up, then the word ---- */
		case RC_U_LDW:
		case RC_U_LDWX:
		case RC_U_STW:
		case RC_U_STWX:
		case RC_U_XADDW:
		case RC_U_XADDWX: {
			__u32 key = c->portal * 8 + (w & 7), idx;
			__u64 i = 0;
			void *m;

			if (op == RC_U_LDWX)
				i = a;
			else if (op == RC_U_STWX || op == RC_U_XADDWX)
				i = v[d];
			if (i >= (__u64)code->window_words[w & 7] - (__u32)u->k)
				FAULT(F_WINDOW_BOUNDS);
			idx = i + (__u32)u->k;
			m = bpf_map_lookup_elem(&ic_windows, &key);
			if (!m)
				FAULT(F_WINDOW_BOUNDS);
			p = bpf_map_lookup_elem(m, &idx);
			if (!p)
				FAULT(F_WINDOW_BOUNDS);
			if (op == RC_U_LDW || op == RC_U_LDWX) {
				SET(*p);
				if (trace)
					f->win_reads[w & 7]++;
				break;
			}
			if (trace)
				f->win_writes[w & 7]++;
			if (op == RC_U_STW || op == RC_U_STWX)
				*p = a;
			else
				SET(__sync_fetch_and_add(p, a));
			break;
		}
		case RC_U_CLOCK:
			SET(bpf_ktime_get_ns());
			break;
		case RC_U_UPCALL:
			ic_upcall(c, a);
			break;
		case RC_U_DROP:
			f->act = END_DROP;
			goto end;
		case RC_U_PASS:
			f->act = END_PASS;
			goto end;
		case RC_U_REPLY:
			f->act = END_REPLY;
			goto end;
		case RC_U_FORWARD:
			/* The rank is checked after the loop; a fault there is
			 * still this instruction's, the run's last. */
			f->rank = a;
			f->fpc = u->pc + u->x;
			f->act = END_FORWARD;
			goto end;
		default:
			FAULT(F_ILLEGAL);
		}
#undef SET
#undef FAULT
		/* Masked so that every path reaches the loop's head with the
		 * same range for pc: the kernel verifier then merges them. */
		pc = next & (RC_IC_MAX - 1);
	}
	f->pc = pc;
	f->cnt = cnt;
	return 0;
fault:
	f->act = END_FAULT;
end:
	f->cnt = cnt;
	return 1;
}

static long ic_chunk(__u32 index, void *ctx)
{
	return chunk(ctx, false);
}

static long ic_chunk_trace(__u32 index, void *ctx)
{
	return chunk(ctx, true);
}

/* ---- the packet ------------------------------------------------------------ */
/*
 * Is this an R-message (docs/xlate.md, section 1)?  Returns its portal and
 * fills f->hdroff, f->len; trims link-layer padding.  -1: not one.
 */
static __always_inline int parse(struct xdp_md *ctx, struct ic_frame *f)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct rc_wire_hdr *rh;
	struct udphdr *udp;
	__u32 l4len, ulen, hdroff, want, have, portal;

	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return -1;
		if (*(__u8 *)ip != 0x45 || ip->protocol != IPPROTO_UDP ||
		    (ip->frag_off & bpf_htons(0x3fff)))
			return -1;
		l4len = bpf_ntohs(ip->tot_len) - sizeof(*ip);
		udp = (void *)(ip + 1);
		hdroff = 42;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		if (ip6->nexthdr != IPPROTO_UDP)
			return -1;
		l4len = bpf_ntohs(ip6->payload_len);
		udp = (void *)(ip6 + 1);
		hdroff = 62;
	} else {
		return -1;
	}
	rh = (void *)(udp + 1);
	if ((void *)(rh + 1) > data_end)
		return -1;
	if (udp->dest != bpf_htons(rc_port))
		return -1;
	ulen = bpf_ntohs(udp->len);
	asm volatile("%0 &= 0xffff" : "+r"(ulen));	/* 6.1 loses it */
	if (ulen != l4len || rh->magic != bpf_htons(RC_ABI_MAGIC) ||
	    rh->version != RC_ABI_VERSION)
		return -1;
	f->len = bpf_ntohs(rh->len);
	if (f->len > RC_ABI_PAYLOAD_MAX ||
	    f->len + sizeof(*udp) + RC_ABI_HDR_LEN != ulen)
		return -1;
	/* The payload must end where the packet ends (padding trimmed), so
	 * that a check against data_end is R-code's check against len. */
	portal = bpf_ntohs(rh->portal);	/* before the trim moves the end */
	want = hdroff + RC_ABI_HDR_LEN + f->len;
	have = data_end - data;
	if (have < want)
		return -1;
	if (have > want && bpf_xdp_adjust_tail(ctx, (int)want - (int)have))
		return -1;
	f->hdroff = hdroff;
	return portal;
}

static __always_inline void bump_misc(int which)
{
	__u32 zero = 0;
	struct rc_interp_stats *m = bpf_map_lookup_elem(&ic_misc, &zero);

	if (!m)
		return;
	m->packets++;
	if (which == 0)
		m->not_for_us++;
	else if (which == 1)
		m->no_handler++;
	else
		m->dispatched++;
}

/* pass and reply: lengths if resized, checksum if edited, addresses. */
static __always_inline int finish(struct xdp_md *ctx, struct ic_frame *f,
				  bool reply)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	bool v6 = f->hdroff == 62;
	struct udphdr *udp;
	__u64 sum = f->csum;
	__u8 *hdr;

	/* Constant offsets on each path: the kernel verifier checks the
	 * headers before the R header only if it knows where they are. */
	if (v6)
		udp = data + 14 + 40;
	else
		udp = data + 14 + 20;
	hdr = (__u8 *)(udp + 1);
	if ((void *)(hdr + RC_ABI_HDR_LEN) > data_end)
		return -1;
	if (f->resized) {
		__u16 oldu = udp->len, newu = bpf_htons(f->len + 32);

		udp->len = newu;
		/* The UDP length is in the header and in the pseudo-header. */
		sum += 2 * csum_delta(oldu, newu, 2, 0);
		if (v6) {
			struct ipv6hdr *ip6 = data + 14;

			if ((void *)(ip6 + 1) > data_end)
				return -1;
			ip6->payload_len = newu;
		} else {
			struct iphdr *ip = data + 14;
			__u16 oldt, newt;
			__u32 c;

			if ((void *)(ip + 1) > data_end)
				return -1;
			oldt = ip->tot_len;
			newt = bpf_htons(f->len + 32 + 20);
			ip->tot_len = newt;
			c = (__u16)~ip->check;
			c += (__u16)~oldt;
			c += newt;
			c = (c & 0xffff) + (c >> 16);
			c = (c & 0xffff) + (c >> 16);
			ip->check = ~c;
		}
	}
	if (sum && !(!v6 && udp->check == 0)) {
		__u64 c = (__u16)~udp->check;

		c = ~fold16(c + fold16(sum)) & 0xffff;
		udp->check = c ? c : 0xffff;
	}
	if (reply) {
		__u8 *eth = data;
		__u32 a0, b0, r;
		__u16 a1, b1, pt;

		if ((void *)(eth + 14) > data_end)
			return -1;
		a0 = *(__u32 *)eth;
		b0 = *(__u32 *)(eth + 6);
		a1 = *(__u16 *)(eth + 4);
		b1 = *(__u16 *)(eth + 10);
		*(__u32 *)eth = b0;
		*(__u16 *)(eth + 4) = b1;
		*(__u32 *)(eth + 6) = a0;
		*(__u16 *)(eth + 10) = a1;
		if (v6) {
			struct ipv6hdr *ip6 = data + 14;
			__u64 s0, s1, *s, *dd;

			if ((void *)(ip6 + 1) > data_end)
				return -1;
			s = (__u64 *)&ip6->saddr;
			dd = (__u64 *)&ip6->daddr;
			s0 = s[0];
			s1 = s[1];
			s[0] = dd[0];
			s[1] = dd[1];
			dd[0] = s0;
			dd[1] = s1;
		} else {
			struct iphdr *ip = data + 14;

			if ((void *)(ip + 1) > data_end)
				return -1;
			r = ip->saddr;
			ip->saddr = ip->daddr;
			ip->daddr = r;
		}
		pt = udp->source;
		udp->source = udp->dest;
		udp->dest = pt;
		r = *(__u32 *)(hdr + RC_WOFF_SRC);
		*(__u32 *)(hdr + RC_WOFF_SRC) = *(__u32 *)(hdr + RC_WOFF_DST);
		*(__u32 *)(hdr + RC_WOFF_DST) = r;
	}
	return 0;
}

/* ---- forward -------------------------------------------------------------- */
/* Where a forwarded message goes: resolved before the frame changes, so
 * that an unreachable rank faults with the message as the run left it. */
struct fwd {
	struct rc_rank *e;
	__u32 ifindex;		/* egress */
	__u8 smac[6], dmac[6];
};

/*
 * Is f->rank reachable (docs/rcode.md 6.13)?  In the table, present, not
 * this node, of the message's address family, and with a next hop: the
 * entry's MAC, or else what bpf_fib_lookup() finds.  0, or -1: fault rank.
 */
static __always_inline int fwd_resolve(struct xdp_md *ctx, struct ic_frame *f,
				       struct fwd *w)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	bool v6 = f->hdroff == 62;
	struct bpf_fib_lookup fib = {};
	/* Read once: a conditional ctx access would be a pointer select,
	 * which the kernel verifier refuses. */
	__u32 in_if = ctx->ingress_ifindex;
	struct rc_rank *e;
	__u8 *eth = data;
	__u32 r;

	if (f->rank >= RC_ABI_RANKS_MAX)
		return -1;
	r = f->rank;
	e = bpf_map_lookup_elem(&ic_ranks, &r);
	if (!e || !(e->flags & RC_RANK_F_PRESENT) ||
	    (e->flags & RC_RANK_F_SELF) ||
	    !(e->flags & RC_RANK_F_IPV6) != !v6)
		return -1;
	w->e = e;
	if ((void *)(eth + 14) > data_end)
		return -1;
	if (e->flags & RC_RANK_F_MAC) {
		__builtin_memcpy(w->dmac, e->mac, 6);
		__builtin_memcpy(w->smac, eth, 6);	/* it came to us */
		w->ifindex = e->ifindex ? e->ifindex : in_if;
		return 0;
	}
	fib.l4_protocol = IPPROTO_UDP;
	fib.ifindex = e->ifindex ? e->ifindex : in_if;
	if (v6) {
		struct ipv6hdr *ip6 = data + 14;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		fib.family = AF_INET6;
		fib.tot_len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
		__builtin_memcpy(fib.ipv6_src, &ip6->daddr, 16);
		__builtin_memcpy(fib.ipv6_dst, e->addr, 16);
	} else {
		struct iphdr *ip = data + 14;

		if ((void *)(ip + 1) > data_end)
			return -1;
		fib.family = AF_INET;
		fib.tot_len = bpf_ntohs(ip->tot_len);
		fib.ipv4_src = ip->daddr;
		__builtin_memcpy(&fib.ipv4_dst, e->addr, 4);
	}
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return -1;
	__builtin_memcpy(w->dmac, fib.dmac, 6);
	__builtin_memcpy(w->smac, fib.smac, 6);
	w->ifindex = fib.ifindex;
	return 0;
}

/*
 * The frame goes to the rank (bpf/rc_abi.h, above struct rc_rank): MACs,
 * IP addresses (src = where it arrived, dst = the rank's), TTL 64, ports
 * (src = where it arrived, dst = the rank's), R header src = self, dst =
 * rank.  The UDP checksum's change goes into f->csum for finish(); the
 * IPv4 header checksum is recomputed after it.
 */
static __always_inline int fwd_rewrite(struct xdp_md *ctx, struct ic_frame *f,
				       const struct fwd *w)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	bool v6 = f->hdroff == 62;
	const struct rc_rank *e = w->e;
	struct udphdr *udp;
	__u32 *a, *b, t, self, rank;
	__u16 sp, dp;
	__u8 *hdr;
	__u64 d = 0;

	if (v6)
		udp = data + 14 + 40;
	else
		udp = data + 14 + 20;
	hdr = (__u8 *)(udp + 1);
	if ((void *)(hdr + RC_ABI_HDR_LEN) > data_end)
		return -1;
	__builtin_memcpy(data, w->dmac, 6);
	__builtin_memcpy(data + 6, w->smac, 6);
	if (v6) {
		struct ipv6hdr *ip6 = data + 14;

		ip6->hop_limit = 64;
		a = (__u32 *)&ip6->saddr;
		b = (__u32 *)&ip6->daddr;
		for (int i = 0; i < 4; i++) {
			__u32 na = b[i], nb = ((const __u32 *)e->addr)[i];

			d += csum_delta(a[i], na, 4, 0) + csum_delta(b[i], nb, 4, 0);
			a[i] = na;
			b[i] = nb;
		}
	} else {
		struct iphdr *ip = data + 14;
		__u32 na = ip->daddr, nb = *(const __u32 *)e->addr;

		ip->ttl = 64;
		d += csum_delta(ip->saddr, na, 4, 0) + csum_delta(ip->daddr, nb, 4, 0);
		ip->saddr = na;
		ip->daddr = nb;
	}
	sp = udp->source;
	dp = udp->dest;
	d += csum_delta(sp, dp, 2, 0) + csum_delta(dp, e->port, 2, 0);
	udp->source = dp;
	udp->dest = e->port;
	self = bpf_htonl(e->self);
	rank = bpf_htonl((__u32)f->rank);
	t = *(__u32 *)(hdr + RC_WOFF_SRC);
	d += csum_delta(t, self, 4, 0);
	*(__u32 *)(hdr + RC_WOFF_SRC) = self;
	t = *(__u32 *)(hdr + RC_WOFF_DST);
	d += csum_delta(t, rank, 4, 0);
	*(__u32 *)(hdr + RC_WOFF_DST) = rank;
	f->csum += d;
	return 0;
}

/* After finish(): the IPv4 header checksum, from scratch (TTL, addresses
 * and perhaps the length changed). */
static __always_inline int ip4_csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + 14;
	__u16 *w = (__u16 *)ip;
	__u32 s = 0;

	if ((void *)(ip + 1) > data_end)
		return -1;
	ip->check = 0;
	for (int i = 0; i < 10; i++)
		s += w[i];
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	ip->check = ~s;
	return 0;
}

/* A fault: the message goes on exactly as it came. */
static __always_inline void restore(struct xdp_md *ctx, struct ic_frame *f)
{
	__u32 n = RC_ABI_HDR_LEN + (f->origlen & 0x7ff);

	if (f->len != f->origlen &&
	    bpf_xdp_adjust_tail(ctx, (int)f->origlen - (int)f->len))
		return;
	if (n > SNAP_SIZE)
		return;
	bpf_xdp_store_bytes(ctx, f->hdroff & 127, f->snap, n);
}

static __always_inline void trace_end(struct ictx *c, struct ic_frame *f,
				      __u64 t0)
{
	struct rc_trace *tr = c->tr;
	__u64 ns, cur;
	int i;

	if (!tr)
		return;
	ns = bpf_ktime_get_ns() - t0;
	__sync_fetch_and_add(&tr->runs, 1);
	__sync_fetch_and_add(&tr->insns, f->cnt);
	__sync_fetch_and_add(&tr->ns_total, ns);
	__sync_fetch_and_add(&tr->state_reads, f->state_reads);
	__sync_fetch_and_add(&tr->state_writes, f->state_writes);
	__sync_fetch_and_add(&tr->msg_reads, f->msg_reads);
	__sync_fetch_and_add(&tr->msg_writes, f->msg_writes);
	for (i = 0; i < 8; i++) {
		if (f->win_reads[i])
			__sync_fetch_and_add(&tr->win_reads[i], f->win_reads[i]);
		if (f->win_writes[i])
			__sync_fetch_and_add(&tr->win_writes[i], f->win_writes[i]);
	}
	for (i = 0; i < RC_TRACE_HIST - 1; i++)
		if (!(ns >> (i + 1)))
			break;
	__sync_fetch_and_add(&tr->hist[i & (RC_TRACE_HIST - 1)], 1);
	/* Maxima: a few compare-and-swaps; another CPU's larger value wins. */
	for (int t = 0; t < 4; t++) {
		cur = tr->ns_max;
		if (ns <= cur || __sync_val_compare_and_swap(&tr->ns_max, cur, ns) == cur)
			break;
	}
	for (int t = 0; t < 4; t++) {
		cur = tr->insns_max;
		if (f->cnt <= cur ||
		    __sync_val_compare_and_swap(&tr->insns_max, cur, f->cnt) == cur)
			break;
	}
	for (int t = 0; t < 4; t++) {
		cur = tr->stack_max;
		if (f->sm <= cur ||
		    __sync_val_compare_and_swap(&tr->stack_max, cur, f->sm) == cur)
			break;
	}
}

static __always_inline int interp(struct xdp_md *ctx, const bool trace)
{
	__u32 zero = 0, portal, key;
	struct rc_handler_stats *stats;
	struct ictx c = { .xdp = ctx };
	struct ic_frame *f;
	void *m;
	__u64 t0 = 0;
	int p, ret;

	f = bpf_map_lookup_elem(&ic_frame, &zero);
	if (!f)
		return XDP_PASS;
	p = parse(ctx, f);
	if (p < 0 || p >= RC_ABI_PORTALS) {
		bump_misc(0);
		return XDP_PASS;
	}
	portal = p;
	m = bpf_map_lookup_elem(&ic_code, &portal);
	c.code = m ? bpf_map_lookup_elem(m, &zero) : NULL;
	m = bpf_map_lookup_elem(&ic_state, &portal);
	c.state = m ? bpf_map_lookup_elem(m, &zero) : NULL;
	m = bpf_map_lookup_elem(&ic_stats, &portal);
	stats = m ? bpf_map_lookup_elem(m, &zero) : NULL;
	if (!c.code || !c.state || !stats) {
		bump_misc(1);
		return XDP_PASS;
	}
	bump_misc(2);
	c.f = f;
	c.portal = portal;
	if (trace) {
		m = bpf_map_lookup_elem(&ic_trace, &portal);
		c.tr = m ? bpf_map_lookup_elem(m, &zero) : NULL;
		t0 = bpf_ktime_get_ns();
		f->sm = 0;
		f->state_reads = f->state_writes = 0;
		f->msg_reads = f->msg_writes = 0;
		for (int i = 0; i < 8; i++)
			f->win_reads[i] = f->win_writes[i] = 0;
	}

	for (int i = RC_IC_LOCAL0; i < RC_IC_SLOTS; i++)
		f->v[i] = 0;
	f->pc = 0;
	f->cnt = 0;
	f->csum = 0;
	f->act = END_NONE;
	f->origlen = f->len;
	f->resized = 0;
	f->upcalls = 0;
	f->upcall_lost = 0;
	if (c.code->flags & RC_IC_F_SNAPSHOT) {
		__u32 n = RC_ABI_HDR_LEN + (f->len & 0x7ff);

		if (n > SNAP_SIZE ||
		    bpf_xdp_load_bytes(ctx, f->hdroff & 127, f->snap, n)) {
			bump_misc(1);
			return XDP_PASS;
		}
	}

	/* Every callback run executes at least one uop (a RESIZE ends it
	 * early) and every uop at least one instruction, apart from the one
	 * switch to the single stream. */
	bpf_loop(c.code->budget + 2, trace ? ic_chunk_trace : ic_chunk, &c, 0);

	if (trace)
		trace_end(&c, f, t0);
	stats->invocations++;
	/* Up-calls stay made whatever happens next. */
	stats->upcalls += f->upcalls;
	stats->upcall_lost += f->upcall_lost;
	switch (f->act) {
	case END_DROP:
		stats->drop++;
		return XDP_DROP;
	case END_PASS:
	case END_REPLY:
		ret = finish(ctx, f, f->act == END_REPLY);
		if (ret == 0) {
			if (f->act == END_REPLY) {
				stats->reply++;
				return XDP_TX;
			}
			stats->pass++;
			return XDP_PASS;
		}
		f->fcode = F_ILLEGAL;	/* cannot happen */
		break;
	case END_FORWARD: {
		struct fwd w;

		if (fwd_resolve(ctx, f, &w)) {
			f->fcode = F_RANK;	/* f->fpc is the forward's */
			break;
		}
		if (fwd_rewrite(ctx, f, &w) || finish(ctx, f, false) ||
		    (f->hdroff == 42 && ip4_csum(ctx))) {
			f->fcode = F_ILLEGAL;	/* cannot happen */
			break;
		}
		stats->forward++;
		if (w.ifindex == ctx->ingress_ifindex)
			return XDP_TX;
		return bpf_redirect(w.ifindex, 0);
	}
	default:
		if (f->act == END_NONE) {
			/* bpf_loop ran out: cannot happen, see above */
			f->fcode = F_BUDGET;
		}
		break;
	}
	if (c.code->flags & RC_IC_F_SNAPSHOT)
		restore(ctx, f);
	key = f->fcode & (RC_ABI_FAULTS - 1);
	stats->faults[key]++;
	if (key == F_BUDGET)
		stats->budget_aborts++;
	stats->last_fault_code = key;
	stats->last_fault_pc = f->fpc;
	stats->last_fault_ns = bpf_ktime_get_ns();
	return XDP_PASS;
}

SEC("xdp")
int rc_interp(struct xdp_md *ctx)
{
	return interp(ctx, false);
}

SEC("xdp")
int rc_interp_trace(struct xdp_md *ctx)
{
	return interp(ctx, true);
}

char _license[] SEC("license") = "Dual BSD/GPL";
