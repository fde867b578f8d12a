// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_roundtrip.c - text, binary and listing say the same thing.
 *
 * For every .r file in examples/ and (recursively) in selftests/cases/
 * that assembles:
 *
 *	assemble -> encode -> decode -> disassemble -> assemble -> encode
 *
 * must give the identical bytes, and the listing of the re-decoded file
 * must equal the first listing.  Then the same for binaries no assembler
 * would write (raw slots, jumps out of the program, split push64s) and for
 * seeded random damage to the assembled files: whatever the decoder
 * accepts, disassembly followed by assembly must reproduce bit for bit.
 *
 * Runs from the repository root (selftests/run.sh does; RC_ROOT names it
 * too).  Finding no file at all is a failure, not a silent pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rc_diag.h"
#include "rc_test.h"
#include "rcode.h"

struct bin {
	uint8_t *p;
	size_t len;
};

static char **files;
static size_t nfiles, files_cap;

static int collect(const char *path, const struct stat *st, int type,
		   struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)st;
	(void)ftw;
	if (type != FTW_F || n < 2 || strcmp(path + n - 2, ".r"))
		return 0;
	if (nfiles == files_cap) {
		files_cap = files_cap ? files_cap * 2 : 64;
		files = realloc(files, files_cap * sizeof(*files));
		if (!files)
			return -1;
	}
	files[nfiles++] = strdup(path);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *first_diag(const struct rc_diags *d, char *buf,
			      size_t size)
{
	snprintf(buf, size, "(none)");
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == RC_SEV_ERROR) {
			rc_diag_format_line(&d->v[i], buf, size);
			break;
		}
	return buf;
}

/* Does the program break a limit that the container enforces and the
 * assembler leaves to the verifier?  Then decoding must refuse it. */
static bool beyond_container(const struct rc_prog *p)
{
	if (p->state_words > RC_STATE_MAX)
		return true;
	for (uint32_t i = 0; i < p->nwindows; i++)
		if (p->windows[i].words > RC_WINDOW_WORDS_MAX)
			return true;
	return false;
}

/*
 * The second half of the round trip, from a binary the decoder accepted:
 * listing -> assemble -> encode must give bin again, and the listing of
 * that must be the same listing.  On failure, why says what went wrong
 * and *listing keeps the text for the report.
 */
static bool from_binary(struct bin bin, const char *origin, char *why,
			size_t whysz, char **listing)
{
	struct rc_prog *p1 = rc_prog_new(), *p2 = rc_prog_new(),
		       *p3 = rc_prog_new();
	struct bin again = { NULL, 0 };
	char *text2 = NULL, diag[400];
	struct rc_diags d;
	bool ok = false;
	int err;

	rc_diags_init(&d);
	*listing = NULL;
	if (rc_bin_decode(bin.p, bin.len, origin, p1, &d)) {
		snprintf(why, whysz, "decode: %s",
			 first_diag(&d, diag, sizeof(diag)));
		goto out;
	}
	err = rc_disasm(p1, NULL, listing);
	if (err) {
		snprintf(why, whysz, "rc_disasm returned %d", err);
		goto out;
	}
	if (rc_asm("listing.r", *listing, p2, &d)) {
		snprintf(why, whysz, "the listing does not assemble: %s",
			 first_diag(&d, diag, sizeof(diag)));
		goto out;
	}
	err = rc_bin_encode(p2, &again.p, &again.len);
	if (err) {
		snprintf(why, whysz, "encoding the listing returned %d", err);
		goto out;
	}
	if (again.len != bin.len || memcmp(again.p, bin.p, bin.len)) {
		size_t i = 0;

		while (i < again.len && i < bin.len && again.p[i] == bin.p[i])
			i++;
		snprintf(why, whysz, "reassembled binary differs at offset "
			 "%zu (%zu bytes, was %zu)", i, again.len, bin.len);
		goto out;
	}
	if (rc_bin_decode(again.p, again.len, origin, p3, &d) ||
	    rc_disasm(p3, NULL, &text2) || strcmp(text2, *listing)) {
		snprintf(why, whysz, "the re-decoded binary lists differently");
		goto out;
	}
	ok = true;
out:
	free(again.p);
	free(text2);
	rc_diags_free(&d);
	rc_prog_free(p1);
	rc_prog_free(p2);
	rc_prog_free(p3);
	return ok;
}

/* The assembled files, kept for the damage loop. */
static struct bin *assembled;
static size_t nassembled;

