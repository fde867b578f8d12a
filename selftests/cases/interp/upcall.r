; upcall hands a value to the application with the header fields as they
; are at that moment (portal, src, tag, seq) and goes on; it needs no rank
; table and never faults.  In the second run a later instruction faults:
; the up-calls made before it stay made.
;! desc: upcall: several, header captured at the time; kept after a fault
;! msg src=4 portal=3 tag=1 seq=2 payload=u64:0x1234567890
;! expect action=drop insns=13
;! expect upcall value=7
;! expect upcall value=-1 portal=12 tag=0x55 seq=9
;! expect upcall value=0x1234567890 portal=12 tag=0x55 seq=9
;! expect msg portal=12 tag=0x55 seq=9
;! msg src=4 portal=3 tag=1 seq=2 payload=u32:1
;! expect fault=msg_bounds pc=10 insns=11
;! expect upcall value=7
;! expect upcall value=-1 portal=12 tag=0x55 seq=9
.handler upcalls
	push 7
	upcall			; the header as it came
	push 0x55
	sth tag
	push 9
	sth seq
	push 12
	sth portal
	push -1
	upcall			; pc 9: the edited header
	ldp64 0			; pc 10
	upcall
	drop
