; Indexed payload accesses at base 4 with the index i taken from the data
; area (set by each run): in bounds exactly when 4 + i + w <= len, with
; i an unsigned 64-bit word.  Negative and huge indexes must fault even
; where base + i would wrap around into the payload (i = -4 gives offset 0)
; or a 32-bit truncation would (i = 2^32).  The payload is 12 bytes.
; tag picks the instruction: 0..3 ldpx8..ldpx64, 4..7 stpx8..stpx64.
;! desc: msg_bounds of ldpx/stpx: boundary, negative, huge and 2^32 indexes
;! state idx=7
;! msg tag=0 payload=hex:000102030405060708090a0b
;! expect action=drop insns=8
;! expect state got=0x0b
;! state idx=8
;! msg tag=0 payload=hex:000102030405060708090a0b
;! expect fault=msg_bounds pc=34 insns=6
;! state idx=-1
;! msg tag=0 payload=hex:000102030405060708090a0b
;! expect fault=msg_bounds pc=34 insns=6
;! state idx=6
;! msg tag=1 payload=hex:000102030405060708090a0b
;! expect action=drop insns=12
;! expect state got=0x0b0a
;! state idx=7
;! msg tag=1 payload=hex:000102030405060708090a0b
;! expect fault=msg_bounds pc=37 insns=10
;! state idx=-2
;! msg tag=1 payload=hex:000102030405060708090a0b
;! expect fault=msg_bounds pc=37 insns=10
;! state idx=4
;! msg tag=2 payload=hex:000102030405060708090a0b
;! expect action=drop insns=16
;! expect state got=0x0b0a0908
;! state idx=5
;! msg tag=2 payload=hex:000102030405060708090a0b
;! expect fault=msg_bounds pc=40 insns=14
;! state idx=0x100000000
;! msg tag=2 payload=hex:000102030405060708090a0b
;! expect fault=msg_bounds pc=40 insns=14
;! state idx=0
;! msg tag=3 payload=hex:000102030405060708090a0b
;! expect action=drop insns=20
;! expect state got=0x0b0a090807060504
;! state idx=1
;! msg tag=3 payload=hex:000102030405060708090a0b
;! expect fault=msg_bounds pc=43 insns=18
;! state idx=-4
;! msg tag=3 payload=hex:000102030405060708090a0b
;! expect fault=msg_bounds pc=43 insns=18
;! state idx=0x8000000000000000
;! msg tag=3 payload=hex:000102030405060708090a0b
;! expect fault=msg_bounds pc=43 insns=18
;! state idx=7
;! msg tag=4 payload=zero:12
;! expect action=pass insns=24
;! expect msg payload=hex:0000000000000000000000ab
;! state idx=8
;! msg tag=4 payload=zero:12
;! expect fault=msg_bounds pc=47 insns=23
;! state idx=-4
;! msg tag=4 payload=zero:12
;! expect fault=msg_bounds pc=47 insns=23
;! state idx=6
;! msg tag=5 payload=zero:12
;! expect action=pass insns=28
;! expect msg payload=hex:000000000000000000002b1a
;! state idx=7
;! msg tag=5 payload=zero:12
;! expect fault=msg_bounds pc=50 insns=27
;! state idx=4
;! msg tag=6 payload=zero:12
;! expect action=pass insns=32
;! expect msg payload=hex:00000000000000004d3c2b1a
;! state idx=5
;! msg tag=6 payload=zero:12
;! expect fault=msg_bounds pc=53 insns=31
;! state idx=-1
;! msg tag=6 payload=zero:12
;! expect fault=msg_bounds pc=53 insns=31
;! state idx=0
;! msg tag=7 payload=zero:12
;! expect action=pass insns=36
;! expect msg payload=hex:000000004d3c2b1a00000000
;! state idx=1
;! msg tag=7 payload=zero:12
;! expect fault=msg_bounds pc=56 insns=35
;! state idx=0x100000000
;! msg tag=7 payload=zero:12
;! expect fault=msg_bounds pc=56 insns=35
.handler xbounds
.state idx		; the index, set before each run
.state got
	lds idx			; pc 0: i stays on the stack
	ldh tag			; pc 1: the dispatch, 4 slots per choice
	push 0
	eq
	jnz l8
	ldh tag
	push 1
	eq
	jnz l16
	ldh tag
	push 2
	eq
	jnz l32
	ldh tag
	push 3
	eq
	jnz l64
	ldh tag
	push 4
	eq
	jnz s8
	ldh tag
	push 5
	eq
	jnz s16
	ldh tag
	push 6
	eq
	jnz s32
	ldh tag
	push 7
	eq
	jnz s64
	pass			; pc 33
l8:	ldpx8 4			; pc 34
	sts got
	drop
l16:	ldpx16 4		; pc 37
	sts got
	drop
l32:	ldpx32 4		; pc 40
	sts got
	drop
l64:	ldpx64 4		; pc 43
	sts got
	drop
s8:	push 0xab
	stpx8 4			; pc 47
	pass
s16:	push 0x1a2b
	stpx16 4		; pc 50
	pass
s32:	push 0x1a2b3c4d
	stpx32 4		; pc 53
	pass
s64:	push 0x1a2b3c4d
	stpx64 4		; pc 56
	pass
