; Window hits has words 0..1.
;! desc: a constant window word outside its window is rejected
;! expect error: 7:2: error: word 2 is outside window 'hits' (words 0..1)
.handler winword
.window hits 2
	ldw hits+1	; fine
	ldw hits+2
	drop
