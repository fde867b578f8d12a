; Control flow: jz and jnz taken and not taken, jmp forward and back, a
; counted loop, and conditions that are nonzero only in the high half of
; the word (a 32-bit test would get them wrong).
;! desc: jmp, jz, jnz; loops; 64-bit conditions
;! msg tag=0 seq=0
;! expect action=drop insns=18
;! expect state jz_way=2 jnz_way=3 n=0
;! msg tag=3 seq=5
;! expect action=drop insns=48
;! expect state jz_way=1 jnz_way=4 n=3
;! msg tag=1 seq=0
;! expect action=drop insns=29
;! expect state jz_way=1 jnz_way=3 n=4
.handler jumps
.state jz_way
.state jnz_way
.state n
	ldh tag			; pc 0
	jz tag_zero
	push 1
	sts jz_way
	jmp second
tag_zero:
	push 2			; pc 5
	sts jz_way
second:	ldh seq			; pc 7
	jnz seq_nonzero
	push 3
	sts jnz_way
	jmp loop_init
seq_nonzero:
	push 4			; pc 12
	sts jnz_way
loop_init:
	ldh tag			; pc 14: loop tag times
	stl 0
loop:	ldl 0			; pc 16
	jz loop_done
	ldl 0
	push 1
	sub
	stl 0
	push 1
	xadds n
	pop
	jmp loop		; pc 25
loop_done:
	push64 0x100000000	; pc 26
	jz wrong		; pc 28: only the high half is set, not zero
	push64 0x8000000000000000
	jnz right		; pc 31: only the sign bit is set, not zero
wrong:	pass
right:	drop			; pc 33
