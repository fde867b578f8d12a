/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * librcode.h - librcode, the kernel-facing library: put the R-message
 * dispatcher on an interface, handlers behind it or at TC ingress, keep
 * the rank table, read what they counted and what they report.
 * Applications and rloader link it; it is installed as
 * <rcode/librcode.h> with the toolchain's headers (rcode.h, rc_diag.h,
 * rc_xlate.h) and rcode_handler.h, and docs/userlib.md describes every
 * call.  librcode.so exports exactly what these headers declare
 * (userlib/librcode.map).
 *
 * Shaped like libbpf: options structs start with `size_t sz` and are
 * declared with RCODE_OPTS() so that a program built against an older
 * header keeps working with a newer library; functions return 0 or a
 * negative errno; the library prints nothing itself, only through the
 * callback set with rcode_set_print().  Messages from libbpf and libxdp go
 * to their own callbacks (libbpf_set_print(), libxdp_set_print()).
 *
 * Interface names are used in bpffs paths (RC_PIN_ROOT/net-<cookie>/<ifname>/, see
 * rc_abi.h), so one network namespace per bpffs: the same name in two
 * namespaces shares a pin directory.
 */
#ifndef LIBRCODE_H
#define LIBRCODE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>
#include <linux/types.h>
#include "rc_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== conventions ========================================================
 *
 * Declare and zero an options struct, set its size, then the named fields:
 *
 *	RCODE_OPTS(rcode_dispatch_opts, opts, .mode = RCODE_MODE_SKB);
 *
 * Fields not named are 0, which always means "the default".  Passing NULL
 * for an options pointer means all defaults.  A struct larger than the
 * library knows is accepted only if the unknown tail is zero (-EINVAL).
 */
#define RCODE_OPTS(TYPE, NAME, ...)                                     \
	struct TYPE NAME = ({                                           \
		memset(&NAME, 0, sizeof(struct TYPE));                  \
		(struct TYPE){                                          \
			.sz = sizeof(struct TYPE),                      \
			__VA_ARGS__                                     \
		};                                                      \
	})

/* ==== logging ============================================================ */
enum rcode_print_level {
	RCODE_WARN,
	RCODE_INFO,
	RCODE_DEBUG,
};

typedef int (*rcode_print_fn_t)(enum rcode_print_level level,
				const char *fmt, va_list ap);

/*
 * Set the function every message of the library goes through and return
 * the previous one.  The default writes RCODE_WARN and RCODE_INFO to
 * stderr; NULL silences the library.  Not thread-safe, like
 * libbpf_set_print(): set it once, early.
 */
rcode_print_fn_t rcode_set_print(rcode_print_fn_t fn);

/* ==== the dispatcher (docs/dispatch.md) ==================================
 *
 * One XDP program per interface parses R-messages and tail-calls the
 * handler of the message's portal; it is attached through libxdp, so it
 * shares the interface with other XDP programs.  Its maps are pinned under
 * RC_PIN_ROOT/net-<cookie>/<ifname>/ and outlive the process that attached it.
 */
enum rcode_mode {
	RCODE_MODE_UNSPEC = 0,	/* attach: native; query: not attached */
	RCODE_MODE_NATIVE,	/* in the driver; never falls back to skb */
	RCODE_MODE_SKB,		/* generic XDP, any interface */
};

struct rcode_dispatch_opts {
	size_t sz;		/* sizeof(struct rcode_dispatch_opts) */
	enum rcode_mode mode;	/* 0: RCODE_MODE_NATIVE */
	__u16 udp_port;		/* R-message port; 0: RC_ABI_DEFAULT_PORT */
	size_t : 0;
};
#define rcode_dispatch_opts__last_field udp_port

/*
 * Attach the dispatcher to ifname in opts->mode, listening on
 * opts->udp_port.  Idempotent: 0 if it is already attached in the same
 * mode with the same port, -EEXIST if with another mode or port, or if
 * its pins were removed (detach first).  Other XDP programs on the interface stay (they must be in the
 * same mode: the kernel has one XDP mode per interface).  Maps pinned by
 * an earlier attach that was undone behind rcode's back (e.g. by
 * `xdp-loader unload --all`) are reused, so handlers installed then
 * come back.  Mounts bpffs on /sys/fs/bpf if nothing is mounted there, as
 * libxdp and bpftool do.
 * Errors: -EINVAL bad name or options, -ENODEV no such interface,
 * -EEXIST as above, -EOPNOTSUPP native XDP not supported by the driver,
 * or what the kernel, libbpf or libxdp said.
 */
int rcode_dispatch_attach(const char *ifname,
			  const struct rcode_dispatch_opts *opts);

/*
 * Detach the dispatcher from ifname (other XDP programs stay), then remove
 * RC_PIN_ROOT/net-<cookie>/<ifname>/ with everything in it, handlers' pins included.
 * Also cleans up pins left behind when the dispatcher is gone already, or
 * the interface is.  -ENOENT when there was neither a dispatcher nor pins.
 */
