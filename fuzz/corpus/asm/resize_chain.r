; Issue 12, bug C: four resizes in a row.  The translation summed the
; bytes a shrink removes with a loop the kernel verifier walked byte by
; byte, and three resizes passed its limit of 8192 pending branches ("The
; sequence of 8193 jumps is too complex"): R-code's verifier accepted a
; handler the kernel refused.  Now the removed bytes are summed by
; bpf_csum_diff(); every shrink here starts at an odd or even offset, and
; the paths compare the UDP checksum of what leaves.
;! desc: four shrinking resizes in a row, odd and even new lengths
;! msg payload=hex:0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728
;! expect action=pass insns=9
;! expect msg payload=hex:010203
;! msg payload=hex:ff
;! expect action=pass insns=9
;! expect msg payload=hex:ff0000
.handler resizechain
	push 37
	resize
	push 20
	resize
	push 9
	resize
	push 3
	resize
	pass
