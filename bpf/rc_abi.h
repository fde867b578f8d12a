/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_abi.h - what BPF programs and userspace agree on: the R-message wire
 * header, the statistics records, the pinning layout.  Included by the
 * restricted-C programs in bpf/ and by userspace (translator, loader,
 * userlib), so it uses only fixed-width types.
 */
#ifndef RC_ABI_H
#define RC_ABI_H

#ifdef __BPF__
#include <linux/types.h>
#else
#include <linux/types.h>
#include <stdint.h>
#endif

/* ---- the wire (docs/wire.md) ------------------------------------------- */
#define RC_ABI_MAGIC		0x524d	/* "RM", network byte order on the wire */
#define RC_ABI_VERSION		1
#define RC_ABI_HDR_LEN		24
#define RC_ABI_PAYLOAD_MAX	1408
#define RC_ABI_PORTALS		256
#define RC_ABI_DEFAULT_PORT	7117

/* R-message header as it sits in the packet: every field big-endian. */
struct rc_wire_hdr {
	__be16 magic;
	__u8 version;
	__u8 flags;
	__be16 portal;
	__be16 len;
	__be32 src;
	__be32 dst;
	__be32 tag;
	__be32 seq;
};

/* Byte offsets inside struct rc_wire_hdr, for emitted code. */
#define RC_WOFF_MAGIC	0
#define RC_WOFF_VERSION	2
#define RC_WOFF_PORTAL	4
#define RC_WOFF_LEN	6
#define RC_WOFF_SRC	8
#define RC_WOFF_DST	12
#define RC_WOFF_TAG	16
#define RC_WOFF_SEQ	20

/* ---- per-handler statistics (a per-CPU array with one entry) ------------ */
#define RC_ABI_FAULTS	16	/* room for fault codes 0..15 (enum rc_fault
				 * uses 0..8); a power of two, emitted code
				 * masks with RC_ABI_FAULTS - 1 */

struct rc_handler_stats {
	__u64 invocations;	/* messages the handler ran on */
	__u64 drop;		/* actions taken */
	__u64 pass;
	__u64 reply;
	__u64 faults[RC_ABI_FAULTS];	/* by fault code; [0] unused */
	__u64 budget_aborts;	/* == faults[RC_FAULT_BUDGET], for readers */
	__u64 last_fault_pc;	/* pc of this CPU's most recent fault */
	__u64 last_fault_code;
	__u64 last_fault_ns;	/* bpf_ktime_get_ns() of it, 0 if none */
	__u64 not_for_us;	/* packets the handler saw that were not well-formed
				 * R-messages (passed untouched); behind the
				 * dispatcher none arrive */
	__u64 forward;		/* action forward: sent on to another rank */
	__u64 sends;		/* copies sent with send */
	__u64 send_errors;	/* forward/send the kernel refused (lost) */
	__u64 upcalls;		/* upcall records written */
	__u64 upcall_lost;	/* upcalls dropped: the ring was full */
};

/* ---- dispatcher statistics (a per-CPU array with one entry) ------------- */
struct rc_dispatch_stats {
	__u64 packets;		/* every packet the dispatcher saw */
	__u64 not_udp_port;	/* not UDP to the R-message port: passed */
	__u64 dispatched;	/* tail-called into a handler */
	__u64 no_handler;	/* well-formed, but no handler on the portal */
	__u64 bad_short;	/* malformed: shorter than the R header */
	__u64 bad_magic;
	__u64 bad_version;
	__u64 bad_length;	/* len field disagrees with the UDP length */
	__u64 bad_portal;	/* portal >= RC_ABI_PORTALS */
};

/* ---- the in-kernel interpreter's own counters (per-CPU, one entry) ------- */
struct rc_interp_stats {
	__u64 packets;		/* every packet the interpreter program saw */
	__u64 dispatched;	/* ran a handler */
	__u64 not_for_us;	/* not a well-formed R-message: passed */
	__u64 no_handler;	/* no handler installed on its portal: passed */
};

