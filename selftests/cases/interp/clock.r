; clock pushes the time the environment gives; the case sets it, and a
; run without a clock line keeps the last one.
;! desc: clock
;! msg
;! expect action=pass insns=3
;! expect state t=0
;! clock 1000
;! msg
;! expect action=pass
;! expect state t=1000
;! clock 0xffffffffffffffff
;! msg
;! expect action=pass
;! expect state t=-1
;! msg
;! expect action=pass
.handler clock
.state t
	clock
	sts t
	pass
