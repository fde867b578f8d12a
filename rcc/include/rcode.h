/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcode.h - the header for message handlers written in C (docs/c-handlers.md).
 *
 * Compiled by rcc (which defines __RCC__), every builtin here is one R-code
 * instruction or a short fixed sequence: rcc recognises the rc_* functions
 * and the RC_* annotations by name, so their bodies below exist only for the
 * native build.  Compiled by gcc without __RCC__, the same source runs
 * against a native implementation of the builtins (struct rc_native), which
 * the semantic differential test uses to compare rcc with gcc bit for bit.
 *
 * Values are C's: rc_ld32() returns a uint32_t, and rcc keeps every value
 * on R-code's 64-bit stack sign- or zero-extended as its C type says.
 */
#ifndef RCODE_C_HANDLER_H
#define RCODE_C_HANDLER_H

#include <stdint.h>

/* Actions: 'return RC_DROP;' ends the handler with R-code's 'drop'. */
enum rc_c_action {
	RC_DROP = 1,
	RC_PASS = 2,
	RC_REPLY = 3,
	RC_FORWARD = 4,		/* only through 'return rc_forward(rank);' */
};

/*
 * RC_HANDLER(name, portal, budget) { ... } defines the handler.  The
 * portal and budget are constant expressions that clang evaluates; rcc
 * reads them from the two statics the macro declares.
 */
#define RC_HANDLER(name, portal, budget)				\
	static const unsigned int __rc_portal_##name			\
		__attribute__((unused)) = (portal);			\
	static const unsigned int __rc_budget_##name			\
		__attribute__((unused)) = (budget);			\
	RC__HANDLER_ATTR int name(void)

#ifdef __RCC__
#define RC__HANDLER_ATTR __attribute__((annotate("rc_handler")))
#else
#define RC__HANDLER_ATTR
#endif

#ifdef __RCC__
/* RC_STATE: a global scalar or array in the data area (.state). */
#define RC_STATE	__attribute__((annotate("rc_state")))
/* RC_WINDOW: an 'extern' array of 64-bit words mapped by the application
 * (.window); declare it 'extern uint64_t name[WORDS] RC_WINDOW;'. */
#define RC_WINDOW	__attribute__((annotate("rc_window")))

/* Payload: loads zero-extend, stores write the low bytes, little-endian;
 * off is a byte offset, constant (ldpN) or not (ldpxN). */
uint8_t rc_ld8(uint64_t off);
uint16_t rc_ld16(uint64_t off);
uint32_t rc_ld32(uint64_t off);
uint64_t rc_ld64(uint64_t off);
void rc_st8(uint64_t off, uint8_t v);
void rc_st16(uint64_t off, uint16_t v);
void rc_st32(uint64_t off, uint32_t v);
void rc_st64(uint64_t off, uint64_t v);

/* Header fields (ldh / sth) */
uint32_t rc_src(void);
uint32_t rc_dst(void);
uint16_t rc_portal(void);
uint32_t rc_tag(void);
uint32_t rc_seq(void);
uint16_t rc_len(void);
void rc_set_portal(uint16_t v);
void rc_set_tag(uint32_t v);
void rc_set_seq(uint32_t v);

void rc_resize(uint64_t n);		/* resize */
uint64_t rc_clock(void);		/* clock */
void rc_send(uint64_t rank);		/* send */
void rc_upcall(uint64_t v);		/* upcall */
int rc_forward(uint64_t rank);		/* forward: 'return rc_forward(r);' */

#else /* native build: the same handler as an ordinary C function */
#include <string.h>

#define RC_STATE	static
#define RC_WINDOW

/* The message a native run sees; the test driver fills it in. */
struct rc_native {
	uint32_t src, dst, tag, seq;
	uint16_t portal, len;
	uint8_t payload[1408];
	uint64_t clock;
	int fault;		/* set instead of reading out of bounds */
	uint32_t nsends, nupcalls;
	uint64_t last_send, last_upcall, forward_rank;
};
/* An embedder that runs handlers on several threads at once (librcode's
 * user-level collectives) defines rc_nat itself before this header, e.g.
 * as the dereference of a thread's own pointer. */
#ifndef rc_nat
extern struct rc_native rc_nat;
#endif

static inline uint64_t rc__ld(uint64_t off, unsigned int w)
{
	uint64_t v = 0;

	if (w > rc_nat.len || off > (uint64_t)rc_nat.len - w) {
		rc_nat.fault = 2;
		return 0;
	}
	memcpy(&v, rc_nat.payload + off, w);	/* little-endian host */
	return v;
}

static inline void rc__st(uint64_t off, uint64_t v, unsigned int w)
{
	if (w > rc_nat.len || off > (uint64_t)rc_nat.len - w) {
		rc_nat.fault = 2;
		return;
	}
	memcpy(rc_nat.payload + off, &v, w);
}

static inline uint8_t rc_ld8(uint64_t o) { return rc__ld(o, 1); }
static inline uint16_t rc_ld16(uint64_t o) { return rc__ld(o, 2); }
static inline uint32_t rc_ld32(uint64_t o) { return rc__ld(o, 4); }
static inline uint64_t rc_ld64(uint64_t o) { return rc__ld(o, 8); }
static inline void rc_st8(uint64_t o, uint8_t v) { rc__st(o, v, 1); }
static inline void rc_st16(uint64_t o, uint16_t v) { rc__st(o, v, 2); }
static inline void rc_st32(uint64_t o, uint32_t v) { rc__st(o, v, 4); }
static inline void rc_st64(uint64_t o, uint64_t v) { rc__st(o, v, 8); }
static inline uint32_t rc_src(void) { return rc_nat.src; }
static inline uint32_t rc_dst(void) { return rc_nat.dst; }
static inline uint16_t rc_portal(void) { return rc_nat.portal; }
static inline uint32_t rc_tag(void) { return rc_nat.tag; }
static inline uint32_t rc_seq(void) { return rc_nat.seq; }
static inline uint16_t rc_len(void) { return rc_nat.len; }
static inline void rc_set_portal(uint16_t v) { rc_nat.portal = v; }
static inline void rc_set_tag(uint32_t v) { rc_nat.tag = v; }
static inline void rc_set_seq(uint32_t v) { rc_nat.seq = v; }
static inline uint64_t rc_clock(void) { return rc_nat.clock; }
static inline void rc_resize(uint64_t n)
{
	if (n > 1408) {
		rc_nat.fault = 6;
		return;
	}
	if (n > rc_nat.len)
		memset(rc_nat.payload + rc_nat.len, 0, n - rc_nat.len);
	rc_nat.len = n;
}
static inline void rc_send(uint64_t rank)
{
	rc_nat.nsends++;
	rc_nat.last_send = rank;
}
static inline void rc_upcall(uint64_t v)
{
	rc_nat.nupcalls++;
	rc_nat.last_upcall = v;
}
static inline int rc_forward(uint64_t rank)
{
	rc_nat.forward_rank = rank;
	return RC_FORWARD;
}
#endif /* __RCC__ */

#endif /* RCODE_C_HANDLER_H */
