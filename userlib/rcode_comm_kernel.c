// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_comm_kernel.c - the kernel mode of a communicator: userlib/coll.r
 * translated and attached at TC ingress, its window mmapped, the
 * application sleeping on its up-call ring (docs/collectives.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include "rcode_comm_internal.h"
#include "rcode_internal.h"

int comm_kernel_setup(struct rcode_comm *c)
{
	(void)c;
	pr_warn("comm: the kernel mode needs TC handlers with send; not in this build\n");
	return -EOPNOTSUPP;
}

void comm_kernel_teardown(struct rcode_comm *c)
{
	(void)c;
}

int comm_kernel_wait(struct rcode_comm *c, uint32_t seq, uint64_t deadline)
{
	(void)c;
	(void)seq;
	(void)deadline;
	return -EOPNOTSUPP;
}
