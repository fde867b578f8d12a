; echo.r - answer every message on portal 2 with itself.
;
; The reply goes back to the sender with source and destination swapped
; (the runtime swaps ranks, addresses and ports).  To show that a handler
; may edit what it sends, the first payload word, if there is one, is
; incremented, and the tag says the message was answered in the kernel.

.handler echo
.portal 2
.budget 32
.const ANSWERED 0x6563686f   ; "echo"

        ldh len
        push 8
        ltu             ; payload shorter than one word?
        jnz send        ; then send it back unchanged
        ldp64 0
        push 1
        add
        stp64 0
send:   push ANSWERED
        sth tag
        reply
