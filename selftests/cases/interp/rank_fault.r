; forward to a rank that is not reachable faults 'rank' at the forward:
; past nranks, absent, this node itself, any value of 2^32 or more (even
; when its low half is a rank), or no rank table at all.  Like every
; fault, the message goes on as it came (the tag edit is undone).
;! desc: forward faults 'rank': beyond nranks, absent, self, >= 2^32, no table
;! ranks 4 self=1 absent=3
;! msg payload=u64:4
;! expect fault=rank pc=3 insns=4
;! msg payload=u64:3
;! expect fault=rank pc=3 insns=4
;! msg payload=u64:1
;! expect fault=rank pc=3 insns=4
;! msg payload=u64:0x100000002
;! expect fault=rank pc=3 insns=4
;! msg payload=u64:-1
;! expect fault=rank pc=3 insns=4
;! msg payload=u64:2
;! expect action=forward rank=2 insns=4
;! expect msg src=1 dst=2 tag=5
;! msg payload=u64:0
;! expect action=forward rank=0 insns=4
;! expect msg src=1 dst=0 tag=5
;! ranks none
;! msg payload=u64:2
;! expect fault=rank pc=3 insns=4
;! ranks 0
;! msg payload=u64:0
;! expect fault=rank pc=3 insns=4
.handler rankfault
	push 5
	sth tag			; an edit the fault undoes
	ldp64 0
	forward			; pc 3
