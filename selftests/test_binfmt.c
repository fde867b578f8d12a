// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_binfmt.c - the .rbin container (docs/rcode.md, section 7) and the
 * disassembler's listing of what it holds.
 *
 * A sample program is encoded once; every rejection test patches a copy
 * of that file and requires exactly one error with exactly the expected
 * text.  A seeded random-mutation loop then throws damaged files at the
 * decoder (and the accepted ones at the encoder and the disassembler): it
 * must never crash, and whatever it accepts must re-encode to the same
 * bytes.  The listing tests use hand-built programs, odd encodings
 * included, because the disassembler must show unverified binaries too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"
#include "rc_test.h"
#include "rcode.h"

#define ORIGIN "t.rbin"

/* Layout of the sample file, from docs/rcode.md section 7. */
#define OFF_META	16
#define OFF_NAME	(OFF_META + 8)
#define OFF_STATE	64
#define OFF_SYM(i)	(OFF_STATE + 12 + 36 * (i))
#define OFF_WINDOWS	184
#define OFF_WIN(i)	(OFF_WINDOWS + 12 + 36 * (i))
#define OFF_CODE	272
#define SAMPLE_LEN	400

struct bin {
	uint8_t *p;
	size_t len;
};

static struct bin sample_file;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static struct rc_insn I(unsigned int op, unsigned int a, int32_t imm)
{
	return (struct rc_insn){ .op = op, .a = a, .imm = imm };
}

static void add_sym(struct rc_prog *p, const char *name, uint32_t words)
{
	snprintf(p->syms[p->nsyms].name, RC_NAME_MAX, "%s", name);
	p->syms[p->nsyms++].words = words;
	p->state_words += words;
}

static void add_window(struct rc_prog *p, const char *name, uint32_t words)
{
	snprintf(p->windows[p->nwindows].name, RC_NAME_MAX, "%s", name);
	p->windows[p->nwindows++].words = words;
}

/* Every kind of section and operand, and a push64 and a jump. */
static struct rc_prog *sample_prog(void)
{
	struct rc_prog *p = rc_prog_new();
	uint32_t n = 0;

	strcpy(p->name, "gsum");
	p->portal = 7;
	p->budget = 64;
	add_sym(p, "count", 1);
	add_sym(p, "sum", 1);
	add_sym(p, "vec", 4);
	add_window(p, "result", 1);
	add_window(p, "hist", 16);
	p->insns[n++] = I(RC_OP_ldp64, 0, 0);
	p->insns[n++] = I(RC_OP_xadds, 0, 1);
	p->insns[n++] = I(RC_OP_pop, 0, 0);
	p->insns[n++] = I(RC_OP_push, 0, 1);
	p->insns[n++] = I(RC_OP_xadds, 0, 0);
	p->insns[n++] = I(RC_OP_push64, 0, 0x55667788);
	p->insns[n++] = I(0, 0, 0x11223344);
	p->insns[n++] = I(RC_OP_pop, 0, 0);
	p->insns[n++] = I(RC_OP_lds, 0, 4);
	p->insns[n++] = I(RC_OP_jz, 0, 2);		/* to pc 12 */
	p->insns[n++] = I(RC_OP_ldw, 1, 3);
	p->insns[n++] = I(RC_OP_stw, 0, 0);
	p->insns[n++] = I(RC_OP_ldh, 0, RC_FIELD_SEQ);
	p->insns[n++] = I(RC_OP_sth, 0, RC_FIELD_TAG);
	p->insns[n++] = I(RC_OP_pass, 0, 0);
	p->ninsns = n;
	return p;
}

static struct bin clone(void)
{
	struct bin b = { malloc(sample_file.len + 64), sample_file.len };

	memcpy(b.p, sample_file.p, b.len);
	return b;
}

static void fix_size(struct bin *b)
{
	put32(b->p + 8, b->len);
}

/* Remove n bytes at off; the size field follows. */
static void cut(struct bin *b, size_t off, size_t n)
{
	memmove(b->p + off, b->p + off + n, b->len - off - n);
	b->len -= n;
	fix_size(b);
}

static void set_nsec(struct bin *b, unsigned int n)
{
	put16(b->p + 6, n);
}

/* Decode b, which must fail with exactly one error reading msg. */
static void expect_reject(struct bin b, const char *msg, const char *what)
{
	struct rc_prog *p = rc_prog_new();
	char want[400], got[400] = "(no diagnostic)";
	struct rc_diags d;
	int err;

	rc_diags_init(&d);
	err = rc_bin_decode(b.p, b.len, ORIGIN, p, &d);
	snprintf(want, sizeof(want), ORIGIN ": error: %s", msg);
	if (d.n)
		rc_diag_format_line(&d.v[0], got, sizeof(got));
	if (err != -EINVAL)
		TEST_FAIL(what, "decode returned %d, not -EINVAL", err);
	else if (d.nerrors != 1 || d.n != 1)
		TEST_FAIL(what, "%zu diagnostics, %zu errors; first: %s", d.n,
			  d.nerrors, got);
	else if (strcmp(want, got))
		TEST_FAIL(what, "expected \"%s\", got \"%s\"", want, got);
	else if (p->ninsns || p->nsyms || p->nwindows || p->name[0])
		TEST_FAIL(what, "a rejected file left a program behind");
	else
		TEST_PASS(what);
	rc_diags_free(&d);
	rc_prog_free(p);
	free(b.p);
}

