; upcall counts one instruction like any other, and the budget is checked
; before it: when the budget runs out at an upcall, that upcall is not
; made; those before it are.
;! desc: upcall in a loop until the budget runs out
;! msg tag=0
;! expect action=drop insns=6
;! expect upcall value=0
;! expect state n=1
;! msg tag=1
;! expect fault=budget pc=2 insns=12
;! expect upcall value=1 tag=1
;! expect upcall value=2 tag=1
;! expect state n=4
.handler upbudget
.budget 12
.state n
loop:	push 1			; pc 0
	xadds n
	upcall			; pc 2: n before the add
	ldh tag
	jnz loop
	drop
