; The then-arm leaves two values, the else-arm one.
;! desc: paths that join with different stack depths are rejected
;! expect error: 11:7: error: stack depth differs where paths join: 2 from pc 4 (line 9), 1 from pc 5 (line 10)
.handler join
	ldh tag
	jz else
	push 1
	push 2
	jmp done
else:	push 3
done:	add
	drop
