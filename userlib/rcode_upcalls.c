// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_upcalls.c - waiting for what handlers report with `upcall`: a
 * reader of a handler's BPF ring buffer of struct rc_upcall, on libbpf's
 * ring_buffer.
 *
 * libbpf (1.1) hands every record it finds to a callback and has no way
 * to stop after n of them without losing the one that stopped it, so the
 * callback copies records into a queue of our own and the caller takes
 * as many as it asked for; the rest wait in the queue for the next call.
 * The queue holds at most a ring's worth: when it is full the callback
 * stops the consumption, and what is left stays in the ring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rcode_internal.h"
#include "rcode_private.h"

/* Records of 40 bytes behind an 8-byte header: a full ring's worth. */
#define QUEUE_MAX	(RC_ABI_UPCALL_RING / 48 + 1)
#define QUEUE_FULL	(-E2BIG)	/* the callback's "stop" */

struct rcode_upcalls {
	struct ring_buffer *rb;
	int map_fd;
	struct rc_upcall *q;		/* a ring of QUEUE_MAX records */
	unsigned int head, n;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct rcode_upcalls *u = ctx;
	struct rc_upcall *r = &u->q[(u->head + u->n) % QUEUE_MAX];

	/* A record of another size is another rcode's: take what fits. */
	memset(r, 0, sizeof(*r));
	memcpy(r, data, size < sizeof(*r) ? size : sizeof(*r));
	return ++u->n == QUEUE_MAX ? QUEUE_FULL : 0;
}

struct rcode_upcalls *rcode_upcalls__new(int ringbuf_fd)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	struct rcode_upcalls *u;
	int err;

	if (ringbuf_fd < 0 || bpf_obj_get_info_by_fd(ringbuf_fd, &mi, &len)) {
		errno = ringbuf_fd < 0 ? EINVAL : errno;
		return NULL;
	}
	if (mi.type != BPF_MAP_TYPE_RINGBUF) {
		errno = EINVAL;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	u->q = calloc(QUEUE_MAX, sizeof(*u->q));
	u->map_fd = fcntl(ringbuf_fd, F_DUPFD_CLOEXEC, 0);
	if (!u->q || u->map_fd < 0) {
		err = u->q ? errno : ENOMEM;
		goto fail;
	}
	u->rb = ring_buffer__new(u->map_fd, on_record, u, NULL);
	if (!u->rb) {
		err = errno;
		goto fail;
	}
	return u;
fail:
	if (u->map_fd >= 0)
		close(u->map_fd);
	free(u->q);
	free(u);
	errno = err;
	return NULL;
}

struct rcode_upcalls *rcode_upcalls__open(const char *ifname, unsigned int portal)
{
	struct rcode_upcalls *u;
	char path[PATH_MAX];
	int fd, err;

	err = rc_portal_path(path, sizeof(path), ifname, portal, RC_PIN_UPCALLS);
	if (err) {
		errno = -err;
		return NULL;
	}
	fd = bpf_obj_get(path);
	if (fd < 0)
		return NULL;	/* errno: ENOENT when it has none */
	u = rcode_upcalls__new(fd);
	err = errno;
	close(fd);
	errno = err;
	return u;
}

int rcode_upcalls__fd(const struct rcode_upcalls *u)
{
	return u ? ring_buffer__epoll_fd(u->rb) : -EINVAL;
}

static unsigned int take(struct rcode_upcalls *u, struct rc_upcall *out,
			 unsigned int max)
{
	unsigned int k = 0;

	for (; k < max && u->n; k++, u->n--) {
		out[k] = u->q[u->head];
		u->head = (u->head + 1) % QUEUE_MAX;
	}
	return k;
}

int rcode_upcalls__wait(struct rcode_upcalls *u, int timeout_ms,
			struct rc_upcall *out, unsigned int max)
{
	int err;

	if (!u || !out || !max)
		return -EINVAL;
	/* What is there already, without a system call. */
	if (u->n)
		return take(u, out, max);
	err = ring_buffer__consume(u->rb);
	if (err < 0 && err != QUEUE_FULL)
		return err;
	if (!u->n && timeout_ms) {
		/* Sleeps in epoll until the kernel wakes the ring, then
		 * consumes what came. */
		err = ring_buffer__poll(u->rb, timeout_ms);
		if (err < 0 && err != QUEUE_FULL)
			return err;
	}
	return take(u, out, max);
}

void rcode_upcalls__free(struct rcode_upcalls *u)
{
	if (!u)
		return;
	ring_buffer__free(u->rb);
	close(u->map_fd);
	free(u->q);
	free(u);
}

void rcode_upcall_effect(const struct rc_upcall *u, struct rc_effect *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = RC_EFFECT_UPCALL;
	e->value = u->value;
	e->hdr.portal = u->portal;
	e->hdr.src = u->src;
	e->hdr.tag = u->tag;
	e->hdr.seq = u->seq;
}
