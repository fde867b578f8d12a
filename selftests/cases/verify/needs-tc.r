; A reachable send makes the handler a TC program: the verifier accepts it
; and notes why, once, at the first send that can run (the one at line 16
; never runs; the one at line 21 is the second).  forward and upcall need
; nothing more than XDP.
;! desc: send needs TC: a note at the first reachable send
;! expect note: 19:2: note: the handler needs TC: 'send' at line 19 sends a copy of the message, which only a TC program can do
;! expect warning: 15:2: warning: unreachable instruction
.handler needs_tc
	push 1
	upcall
	ldh tag
	jz sends
	ldh src
	forward
	push 2		; never runs
	send
sends:
	push 2
	send
	push 3
	send
	drop
