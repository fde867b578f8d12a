; Every instruction counts one, push64 (two slots) and the final action
; included: with .budget 5 the five-instruction path ends normally, and a
; path one longer faults at its sixth instruction with 5 executed.
;! desc: push64 counts one, the action counts, a budget met exactly
;! msg tag=0
;! expect action=drop insns=5
;! expect state v=0x1122334455667788
;! msg tag=1
;! expect fault=budget pc=7 insns=5
.handler exact
.budget 5
.state v
	push64 0x1122334455667788	; pc 0, two slots
	sts v			; pc 2
	ldh tag
	jnz longer		; pc 4
	drop			; pc 5: the fifth instruction
longer:	push 1			; pc 6
	pop			; pc 7: would be the sixth
	drop
