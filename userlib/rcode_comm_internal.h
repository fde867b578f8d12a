/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcode_comm_internal.h - a communicator's insides, shared by its two
 * files: rcode_comm.c (API, retries, the user-level mode) and
 * rcode_comm_kernel.c (the kernel mode: coll.c at TC, the mmapped
 * window, sleeping on the up-call ring).
 */
#ifndef RCODE_COMM_INTERNAL_H
#define RCODE_COMM_INTERNAL_H

/* Include it first with _GNU_SOURCE defined (struct mmsghdr). */

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "librcode.h"
#include "rcode.h"
#include "rcode_coll.h"

#define COMM_BATCH		16
#define COMM_BUF		(RC_HDR_LEN + RC_PAYLOAD_MAX + 1)

struct comm_kernel;

struct rcode_comm {
	enum rcode_comm_mode mode;
	uint32_t n, self;
	int family;
	uint16_t port, portal;
	unsigned int timeout_ms, timeout_max_ms, tries, spin_us, linger_ms;
	enum rcode_comm_wake wake;
	enum rcode_comm_wait wait;
	char ifname[IFNAMSIZ];
	struct rcode_rank_addr *ranks;
	struct sockaddr_storage *addrs;	/* of each rank, for sendto */
	socklen_t *addrlens;
	int fd;				/* the job's port */
	uint32_t seq;			/* the next operation */
	bool broken;			/* an operation timed out */
	struct coll_core core;
	struct comm_kernel *k;		/* the kernel mode's objects */
	struct rcode_comm_stats stats;
	uint64_t foreign;		/* datagrams that were not ours */

	struct rc_msg txmsg, rxmsg;
	struct mmsghdr rx[COMM_BATCH];
	struct iovec rxiov[COMM_BATCH];
	uint8_t rxbuf[COMM_BATCH][COMM_BUF];
};

uint64_t comm_now_ns(void);
/* Take every datagram queued on the socket: in the user mode run the
 * handler's steps on each; in the kernel mode what coll.c passed on. */
void comm_serve(struct rcode_comm *c);

/* The kernel mode (rcode_comm_kernel.c): install coll.c and map its
 * window into c->core.win; remove it; wait for the result of seq until
 * deadline (CLOCK_MONOTONIC ns): 0 or -ETIMEDOUT. */
int comm_kernel_setup(struct rcode_comm *c);
void comm_kernel_teardown(struct rcode_comm *c);
int comm_kernel_wait(struct rcode_comm *c, uint32_t seq, uint64_t deadline);
/* coll.c's per-CPU statistics into out's handler_* fields. */
void comm_kernel_stats(const struct rcode_comm *c, struct rcode_comm_stats *out);

#endif /* RCODE_COMM_INTERNAL_H */
