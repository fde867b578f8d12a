; forward, send and upcall are accepted: each pops one value, forward ends
; the handler like drop, pass and reply.
;! desc: forward, send and upcall are accepted
;! ranks 4 self=0
;! msg tag=1
;! expect action=forward rank=1 insns=6
;! expect upcall value=1 tag=1
;! expect send rank=2 tag=1
;! expect msg src=0 dst=1
.handler accept
	ldh tag
	upcall
	push 2
	send
	ldh tag
	forward
