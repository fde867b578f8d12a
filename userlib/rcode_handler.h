/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcode_handler.h - an R-code handler as a kernel object: its maps (data
 * area, windows, statistics) created with BTF so `bpftool map dump` shows
 * named fields, its translated program loaded with libbpf, and its runs
 * under BPF_PROG_TEST_RUN.  Shaped like libbpf's bpf_object: open, load,
 * use the fds, close.
 *
 * Part of librcode's public API (installed as <rcode/rcode_handler.h>,
 * docs/userlib.md); what only rloader and the selftests use is in
 * rcode_private.h.
 */
#ifndef RCODE_HANDLER_H
#define RCODE_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rc_abi.h"
#include "librcode.h"
#include "rcode.h"	/* the R-code toolchain (rcode2bpf/) */
#include "rc_diag.h"
#include "rc_xlate.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rcode_handler;
struct rcode_interp;

/* How a handler runs (docs/interp.md compares them). */
enum rcode_path {
	RCODE_PATH_XLATE = 0,	/* translated into its own eBPF program */
	RCODE_PATH_INTERP = 1,	/* uops run by the in-kernel interpreter */
};

struct rcode_handler_opts {
	size_t sz;
	__u16 udp_port;		/* R-message port; 0: RC_ABI_DEFAULT_PORT */
	/* Where to save the kernel verifier's log if it rejects the
	 * translated program (always a rcode2bpf bug).  NULL: a file under
	 * /tmp, named in the error. */
	const char *verifier_log;
	/* Reuse the data area and windows pinned in this directory when
	 * their layout matches (a handler replaced in place keeps its data). */
	const char *reuse_pin_dir;
	/* Keep loops inline (no bpf_loop callback), as on kernels without
	 * the JIT, which is detected by itself; for tests. */
	bool inline_loops;
	/* RCODE_PATH_INTERP: compile for the in-kernel interpreter 'interp'
	 * instead of translating; loading installs the handler there on
	 * its portal (rcode_handler__install).  'trace' selects the
	 * tracing interpreter and gives the handler a trace map. */
	enum rcode_path path;
	struct rcode_interp *interp;
	bool trace;
	/* The rank table forward and send look ranks up in (an array of
	 * RC_ABI_RANKS_MAX struct rc_rank, usually the interface's, shared by
	 * its handlers); the handler keeps a dup of it.  0: none given, the
	 * handler creates an empty one of its own (rcode_handler__ranks_fd
	 * fills it, rcode_handler__pin pins it). */
	int ranks_fd;
	/* Translate into a TC program (SCHED_CLS) even if no send needs
	 * TC, and, for TC programs, run on every portal's messages instead
	 * of only the handler's own: for tests. */
	bool tc;
	bool tc_any_portal;
	size_t : 0;
};

/*
 * Take a verified program (ownership passes to the handler) and prepare
 * it; nothing touches the kernel yet.  vi is rc_verify's result for prog.
 * Returns NULL with errno set on failure.
 */
struct rcode_handler *rcode_handler__new(struct rc_prog *prog,
					 const struct rc_verinfo *vi,
					 const struct rcode_handler_opts *opts);

/* Create the maps, translate, and load the program into the kernel.
 * Diagnostics (translation limits, verifier rejection) go to d.
 * Returns 0 or -errno.  On the interpreter path: create the maps and the
 * code map (its uops, then frozen), and install the handler on its
 * portal; no program is loaded (prog_fd is the interpreter's). */
int rcode_handler__load(struct rcode_handler *h, struct rc_diags *d);

enum rcode_path rcode_handler__path(const struct rcode_handler *h);
const struct rc_prog *rcode_handler__prog(const struct rcode_handler *h);
const struct rc_xlate_out *rcode_handler__xlated(const struct rcode_handler *h);
int rcode_handler__prog_fd(const struct rcode_handler *h);
int rcode_handler__state_fd(const struct rcode_handler *h);	/* -1 if none */
int rcode_handler__window_fd(const struct rcode_handler *h, unsigned int k);
int rcode_handler__stats_fd(const struct rcode_handler *h);
/* The rank table (-1 if the handler neither forwards nor sends, and on
 * the interpreter path, which has the interpreter's) and the handler's
 * up-call ring, a BPF_MAP_TYPE_RINGBUF of struct rc_upcall (-1 if it
 * never upcalls; read it with libbpf's ring_buffer__new, or sleep in
 * epoll on it).  A handler replacing one pinned in reuse_pin_dir keeps
 * its ring.  On the interpreter path the ring is the inner map the
 * interpreter finds in its ic_upcalls on the handler's portal. */
int rcode_handler__ranks_fd(const struct rcode_handler *h);
int rcode_handler__upcall_fd(const struct rcode_handler *h);
/* A TC program (BPF_PROG_TYPE_SCHED_CLS, attached at TC ingress by
 * itself, not behind the XDP dispatcher): the handler sends (the
 * verifier's needs_tc), or opts.tc asked for it.  After load, what was
 * loaded. */
bool rcode_handler__needs_tc(const struct rcode_handler *h);
/* Kernel time the load took (bpf_prog_load), in ns. */
uint64_t rcode_handler__load_ns(const struct rcode_handler *h);

/* Write the data area / window k (words), read them back. */
int rcode_handler__write_state(struct rcode_handler *h, const uint64_t *words);
int rcode_handler__read_state(const struct rcode_handler *h, uint64_t *words);
int rcode_handler__write_window(struct rcode_handler *h, unsigned int k,
				const uint64_t *words);
int rcode_handler__read_window(const struct rcode_handler *h, unsigned int k,
			       uint64_t *words);
