; The two instructions after drop can never run: a warning, not an error.
;! desc: unreachable instructions get one warning per run of them
;! expect warning: 12:2: warning: unreachable instruction
;! msg tag=0
;! expect action=drop insns=3
;! msg tag=1
;! expect action=pass insns=3
.handler unreachable
	ldh tag
	jnz yes
	drop
	push 1		; never runs
	pop
yes:	pass
