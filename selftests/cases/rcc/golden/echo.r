; examples/echo.c: compiled by rcc, do not edit
.handler echo
.portal 2
.budget 32
.loc examples/echo.c 10 6	; if (rc_len() >= 8)
	ldh len
.loc examples/echo.c 10 18
	push 8
.loc examples/echo.c 10 15
	ge
.loc examples/echo.c 10 6
	jz _L0
.loc examples/echo.c 11 14	; rc_st64(0, rc_ld64(0) + 1);
	ldp64 0
.loc examples/echo.c 11 27
	push 1
.loc examples/echo.c 11 25
	add
.loc examples/echo.c 11 3
	stp64 0
_L0:
.loc examples/echo.c 12 13	; rc_set_tag(ANSWERED);
	push 1701013615
.loc examples/echo.c 12 2
	sth tag
.loc examples/echo.c 13 9	; return RC_REPLY;
	reply
