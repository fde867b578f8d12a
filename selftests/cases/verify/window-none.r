; No window is declared; a raw ldw names window 0.
;! desc: a window access without windows is rejected
;! expect error: 5:2: error: window 0 is used, but the program declares no windows (declare one with .window)
.handler nowin
	.insn 0x60, 0, 0, 0
	drop
