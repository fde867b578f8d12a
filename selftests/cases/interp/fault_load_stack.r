; Issue 12, bug B: a payload load that faults has not pushed.  The
; in-kernel interpreter's tracing form raised the stack's high-water mark
; before the bounds check, so 'ldp64 0' on a 4-byte payload reported 1
; where the reference reports 0.  The second run loads what fits: 1.
;! desc: a faulting payload load leaves the stack's high-water mark alone
;! msg payload=u32:1
;! expect fault=msg_bounds pc=0 insns=1 stack_max=0
;! msg payload=u64:1
;! expect action=pass insns=3 stack_max=1
.handler faultloadstack
	ldp64 0
	pop
	pass
