; The loop head is pc 0, where the stack starts empty: the back edge
; must arrive with an empty stack too.
;! desc: a loop back to the entry verifies
;! msg seq=3
;! expect action=drop insns=19
;! expect msg seq=0
.handler countdown
top:	ldh seq
	push 1
	sub
	dup
	sth seq
	jnz top
	drop