int rcode_dispatch_detach(const char *ifname);

struct rcode_dispatch_info {
	bool attached;		/* our program runs on the interface */
	bool multiprog;		/* behind libxdp's dispatcher (else alone) */
	enum rcode_mode mode;	/* RCODE_MODE_UNSPEC when not attached */
	__u16 udp_port;		/* as the attached program was loaded */
	__u32 prog_id;		/* of our program; 0 when not attached */
	bool pinned;		/* RC_PIN_ROOT/net-<cookie>/<ifname>/portals exists */
};

/*
 * What runs on ifname, from the kernel's view, so it works from any
 * process: the program is the one that uses the pinned `portals` map, the
 * mode is libxdp's, the port is read back from the program's .rodata.
 * Returns 0 (also when nothing is attached), -EINVAL, -ENODEV.
 */
int rcode_dispatch_query(const char *ifname, struct rcode_dispatch_info *info);

/* Sum of the per-CPU counters (rc_abi.h).  -ENOENT: not attached. */
int rcode_dispatch_stats(const char *ifname, struct rc_dispatch_stats *sum);

/*
 * Write "RC_PIN_ROOT/net-<cookie>/<ifname>" to buf: where a loader pins a
 * handler's objects (portal-<N>/..., rc_abi.h).  <cookie> is the calling
 * thread's network namespace's (SO_NETNS_COOKIE; "netino-<inode>" of
 * /proc/self/ns/net on kernels without it), so interfaces of the same
 * name in two namespaces never share pins.  -EINVAL bad name,
 * -ENAMETOOLONG.
 */
int rcode_dispatch_pin_dir(const char *ifname, char *buf, size_t size);

/*
 * Is /sys/fs/bpf the bpffs that outlives this process?  0 if a bpffs is
 * mounted there; -ENOENT if none is (attaching mounts one); -EXDEV, with
 * a warning that says why and what to run instead, if this process runs
 * in a mount namespace of its own (as `ip netns exec` makes) that hides
 * the bpffs PID 1 or an ancestor process sees: attaching there is refused
 * before anything is attached, since its pins would vanish with the
 * namespace and leave the handlers dead.
 */
int rcode_bpffs_check(void);

/* Write "RC_PIN_ROOT/net-<cookie>" to buf: the directory that holds the
 * pins of every interface of the calling thread's network namespace.
 * -EINVAL, -ENAMETOOLONG, or -errno if the namespace cannot be told. */
int rcode_netns_pin_dir(char *buf, size_t size);

/* ==== portals: which handler runs for which portal ========================
 *
 * prog_fd must be an XDP program that can be tail-called from the
 * dispatcher: BPF_PROG_TYPE_XDP, expected_attach_type 0 (not BPF_XDP,
 * which libbpf gives SEC("xdp") programs: clear it with
 * bpf_program__set_expected_attach_type()), without BPF_F_XDP_HAS_FRAGS,
 * JITed as the dispatcher is.  The kernel refuses others with -EINVAL.
 * Replacing is atomic: each message runs either the old handler or the
 * new one.  The portals map holds the program, so the
 * caller may close prog_fd.  -ENOENT: no dispatcher on ifname;
 * -EINVAL: portal >= RC_ABI_PORTALS.
 */
int rcode_portal_set(const char *ifname, unsigned int portal, int prog_fd);

/* Remove the handler: the portal's messages are passed on (no_handler).
 * -ENOENT if it had none. */
int rcode_portal_clear(const char *ifname, unsigned int portal);

/* ID of the program on the portal (bpf_prog_get_fd_by_id() opens it);
 * -ENOENT if it has none. */
int rcode_portal_prog_id(const char *ifname, unsigned int portal, __u32 *id);

/* ==== ranks: where the members of a job are (docs/collectives.md) =========
 *
 * One entry of a rank table as userspace holds it (the kernel's form is
 * struct rc_rank in rc_abi.h).  A hosts file lists one rank per line:
 * `RANK ADDRESS [PORT|-] [MAC|-]`.
 */
struct rcode_rank_addr {
	__u32 rank;
	int family;		/* AF_INET or AF_INET6 */
	__u8 addr[16];		/* network order; IPv4 in addr[0..3] */
	__u16 port;		/* host order; 0: the job's UDP port */
	bool has_mac;		/* mac is the next hop's; else looked up */
	__u8 mac[6];
};

struct rc_diags;

