; Opcode 0xff is no instruction of this version.
;! desc: an undefined opcode is rejected
;! expect error: 5:2: error: undefined opcode 0xff
.handler undefined
	.insn 0xff, 0, 0, 0
	drop
