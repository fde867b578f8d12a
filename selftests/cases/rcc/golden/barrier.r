; examples/barrier.c: compiled by rcc, do not edit
.handler barrier
.portal 9
.budget 48
.state arrived
.state generation
.window released 1
.loc examples/barrier.c 18 6	; if (rc_tag() != generation)
	ldh tag
.loc examples/barrier.c 18 18
	lds generation
.loc examples/barrier.c 18 15
	ne
.loc examples/barrier.c 18 6
	jz _L0
.loc examples/barrier.c 19 10	; return RC_PASS;		/* not the generation we count */
	pass
_L0:
.loc examples/barrier.c 20 37	; if (__sync_fetch_and_add(&arrived, 1) + 1 != NPROCS)
	push 1
.loc examples/barrier.c 20 6
	xadds arrived
.loc examples/barrier.c 20 42
	push 1
.loc examples/barrier.c 20 40
	add
.loc examples/barrier.c 20 47
	push 4
.loc examples/barrier.c 20 44
	ne
.loc examples/barrier.c 20 6
	jz _L2
.loc examples/barrier.c 21 10	; return RC_DROP;
	drop
_L2:
.loc examples/barrier.c 22 16	; released[0] = rc_tag();		/* the waiting processes see this */
	ldh tag
	stw released
.loc examples/barrier.c 23 12	; arrived = 0;
	push 0
	sts arrived
.loc examples/barrier.c 24 25	; generation = (uint64_t)rc_tag() + 1;	/* no wrap at 2^32, as in barrier.r */
	ldh tag
.loc examples/barrier.c 24 36
	push 1
.loc examples/barrier.c 24 34
	add
	sts generation
.loc examples/barrier.c 25 9	; return RC_DROP;
	drop