/*
 * Parse a hosts file: one rank per line, `RANK ADDRESS [PORT|-] [MAC|-]`,
 * '#' starts a comment, blank lines are fine.  RANK is decimal, ADDRESS
 * IPv4 or IPv6 (unicast), PORT 1..65535 ('-' or absent: the job's port),
 * MAC six hex bytes separated by ':' (a unicast next hop; '-' or absent:
 * looked up with bpf_fib_lookup()).  The ranks must be 0..N-1, each once,
 * in any order, N <= RC_ABI_RANKS_MAX.  On success *ranks (malloc'd, the
 * caller frees it) holds N entries in rank order and *n is N.  Every
 * problem is recorded in d as `FILE:LINE:COL: error: ...` with the line
 * (rc_diags_print()).  Returns 0, -EINVAL (see d), -ENOMEM, or the error
 * of reading the file (also in d).
 */
int rcode_ranks_parse(const char *path, struct rcode_rank_addr **ranks,
		      unsigned int *n, struct rc_diags *d);
/* The same for a file's text in memory; origin names it in d. */
int rcode_ranks_parse_text(const char *origin, const char *text,
			   struct rcode_rank_addr **ranks, unsigned int *n,
			   struct rc_diags *d);

struct rcode_ranks_opts {
	size_t sz;		/* sizeof(struct rcode_ranks_opts) */
	bool set_self;		/* self below is this node's rank; else it
				 * is found (rcode_ranks_find_self) */
	__u32 self;
	__u16 udp_port;		/* for ranks with port 0; 0: RC_ABI_DEFAULT_PORT */
	size_t : 0;
};
#define rcode_ranks_opts__last_field udp_port

/*
 * This node's rank: the one whose address is an address of ifname
 * (getifaddrs).  -ENOENT: none is; -EEXIST: several are (give it);
 * -ENODEV: no such interface.
 */
int rcode_ranks_find_self(const char *ifname, const struct rcode_rank_addr *ranks,
			  unsigned int n, __u32 *self);

/*
 * Write the table into ifname's pinned rank table (rcode_ranks_fd()) in
 * place, so that handlers loaded with it see the new one: entries
 * ranks[i].rank get the addresses (ranks in any order, each at most once,
 * below RC_ABI_RANKS_MAX), every other entry becomes absent.  Handlers
 * running meanwhile may see a mix of the old and the new table.  Returns
 * this node's rank (>= 0): opts->self, or found as rcode_ranks_find_self()
 * does; -EINVAL bad entries or options, or a self that is not one of the
 * ranks; the errors of rcode_ranks_find_self() and rcode_ranks_fd().
 */
int rcode_ranks_load(const char *ifname, const struct rcode_rank_addr *ranks,
		     unsigned int n, const struct rcode_ranks_opts *opts);

/*
 * ifname's rank table (RC_PIN_ROOT/net-<cookie>/<ifname>/ranks, an array of
 * RC_ABI_RANKS_MAX struct rc_rank): opened, or created empty and pinned
 * when there is none (with the directory, and bpffs if needed).  Returns
 * a new fd the caller closes; handlers that forward or send are created
 * with it (rcode_handler_opts).  -EINVAL: the pin is a map of another
 * shape (an older rcode's; 'rloader detach' removes it).
 */
int rcode_ranks_fd(const char *ifname);

/*
 * Read the pinned table back: the present entries in rank order (at most
 * max of them) and, in *self (may be NULL), this node's rank
 * (UINT32_MAX when no entry is present).  Ports come back as stored
 * (never 0).  Returns how many entries are present; -ENOENT when ifname
 * has no rank table.
 */
int rcode_ranks_read(const char *ifname, struct rcode_rank_addr *ranks,
		     unsigned int max, __u32 *self);

/* Make every entry absent, in place (the pin stays).  -ENOENT: no table. */
int rcode_ranks_clear(const char *ifname);

/* ==== handlers on an interface =============================================
 *
 * A handler is attached at XDP behind the dispatcher, or, when it needs TC
 * (it sends copies: docs/rcode.md), at TC ingress by itself: a tcx link
 * where the kernel has tcx (Linux 6.6), else a cls_bpf filter on the
 * clsact qdisc (rc_abi.h).  Either way its objects are pinned under
 * RC_PIN_ROOT/net-<cookie>/<ifname>/portal-<N>/, so any process finds it again: these
 * calls read the pins and the kernel, nothing kept in a process.
 * rcode_handler__attach() (rcode_handler.h) puts a loaded handler there.
 */
enum rcode_hook {
	RCODE_HOOK_NONE = 0,	/* nothing runs (pins only, or nothing) */
	RCODE_HOOK_XDP,		/* behind the dispatcher */
	RCODE_HOOK_TC,		/* at TC ingress, by itself */
};

enum rcode_tc_attach {
	RCODE_TC_AUTO = 0,	/* attach: tcx if the kernel has it, else
				 * cls_bpf; query: not attached at TC */
	RCODE_TC_TCX,		/* a tcx link, pinned as portal-<N>/link */
	RCODE_TC_CLS_BPF,	/* cls_bpf filter on clsact: handle
				 * RC_ABI_TC_HANDLE_BASE + N, RC_ABI_TC_PRIO */
};

