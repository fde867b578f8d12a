; The operand stack holds 16 words: fill it to the top with pick reaching
; the deepest of 15 values, and count the high-water mark.
;! desc: a 16-deep stack, pick 14, stack_max
;! msg
;! expect action=pass insns=20 stack_max=16
;! expect state bottom=100 top=114 under=113
.handler deep
.state bottom
.state top
.state under
	push 100
	push 101
	push 102
	push 103
	push 104
	push 105
	push 106
	push 107
	push 108
	push 109
	push 110
	push 111
	push 112
	push 113
	push 114	; 15 values
	pick 14		; 16: a copy of the bottom one, 100
	sts bottom
	sts top		; 114
	sts under	; 113
	pass		; an action may leave values on the stack
