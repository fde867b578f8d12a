; The data area has words 0..4: count, then vec+0..vec+3.
;! desc: a constant data-area word outside the data area is rejected
;! expect error: 10:2: error: data-area word 5 is outside the data area (words 0..4)
;! expect error: 11:2: error: data-area word 5 is outside the data area (words 0..4)
;! expect error: 12:2: error: data-area word -1 is outside the data area (words 0..4)
.handler stateword
.state count
.state vec 4
	lds vec+3	; word 4, the last: fine
	lds 5
	ldsx vec+4
	sts -1
	drop
