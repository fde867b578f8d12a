/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcode_internal.h - what librcode's files share and applications do not
 * see: logging through the user's callback, options-struct access, pin
 * paths and the lock (rcode_pins.c).
 */
#ifndef LIBRCODE_INTERNAL_H
#define LIBRCODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include "rcode_private.h"

__attribute__((format(printf, 2, 3)))
void rc_log(enum rcode_print_level level, const char *fmt, ...);

#define pr_warn(fmt, ...)  rc_log(RCODE_WARN, "librcode: " fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  rc_log(RCODE_INFO, "librcode: " fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) rc_log(RCODE_DEBUG, "librcode: " fmt, ##__VA_ARGS__)

/* An R-code handler the library carries (userlib/NAME.r, embedded by
 * bpf/embed.sh, the text set): its text by base name ("coll.r"), or NULL. */
const char *rc_text_find(const char *name);

#ifndef offsetofend
#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))
#endif

/*
 * As libbpf's OPTS_VALID/OPTS_GET: a caller built against an older header
 * passes a shorter struct (fields it lacks read as their default), one
 * built against a newer header a longer one (whose unknown tail must be
 * zero, or it asked for something this library cannot do).
 */
static inline bool rc_opts_tail_zero(const void *opts, size_t known,
				     size_t user)
{
	const char *p = opts;

	for (size_t i = known; i < user; i++)
		if (p[i])
			return false;
	return true;
}

