; A constant payload offset must leave room for the access below 1408;
; for the indexed forms the constant is the base of the access.
;! desc: payload offsets past the largest payload are rejected
;! expect error: 10:2: error: payload offset 1401 + 8 bytes is past the largest payload (1408 bytes)
;! expect error: 11:2: error: payload offset 1408 + 1 byte is past the largest payload (1408 bytes)
;! expect error: 12:2: error: payload offset 1405 + 4 bytes is past the largest payload (1408 bytes)
;! expect error: 13:2: error: payload offset -2 is negative
.handler poff
	ldp64 1400	; the last 8 bytes: fine
	ldp64 1401
	ldp8 1408
	ldpx32 1405
	stp16 -2
	drop
