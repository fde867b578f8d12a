; Shifts of a (payload word 0) by b (word 1).  The count is taken modulo
; 64, so 64 shifts by 0, 65 by 1 and -1 by 63; shr fills with zeros, sar
; with copies of the sign bit.
;! desc: shl, shr, sar with counts 0, 63, 64, 65, -1 and 2^32+4
;! msg payload=u64:1,0
;! expect action=drop insns=13
;! expect state l=1 r=1 a=1
;! msg payload=u64:1,63
;! expect action=drop
;! expect state l=0x8000000000000000 r=0 a=0
;! msg payload=u64:0x8000000000000000,63
;! expect action=drop
;! expect state l=0 r=1 a=-1
;! msg payload=u64:0x8000000000000001,64
;! expect action=drop
;! expect state l=0x8000000000000001 r=0x8000000000000001 a=0x8000000000000001
;! msg payload=u64:0x8000000000000001,65
;! expect action=drop
;! expect state l=2 r=0x4000000000000000 a=0xc000000000000000
;! msg payload=u64:0x8000000000000001,-1
;! expect action=drop
;! expect state l=0x8000000000000000 r=1 a=-1
;! msg payload=u64:-16,2
;! expect action=drop
;! expect state l=-64 r=0x3ffffffffffffffc a=-4
;! msg payload=u64:0x7fffffffffffffff,62
;! expect action=drop
;! expect state l=0xc000000000000000 r=1 a=1
;! msg payload=u64:0xff,0x100000004
;! expect action=drop
;! expect state l=0xff0 r=0xf a=0xf
.handler shift
.state l
.state r
.state a
	ldp64 0
	ldp64 8
	shl
	sts l
	ldp64 0
	ldp64 8
	shr
	sts r
	ldp64 0
	ldp64 8
	sar
	sts a
	drop
