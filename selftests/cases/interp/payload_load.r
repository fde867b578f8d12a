; Payload loads: little-endian, zero-extended (every byte has its top bit
; set, so a sign extension would show), at odd offsets, up to the last
; byte, constant and indexed.
;! desc: ldp8/16/32/64 and ldpx8/16/32/64, unaligned, zero-extended
;! msg payload=hex:8182838485868788898a8b8c8d8e8f90ff
;! expect action=drop insns=31
;! expect state r=0x81,0x8382,0x87868584,0x8d8c8b8a89888786,0xff,0xff908f8e8d8c8b8a
;! expect state r+6=0x84,0xff90,0x85848382,0xff908f8e8d8c8b8a,0x8d8c8b8a89888786,0x8281
.handler pload
.state r 12
	ldp8 0
	sts r
	ldp16 1
	sts r+1
	ldp32 3
	sts r+2
	ldp64 5
	sts r+3
	ldp8 16			; the last byte of 17
	sts r+4
	ldp64 9			; the last 8 bytes: 9 + 8 = 17
	sts r+5
	push 2
	ldpx8 1			; byte 3
	sts r+6
	push 10
	ldpx16 5		; bytes 15 and 16
	sts r+7
	push 1
	ldpx32 0		; bytes 1..4
	sts r+8
	push 0
	ldpx64 9		; bytes 9..16
	sts r+9
	push 3
	ldpx64 2		; bytes 5..12
	sts r+10
	push 0
	ldpx16 0		; bytes 0..1
	sts r+11
	drop
