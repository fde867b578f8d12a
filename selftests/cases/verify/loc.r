; .loc FILE LINE COL (docs/rcode.md section 4): what a front end such as rcc
; writes.  The verifier's errors then name the compiled file's position,
; not this text's.
;! desc: .loc: verifier errors at the compiled file's line and column
;! expect error: 11:2: error: stack underflow: 'add' needs 2 values, the stack holds 1
.handler loc
.loc selftests/cases/rcc/fault/divzero.c 10 13
	push 1
.loc selftests/cases/rcc/fault/divzero.c 11 2
	add
	pass
