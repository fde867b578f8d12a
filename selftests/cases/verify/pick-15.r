; 'pick 15' could never verify: it reads 16 values and pushes a 17th, and
; the stack holds 16.  The range is 0..14 (issue 12: the spec said 0..15).
;! desc: pick 15 is out of range, whatever the stack holds
;! expect error: 8:2: error: 'pick' depth 15 is out of range 0..14 (it needs 16 values and pushes one more; the stack holds 16)
;! expect error: 8:2: error: stack underflow: 'pick 15' needs 16 values, the stack holds 1
.handler pick15
	push 1
	pick 15
	drop
