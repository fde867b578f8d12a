; Only window 0 is declared; a raw ldw names window 1.
;! desc: a window number outside the declared windows is rejected
;! expect error: 6:2: error: window 1 does not exist (windows 0..0)
.handler winnum
.window hits 2
	.insn 0x60, 1, 0, 0
	drop
