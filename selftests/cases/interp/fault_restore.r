; A fault discards every edit of the message (header fields, payload
; bytes, its length) but keeps the data-area and window writes made before
; it.  The second run arrives with a nonzero divisor and keeps its edits.
;! desc: a fault restores the message and keeps state and window writes
;! msg src=1 dst=2 portal=3 tag=4 seq=5 payload=u64:10,0
;! expect fault=div_zero pc=21 insns=22
;! expect state s=11
;! expect window w=12
;! msg src=1 dst=2 portal=3 tag=4 seq=5 payload=u64:10,5
;! expect action=pass insns=24
;! expect state s=22
;! expect window w=24
;! expect msg portal=0x33 tag=0x44 seq=0x55 payload=hex:ee00000000000000050000000000000000000000000000002f00000000000000
.handler restore
.state s
.window w 1
	push 0x33
	sth portal
	push 0x44
	sth tag
	push 0x55
	sth seq
	push 0xee
	stp8 0
	push 32
	resize			; grow to 32 bytes
	push 11
	xadds s			; s += 11
	pop
	push 12
	xaddw w			; w += 12
	pop
	push 16
	ldpx64 0		; 0 from the grown part
	pop
	ldp64 0			; 0xee = 238 since the stp8 above
	ldp64 8
	div			; pc 21: 238 / 0 faults, 238 / 5 = 47
	stp64 24		; the quotient, at bytes 24..31
	pass
