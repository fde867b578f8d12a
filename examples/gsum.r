; gsum.r - one node's fan-in step of a global sum (allreduce with +).
;
; Each of NCHILD children sends its partial sum as the first payload word.
; The first arrival stores its value, the others add theirs, and the last
; arrival sends the total on towards the root.  Arrivals may run at the
; same time on different CPUs, so the handler never reads-then-writes a
; shared word: it adds atomically (adding to the zeroed sum is how the
; first arrival "stores"), and it increments the arrival count only after
; its value is in the sum.  Whoever takes the count to NCHILD therefore
; sees every value in the sum.
;
; Sending to the parent rank comes with the rank table (a later version of
; R-code reserves 'forward' for it); here the last arrival writes the total
; into its message and passes it up to the application, which publishes it
; in the window 'result' too, and resets the data area for the next round.
; Messages that do not carry a value are passed on untouched.

.handler gsum
.portal 7
.budget 64
.const NCHILD 3
.state sum              ; partial sum of this round
.state count            ; arrivals in this round
.state rounds           ; completed rounds
.window result 2        ; result+0: last total, result+1: rounds completed

        ldh len
        push 8
        ltu
        jnz notvalue    ; fewer than 8 payload bytes: not for us
        ldp64 0
        xadds sum       ; add my value (atomic); pushes the old sum
        pop
        push 1
        xadds count     ; count my arrival; pushes the old count
        push NCHILD
        push 1
        sub
        eq              ; old count == NCHILD-1: I am the last arrival
        jnz last
        drop            ; not the last: the value is kept, the message done

last:   lds sum         ; complete: every arrival added before counting
        dup
        stp64 0         ; the total goes up in this message
        stw result
        push 1
        xadds rounds
        push 1
        add
        stw result+1
        push 0          ; reset for the next round
        sts sum
        push 0
        sts count
        pass

notvalue:
        pass