struct rcode_portal_info {
	unsigned int portal;
	enum rcode_hook hook;	/* where it runs; NONE: not attached */
	enum rcode_tc_attach tc;	/* hook TC: how (TCX or CLS_BPF) */
	bool interp;		/* on the in-kernel interpreter (XDP) */
	bool traced;		/* ... its tracing variant */
	__u32 prog_id;		/* the program that runs it (on the
				 * interpreter path, the interpreter); 0: none */
	__u32 pinned_prog_id;	/* of portal-<N>/prog; 0: not pinned */
	bool pinned;		/* portal-<N>/ exists */
	bool upcalls;		/* it has an up-call ring (portal-<N>/upcalls) */
	char name[32];		/* the handler's name (RC_NAME_MAX), "" if unknown */
};

/*
 * What runs on ifname's portal, and what is pinned for it.  Works for an
 * interface that is gone (its pins).  Returns 0; -ENOENT when the portal
 * has neither a handler nor pins; -EINVAL bad name or portal.
 */
int rcode_portal_query(const char *ifname, unsigned int portal,
		       struct rcode_portal_info *info);

/* The portals of ifname that have a handler (at either hook) or pins, in
 * ascending order, into portals[RC_ABI_PORTALS].  Returns how many. */
int rcode_portal_list(const char *ifname, unsigned int *portals);

/*
 * Remove the portal's handler, whichever hook it is at (its messages are
 * passed on from then on), then its pins; a handler on the interpreter
 * leaves it, and the interpreter's pins go when no handler is left on
 * it.  The dispatcher and the other portals stay.  -ENOENT: nothing there.
 */
int rcode_portal_detach(const char *ifname, unsigned int portal);

/* The R-code of the portal's handler, from its pins (portal-<N>/rcode);
 * free it with rc_prog_free().  NULL with errno ENOENT when there is none. */
struct rc_prog *rcode_portal_prog(const char *ifname, unsigned int portal);

/* Sum of the portal's handler's per-CPU statistics, from its pins. */
int rcode_portal_stats(const char *ifname, unsigned int portal,
		       struct rc_handler_stats *sum);

/*
 * Map the window `name` of the portal's handler into this process
 * (read-only, or read-write with writable) and return its words, *nwords
 * of them: plain loads and stores, or __atomic builtins for the words the
 * handler updates atomically, see what the handler sees, no system call
 * involved.  NULL with errno set: ENOENT (no such window), EINVAL (not a
 * window map).  Unmap with rcode_window_munmap().
 */
__u64 *rcode_window_mmap(const char *ifname, unsigned int portal,
			 const char *name, bool writable, __u32 *nwords);
int rcode_window_munmap(__u64 *words, __u32 nwords);

/* ---- TC, for programs of one's own --------------------------------------
 * What rcode_handler__attach() does at TC, for any BPF_PROG_TYPE_SCHED_CLS
 * program that checks its portal itself and returns TC_ACT_UNSPEC (-1,
 * the next program decides) for anything else.
 */
struct rcode_tc_opts {
	size_t sz;		/* sizeof(struct rcode_tc_opts) */
	enum rcode_tc_attach attach;	/* AUTO: as a program already attached
					 * for the portal is, else tcx if the
					 * kernel has it, else cls_bpf */
	bool replace;		/* replace the portal's program (atomically
				 * when attached the same way); else -EEXIST */
	size_t : 0;
};
#define rcode_tc_opts__last_field replace

/*
 * Attach prog_fd at ifname's TC ingress for portal; a tcx link is pinned
 * as portal-<N>/link (the directory is created).  -EOPNOTSUPP: tcx asked
 * for and the kernel has none; -EEXIST: the portal has a TC program and
 * replace is false; -ENODEV: no such interface.
 */
int rcode_tc_attach(const char *ifname, unsigned int portal, int prog_fd,
		    const struct rcode_tc_opts *opts);
/* Detach the portal's TC program (link or filter; the link's pin goes).
 * The clsact qdisc stays: other filters may use it.  -ENOENT: none. */
int rcode_tc_detach(const char *ifname, unsigned int portal);
/* How the portal's TC program is attached (*how RCODE_TC_AUTO: it is
 * not) and its id; either pointer may be NULL. */
int rcode_tc_query(const char *ifname, unsigned int portal,
		   enum rcode_tc_attach *how, __u32 *prog_id);
/* Does this kernel have tcx (BPF_TCX_INGRESS links)?  Probed once, with
 * no effect on any interface. */
bool rcode_tcx_supported(void);

/* ==== up-calls: waiting for what handlers report ===========================
 *
 * `upcall v` appends a struct rc_upcall (rc_abi.h) to the handler's ring
 * buffer; a reader takes them in order.  Not thread-safe: one thread
 * waits on a reader.
 */
struct rcode_upcalls;

