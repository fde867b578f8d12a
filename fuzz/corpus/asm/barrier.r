; barrier.r - count arrivals at a barrier of NPROCS ranks.
;
; Every rank sends one message tagged with the barrier's generation when it
; enters the barrier.  The handler counts arrivals; the one that completes
; the count opens the barrier by writing the generation into the window
; 'released', which every waiting process polls in its own memory, and
; resets the count.  All arrival messages are consumed.
;
; A message for another generation than the one being counted is a
; protocol error for this simple barrier: it is passed up to the
; application untouched so that nothing is lost.

.handler barrier
.portal 9
.budget 48
.const NPROCS 4
.state arrived          ; arrivals in the current generation
.state generation       ; generation being counted
.window released 1      ; last generation that completed

        ldh tag
        lds generation
        ne
        jnz stray       ; not the generation we are counting
        push 1
        xadds arrived   ; pushes the old count
        push 1
        add
        push NPROCS
        eq
        jnz open
        drop

open:   ldh tag
        stw released    ; the waiting processes see this in their memory
        push 0
        sts arrived
        ldh tag
        push 1
        add
        sts generation  ; count the next generation
        drop

stray:  pass
