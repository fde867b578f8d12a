; examples/gsum.c: compiled by rcc, do not edit
.handler gsum
.portal 7
.budget 64
.state sum
.state count
.state rounds
.window result 2
.loc examples/gsum.c 21 6	; if (rc_len() < 8)
	ldh len
.loc examples/gsum.c 21 17
	push 8
.loc examples/gsum.c 21 15
	lt
.loc examples/gsum.c 21 6
	jz _L0
.loc examples/gsum.c 22 10	; return RC_PASS;		/* not a value */
	pass
_L0:
.loc examples/gsum.c 23 29	; __sync_fetch_and_add(&sum, rc_ld64(0));
	ldp64 0
.loc examples/gsum.c 23 2
	xadds sum
	pop
.loc examples/gsum.c 24 35	; if (__sync_fetch_and_add(&count, 1) != NCHILD - 1)
	push 1
.loc examples/gsum.c 24 6
	xadds count
.loc examples/gsum.c 24 41
	push 2
.loc examples/gsum.c 24 38
	ne
.loc examples/gsum.c 24 6
	jz _L2
.loc examples/gsum.c 25 10	; return RC_DROP;		/* the value is kept */
	drop
_L2:
.loc examples/gsum.c 26 10	; total = sum;
	lds sum
	stl 0
.loc examples/gsum.c 27 13	; rc_st64(0, total);
	ldl 0
.loc examples/gsum.c 27 2
	stp64 0
.loc examples/gsum.c 28 14	; result[0] = total;
	ldl 0
	stw result
.loc examples/gsum.c 29 44	; result[1] = __sync_fetch_and_add(&rounds, 1) + 1;
	push 1
.loc examples/gsum.c 29 14
	xadds rounds
.loc examples/gsum.c 29 49
	push 1
.loc examples/gsum.c 29 47
	add
	stw result+1
.loc examples/gsum.c 30 8	; sum = 0;
	push 0
	sts sum
.loc examples/gsum.c 31 10	; count = 0;
	push 0
	sts count
.loc examples/gsum.c 32 9	; return RC_PASS;
	pass