/* A reader of a BPF ring buffer of struct rc_upcall (e.g. the fd of
 * rcode_handler__upcall_fd()); the fd is duplicated, the caller keeps
 * its own.  NULL with errno set (EINVAL: not a ring buffer). */
struct rcode_upcalls *rcode_upcalls__new(int ringbuf_fd);
/* The same for the ring pinned at RC_PIN_ROOT/net-<cookie>/<ifname>/portal-<N>/upcalls
 * (ENOENT: the portal's handler has none). */
struct rcode_upcalls *rcode_upcalls__open(const char *ifname,
					  unsigned int portal);
/* An fd for the caller's epoll or poll: readable (EPOLLIN) when records
 * wait; then call rcode_upcalls__wait() with timeout 0. */
int rcode_upcalls__fd(const struct rcode_upcalls *u);
/*
 * Take up to max records, oldest first, into out.  When none is waiting,
 * wait up to timeout_ms (0: do not wait, -1: forever) for the next.
 * Records beyond max stay for the next call.  Returns how many (0: none
 * came in time), or -errno (-EINTR: a signal).
 */
int rcode_upcalls__wait(struct rcode_upcalls *u, int timeout_ms,
			struct rc_upcall *out, unsigned int max);
/* NULL is fine. */
void rcode_upcalls__free(struct rcode_upcalls *u);

/* ==== collectives on a communicator (docs/collectives.md) =================
 *
 * A communicator is the N ranks of a job, each a process on its own node
 * (or at least its own address and port), that call the same collective
 * operations in the same order.  Allreduce, barrier and broadcast run
 * along a binary tree of the ranks: contributions travel UP to the root,
 * combined on the way, and the result travels DOWN to every rank.
 *
 * Two modes run the same protocol:
 * - RCODE_COMM_KERNEL: the R-code handler userlib/coll/coll.c (compiled by rcc), translated and
 *   attached at TC ingress of the interface, does the fan-in and fan-out
 *   as messages arrive; the application contributes through the mmapped
 *   window, sleeps until the result is there and copies it.
 * - RCODE_COMM_USER: the baseline; the process receives, combines and
 *   sends on its UDP socket, only while it is inside a collective call.
 *
 * Messages get lost: every rank re-sends what it last sent up after a
 * timeout that doubles from opts->timeout_ms, at most opts->tries times
 * in all, and the operation fails with -ETIMEDOUT after
 * rcode_comm__timeout_bound() ms (docs/collectives.md, "Retries").
 *
 * Not thread-safe: one thread calls the collectives of a communicator.
 */
#define RCODE_COLL_WORDS	32	/* u64 words per message; more: chunks */
#define RCODE_COLL_PORTAL	192	/* the portal coll.c serves by default */

enum rcode_comm_mode {
	RCODE_COMM_KERNEL = 0,	/* coll.c at TC on opts->ifname */
	RCODE_COMM_USER,	/* in the process, over its UDP socket */
};

/* How coll.c wakes the process when a result arrives and the process
 * sleeps (kernel mode; a process that polls its window is not woken). */
enum rcode_comm_wake {
	RCODE_COMM_WAKE_DEFAULT = 0,	/* RCODE_COMM_WAKE_SOCKET: one
					 * interrupt less per hop (measured:
					 * docs/collectives.md, section 6) */
	RCODE_COMM_WAKE_UPCALL,		/* an up-call; the process sleeps on
					 * the handler's up-call ring, whose
					 * wake-up is an irq_work: a self-IPI
					 * on the handler's CPU (8.5 µs in a
					 * VM), before the DOWN goes on */
	RCODE_COMM_WAKE_SOCKET,		/* coll.c passes the DOWN on to the
					 * process's socket, whose wake-up
					 * the kernel does at once */
};

/* How a rank waits for a result (kernel mode; docs/collectives.md,
 * section 6).  The result lands in the window the process has mapped, so
 * the process can find it there without a system call, spinning (with a
 * CPU-relax hint); spinning pays only while the rank has a CPU of its
 * own, so after the spin it sleeps in epoll, and coll.c wakes it only
 * then (window word COLL_W_SLEEPERS). */
enum rcode_comm_wait {
	RCODE_COMM_WAIT_AUTO = 0,	/* spin while spinning pays: up to
					 * spin_us, halved after each wait
					 * the spin did not end, doubled
					 * after each it did, then sleep */
	RCODE_COMM_WAIT_SPIN,		/* spin spin_us every wait, then sleep */
	RCODE_COMM_WAIT_SLEEP,		/* sleep at once */
};

enum rcode_op {			/* over unsigned 64-bit words */
	RCODE_OP_SUM = 0,	/* wrapping */
	RCODE_OP_MIN,
	RCODE_OP_MAX,
	RCODE_OP_BAND,
	RCODE_OP_BOR,
	RCODE_OP__COUNT
};

