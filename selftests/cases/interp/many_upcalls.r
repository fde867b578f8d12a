; 70 up-calls in one run: every one is counted, whatever a path can log
; (the test runner logs the first 64 and checks the first two here).
;! desc: 70 up-calls in one run are all counted
;! msg
;! expect action=drop insns=491 upcalls=70
;! expect upcall value=0
;! expect upcall value=1
;! expect state n=70
.handler many
.budget 1000
.state n
loop:	push 1
	xadds n
	dup
	upcall
	push 69
	ltu
	jnz loop
	drop
