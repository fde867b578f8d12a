// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_binfmt.c - the .rbin container: decode, encode, recognise
 * (docs/rcode.md, section 7).
 *
 * The decoder trusts no byte of its input: every length is checked against
 * the bytes that are there before it is used, every count against the
 * limits of rcode.h, and the first problem ends decoding with a diagnostic
 * that names the offset.  It judges only the container.  Instructions are
 * copied as they are, unknown opcodes included, because judging them is
 * the verifier's job and the disassembler must be able to show them.
 *
 * Both directions read and write integers byte by byte, so the format does
 * not depend on the host's endianness or alignment.  Everything the decoder
 * accepts has exactly one encoding (names NUL-padded, padding zero, no empty
 * optional sections, sections in type order), so decode+encode is the
 * identity.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "rcode.h"

#define HDR_LEN		16
#define SEC_HDR_LEN	8
#define META_LEN	(RC_NAME_MAX + 4 + 4)
#define ENTRY_LEN	(RC_NAME_MAX + 4)	/* one state group or window */
#define INSN_LEN	8

enum sec_type {
	SEC_META = 1,
	SEC_STATE = 2,
	SEC_WINDOWS = 3,
	SEC_CODE = 4,
	SEC__MAX = SEC_CODE,
};

static const char *const sec_names[] = {
	[SEC_META] = "META",
	[SEC_STATE] = "STATE",
	[SEC_WINDOWS] = "WINDOWS",
	[SEC_CODE] = "CODE",
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

bool rc_bin_is_binary(const void *buf, size_t len)
{
	return buf && len >= 4 && !memcmp(buf, RC_BIN_MAGIC, 4);
}

/* ---- decoding ------------------------------------------------------------ */

struct reader {
	const uint8_t *p;
	size_t len;
	const char *origin;
	struct rc_diags *d;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct reader *r, const char *fmt, ...)
{
	char msg[RC_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc_diag_src(r->d, RC_SEV_ERROR, r->origin, NULL, 0, 0, "%s", msg);
	return -EINVAL;
}

/*
 * A name field: an identifier of at most RC_NAME_MAX-1 characters followed
 * only by NUL bytes (anything else would not survive re-encoding).  The
 * offsets reported are those of the offending byte.
 */
static int check_name(struct reader *r, size_t off, const char *what,
		      char *out)
{
	const uint8_t *b = r->p + off;
	size_t n = 0;

	while (n < RC_NAME_MAX && b[n])
		n++;
	if (n == 0)
		return bad(r, "empty %s name at offset %zu", what, off);
	if (n == RC_NAME_MAX)
		return bad(r, "%s name at offset %zu is not NUL-terminated "
			   "within %d bytes", what, off, RC_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = b[i];
		bool ok = c == '_' || (c >= 'A' && c <= 'Z') ||
			  (c >= 'a' && c <= 'z') ||
			  (i > 0 && c >= '0' && c <= '9');

		if (!ok)
			return bad(r, "invalid character 0x%02x in %s name at "
				   "offset %zu", c, what, off + i);
	}
	for (size_t i = n + 1; i < RC_NAME_MAX; i++)
		if (b[i])
			return bad(r, "nonzero byte 0x%02x after the %s name "
				   "at offset %zu", b[i], what, off + i);
	memset(out, 0, RC_NAME_MAX);
	memcpy(out, b, n);
	return 0;
}

static int decode_meta(struct reader *r, size_t off, struct rc_prog *prog)
{
	int err = check_name(r, off, "handler", prog->name);

	if (err)
		return err;
	/* Portal and budget are values, not sizes: the verifier judges
	 * them, with the same words for text and binaries. */
	prog->portal = get32(r->p + off + RC_NAME_MAX);
	prog->budget = get32(r->p + off + RC_NAME_MAX + 4);
	return 0;
}

/* State and window names share the assembler's namespace, so a binary
 * that reuses one could not be disassembled and assembled again. */
static bool name_used(const struct rc_prog *prog, const char *name)
{
	return rc_prog_sym_offset(prog, name) >= 0 ||
	       rc_prog_window_index(prog, name) >= 0;
}

/* STATE and WINDOWS: count (u32), then count entries of name + words. */
static int decode_table(struct reader *r, size_t sec, uint32_t plen,
			bool state, struct rc_prog *prog)
{
	const char *sname = state ? "STATE" : "WINDOWS";
	const char *what = state ? "state group" : "window";
	uint32_t max = state ? RC_SYMBOLS_MAX : RC_WINDOWS_MAX;
	size_t off = sec + SEC_HDR_LEN;
	uint32_t count = get32(r->p + off);
	uint64_t total = 0;

	if (count == 0)
		return bad(r, "empty %s section at offset %zu (an empty "
			   "section must be left out)", sname, sec);
	if (count > max)
		return bad(r, "%s section at offset %zu: count %u exceeds the "
			   "limit of %u", sname, sec, count, max);
	if (plen != 4 + (uint64_t)count * ENTRY_LEN)
		return bad(r, "%s section at offset %zu has length %u, "
			   "expected %u for count %u", sname, sec, plen,
			   4 + count * ENTRY_LEN, count);
	off += 4;
	for (uint32_t i = 0; i < count; i++, off += ENTRY_LEN) {
		char name[RC_NAME_MAX];
		uint32_t words = get32(r->p + off + RC_NAME_MAX);
		int err = check_name(r, off, what, name);

		if (err)
			return err;
		if (name_used(prog, name))
			return bad(r, "duplicate name '%s' at offset %zu",
				   name, off);
		if (state) {
			total += words;
			if (words == 0)
				return bad(r, "state group '%s' at offset %zu "
					   "has 0 words", name, off);
			if (total > RC_STATE_MAX)
				return bad(r, "state group '%s' at offset %zu "
					   "makes the data area %llu words, "
					   "more than %d", name, off,
					   (unsigned long long)total,
					   RC_STATE_MAX);
			memcpy(prog->syms[i].name, name, sizeof(name));
			prog->syms[i].words = words;
			prog->nsyms = i + 1;
		} else {
			if (words == 0 || words > RC_WINDOW_WORDS_MAX)
				return bad(r, "window '%s' at offset %zu has "
					   "%u words, outside 1..%d", name,
					   off, words, RC_WINDOW_WORDS_MAX);
			memcpy(prog->windows[i].name, name, sizeof(name));
			prog->windows[i].words = words;
			prog->nwindows = i + 1;
		}
	}
	if (state)
		prog->state_words = total;
	return 0;
}

static void decode_code(struct reader *r, size_t off, uint32_t plen,
			struct rc_prog *prog)
{
	prog->ninsns = plen / INSN_LEN;
	for (uint32_t i = 0; i < prog->ninsns; i++, off += INSN_LEN) {
		const uint8_t *b = r->p + off;

		prog->insns[i].op = b[0];
		prog->insns[i].a = b[1];
		prog->insns[i].rsvd = get16(b + 2);
		prog->insns[i].imm = (int32_t)get32(b + 4);
	}
}

/* Checks of a section's length that need none of its payload, so that an
 * absurd length is named as such rather than as a truncation. */
static int check_length(struct reader *r, size_t sec, unsigned int type,
			uint32_t plen)
{
	uint32_t max;

	switch (type) {
	case SEC_META:
		if (plen != META_LEN)
			return bad(r, "META section at offset %zu has length "
				   "%u, expected %d", sec, plen, META_LEN);
		return 0;
	case SEC_STATE:
	case SEC_WINDOWS:
		max = type == SEC_STATE ? RC_SYMBOLS_MAX : RC_WINDOWS_MAX;
		if (plen < 4 || (plen - 4) % ENTRY_LEN ||
		    (plen - 4) / ENTRY_LEN > max)
			return bad(r, "%s section at offset %zu has length %u, "
				   "not 4 + %d * count with count <= %u",
				   sec_names[type], sec, plen, ENTRY_LEN, max);
		return 0;
	case SEC_CODE:
		if (plen % INSN_LEN)
			return bad(r, "CODE section at offset %zu has length "
				   "%u, not a multiple of %d", sec, plen,
				   INSN_LEN);
		if (plen / INSN_LEN > RC_CODE_MAX)
			return bad(r, "CODE section at offset %zu has %u "
				   "slots, more than %d", sec, plen / INSN_LEN,
				   RC_CODE_MAX);
		return 0;
	}
	return 0;
}

static int decode(struct reader *r, struct rc_prog *prog)
{
	const uint8_t *p = r->p;
	unsigned int prev = 0, seen = 0, nsec;
	size_t off = HDR_LEN;
	uint32_t size;
	int err;

	if (r->len < HDR_LEN)
		return bad(r, "truncated header at offset 0: needs %d bytes, "
			   "%zu left", HDR_LEN, r->len);
	if (memcmp(p, RC_BIN_MAGIC, 4))
		return bad(r, "bad magic at offset 0: %02x %02x %02x %02x is "
			   "not \"%s\"", p[0], p[1], p[2], p[3], RC_BIN_MAGIC);
	if (get16(p + 4) != RC_BIN_VERSION)
		return bad(r, "unsupported version %u at offset 4 (expected "
			   "%d)", get16(p + 4), RC_BIN_VERSION);
	size = get32(p + 8);
	if (size != r->len)
		return bad(r, "size field at offset 8 says %u bytes, the file "
			   "has %zu", size, r->len);
	if (get32(p + 12))
		return bad(r, "nonzero reserved field at offset 12: 0x%08x",
			   get32(p + 12));
	nsec = get16(p + 6);
	if (nsec > SEC__MAX)
		return bad(r, "section count %u at offset 6 exceeds %d (one "
			   "of each type)", nsec, SEC__MAX);

	for (unsigned int i = 0; i < nsec; i++) {
		size_t sec = off, left = r->len - off;
		unsigned int type;
		uint32_t plen;
		uint64_t need;

		if (left < SEC_HDR_LEN)
			return bad(r, "truncated section header at offset %zu: "
				   "needs %d bytes, %zu left", sec,
				   SEC_HDR_LEN, left);
		type = get16(p + sec);
		plen = get32(p + sec + 4);
		if (type == 0 || type > SEC__MAX)
			return bad(r, "unknown section type %u at offset %zu",
				   type, sec);
		if (seen & 1u << type)
			return bad(r, "duplicate %s section at offset %zu",
				   sec_names[type], sec);
		if (type < prev)
			return bad(r, "%s section at offset %zu after %s: "
				   "sections must be in ascending type order",
				   sec_names[type], sec, sec_names[prev]);
		prev = type;
		seen |= 1u << type;
		if (get16(p + sec + 2))
			return bad(r, "nonzero reserved field in %s section "
				   "header at offset %zu", sec_names[type],
				   sec + 2);
		err = check_length(r, sec, type, plen);
		if (err)
			return err;
		/* 64-bit arithmetic: plen near 4 GiB must not wrap. */
		need = SEC_HDR_LEN + (((uint64_t)plen + 7) & ~(uint64_t)7);
		if (need > left)
			return bad(r, "truncated %s section at offset %zu: "
				   "needs %llu bytes, %zu left",
				   sec_names[type], sec,
				   (unsigned long long)need, left);
		for (size_t j = sec + SEC_HDR_LEN + plen; j < sec + need; j++)
			if (p[j])
				return bad(r, "nonzero padding byte 0x%02x at "
					   "offset %zu after the %s section",
					   p[j], j, sec_names[type]);

		switch (type) {
		case SEC_META:
			err = decode_meta(r, sec + SEC_HDR_LEN, prog);
			break;
		case SEC_STATE:
		case SEC_WINDOWS:
			err = decode_table(r, sec, plen, type == SEC_STATE,
					   prog);
			break;
		case SEC_CODE:
			decode_code(r, sec + SEC_HDR_LEN, plen, prog);
			break;
		}
		if (err)
			return err;
		off = sec + need;
	}
	if (off != r->len)
		return bad(r, "%zu bytes of trailing data at offset %zu after "
			   "%u sections", r->len - off, off, nsec);
	if (!(seen & 1u << SEC_META))
		return bad(r, "missing META section");
	if (!(seen & 1u << SEC_CODE))
		return bad(r, "missing CODE section");
	return 0;
}

/* Forget everything but the origin; debug information belongs to the
 * text the program came from, which a binary does not have. */
static void prog_reset(struct rc_prog *prog, const char *origin)
{
	if (prog->src) {
		free(prog->src->path);
		free(prog->src->text);
		free(prog->src->line_start);
		free(prog->src);
	}
	free(prog->loc);
	memset(prog, 0, sizeof(*prog));
	prog->budget = RC_BUDGET_DEFAULT;
	snprintf(prog->origin, sizeof(prog->origin), "%s",
		 origin ? origin : "<input>");
}

int rc_bin_decode(const void *buf, size_t len, const char *origin,
		  struct rc_prog *prog, struct rc_diags *d)
{
	struct reader r = { .p = buf, .len = buf ? len : 0, .origin = origin,
			    .d = d };
	int err;

	prog_reset(prog, origin);
	err = decode(&r, prog);
	if (err)	/* no half-decoded program escapes */
		prog_reset(prog, origin);
	return err;
}

/* ---- encoding ------------------------------------------------------------ */

/* NUL-padded, as the decoder requires; at most RC_NAME_MAX-1 characters. */
static void put_name(uint8_t *p, const char *name)
{
	size_t n = strnlen(name, RC_NAME_MAX - 1);

	memset(p, 0, RC_NAME_MAX);
	memcpy(p, name, n);
}

static uint8_t *put_sec(uint8_t *p, unsigned int type, uint32_t plen)
{
	put16(p, type);
	put16(p + 2, 0);
	put32(p + 4, plen);
	return p + SEC_HDR_LEN;
}

/*
 * Serialization only: a program the verifier would reject still encodes,
 * so that tests and tools can produce any file the format can express.
 * What the format cannot express (counts beyond the arrays) is -EINVAL.
 */
int rc_bin_encode(const struct rc_prog *prog, uint8_t **out, size_t *len)
{
	size_t size = HDR_LEN, n;
	unsigned int nsec = 2;
	uint8_t *buf, *p;

	*out = NULL;
	*len = 0;
	if (prog->nsyms > RC_SYMBOLS_MAX || prog->nwindows > RC_WINDOWS_MAX ||
	    prog->ninsns > RC_CODE_MAX)
		return -EINVAL;
	size += SEC_HDR_LEN + pad8(META_LEN);
	if (prog->nsyms) {
		size += SEC_HDR_LEN + pad8(4 + prog->nsyms * ENTRY_LEN);
		nsec++;
	}
	if (prog->nwindows) {
		size += SEC_HDR_LEN + pad8(4 + prog->nwindows * ENTRY_LEN);
		nsec++;
	}
	size += SEC_HDR_LEN + (size_t)prog->ninsns * INSN_LEN;

	/* calloc: padding and reserved fields are zero from the start. */
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, RC_BIN_MAGIC, 4);
	put16(buf + 4, RC_BIN_VERSION);
	put16(buf + 6, nsec);
	put32(buf + 8, size);
	p = buf + HDR_LEN;

	p = put_sec(p, SEC_META, META_LEN);
	put_name(p, prog->name);
	put32(p + RC_NAME_MAX, prog->portal);
	put32(p + RC_NAME_MAX + 4, prog->budget);
	p += pad8(META_LEN);

	if (prog->nsyms) {
		n = 4 + prog->nsyms * ENTRY_LEN;
		p = put_sec(p, SEC_STATE, n);
		put32(p, prog->nsyms);
		for (uint32_t i = 0; i < prog->nsyms; i++) {
			put_name(p + 4 + i * ENTRY_LEN, prog->syms[i].name);
			put32(p + 4 + i * ENTRY_LEN + RC_NAME_MAX,
			      prog->syms[i].words);
		}
		p += pad8(n);
	}
	if (prog->nwindows) {
		n = 4 + prog->nwindows * ENTRY_LEN;
		p = put_sec(p, SEC_WINDOWS, n);
		put32(p, prog->nwindows);
		for (uint32_t i = 0; i < prog->nwindows; i++) {
			put_name(p + 4 + i * ENTRY_LEN,
				 prog->windows[i].name);
			put32(p + 4 + i * ENTRY_LEN + RC_NAME_MAX,
			      prog->windows[i].words);
		}
		p += pad8(n);
	}

	p = put_sec(p, SEC_CODE, prog->ninsns * INSN_LEN);
	for (uint32_t i = 0; i < prog->ninsns; i++, p += INSN_LEN) {
		const struct rc_insn *in = &prog->insns[i];

		p[0] = in->op;
		p[1] = in->a;
		put16(p + 2, in->rsvd);
		put32(p + 4, (uint32_t)in->imm);
	}
	*out = buf;
	*len = size;
	return 0;
}
