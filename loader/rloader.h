/* SPDX-License-Identifier: BSD-2-Clause */
/* rloader.h - what rloader's command files share. */
#ifndef RLOADER_H
#define RLOADER_H

#include <stdbool.h>
#include <json.h>
#include "options.h"
#include "rc_diag.h"
#include "rcode.h"
#include "rcode_private.h"

/* Exit status, documented in rloader --help and docs/rloader.md. */
#define EXIT_OK		0	/* done */
#define EXIT_REJECTED	1	/* a handler, binary or message was rejected */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_SYSTEM	3	/* I/O, permission or kernel failure */
#define EXIT_FAULT	4	/* run: the handler faulted */

extern bool json_output;	/* -j: print JSON on stdout */
extern bool json_pretty;	/* -p: indent it */

/* Print a JSON value in the chosen style and drop the reference. */
void out_json(struct json_object *o);
/* Report an error (stderr, or {"error": ...} on stdout in JSON mode) and
 * return status, so callers can write: return fail(EXIT_SYSTEM, ...). */
__attribute__((format(printf, 2, 3)))
int fail(int status, const char *fmt, ...);
/* A bad command line (exit status 2): the message and 'Try ... --help'
 * on stderr, or {"error": ..., "usage": "rloader CMD --help"} on stdout
 * in JSON mode.  cmd may be NULL (the global options). */
__attribute__((format(printf, 2, 3)))
int usage_fail(const char *cmd, const char *fmt, ...);
/* Diagnostics as a JSON array of {file, line, col, pc, severity, message,
 * note, text}. */
struct json_object *diags_json(const struct rc_diags *d);

int read_file(const char *path, uint8_t **buf, size_t *len);
int write_file(const char *path, const void *buf, size_t len);

/* Load a handler from .r text, an .rbin binary (decided by content) or a
 * C file (by its .c name, through rcc) and,
 * unless verify is false, verify it.  Diagnostics go to d; returns 0,
 * -EINVAL when the handler was rejected, or another -errno (I/O). */
int handler_load(const char *path, bool verify, struct rc_prog **progp,
		 struct rc_verinfo *info, struct rc_diags *d);

/* "NAME=V,V" or "NAME+K=V" assignments to a data area or a window. */
int state_assign(const struct rc_prog *prog, uint64_t *state,
		 const char *spec, const char **err);
int window_assign(const struct rc_prog *prog, uint64_t **windows,
		  const char *spec, const char **err);

/* The online verbs' start (cmd_online.c): library callbacks, and a clear
 * error when RC_PIN_ROOT is not readable.  Returns an exit status. */
int online_init(const char *verb);
/* "strerror(-err): what librcode last warned about", for messages. */
const char *lib_why(int err);
/* CLOCK_MONOTONIC in ns. */
uint64_t mono_ns(void);
/* A --portal value: true if below RC_ABI_PORTALS, else a usage error in
 * *st (the verb names it). */
bool parse_portal(uint64_t v, const char *verb, unsigned int *portal, int *st);

/* A line on stderr that says "what ... N.N s" while slow work runs, when
 * stderr is a terminal and the work takes over half a second
 * (progress.c).  One at a time; progress_end() erases it. */
void progress_begin(const char *what);
void progress_end(void);

/* ---- shared by the verbs (cmd_offline.c) -------------------------------- */
/* handler_load() with its diagnostics printed (or, with diags, returned as
 * JSON); returns an exit status. */
int load_or_report(const char *path, bool verify, struct rc_prog **prog,
		   struct rc_verinfo *info, struct json_object **diags);
/* {"file", "ok": false, "diagnostics"} on stdout; returns EXIT_REJECTED. */
int report_rejection(const char *path, struct json_object *diags);
struct rcode_rank_addr;
/* A hosts file's table, or its errors told and the exit status (cmd_ranks.c). */
int hosts_parse_or_report(const char *verb, const char *file,
			  struct rcode_rank_addr **t, unsigned int *n);
struct json_object *msg_json(const struct rc_msg *m);
void msg_print(const char *label, const struct rc_msg *m);
struct json_object *words_json(const uint64_t *w, uint32_t n);
void words_print(const char *name, const uint64_t *w, uint32_t n);
/* A handler's statistics: the sum of its faults; the counters added to j
 * as JSON, with "last_fault" {code, name, pc, insn} (prog may be NULL),
 * which is returned for the caller to add to (NULL: no fault); the
 * counters as text, up to and with "not for us" and its note. */
uint64_t stats_faults(const struct rc_handler_stats *s);
struct json_object *stats_json_add(struct json_object *j,
				   const struct rc_prog *prog,
				   const struct rc_handler_stats *s);
void stats_counts_print(const struct rc_handler_stats *s,
			const char *not_for_us_note);
/* "file.r:LINE:COL: insn" where the source is known, else "insn". */
/* Why a handler needs TC: "send at FILE:LINE:COL" (or "at pc N"). */
void attach_reason(const struct rc_prog *prog, const struct rc_verinfo *vi,
		   char *buf, size_t size);
void fault_where(const struct rc_prog *prog, uint32_t pc, char *buf,
		 size_t size);

/* Up to this many sends and up-calls of a run are shown one by one; all
 * are counted. */
#define RUN_EFFECTS_MAX	256
/* A run's effect log as JSON: [{"kind": "send", "rank", "message"} |
 * {"kind": "upcall", "value", "portal", "src", "tag", "seq"}]. */
