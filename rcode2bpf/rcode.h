/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcode.h - the R-code language: limits, instruction set, program object,
 * and the userspace toolchain built on them (binary format, assembler,
 * disassembler, verifier, reference interpreter).
 *
 * The normative description is docs/rcode.md; this header is its contract
 * in C.  Every function that can fail returns 0 or a negative errno and,
 * where the failure concerns the handler, records readable diagnostics in a
 * struct rc_diags (rc_diag.h).
 */
#ifndef RCODE_H
#define RCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits (docs/rcode.md, "Limits") --------------------------------- */
#define RC_STACK_MAX		16	/* operand stack depth */
#define RC_LOCALS		16	/* local slots, zero at entry */
#define RC_CODE_MAX		4096	/* instruction slots */
#define RC_BUDGET_DEFAULT	1024	/* executed instructions */
#define RC_BUDGET_MAX		65536
#define RC_STATE_MAX		256	/* data-area words */
#define RC_SYMBOLS_MAX		64	/* named state slot groups */
#define RC_WINDOWS_MAX		8
#define RC_WINDOW_WORDS_MAX	65536
#define RC_NAME_MAX		32	/* names, NUL included */
#define RC_PORTALS		256	/* portal numbers 0..255 */
#define RC_PAYLOAD_MAX		1408	/* bytes of message payload */
#define RC_HDR_LEN		24	/* R-message header on the wire */

/* ---- instruction set --------------------------------------------------- */
enum rc_operand {
	RC_OPND_NONE,	/* imm and a are 0 */
	RC_OPND_IMM,	/* imm: signed 32-bit constant */
	RC_OPND_IMM64,	/* imm: low half; next slot's imm: high half */
	RC_OPND_DEPTH,	/* imm: 0..RC_STACK_MAX-2, 0 is the top */
	RC_OPND_LOCAL,	/* imm: 0..RC_LOCALS-1 */
	RC_OPND_LABEL,	/* imm: relative jump offset */
	RC_OPND_FIELD,	/* imm: enum rc_field */
	RC_OPND_POFF,	/* imm: payload byte offset 0..RC_PAYLOAD_MAX-1 */
	RC_OPND_SLOT,	/* imm: data-area word 0..state_words-1 */
	RC_OPND_WIN,	/* a: window number, imm: word index */
};

#define RC_F_WIDE	0x01	/* occupies two slots (push64) */
#define RC_F_JUMP	0x02	/* has a jump target */
#define RC_F_COND	0x04	/* conditional: may also fall through */
#define RC_F_ACTION	0x08	/* ends the handler */
#define RC_F_FAULTS	0x10	/* may fault at run time */
#define RC_F_RESERVED	0x20	/* encoding reserved for a later version */
#define RC_F_NEEDS_TC	0x40	/* only a TC program can do it (send: clones) */

enum rc_opcode {
#define RC_OP(name, code, opnd, pops, pushes, flags, width, pic) \
	RC_OP_##name = code,
#include "rc_opcodes.def"
#undef RC_OP
};

/* What the table says about one opcode. */
struct rc_opinfo {
	const char *name;
	uint8_t code;
	uint8_t operand;	/* enum rc_operand */
	uint8_t pops, pushes;
	uint8_t flags;
	uint8_t width;
	const char *picture;
};

/* NULL when code is not an opcode of this version. */
const struct rc_opinfo *rc_opinfo(unsigned int code);
/* NULL when name is not a mnemonic. */
const struct rc_opinfo *rc_opinfo_by_name(const char *name);
/* Every opcode, in table order, terminated by an entry with name NULL. */
extern const struct rc_opinfo rc_optable[];

/* One instruction slot, host representation of the 8-byte encoding. */
struct rc_insn {
	uint8_t op;
	uint8_t a;
	uint16_t rsvd;
	int32_t imm;
};

