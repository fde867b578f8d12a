; Payload stores write the low 1, 2, 4 or 8 bytes of the value,
; little-endian, at any offset, up to the last byte; later stores
; overwrite earlier ones byte by byte.
;! desc: stp8/16/32/64 and stpx8/16/32/64, unaligned, overlapping
;! msg payload=zero:17 tag=1
;! expect action=pass insns=27
;! expect msg payload=hex:ff8877665544332211a8a7a63412fecaee
;! msg payload=hex:0000000000000000000000000000000000 tag=2
;! expect action=drop insns=27
;! expect msg payload=hex:ff8877665544332211a8a7a63412fecaee
.handler pstore
	push 0x1ff
	stp8 0			; ff (the low byte only)
	push64 0xaaaa0102
	stp16 1			; 02 01
	push64 0x1122334455
	stp32 3			; 55 44 33 22
	push64 0x0102030405060708
	stp64 7			; 08 07 .. 01 at bytes 7..14
	push64 0xa1a2a3a4a5a6a7a8
	stp64 9			; the last 8 bytes, over part of the last
	push 15
	push 0xee
	stpx8 1			; byte 16, the last
	push 5
	push 0xbeef
	stpx16 0		; bytes 5..6
	push 2
	push64 0xcafe1234
	stpx32 10		; bytes 12..15
	push 0
	push64 0x1122334455667788
	stpx64 1		; bytes 1..8
	ldh tag			; 1: pass, 2: drop
	push 1
	eq
	jnz deliver
	drop
deliver:
	pass