struct rcode_comm_opts {
	size_t sz;		/* sizeof(struct rcode_comm_opts) */
	enum rcode_comm_mode mode;
	/* KERNEL: the interface the handler is attached to (required).
	 * USER: if set, the socket is bound to it (SO_BINDTODEVICE). */
	const char *ifname;
	__u16 udp_port;		/* the job's port; 0: RC_ABI_DEFAULT_PORT */
	__u16 portal;		/* 0: RCODE_COLL_PORTAL */
	/* Retries: the first timeout, its cap, and the attempts in all
	 * (the first send included).  0: 20 ms, 1000 ms, 8. */
	unsigned int timeout_ms;
	unsigned int timeout_max_ms;
	unsigned int tries;
	/* KERNEL: poll the window at most this long before sleeping (see
	 * wait).  0: the environment's RCODE_COLL_SPIN_US, else 50.
	 * Worth it only when every rank has a CPU of its own: spinning
	 * ranks starve the others (which WAIT_AUTO notices). */
	unsigned int spin_us;
	/* rcode_comm__free() keeps answering retries of the other ranks
	 * this long (USER: serving the socket; KERNEL: before detaching
	 * the handler).  0: none. */
	unsigned int linger_ms;
	enum rcode_comm_wake wake;	/* KERNEL; 0: RCODE_COMM_WAKE_SOCKET */
	/* KERNEL; 0: the environment's RCODE_COLL_WAIT (auto, spin or
	 * sleep), else RCODE_COMM_WAIT_AUTO */
	enum rcode_comm_wait wait;
	size_t : 0;
};
#define rcode_comm_opts__last_field wait

/*
 * A communicator of nranks ranks (ranks[i].rank == i for every i: the
 * table is indexed by rank) in which this process is rank self.  Every
 * rank's address must be of one family.  The UDP port of self (its
 * entry's port, or the job's) is bound when this returns.  In the kernel
 * mode the handler is installed on opts->ifname with the rank table and
 * this rank's place in it.  Every rank must have created its
 * communicator before the first operation can complete; until then the
 * retries cover the difference.
 * Returns NULL with errno set: EINVAL (bad table, self >= nranks, more
 * than RC_ABI_RANKS_MAX ranks, bad options), ENODEV, EADDRINUSE,
 * EOPNOTSUPP (a kernel mode piece that this build or kernel lacks), or
 * what the system said.
 */
struct rcode_comm;
struct rcode_comm *rcode_comm__new(const struct rcode_rank_addr *ranks,
				   unsigned int nranks, unsigned int self,
				   const struct rcode_comm_opts *opts);
/* The same from a hosts file (docs/collectives.md, "Hosts file"); a bad
 * file is reported through the print callback as file:line:col. */
struct rcode_comm *rcode_comm__from_hosts(const char *path, unsigned int self,
					  const struct rcode_comm_opts *opts);
/* Linger if asked, detach, close, free.  NULL is fine. */
void rcode_comm__free(struct rcode_comm *comm);

unsigned int rcode_comm__rank(const struct rcode_comm *comm);
unsigned int rcode_comm__size(const struct rcode_comm *comm);
enum rcode_comm_mode rcode_comm__mode(const struct rcode_comm *comm);
/* The longest an operation (one chunk) waits before -ETIMEDOUT, in ms. */
unsigned int rcode_comm__timeout_bound(const struct rcode_comm *comm);

/*
 * out[i] = in[i] combined over every rank, for i < count, on every rank.
 * in and out may be the same array.  Vectors longer than
 * RCODE_COLL_WORDS go in chunks, one operation each.
 * Returns 0, -EINVAL (bad op), -ETIMEDOUT (a chunk did not complete
 * within the bound: the communicator is unusable afterwards, and every
 * later call returns -EPIPE), or -errno from the system.
 */
int rcode_allreduce(struct rcode_comm *comm, enum rcode_op op,
		    const uint64_t *in, uint64_t *out, size_t count);
/* No rank returns before every rank has called it.  Errors as above. */
int rcode_barrier(struct rcode_comm *comm);
/* buf[0..count) of rank root, on every rank.  Synchronizes like a
 * barrier: the root's data goes down once every rank has arrived. */
int rcode_bcast(struct rcode_comm *comm, unsigned int root, uint64_t *buf,
		size_t count);

