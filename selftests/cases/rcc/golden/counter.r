; examples/counter.c: compiled by rcc, do not edit
.handler counter
.portal 1
.budget 16
.state total
.window hits 2
.loc examples/counter.c 12 31	; __sync_fetch_and_add(&total, 1);	/* other CPUs count too */
	push 1
.loc examples/counter.c 12 2
	xadds total
	pop
.loc examples/counter.c 13 33	; __sync_fetch_and_add(&hits[0], 1);
	push 1
.loc examples/counter.c 13 2
	xaddw hits
	pop
.loc examples/counter.c 14 12	; hits[1] = rc_tag();			/* the last writer wins */
	ldh tag
	stw hits+1
.loc examples/counter.c 15 9	; return RC_DROP;
	drop
