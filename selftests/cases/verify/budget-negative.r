; A negative budget names the language's range, not the binary field's
; (it said 0..4294967295; issue 12).
;! desc: .budget -1 names the range 1..65536
;! expect error: 5:9: error: .budget -1 is out of range (1..65536)
.budget -1
.handler budgetneg
	pass