static void roundtrip_file(const char *path, unsigned int *checked,
			   unsigned int *unassembled)
{
	struct rc_prog *p = rc_prog_new();
	char *text = rc_test_read_file(path, NULL), *listing = NULL, why[600];
	char origin[300];
	struct bin bin = { NULL, 0 };
	struct rc_diags d;

	rc_diags_init(&d);
	if (!text) {
		TEST_FAIL(path, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (rc_asm(path, text, p, &d)) {
		/* A rejection case: nothing to round-trip. */
		(*unassembled)++;
		goto out;
	}
	if (rc_bin_encode(p, &bin.p, &bin.len)) {
		TEST_FAIL(path, "rc_bin_encode failed");
		goto out;
	}
	snprintf(origin, sizeof(origin), "%s.rbin", path);
	if (beyond_container(p)) {
		struct rc_prog *q = rc_prog_new();

		rc_diags_free(&d);
		if (rc_bin_decode(bin.p, bin.len, origin, q, &d) == -EINVAL &&
		    d.nerrors == 1)
			TEST_PASS(path);
		else
			TEST_FAIL(path, "breaks a container limit, yet decode "
				  "did not reject it with one error");
		rc_prog_free(q);
		(*checked)++;
		goto out;
	}
	if (from_binary(bin, origin, why, sizeof(why), &listing)) {
		TEST_PASS(path);
		assembled = realloc(assembled,
				    (nassembled + 1) * sizeof(*assembled));
		assembled[nassembled++] = bin;
		bin.p = NULL;
	} else {
		TEST_FAIL(path, "%s", why);
		if (listing)
			printf("--- listing:\n%s---\n", listing);
	}
	(*checked)++;
out:
	free(bin.p);
	free(listing);
	free(text);
	rc_diags_free(&d);
	rc_prog_free(p);
}

static void test_files(void)
{
	const char *dirs[] = { "examples", "selftests/cases" };
	unsigned int checked = 0, unassembled = 0;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (access(dirs[i], F_OK) == 0 &&
		    nftw(dirs[i], collect, 16, FTW_PHYS) != 0)
			TEST_FAIL("roundtrip: walk", "%s: %s", dirs[i],
				  strerror(errno));
	qsort(files, nfiles, sizeof(*files), cmp_str);
	for (size_t i = 0; i < nfiles; i++) {
		roundtrip_file(files[i], &checked, &unassembled);
		free(files[i]);
	}
	free(files);
	printf("roundtrip: %zu .r files found, %u checked, %u do not "
	       "assemble (rejection cases)\n", nfiles, checked, unassembled);
	if (checked == 0)
		TEST_FAIL("roundtrip: files checked",
			  "no .r file under examples/ or selftests/cases/ "
			  "assembled (cwd must be the repository root)");
	else
		TEST_PASS("roundtrip: files checked");
}

/* ---- binaries no assembler writes ------------------------------------------ */

static struct rc_insn I(unsigned int op, unsigned int a, int32_t imm)
{
	return (struct rc_insn){ .op = op, .a = a, .imm = imm };
}

static void check_prog(const struct rc_prog *p, const char *what)
{
	struct bin bin = { NULL, 0 };
	char why[600], *listing = NULL;

	if (rc_bin_encode(p, &bin.p, &bin.len))
		TEST_FAIL(what, "rc_bin_encode failed");
	else if (from_binary(bin, "odd.rbin", why, sizeof(why), &listing))
		TEST_PASS(what);
	else
		TEST_FAIL(what, "%s\n--- listing:\n%s---", why,
			  listing ? listing : "(none)\n");
	free(listing);
	free(bin.p);
}

static void test_odd(void)
{
	struct rc_prog *p = rc_prog_new();
	uint32_t n = 0;

	strcpy(p->name, "odd");
	p->portal = 300;	/* the verifier's business, not the format's */
	p->budget = 0;
	strcpy(p->syms[0].name, "s");
	p->syms[0].words = 2;
	strcpy(p->syms[1].name, "L0");	/* also a label below */
	p->syms[1].words = 1;
	p->nsyms = 2;
	p->state_words = 3;
	strcpy(p->windows[0].name, "w");
	p->windows[0].words = 4;
	p->nwindows = 1;
	p->insns[n++] = (struct rc_insn){ 0xff, 1, 2, -3 };
	p->insns[n++] = (struct rc_insn){ RC_OP_add, 0, 0xffff, 0 };
	p->insns[n++] = I(RC_OP_pop, 1, 0);
	p->insns[n++] = I(RC_OP_dup, 0, INT32_MIN);
	p->insns[n++] = I(RC_OP_jmp, 0, INT32_MAX);
	p->insns[n++] = I(RC_OP_jnz, 0, 100);
	p->insns[n++] = I(RC_OP_jz, 0, -7);		/* to pc -1 */
	p->insns[n++] = I(RC_OP_ldh, 0, -1);
	p->insns[n++] = I(RC_OP_sth, 0, RC_FIELD_SRC);
	p->insns[n++] = I(RC_OP_ldw, 1, 0);
	p->insns[n++] = I(RC_OP_stwx, 0, INT32_MIN);
	p->insns[n++] = I(RC_OP_xaddw, 0, INT32_MAX);
	p->insns[n++] = I(RC_OP_lds, 0, 2);		/* the group L0 */
	p->insns[n++] = I(RC_OP_lds, 0, 3);		/* past the area */
	p->insns[n++] = I(RC_OP_cassx, 0, INT32_MIN);
	p->insns[n++] = I(RC_OP_push64, 0, 7);		/* split: target */
	p->insns[n++] = I(0, 0, 1);
	p->insns[n++] = I(RC_OP_jmp, 0, -2);
	p->insns[n++] = I(RC_OP_push64, 0, 0);		/* bad second slot */
	p->insns[n++] = I(RC_OP_jmp, 0, -20);
	p->insns[n++] = I(RC_OP_push64, 0, INT32_MIN);	/* INT64_MIN */
	p->insns[n++] = I(0, 0, INT32_MIN);
	p->insns[n++] = I(RC_OP_push64, 0, 0);		/* INT32_MIN */
	p->insns[n++] = I(0, 0, -1);
	p->insns[n++] = (struct rc_insn){ 0, 0xff, 0xffff, -1 };
	p->insns[n++] = I(RC_OP_pick, 0, -1);
	p->insns[n++] = I(RC_OP_ldp64, 0, 99999);
	p->insns[n++] = I(RC_OP_push, 0, INT32_MIN);
	p->insns[n++] = I(RC_OP_jmp, 0, 1);		/* to the end */
	p->insns[n++] = I(RC_OP_push64, 0, 1);		/* truncated */
	p->ninsns = n;
	check_prog(p, "roundtrip: raw slots and odd operands");

	p->ninsns = 0;
	check_prog(p, "roundtrip: empty program");

	/* Every opcode with a plain operand, as the table lists them. */
	n = 0;
	for (const struct rc_opinfo *o = rc_optable; o->name; o++) {
		p->insns[n] = I(o->code, o->operand == RC_OPND_WIN, 1);
		p->insns[n + 1] = I(0, 0, 0);	/* push64's high half */
		if (o->operand == RC_OPND_NONE)
			p->insns[n].imm = 0;
		if (o->operand == RC_OPND_LABEL)
			p->insns[n].imm = -1;	/* to itself */
		n += o->flags & RC_F_WIDE ? 2 : 1;
	}
	p->ninsns = n;
	p->nwindows = 2;
	strcpy(p->windows[1].name, "w1");
	p->windows[1].words = 1;
	check_prog(p, "roundtrip: every opcode of the table");
	rc_prog_free(p);
}

/* ---- damaged files ------------------------------------------------------- */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

/* Where the CODE payload of a file we encoded ourselves starts: the
 * sections follow the 16-byte header, each 8 + length padded to 8. */
static size_t code_payload(struct bin b)
{
	size_t off = 16;

	while (off + 8 <= b.len && b.p[off] != 4)
		off += 8 + ((b.p[off + 4] | b.p[off + 5] << 8) + 7) / 8 * 8;
	return off + 8 < b.len ? off + 8 : 16;
}

/*
 * Damage that keeps the container intact most of the time: instruction
 * bytes, words of groups and windows, portal and budget.  Whatever the
 * decoder accepts must survive disassembly and assembly unchanged.
 */
static void test_damage(void)
{
	const unsigned int rounds = 3000;
	unsigned int accepted = 0, bad = 0;

	if (!nassembled) {
		TEST_FAIL("damage: round trips", "no assembled file to damage");
		return;
	}
	for (unsigned int i = 0; i < rounds; i++) {
		struct bin src = assembled[i % nassembled];
		struct bin b = { malloc(src.len), src.len };
		size_t code = code_payload(src);
		unsigned int n = 1 + rnd(4);
		char why[600], *listing = NULL;
		struct rc_prog *p = rc_prog_new();
		struct rc_diags d;

		memcpy(b.p, src.p, b.len);
		while (n--) {
			size_t off = rnd(4) ? code + rnd(b.len - code) :
					      16 + rnd(b.len - 16);

			if (rnd(3))
				b.p[off] = rnd(256);
			else
				b.p[off] ^= 1u << rnd(8);
		}
		rc_diags_init(&d);
		if (!rc_bin_decode(b.p, b.len, "damaged.rbin", p, &d)) {
			accepted++;
			if (!from_binary(b, "damaged.rbin", why, sizeof(why),
					 &listing) &&
			    bad++ < 3)
				TEST_FAIL("damage: round trip", "round %u: %s\n"
					  "--- listing:\n%s---", i, why,
					  listing ? listing : "(none)\n");
		}
		free(listing);
		rc_diags_free(&d);
		rc_prog_free(p);
		free(b.p);
	}
	printf("damage: %u damaged files, %u accepted and round-tripped\n",
	       rounds, accepted);
	ASSERT_EQ(bad, 0, "damage: every accepted file survives "
			  "disassembly and assembly");
	ASSERT_TRUE(accepted > rounds / 2,
		    "damage: most damage reaches the disassembler");
}

int main(void)
{
	const char *root = getenv("RC_ROOT");

	if (root && *root && chdir(root)) {
		TEST_FAIL("roundtrip: RC_ROOT", "chdir %s: %s", root,
			  strerror(errno));
		return rc_test_exit();
	}
	test_files();
	test_odd();
	test_damage();
	for (size_t i = 0; i < nassembled; i++)
		free(assembled[i].p);
	free(assembled);
	return rc_test_exit();
}
