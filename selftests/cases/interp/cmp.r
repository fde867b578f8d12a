; Every comparison of a (payload word 0) with b (word 1): 1 when true, 0
; when false; the signed ones read the words as two's complement.
;! desc: eq, ne, lt, le, gt, ge, ltu, leu, gtu, geu
;! msg payload=u64:1,2
;! expect action=drop insns=41
;! expect state c_eq=0 c_ne=1 c_lt=1 c_le=1 c_gt=0 c_ge=0 c_ltu=1 c_leu=1 c_gtu=0 c_geu=0
;! msg payload=u64:2,2
;! expect action=drop
;! expect state c_eq=1 c_ne=0 c_lt=0 c_le=1 c_gt=0 c_ge=1 c_ltu=0 c_leu=1 c_gtu=0 c_geu=1
;! msg payload=u64:-1,1
;! expect action=drop
;! expect state c_eq=0 c_ne=1 c_lt=1 c_le=1 c_gt=0 c_ge=0 c_ltu=0 c_leu=0 c_gtu=1 c_geu=1
;! msg payload=u64:0x8000000000000000,0x7fffffffffffffff
;! expect action=drop
;! expect state c_eq=0 c_ne=1 c_lt=1 c_le=1 c_gt=0 c_ge=0 c_ltu=0 c_leu=0 c_gtu=1 c_geu=1
;! msg payload=u64:0x7fffffffffffffff,0x8000000000000000
;! expect action=drop
;! expect state c_eq=0 c_ne=1 c_lt=0 c_le=0 c_gt=1 c_ge=1 c_ltu=1 c_leu=1 c_gtu=0 c_geu=0
;! msg payload=u64:0,-1
;! expect action=drop
;! expect state c_eq=0 c_ne=1 c_lt=0 c_le=0 c_gt=1 c_ge=1 c_ltu=1 c_leu=1 c_gtu=0 c_geu=0
;! msg payload=u64:0x100000000,0
;! expect action=drop
;! expect state c_eq=0 c_ne=1 c_lt=0 c_le=0 c_gt=1 c_ge=1 c_ltu=0 c_leu=0 c_gtu=1 c_geu=1
.handler cmp
.state c_eq
.state c_ne
.state c_lt
.state c_le
.state c_gt
.state c_ge
.state c_ltu
.state c_leu
.state c_gtu
.state c_geu
	ldp64 0
	ldp64 8
	eq
	sts c_eq
	ldp64 0
	ldp64 8
	ne
	sts c_ne
	ldp64 0
	ldp64 8
	lt
	sts c_lt
	ldp64 0
	ldp64 8
	le
	sts c_le
	ldp64 0
	ldp64 8
	gt
	sts c_gt
	ldp64 0
	ldp64 8
	ge
	sts c_ge
	ldp64 0
	ldp64 8
	ltu
	sts c_ltu
	ldp64 0
	ldp64 8
	leu
	sts c_leu
	ldp64 0
	ldp64 8
	gtu
	sts c_gtu
	ldp64 0
	ldp64 8
	geu
	sts c_geu
	drop
