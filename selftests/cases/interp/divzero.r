; A zero divisor faults in each of the four instructions, at that
; instruction's pc.  The handler first counts the arrival and edits the
; message: the count stays, the edit is undone.  seq picks the instruction
; (0 div, 1 divu, 2 mod, 3 modu); a is payload word 0, b word 1.
;! desc: div_zero from div, divu, mod and modu; state kept, message restored
;! msg seq=0 tag=5 payload=u64:7,0
;! expect fault=div_zero pc=19 insns=10
;! expect state arrivals=1
;! msg seq=1 tag=5 payload=u64:7,0
;! expect fault=div_zero pc=21 insns=14
;! expect state arrivals=2
;! msg seq=2 tag=5 payload=u64:0,0
;! expect fault=div_zero pc=23 insns=18
;! expect state arrivals=3
;! msg seq=3 tag=5 payload=u64:-1,0
;! expect fault=div_zero pc=17 insns=18
;! expect state arrivals=4
;! msg seq=0 tag=5 payload=u64:7,3
;! expect action=drop insns=13
;! expect state arrivals=5 result=2
;! expect msg tag=77
.handler divzero
.state arrivals
.state result
	push 1		; pc 0
	xadds arrivals
	pop
	push 77
	sth tag		; an edit a fault must undo
	ldp64 0		; pc 5: a
	ldp64 8		; b
	ldh seq
	jz do_div	; pc 8
	ldh seq
	push 1
	eq
	jnz do_divu	; pc 12
	ldh seq
	push 2
	eq
	jnz do_mod	; pc 16
	modu		; pc 17
	jmp out
do_div:	div		; pc 19
	jmp out
do_divu: divu		; pc 21
	jmp out
do_mod:	mod		; pc 23
out:	sts result
	drop
