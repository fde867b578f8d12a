; App-memory windows: constant and indexed loads, stores and fetch-and-add,
; in two windows so the window number matters, and the bounds of the
; indexed forms.  idx (set by each run) indexes hits (4 words, base 0) or
; first+1 (base 1 of 2 words, so i = -1 would wrap around to word 0).
; tag picks: 0 constant forms, 1 ldwx, 2 stwx, 3 xaddwx, 4 ldwx first+1.
;! desc: ldw, stw, xaddw, ldwx, stwx, xaddwx; window_bounds
;! window hits=4,0,6,0 first=0,9
;! msg tag=0
;! expect action=drop insns=14
;! expect window hits+1=5 hits+2=16 first=9
;! expect state old=6
;! window hits+3=42
;! state idx=3
;! msg tag=1
;! expect action=drop insns=12
;! expect state old=42
;! state idx=4
;! msg tag=1
;! expect fault=window_bounds pc=32 insns=10
;! state idx=-1
;! msg tag=1
;! expect fault=window_bounds pc=32 insns=10
;! state idx=0
;! msg tag=2
;! expect action=drop insns=16
;! expect window hits=0x5a
;! state idx=0x100000000
;! msg tag=2
;! expect fault=window_bounds pc=37 insns=15
;! state idx=2
;! msg tag=3
;! expect action=drop insns=21
;! expect window hits+2=19
;! expect state old=16
;! state idx=0x8000000000000000
;! msg tag=3
;! expect fault=window_bounds pc=41 insns=19
;! state idx=0
;! msg tag=4
;! expect action=drop insns=24
;! expect state old=9
;! state idx=1
;! msg tag=4
;! expect fault=window_bounds pc=45 insns=22
;! state idx=-1
;! msg tag=4
;! expect fault=window_bounds pc=45 insns=22
.handler window
.state idx		; the index, set before each run
.state old
.window first 2		; window 0
.window hits 4		; window 1
	ldh tag			; pc 0: the dispatch, 4 slots per choice
	push 0
	eq
	jnz constant
	ldh tag
	push 1
	eq
	jnz load_x
	ldh tag
	push 2
	eq
	jnz store_x
	ldh tag
	push 3
	eq
	jnz xadd_x
	ldh tag
	push 4
	eq
	jnz load_first
	pass			; pc 20
constant:
	ldw hits		; pc 21
	push 1
	add
	stw hits+1		; hits+1 = hits + 1
	push 10
	xaddw hits+2		; hits+2 += 10, push the old value
	sts old
	ldw first+1
	stw first		; first = first+1
	drop
load_x:
	lds idx			; pc 31
	ldwx hits		; pc 32
	sts old
	drop
store_x:
	lds idx			; pc 35
	push 0x5a
	stwx hits		; pc 37
	drop
xadd_x:
	lds idx			; pc 39
	push 3
	xaddwx hits		; pc 41
	sts old
	drop
load_first:
	lds idx			; pc 44
	ldwx first+1		; pc 45
	sts old
	drop