struct json_object *effects_json(const struct rc_effect *fx, uint32_t n);

/* run --path xlate|interp (run_xlate.c): run the translated program, or
 * the handler on a private in-kernel interpreter (traced), under
 * BPF_PROG_TEST_RUN next to the reference interpreter on the same inputs.
 * Takes ownership of *progp (sets it to NULL).  state and windows hold
 * the initial words; ranks (NULL: none) is the table of --ranks, at most
 * RC_ABI_RANKS_MAX ranks.  Returns an exit status. */
int run_xlate(struct rc_prog **progp, const struct rc_msg *in,
	      const uint64_t *state, uint64_t *const *windows,
	      uint64_t repeat, int ipver, enum rcode_path path,
	      const struct rc_ranks *ranks);

/* ---- bpffs: what an attached handler left behind (portal_pins.c) ---------
 *
 * librcode pins a handler's objects under RC_PIN_ROOT/net-<cookie>/<ifname>/portal-<N>/
 * (rc_abi.h), its R-code too (portal-<N>/rcode: the .rbin, frozen), so
 * that later invocations (status, stats) have the handler's name, layout
 * and instructions to explain a fault pc.
 */
#define RCODE_PIN_NAME	"rcode"
/* The interpreter path (rc_abi.h): portal-<N>/code holds the handler's
 * uops, portal-<N>/trace its trace when traced; the interface's
 * interpreter is pinned under RC_PIN_ROOT/net-<cookie>/<ifname>/interp/. */
#define PIN_CODE	"code"
#define PIN_TRACE	"trace"
#define INTERP_DIR_NAME	"interp"

/* What one portal holds (rcode_portal_query()), with its R-code and
 * statistics read from the pins. */
struct portal_info {
	unsigned int portal;
	uint32_t prog_id;	/* what runs it; 0: nothing */
	uint32_t pinned_prog_id;	/* of portal-N/prog; 0: not pinned */
	bool pinned;		/* portal-N/ exists */
	enum rcode_hook hook;	/* xdp, tc, or none */
	enum rcode_tc_attach tc;	/* at TC: tcx or cls_bpf */
	bool interp;		/* on the interpreter path (portal-N/code) */
	bool traced;		/* ... and traced (portal-N/trace) */
	bool upcalls;		/* has an up-call ring */
	char name[RC_NAME_MAX];	/* handler name, "" if unknown */
	struct rc_prog *prog;	/* decoded portal-N/rcode, NULL if absent */
	bool have_stats;
	struct rc_handler_stats stats;	/* summed over CPUs */
};

int portal_dir(const char *ifname, unsigned int portal, char *buf,
	       size_t size);
/* -ENOENT when the portal has neither a program nor pins. */
int portal_info_get(const char *ifname, unsigned int portal,
		    struct portal_info *pi);
void portal_info_free(struct portal_info *pi);
/* Portals with a program or a pin directory, ascending; returns how many. */
int portals_list(const char *ifname, unsigned int *portals);
/* "xlate", "interp", "interp+trace", or "-" (neither a program nor code). */
const char *portal_path_name(const struct portal_info *pi);
/* "xdp", "tc", or "-" (not attached). */
const char *portal_hook_name(const struct portal_info *pi);
/* "tcx", "cls_bpf", or NULL (RCODE_TC_AUTO). */
const char *tc_attach_name(enum rcode_tc_attach a);

/* RC_PIN_ROOT/net-<cookie>/<ifname>/interp */
int interp_dir(const char *ifname, char *buf, size_t size);
/* The interface's pinned interpreter; -ENOENT if none is pinned (this
 * never loads one). */
int interp_open_pinned(const char *ifname, struct rcode_interp **ip);
/* A portal directory's trace and code maps (checked for their shapes):
 * read, and zero the trace.  -ENOENT when there is no such pin. */
int pinned_trace_read(const char *dir, struct rc_trace *t);
int pinned_trace_reset(const char *dir);
int pinned_icode_read(const char *dir, struct rc_icode *ic);

/* ---- other network namespaces' pins (netns_dirs.c) ----------------------- */
struct netns_dir {
	char name[48];		/* net-<cookie> or netino-<inode> */
	int interfaces;		/* directories in it */
	bool alive;		/* a namespace this process can reach has it */
};

/* The directories under RC_PIN_ROOT of network namespaces other than this
 * one, in *out (free() it); how many, or -errno. */
int netns_dirs_scan(struct netns_dir **out);
/* Remove RC_PIN_ROOT/name and everything in it. */
int netns_dir_remove(const char *name);

/* ---- traces (cmd_trace.c) ------------------------------------------------ */
/* What a trace says in a few lines (indented by two), or as JSON;
 * p (may be NULL) names the windows. */
void trace_summary_print(const struct rc_prog *p, const struct rc_trace *t);
struct json_object *trace_summary_json(const struct rc_prog *p,
				       const struct rc_trace *t);

extern const struct cmd_def cmd_assemble, cmd_disassemble, cmd_verify,
	cmd_run, cmd_help, cmd_attach, cmd_detach, cmd_status, cmd_stats,
	cmd_window, cmd_serve, cmd_trace, cmd_ranks, cmd_compile,
	cmd_features, cmd_send;

/* ---- C handlers (cmd_compile.c) ----------------------------------------- */
/* Does path name a C handler (".c")? */
bool handler_is_c(const char *path);
/* Run the C front end on path: R-code text with .loc lines in *text. */
int rcc_compile(const char *path, char **text, struct rc_diags *d);

#endif
