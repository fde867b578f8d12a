; Nothing after sth says what happens to the message.
;! desc: running off the end without an action is rejected
;! expect error: 6:2: error: control reaches the end of the program without an action (drop, pass, reply or forward)
.handler falloff
	ldp32 0
	sth tag
