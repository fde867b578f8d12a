; coll.r - one node's part of allreduce, barrier and broadcast
; (docs/collectives.md), as it was written by hand in R-code before the
; protocol was written once in C (userlib/coll/coll.c).  Test data now:
; test_coll_diff runs it on the reference interpreter against coll.c
; compiled by rcc and by gcc, message by message, and counts both's
; instructions; librcode installs coll.c's R-code.
;
; Contributions travel UP a binary tree over virtual ranks
; vr = (rank - root) mod N, combined at every node; the root's result
; travels DOWN.  The window `coll` is shared with the application, which
; contributes its own words there (contributor 0) and waits for the
; result there; it is laid out as rcode_coll.h says:
;
;   word 0..7      header: layout, counters (dups, answers, reforwards,
;                  stale, bad)
;   8 + 168 s      slot s = seq & 1:
;     +0 seq the slot is armed for     +1 done (contributions in)
;     +2 result_seq                    +3 partial_seq
;     +4..6 claims (contributor 0..2)  +8 contributions, 3 x 32 words
;     +104 partial (32 words)          +136 result (32 words)
;
; Tag: kind (bits 0..3: 1 UP, 2 DOWN, 3 PULL), op (4..7: 0 sum, 1 min,
; 2 max, 3 band, 4 bor, 5 broadcast), K words (8..15), root (16..31).
;
; A published result wakes the application with an up-call, or, when
; librcode sets `wake`, by passing the DOWN on to the application's
; socket (cheaper where the up-call ring's wake-up is costly: in a VM it
; is an inter-processor interrupt more); but only while the application
; sleeps (window word W_SLEEPERS, which librcode raises before it sleeps
; and lowers after): a polling application finds the result in the
; window, and the ring's wake-up (an irq_work: a self-IPI on the
; handler's CPU) would only delay the DOWN to the children.
;
; Several CPUs may run this at once, on different children's messages,
; while the application writes its own contribution: whoever brings
; `done` to children + 1 completes the step, and every claim and count is
; an atomic xaddw.  Locals:
;   0 tag   1 kind, then a slot word   2 op   3 K   4 root   5 N
;   6 self, then a payload offset   7 vr   8 children   9 seq
;   10 slot base   11 child j   13 claim   14 where the words are in
;   the slot   15 where the message goes

.handler coll
.portal 192
.budget 8192

.const K_MAX 32
.const UP 1
.const DOWN 2
.const PULL 3
.const OP_BCAST 5
.const OPS 6
.const KIND_MASK -16            ; ~0xf: the tag without its kind

.const W_LAYOUT 0
.const W_DUPS 1
.const W_ANSWERS 2
.const W_REFORWARDS 3
.const W_STALE 4
.const W_BAD 5
.const W_SLEEPERS 6             ; the application waits asleep (librcode)
.const W_HDR 8
.const S_SEQ 0
.const S_DONE 1
.const S_RESULT_SEQ 2
.const S_PARTIAL_SEQ 3
.const S_CLAIM 4
.const S_CONTRIB 8
.const S_CONTRIB1 40            ; child 1's words
.const S_CONTRIB2 72            ; child 2's words
.const S_PARTIAL 104
.const S_RESULT 136
.const SLOT_WORDS 168

.const TO_PARENT 1              ; continuations of 'fill' (local 15)
.const TO_SENDER 2
.const TO_CHILDREN 3

.state self                     ; this node's rank, written by librcode
.state nranks                   ; N; 0 until librcode sets the node up
.state wake                     ; how a result wakes the application:
                                ; 0 an up-call, 1 the DOWN passed on to
                                ; its socket
.window coll 344

; ---- decode the tag and place this node in the tree ----------------------
        ldh tag
        dup
        stl 0
        push 15
        and
        stl 1                   ; kind
        ldl 0
        push 4
        shr
        push 15
        and
        stl 2                   ; op
        ldl 0
        push 8
        shr
        push 255
        and
        stl 3                   ; K
        ldl 0
        push 16
        shr
        stl 4                   ; root
        lds nranks
        stl 5
        lds self
        stl 6
        ldh seq
        stl 9
        ldl 5                   ; not set up yet, or not a message of ours
        jz bad
        ldl 4
        ldl 5
        geu
        jnz bad                 ; root is not a rank
        ldh src
        ldl 5
        geu
        jnz bad                 ; nor is the sender
        ldl 2
        push OPS
        geu
        jnz bad
        ldl 3
        push K_MAX
        gtu
        jnz bad
        ldl 6                   ; vr = (self + N - root) mod N
        ldl 5
        add
        ldl 4
        sub
        ldl 5
        modu
        stl 7
        ldl 7                   ; children = (2vr+1 < N) + (2vr+2 < N)
        push 2
        mul
        push 1
        add
        ldl 5
        ltu
        ldl 7
        push 2
        mul
        push 2
        add
        ldl 5
        ltu
        add
        stl 8
        ldl 9                   ; slot base = W_HDR + (seq & 1) * SLOT_WORDS
        push 1
        and
        push SLOT_WORDS
        mul
        push W_HDR
        add
        stl 10
        ldl 1
        push UP
        eq
        jnz up
        ldl 1
        push DOWN
        eq
        jnz down
        ldl 1
        push PULL
        eq
        jnz pull
        jmp bad

