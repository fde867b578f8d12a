; ldh of header field 6: there are six fields, 0..5.
;! desc: an unknown header field is rejected
;! expect error: 5:2: error: unknown header field 6
.handler field6
	.insn 0x40, 0, 0, 6
	drop