/* Header fields readable with ldh (writable with sth where noted). */
enum rc_field {
	RC_FIELD_SRC = 0,	/* source rank, read-only */
	RC_FIELD_DST = 1,	/* destination rank, read-only */
	RC_FIELD_PORTAL = 2,	/* writable */
	RC_FIELD_TAG = 3,	/* writable */
	RC_FIELD_SEQ = 4,	/* writable */
	RC_FIELD_LEN = 5,	/* payload length, read-only (use resize) */
	RC_FIELD__COUNT
};
const char *rc_field_name(unsigned int field);	/* NULL if invalid */
int rc_field_by_name(const char *name);		/* -1 if unknown */
bool rc_field_writable(unsigned int field);

/* Stable fault codes: part of the ABI (stats maps, JSON, exit status). */
enum rc_fault {
	RC_FAULT_NONE = 0,
	RC_FAULT_DIV_ZERO = 1,		/* div, divu, mod, modu by 0 */
	RC_FAULT_MSG_BOUNDS = 2,	/* payload access beyond its length */
	RC_FAULT_STATE_BOUNDS = 3,	/* data-area index out of range */
	RC_FAULT_WINDOW_BOUNDS = 4,	/* window index out of range */
	RC_FAULT_BUDGET = 5,		/* instruction budget exhausted */
	RC_FAULT_LENGTH = 6,		/* resize beyond RC_PAYLOAD_MAX */
	RC_FAULT_ILLEGAL = 7,		/* unverified code: bad instruction */
	RC_FAULT_RANK = 8,		/* forward/send: no such rank, this node,
					 * other address family, no route */
	RC_FAULT__COUNT
};
const char *rc_fault_name(unsigned int fault);	/* "div_zero", ... */
const char *rc_fault_text(unsigned int fault);	/* "division by zero" */
int rc_fault_by_name(const char *name);		/* -1 if unknown */

/* How a handler ends. */
enum rc_action {
	RC_ACT_NONE = 0,	/* never the result of a run */
	RC_ACT_DROP = 1,	/* consume: the application never sees it */
	RC_ACT_PASS = 2,	/* deliver to the application (edited) */
	RC_ACT_REPLY = 3,	/* send the edited message back */
	RC_ACT_FORWARD = 4,	/* sent on to rank (rc_result.rank) */
	RC_ACT__COUNT
};
const char *rc_action_name(unsigned int action);	/* "drop", ... */
int rc_action_by_name(const char *name);

/* ---- the program object -------------------------------------------------- */

/* A named group of consecutive data-area words; offsets follow from order. */
struct rc_statesym {
	char name[RC_NAME_MAX];
	uint32_t words;
};

struct rc_window {
	char name[RC_NAME_MAX];
	uint32_t words;
};

/* Where each instruction came from, when the program was assembled. */
struct rc_srcloc {
	uint32_t line;	/* 1-based; 0 when unknown */
	uint32_t col;	/* 1-based */
};

struct rc_source {
	char *path;		/* as given by the user */
	char *text;		/* whole file, NUL-terminated */
	uint32_t nlines;
	uint32_t *line_start;	/* byte offset of each line in text */
};

struct rc_prog {
	char name[RC_NAME_MAX];
	uint32_t portal;
	uint32_t budget;
	uint32_t state_words;		/* sum of syms[].words */
	uint32_t nsyms;
	struct rc_statesym syms[RC_SYMBOLS_MAX];
	uint32_t nwindows;
	struct rc_window windows[RC_WINDOWS_MAX];
	uint32_t ninsns;		/* slots used in insns[] */
	struct rc_insn insns[RC_CODE_MAX];
	/* Debug information; NULL for programs read from a binary. */
	struct rc_source *src;
	struct rc_srcloc *loc;		/* loc[pc], RC_CODE_MAX entries */
	char origin[256];		/* file name for messages */
};

struct rc_prog *rc_prog_new(void);
void rc_prog_free(struct rc_prog *prog);
/* Data-area word where a symbol starts, or -1 if there is no such name. */
int rc_prog_sym_offset(const struct rc_prog *prog, const char *name);
/* Symbol covering word 'slot', or NULL. */
const struct rc_statesym *rc_prog_sym_at(const struct rc_prog *prog,
					 uint32_t slot, uint32_t *base);
