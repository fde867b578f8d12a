; 65536 is the largest budget.
;! desc: a budget above the maximum is rejected
;! expect error: 5:9: error: budget 65537 is out of range 1..65536
.handler bigbudget
.budget 65537
	drop
