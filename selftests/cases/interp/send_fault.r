; send faults 'rank' for the same ranks forward does.  A send made before
; the fault stays made, with the message as it was then; the message
; itself goes on as it came.
;! desc: send faults 'rank'; an earlier send stays made
;! ranks 4 self=1 absent=3
;! msg payload=u64:4
;! expect fault=rank pc=5 insns=6
;! expect send rank=0 tag=5
;! msg payload=u64:3
;! expect fault=rank pc=5 insns=6
;! expect send rank=0 tag=5
;! msg payload=u64:1
;! expect fault=rank pc=5 insns=6
;! expect send rank=0 tag=5
;! msg payload=u64:0x100000002
;! expect fault=rank pc=5 insns=6
;! expect send rank=0 tag=5
;! msg payload=u64:2
;! expect action=pass insns=7
;! expect send rank=0 tag=5
;! expect send rank=2 tag=5
;! expect msg tag=5
;! ranks none
;! msg payload=u64:2
;! expect fault=rank pc=3 insns=4
.handler sendfault
	push 5
	sth tag
	push 0
	send			; pc 3
	ldp64 0
	send			; pc 5
	pass