/* Decode b, which must succeed and re-encode to the same bytes. */
static void expect_accept(struct bin b, const char *what)
{
	struct rc_prog *p = rc_prog_new();
	struct rc_diags d;
	uint8_t *out = NULL;
	size_t len = 0;
	int err;

	rc_diags_init(&d);
	err = rc_bin_decode(b.p, b.len, ORIGIN, p, &d);
	if (err || d.n) {
		char got[400] = "";

		if (d.n)
			rc_diag_format_line(&d.v[0], got, sizeof(got));
		TEST_FAIL(what, "decode returned %d: %s", err, got);
	} else if (rc_bin_encode(p, &out, &len)) {
		TEST_FAIL(what, "encode failed");
	} else if (len != b.len || memcmp(out, b.p, len)) {
		TEST_FAIL(what, "re-encoding differs (%zu bytes, was %zu)",
			  len, b.len);
	} else {
		TEST_PASS(what);
	}
	free(out);
	rc_diags_free(&d);
	rc_prog_free(p);
	free(b.p);
}

static struct bin encode(const struct rc_prog *p)
{
	struct bin b = { NULL, 0 };

	if (rc_bin_encode(p, &b.p, &b.len))
		TEST_FAIL("encode", "rc_bin_encode failed");
	return b;
}

/* ---- the valid file ------------------------------------------------------ */

