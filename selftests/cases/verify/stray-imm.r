; add takes no operand, so its imm must be 0 (the encoding is canonical).
;! desc: an immediate on an instruction without operand is rejected
;! expect error: 7:2: error: 'add' takes no operand, but its imm field is 1
.handler strayimm
	push 1
	push 2
	.insn 0x10, 0, 0, 1
	drop
