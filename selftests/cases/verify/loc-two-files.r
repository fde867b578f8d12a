; A program keeps one source (struct rc_prog.src), so .loc may name only
; one file; a second one is an assembler error at its own .r line.
;! desc: .loc: a second file is refused
;! expect error: 8:6: error: .loc names 'b.c' after 'a.c': one source file per program
.handler loc2
.loc a.c 1 1
	push 1
.loc b.c 2 1
	pop
	pass
