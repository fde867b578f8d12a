; When seq is nonzero, jz falls through past the last instruction.
;! desc: a conditional jump that falls off the end is rejected
;! expect error: 6:2: error: control reaches the end of the program without an action (drop, pass, reply or forward)
.handler jzoff
top:	ldh seq
	jz top
