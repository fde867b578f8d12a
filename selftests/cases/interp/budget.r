; The budget is checked before each instruction: with .budget 10 a loop of
; five instructions runs twice and the next instruction, at pc 0, faults.
; The data-area updates made before the fault stay.
;! desc: budget fault at the exact pc and count; state kept
;! msg tag=0
;! expect action=drop insns=6
;! expect state n=1
;! msg tag=1
;! expect fault=budget pc=0 insns=10
;! expect state n=3
.handler budget
.budget 10
.state n
loop:	push 1			; pc 0
	xadds n
	pop
	ldh tag
	jnz loop		; pc 4
	drop
