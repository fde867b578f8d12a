; Sum the first n u64 words of the payload, n = tag: a loop whose head
; is reached with the same depth from its entry and from its back edge.
;! desc: a counted loop verifies
;! msg tag=3 payload=u64:5,6,7
;! expect action=drop insns=51
;! expect state total=18
;! msg tag=0 payload=u64:5
;! expect action=drop
;! expect state total=0
;! msg tag=4 payload=u64:1,2,3
;! expect fault=msg_bounds pc=10
.handler sumloop
.state total
	push 0
	stl 0		; i = 0
	push 0		; sum
loop:	ldl 0
	ldh tag
	geu		; i >= n?
	jnz done
	ldl 0
	push 8
	mul
	ldpx64 0	; payload word i
	add
	ldl 0
	push 1
	add
	stl 0
	jmp loop
done:	sts total
	drop