static void test_layout(void)
{
	static const uint8_t head[] = {
		'R', 'C', 'O', 'D', 1, 0, 4, 0,
		SAMPLE_LEN & 0xff, SAMPLE_LEN >> 8, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 40, 0, 0, 0,		/* META */
		'g', 's', 'u', 'm', 0,
	};
	/* ldp64 0, then push64 0x1122334455667788 at pc 5 */
	static const uint8_t code[] = {
		4, 0, 0, 0, 120, 0, 0, 0,
		0x47, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t wide[] = {
		0x02, 0, 0, 0, 0x88, 0x77, 0x66, 0x55,
		0x00, 0, 0, 0, 0x44, 0x33, 0x22, 0x11,
	};
	const uint8_t *f = sample_file.p;
	bool pad_zero = true;

	ASSERT_EQ(sample_file.len, SAMPLE_LEN, "layout: file size");
	ASSERT_TRUE(!memcmp(f, head, sizeof(head)),
		    "layout: header and META section header");
	ASSERT_EQ(get32(f + OFF_META + 8 + 32), 7, "layout: portal");
	ASSERT_EQ(get32(f + OFF_META + 8 + 36), 64, "layout: budget");
	ASSERT_EQ(get32(f + OFF_STATE), 2, "layout: STATE type");
	ASSERT_EQ(get32(f + OFF_STATE + 4), 4 + 3 * 36, "layout: STATE length");
	ASSERT_EQ(get32(f + OFF_STATE + 8), 3, "layout: STATE count");
	ASSERT_STREQ((const char *)f + OFF_SYM(2), "vec", "layout: third group");
	ASSERT_EQ(get32(f + OFF_SYM(2) + 32), 4, "layout: third group words");
	ASSERT_EQ(get32(f + OFF_WINDOWS + 4), 4 + 2 * 36,
		  "layout: WINDOWS length (unpadded)");
	ASSERT_EQ(get32(f + OFF_WIN(1) + 32), 16, "layout: window words");
	for (int i = 268; i < OFF_CODE; i++)
		pad_zero &= !f[i];
	ASSERT_TRUE(pad_zero, "layout: WINDOWS padded with zeros to 272");
	ASSERT_TRUE(!memcmp(f + OFF_CODE, code, sizeof(code)),
		    "layout: CODE header and first slot");
	ASSERT_TRUE(!memcmp(f + OFF_CODE + 8 + 5 * 8, wide, sizeof(wide)),
		    "layout: push64 slots, little-endian halves");
	ASSERT_TRUE(rc_bin_is_binary(f, sample_file.len), "is_binary: sample");
	ASSERT_TRUE(!rc_bin_is_binary(f, 3), "is_binary: 3 bytes");
	ASSERT_TRUE(!rc_bin_is_binary(".handler x\n", 11), "is_binary: text");
	ASSERT_TRUE(!rc_bin_is_binary(NULL, 0), "is_binary: NULL");
}

static void test_decode_sample(void)
{
	struct rc_prog *want = sample_prog(), *p = rc_prog_new();
	struct rc_diags d;
	int err;

	rc_diags_init(&d);
	err = rc_bin_decode(sample_file.p, sample_file.len, ORIGIN, p, &d);
	ASSERT_EQ(err, 0, "decode sample: returns 0");
	ASSERT_EQ(d.n, 0, "decode sample: no diagnostics");
	ASSERT_STREQ(p->name, "gsum", "decode sample: name");
	ASSERT_EQ(p->portal, 7, "decode sample: portal");
	ASSERT_EQ(p->budget, 64, "decode sample: budget");
	ASSERT_EQ(p->state_words, 6, "decode sample: state_words is the sum");
	ASSERT_EQ(p->nsyms, 3, "decode sample: groups");
	ASSERT_TRUE(!memcmp(p->syms, want->syms, sizeof(p->syms)),
		    "decode sample: group names and words");
	ASSERT_EQ(p->nwindows, 2, "decode sample: windows");
	ASSERT_TRUE(!memcmp(p->windows, want->windows, sizeof(p->windows)),
		    "decode sample: window names and words");
	ASSERT_EQ(p->ninsns, want->ninsns, "decode sample: slots");
	ASSERT_TRUE(!memcmp(p->insns, want->insns,
			    want->ninsns * sizeof(struct rc_insn)),
		    "decode sample: instructions");
	ASSERT_STREQ(p->origin, ORIGIN, "decode sample: origin");
	ASSERT_TRUE(!p->src && !p->loc, "decode sample: no debug info");
	rc_diags_free(&d);
	rc_prog_free(p);
	rc_prog_free(want);

	expect_accept(clone(), "identity: sample decodes and re-encodes");
}

/* Files the container allows although the verifier will not. */
static void test_accept_edges(void)
{
	struct rc_prog *p = rc_prog_new();
	struct bin b;

	strcpy(p->name, "n");
	b = encode(p);
	ASSERT_EQ(b.len, 16 + 48 + 8, "edge: empty program is 72 bytes");
	ASSERT_EQ(b.p[6], 2, "edge: only META and CODE");
	expect_accept(b, "edge: empty CODE section accepted");

	/* Unknown opcodes, reserved bits, a truncated push64: for the
	 * verifier to judge, so the decoder keeps them bit for bit. */
	p->insns[0] = (struct rc_insn){ 0xff, 0xee, 0xdddd, -0x22334455 };
	p->insns[1] = I(RC_OP_push64, 0, 1);
	p->ninsns = 2;
	p->portal = 0xffffffff;
	p->budget = 0;
	expect_accept(encode(p), "edge: odd instructions, portal, budget kept");

	memset(p->name, 'a', 31);
	p->name[31] = '\0';
	p->ninsns = RC_CODE_MAX;
	for (int i = 0; i < 64; i++)
		add_sym(p, "", 4);
	for (int i = 0; i < 64; i++)
		snprintf(p->syms[i].name, RC_NAME_MAX, "s%d", i);
	for (int i = 0; i < 8; i++)
		add_window(p, "", RC_WINDOW_WORDS_MAX);
	for (int i = 0; i < 8; i++)
		snprintf(p->windows[i].name, RC_NAME_MAX, "_W%d", i);
	expect_accept(encode(p), "edge: every limit reached exactly");
	rc_prog_free(p);
}

static void test_encode_limits(void)
{
	struct rc_prog *p = rc_prog_new();
	uint8_t *out = (uint8_t *)1;
	size_t len = 1;

	p->ninsns = RC_CODE_MAX + 1;
	ASSERT_EQ(rc_bin_encode(p, &out, &len), -EINVAL,
		  "encode: too many slots is -EINVAL");
	ASSERT_TRUE(!out && !len, "encode: *out cleared on error");
	p->ninsns = 0;
	p->nsyms = RC_SYMBOLS_MAX + 1;
	ASSERT_EQ(rc_bin_encode(p, &out, &len), -EINVAL,
		  "encode: too many groups is -EINVAL");
	p->nsyms = 0;
	p->nwindows = RC_WINDOWS_MAX + 1;
	ASSERT_EQ(rc_bin_encode(p, &out, &len), -EINVAL,
		  "encode: too many windows is -EINVAL");
	rc_prog_free(p);
}

/* A program that had debug information loses it, without a leak. */
static void test_decode_into_used_prog(void)
{
	struct rc_prog *p = rc_prog_new();
	struct rc_diags d;

	rc_diags_init(&d);
	p->src = calloc(1, sizeof(*p->src));
	p->src->text = strdup("x");
	p->loc = calloc(RC_CODE_MAX, sizeof(*p->loc));
	p->ninsns = 99;
	ASSERT_EQ(rc_bin_decode(sample_file.p, sample_file.len, NULL, p, &d),
		  0, "reuse: decode into a program with debug info");
	ASSERT_TRUE(!p->src && !p->loc, "reuse: debug info released");
	ASSERT_STREQ(p->origin, "<input>", "reuse: NULL origin");
	ASSERT_EQ(rc_bin_decode(NULL, 5, "x", p, &d), -EINVAL,
		  "reuse: NULL buffer rejected");
	ASSERT_EQ(p->ninsns, 0, "reuse: rejected decode leaves it empty");
	rc_diags_free(&d);
	rc_prog_free(p);
}

/* ---- every way to be wrong ----------------------------------------------- */

static void test_header(void)
{
	struct bin b;

	b = clone();
	b.len = 0;
	expect_reject(b, "truncated header at offset 0: needs 16 bytes, 0 left",
		      "header: empty file");
	b = clone();
	b.len = 15;
	expect_reject(b, "truncated header at offset 0: needs 16 bytes, 15 left",
		      "header: 15 bytes");
	b = clone();
	b.p[3] = 'E';
	expect_reject(b, "bad magic at offset 0: 52 43 4f 45 is not \"RCOD\"",
		      "header: wrong magic");
	b = clone();
	put16(b.p + 4, 2);
	expect_reject(b, "unsupported version 2 at offset 4 (expected 1)",
		      "header: version 2");
	b = clone();
	put16(b.p + 4, 0);
	expect_reject(b, "unsupported version 0 at offset 4 (expected 1)",
		      "header: version 0");
	b = clone();
	put32(b.p + 8, 401);
	expect_reject(b, "size field at offset 8 says 401 bytes, the file has 400",
		      "header: size field too large");
	b = clone();
	b.len -= 8;
	expect_reject(b, "size field at offset 8 says 400 bytes, the file has 392",
		      "header: file shorter than its size field");
	b = clone();
	b.p[b.len++] = 0;
	expect_reject(b, "size field at offset 8 says 400 bytes, the file has 401",
		      "header: file longer than its size field");
	b = clone();
	put32(b.p + 8, 0xffffffff);
	expect_reject(b, "size field at offset 8 says 4294967295 bytes, the file has 400",
		      "header: absurd size field");
	b = clone();
	b.p[12] = 1;
	expect_reject(b, "nonzero reserved field at offset 12: 0x00000001",
		      "header: reserved low byte");
	b = clone();
	b.p[15] = 0x80;
	expect_reject(b, "nonzero reserved field at offset 12: 0x80000000",
		      "header: reserved high byte");
	b = clone();
	set_nsec(&b, 5);
	expect_reject(b, "section count 5 at offset 6 exceeds 4 (one of each type)",
		      "header: 5 sections");
	b = clone();
	set_nsec(&b, 0xffff);
	expect_reject(b, "section count 65535 at offset 6 exceeds 4 (one of each type)",
		      "header: 65535 sections");
	b = clone();
	set_nsec(&b, 3);
	expect_reject(b, "128 bytes of trailing data at offset 272 after 3 sections",
		      "header: count one short");
	b = clone();
	set_nsec(&b, 0);
	expect_reject(b, "384 bytes of trailing data at offset 16 after 0 sections",
		      "header: count 0 with sections present");
	b = clone();
	b.len = 16;
	fix_size(&b);
	set_nsec(&b, 0);
	expect_reject(b, "missing META section", "header: no sections at all");
	b = clone();
	memset(b.p + b.len, 0, 8);
	b.len += 8;
	fix_size(&b);
	expect_reject(b, "8 bytes of trailing data at offset 400 after 4 sections",
		      "header: trailing bytes");
}

static void test_sections(void)
{
	struct bin b;

	b = clone();
	b.len = OFF_CODE + 4;
	fix_size(&b);
	expect_reject(b, "truncated section header at offset 272: needs 8 bytes, 4 left",
		      "section: truncated header");
	b = clone();
	b.len = OFF_CODE + 28;
	fix_size(&b);
	expect_reject(b, "truncated CODE section at offset 272: needs 128 bytes, 28 left",
		      "section: truncated payload");
	b = clone();
	b.len = OFF_CODE + 8;
	fix_size(&b);
	expect_reject(b, "truncated CODE section at offset 272: needs 128 bytes, 8 left",
		      "section: header without payload");
	/* Payload complete, padding missing. */
	b = clone();
	cut(&b, OFF_CODE, SAMPLE_LEN - OFF_CODE);
	set_nsec(&b, 3);
	b.len = 268;
	fix_size(&b);
	expect_reject(b, "truncated WINDOWS section at offset 184: needs 88 bytes, 84 left",
		      "section: truncated padding");
	b = clone();
	b.p[OFF_STATE + 2] = 1;
	expect_reject(b, "nonzero reserved field in STATE section header at offset 66",
		      "section: reserved field");
	b = clone();
	b.p[269] = 0xaa;
	expect_reject(b, "nonzero padding byte 0xaa at offset 269 after the WINDOWS section",
		      "section: nonzero padding");
	b = clone();
	put16(b.p + OFF_CODE, 5);
	expect_reject(b, "unknown section type 5 at offset 272",
		      "section: unknown type 5");
	b = clone();
	put16(b.p + OFF_META, 0);
	expect_reject(b, "unknown section type 0 at offset 16",
		      "section: unknown type 0");
	b = clone();
	put16(b.p + OFF_WINDOWS, 0xffff);
	expect_reject(b, "unknown section type 65535 at offset 184",
		      "section: unknown type 65535");
	b = clone();
	put16(b.p + OFF_WINDOWS, 2);
	expect_reject(b, "duplicate STATE section at offset 184",
		      "section: STATE twice");
	b = clone();
	put16(b.p + OFF_CODE, 1);
	expect_reject(b, "duplicate META section at offset 272",
		      "section: META again at the end");
	/* META, CODE, STATE: CODE moved before STATE. */
	b = clone();
	{
		uint8_t tmp[SAMPLE_LEN];
		size_t n = 0;

		memcpy(tmp, b.p, OFF_STATE);
		n = OFF_STATE;
		memcpy(tmp + n, b.p + OFF_CODE, SAMPLE_LEN - OFF_CODE);
		n += SAMPLE_LEN - OFF_CODE;
		memcpy(tmp + n, b.p + OFF_STATE, OFF_WINDOWS - OFF_STATE);
		n += OFF_WINDOWS - OFF_STATE;
		memcpy(b.p, tmp, n);
		b.len = n;
		fix_size(&b);
		set_nsec(&b, 3);
	}
	expect_reject(b, "STATE section at offset 192 after CODE: sections must be in ascending type order",
		      "section: out of order");
	b = clone();
	cut(&b, OFF_META, OFF_STATE - OFF_META);
	set_nsec(&b, 3);
	expect_reject(b, "missing META section", "section: no META");
	b = clone();
	cut(&b, OFF_CODE, SAMPLE_LEN - OFF_CODE);
	set_nsec(&b, 3);
	expect_reject(b, "missing CODE section", "section: no CODE");

	/* Lengths. */
	b = clone();
	put32(b.p + OFF_META + 4, 41);
	expect_reject(b, "META section at offset 16 has length 41, expected 40",
		      "length: META 41");
	b = clone();
	put32(b.p + OFF_META + 4, 0);
	expect_reject(b, "META section at offset 16 has length 0, expected 40",
		      "length: META 0");
	b = clone();
	put32(b.p + OFF_STATE + 4, 111);
	expect_reject(b, "STATE section at offset 64 has length 111, not 4 + 36 * count with count <= 64",
		      "length: STATE not 4 + 36n");
	b = clone();
	put32(b.p + OFF_STATE + 4, 2);
	expect_reject(b, "STATE section at offset 64 has length 2, not 4 + 36 * count with count <= 64",
		      "length: STATE shorter than its count");
	b = clone();
	put32(b.p + OFF_STATE + 4, 4 + 36 * 65);
	expect_reject(b, "STATE section at offset 64 has length 2344, not 4 + 36 * count with count <= 64",
		      "length: STATE room for 65 groups");
	b = clone();
	put32(b.p + OFF_WINDOWS + 4, 4 + 36 * 9);
	expect_reject(b, "WINDOWS section at offset 184 has length 328, not 4 + 36 * count with count <= 8",
		      "length: WINDOWS room for 9 windows");
	b = clone();
	put32(b.p + OFF_CODE + 4, 119);
	expect_reject(b, "CODE section at offset 272 has length 119, not a multiple of 8",
		      "length: CODE 119");
	b = clone();
	put32(b.p + OFF_CODE + 4, 0xffffffff);
	expect_reject(b, "CODE section at offset 272 has length 4294967295, not a multiple of 8",
		      "length: CODE 0xffffffff");
	b = clone();
	put32(b.p + OFF_CODE + 4, 0xfffffff8);
	expect_reject(b, "CODE section at offset 272 has 536870911 slots, more than 4096",
		      "length: CODE 0xfffffff8");
	b = clone();
	put32(b.p + OFF_CODE + 4, 4097 * 8);
	expect_reject(b, "CODE section at offset 272 has 4097 slots, more than 4096",
		      "length: CODE 4097 slots");
	b = clone();
	put32(b.p + OFF_CODE + 4, 128);
	expect_reject(b, "truncated CODE section at offset 272: needs 136 bytes, 128 left",
		      "length: CODE one slot longer than the file");
}

static void test_tables(void)
{
	struct bin b;

	b = clone();
	put32(b.p + OFF_STATE + 8, 0);
	expect_reject(b, "empty STATE section at offset 64 (an empty section must be left out)",
		      "table: STATE count 0");
	b = clone();
	put32(b.p + OFF_STATE + 8, 65);
	expect_reject(b, "STATE section at offset 64: count 65 exceeds the limit of 64",
		      "table: STATE count 65");
	b = clone();
	put32(b.p + OFF_STATE + 8, 0xffffffff);
	expect_reject(b, "STATE section at offset 64: count 4294967295 exceeds the limit of 64",
		      "table: STATE count 0xffffffff");
	b = clone();
	put32(b.p + OFF_STATE + 8, 2);
	expect_reject(b, "STATE section at offset 64 has length 112, expected 76 for count 2",
		      "table: STATE count disagrees with length");
	b = clone();
	put32(b.p + OFF_WINDOWS + 8, 9);
	expect_reject(b, "WINDOWS section at offset 184: count 9 exceeds the limit of 8",
		      "table: WINDOWS count 9");
	b = clone();
	put32(b.p + OFF_WINDOWS + 8, 0);
	expect_reject(b, "empty WINDOWS section at offset 184 (an empty section must be left out)",
		      "table: WINDOWS count 0");

	b = clone();
	put32(b.p + OFF_SYM(0) + 32, 0);
	expect_reject(b, "state group 'count' at offset 76 has 0 words",
		      "table: state group of 0 words");
	b = clone();
	put32(b.p + OFF_SYM(2) + 32, 255);
	expect_reject(b, "state group 'vec' at offset 148 makes the data area 257 words, more than 256",
		      "table: data area 257 words");
	b = clone();
	put32(b.p + OFF_SYM(0) + 32, 0xffffffff);
	expect_reject(b, "state group 'count' at offset 76 makes the data area 4294967295 words, more than 256",
		      "table: group of 2^32-1 words");
	b = clone();
	put32(b.p + OFF_SYM(1) + 32, 0xffffffff);
	expect_reject(b, "state group 'sum' at offset 112 makes the data area 4294967296 words, more than 256",
		      "table: total past 2^32 does not wrap");
	b = clone();
	put32(b.p + OFF_SYM(2) + 32, 254);
	expect_accept(b, "table: data area of exactly 256 words");
	b = clone();
	put32(b.p + OFF_WIN(0) + 32, 0);
	expect_reject(b, "window 'result' at offset 196 has 0 words, outside 1..65536",
		      "table: window of 0 words");
	b = clone();
	put32(b.p + OFF_WIN(1) + 32, 65537);
	expect_reject(b, "window 'hist' at offset 232 has 65537 words, outside 1..65536",
		      "table: window of 65537 words");
}

static void test_names(void)
{
	struct bin b;

	b = clone();
	b.p[OFF_NAME] = 0;
	expect_reject(b, "empty handler name at offset 24",
		      "name: empty handler name");
	b = clone();
	b.p[OFF_NAME + 1] = '-';
	expect_reject(b, "invalid character 0x2d in handler name at offset 25",
		      "name: '-' in handler name");
	b = clone();
	b.p[OFF_NAME] = '9';
	expect_reject(b, "invalid character 0x39 in handler name at offset 24",
		      "name: handler name starts with a digit");
	b = clone();
	b.p[OFF_NAME + 2] = 0xc3;
	expect_reject(b, "invalid character 0xc3 in handler name at offset 26",
		      "name: non-ASCII byte");
	b = clone();
	b.p[OFF_NAME + 30] = 'x';
	expect_reject(b, "nonzero byte 0x78 after the handler name at offset 54",
		      "name: garbage after the NUL");
	b = clone();
	b.p[OFF_NAME + 31] = 1;
	expect_reject(b, "nonzero byte 0x01 after the handler name at offset 55",
		      "name: garbage in the last byte");
	b = clone();
	memset(b.p + OFF_NAME, 'a', 32);
	expect_reject(b, "handler name at offset 24 is not NUL-terminated within 32 bytes",
		      "name: 32 characters");
	b = clone();
	memset(b.p + OFF_NAME, 'a', 31);
	expect_accept(b, "name: 31 characters");
	b = clone();
	b.p[OFF_SYM(1)] = '.';
	expect_reject(b, "invalid character 0x2e in state group name at offset 112",
		      "name: bad state group name");
	b = clone();
	b.p[OFF_SYM(2) + 3] = 'x';	/* "vec" -> "vecx" is fine ... */
	b.p[OFF_SYM(2) + 5] = 'y';	/* ... "vecx\0y" is not */
	expect_reject(b, "nonzero byte 0x79 after the state group name at offset 153",
		      "name: garbage after a state group name");
	b = clone();
	b.p[OFF_WIN(1) + 1] = ' ';
	expect_reject(b, "invalid character 0x20 in window name at offset 233",
		      "name: bad window name");
	b = clone();
	memset(b.p + OFF_WIN(0), 0, 32);
	expect_reject(b, "empty window name at offset 196", "name: empty window name");
	b = clone();
	memcpy(b.p + OFF_SYM(1), "count", 6);
	expect_reject(b, "duplicate name 'count' at offset 112",
		      "name: two state groups of one name");
	b = clone();
	memcpy(b.p + OFF_WIN(0), "vec\0\0\0", 6);
	expect_reject(b, "duplicate name 'vec' at offset 196",
		      "name: a window named like a state group");
	b = clone();
	memcpy(b.p + OFF_WIN(1), "result", 6);
	expect_reject(b, "duplicate name 'result' at offset 232",
		      "name: two windows of one name");
}

/* ---- random damage ------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static void mutate(struct bin *b, size_t cap)
{
	static const uint32_t interesting[] = {
		0, 1, 2, 3, 4, 7, 8, 36, 40, 64, 65, 255, 256, 4096, 4097,
		65536, 65537, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff,
	};
	unsigned int n = 1 + rnd(3);

	while (n--) {
		size_t off = b->len ? rnd(b->len) : 0;

		switch (rnd(7)) {
		case 0:
			if (b->len)
				b->p[off] = rnd(256);
			break;
		case 1:
			if (b->len)
				b->p[off] ^= 1u << rnd(8);
			break;
		case 2:
			off &= ~(size_t)3;
			if (off + 4 <= b->len)
				put32(b->p + off,
				      interesting[rnd(sizeof(interesting) /
						      sizeof(interesting[0]))]);
			break;
		case 3:
			b->len = rnd(b->len + 1);
			break;
		case 4: {
			size_t add = 1 + rnd(40);

			if (b->len + add > cap)
				add = cap - b->len;
			for (size_t i = 0; i < add; i++)
				b->p[b->len++] = rnd(3) ? 0 : rnd(256);
			break;
		}
		case 5:	/* an instruction field, to reach the disassembler */
			if (b->len > OFF_CODE + 8)
				b->p[OFF_CODE + 8 + rnd(b->len - OFF_CODE - 8)] =
					rnd(2) ? rnd(0x80) : rnd(256);
			break;
		case 6:
			if (b->len >= 8)
				put16(b->p + 6, rnd(6));
			break;
		}
	}
	/* Most of the time keep the size field honest, or nearly nothing
	 * would get past it. */
	if (b->len >= 12 && rnd(4))
		fix_size(b);
}

