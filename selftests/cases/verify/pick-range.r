; pick's depth is 0..15, whatever the stack holds.
;! desc: a pick depth out of range is rejected
;! expect error: 6:2: error: 'pick' depth 16 is out of range 0..15
.handler pickrange
	push 1
	pick 16
	drop
