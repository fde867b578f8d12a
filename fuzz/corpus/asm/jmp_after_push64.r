; Issue 12, bug A: a 'jmp' right after a 'push64' whose constant does not
; fit in 32 bits, the constant still on the stack.  The in-kernel
; interpreter's compiler keeps such a constant as a MOVI64 uop followed
; by a never-run NOP holding the high half; the jump was fused into that
; NOP and lost, so the interpreter fell through (drop after 8
; instructions with s = 7,1 instead of 6 with s = 0,4294967296; here the
; same after a prologue of five).  The
; third run is the same pattern as a loop's back edge: the loop must run
; its three iterations, not one.
;! desc: jmp after a wide push64, forward and as a loop's back edge
;! msg payload=u8:0
;! expect action=drop fault=none insns=10
;! expect state s=0,4294967296
;! msg payload=u8:1
;! expect action=drop fault=none insns=11
;! expect state s=7,1
;! msg payload=u8:2
;! expect action=drop fault=none insns=37
;! expect state s=7,1 n=3
.handler jmpafterpush64
.state s 2
.state n
	ldp8 0
	dup
	push 2
	eq
	jnz loop
	jnz L1
	push64 0x100000000
	jmp L2
L1:	push 7
	sts s
	push 1
L2:	sts s+1
	drop
loop:
top:	pop
	lds n
	push 1
	add
	dup
	sts n
	push 3
	eq
	jnz out
	push64 0x100000000
	jmp top			; the back edge, the wide constant on the stack
out:	drop
