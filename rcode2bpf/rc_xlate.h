/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_xlate.h - rcode2bpf: a verified R-code handler in, eBPF out.
 *
 * The output is one self-contained XDP program: it parses Ethernet,
 * IPv4/IPv6, UDP and the R-message header itself (so it can run alone
 * under BPF_PROG_TEST_RUN as well as behind the dispatcher's tail call),
 * runs the handler with its operand stack in registers, and ends in
 * XDP_DROP, XDP_PASS, XDP_TX or XDP_REDIRECT.  Anything that is not a
 * well-formed R-message is passed untouched; choosing the handler by
 * portal is the dispatcher's job.  A handler that sends copies (send)
 * becomes a TC program instead (SCHED_CLS, attached by itself at TC
 * ingress), which checks its own portal and answers not-ours packets
 * with TC_ACT_UNSPEC.  docs/xlate.md explains the register and
 * stack-frame layout and every check it emits.
 */
#ifndef RC_XLATE_H
#define RC_XLATE_H

#include <linux/bpf.h>
#include "rcode.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rc_diags;

/* What the program needs from its environment, decided before any map is
 * created (rc_xlate_plan). */
struct rc_xlate_plan {
	bool needs_snapshot;	/* an edit may be followed by a fault: keep
				 * a per-CPU copy of the message to restore */
	bool budget_checks;	/* some path may exceed the budget */
	bool edits;		/* stores to the message: keep the checksum */
	bool resize;		/* a reachable resize: the snapshot map's
				 * scratch half sums what a shrink removes,
				 * so the map exists even without a snapshot */
	bool loops;		/* runs as a bpf_loop callback; needs frame_fd */
	bool ranks;		/* forward or send: needs ranks_fd, scratch_fd */
	bool upcalls;		/* upcall: needs upcall_fd, scratch_fd */
	bool tc;		/* a TC program (a reachable send, or
				 * rc_xlate_opts.tc): BPF_PROG_TYPE_SCHED_CLS */
	uint32_t longest_path;	/* most instructions any run can execute */
};

/* File descriptors the emitted code refers to (BPF_PSEUDO_MAP_FD). */
struct rc_xlate_maps {
	int state_fd;			/* array, 1 entry of state_words*8; -1 if none */
	int window_fd[RC_WINDOWS_MAX];	/* array, 1 entry of words*8 */
	int stats_fd;			/* per-CPU array of struct rc_handler_stats */
	int snapshot_fd;		/* per-CPU array, RC_SNAPSHOT_MAP_SIZE bytes;
					 * -1 if neither needs_snapshot nor resize */
	int frame_fd;			/* per-CPU array, RC_LOOP_FRAME_SIZE bytes; -1 if not needed */
	int ranks_fd;			/* array of RC_ABI_RANKS_MAX struct rc_rank; -1 if not needed */
	int upcall_fd;			/* ring buffer, RC_ABI_UPCALL_RING bytes; -1 if not needed */
	int scratch_fd;			/* per-CPU array, RC_SCRATCH_SIZE bytes; -1 if not
					 * needed (no forward, send or upcall, or
					 * loop mode) */
};
#define RC_SNAPSHOT_SIZE	(RC_HDR_LEN + RC_PAYLOAD_MAX)
/* The snapshot, then room for the bytes a resize removes: one byte of
 * parity, 1408, and padding to a multiple of 4 (xl_resize). */
#define RC_SNAPSHOT_MAP_SIZE	(RC_SNAPSHOT_SIZE + RC_PAYLOAD_MAX + 8)
#define RC_SCRATCH_SIZE		256
/* The loop frame: 512 bytes of frame, then a scratch area. */
#define RC_LOOP_FRAME_SIZE	(512 + RC_SCRATCH_SIZE)

struct rc_xlate_opts {
	size_t sz;
	uint16_t udp_port;	/* R-message UDP port; 0 means RC_UDP_PORT */
	/* The kernel runs BPF without its JIT and so refuses bpf_loop
	 * callbacks: keep loops inline (see docs/xlate.md, loop mode). */
	bool no_callbacks;
	/* Emit a TC program (SCHED_CLS on __sk_buff) even if no send needs
	 * it: tests run every handler this way too. */
	bool tc;
	/* TC programs check that a message is for their portal; tests that
	 * feed one handler messages of several portals turn that off. */
	bool tc_any_portal;
};

struct rc_xlate_out {
	struct bpf_insn *insns;
	uint32_t ninsns;
	uint32_t *rc_to_bpf;	/* first eBPF insn of each R-code pc, or -1 */
	/* Handlers with loops: the bpf_loop callback subprogram starts here
	 * (the loader must describe both functions in BTF func_info); 0 when
	 * the program is one function. */
	uint32_t callback_insn;
	struct rc_xlate_plan plan;
};

/* Analyse a verified program.  Returns 0, or -EOPNOTSUPP with an error in
 * d for handlers this version cannot translate. */
int rc_xlate_plan(const struct rc_prog *prog, const struct rc_verinfo *vi,
		  struct rc_xlate_plan *plan, struct rc_diags *d);

/* Translate.  The program must have passed rc_verify (vi is its result).
 * Returns 0 or -errno (-EOPNOTSUPP with diagnostics for unsupported
 * handlers, -ERANGE if a backward jump would exceed eBPF's 16-bit jump
 * range, -E2BIG if the result is longer than the kernel takes). */
int rc_xlate(const struct rc_prog *prog, const struct rc_verinfo *vi,
	     const struct rc_xlate_maps *maps, const struct rc_xlate_opts *opts,
	     struct rc_xlate_out *out, struct rc_diags *d);
void rc_xlate_out_free(struct rc_xlate_out *out);

/* An annotated listing: each R-code instruction followed by its eBPF. */
int rc_xlate_listing(const struct rc_prog *prog, const struct rc_xlate_out *out,
		     char **text);

#ifdef __cplusplus
}
#endif

#endif /* RC_XLATE_H */
