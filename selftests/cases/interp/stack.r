; Every stack shuffle and the local slots, each result parked in the data
; area so the case can see it.  The comments show the stack, top on the
; right, after each line.
;! desc: push, push64, pop, dup, swap, over, rot, pick, ldl, stl
;! msg
;! expect action=drop insns=39 stack_max=4
;! expect state r=1,3,2,7,5,14,10,30,-1,0xffffffff80000000,0x123456789abcdef0,42
.handler stack
.state r 12
	push 1
	push 2
	push 3		; 1 2 3
	rot		; 2 3 1
	sts r		; 2 3		r = 1
	sts r+1		; 2		r+1 = 3
	push 7		; 2 7
	swap		; 7 2
	sts r+2		; 7		r+2 = 2
	push 5		; 7 5
	over		; 7 5 7
	sts r+3		; 7 5		r+3 = 7
	sts r+4		; 7		r+4 = 5
	dup		; 7 7
	add		; 14
	sts r+5		; (empty)	r+5 = 14
	push 10
	push 20
	push 30		; 10 20 30
	pick 2		; 10 20 30 10
	sts r+6		; 10 20 30	r+6 = 10
	pick 0		; 10 20 30 30
	sts r+7		; 10 20 30	r+7 = 30
	pop
	pop
	pop		; (empty)
	push -1		; sign-extended to 64 bits
	sts r+8
	push -2147483648	; the smallest imm, sign-extended
	sts r+9
	push64 0x123456789abcdef0
	sts r+10
	push 42
	stl 15		; the last local
	ldl 3		; 0: locals start zeroed
	ldl 15		; 0 42
	add
	sts r+11	; r+11 = 42
	drop
