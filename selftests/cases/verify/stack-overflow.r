; Sixteen values fill the stack; dup would make seventeen.
;! desc: a stack overflow is rejected
;! expect error: 21:2: error: stack overflow: 'dup' would make the stack 17 values deep; at most 16 are allowed
.handler overflow
	push 1
	push 2
	push 3
	push 4
	push 5
	push 6
	push 7
	push 8
	push 9
	push 10
	push 11
	push 12
	push 13
	push 14
	push 15
	push 16
	dup
	drop