static void test_mutations(void)
{
	const unsigned int rounds = 20000;
	unsigned int accepted = 0, rejected = 0, bad = 0;
	size_t cap = SAMPLE_LEN + 256;
	struct rc_prog *p = rc_prog_new();
	struct bin b = { malloc(cap), 0 };

	for (unsigned int i = 0; i < rounds; i++) {
		struct rc_diags d;
		uint8_t *out = NULL;
		size_t len = 0;
		char *text = NULL;
		int err;

		memcpy(b.p, sample_file.p, sample_file.len);
		b.len = sample_file.len;
		mutate(&b, cap);
		rc_diags_init(&d);
		err = rc_bin_decode(b.p, b.len, ORIGIN, p, &d);
		if (err) {
			rejected++;
			if ((err != -EINVAL || d.nerrors != 1) && bad++ < 5)
				TEST_FAIL("mutation: rejection", "round %u: "
					  "err %d with %zu errors", i, err,
					  d.nerrors);
		} else {
			char line[128];

			accepted++;
			if (d.n && bad++ < 5)
				TEST_FAIL("mutation: acceptance", "round %u: "
					  "diagnostics on success", i);
			if ((rc_bin_encode(p, &out, &len) || len != b.len ||
			     memcmp(out, b.p, len)) && bad++ < 5)
				TEST_FAIL("mutation: identity", "round %u: an "
					  "accepted file re-encodes differently",
					  i);
			if (rc_disasm(p, NULL, &text) && bad++ < 5)
				TEST_FAIL("mutation: disasm", "round %u", i);
			for (uint32_t pc = 0; pc <= p->ninsns; pc++)
				rc_insn_format(p, pc, line, sizeof(line));
		}
		free(out);
		free(text);
		rc_diags_free(&d);
	}
	printf("mutation: %u files, %u accepted, %u rejected\n", rounds,
	       accepted, rejected);
	ASSERT_EQ(bad, 0, "mutation: 20000 damaged files, no crash, "
			  "every acceptance canonical");
	/* A loop that rejects everything or nothing tests little. */
	ASSERT_TRUE(accepted > rounds / 20 && rejected > rounds / 4,
		    "mutation: both outcomes well represented");
	free(b.p);
	rc_prog_free(p);
}

