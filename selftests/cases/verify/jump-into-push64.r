; A raw jmp (offset 1) into the second slot of the push64 after it.
;! desc: a jump into the middle of a push64 is rejected
;! expect error: 5:2: error: jump target pc 2 is inside the 'push64' at pc 1
.handler intopush64
	.insn 0x38, 0, 0, 1
	push64 0x100000000
	drop
