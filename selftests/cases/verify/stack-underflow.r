; add needs two values; one path gives it one.
;! desc: a stack underflow is rejected
;! expect error: 6:2: error: stack underflow: 'add' needs 2 values, the stack holds 1
.handler underflow
	ldp64 0
	add
	drop
