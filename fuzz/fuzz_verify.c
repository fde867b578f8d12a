// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_verify.c - the verifier with both compilers behind it.  The input
 * is a program built directly, not through a file format, so that the
 * fuzzer spends its time on instruction sequences: byte 0 the budget's
 * low bits, byte 1 the data area and windows, then 5 bytes per slot
 * (opcode and a flag, immediate).  Properties: a program the verifier accepts never
 * raises 'illegal', stays within its budget, and both compilers take it
 * or say why (fuzz_common.h); one it rejects gets an error.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_prog *p;
	static struct rc_verinfo vi;
	struct rc_diags d;

	if (size < 2)
		return 0;
	p = rc_prog_new();
	snprintf(p->name, sizeof(p->name), "fuzz");
	p->budget = 1 + (data[0] * 37u) % 4096;
	if (data[1] & 0x0f) {
		p->nsyms = 1;
		p->syms[0].words = data[1] & 0x0f;
		snprintf(p->syms[0].name, sizeof(p->syms[0].name), "s");
		p->state_words = p->syms[0].words;
	}
	p->nwindows = (data[1] >> 4) & 3;
	for (uint32_t k = 0; k < p->nwindows; k++) {
		p->windows[k].words = 1 + k * 3;
		snprintf(p->windows[k].name, sizeof(p->windows[k].name), "w%u", k);
	}
	data += 2;
	size -= 2;
	for (; size >= 5 && p->ninsns < RC_CODE_MAX; data += 5, size -= 5) {
		struct rc_insn *in = &p->insns[p->ninsns++];
		uint32_t imm;

		/* Opcodes are below 0x80 (fuzz_binfmt tries the others); the
		 * top bit asks for a raw immediate, else a small one, since
		 * small immediates are where the limits are. */
		in->op = data[0] & 0x7f;
		memcpy(&imm, data + 1, 4);
		in->imm = (data[0] & 0x80) ? (int32_t)imm : (int32_t)(imm % 64) - 8;
	}
	if (!p->ninsns) {
		rc_prog_free(p);
		return 0;
	}
	rc_diags_init(&d);
	if (!rc_verify(p, &vi, &d))
		fuzz_backends(p, &vi, data, size);
	else
		FUZZ_CHECK(d.nerrors > 0, "rejected without an error");
	rc_diags_free(&d);
	rc_prog_free(p);
	return 0;
}