/* ---- the listing --------------------------------------------------------- */

static void expect_listing(const struct rc_prog *p,
			   const struct rc_disasm_opts *o, const char *want,
			   const char *what)
{
	char *text = NULL;
	int err = rc_disasm(p, o, &text);

	if (err)
		TEST_FAIL(what, "rc_disasm returned %d", err);
	else if (strcmp(text, want))
		TEST_FAIL(what, "listing differs; got:\n%s\n--- expected:\n%s",
			  text, want);
	else
		TEST_PASS(what);
	free(text);
}

static void test_disasm_sample(void)
{
	struct rc_prog *p = sample_prog();
	struct rc_disasm_opts o = { .sz = sizeof(o), .show_pc = true,
				    .show_hex = true };
	char buf[64];

	expect_listing(p, NULL,
		       ".handler gsum\n"
		       ".portal 7\n"
		       ".budget 64\n"
		       ".state count\n"
		       ".state sum\n"
		       ".state vec 4\n"
		       ".window result 1\n"
		       ".window hist 16\n"
		       "\n"
		       "\tldp64 0\n"
		       "\txadds sum\n"
		       "\tpop\n"
		       "\tpush 1\n"
		       "\txadds count\n"
		       "\tpush64 0x1122334455667788\n"
		       "\tpop\n"
		       "\tlds vec+2\n"
		       "\tjz L12\n"
		       "\tldw hist+3\n"
		       "\tstw result\n"
		       "L12:\n"
		       "\tldh seq\n"
		       "\tsth tag\n"
		       "\tpass\n",
		       "disasm: sample listing");

	p->ninsns = 7;
	expect_listing(p, &o,
		       ".handler gsum\n"
		       ".portal 7\n"
		       ".budget 64\n"
		       ".state count\n"
		       ".state sum\n"
		       ".state vec 4\n"
		       ".window result 1\n"
		       ".window hist 16\n"
		       "\n"
		       "\tldp64 0                 ; pc 0    | 47 00 00 00 00 00 00 00\n"
		       "\txadds sum               ; pc 1    | 5c 00 00 00 01 00 00 00\n"
		       "\tpop                     ; pc 2    | 03 00 00 00 00 00 00 00\n"
		       "\tpush 1                  ; pc 3    | 01 00 00 00 01 00 00 00\n"
		       "\txadds count             ; pc 4    | 5c 00 00 00 00 00 00 00\n"
		       "\tpush64 0x1122334455667788 ; pc 5    | 02 00 00 00 88 77 66 55  00 00 00 00 44 33 22 11\n",
		       "disasm: show_pc and show_hex");
	o.show_hex = false;
	p->ninsns = 2;
	expect_listing(p, &o,
		       ".handler gsum\n.portal 7\n.budget 64\n.state count\n"
		       ".state sum\n.state vec 4\n.window result 1\n"
		       ".window hist 16\n\n"
		       "\tldp64 0                 ; pc 0\n"
		       "\txadds sum               ; pc 1\n",
		       "disasm: show_pc alone");
	/* An options struct from an older caller ends before show_pc. */
	o.sz = sizeof(size_t);
	expect_listing(p, &o,
		       ".handler gsum\n.portal 7\n.budget 64\n.state count\n"
		       ".state sum\n.state vec 4\n.window result 1\n"
		       ".window hist 16\n\n"
		       "\tldp64 0\n"
		       "\txadds sum\n",
		       "disasm: options beyond sz are ignored");
	p->ninsns = 15;

	ASSERT_EQ(rc_insn_format(p, 8, buf, sizeof(buf)), 9,
		  "insn_format: length of 'lds vec+2'");
	ASSERT_STREQ(buf, "lds vec+2", "insn_format: state word by name");
	rc_insn_format(p, 9, buf, sizeof(buf));
	ASSERT_STREQ(buf, "jz L12", "insn_format: jump target as L<pc>");
	rc_insn_format(p, 5, buf, sizeof(buf));
	ASSERT_STREQ(buf, "push64 0x1122334455667788", "insn_format: push64");
	ASSERT_EQ(rc_insn_format(p, 10, buf, 4), 10,
		  "insn_format: truncation returns the full length");
	ASSERT_STREQ(buf, "ldw", "insn_format: truncated text");
	ASSERT_EQ(rc_insn_format(p, 10, NULL, 0), 10,
		  "insn_format: NULL buffer measures");
	rc_insn_format(p, 15, buf, sizeof(buf));
	ASSERT_STREQ(buf, "<no instruction at pc 15>",
		     "insn_format: pc past the end");
	rc_insn_format(p, 0xffffffff, buf, sizeof(buf));
	ASSERT_STREQ(buf, "<no instruction at pc 4294967295>",
		     "insn_format: absurd pc");
	rc_prog_free(p);
}