int rc_prog_window_index(const struct rc_prog *prog, const char *name);
/* Length in slots of the instruction at pc (2 for push64). */
static inline unsigned int rc_insn_slots(const struct rc_insn *insn)
{
	return insn->op == RC_OP_push64 ? 2 : 1;
}
/* The 64-bit constant of a push64 at insns[pc]. */
static inline uint64_t rc_insn_imm64(const struct rc_insn *insn)
{
	return (uint64_t)(uint32_t)insn[0].imm |
	       (uint64_t)(uint32_t)insn[1].imm << 32;
}

struct rc_diags;

/* ---- binary format (docs/rcode.md, "Binary format") ---------------------- */
#define RC_BIN_MAGIC		"RCOD"
#define RC_BIN_VERSION		1

/* Does this buffer start like an R-code binary? */
bool rc_bin_is_binary(const void *buf, size_t len);
/* Parse a binary; on error returns -EINVAL with diagnostics in d. */
int rc_bin_decode(const void *buf, size_t len, const char *origin,
		  struct rc_prog *prog, struct rc_diags *d);
/* Encode; *out is malloc'd.  Canonical: decode+encode is the identity. */
int rc_bin_encode(const struct rc_prog *prog, uint8_t **out, size_t *len);

/* ---- assembler and disassembler ----------------------------------------- */
/* Assemble text; takes ownership of nothing.  Records up to a few dozen
 * errors in d; returns -EINVAL when any error was found. */
int rc_asm(const char *path, const char *text, struct rc_prog *prog,
	   struct rc_diags *d);
/* A source file split into lines, for diagnostics (NULL on ENOMEM); freed
 * by rc_prog_free when it hangs off a program. */
struct rc_source *rc_source_new(const char *path, const char *text);

struct rc_disasm_opts {
	size_t sz;
	bool show_pc;		/* "; pc N" comment on every line */
	bool show_hex;		/* raw encoding as a comment */
};
/* Write reassemblable text into *out (malloc'd); returns 0 or -errno.
 * The text reassembles to the identical binary. */
int rc_disasm(const struct rc_prog *prog, const struct rc_disasm_opts *opts,
	      char **out);
/* One instruction as the disassembler prints it ("ldw result+2"); jump
 * targets are shown as "L<pc>".  Returns the snprintf-style length. */
int rc_insn_format(const struct rc_prog *prog, uint32_t pc, char *buf,
		   size_t size);

/* ---- numbers and payloads as written (assembler, cases, rloader) -------- */
/* Decimal, 0x hexadecimal or 0b binary, an optional '-', '_' between
 * digits.  Values from -2^63 to 2^64-1, negative ones taken modulo 2^64;
 * *neg (may be NULL) says whether '-' was written. */
bool rc_parse_number(const char *s, uint64_t *v, bool *neg);
/* A number that fits bits bits: unsigned, or signed when written with
 * '-'; *v holds its low bits bits. */
bool rc_parse_width(const char *s, unsigned int bits, uint64_t *v);
/* A payload: "hex:0a0b..", "u8:1,2", "u16:..", "u32:..", "u64:.."
 * (little-endian), "str:TEXT", "zero:N", or "" for none.  Fills
 * buf[RC_PAYLOAD_MAX] and *len; -EINVAL with the reason in err. */
int rc_payload_parse(const char *spec, uint8_t *buf, uint16_t *len,
		     char *err, size_t errsize);

/* ---- the verifier ------------------------------------------------------- */
/* What the verifier learned, for backends: stack depth before each pc
 * (-1 where unreachable) and the basic-block leaders. */
struct rc_verinfo {
	int16_t depth[RC_CODE_MAX];
	bool leader[RC_CODE_MAX];
	bool reachable[RC_CODE_MAX];
	uint32_t max_depth;
	bool has_loop;		/* some backward jump is reachable */
	/* A reachable instruction only a TC program can do (send): the
	 * handler is attached at TC ingress by itself, not behind the XDP
	 * dispatcher, and the interpreter path cannot run it.  tc_pc is the
	 * first such pc; the verifier records a note there. */
	bool needs_tc;
	uint32_t tc_pc;
};

/* Judge a program.  Returns 0 if accepted, -EINVAL if rejected (errors in
 * d; warnings may be recorded either way).  info may be NULL. */
