; Sends and up-calls made before a fault stay made, like data-area
; writes; the message goes on as it came.  tag 0 faults div_zero after a
; send and an upcall; seq names the second send's rank, 9 faults 'rank'.
;! desc: sends and up-calls before a fault stay made
;! ranks 4 self=0
;! msg tag=0 seq=2 payload=hex:00
;! expect fault=div_zero pc=8 insns=9
;! expect send rank=1 payload=hex:42
;! expect upcall value=0
;! msg tag=1 seq=9 payload=hex:00
;! expect fault=rank pc=11 insns=12
;! expect send rank=1 payload=hex:42
;! expect upcall value=1
;! msg tag=1 seq=2 payload=hex:00
;! expect action=pass insns=13
;! expect send rank=1 payload=hex:42
;! expect upcall value=1
;! expect send rank=2 payload=hex:42
;! expect msg payload=hex:42
.handler keep
	push 0x42
	stp8 0
	push 1
	send			; pc 3
	ldh tag
	upcall			; pc 5
	push 1
	ldh tag
	div			; pc 8
	pop
	ldh seq
	send			; pc 11
	pass
