; A global-sum fan-in over several arrivals: the data area carries the
; count and the partial sum from one run to the next; the last child's
; arrival publishes the sum in the window, resets, and replies with it.
;! desc: state carried across runs; a realistic reply
;! msg src=1 dst=0 portal=7 payload=u64:5
;! expect action=drop insns=11
;! expect state count=1 sum=5
;! msg src=2 dst=0 portal=7 payload=u64:7
;! expect action=reply insns=19
;! expect state count=0 sum=0
;! expect window result=12
;! expect msg src=0 dst=2 payload=u64:12
;! msg src=2 dst=0 portal=7 payload=u64:1
;! expect action=drop insns=11
;! expect state count=1 sum=1
;! window result=0
;! msg src=1 dst=0 portal=7 payload=u64:-3
;! expect action=reply insns=19
;! expect state count=0 sum=0
;! expect window result=-2
;! expect msg src=0 dst=1 payload=u64:-2
.handler gsum
.portal 7
.const NCHILD 2
.state count
.state sum
.window result 1
	ldp64 0			; the child's value
	xadds sum
	pop
	push 1
	xadds count		; the old count
	push 1
	add			; the new count
	push NCHILD
	lt
	jnz wait		; not everyone yet
	lds sum
	dup
	stw result		; publish for the application
	stp64 0			; and answer with it
	push 0
	sts sum
	push 0
	sts count
	reply
wait:	drop