struct rcode_comm_stats {
	__u64 ops;		/* operations (chunks) completed */
	__u64 sent;		/* messages this process sent */
	__u64 received;		/* USER: messages its handler took */
	__u64 retries;		/* re-sends after a timeout */
	__u64 timeouts;		/* operations that ended in -ETIMEDOUT */
	__u64 sleeps;		/* KERNEL: waits that slept on the ring */
	/* the handler's counters (coll.c's window, or the process's) */
	__u64 dups;		/* duplicate contributions ignored */
	__u64 answers;		/* results sent to a retrying child */
	__u64 reforwards;	/* partials sent up again for a child */
	__u64 stale;		/* messages for a seq not armed */
	__u64 bad;		/* not of the protocol: passed on */
	/* KERNEL: coll.c's own statistics (struct rc_handler_stats) */
	__u64 handler_runs;	/* messages it ran on */
	__u64 handler_faults;	/* runs that faulted (a bug, or a rank it
				 * could not reach) */
	__u32 handler_cpus;	/* CPUs it ran on */
};
int rcode_comm__stats(const struct rcode_comm *comm,
		      struct rcode_comm_stats *out);

/* ==== the user-level path: handlers in a process ===========================
 *
 * The baseline the kernel path is measured against: a UDP socket on the
 * R-message port, and for every datagram that arrives the handler runs in
 * this process, with the reference interpreter rc_run() (rcode2bpf/rcode.h)
 * or a native C function, and the action is carried out here: `reply`
 * sends the edited message back to its sender, `forward` sends it with
 * sendto() to the rank's address and port (opts.ranks), `drop` ends it,
 * `pass` hands it to the application's deliver callback; each `send` of
 * the run goes out the same way as `forward`, and each `upcall` reaches
 * the application's upcall callback.  The observable
 * behaviour is the kernel path's (docs/rcode.md, section 2): a fault is
 * counted with its code and pc and the message is delivered as it
 * arrived; statistics are struct rc_handler_stats (rc_abi.h).
 *
 * Not thread-safe: one thread calls rcode_serve__poll() and reads the
 * statistics.  The data area and windows are the exception: other
 * threads may read and write their words at any time, with the word
 * semantics of the kernel path (whole aligned 64-bit words, atomic
 * read-modify-write in the handler: use __atomic builtins).
 */
struct rcode_serve;
struct rc_prog;
struct rc_msg;
struct rc_env;
struct rc_result;
struct rc_upcall;

/*
 * A handler written in C: the same contract as rc_run() on a verified
 * program.  msg is the received message, edited in place; env holds the
 * data area, the windows (as laid out for the serve object) and the
 * clock, the rank table and an effect log.  Fill res: action
 * (RC_ACT_DROP, _PASS, _REPLY, _FORWARD with res->rank), fault and
 * fault_pc (action PASS and the message restored to what it was, as the
 * reference does), insns and stack_max (0 when not counted).  On reply,
 * exchange msg's src and dst as rc_run() does; sends and up-calls are
 * logged in env->effects and counted in res as rc_run() does them.
 * res starts zeroed.  Return 0; a negative
 * return counts as fault RC_FAULT_ILLEGAL at pc 0 and the message is
 * delivered as it arrived.
 */
typedef int (*rcode_native_fn_t)(void *ctx, struct rc_msg *msg,
				 struct rc_env *env, struct rc_result *res);

/*
 * The application's side of `upcall`: the record the kernel path would
 * append to the handler's ring (struct rc_upcall in rc_abi.h: the value,
 * the run's clock in ns, and the header's portal, src, tag and seq at the
 * moment of the upcall).  Called in order after the run, interleaved with
 * the run's sends as the handler made them, also when the run faulted
 * later.  u is valid during the call only.
 */
typedef void (*rcode_upcall_fn_t)(void *ctx, const struct rc_upcall *u);

/*
 * The application's side of `pass`: msg as the handler left it.  res is
 * the handler's result (action RC_ACT_PASS; fault != 0 when it faulted,
 * in which case msg is exactly what arrived).  res is NULL for a
 * well-formed R-message for another portal, which the handler never saw
 * (counted in not_for_us).  Both pointers are valid during the call only.
 */
typedef void (*rcode_deliver_fn_t)(void *ctx, const struct rc_msg *msg,
				   const struct rc_result *res);

#define RCODE_SERVE_WINDOWS	8	/* == RC_WINDOWS_MAX */

