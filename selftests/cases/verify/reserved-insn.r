; forward, send and upcall have encodings but no meaning yet.
;! desc: reserved instructions are rejected
;! expect error: 8:2: error: 'send' is reserved for a later version of R-code
;! expect error: 10:2: error: 'upcall' is reserved for a later version of R-code
;! expect error: 12:2: error: 'forward' is reserved for a later version of R-code
.handler reserved
	push 1
	send
	push 2
	upcall
	push 3
	forward
