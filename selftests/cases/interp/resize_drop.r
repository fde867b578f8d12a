; Issue 12, bug D: a handler that resizes and then drops.  Nobody fixes
; the IP and UDP lengths of a frame that goes nowhere, so the kernel
; paths' dropped frame had stale lengths and the comparison called it
; "not an R-message" and a disagreement.  A dropped frame's message now
; ends where the frame does; both shrink and grow are compared.
;! desc: resize, then drop: the dropped message compared, lengths stale
;! msg tag=0 payload=hex:0102030405
;! expect action=drop insns=5
;! expect msg payload=hex:0102
;! msg tag=1 payload=hex:0102
;! expect action=drop insns=5
;! expect msg payload=hex:010200000000
.handler resizedrop
	ldh tag
	jnz grow
	push 2
	resize
	drop
grow:	push 6
	resize
	drop
