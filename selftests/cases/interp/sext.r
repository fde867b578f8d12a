; Sign extension from bit 7, 15 and 31 of x (payload word 0); the bits
; above the source width are ignored.
;! desc: sext8, sext16, sext32
;! msg payload=u64:0x7f
;! expect action=drop insns=10
;! expect state s8=0x7f s16=0x7f s32=0x7f
;! msg payload=u64:0x80
;! expect action=drop
;! expect state s8=-128 s16=0x80 s32=0x80
;! msg payload=u64:0x1234567f80
;! expect action=drop
;! expect state s8=-128 s16=0x7f80 s32=0x34567f80
;! msg payload=u64:0xffff8000
;! expect action=drop
;! expect state s8=0 s16=-32768 s32=0xffffffffffff8000
;! msg payload=u64:0xabcd1234
;! expect action=drop
;! expect state s8=0x34 s16=0x1234 s32=0xffffffffabcd1234
;! msg payload=u64:0xffffffff7fffffff
;! expect action=drop
;! expect state s8=-1 s16=-1 s32=0x7fffffff
;! msg payload=u64:0x80000000
;! expect action=drop
;! expect state s8=0 s16=0 s32=0xffffffff80000000
.handler sext
.state s8
.state s16
.state s32
	ldp64 0
	sext8
	sts s8
	ldp64 0
	sext16
	sts s16
	ldp64 0
	sext32
	sts s32
	drop
