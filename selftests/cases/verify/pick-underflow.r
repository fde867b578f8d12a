; pick 2 copies the third value from the top: it needs three.
;! desc: pick deeper than the stack is a stack underflow
;! expect error: 7:2: error: stack underflow: 'pick 2' needs 3 values, the stack holds 2
.handler pickdeep
	push 1
	push 2
	pick 2
	drop
