; A handler that declares no .state has no data area at all.
;! desc: a data-area word without a data area is rejected
;! expect error: 5:2: error: data-area word 0 is used, but the program has no data area (declare one with .state)
.handler nostate
	lds 0
	drop
