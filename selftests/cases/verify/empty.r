; A handler without a single instruction.
;! desc: an empty program is rejected at its .handler line
;! expect error: 4:1: error: the program has no instructions
.handler empty
