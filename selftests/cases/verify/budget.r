; A budget of 0 could not run a single instruction.
;! desc: a budget of 0 is rejected
;! expect error: 5:9: error: budget 0 is out of range 1..65536
.handler nobudget
.budget 0
	drop
