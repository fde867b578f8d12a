; The 16-bit reserved field of every slot must be 0.
;! desc: a nonzero reserved field is rejected
;! expect error: 5:2: error: reserved field of 'pass' is 0x0001; it must be 0
.handler rsvd
	.insn 0x79, 0, 1, 0
