; The default budget, 1024.  A loop of ten instructions runs seq times;
; with the two before it and the three that leave it, seq = 101 needs
; 1015 instructions.  seq = 102 would need 1025: the budget runs out just
; before the final drop.  seq = 103 runs out before the 103rd pass's
; body, at pc 4.
;! desc: the default budget of 1024, exhausted at the action and mid-loop
;! msg seq=0
;! expect action=drop insns=5
;! msg seq=101
;! expect action=drop insns=1015
;! expect state n=101
;! msg seq=102
;! expect fault=budget pc=12 insns=1024
;! expect state n=203
;! msg seq=103
;! expect fault=budget pc=4 insns=1024
;! expect state n=305
.handler budgetdefault
.state n
	ldh seq			; pc 0
	stl 0
loop:	ldl 0			; pc 2
	jz done
	ldl 0			; pc 4
	push 1
	sub
	stl 0
	push 1
	xadds n
	pop
	jmp loop		; pc 11
done:	drop			; pc 12
