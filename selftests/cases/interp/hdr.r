; Every header field read with ldh, zero-extended; the writable ones
; written with sth, which keeps the low 16 (portal) or 32 bits.  The
; portals read are below 256: no handler ever runs on a higher one (the
; dispatcher counts it bad_portal, the interpreter not_for_us).
;! desc: ldh of every field, sth truncation to the field's width
;! msg src=0xdeadbeef dst=0xffffffff portal=0xff tag=7 seq=0x80000000 payload=zero:5
;! expect action=pass insns=19
;! expect state f=0xdeadbeef,0xffffffff,0xff,7,0x80000000,5
;! expect msg tag=0x23456789 portal=0x1234 seq=0xffffffff
;! msg src=1 dst=2 portal=3 tag=4 seq=5
;! expect action=pass
;! expect state f=1,2,3,4,5,0
;! expect msg tag=0x23456789 portal=0x1234 seq=0xffffffff
.handler hdr
.state f 6
	ldh src
	sts f
	ldh dst
	sts f+1
	ldh portal
	sts f+2
	ldh tag
	sts f+3
	ldh seq
	sts f+4
	ldh len
	sts f+5
	push64 0x123456789
	sth tag			; low 32 bits: 0x23456789
	push64 0xfffffffffffe1234
	sth portal		; low 16 bits: 0x1234
	push -1
	sth seq			; low 32 bits: 0xffffffff
	pass
