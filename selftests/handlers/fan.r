; fan.r - the three effects of docs/rcode.md 6.13 in one handler: the tag
; up-called, a copy with payload byte 0 = 0x11 sent to rank 2, the message
; forwarded to rank 3 (test_rloader.sh, priv_e2e.sh)
.handler fan
.portal 5
	ldh tag
	upcall
	push 0x11
	stp8 0
	push 2
	send            ; line 11: needs TC
	push 3
	forward
