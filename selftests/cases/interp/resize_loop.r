; Issue 12, bug C, with a loop (the translation runs as a bpf_loop
; callback, or inline without the JIT): grow to 1408, write the word
; 0x0807060504030201 + i at every 64th byte i, then shrink three times across the 512-byte chunks the
; translation sums removed bytes in (1408 -> 1001 -> 513 -> 7, so removed
; runs start at odd and even offsets and span one, two and three chunks).
;! desc: fill 1408 bytes in a loop, then three shrinks across 512-byte chunks
;! msg payload=hex:00
;! expect action=pass insns=295
;! expect state i=1408
;! expect msg payload=hex:01020304050607
.handler resizeloop
.budget 400
.state i
	push 1408
	resize
fill:	lds i
	dup
	push64 0x0807060504030201
	add
	stpx64 0
	lds i
	push 64
	add
	dup
	sts i
	push 1408
	lt
	jnz fill
	push 1001
	resize
	push 513
	resize
	push 7
	resize
	pass