; ---- UP: a child's partial --------------------------------------------------
up:     ldh len                 ; K words; none in a broadcast
        ldl 2
        push OP_BCAST
        eq
        jnz up_nowords
        ldl 3
        push 8
        mul
        jmp up_len
up_nowords:
        push 0
up_len: ne
        jnz bad
        ldh src                 ; j = vr(src) - 2vr must be 1..children
        ldl 5
        add
        ldl 4
        sub
        ldl 5
        modu
        ldl 7
        push 2
        mul
        sub
        stl 11
        ldl 11
        push 1
        sub
        ldl 8
        geu                     ; j - 1 >= children, unsigned: not a child
        jnz bad
        ldl 10
        ldwx coll+S_SEQ
        ldl 9
        ne
        jnz stale               ; the slot is not armed for seq
        ldl 10                  ; claim: the first copy gets 0
        ldl 11
        add
        push 1
        xaddwx coll+S_CLAIM
        stl 13
        ldl 10                  ; re-armed under us?  then the claim was
        ldwx coll+S_SEQ         ; not for seq: take it back
        ldl 9
        ne
        jnz unclaim
        ldl 13
        jnz dup
        ldl 10                  ; contribution j = the payload: local 1
        ldl 11                  ; walks the slot (base + 32j + i), local 6
        push K_MAX              ; the payload (8i)
        mul
        add
        stl 1
        push 0
        stl 6
copy_in:
        ldl 6
        ldh len
        geu
        jnz copied_in
        ldl 1
        ldl 6
        ldpx64 0
        stwx coll+S_CONTRIB
        ldl 1
        push 1
        add
        stl 1
        ldl 6
        push 8
        add
        stl 6
        jmp copy_in
copied_in:
        ldl 10                  ; count it after its words are in
        push 1
        xaddwx coll+S_DONE
        push 1
        add
        ldl 8
        push 1
        add
        eq
        jnz complete            ; the last contribution: complete the step
        drop

unclaim:
        ldl 10
        ldl 11
        add
        push -1
        xaddwx coll+S_CLAIM
        pop
        jmp stale

dup:    push 1
        xaddw coll+W_DUPS
        pop
        jmp answer

stale:  push 1
        xaddw coll+W_STALE
        pop
        jmp answer

; ---- complete: every contribution is in; combine them word by word -----------
; One loop per op, so that the op is decided once: word i of contributor
; 0 combined with children 1 and 2 (those that exist), into the window
; (the partial, or at the root the result) and into the message, which
; then goes on as it is: UP to the parent, or at the root DOWN.  Local 1
; walks the slot's words (base + i), local 6 the payload's bytes (8i).
complete:
        push S_PARTIAL          ; into the partial, or at the root the result
        ldl 7
        jnz out_set
        pop
        ldl 0                   ; the root's message goes DOWN with K words
        push KIND_MASK
        and
        push DOWN
        or
        sth tag
        ldl 3
        push 8
        mul
        resize
        push S_RESULT
out_set:
        stl 14
        ldl 10
        stl 1
        push 0
        stl 6
        ldl 2
        jz sum_word
        ldl 2
        push 1
        eq
        jnz min_word
        ldl 2
        push 2
        eq
        jnz max_word
        ldl 2
        push 3
        eq
        jnz band_word
        ldl 2
        push 4
        eq
        jnz bor_word
        ldl 7                   ; a broadcast: only the root has words, its own
        jnz combined
bcast_word:
        ldl 6
        ldh len
        geu
        jnz combined
        ldl 1
        ldwx coll+S_CONTRIB
        jmp bcast_store
sum_word:
        ldl 6
        ldh len
        geu
        jnz combined
        ldl 1
        ldwx coll+S_CONTRIB
        ldl 8
        jz sum_store
        ldl 1
        ldwx coll+S_CONTRIB1
        add
        ldl 8
        push 1
        eq
        jnz sum_store
        ldl 1
        ldwx coll+S_CONTRIB2
        add
