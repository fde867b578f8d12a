; Each copy has the payload length of its moment: as it came, after a
; resize that grows it (zero filled), after one that shrinks it.
;! desc: send copies the payload and its length as they are then
;! ranks 4 self=0
;! msg payload=hex:a1b2
;! expect action=pass insns=13
;! expect send rank=3 payload=hex:a1b2
;! expect send rank=3 payload=hex:a1b200000099
;! expect send rank=3 payload=hex:a1
;! expect msg payload=hex:a1
.handler sendlen
	push 3
	send			; the payload as it came
	push 6
	resize
	push 0x99
	stp8 5
	push 3
	send			; 6 bytes
	push 1
	resize
	push 3
	send			; 1 byte
	pass
