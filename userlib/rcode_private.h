/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcode_private.h - librcode's functions that rloader, the selftests and
 * the benchmarks use but applications do not: the interpreter path's
 * internals (uops, traces, its maps), packet builders for tests, and a
 * .rodata setter for BPF objects.  They link librcode.a; librcode.so does
 * not export these (userlib/librcode.map), and this header is not
 * installed.
 */
#ifndef RCODE_PRIVATE_H
#define RCODE_PRIVATE_H

#include "rcode_handler.h"
#include "rc_icode.h"
#include "rc_icompile.h"

/* ---- the interpreter path (userlib/rcode_handler.c, rcode_interp.c) ----- */
/* Interpreter path: make the handler the one that runs for messages on
 * 'portal' (the code map goes in last, so a message never finds half a
 * handler).  -EINVAL on the translated path. */
int rcode_handler__install(struct rcode_handler *h, unsigned int portal);
/* Interpreter path: the uops, the pc -> uop map (rc_icode_build), the
 * code and trace map fds (-1 without tracing). */
const struct rc_icode *rcode_handler__icode(const struct rcode_handler *h);
int rcode_handler__code_fd(const struct rcode_handler *h);
int rcode_handler__trace_fd(const struct rcode_handler *h);
/* The trace (interpreter path, traced), and the wall time the
 * interpreter path's install took (compile + maps + install), in ns. */
int rcode_handler__read_trace(const struct rcode_handler *h, struct rc_trace *t);
uint64_t rcode_handler__install_ns(const struct rcode_handler *h);

/* The interpreter's maps: arrays of maps indexed by portal (windows:
 * portal * 8 + window), its own counters, and the rank table. */
enum rcode_imap {
	RCODE_IMAP_CODE,
	RCODE_IMAP_STATE,
	RCODE_IMAP_STATS,
	RCODE_IMAP_WINDOWS,
	RCODE_IMAP_TRACE,
	RCODE_IMAP_MISC,
	RCODE_IMAP_UPCALLS,	/* ring buffers of struct rc_upcall */
	RCODE_IMAP_RANKS,	/* the rank table (not per portal) */
	RCODE_IMAP__COUNT
};

int rcode_interp__map_fd(const struct rcode_interp *ip, enum rcode_imap which);
/* Nothing runs on 'portal' afterwards. */
int rcode_interp__uninstall(struct rcode_interp *ip, unsigned int portal);
int rcode_interp__read_stats(const struct rcode_interp *ip,
			     struct rc_interp_stats *sum);

/* ---- rank tables (userlib/rcode_ranks.c) --------------------------------
 * Write a rank table into any map of its shape (an array of
 * RC_ABI_RANKS_MAX struct rc_rank: a handler's own, rcode_handler__ranks_fd(),
 * or an interpreter's, RCODE_IMAP_RANKS) as rcode_ranks_load() writes an
 * interface's: entries ranks[i].rank (ports 0 become udp_port, itself 0:
 * RC_ABI_DEFAULT_PORT), self flagged, every other entry absent.
 * Returns 0, -EINVAL (bad entries, self not among them) or -errno.
 */
int rcode_ranks_write(int fd, const struct rcode_rank_addr *ranks,
		      unsigned int n, __u32 self, __u16 udp_port);

/* ---- up-calls (userlib/rcode_upcalls.c) -----------------------------------
 * An up-call record read from a ring, as the reference interpreter logs
 * the up-call (rc_effect, kind RC_EFFECT_UPCALL): what a kernel path's
 * effects are compared in.  *e is overwritten.
 */
void rcode_upcall_effect(const struct rc_upcall *u, struct rc_effect *e);

/* ---- BPF objects ----------------------------------------------------------
 * Set the `const volatile __u16` variable var in an opened, not yet loaded
 * object's .rodata (found through BTF), as the dispatcher's port is set.
 * -ENOENT: no such variable; -EINVAL: it is not 2 bytes wide.
 */
struct bpf_object;
int rcode_object_set_rodata_u16(struct bpf_object *obj, const char *var,
				__u16 value);

/* ---- packets (userlib/rcode_packet.c) ------------------------------------ */
struct rcode_pkt_info {
	int ipver;		/* 4 or 6 */
	__u8 src_mac[6], dst_mac[6];
	__u8 src_ip[16], dst_ip[16];	/* IPv4 uses the first 4 bytes */
	__u16 src_port, dst_port;
	bool udp_csum_ok;	/* the UDP checksum verifies (or is 0 on IPv4) */
	bool ip_csum_ok;	/* IPv4 header checksum verifies (IPv6: true) */
	bool lengths_ok;	/* IP and UDP lengths agree with the frame */
};

/* An Ethernet frame carrying msg over UDP: IPv4 198.18.0.1 -> 198.18.0.2
 * or IPv6 fd00::1 -> fd00::2, ports 40000 -> port, valid checksums.
 * Returns the frame length or -ENOSPC. */
int rcode_pkt_build(const struct rc_msg *msg, int ipver, __u16 port,
		    void *buf, size_t size);
/* Parse a frame built that way (or changed by a handler); -EBADMSG if it
 * is not an R-message frame. */
int rcode_pkt_parse(const void *buf, size_t len, struct rc_msg *msg,
		    struct rcode_pkt_info *info);
/* The same for a frame a handler dropped: nobody fixes the IP and UDP
 * lengths of what goes nowhere (a resize then drop leaves them stale), so
 * the message ends where the frame does. */
int rcode_pkt_parse_dropped(const void *buf, size_t len, struct rc_msg *msg,
			    struct rcode_pkt_info *info);

/*
 * Move the calling process (all of it: call this before any thread starts)
 * into a network namespace of its own with lo up, and open an AF_PACKET
 * socket on that lo.  BPF_PROG_TEST_RUN of a TC program then receives on
 * this lo, and what the program sends with bpf_clone_redirect() to the
 * arriving interface leaves through it, where the socket sees it
 * (PACKET_OUTGOING; the same frame comes back in as well), and nothing
 * else runs there.  Read /proc/sys/net/core first: most of it exists in
 * the first network namespace only.  Returns the socket's fd, or -errno
 * with the step that failed in why.
 */
int rcode_pkt_private_lo(char *why, size_t size);
/*
 * The next frame that left through that lo (the looped-back copies of the
 * same frames are skipped), into buf: its length, 0 when none is left, or
 * -errno.  A frame longer than size is cut to size.
 */
ssize_t rcode_pkt_capture_next(int fd, uint8_t *buf, size_t size);

#endif /* RCODE_PRIVATE_H */