sum_store:
        dup
        ldl 1
        ldl 14
        add
        swap
        stwx coll+0
        ldl 6
        swap
        stpx64 0
        ldl 1
        push 1
        add
        stl 1
        ldl 6
        push 8
        add
        stl 6
        jmp sum_word
min_word:
        ldl 6
        ldh len
        geu
        jnz combined
        ldl 1
        ldwx coll+S_CONTRIB
        ldl 8
        jz min_store
        ldl 1
        ldwx coll+S_CONTRIB1
        over
        over
        gtu
        jz min_1
        swap
min_1:  pop
        ldl 8
        push 1
        eq
        jnz min_store
        ldl 1
        ldwx coll+S_CONTRIB2
        over
        over
        gtu
        jz min_2
        swap
min_2:  pop
min_store:
        dup
        ldl 1
        ldl 14
        add
        swap
        stwx coll+0
        ldl 6
        swap
        stpx64 0
        ldl 1
        push 1
        add
        stl 1
        ldl 6
        push 8
        add
        stl 6
        jmp min_word
max_word:
        ldl 6
        ldh len
        geu
        jnz combined
        ldl 1
        ldwx coll+S_CONTRIB
        ldl 8
        jz max_store
        ldl 1
        ldwx coll+S_CONTRIB1
        over
        over
        ltu
        jz max_1
        swap
max_1:  pop
        ldl 8
        push 1
        eq
        jnz max_store
        ldl 1
        ldwx coll+S_CONTRIB2
        over
        over
        ltu
        jz max_2
        swap
max_2:  pop
max_store:
        dup
        ldl 1
        ldl 14
        add
        swap
        stwx coll+0
        ldl 6
        swap
        stpx64 0
        ldl 1
        push 1
        add
        stl 1
        ldl 6
        push 8
        add
        stl 6
        jmp max_word
band_word:
        ldl 6
        ldh len
        geu
        jnz combined
        ldl 1
        ldwx coll+S_CONTRIB
        ldl 8
        jz band_store
        ldl 1
        ldwx coll+S_CONTRIB1
        and
        ldl 8
        push 1
        eq
        jnz band_store
        ldl 1
        ldwx coll+S_CONTRIB2
        and
band_store:
        dup
        ldl 1
        ldl 14
        add
        swap
        stwx coll+0
        ldl 6
        swap
        stpx64 0
        ldl 1
        push 1
        add
        stl 1
        ldl 6
        push 8
        add
        stl 6
        jmp band_word
bor_word:
        ldl 6
        ldh len
        geu
        jnz combined
        ldl 1
        ldwx coll+S_CONTRIB
        ldl 8
        jz bor_store
        ldl 1
        ldwx coll+S_CONTRIB1
        or
        ldl 8
        push 1
        eq
        jnz bor_store
        ldl 1
        ldwx coll+S_CONTRIB2
        or
bor_store:
        dup
        ldl 1
        ldl 14
        add
        swap
        stwx coll+0
        ldl 6
        swap
        stpx64 0
        ldl 1
        push 1
        add
        stl 1
        ldl 6
        push 8
        add
        stl 6
        jmp bor_word
bcast_store:
        dup
        ldl 1
        ldl 14
        add
        swap
        stwx coll+0
        ldl 6
        swap
        stpx64 0
        ldl 1
        push 1
        add
        stl 1
        ldl 6
        push 8
        add
        stl 6
        jmp bcast_word
combined:
        push 0                  ; a full barrier: the words before their seq
        xaddw coll+W_LAYOUT
        pop
        ldl 7
        jz root_done
        ldl 10                  ; not the root: keep the partial for
        ldl 9                   ; retries, and send it UP (the message
        stwx coll+S_PARTIAL_SEQ ; is an UP with the partial already)
        jmp to_parent
root_done:
        ldl 10                  ; the root: publish, wake the application,
        ldl 9                   ; and send the result DOWN
        stwx coll+S_RESULT_SEQ
        push 0                  ; does the application sleep?  (read
        xaddw coll+W_SLEEPERS   ; with a full barrier after result_seq:
        jz to_children          ; else it polls, and sees the result)
        lds wake
        jnz to_children_wake
        ldl 9
        upcall
        jmp to_children

; ---- DOWN: the result, from the parent -------------------------------------------
down:   ldh len
        ldl 3
        push 8
        mul
        ne
        jnz bad
        ldl 10
        ldwx coll+S_SEQ
        ldl 9
        ne
        jnz down_stale
        ldl 10
        ldwx coll+S_RESULT_SEQ
        ldl 9
        eq
        jnz consumed            ; a duplicate: the result is here already
        ldl 10
        stl 1
        push 0
        stl 6
