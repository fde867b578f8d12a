; A push64 whose second slot is another instruction, not op 0.
;! desc: a push64 whose second slot is not op 0 is rejected
;! expect error: 5:2: error: second slot of 'push64' has op 0x01, a 0, reserved 0x0000; all must be 0
.handler slot2
	.insn 0x02, 0, 0, 1
	.insn 0x01, 0, 0, 2
	drop