/* ---- the rank table (docs/collectives.md) -------------------------------
 * One per interface, shared by its handlers: an array indexed by rank.
 * forward and send look the destination up here; an entry without
 * RC_RANK_F_PRESENT, or with RC_RANK_F_SELF, or of another address family
 * than the message that is being handled, faults `rank`. */
#define RC_ABI_RANKS_MAX	1024

#define RC_RANK_F_PRESENT	0x1
#define RC_RANK_F_IPV6		0x2	/* addr is IPv6, else IPv4 in addr[0..3] */
#define RC_RANK_F_MAC		0x4	/* mac is known; else bpf_fib_lookup() */
#define RC_RANK_F_SELF		0x8	/* this node */

struct rc_rank {
	__u8 addr[16];		/* network byte order */
	__u32 flags;		/* RC_RANK_F_* */
	__u32 self;		/* this node's rank, in every entry: the src
				 * of a message sent from here */
	__u32 ifindex;		/* egress; 0: the interface it arrived on */
	__be16 port;		/* the rank's R-message UDP port */
	__u8 mac[6];		/* next hop's MAC when RC_RANK_F_MAC */
};

/* What a sent message looks like on the wire: Ethernet source = the
 * arriving frame's destination (or the fib's smac), destination = mac;
 * IP source = the address it arrived at, destination = addr, TTL / hop
 * limit 64; UDP source port = the port it arrived at, destination =
 * port; R header src = self, dst = rank; checksums recomputed. */

/* ---- up-calls: a BPF ring buffer per handler ------------------------------
 * upcall v appends one record; the application sleeps in epoll on the
 * ring (userlib rcode_handler__upcall_fd) until one arrives. */
#define RC_ABI_UPCALL_RING	(64 * 1024)	/* bytes, a power of two */

struct rc_upcall {
	__u64 value;		/* what the handler pushed */
	__u64 ns;		/* bpf_ktime_get_ns() when it was written */
	__u32 portal;		/* the message's header fields then */
	__u32 src;
	__u32 tag;
	__u32 seq;
};

/* ---- pinning layout under bpffs ------------------------------------------
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portals          prog array, portal -> handler
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/dispatch_stats   struct rc_dispatch_stats
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portal-<N>/prog   the handler program
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portal-<N>/state  data area (BTF: named slots)
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portal-<N>/stats  struct rc_handler_stats
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portal-<N>/win-<name>  mmapable window
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portal-<N>/rcode  the handler's .rbin, frozen
 *                                                 (for status, stats, replace)
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portal-<N>/upcalls  ring buffer of struct
 *                                                 rc_upcall, if it upcalls
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/ranks             the rank table
 * Handlers that need TC (send) are not behind the dispatcher: their
 * program is attached at TC ingress by itself, checks its own portal, and
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portal-<N>/link   its tcx link (Linux >= 6.6)
 * or, on older kernels, a cls_bpf filter on the clsact qdisc with handle
 * RC_ABI_TC_HANDLE_BASE + N, priority RC_ABI_TC_PRIO.
 * Handlers on the interpreter path (docs/interp.md) have no prog pin but
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portal-<N>/code   its uops (struct rc_icode)
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/portal-<N>/trace  struct rc_trace, if traced
 * and the interpreter itself, shared by them:
 *   /sys/fs/bpf/rcode/net-<cookie>/<ifname>/interp/{prog,prog_trace,code,state,stats,
 *                                      windows,trace,misc,upcalls,ranks}
 * (interp/ranks is the interface's rank table when one was pinned before
 * the interpreter was loaded, else the interpreter's own.)
 */
#define RC_PIN_ROOT	"/sys/fs/bpf/rcode"
#define RC_ABI_TC_HANDLE_BASE	0x7c00
#define RC_ABI_TC_PRIO		0x7c	/* cls_bpf fallback */

#endif /* RC_ABI_H */