/* What an unverified binary may hold, and how each slot prints. */
static void test_disasm_odd(void)
{
	struct rc_prog *p = rc_prog_new();
	uint32_t n = 0;
	char buf[80];

	strcpy(p->name, "odd");
	add_sym(p, "s", 2);
	add_window(p, "w", 4);
	p->insns[n++] = (struct rc_insn){ 0xff, 1, 2, -3 };	/* 0 */
	p->insns[n++] = (struct rc_insn){ RC_OP_add, 0, 1, 0 };	/* 1 */
	p->insns[n++] = I(RC_OP_pop, 1, 0);			/* 2 */
	p->insns[n++] = I(RC_OP_dup, 0, 5);			/* 3 */
	p->insns[n++] = I(RC_OP_jmp, 0, 100);			/* 4 */
	p->insns[n++] = I(RC_OP_jnz, 0, 16);			/* 5 -> 22 */
	p->insns[n++] = I(RC_OP_ldh, 0, 9);			/* 6 */
	p->insns[n++] = I(RC_OP_ldw, 3, 0);			/* 7 */
	p->insns[n++] = I(RC_OP_ldw, 0, -1);			/* 8 */
	p->insns[n++] = I(RC_OP_lds, 0, 300);			/* 9 */
	p->insns[n++] = I(RC_OP_push64, 0, 7);			/* 10 */
	p->insns[n++] = I(0, 0, 1);				/* 11 */
	p->insns[n++] = I(RC_OP_jmp, 0, -2);			/* 12 -> 11 */
	p->insns[n++] = I(RC_OP_push64, 0, -1);			/* 13 */
	p->insns[n++] = I(RC_OP_jmp, 0, -1);			/* 14 */
	p->insns[n++] = I(RC_OP_pick, 0, 99);			/* 15 */
	p->insns[n++] = I(RC_OP_stw, 0, 7);			/* 16 */
	p->insns[n++] = I(RC_OP_lds, 0, -1);			/* 17 */
	p->insns[n++] = I(RC_OP_jz, 0, -19);			/* 18 -> 0 */
	p->insns[n++] = I(RC_OP_push64, 0, -5);			/* 19 */
	p->insns[n++] = I(0, 0, -1);				/* 20 */
	p->insns[n++] = I(RC_OP_push64, 0, 1);			/* 21 */
	p->ninsns = n;

	expect_listing(p, NULL,
		       ".handler odd\n"
		       ".portal 0\n"
		       ".budget 1024\n"
		       ".state s 2\n"
		       ".window w 4\n"
		       "\n"
		       "L0:\n"
		       "\t.insn 0xff, 1, 2, -3    ; unknown opcode 0xff\n"
		       "\t.insn 0x10, 0, 1, 0     ; add with nonzero reserved field\n"
		       "\t.insn 0x03, 1, 0, 0     ; pop with nonzero a field\n"
		       "\t.insn 0x04, 0, 0, 5     ; dup with nonzero imm\n"
		       "\t.insn 0x38, 0, 0, 100   ; jmp to pc 105, outside the program\n"
		       "\tjnz L22\n"
		       "\t.insn 0x40, 0, 0, 9     ; ldh of unknown header field 9\n"
		       "\t.insn 0x60, 3, 0, 0     ; ldw of undeclared window 3\n"
		       "\t.insn 0x60, 0, 0, -1    ; ldw with negative window word -1\n"
		       "\tlds 300\n"
		       "\t.insn 0x02, 0, 0, 7     ; a jump targets the second slot of this push64\n"
		       "L11:\n"
		       "\t.insn 0x00, 0, 0, 1     ; second slot of the push64 at pc 10\n"
		       "\tjmp L11\n"
		       "\t.insn 0x02, 0, 0, -1    ; second slot of push64 is not 0x00, 0, 0, IMM\n"
		       "\t.insn 0x38, 0, 0, -1    ; second slot of the push64 at pc 13\n"
		       "\tpick 99\n"
		       "\tstw w+7\n"
		       "\tlds -1\n"
		       "\tjz L0\n"
		       "\tpush64 -5\n"
		       "\t.insn 0x02, 0, 0, 1     ; push64 without its second slot\n"
		       "L22:\n",
		       "disasm: odd slots print raw or as plain numbers");

	rc_insn_format(p, 11, buf, sizeof(buf));
	ASSERT_STREQ(buf, ".insn 0x00, 0, 0, 1", "insn_format: opcode 0");
	rc_insn_format(p, 10, buf, sizeof(buf));
	ASSERT_STREQ(buf, "push64 0x100000007",
		     "insn_format: push64 needs no label context");
	rc_insn_format(p, 4, buf, sizeof(buf));
	ASSERT_STREQ(buf, ".insn 0x38, 0, 0, 100",
		     "insn_format: jump outside the program");
	p->insns[4].imm = INT32_MIN;
	rc_insn_format(p, 4, buf, sizeof(buf));
	ASSERT_STREQ(buf, ".insn 0x38, 0, 0, -2147483648",
		     "insn_format: most negative offset");
	p->insns[4].imm = INT32_MAX;
	rc_insn_format(p, 4, buf, sizeof(buf));
	ASSERT_STREQ(buf, ".insn 0x38, 0, 0, 2147483647",
		     "insn_format: most positive offset");
	rc_prog_free(p);

	/* A last push64 at the very end of a full program must not read
	 * the slot after the array. */
	p = rc_prog_new();
	strcpy(p->name, "full");
	p->ninsns = RC_CODE_MAX;
	for (uint32_t i = 0; i < RC_CODE_MAX - 2; i += 2) {
		p->insns[i] = I(RC_OP_push64, 0, i);
		p->insns[i + 1] = I(0, 0, i + 1);
	}
	p->insns[RC_CODE_MAX - 2] = I(RC_OP_pop, 0, 0);
	p->insns[RC_CODE_MAX - 1] = I(RC_OP_push64, 0, RC_CODE_MAX - 1);
	{
		char *text = NULL;

		ASSERT_EQ(rc_disasm(p, NULL, &text), 0,
			  "disasm: 4096 slots");
		ASSERT_TRUE(text && strstr(text, "\tpush64 0xffd00000ffc\n\tpop\n") &&
				    strstr(text, "\t.insn 0x02, 0, 0, 4095"),
			    "disasm: last push64 has no second slot");
		free(text);
	}
	p->ninsns = RC_CODE_MAX + 1;
	{
		char *text = (char *)1;

		ASSERT_EQ(rc_disasm(p, NULL, &text), -EINVAL,
			  "disasm: ninsns beyond the array is -EINVAL");
		ASSERT_TRUE(text == NULL, "disasm: *out NULL on error");
	}
	rc_prog_free(p);
}

int main(void)
{
	struct rc_prog *p = sample_prog();

	sample_file = encode(p);
	rc_prog_free(p);
	if (!sample_file.p)
		return rc_test_exit();

	test_layout();
	test_decode_sample();
	test_accept_edges();
	test_encode_limits();
	test_decode_into_used_prog();
	test_header();
	test_sections();
	test_tables();
	test_names();
	test_mutations();
	test_disasm_sample();
	test_disasm_odd();
	free(sample_file.p);
	return rc_test_exit();
}
