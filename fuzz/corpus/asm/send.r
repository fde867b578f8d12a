; send sends a copy of the message as it is at that moment (src = this
; node, dst = the rank) and the handler goes on with its own message,
; whose header is unchanged: it still reads the src and dst it came with.
; Edits between two sends show in the second copy only.  tag picks how
; the handler ends: 0 drop, 1 pass, 2 reply, 3 forward.
;! desc: send: two copies to different ranks with edits between, then drop, pass, reply, forward
;! ranks 4 self=1
;! msg src=3 dst=1 tag=0 payload=hex:00ff
;! expect action=drop insns=17
;! expect send rank=2 payload=hex:11ff
;! expect send rank=3 seq=100 payload=hex:22ff
;! expect state seen_dst=1 seen_src=3
;! expect msg seq=100 payload=hex:22ff
;! msg src=3 dst=1 tag=1 payload=hex:00ff
;! expect action=pass insns=21
;! expect send rank=2 payload=hex:11ff
;! expect send rank=3 seq=100 payload=hex:22ff
;! expect msg seq=100 payload=hex:22ff
;! msg src=3 dst=1 tag=2 payload=hex:00ff
;! expect action=reply insns=25
;! expect send rank=2 payload=hex:11ff
;! expect send rank=3 seq=100 payload=hex:22ff
;! expect msg src=1 dst=3 seq=100 payload=hex:22ff
;! msg src=3 dst=1 tag=3 payload=hex:00ff
;! expect action=forward rank=0 insns=26
;! expect send rank=2 payload=hex:11ff
;! expect send rank=3 seq=100 payload=hex:22ff
;! expect msg src=1 dst=0 seq=100 payload=hex:22ff
.handler sends
.state seen_dst
.state seen_src
	push 0x11
	stp8 0
	push 2
	send			; pc 3: payload 11ff
	ldh dst			; unchanged by the send
	sts seen_dst
	ldh src
	sts seen_src
	push 0x22
	stp8 0
	push 100
	sth seq
	push 3
	send			; pc 13: payload 22ff, seq 100
	ldh tag
	jz do_drop
	ldh tag
	push 1
	eq
	jnz do_pass
	ldh tag
	push 2
	eq
	jnz do_reply
	push 0
	forward			; pc 25
do_drop:
	drop
do_pass:
	pass
do_reply:
	reply
