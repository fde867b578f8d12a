; A label after the last instruction names no instruction.
;! desc: a jump past the end of the program is rejected
;! expect error: 6:2: error: jump target pc 3 is outside the program (pc 0..2)
.handler outside
	ldh tag
	jnz out
	drop
out:
