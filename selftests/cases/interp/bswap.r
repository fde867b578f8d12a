; Byte swaps of x (payload word 0): bswap16 and bswap32 swap the low 16 or
; 32 bits and clear the rest; bswap64 reverses all eight bytes.
;! desc: bswap16, bswap32, bswap64
;! msg payload=u64:0x0102030405060708
;! expect action=drop insns=10
;! expect state b16=0x0807 b32=0x08070605 b64=0x0807060504030201
;! msg payload=u64:0xffffffffffff00ff
;! expect action=drop
;! expect state b16=0xff00 b32=0xff00ffff b64=0xff00ffffffffffff
;! msg payload=u64:0
;! expect action=drop
;! expect state b16=0 b32=0 b64=0
;! msg payload=u64:0x8000000000000080
;! expect action=drop
;! expect state b16=0x8000 b32=0x80000000 b64=0x8000000000000080
.handler bswap
.state b16
.state b32
.state b64
	ldp64 0
	bswap16
	sts b16
	ldp64 0
	bswap32
	sts b32
	ldp64 0
	bswap64
	sts b64
	drop