struct rcode_serve_opts {
	size_t sz;		/* sizeof(struct rcode_serve_opts) */
	const char *ifname;	/* SO_BINDTODEVICE (CAP_NET_RAW); NULL: any */
	__u16 udp_port;		/* 0: RC_ABI_DEFAULT_PORT */
	/* Bind :: with IPV6_V6ONLY off, so IPv4 (as v4-mapped) and IPv6
	 * both arrive; false: 0.0.0.0, IPv4 only. */
	bool ipv6;
	/* Run this instead of rc_run().  With a prog, the prog still gives
	 * the portal and the layout of the data area and windows; with
	 * prog NULL, every well-formed R-message reaches it whatever its
	 * portal, and the layout comes from the two fields below. */
	rcode_native_fn_t native;
	void *native_ctx;
	rcode_deliver_fn_t deliver;	/* NULL: passed messages are dropped */
	void *deliver_ctx;
	/* Layout when prog is NULL (native only): data-area words, and the
	 * words of each window (a 0 ends the list).  Ignored with a prog. */
	__u32 state_words;
	__u32 window_words[RCODE_SERVE_WINDOWS];
	/* Where forward and send go (docs/rcode.md 6.13): nranks entries,
	 * each rank at most once, below RC_ABI_RANKS_MAX; port 0 is
	 * udp_port.  This node is self_rank.  forward and send to a rank
	 * that is not listed, to self_rank, or (on an IPv4-only socket) to
	 * an IPv6 entry fault `rank`; a datagram the socket refuses is lost
	 * and counted in send_errors.  ranks NULL: no rank table.  Each
	 * run's first RCODE_SERVE_EFFECTS_MAX sends and up-calls are
	 * carried out; the rest are lost (send_errors, upcall_lost). */
	const struct rcode_rank_addr *ranks;
	__u32 nranks;
	__u32 self_rank;
	/* Called for each upcall; NULL: up-calls count as upcall_lost. */
	rcode_upcall_fn_t upcall;
	void *upcall_ctx;
	size_t : 0;
};
#define rcode_serve_opts__last_field upcall_ctx
#define RCODE_SERVE_EFFECTS_MAX	256

/*
 * Open the socket and prepare the handler.  prog must be accepted by
 * rc_verify() (it is checked again here) and is copied without its debug
 * information, so the caller may free it at once.  prog may be NULL only
 * with opts->native.  The data area and windows start zeroed.  The port
 * is bound when this returns: datagrams queue in the socket until
 * rcode_serve__poll() takes them.
 * Returns NULL with errno set: EINVAL (no prog and no native handler,
 * rejected program, bad options, layout beyond the R-code limits),
 * ENODEV (no such interface), EADDRINUSE, EPERM (ifname without
 * CAP_NET_RAW), ENOMEM, or what socket(2) and bind(2) said.
 */
struct rcode_serve *rcode_serve__new(const struct rc_prog *prog,
				     const struct rcode_serve_opts *opts);

/* Close the socket and free everything.  NULL is fine. */
void rcode_serve__free(struct rcode_serve *s);

/* The socket, for the caller's epoll or poll (POLLIN: call __poll). */
int rcode_serve__fd(const struct rcode_serve *s);

/*
 * Wait up to timeout_ms (0: do not wait, -1: forever) for a datagram,
 * then take every datagram already queued on the socket (in batches of
 * recvmmsg; replies leave in batches of sendmmsg) and handle each:
 * rc_msg_from_wire, the clock (CLOCK_MONOTONIC ns), the handler, the
 * action.  Datagrams that are not well-formed R-messages, or are for
 * another portal, count in not_for_us and run nothing; a reply the
 * socket refuses is lost, as on the wire.
 * Returns how many datagrams it took from the socket (0: none came in
 * time), or -errno: -EINTR when a signal interrupted the wait.
 */
int rcode_serve__poll(struct rcode_serve *s, int timeout_ms);

/* The same, taking at most max datagrams (max >= 1), so that a caller
 * can stop after an exact number. */
int rcode_serve__poll_max(struct rcode_serve *s, int timeout_ms,
			  unsigned int max);

/*
 * The data area (state_words words; NULL when there are none) and window
 * k (NULL when k is not a window), in this process's memory, zeroed at
 * the start.  Valid until rcode_serve__free().
 */
uint64_t *rcode_serve__state(const struct rcode_serve *s);
uint64_t *rcode_serve__window(const struct rcode_serve *s, unsigned int k);

/* Counters since rcode_serve__new(), as the kernel path keeps them
 * (rc_abi.h); last_fault_ns is CLOCK_MONOTONIC, as bpf_ktime_get_ns(). */
int rcode_serve__stats(const struct rcode_serve *s,
		       struct rc_handler_stats *out);

/* ==== native handlers: the examples written in C ==========================
 *
 * examples/{echo,counter,gsum,barrier}.r as C functions for
 * rcode_serve_opts.native, with exactly the R-code's behaviour (action,
 * edited message, data area, windows) on the handler's own layout,
 * which they assume: rcode_serve__new() refuses (EINVAL) one of them on
 * a serve object whose data area or windows are smaller.  They
 * report insns and stack_max as 0.  native_ctx is unused.
 */
struct rcode_native {
	const char *name;	/* as the .handler line: "echo" */
	unsigned int portal;	/* the example's portal */
	rcode_native_fn_t run;
	/* The layout it needs, as in rcode_serve_opts (for prog NULL). */
	__u32 state_words;
	__u32 window_words[RCODE_SERVE_WINDOWS];
};

/* NULL when there is no native handler of that name. */
const struct rcode_native *rcode_native_find(const char *name);
/* The i-th native handler, NULL past the last (for listing them). */
const struct rcode_native *rcode_native_get(unsigned int i);

#ifdef __cplusplus
}
#endif

#endif /* LIBRCODE_H */
