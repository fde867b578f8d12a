; The data area: constant and indexed loads, stores, fetch-and-add and
; compare-and-swap, and the bounds of the indexed forms.  idx (set by each
; run) indexes vec, words 3..6 of 7: 0..3 are in bounds; 4, -1, -3 (which
; would wrap around to word 0) and 2^32 are not.  tag picks: 0 constant
; forms, 1 ldsx, 2 stsx, 3 xaddsx, 4 cassx.
;! desc: lds, sts, ldsx, stsx, xadds, xaddsx, cass, cassx; state_bounds
;! state vec=4
;! msg tag=0
;! expect action=drop insns=16
;! expect state vec=4,5,10,99 old=0,0
;! msg tag=0
;! expect action=drop insns=16
;! expect state vec+2=20 old=10,99
;! state idx=2
;! msg tag=1
;! expect action=drop insns=12
;! expect state old=20
;! state idx=3
;! msg tag=1
;! expect action=drop insns=12
;! expect state old=99
;! state idx=4
;! msg tag=1
;! expect fault=state_bounds pc=34 insns=10
;! state idx=-1
;! msg tag=1
;! expect fault=state_bounds pc=34 insns=10
;! state idx=-3
;! msg tag=1
;! expect fault=state_bounds pc=34 insns=10
;! state idx=1
;! msg tag=2
;! expect action=drop insns=16
;! expect state vec+1=0x5a
;! state idx=-3
;! msg tag=2
;! expect fault=state_bounds pc=39 insns=15
;! state idx=0
;! msg tag=3
;! expect action=drop insns=21
;! expect state vec=7 old=4
;! state idx=4
;! msg tag=3
;! expect fault=state_bounds pc=43 insns=19
;! state idx=0
;! msg tag=4
;! expect action=drop insns=26
;! expect state vec=8 old+1=7
;! msg tag=4
;! expect action=drop insns=26
;! expect state old+1=8
;! state idx=0x100000000
;! msg tag=4
;! expect fault=state_bounds pc=49 insns=24
.handler state
.state idx		; word 0: the index, set before each run
.state old 2		; words 1..2: what xadd and cas returned
.state vec 4		; words 3..6
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
	jnz cas_x
	pass			; pc 20
constant:
	lds vec			; pc 21
	push 1
	add
	sts vec+1		; vec+1 = vec + 1
	push 10
	xadds vec+2		; vec+2 += 10, push the old value
	sts old
	push 0			; expected
	push 99			; new
	cass vec+3		; vec+3 = 99 if it was 0; push the old value
	sts old+1
	drop
load_x:
	lds idx			; pc 33
	ldsx vec		; pc 34
	sts old
	drop
store_x:
	lds idx			; pc 37
	push 0x5a
	stsx vec		; pc 39
	drop
xadd_x:
	lds idx			; pc 41
	push 3
	xaddsx vec		; pc 43
	sts old
	drop
cas_x:
	lds idx			; pc 46
	push 7			; expected
	push 8			; new
	cassx vec		; pc 49
	sts old+1
	drop
