; Only window instructions use the 'a' field.
;! desc: a nonzero 'a' field on push is rejected
;! expect error: 5:2: error: 'a' field of 'push' is 3; only window instructions use it
.handler afield
	.insn 0x01, 3, 0, 7
	drop
