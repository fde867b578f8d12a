; How a handler ends.  drop consumes the message, pass delivers it as
; edited, reply sends it back as edited with src and dst exchanged after
; the handler ends (the handler itself still reads the original src).
; tag picks: 0 drop, 1 pass, 2 reply.  The last run faults before its
; reply: a faulting message is passed on as it came, never replied.
;! desc: drop, pass, reply; reply swaps src and dst
;! msg tag=0 src=3 dst=9 payload=hex:0102
;! expect action=drop insns=9
;! expect state seen_src=3
;! expect msg seq=1 payload=hex:ff02
;! msg tag=1 src=3 dst=9 payload=hex:0102
;! expect action=pass insns=13
;! expect msg seq=1 payload=hex:ff02
;! msg tag=2 src=3 dst=9 payload=hex:0102
;! expect action=reply insns=13
;! expect msg src=9 dst=3 seq=1 payload=hex:ff02
;! msg tag=2 src=5 dst=5 portal=7
;! expect fault=msg_bounds pc=5 insns=6
;! expect state seen_src=5
.handler actions
.state seen_src
	ldh src			; pc 0
	sts seen_src
	push 1
	sth seq
	push 0xff
	stp8 0			; pc 5
	ldh tag
	jz done_drop
	ldh tag
	push 1
	eq
	jnz done_pass
	reply			; pc 12
done_pass:
	pass			; pc 13
done_drop:
	drop			; pc 14