int rc_verify(const struct rc_prog *prog, struct rc_verinfo *info,
	      struct rc_diags *d);

/* ---- messages and the reference interpreter ----------------------------- */
struct rc_hdr {
	uint8_t version;
	uint8_t flags;
	uint16_t portal;
	uint16_t len;		/* payload length */
	uint32_t src, dst, tag, seq;
};

struct rc_msg {
	struct rc_hdr hdr;
	uint8_t payload[RC_PAYLOAD_MAX];
};

/* Wire form: RC_HDR_LEN bytes of header (network byte order) + payload. */
#define RC_WIRE_MAGIC	0x524d	/* "RM" */
#define RC_WIRE_VERSION	1
#define RC_UDP_PORT	7117	/* default, configurable */
/* Returns bytes written, or -ENOSPC. */
int rc_msg_to_wire(const struct rc_msg *msg, void *buf, size_t size);
/* Returns 0, or -EBADMSG with *why set to a static explanation. */
int rc_msg_from_wire(const void *buf, size_t len, struct rc_msg *msg,
		     const char **why);

/* What forward and send may reach (docs/rcode.md 6.13).  A rank r is
 * reachable when r < nranks, present[r] (NULL: all present) and r != self;
 * anything else faults `rank`.  Address families and routes are the
 * kernel paths' business: the reference treats every present rank as
 * reachable, so tests give the kernel paths a table where that is true. */
struct rc_ranks {
	uint32_t nranks;	/* 0: no rank table, every forward/send faults */
	uint32_t self;		/* this node's rank: src of what it sends */
	const uint8_t *present;	/* nranks flags, or NULL */
};

/* One side effect of a run, in the order the handler made them. */
enum rc_effect_kind {
	RC_EFFECT_SEND = 1,	/* send: a copy went to rank */
	RC_EFFECT_UPCALL = 2,	/* upcall: value, with the header as it was */
};

struct rc_effect {
	uint32_t kind;		/* enum rc_effect_kind */
	uint32_t rank;		/* SEND: destination */
	uint64_t value;		/* UPCALL: the value */
	struct rc_hdr hdr;	/* the header then (SEND: as sent, src = self,
				 * dst = rank) */
	uint16_t len;		/* SEND: payload bytes then */
	uint8_t *payload;	/* SEND: copy, if the caller gave payload
				 * buffers (rc_env.effect_payloads), else NULL */
};

/* What a handler may touch besides its message. */
struct rc_env {
	uint64_t *state;			/* prog->state_words words */
	uint64_t *windows[RC_WINDOWS_MAX];	/* prog->windows[i].words */
	uint64_t clock_ns;			/* value 'clock' pushes */
	const struct rc_ranks *ranks;		/* NULL: no rank table */
	/* Where the run logs its sends and upcalls (may be NULL / 0): the
	 * first effects_max of them; rc_result counts them all.  With
	 * effect_payloads (effects_max buffers of RC_PAYLOAD_MAX bytes) a
	 * send's payload is copied too. */
	struct rc_effect *effects;
	uint32_t effects_max;
	uint8_t (*effect_payloads)[RC_PAYLOAD_MAX];
};

struct rc_result {
	uint32_t action;	/* enum rc_action; RC_ACT_PASS on a fault */
	uint32_t fault;		/* enum rc_fault */
	uint32_t fault_pc;	/* pc of the faulting instruction */
	uint64_t insns;		/* instructions executed */
	uint32_t stack_max;	/* operand-stack high-water mark */
	uint32_t rank;		/* RC_ACT_FORWARD: where it went */
	uint32_t nsends;	/* sends made (they stay made after a fault) */
	uint32_t nupcalls;	/* upcalls made (likewise) */
	uint32_t neffects;	/* min(nsends + nupcalls, effects_max) logged */
};

/* Run a verified program.  msg is edited in place; on a fault it is
 * restored to what it was on entry (data-area and window writes made
 * before the fault stay).  Returns 0; the outcome is in res. */
int rc_run(const struct rc_prog *prog, struct rc_msg *msg,
	   struct rc_env *env, struct rc_result *res);

#ifdef __cplusplus
}
#endif

#endif /* RCODE_H */