down_copy:
        ldl 6
        ldh len
        geu
        jnz down_copied
        ldl 1
        ldl 6
        ldpx64 0
        stwx coll+S_RESULT
        ldl 1
        push 1
        add
        stl 1
        ldl 6
        push 8
        add
        stl 6
        jmp down_copy
down_copied:
        push 0                  ; the words before their seq
        xaddw coll+W_LAYOUT
        pop
        ldl 10
        ldl 9
        stwx coll+S_RESULT_SEQ
        push 0                  ; wake the application only if it
        xaddw coll+W_SLEEPERS   ; sleeps (a polling one sees result_seq;
        jz to_children          ; a wake-up costs an interrupt or two)
        lds wake
        jnz to_children_wake    ; the message is the result already
        ldl 9
        upcall
        jmp to_children
down_stale:
        push 1
        xaddw coll+W_STALE
        pop
consumed:
        drop

; ---- PULL: a request for the result ------------------------------------------------
pull:   ldh len
        jnz bad
        ; fall through

; ---- answer a duplicate UP, a stale one, or a PULL ------------------------------------
; The result if this node has it; else its own partial up again if it
; sent one for seq (the parent may have lost it); else nothing.
answer: ldl 10
        ldwx coll+S_RESULT_SEQ
        ldl 9
        eq
        jz no_result
        push 1
        xaddw coll+W_ANSWERS
        pop
        ldl 0
        push KIND_MASK
        and
        push DOWN
        or
        sth tag
        ldl 3
        push 8
        mul
        resize
        push S_RESULT
        stl 14
        push TO_SENDER
        stl 15
        jmp fill
no_result:
        ldl 7
        jz consumed             ; the root sent nothing up
        ldl 10
        ldwx coll+S_SEQ
        ldl 9
        ne
        jnz consumed
        ldl 10
        ldwx coll+S_PARTIAL_SEQ
        ldl 9
        ne
        jnz consumed
        push 1
        xaddw coll+W_REFORWARDS
        pop
        push TO_PARENT
        stl 15
        ; fall through

; ---- send_up: the message becomes UP with this node's partial ------------------------
send_up:
        ldl 0
        push KIND_MASK
        and
        push UP
        or
        sth tag
        push 0                  ; no words in a broadcast
        ldl 2
        push OP_BCAST
        eq
        jnz up_sized
        pop
        ldl 3
        push 8
        mul
up_sized:
        resize
        push S_PARTIAL
        stl 14
        ; fall through

; ---- fill: payload word i = slot word (local 14) + i, then go (local 15) ------
fill:   ldl 10
        ldl 14
        add
        stl 1
        push 0
        stl 6
fill_word:
        ldl 6
        ldh len
        geu
        jnz filled
        ldl 6
        ldl 1
        ldwx coll+0
        stpx64 0
        ldl 1
        push 1
        add
        stl 1
        ldl 6
        push 8
        add
        stl 6
        jmp fill_word
filled: ldl 15
        push TO_PARENT
        eq
        jnz to_parent
        ldl 15
        push TO_SENDER
        eq
        jnz to_sender
        ; TO_CHILDREN: fall through

to_children:                    ; a copy to the first child, the message to the last
        ldl 8
        jz consumed
        ldl 7                   ; first child: (2vr + 1 + root) mod N
        push 2
        mul
        push 1
        add
        ldl 4
        add
        ldl 5
        modu
        ldl 8
        push 2
        eq
        jz last_child
        send
        ldl 7                   ; second child: (2vr + 2 + root) mod N
        push 2
        mul
        push 2
        add
        ldl 4
        add
        ldl 5
        modu
last_child:
        forward

to_children_wake:               ; a copy to each child, the message to
        ldl 8                   ; the application's socket
        jz wake_app
        ldl 7
        push 2
        mul
        push 1
        add
        ldl 4
        add
        ldl 5
        modu
        send
        ldl 8
        push 2
        eq
        jz wake_app
        ldl 7
        push 2
        mul
        push 2
        add
        ldl 4
        add
        ldl 5
        modu
        send
wake_app:
        pass

to_parent:                      ; ((vr - 1) / 2 + root) mod N
        ldl 7
        push 1
        sub
        push 1
        shr
        ldl 4
        add
        ldl 5
        modu
        forward

to_sender:
        reply

bad:    push 1                  ; not of the protocol: the application's
        xaddw coll+W_BAD        ; socket sees it, as it arrived
        pop
        pass
