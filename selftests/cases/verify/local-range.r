; There are 16 locals, 0..15.
;! desc: a local out of range is rejected
;! expect error: 6:2: error: local 16 is out of range 0..15
;! expect error: 7:2: error: local -1 is out of range 0..15
.handler locals
	ldl 16
	stl -1
	pass
