; Constant-offset payload accesses at offset 8 against payloads just long
; enough and one byte too short: o + w <= len or fault msg_bounds, for every
; width, loads and stores.  tag picks the instruction: 0..3 ldp8..ldp64,
; 4..7 stp8..stp64.  A faulting store leaves the message as it came.
;! desc: msg_bounds of ldp8..64 and stp8..64 at the exact boundary
;! msg tag=0 payload=hex:000102030405060708
;! expect action=drop insns=7
;! expect state got=8
;! msg tag=0 payload=hex:0001020304050607
;! expect fault=msg_bounds pc=33 insns=5
;! msg tag=0
;! expect fault=msg_bounds pc=33 insns=5
;! msg tag=1 payload=hex:00010203040506070809
;! expect action=drop insns=11
;! expect state got=0x0908
;! msg tag=1 payload=hex:000102030405060708
;! expect fault=msg_bounds pc=36 insns=9
;! msg tag=2 payload=hex:000102030405060708090a0b
;! expect action=drop insns=15
;! expect state got=0x0b0a0908
;! msg tag=2 payload=hex:000102030405060708090a
;! expect fault=msg_bounds pc=39 insns=13
;! msg tag=3 payload=hex:000102030405060708090a0b0c0d0e0f
;! expect action=drop insns=19
;! expect state got=0x0f0e0d0c0b0a0908
;! msg tag=3 payload=hex:000102030405060708090a0b0c0d0e
;! expect fault=msg_bounds pc=42 insns=17
;! msg tag=3 payload=zero:1408
;! expect action=drop insns=19
;! expect state got=0
;! msg tag=4 payload=zero:9
;! expect action=pass insns=23
;! expect msg payload=hex:000000000000000055
;! msg tag=4 payload=zero:8
;! expect fault=msg_bounds pc=46 insns=22
;! msg tag=5 payload=zero:10
;! expect action=pass insns=27
;! expect msg payload=hex:00000000000000005500
;! msg tag=5 payload=zero:9
;! expect fault=msg_bounds pc=49 insns=26
;! msg tag=6 payload=zero:12
;! expect action=pass insns=31
;! expect msg payload=hex:000000000000000055000000
;! msg tag=6 payload=zero:11
;! expect fault=msg_bounds pc=52 insns=30
;! msg tag=7 payload=zero:16
;! expect action=pass insns=35
;! expect msg payload=hex:00000000000000005500000000000000
;! msg tag=7 payload=zero:15
;! expect fault=msg_bounds pc=55 insns=34
.handler mbounds
.state got
	ldh tag			; pc 0: the dispatch, 4 slots per choice
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
	pass			; pc 32
l8:	ldp8 8			; pc 33
	sts got
	drop
l16:	ldp16 8			; pc 36
	sts got
	drop
l32:	ldp32 8			; pc 39
	sts got
	drop
l64:	ldp64 8			; pc 42
	sts got
	drop
s8:	push 0x55
	stp8 8			; pc 46
	pass
s16:	push 0x55
	stp16 8			; pc 49
	pass
s32:	push 0x55
	stp32 8			; pc 52
	pass
s64:	push 0x55
	stp64 8			; pc 55
	pass
