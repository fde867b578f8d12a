; counter.r - count every message that reaches portal 1.
;
; The data area keeps the running total; the window "hits" is the same
; count as the application sees it through mmap, plus the tag of the last
; message, so a monitoring process can read both without a system call.
; The message itself is consumed: nothing above the handler needs it.

.handler counter
.portal 1
.budget 16
.state total            ; messages seen since the handler was installed
.window hits 2          ; hits+0: count, hits+1: tag of the last message

        push 1
        xadds total     ; atomic: concurrent arrivals on other CPUs count too
        pop             ; (xadds pushes the old value; we do not need it)
        push 1
        xaddw hits      ; the application's copy of the count
        pop
        ldh tag
        stw hits+1      ; a plain store: the last writer wins
        drop
