// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_asm.c - the assembler.  Properties: text it takes disassembles
 * into text that assembles to the identical binary; text it refuses gets
 * at least one error; a program that verifies runs and compiles.
 */
#include "fuzz_common.h"

static int encode(const struct rc_prog *p, uint8_t **out, size_t *n)
{
	return rc_bin_encode(p, out, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_prog *p = rc_prog_new(), *q = rc_prog_new();
	static struct rc_verinfo vi;
	struct rc_disasm_opts o = { .sz = sizeof(o) };
	char *text = malloc(size + 1), *dis = NULL;
	uint8_t *b1 = NULL, *b2 = NULL;
	size_t n1 = 0, n2 = 0;
	struct rc_diags d;

	memcpy(text, data, size);
	text[size] = '\0';
	rc_diags_init(&d);
	if (!rc_asm("fuzz.r", text, p, &d)) {
		FUZZ_CHECK(!rc_disasm(p, &o, &dis), "disassembly failed");
		rc_diags_free(&d);
		rc_diags_init(&d);
		FUZZ_CHECK(!rc_asm("fuzz.dis.r", dis, q, &d),
			   "the disassembly does not assemble:\n%s", dis);
		FUZZ_CHECK(!encode(p, &b1, &n1) && !encode(q, &b2, &n2),
			   "encode failed");
		FUZZ_CHECK(n1 == n2 && !memcmp(b1, b2, n1),
			   "assemble(disassemble(x)) differs from x:\n%s", dis);
		rc_diags_free(&d);
		rc_diags_init(&d);
		if (!rc_verify(p, &vi, &d))
			fuzz_backends(p, &vi, data, size);
	} else {
		FUZZ_CHECK(d.nerrors > 0, "refused without an error");
	}
	rc_diags_free(&d);
	free(text);
	free(dis);
	free(b1);
	free(b2);
	rc_prog_free(p);
	rc_prog_free(q);
	return 0;
}
