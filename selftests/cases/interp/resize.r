; resize: shrinking then growing again must zero the bytes the shrink
; left behind; 1408 is the largest length, 1409 and -1 (a huge unsigned
; count) fault 'length' after an earlier resize, which the fault undoes.
; tag picks: 0 shrink and grow, 1 grow to 1408 and back, 2 resize 1409,
; 3 resize -1, 4 resize 0.
;! desc: resize grow zero-fill, shrink, 1408, faults 'length'
;! msg tag=0 payload=hex:0102030405060708
;! expect action=pass insns=13
;! expect state newlen=6 z=0
;! expect msg payload=hex:010200000077
;! msg tag=1 payload=hex:aabbcc
;! expect action=pass insns=19
;! expect state newlen=1408 z=0 last=0x99
;! expect msg payload=hex:aabbcc
;! msg tag=2 payload=hex:aabbcc
;! expect fault=length pc=46 insns=14
;! msg tag=3 payload=hex:aabbcc
;! expect fault=length pc=49 insns=16
;! msg tag=4 payload=hex:aabbcc
;! expect action=pass insns=19
;! expect state newlen=0
;! expect msg payload=zero:0
.handler resize
.state newlen
.state z
.state last
	ldh tag			; pc 0
	jz shrink_grow
	ldh tag
	push 1
	eq
	jnz grow_max
	ldh tag
	push 2
	eq
	jnz too_long
	ldh tag
	push 3
	eq
	jnz negative
	push 0			; pc 14
	resize
	ldh len
	sts newlen
	pass
shrink_grow:
	push 2			; pc 19
	resize
	push 6
	resize			; bytes 2..5 must read 0, not 03..06
	ldh len
	sts newlen
	ldp32 2
	sts z
	push 0x77
	stp8 5			; the new last byte
	pass
grow_max:
	push 1408		; pc 30
	resize
	ldh len
	sts newlen
	ldp64 1400
	sts z
	push 0x99
	stp8 1407
	ldp8 1407
	sts last
	push 3
	resize			; back to the original 3 bytes
	pass
too_long:
	push 1			; pc 43
	resize
	push 1409
	resize			; pc 46
	pass
negative:
	push -1			; pc 48
	resize			; pc 49
	pass