/* Sum of the per-CPU statistics; the last fault is the newest one. */
int rcode_handler__read_stats(const struct rcode_handler *h,
			      struct rc_handler_stats *sum);

/* Pin prog, state, stats, windows (win-<name>), the up-call ring
 * (upcalls) and a rank table of the handler's own (ranks) under dir
 * (created). */
int rcode_handler__pin(struct rcode_handler *h, const char *dir);

/*
 * The handler's window k mapped into this process (read-only, or
 * read-write with writable): *nwords words, shared with the handler as
 * rcode_window_mmap() describes.  The mapping outlives the handler
 * object; unmap it with rcode_window_munmap().  NULL with errno set.
 */
__u64 *rcode_handler__window_mmap(const struct rcode_handler *h,
				  unsigned int k, bool writable, __u32 *nwords);

struct rcode_attach_opts {
	size_t sz;		/* sizeof(struct rcode_attach_opts) */
	/* XDP: the dispatcher's mode when this attaches it (0: native);
	 * when it is attached already, 0 or its mode (else -EEXIST).  It
	 * never falls back to another mode. */
	enum rcode_mode mode;
	/* Replace the handler on the portal (else -EEXIST): atomically
	 * when both are at the same hook (and, at TC, attached the same
	 * way); across hooks the old one goes first, and messages that
	 * arrive in between are passed on as with no handler. */
	bool replace;
	enum rcode_tc_attach tc;	/* TC: how (rcode_tc_opts.attach) */
	size_t : 0;
};
#define rcode_attach_opts__last_field tc

/*
 * Put a loaded handler on ifname, on its program's portal
 * (rcode_handler__prog(h)->portal), and pin it there: its objects as
 * rcode_handler__pin() does, and its R-code as portal-<N>/rcode (for
 * rcode_portal_prog(), status and fault reports).  A handler that needs
 * TC is attached at TC ingress (rcode_tc_attach()); every other one
 * behind the dispatcher, which is attached first if it is not (in
 * opts->mode, for the handler's port).  On the interpreter path the
 * interface's interpreter is pinned under RC_PIN_ROOT/net-<cookie>/<ifname>/interp/
 * if it is not yet.  A failed attach leaves the interface as it was.
 * The handler object may be closed afterwards: the pins hold everything.
 * Errors: -EINVAL (not loaded, bad options), -ENODEV, -EEXIST (the portal
 * is taken and opts->replace is false; the dispatcher runs in another
 * mode or for another port: the library's message says which), and what
 * the kernel, libbpf and libxdp said.
 */
int rcode_handler__attach(struct rcode_handler *h, const char *ifname,
			  const struct rcode_attach_opts *opts);

/* Run the program once on a packet with BPF_PROG_TEST_RUN.  out gets the
 * packet as it left (out_len in/out); *verdict what the program returned:
 * an XDP action (XDP_PASS, XDP_DROP, XDP_TX, XDP_REDIRECT), or for a TC
 * program (rcode_handler__needs_tc) a TC verdict as a u32: TC_ACT_OK (0,
 * pass), TC_ACT_SHOT (2, drop), TC_ACT_REDIRECT (7, reply and forward:
 * test runs do not carry out the redirect) or (uint32_t)TC_ACT_UNSPEC
 * (not for this handler).  A TC program runs on an skb of the loopback
 * device of the caller's network namespace, CHECKSUM_NONE; its sends'
 * copies (bpf_clone_redirect) do leave, through that device. */
int rcode_handler__test_run(struct rcode_handler *h, const void *pkt,
			    size_t len, void *out, size_t *out_len,
			    uint32_t *verdict, uint32_t repeat,
			    uint32_t *duration_ns);

void rcode_handler__close(struct rcode_handler *h);

/* ---- the in-kernel interpreter (userlib/rcode_interp.c) ------------------ */
/* Does this kernel JIT-compile BPF?  Without the JIT it refuses bpf_loop
 * callbacks: translated loops stay inline and the interpreter cannot run.
 * Probed with a tiny program, so it works in any network namespace, once
 * per process. */
bool rcode_jit_enabled(void);

struct rcode_interp_opts {
	size_t sz;
	__u16 udp_port;		/* 0: RC_ABI_DEFAULT_PORT */
	/* Use the interpreter pinned here if there is one (the port is then
	 * the one it was loaded with); rcode_interp__pin() pins it. */
	const char *pin_dir;
	/* The interface's rank table (an array of RC_ABI_RANKS_MAX struct
	 * rc_rank, pinned as RC_PIN_ROOT/net-<cookie>/<ifname>/ranks) for forward to use;
	 * 0: the interpreter makes its own, empty (every forward faults
	 * `rank` until it is filled: rcode_interp__map_fd(RCODE_IMAP_RANKS)).
	 * Ignored when a pinned interpreter is opened: it has its table. */
	int ranks_fd;
	size_t : 0;
};

/* Load the interpreter (both programs, plain and tracing), or open the
 * pinned one.  NULL with errno set and a reason in err on failure; a
 * kernel without the BPF JIT is refused with -EOPNOTSUPP (the interpreter
 * is made of bpf_loop callbacks). */
struct rcode_interp *rcode_interp__open(const struct rcode_interp_opts *opts,
					char *err, size_t errsize);
int rcode_interp__prog_fd(const struct rcode_interp *ip, bool trace);
/* bpf_object__load() time of the two programs, in ns (0 if pinned). */
uint64_t rcode_interp__load_ns(const struct rcode_interp *ip);
int rcode_interp__pin(struct rcode_interp *ip, const char *dir);
void rcode_interp__close(struct rcode_interp *ip);

#ifdef __cplusplus
}
#endif

#endif /* RCODE_HANDLER_H */