#define RC_OPTS_VALID(opts, TYPE)                                         \
	(!(opts) || ((opts)->sz >= sizeof(size_t) &&                      \
		     rc_opts_tail_zero((opts),                            \
				       offsetofend(struct TYPE,           \
						   TYPE##__last_field),   \
				       (opts)->sz)))

#define RC_OPTS_HAS(opts, FIELD)                                          \
	((opts) && (opts)->sz >= offsetofend(__typeof__(*(opts)), FIELD))

#define RC_OPTS_GET(opts, FIELD, fallback)                                \
	(RC_OPTS_HAS(opts, FIELD) ? (opts)->FIELD : (fallback))

/* ---- pins (rcode_pins.c) -------------------------------------------------
 * Names inside RC_PIN_ROOT/net-<cookie>/<ifname>/ and its portal-<N>/ (rc_abi.h). */
#define RC_PIN_RANKS	"ranks"
#define RC_PIN_INTERP	"interp"	/* the interpreter's directory */
#define RC_PIN_PROG	"prog"
#define RC_PIN_STATE	"state"
#define RC_PIN_HSTATS	"stats"
#define RC_PIN_RCODE	"rcode"		/* the handler's .rbin, frozen */
#define RC_PIN_CODE	"code"		/* interpreter path: its uops */
#define RC_PIN_TRACE	"trace"
#define RC_PIN_LINK	"link"		/* TC: the tcx link */
#define RC_PIN_UPCALLS	"upcalls"

/* -EINVAL for a name that is no interface name or would leave RC_PIN_ROOT. */
int rc_check_ifname(const char *ifname);
/* "net-<cookie>" (SO_NETNS_COOKIE) or, without it, "netino-<nsfs inode>":
 * this process's network namespace, the directory under RC_PIN_ROOT that
 * holds its interfaces' pins. */
int rc_netns_key(char *buf, size_t size);
/* RC_PIN_ROOT/net-<cookie>/<ifname>[/<name>]; -ENAMETOOLONG. */
int rc_pin_path(char *buf, size_t size, const char *ifname, const char *name);
/* RC_PIN_ROOT/net-<cookie>/<ifname>/portal-<portal>[/<name>]; checks
 * ifname and portal. */
int rc_portal_path(char *buf, size_t size, const char *ifname,
		   unsigned int portal, const char *name);
/* Mount bpffs on /sys/fs/bpf if nothing is, as libxdp and bpftool do;
 * -EXDEV (and why) when PID 1 sees a bpffs there that this mount namespace
 * hides (`ip netns exec`): one mounted here would die with it. */
int rc_bpffs_ensure(void);
/* mkdir 0700; EEXIST is fine; *made (may be NULL) says whether it was made. */
int rc_mkdir(const char *path, bool *made);
/* bpffs, RC_PIN_ROOT and this namespace's net-<cookie>, made if missing. */
int rc_pin_root(void);
/* The same, RC_PIN_ROOT/net-<cookie>/<ifname> (*made, may be NULL: whether it was made
 * now) and, for portal >= 0, its portal-<N>. */
int rc_pin_dirs(const char *ifname, int portal, bool *made);
/* The flock on RC_PIN_ROOT that attach and detach hold (made if bpffs
 * is there; re-taken if RC_PIN_ROOT changed meanwhile); an fd or -errno. */
int rc_lock(void);
void rc_unlock(int fd);
/* Remove dir and everything below it; -ENOENT if absent. */
int rc_rm_tree(const char *dir);
/* RC_PIN_ROOT/net-<cookie>/<ifname>/<name>, if it is a map of this type, a __u32 key
 * and this value size; -ENOENT if absent, -EINVAL (and a warning) if of
 * another shape. */
int rc_open_map(const char *ifname, const char *name, __u32 type,
		__u32 value_size, struct bpf_map_info *info);
/* Pin fd at dir/name, replacing what was pinned there. */
int rc_pin_fd(int fd, const char *dir, const char *name);
/* The frozen one-entry array that holds prog's .rbin (RC_PIN_RCODE). */
int rc_rcode_map_create(const struct rc_prog *prog);
/* Remove the pins in a portal directory that a handler of prog's layout
 * on this path does not have (a replaced handler's windows, data area,
 * link, up-call ring, rank table of its own). */
int rc_portal_prune(const char *dir, const struct rc_prog *prog, bool interp,
		    bool trace, bool tc, bool upcalls, bool ranks);
/* Map an mmapable window map (rcode_window_mmap); NULL, errno set. */
__u64 *rc_window_mmap_fd(int fd, bool writable, __u32 *nwords);
/* Sum a per-CPU struct rc_handler_stats map. */
int rc_stats_sum(int fd, struct rc_handler_stats *sum);

/* ---- the dispatcher (rcode_dispatch.c), for callers holding rc_lock() --- */
int rc_dispatch_attach_locked(const char *ifname, int ifindex,
			      enum rcode_mode mode, __u16 port);
/* all: also every handler (TC ones too) and RC_PIN_ROOT/net-<cookie>/<ifname>/; else
 * only the dispatcher and the pins that attaching it made. */
int rc_dispatch_detach_locked(const char *ifname, int ifindex, bool all);
const char *rc_mode_name(enum rcode_mode m);	/* "native", "skb" */

/* ---- handlers (rcode_handler.c), for rcode_attach.c ---------------------- */
struct rcode_interp *rc_handler_interp(const struct rcode_handler *h);
bool rc_handler_traced(const struct rcode_handler *h);
__u16 rc_handler_udp_port(const struct rcode_handler *h);
/* It made a rank table of its own (no ranks_fd given), pinned as ranks. */
bool rc_handler_own_ranks(const struct rcode_handler *h);

/* ---- TC (rcode_tc.c) ------------------------------------------------------ */
/* What is attached at TC for the portal, from the kernel: RCODE_TC_AUTO
 * when nothing.  ifindex 0: the interface is gone. */
int rc_tc_query(const char *ifname, int ifindex, unsigned int portal,
		enum rcode_tc_attach *how, __u32 *prog_id);
/* rcode_tc_attach() and rcode_tc_detach() for callers that hold rc_lock()
 * (rc_pin_dirs() done). */
int rc_tc_attach_locked(const char *ifname, int ifindex, unsigned int portal,
			int prog_fd, enum rcode_tc_attach want, bool replace);
int rc_tc_detach_locked(const char *ifname, unsigned int portal);
/* Detach every cls_bpf filter in rcode's handle range from ifindex;
 * returns how many there were. */
int rc_tc_detach_all(int ifindex);

#endif /* LIBRCODE_INTERNAL_H */
