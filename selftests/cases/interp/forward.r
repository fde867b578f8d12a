; forward sends the message, as edited, on to a rank and ends the handler:
; the header leaves with src = this node's rank and dst = the rank it goes
; to.  tag picks: 0 plain, 1 after header and payload edits (to the
; sender's rank, read before forward rewrites src), 2 after a resize.
;! desc: forward: plain, after edits, after resize; src = self, dst = rank
;! ranks 4 self=1
;! msg src=0 dst=1 tag=0 payload=u32:7
;! expect action=forward rank=2 insns=4
;! expect msg src=1 dst=2
;! msg src=3 dst=1 tag=1 payload=u32:7
;! expect action=forward rank=3 insns=14
;! expect msg src=1 dst=3 portal=9 seq=0x77 payload=hex:ab000000
;! msg src=0 dst=1 tag=2 payload=u32:7
;! expect action=forward rank=3 insns=12
;! expect msg src=1 dst=3 payload=hex:070000000000000000000000000000000000005a
;! ranks 8 self=5
;! msg src=0 dst=5 tag=0
;! expect action=forward rank=2 insns=4
;! expect msg src=5 dst=2
.handler fwd
	ldh tag			; pc 0
	jz plain
	ldh tag
	push 1
	eq
	jnz edits		; pc 5
	push 20
	resize			; 4 bytes grow to 20, zero filled
	push 0x5a
	stp8 19
	push 3
	forward			; pc 11
plain:
	push 2
	forward			; pc 13
edits:
	push 0x77
	sth seq
	push 9
	sth portal
	push 0xab
	stp8 0
	ldh src			; the sender's rank, as the message came
	forward			; pc 21
