; The last slot holds a push64 whose second slot is missing.
;! desc: a truncated push64 is rejected
;! expect error: 6:2: error: truncated 'push64': its second slot is missing
.handler trunc
	drop
	.insn 0x02, 0, 0, 1
