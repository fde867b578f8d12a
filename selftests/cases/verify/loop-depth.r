; Each time round the loop leaves one more value behind.
;! desc: a loop that grows the stack is rejected where it joins itself
;! expect error: 6:7: error: stack depth differs where paths join: 1 from pc 0 (line 5), 2 from pc 3 (line 8)
.handler growloop
	push 0
loop:	push 1
	ldh tag
	jnz loop
	drop
