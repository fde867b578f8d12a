; pick's depth is 0..14, whatever the stack holds: pick N reads N+1 values
; and pushes one more, and the stack holds 16, so 'pick 15' could never run.
;! desc: a pick depth out of range is rejected
;! expect error: 7:2: error: 'pick' depth 16 is out of range 0..14 (it needs 17 values and pushes one more; the stack holds 16)
.handler pickrange
	push 1
	pick 16
	drop
