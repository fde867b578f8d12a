; spin.r - echo after a loop whose length the message chooses: the
; benchmarks' handler of any size (bench/bench_spin.c).
;
; Payload word 0 is k, the number of loop iterations; the loop mixes what
; handlers do (locals, arithmetic, a compare and a branch), 11
; instructions an iteration, so one run executes 13 + 11 k instructions
; (bench_spin counts them with the reference interpreter; k <= 5956 keeps
; it within the budget).  The reply is the message with word 1 set to the
; loop's result and tag "echo"; word 0 is left alone, so the same frame
; run again (BPF_PROG_TEST_RUN's repeat) does the same work every time.

.handler spin
.portal 12
.budget 65536
.const ANSWERED 0x6563686f   ; "echo"

        ldh len
        push 16
        ltu             ; fewer than two words: answer unchanged
        jnz send
        ldp64 0         ; k
loop:   dup
        jz done
        ldl 0           ; h = (h ^ k) * 3
        over
        xor
        push 3
        mul
        stl 0
        push 1          ; k - 1
        sub
        jmp loop
done:   pop
        ldl 0
        stp64 8
send:   push ANSWERED
        sth tag
        reply
