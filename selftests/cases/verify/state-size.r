; 200 + 57 words: group b takes the data area past 256 words.  The
; assembler refuses this itself; a binary that says so reaches the verifier
; (c:state-size in test_verify.c).
;! desc: a data area of more than 256 words is rejected
;! expect error: 8:1: error: the data area would exceed 256 words
.handler bigstate
.state a 200
.state b 57
	drop
