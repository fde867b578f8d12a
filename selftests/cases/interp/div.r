; Division and remainder of a (payload word 0) by b (word 1), each run a
; new pair.  Signed forms truncate toward zero and the remainder takes the
; dividend's sign; INT64_MIN / -1 wraps to INT64_MIN and INT64_MIN % -1 is
; 0 (no trap, as in eBPF).
;! desc: div, divu, mod, modu: signs, truncation, INT64_MIN / -1
;! msg payload=u64:7,2
;! expect action=drop insns=17
;! expect state q=3 qu=3 r=1 ru=1
;! msg payload=u64:-7,2
;! expect action=drop
;! expect state q=-3 qu=0x7ffffffffffffffc r=-1 ru=1
;! msg payload=u64:7,-2
;! expect action=drop
;! expect state q=-3 qu=0 r=1 ru=7
;! msg payload=u64:-7,-2
;! expect action=drop
;! expect state q=3 qu=0 r=-1 ru=0xfffffffffffffff9
;! msg payload=u64:0x8000000000000000,-1
;! expect action=drop
;! expect state q=0x8000000000000000 qu=0 r=0 ru=0x8000000000000000
;! msg payload=u64:0x8000000000000000,1
;! expect action=drop
;! expect state q=0x8000000000000000 qu=0x8000000000000000 r=0 ru=0
;! msg payload=u64:0x8000000000000000,2
;! expect action=drop
;! expect state q=0xc000000000000000 qu=0x4000000000000000 r=0 ru=0
;! msg payload=u64:-1,16
;! expect action=drop
;! expect state q=0 qu=0x0fffffffffffffff r=-1 ru=15
;! msg payload=u64:5,7
;! expect action=drop
;! expect state q=0 qu=0 r=5 ru=5
;! msg payload=u64:0x7fffffffffffffff,-1
;! expect action=drop
;! expect state q=0x8000000000000001 qu=0 r=0 ru=0x7fffffffffffffff
;! msg payload=u64:-9,4
;! expect action=drop
;! expect state q=-2 qu=0x3ffffffffffffffd r=-1 ru=3
;! msg payload=u64:9,-4
;! expect action=drop
;! expect state q=-2 qu=0 r=1 ru=9
.handler div
.state q
.state qu
.state r
.state ru
	ldp64 0
	ldp64 8
	div
	sts q
	ldp64 0
	ldp64 8
	divu
	sts qu
	ldp64 0
	ldp64 8
	mod
	sts r
	ldp64 0
	ldp64 8
	modu
	sts ru
	drop
