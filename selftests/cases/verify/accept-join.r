; Both arms of each if leave the same number of values, so the paths
; agree wherever they join.
;! desc: if/else arms that agree on the stack depth verify
;! msg payload=u32:5
;! expect action=drop
;! expect state small=1 large=0
;! msg payload=u32:500
;! expect action=pass
;! expect state small=1 large=1
.handler classify
.state small
.state large
	ldp32 0
	dup
	push 100
	ltu
	jz big
	push 1		; small
	jmp out
big:	push 2		; large
out:	swap
	pop
	push 1
	eq
	jz notsmall
	push 1
	xadds small
	pop
	drop
notsmall:
	push 1
	xadds large
	pop
	pass
