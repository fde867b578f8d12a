; 64-bit two's-complement arithmetic: every result wraps modulo 2^64.
;! desc: add, sub, mul, neg, and, or, xor, not, with wraparound
;! msg
;! expect action=drop insns=56
;! expect state r=0x8000000000000000,0,-1,-2,0,0xfffffffc962fc965,0,0x8000000000000000
;! expect state r+8=-5,8,14,6,-1,0x0f0f0f0ff0f0f0f0,-24
.handler arith
.state r 15
	push64 0x7fffffffffffffff
	push 1
	add		; INT64_MAX + 1 wraps to INT64_MIN
	sts r
	push64 0xffffffffffffffff
	push 1
	add		; 2^64 - 1 + 1 wraps to 0
	sts r+1
	push 0
	push 1
	sub		; -1
	sts r+2
	push 5
	push 7
	sub		; a - b with b on top: -2
	sts r+3
	push64 0x100000000
	push64 0x100000000
	mul		; 2^64 wraps to 0
	sts r+4
	push64 0x123456789
	push -3
	mul		; the low 64 bits of the product
	sts r+5
	push 0
	neg
	sts r+6		; -0 = 0
	push64 0x8000000000000000
	neg		; -INT64_MIN wraps to itself
	sts r+7
	push 5
	neg
	sts r+8		; -5
	push 0b1100
	push 0b1010
	and
	sts r+9		; 8
	push 0b1100
	push 0b1010
	or
	sts r+10	; 14
	push 0b1100
	push 0b1010
	xor
	sts r+11	; 6
	push 0
	not
	sts r+12	; all ones
	push64 0xf0f0f0f00f0f0f0f
	not
	sts r+13
	push -6
	push 4
	mul
	sts r+14	; -24
	drop
