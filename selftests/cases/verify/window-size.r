; A window holds at most 65536 words.  The assembler refuses this itself;
; a binary that says so reaches the verifier (c:window-size in
; test_verify.c).
;! desc: a window larger than the maximum is rejected
;! expect error: 7:13: error: a window has 1 to 65536 words
.handler bigwin
.window big 65537
	drop
