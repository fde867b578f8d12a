; send and forward count one instruction each; a budget that runs out at
; forward stops it (fault budget, not forward), the sends before stay.
;! desc: sends within the budget are made; forward at the budget is not
;! ranks 4 self=0
;! msg
;! expect fault=budget pc=5 insns=5
;! expect send rank=1
;! expect send rank=2
.handler sendbudget
.budget 5
	push 1
	send
	push 2
	send
	push 3
	forward			; pc 5: the sixth instruction
