; src, dst and len are read-only; len changes only through resize.
;! desc: sth to a read-only header field is rejected
;! expect error: 8:2: error: header field 'src' is read-only; 'sth' can write portal, tag and seq
;! expect error: 10:2: error: header field 'len' is read-only; use resize to change the payload length
;! expect error: 12:2: error: header field 'dst' is read-only; 'sth' can write portal, tag and seq
.handler readonly
	push 1
	sth src
	push 2
	sth len
	push 3
	sth dst
	push 4
	sth seq
	pass
