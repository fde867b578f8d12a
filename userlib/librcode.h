/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcode.h - librcode, the kernel-facing library: put the R-message
 * dispatcher on an interface, install handlers behind it, read what it
 * counted.  Applications and rloader link it; the R-code toolchain has its
 * own header (rcode2bpf/rcode.h, librcode2bpf).
 *
 * Shaped like libbpf: options structs start with `size_t sz` and are
 * declared with RCODE_OPTS() so that a program built against an older
 * header keeps working with a newer library; functions return 0 or a
 * negative errno; the library prints nothing itself, only through the
 * callback set with rcode_set_print().  Messages from libbpf and libxdp go
 * to their own callbacks (libbpf_set_print(), libxdp_set_print()).
 *
 * Interface names are used in bpffs paths (RC_PIN_ROOT/<ifname>/, see
 * rc_abi.h), so one network namespace per bpffs: the same name in two
 * namespaces shares a pin directory.
 */
#ifndef LIBRCODE_H
#define LIBRCODE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
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
 * RC_PIN_ROOT/<ifname>/ and outlive the process that attached it.
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
 * RC_PIN_ROOT/<ifname>/ with everything in it, handlers' pins included.
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
	bool pinned;		/* RC_PIN_ROOT/<ifname>/portals exists */
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
 * Write "RC_PIN_ROOT/<ifname>" to buf: where a loader pins a handler's
 * objects (portal-<N>/..., rc_abi.h).  -EINVAL bad name, -ENAMETOOLONG.
 */
int rcode_dispatch_pin_dir(const char *ifname, char *buf, size_t size);

/* ==== portals: which handler runs for which portal ========================
 *
 * prog_fd must be an XDP program that can be tail-called from the
 * dispatcher: BPF_PROG_TYPE_XDP, expected_attach_type 0 (not BPF_XDP,
 * which libbpf gives SEC("xdp") programs: clear it with
 * bpf_program__set_expected_attach_type()), without BPF_F_XDP_HAS_FRAGS,
 * JITed as the dispatcher is.  The kernel refuses others with -EINVAL.  Replacing is atomic: each message runs either the old
 * handler or the new one.  The portals map holds the program, so the
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

/* ==== BPF objects ==========================================================
 *
 * Set the `const volatile __u16` variable var in an opened, not yet loaded
 * object's .rodata (found through BTF), as the dispatcher's port is set.
 * -ENOENT: no such variable; -EINVAL: it is not 2 bytes wide.
 */
struct bpf_object;
int rcode_object_set_rodata_u16(struct bpf_object *obj, const char *var,
				__u16 value);

#ifdef __cplusplus
}
#endif

#endif /* LIBRCODE_H */
