// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_online.c - the verbs that put handlers on an interface and look at
 * them there: attach, detach, status, stats (window is in cmd_window.c,
 * ranks in cmd_ranks.c).
 *
 * Nothing is remembered between invocations except what the kernel holds:
 * the dispatcher (found through libxdp), the portals map and the pins
 * under RC_PIN_ROOT/net-<cookie>/<ifname>/ (rc_abi.h), and the "rcode" pin that keeps
 * each handler's R-code (rloader.h).  So any invocation, or any
 * application using librcode, sees what the others did.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "rloader.h"

static const char *const mode_names[] = { "native", "skb", NULL };

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t us_since(uint64_t t0)
{
	return (mono_ns() - t0 + 500) / 1000;
}

static const char *mode_name(enum rcode_mode m)
{
	switch (m) {
	case RCODE_MODE_NATIVE:
		return "native";
	case RCODE_MODE_SKB:
		return "skb";
	case RCODE_MODE_UNSPEC:
		break;
	}
	return "-";
}

/*
 * librcode explains a failure in a message of its own and returns only
 * -errno; keep its last warning so the error we print (or put in JSON)
 * says what the library saw, e.g. which mode the dispatcher is in.
 */
static char lib_msg[512];

static int lib_print(enum rcode_print_level level, const char *fmt, va_list ap)
{
	size_t n;

	if (level != RCODE_WARN)
		return 0;
	vsnprintf(lib_msg, sizeof(lib_msg), fmt, ap);
	n = strlen(lib_msg);
	while (n && lib_msg[n - 1] == '\n')
		lib_msg[--n] = '\0';
	return 0;
}

/*
 * libbpf and libxdp: their warnings go to stderr, never to stdout (which
 * may be JSON); their chatter is dropped.  While the dispatcher is being
 * attached they are held back: libxdp probes whether it can load its own
 * multi-program dispatcher and, where it cannot (it falls back to
 * attaching ours alone, as xdp-loader does), libbpf warns about the probe.
 * Those lines matter only if the attach fails.
 */
static char *held;
static size_t held_len;
static bool holding;

static int warn_out(const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (!holding)
		return vfprintf(stderr, fmt, ap);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n > 0) {
		char *nh = realloc(held, held_len + strlen(line) + 1);

		if (nh) {
			held = nh;
			strcpy(held + held_len, line);
			held_len += strlen(line);
		}
	}
	return n;
}

static void hold_warnings(bool on, bool flush)
{
	holding = on;
	if (!on && flush && held_len)
		fputs(held, stderr);
	if (!on) {
		free(held);
		held = NULL;
		held_len = 0;
	}
}

static int bpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? warn_out(fmt, ap) : 0;
}

static int xdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return level == LIBXDP_WARN ? warn_out(fmt, ap) : 0;
}

/*
 * Set up the library callbacks.  RC_PIN_ROOT is root's (mode 0700): an
 * unprivileged caller would see no pins and conclude that nothing is
 * attached, so say so instead.  Returns an exit status.
 */
int online_init(const char *verb)
{
	lib_msg[0] = '\0';
	rcode_set_print(lib_print);
	libbpf_set_print(bpf_print);
	libxdp_set_print(xdp_print);
	/* Under `ip netns exec` the pins are out of sight: attaching would
	 * leave a dead handler, and status and stats would call everything
	 * gone.  Refused, with what to run instead. */
	if (rcode_bpffs_check() == -EXDEV)
		return fail(EXIT_SYSTEM, "%s: %s", verb, lib_msg);
	if (access(RC_PIN_ROOT, R_OK | X_OK) && errno != ENOENT)
		return fail(EXIT_SYSTEM, "%s: %s: %s (the online verbs need root, "
			    "or CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN)", verb,
			    RC_PIN_ROOT, strerror(errno));
	return EXIT_OK;
}

/* "strerror: what librcode said" */
static const char *why(int err)
{
	static char buf[640];

	snprintf(buf, sizeof(buf), "%s%s%s", strerror(err < 0 ? -err : err),
		 lib_msg[0] ? ": " : "", lib_msg);
	lib_msg[0] = '\0';
	return buf;
}

const char *lib_why(int err)
{
	return why(err);
}

bool parse_portal(uint64_t v, const char *verb, unsigned int *portal, int *st)
{
	if (v >= RC_ABI_PORTALS) {
		*st = fail(EXIT_USAGE, "%s: --portal must be 0..%d", verb,
			   RC_ABI_PORTALS - 1);
		return false;
	}
	*portal = v;
	return true;
}

static bool interface_exists(const char *ifname)
{
	return if_nametoindex(ifname) != 0;
}

/* ==== attach ============================================================= */
static const char *const path_names[] = { "xlate", "interp", NULL };

static const char *const tc_names[] = { "tcx", "cls_bpf", NULL };

struct attach_opts {
	uint64_t portal;
	int mode;		/* index into mode_names; -1: not given */
	uint64_t port;		/* 0: not given */
	bool replace;
	int path;		/* enum rcode_path, an index into path_names */
	bool trace;
	int tc;			/* index into tc_names; -1: not given */
};

static const struct attach_opts attach_defaults = { .portal = UINT64_MAX,
						    .mode = -1, .tc = -1 };

static const struct opt_def attach_optdefs[] = {
	DEFINE_OPT(attach_opts, portal, "portal", 0, OPT_U64, "N",
		   "install on portal N (default: the handler's .portal)"),
	DEFINE_ENUM_OPT(attach_opts, mode, "mode", 'm', mode_names, "MODE",
			"XDP mode of the dispatcher, if this attaches it (default "
			"native, or whatever is attached already); never falls back"),
	DEFINE_OPT(attach_opts, port, "port", 0, OPT_U64, "PORT",
		   "UDP port of R-messages (default 7117, or the attached "
		   "dispatcher's)"),
	DEFINE_OPT(attach_opts, replace, "replace", 'r', OPT_BOOL, "",
		   "replace the handler already on the portal (atomically)"),
	DEFINE_ENUM_OPT(attach_opts, path, "path", 0, path_names, "PATH",
			"xlate: translate to eBPF (default); interp: run on the "
			"interface's in-kernel R-code interpreter"),
	DEFINE_OPT(attach_opts, trace, "trace", 0, OPT_BOOL, "",
		   "with --path interp: run on the tracing interpreter, which "
		   "records what the handler does ('rloader trace')"),
	DEFINE_ENUM_OPT(attach_opts, tc, "tc", 0, tc_names, "HOW",
			"a handler that sends runs at TC ingress: with a tcx link "
			"or a cls_bpf filter (default: tcx where the kernel has "
			"it, else cls_bpf)"),
	END_OPTS
};

/* The data area and windows carry over only to a handler that declares
 * exactly the same ones: same names, same sizes, same order. */
static bool same_layout(const struct rc_prog *a, const struct rc_prog *b)
{
	if (a->nsyms != b->nsyms || a->nwindows != b->nwindows)
		return false;
	for (uint32_t i = 0; i < a->nsyms; i++)
		if (strcmp(a->syms[i].name, b->syms[i].name) ||
		    a->syms[i].words != b->syms[i].words)
			return false;
	for (uint32_t i = 0; i < a->nwindows; i++)
		if (strcmp(a->windows[i].name, b->windows[i].name) ||
		    a->windows[i].words != b->windows[i].words)
			return false;
	return true;
}

struct latency {
	uint64_t parse_verify, query, translate, load, attach, total;
	uint64_t interp;	/* opening or loading the interpreter */
};

/* What attach did besides the handler itself, for its report. */
struct attach_report {
	enum rcode_path path;
	bool trace;
	bool tc;		/* at TC ingress (the handler sends) */
	enum rcode_tc_attach tc_how;
	struct portal_info old;	/* the replaced handler (old.prog_id 0: none) */
	bool kept;		/* its data area and windows carried over */
	bool attached_now;	/* the dispatcher was attached for this one */
	bool interp_loaded;	/* this attach loaded the interpreter */
	bool interp_dropped;	/* ... or removed it: no handler uses it now */
	char interp_dir[PATH_MAX];
	char dir[PATH_MAX];
	uint32_t uops, xlated;
	__u32 prog_id;
};

static struct json_object *latency_json(const struct latency *l)
{
	struct json_object *jl = json_object_new_object();

#define L(f) json_object_object_add(jl, #f, json_object_new_int64(l->f))
	L(parse_verify); L(query); L(translate); L(load); L(attach); L(interp);
	L(total);
#undef L
	return jl;
}

static void attach_print(const char *ifname, const char *file,
			 const struct rc_prog *p, unsigned int portal,
			 const struct rcode_dispatch_info *di,
			 const struct attach_report *r, const struct latency *l,
			 struct json_object *diags)
{
	bool interp = r->path == RCODE_PATH_INTERP;
	bool replaced = r->old.hook != RCODE_HOOK_NONE;

	if (json_output) {
		struct json_object *j = json_object_new_object();
		struct json_object *jd = NULL, *ji = NULL;

		json_object_object_add(j, "interface", json_object_new_string(ifname));
		json_object_object_add(j, "file", json_object_new_string(file));
		json_object_object_add(j, "handler", json_object_new_string(p->name));
		json_object_object_add(j, "portal", json_object_new_int(portal));
		json_object_object_add(j, "prog_id", json_object_new_int64(r->prog_id));
		json_object_object_add(j, "path", json_object_new_string(path_names[r->path]));
		json_object_object_add(j, "hook", json_object_new_string(r->tc ? "tc" : "xdp"));
		json_object_object_add(j, "tc_attach", r->tc ?
				       json_object_new_string(tc_attach_name(r->tc_how)) : NULL);
		json_object_object_add(j, "trace", json_object_new_boolean(r->trace));
		json_object_object_add(j, "mode", r->tc ? NULL :
				       json_object_new_string(mode_name(di->mode)));
		json_object_object_add(j, "port", json_object_new_int(di->udp_port));
		json_object_object_add(j, "replaced", json_object_new_boolean(replaced));
		json_object_object_add(j, "replaced_prog_id", replaced ?
				       json_object_new_int64(r->old.prog_id) : NULL);
		json_object_object_add(j, "replaced_path", replaced ?
				       json_object_new_string(r->old.interp ?
							      "interp" : "xlate") : NULL);
		json_object_object_add(j, "replaced_hook", replaced ?
				       json_object_new_string(portal_hook_name(&r->old)) : NULL);
		json_object_object_add(j, "data", json_object_new_string(
			r->kept ? "kept" : "new"));
		json_object_object_add(j, "xlated_insns",
				       interp ? NULL : json_object_new_int(r->xlated));
		json_object_object_add(j, "uops",
				       interp ? json_object_new_int(r->uops) : NULL);
		if (interp || r->interp_dropped) {
			ji = json_object_new_object();
			json_object_object_add(ji, "pin_dir",
					       json_object_new_string(r->interp_dir));
			json_object_object_add(ji, "loaded_now",
					       json_object_new_boolean(r->interp_loaded));
			json_object_object_add(ji, "removed",
					       json_object_new_boolean(r->interp_dropped));
		}
		json_object_object_add(j, "interp", ji);
		if (di->attached) {
			jd = json_object_new_object();
			json_object_object_add(jd, "prog_id", json_object_new_int64(di->prog_id));
			json_object_object_add(jd, "attached_now",
					       json_object_new_boolean(r->attached_now));
			json_object_object_add(jd, "multiprog",
					       json_object_new_boolean(di->multiprog));
		}
		json_object_object_add(j, "dispatcher", jd);
		json_object_object_add(j, "pin_dir", json_object_new_string(r->dir));
		json_object_object_add(j, "latency_us", latency_json(l));
		json_object_object_add(j, "diagnostics", diags);
		out_json(j);
		return;
	}
	json_object_put(diags);
	if (r->tc)
		printf("%s: %s handler %s on portal %u: prog id %u, at TC ingress "
		       "(%s), UDP port %u\n", ifname, replaced ? "replaced the" :
		       "attached", p->name, portal, r->prog_id,
		       tc_attach_name(r->tc_how), di->udp_port);
	else
		printf("%s: %s handler %s on portal %u: prog id %u, %s mode, UDP "
		       "port %u\n", ifname, replaced ? "replaced the" : "attached",
		       p->name, portal, r->prog_id, mode_name(di->mode), di->udp_port);
	if (r->tc)
		printf("  %-13s it sends: a TC program by itself, not behind the "
		       "dispatcher\n", "hook");
	else
		printf("  %-13s %s, prog id %u%s\n", "dispatcher",
		       r->attached_now ? "attached now" : "attached already",
		       di->prog_id, di->multiprog ? " (behind libxdp's dispatcher)" : "");
	if (interp) {
		if (r->trace)
			printf("  %-13s in-kernel interpreter, traced ('rloader trace "
			       "%s %u')\n", "path", ifname, portal);
		else
			printf("  %-13s in-kernel interpreter\n", "path");
		printf("  %-13s prog id %u (one for all interpreted handlers of "
		       "%s), %s %s\n", "interpreter", r->prog_id, ifname,
		       r->interp_loaded ? "loaded now, pinned at" : "pinned at",
		       r->interp_dir);
	}
	if (replaced)
		printf("  %-13s prog id %u (%s, at %s), replaced%s\n", "old handler",
		       r->old.prog_id, r->old.interp ? "on the interpreter" :
		       "translated", portal_hook_name(&r->old),
		       (r->old.hook == RCODE_HOOK_TC) != r->tc ?
		       ": taken off its hook first" :
		       r->tc && r->old.tc != r->tc_how ?
		       ": detached first (attached another way)" : " atomically");
	if (r->interp_dropped)
		printf("  %-13s no handler runs on it any more: its pins under "
		       "%s are removed\n", "interpreter", r->interp_dir);
	if (p->state_words || p->nwindows)
		printf("  %-13s %s\n", "data, windows", r->kept ?
		       "kept from the replaced handler (same layout)" :
		       replaced && r->old.interp != interp ?
		       "new, zeroed (another path: its maps are laid out differently)" :
		       "new, zeroed");
	printf("  %-13s %s (+ %s, the R-code)\n", "pinned at", r->dir, RCODE_PIN_NAME);
	/* The four steps of installing a handler first; then what this
	 * invocation spent around them. */
	if (interp)
		printf("  %-13s parse+verify %" PRIu64 " us, compile+install %"
		       PRIu64 " us, attach %" PRIu64 " us\n", "latency",
		       l->parse_verify, l->translate, l->attach);
	else
		printf("  %-13s parse+verify %" PRIu64 " us, translate %" PRIu64
		       " us, kernel load %" PRIu64 " us, attach %" PRIu64 " us%s\n",
		       "latency", l->parse_verify, l->translate, l->load, l->attach,
		       r->attached_now ? " (the dispatcher's too)" : "");
	printf("  %-13s + query %" PRIu64 " us", "", l->query);
	if (interp)
		printf(", interpreter %s %" PRIu64 " us", r->interp_loaded ?
		       "load" : "open", l->interp);
	printf(" = %" PRIu64 " us in all\n", l->total);
	if (interp)
		printf("  %-13s %u uops for the interpreter\n", "compiled", r->uops);
	else
		printf("  %-13s %u eBPF instructions\n", "translated", r->xlated);
}

/* The interface's rank table (made empty if there is none yet); *made
 * says whether this made it, so that a failed attach can take it away
 * again.  An fd, or -errno. */
static int attach_ranks_fd(const char *ifname, bool *made)
{
	char path[PATH_MAX + 8];

	*made = !rcode_dispatch_pin_dir(ifname, path, sizeof(path) - 8) &&
		(strcat(path, "/ranks"), access(path, F_OK) != 0);
	return rcode_ranks_fd(ifname);
}

/* Undo attach_ranks_fd() that made the table: its pin, and the
 * interface's directory if nothing else is in it. */
static void attach_ranks_undo(const char *ifname)
{
	char path[PATH_MAX + 8];

	if (rcode_dispatch_pin_dir(ifname, path, sizeof(path) - 8))
		return;
	strcat(path, "/ranks");
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

/* Interpreter path: the interface's interpreter, pinned or loaded now for
 * the dispatcher's port (librcode pins it when the handler is attached).
 * Returns an exit status. */
static int attach_open_interp(const char *ifname, __u16 port,
			      struct attach_report *r, struct rcode_interp **ipp,
			      uint64_t *us, bool *made_ranks)
{
	RCODE_OPTS(rcode_interp_opts, io);
	char path[PATH_MAX + 8], why_[512] = "";
	uint64_t t0 = mono_ns();
	int err, ranks_fd = -1;

	err = interp_dir(ifname, r->interp_dir, sizeof(r->interp_dir));
	if (err)
		return fail(EXIT_USAGE, "attach: %s: %s", ifname, strerror(-err));
	snprintf(path, sizeof(path), "%s/prog", r->interp_dir);
	r->interp_loaded = access(path, F_OK) != 0;
	io.udp_port = port;
	io.pin_dir = r->interp_dir;
	/* A new interpreter forwards with the interface's rank table
	 * (RC_PIN_ROOT/net-<cookie>/<ifname>/ranks, made empty if there is none yet, so
	 * that 'rloader ranks load' fills the one it uses). */
	if (r->interp_loaded) {
		ranks_fd = attach_ranks_fd(ifname, made_ranks);
		if (ranks_fd < 0)
			return fail(EXIT_SYSTEM, "attach: %s: the rank table: %s",
				    ifname, why(ranks_fd));
		io.ranks_fd = ranks_fd;
	}
	progress_begin("attach: loading the in-kernel interpreter");
	*ipp = rcode_interp__open(&io, why_, sizeof(why_));
	progress_end();
	if (ranks_fd >= 0)
		close(ranks_fd);
	*us = us_since(t0);
	if (!*ipp) {
		err = errno;
		return fail(EXIT_SYSTEM, "attach: %s: the in-kernel interpreter: %s",
			    ifname, why_[0] ? why_ : strerror(err));
	}
	return EXIT_OK;
}

/* Does the handler forward or send?  Then it looks ranks up in the
 * interface's rank table. */
static bool uses_ranks(const struct rc_prog *p, const struct rc_verinfo *vi)
{
	for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc]))
		if ((p->insns[pc].op == RC_OP_send ||
		     p->insns[pc].op == RC_OP_forward) && vi->reachable[pc])
			return true;
	return false;
}

/* Usage errors that need to know what is on the interface: the mode and
 * port of the dispatcher, a portal that is taken.  Fills dopts (what an
 * XDP handler needs), and r->old / r->kept.  Returns an exit status. */
static int attach_check(const struct attach_opts *o, const char *ifname,
			unsigned int portal, const struct rc_prog *prog,
			struct rcode_dispatch_info *di,
			struct rcode_dispatch_opts *dopts, struct attach_report *r)
{
	bool interp = r->path == RCODE_PATH_INTERP;
	int err;

	err = rcode_dispatch_query(ifname, di);
	if (err)
		return fail(EXIT_SYSTEM, "attach: %s: %s", ifname, why(err));
	if (di->attached) {
		if (!r->tc && o->mode >= 0 &&
		    o->mode + RCODE_MODE_NATIVE != (int)di->mode)
			return fail(EXIT_USAGE, "attach: the dispatcher on %s runs in "
				    "%s mode; rloader never switches modes behind "
				    "your back: detach it first ('rloader detach %s') "
				    "or use --mode %s", ifname, mode_name(di->mode),
				    ifname, mode_name(di->mode));
		if (!r->tc && o->port && o->port != di->udp_port)
			return fail(EXIT_USAGE, "attach: the dispatcher on %s listens on "
				    "UDP port %u, not %" PRIu64 "; detach it first to "
				    "change the port", ifname, di->udp_port, o->port);
		dopts->mode = di->mode;
		dopts->udp_port = o->port ?: di->udp_port;
	} else {
		dopts->mode = o->mode < 0 ? RCODE_MODE_NATIVE :
			      (enum rcode_mode)(o->mode + RCODE_MODE_NATIVE);
		dopts->udp_port = o->port ?: RC_ABI_DEFAULT_PORT;
	}
	err = portal_dir(ifname, portal, r->dir, sizeof(r->dir));
	if (err)
		return fail(EXIT_USAGE, "attach: %s: %s", ifname, strerror(-err));
	if (portal_info_get(ifname, portal, &r->old))
		return EXIT_OK;
	if (r->old.hook == RCODE_HOOK_NONE) {
		portal_info_free(&r->old);	/* pins only: overwritten */
		memset(&r->old, 0, sizeof(r->old));
		return EXIT_OK;
	}
	if (!o->replace)
		return fail(EXIT_USAGE, "attach: portal %u on %s already runs "
			    "handler %s (prog id %u, at %s); add --replace to swap "
			    "it", portal, ifname, r->old.name[0] ? r->old.name : "?",
			    r->old.prog_id, portal_hook_name(&r->old));
	/* The two paths lay out the data area and windows differently
	 * (rcode_handler.c): only a handler on the same path can take the
	 * maps over; the hook does not matter. */
	r->kept = r->old.prog && same_layout(r->old.prog, prog) &&
		  r->old.interp == interp;
	return EXIT_OK;
}

static int do_attach(void *o_, int argc, char **argv)
{
	struct attach_opts *o = o_;
	const char *ifname = argv[0], *file = argv[1];
	RCODE_OPTS(rcode_dispatch_opts, dopts);
	RCODE_OPTS(rcode_handler_opts, hopts);
	RCODE_OPTS(rcode_attach_opts, aopts);
	struct rcode_dispatch_info di = { 0 };
	struct rc_verinfo *vi = NULL;
	struct json_object *diags = NULL;
	struct rcode_handler *h = NULL;
	struct rcode_interp *ip = NULL;
	struct rc_prog *prog = NULL;
	struct latency l = { 0 };
	struct attach_report r = { .path = o->path, .trace = o->trace };
	bool interp = o->path == RCODE_PATH_INTERP;
	struct rc_diags d;
	char path[PATH_MAX + 8];
	unsigned int portal;
	uint64_t t0, tstart;
	int st = EXIT_OK, err, ranks_fd = -1;
	bool made_ranks = false;

	(void)argc;
	if (o->trace && !interp)
		return fail(EXIT_USAGE, "attach: --trace needs --path interp: "
			    "tracing is the in-kernel interpreter's, a translated "
			    "handler (--path xlate) has none");
	rc_diags_init(&d);
	vi = calloc(1, sizeof(*vi));
	if (!vi)
		return fail(EXIT_SYSTEM, "out of memory");

	/* 1. parse and verify: nothing touches the kernel before a handler
	 * is known to be good. */
	tstart = t0 = mono_ns();
	st = load_or_report(file, true, &prog, vi, json_output ? &diags : NULL);
	l.parse_verify = us_since(t0);
	if (st == EXIT_REJECTED && json_output) {
		free(vi);
		return report_rejection(file, diags);
	}
	if (st)
		goto out;
	if (o->portal == UINT64_MAX)
		portal = prog->portal;
	else if (!parse_portal(o->portal, "attach", &portal, &st))
		goto out;
	/* The translated program checks the portal it serves itself; the
	 * interpreter installs the handler on it. */
	prog->portal = portal;
	if (o->port > UINT16_MAX) {
		st = fail(EXIT_USAGE, "attach: --port must be 1..65535");
		goto out;
	}
	r.tc = vi->needs_tc;
	if (r.tc && interp) {
		char where[256];

		fault_where(prog, vi->tc_pc, where, sizeof(where));
		st = fail(EXIT_REJECTED, "attach: %s: needs TC (send at %s); the "
			  "interpreter runs at XDP: use the translated path", file,
			  where);
		goto out;
	}
	if (r.tc && o->mode >= 0) {
		st = fail(EXIT_USAGE, "attach: --mode is the dispatcher's XDP mode, "
			  "and %s runs at TC (it sends)", file);
		goto out;
	}
	if (!r.tc && o->tc >= 0) {
		st = fail(EXIT_USAGE, "attach: --tc is for handlers that run at TC "
			  "(that send); %s runs at XDP", file);
		goto out;
	}
	/* Usage errors and a rejected handler come first: they need no
	 * privileges to be told. */
	st = online_init("attach");
	if (st)
		goto out;

	/* 2. what is there: the handler must be translated for the port
	 * the dispatcher listens on, and modes are never mixed. */
	t0 = mono_ns();
	st = attach_check(o, ifname, portal, prog, &di, &dopts, &r);
	l.query = us_since(t0);
	if (st)
		goto out;

	/* The interface's interpreter: the pinned one, or a new one for the
	 * dispatcher's port.  A kernel without the JIT refuses it here,
	 * before anything is pinned. */
	if (interp) {
		st = attach_open_interp(ifname, dopts.udp_port, &r, &ip, &l.interp,
					&made_ranks);
		if (st)
			goto out;
		hopts.path = RCODE_PATH_INTERP;
		hopts.interp = ip;
		hopts.trace = o->trace;
	}

	/* 3. translate and load (interpreter path: compile, create the maps
	 * and install the handler in the interpreter).  The data area and
	 * windows of a handler replaced by one of the same layout on the
	 * same path are the same maps, so an application that mapped a
	 * window keeps reading the live one. */
	hopts.udp_port = dopts.udp_port;
	hopts.reuse_pin_dir = r.kept ? r.dir : NULL;
	/* The interface's rank table, shared by its handlers and filled
	 * by 'rloader ranks load' (made empty if there is none yet). */
	if (!interp && uses_ranks(prog, vi)) {
		ranks_fd = attach_ranks_fd(ifname, &made_ranks);
		if (ranks_fd < 0) {
			st = fail(EXIT_SYSTEM, "attach: %s: the rank table: %s",
				  ifname, why(ranks_fd));
			goto out;
		}
		hopts.ranks_fd = ranks_fd;
	}
	h = rcode_handler__new(prog, vi, &hopts);
	if (!h) {
		st = fail(EXIT_SYSTEM, "attach: %s", strerror(errno));
		goto out;
	}
	prog = NULL;	/* the handler owns it */
	t0 = mono_ns();
	progress_begin("attach: translating and loading the handler");
	err = rcode_handler__load(h, &d);
	progress_end();
	l.load = rcode_handler__load_ns(h) / 1000;
	l.translate = us_since(t0);
	l.translate = l.translate > l.load ? l.translate - l.load : 0;
	if (err) {
		if (!json_output)
			rc_diags_print(&d, stderr);
		if (err == -EOPNOTSUPP && json_output) {
			st = report_rejection(file, diags_json(&d));
		} else if (err == -EOPNOTSUPP) {
			st = fail(EXIT_REJECTED, "attach: %s: rcode2bpf cannot "
				  "%s this handler (see above)", file,
				  interp ? "compile" : "translate");
		} else {
			st = fail(EXIT_SYSTEM, "attach: %s: %s%s", file,
				  strerror(-err), err == -EPERM ?
				  " (attaching needs root, or CAP_BPF and CAP_NET_ADMIN)" : "");
		}
		goto out;
	}
	if (interp)
		r.uops = rcode_handler__icode(h)->nuops;
	else
		r.xlated = rcode_handler__xlated(h)->ninsns;

	/* 4. librcode pins it and makes it run: behind the dispatcher
	 * (attached first if it is not), or at TC ingress. */
	aopts.mode = dopts.mode;
	aopts.replace = o->replace;
	aopts.tc = o->tc < 0 ? RCODE_TC_AUTO :
		   (enum rcode_tc_attach)(o->tc + RCODE_TC_TCX);
	t0 = mono_ns();
	if (!r.tc)
		hold_warnings(true, false);
	err = rcode_handler__attach(h, ifname, &aopts);
	if (!r.tc)
		hold_warnings(false, err);
	l.attach = us_since(t0);
	if (err) {
		st = fail(err == -EEXIST ? EXIT_USAGE : EXIT_SYSTEM,
			  "attach: %s portal %u: %s", ifname, portal, why(err));
		goto out;
	}
	l.total = us_since(tstart);
	r.attached_now = !r.tc && !di.attached;
	r.prog_id = 0;
	{
		struct bpf_prog_info pinfo = { 0 };
		__u32 plen = sizeof(pinfo);

		if (!bpf_obj_get_info_by_fd(rcode_handler__prog_fd(h), &pinfo, &plen))
			r.prog_id = pinfo.id;
	}
	if (r.tc)
		rcode_tc_query(ifname, portal, &r.tc_how, NULL);
	/* A translated handler replaced one on the interpreter, which
	 * librcode removed if no other handler uses it. */
	if (r.old.interp && !interp) {
		interp_dir(ifname, r.interp_dir, sizeof(r.interp_dir));
		snprintf(path, sizeof(path), "%s/prog", r.interp_dir);
		r.interp_dropped = access(path, F_OK) != 0;
	}
	rcode_dispatch_query(ifname, &di);
	if (r.tc)
		di.udp_port = dopts.udp_port;
	attach_print(ifname, file, rcode_handler__prog(h), portal, &di, &r, &l,
		     diags);
	diags = NULL;
out:
	if (ranks_fd >= 0)
		close(ranks_fd);
	if (st && made_ranks)
		attach_ranks_undo(ifname);
	portal_info_free(&r.old);
	json_object_put(diags);
	rcode_handler__close(h);
	rcode_interp__close(ip);
	rc_prog_free(prog);
	rc_diags_free(&d);
	free(vi);
	return st;
}

const struct cmd_def cmd_attach = {
	.name = "attach",
	.args = "IFNAME FILE",
	.min_args = 2, .max_args = 2,
	.summary = "Install a handler on an interface (translated, or interpreted; at XDP).",
	.description =
	"FILE (R-code text or .rbin) is verified, translated to eBPF by\n"
	"rcode2bpf and loaded; the kernel verifies it again.  The first attach\n"
	"on IFNAME puts rcode's dispatcher there (through libxdp, so other XDP\n"
	"programs stay); the dispatcher runs the handler for every well-formed\n"
	"R-message to its portal and passes everything else on untouched.\n"
	"\n"
	"A portal holds one handler; replacing it needs --replace and is atomic:\n"
	"each message runs the old handler or the new one.  A replacement that\n"
	"declares the same data area and windows (names, sizes, order) keeps\n"
	"their contents, and applications that mapped a window keep reading it.\n"
	"\n"
	"The handler's objects are pinned under /sys/fs/bpf/rcode/net-COOKIE/IFNAME/portal-N/\n"
	"(prog, state, stats, win-NAME, and rcode: the R-code, for 'stats').\n"
	"The output gives the program id and how long each step took.\n"
	"\n"
	"--path interp runs the handler on the interface's in-kernel R-code\n"
	"interpreter instead of translating it: one XDP program, loaded and\n"
	"pinned under /sys/fs/bpf/rcode/net-COOKIE/IFNAME/interp/ by the first such attach,\n"
	"runs every interpreted handler of the interface; installing one loads\n"
	"no program (portal-N/ holds code instead of prog).  --trace selects the\n"
	"tracing interpreter, which records what the handler executes (portal-N/\n"
	"trace; see 'rloader trace').  The interpreter needs the BPF JIT.  A\n"
	"replacement on the other path gets new, zeroed maps: the two paths lay\n"
	"out the data area and windows differently.\n"
	"\nExamples:\n"
	"  rloader attach eth0 examples/echo.r\n"
	"  rloader attach eth0 examples/counter.r --mode skb --port 7200\n"
	"  rloader attach eth0 counter-v2.r --portal 1 --replace\n"
	"  rloader attach eth0 examples/echo.r --path interp --trace\n",
	.opts = attach_optdefs,
	.opts_size = sizeof(struct attach_opts),
	.defaults = &attach_defaults,
	.run = do_attach,
};

/* ==== detach ============================================================= */
struct detach_opts {
	uint64_t portal;
	bool stale;
};

static const struct detach_opts detach_defaults = { .portal = UINT64_MAX };

static const struct opt_def detach_optdefs[] = {
	DEFINE_OPT(detach_opts, portal, "portal", 0, OPT_U64, "N",
		   "remove only the handler on portal N (the dispatcher stays)"),
	DEFINE_OPT(detach_opts, stale, "stale", 0, OPT_BOOL, "",
		   "instead of IFNAME: remove the pins of network namespaces that are gone"),
	END_OPTS
};

/* detach --stale: the directories of namespaces that no process, bind
 * mount or open file holds any more.  Their interfaces went with them;
 * the pins only keep maps and programs in memory. */
static int detach_stale(void)
{
	struct json_object *arr = json_output ? json_object_new_array() : NULL;
	struct netns_dir *v;
	int n, removed = 0, st = EXIT_OK;

	n = netns_dirs_scan(&v);
	if (n < 0) {
		json_object_put(arr);
		return fail(EXIT_SYSTEM, "detach --stale: %s: %s", RC_PIN_ROOT,
			    strerror(-n));
	}
	for (int i = 0; i < n; i++) {
		int err;

		if (v[i].alive)
			continue;
		err = netns_dir_remove(v[i].name);
		if (err) {
			st = fail(EXIT_SYSTEM, "detach --stale: %s/%s: %s",
				  RC_PIN_ROOT, v[i].name, strerror(-err));
			continue;
		}
		removed++;
		if (arr)
			json_object_array_add(arr, json_object_new_string(v[i].name));
		else
			printf("%s/%s: its network namespace is gone; removed "
			       "(%d interface%s)\n", RC_PIN_ROOT, v[i].name,
			       v[i].interfaces, v[i].interfaces == 1 ? "" : "s");
	}
	free(v);
	if (arr) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "removed", arr);
		out_json(j);
	} else if (!removed && st == EXIT_OK) {
		printf("no pins of a network namespace that is gone\n");
	}
	return st;
}

static int do_detach(void *o_, int argc, char **argv)
{
	struct detach_opts *o = o_;
	const char *ifname = argv[0];
	struct rcode_dispatch_info di = { 0 };
	struct json_object *jp = json_object_new_array();
	unsigned int portals[RC_ABI_PORTALS], portal = 0;
	bool dropped_interp = false;
	char idir[PATH_MAX], pindir[PATH_MAX];
	int n, err, st = EXIT_OK;

	if (o->stale != !argc) {
		st = fail(EXIT_USAGE, "detach: %s", o->stale ?
			  "--stale takes no IFNAME" : "IFNAME is missing");
		goto out;
	}
	if (o->portal != UINT64_MAX && !parse_portal(o->portal, "detach", &portal, &st))
		goto out;
	st = online_init("detach");
	if (st)
		goto out;
	if (o->stale) {
		st = detach_stale();
		goto out;
	}
	if (o->portal != UINT64_MAX) {
		struct portal_info pi;

		err = portal_info_get(ifname, portal, &pi);
		if (err) {
			st = fail(EXIT_SYSTEM, "detach: %s has no handler on portal %u%s",
				  ifname, portal, err == -ENOENT ? "" : why(err));
			goto out;
		}
		/* librcode takes it off its hook first (its messages are
		 * passed on from then on), then removes its pins; an
		 * interpreted handler leaves the interpreter, which goes
		 * when no handler is left on it. */
		if (pi.interp)
			interp_dir(ifname, idir, sizeof(idir));
		err = rcode_portal_detach(ifname, portal);
		if (err) {
			portal_info_free(&pi);
			st = fail(EXIT_SYSTEM, "detach: %s portal %u: %s", ifname,
				  portal, why(err));
			goto out;
		}
		if (pi.interp) {
			char path[PATH_MAX + 8];

			snprintf(path, sizeof(path), "%s/prog", idir);
			dropped_interp = access(path, F_OK) != 0;
		}
		if (json_output) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "interface", json_object_new_string(ifname));
			json_object_object_add(j, "portal", json_object_new_int(portal));
			json_object_object_add(j, "handler", pi.name[0] ?
					       json_object_new_string(pi.name) : NULL);
			json_object_object_add(j, "prog_id", json_object_new_int64(pi.prog_id));
			json_object_object_add(j, "path", json_object_new_string(
					       portal_path_name(&pi)));
			json_object_object_add(j, "hook", json_object_new_string(
					       portal_hook_name(&pi)));
			json_object_object_add(j, "tc_attach", tc_attach_name(pi.tc) ?
					       json_object_new_string(tc_attach_name(pi.tc)) : NULL);
			json_object_object_add(j, "dispatcher_detached",
					       json_object_new_boolean(false));
			json_object_object_add(j, "interp_removed",
					       json_object_new_boolean(dropped_interp));
			out_json(j);
		} else {
			printf("%s: detached handler %s from portal %u (prog id %u%s%s%s); "
			       "the dispatcher stays%s\n", ifname,
			       pi.name[0] ? pi.name : "?", portal, pi.prog_id,
			       pi.interp ? ", the interpreter" : "",
			       pi.hook == RCODE_HOOK_TC ? ", at TC: " : "",
			       pi.hook == RCODE_HOOK_TC ? tc_attach_name(pi.tc) : "",
			       dropped_interp ? "; the interpreter, used by no "
			       "other handler, is removed" : "");
		}
		portal_info_free(&pi);
		goto out;
	}

	/* Everything: say what was there, then let librcode remove it. */
	if (interface_exists(ifname))
		rcode_dispatch_query(ifname, &di);
	n = portals_list(ifname, portals);
	if (rcode_dispatch_pin_dir(ifname, pindir, sizeof(pindir)))
		snprintf(pindir, sizeof(pindir), "%s", RC_PIN_ROOT);
	err = rcode_dispatch_detach(ifname);
	if (err) {
		st = fail(EXIT_SYSTEM, "detach: %s: %s", ifname, err == -ENOENT ?
			  "rcode has nothing on this interface" : why(err));
		goto out;
	}
	for (int i = 0; i < n; i++)
		json_object_array_add(jp, json_object_new_int(portals[i]));
	if (json_output) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "interface", json_object_new_string(ifname));
		json_object_object_add(j, "portals", jp);
		jp = NULL;
		json_object_object_add(j, "dispatcher_detached",
				       json_object_new_boolean(di.attached));
		json_object_object_add(j, "dispatcher_prog_id",
				       di.attached ? json_object_new_int64(di.prog_id) : NULL);
		out_json(j);
	} else {
		printf("%s: detached %s%s%d handler%s; pins under %s removed\n",
		       ifname, di.attached ? "the dispatcher" : "",
		       di.attached ? " and " : "", n, n == 1 ? "" : "s", pindir);
	}
out:
	json_object_put(jp);
	return st;
}

const struct cmd_def cmd_detach = {
	.name = "detach",
	.args = "IFNAME | --stale",
	.min_args = 0, .max_args = 1,
	.summary = "Remove one handler (--portal) or everything rcode has on an interface.",
	.description =
	"With --portal N, the portal is emptied first (its messages are passed\n"
	"on from then on) and the handler's pins are removed; the dispatcher and\n"
	"the other handlers stay.  Without it, the dispatcher is detached (other\n"
	"XDP programs on the interface stay) and /sys/fs/bpf/rcode/net-COOKIE/IFNAME/ is\n"
	"removed with every handler in it and the in-kernel interpreter; this\n"
	"also cleans up after an interface that is gone.  A handler on the\n"
	"interpreter path detached with --portal also leaves the interpreter,\n"
	"whose pins go when no handler is left on it.  Exit status 3 if there\n"
	"was nothing to remove.\n"
	"\n"
	"--stale removes the pin directories of network namespaces that are\n"
	"gone (/sys/fs/bpf/rcode/net-COOKIE/ whose namespace no process, bind\n"
	"mount or open file holds): their interfaces went with them, and their\n"
	"pins only keep maps and programs in memory.  'rloader status' counts\n"
	"them.\n"
	"\nExamples:\n"
	"  rloader detach eth0 --portal 2\n"
	"  rloader detach eth0\n"
	"  rloader detach --stale\n",
	.opts = detach_optdefs,
	.opts_size = sizeof(struct detach_opts),
	.defaults = &detach_defaults,
	.run = do_detach,
};

/* ==== status ============================================================= */
struct status_opts {
	bool unused;
};

static const struct opt_def status_optdefs[] = { END_OPTS };

static struct json_object *status_iface_json(const char *ifname,
					     const struct rcode_dispatch_info *di,
					     bool exists)
{
	struct json_object *j = json_object_new_object();
	char dir[PATH_MAX];

	json_object_object_add(j, "interface", json_object_new_string(ifname));
	json_object_object_add(j, "exists", json_object_new_boolean(exists));
	json_object_object_add(j, "attached", json_object_new_boolean(di->attached));
	json_object_object_add(j, "mode", di->attached ?
			       json_object_new_string(mode_name(di->mode)) : NULL);
	json_object_object_add(j, "port", di->attached ?
			       json_object_new_int(di->udp_port) : NULL);
	json_object_object_add(j, "prog_id", di->attached ?
			       json_object_new_int64(di->prog_id) : NULL);
	json_object_object_add(j, "multiprog", json_object_new_boolean(di->multiprog));
	json_object_object_add(j, "pinned", json_object_new_boolean(di->pinned));
	json_object_object_add(j, "pin_dir", rcode_dispatch_pin_dir(ifname, dir,
			       sizeof(dir)) ? NULL : json_object_new_string(dir));
	return j;
}

#define STATUS_RULE \
	"-----------------------------------------------------------------" \
	"---------------------------------------------------"

/* One interface: its row, then one row per portal.  Returns the number
 * of handlers. */
static int status_one(const char *ifname, struct json_object *arr)
{
	struct rcode_dispatch_info di = { 0 };
	unsigned int portals[RC_ABI_PORTALS];
	struct json_object *jp = NULL, *ji = NULL;
	bool exists = interface_exists(ifname);
	char dir[PATH_MAX];
	int n;

	if (exists)
		rcode_dispatch_query(ifname, &di);
	else if (!rcode_dispatch_pin_dir(ifname, dir, sizeof(dir)))
		di.pinned = !access(dir, F_OK);
	n = portals_list(ifname, portals);
	if (arr) {
		ji = status_iface_json(ifname, &di, exists);
		jp = json_object_new_array();
	} else if (!di.attached) {
		printf("%-16s %-7s %5s  %-10s %s\n", ifname, "-", "-", "-",
		       !exists ? "<no such interface; pins left: 'rloader detach' "
		       "removes them>" : di.pinned ? "<pins left, dispatcher not "
		       "attached: attach again, or detach>" : n ?
		       "<no rcode dispatcher: handlers at TC only>" :
		       "<no rcode dispatcher>");
	} else {
		char id[16];

		snprintf(id, sizeof(id), "%u", di.prog_id);
		printf("%-16s %-7s %5u  %-10s %s%s\n", ifname, mode_name(di.mode),
		       di.udp_port, id, di.multiprog ? "via libxdp's dispatcher" :
		       "alone on the interface", di.pinned ? "" :
		       " <pins gone: no handler runs, no counters; 'rloader "
		       "detach' removes it>");
	}
	for (int i = 0; i < n; i++) {
		struct portal_info pi;
		const struct rc_handler_stats *s = &pi.stats;

		if (portal_info_get(ifname, portals[i], &pi))
			continue;
		if (jp) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "portal", json_object_new_int(pi.portal));
			json_object_object_add(j, "handler", pi.name[0] ?
					       json_object_new_string(pi.name) : NULL);
			json_object_object_add(j, "prog_id", json_object_new_int64(pi.prog_id));
			json_object_object_add(j, "path", json_object_new_string(
					       portal_path_name(&pi)));
			json_object_object_add(j, "hook", json_object_new_string(
					       portal_hook_name(&pi)));
			json_object_object_add(j, "tc_attach", tc_attach_name(pi.tc) ?
					       json_object_new_string(tc_attach_name(pi.tc)) : NULL);
			json_object_object_add(j, "trace", json_object_new_boolean(pi.traced));
			json_object_object_add(j, "installed", json_object_new_boolean(pi.prog_id));
			json_object_object_add(j, "pinned", json_object_new_boolean(pi.pinned));
			json_object_object_add(j, "invocations", json_object_new_uint64(s->invocations));
			json_object_object_add(j, "drop", json_object_new_uint64(s->drop));
			json_object_object_add(j, "pass", json_object_new_uint64(s->pass));
			json_object_object_add(j, "reply", json_object_new_uint64(s->reply));
			json_object_object_add(j, "faults", json_object_new_uint64(stats_faults(s)));
			json_object_array_add(jp, j);
		} else {
			char id[16];

			snprintf(id, sizeof(id), pi.prog_id ? "%u" : "-", pi.prog_id);
			printf(" => %-12u %-16s %-12s %-4s %-10s %12" PRIu64 " %10" PRIu64
			       " %10" PRIu64 " %10" PRIu64 " %8" PRIu64 "%s\n", pi.portal,
			       pi.name[0] ? pi.name : "?", portal_path_name(&pi),
			       portal_hook_name(&pi), id,
			       (uint64_t)s->invocations,
			       (uint64_t)s->drop, (uint64_t)s->pass, (uint64_t)s->reply, stats_faults(s),
			       pi.prog_id ? "" : "  (pins only)");
		}
		portal_info_free(&pi);
	}
	if (ji) {
		json_object_object_add(ji, "portals", jp);
		json_object_array_add(arr, ji);
	}
	return n;
}

static int do_status(void *o_, int argc, char **argv)
{
	struct json_object *arr = json_output ? json_object_new_array() : NULL;
	struct if_nameindex *ifs = NULL;
	int shown = 0;

	(void)o_;
	if (online_init("status")) {
		json_object_put(arr);
		return EXIT_SYSTEM;
	}
	if (!arr) {
		printf("%-16s %-7s %5s  %-10s %s\n", "Interface", "Mode", "Port",
		       "Prog ID", "Dispatcher");
		printf(" => %-12s %-16s %-12s %-4s %-10s %12s %10s %10s %10s %8s\n",
		       "Portal", "Handler", "Path", "Hook", "Prog ID", "Invocations",
		       "Drop", "Pass", "Reply", "Faults");
		printf("%s\n", STATUS_RULE);
	}
	if (argc) {
		if (!interface_exists(argv[0])) {
			char dir[PATH_MAX];

			if (rcode_dispatch_pin_dir(argv[0], dir, sizeof(dir)) ||
			    access(dir, F_OK)) {
				json_object_put(arr);
				return fail(EXIT_SYSTEM, "status: %s: no such "
					    "interface, and no pins of it", argv[0]);
			}
		}
		status_one(argv[0], arr);
		shown = 1;
	} else {
		/* Every interface of this network namespace that rcode is on;
		 * others (and pins of gone interfaces) by name only. */
		ifs = if_nameindex();
		for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
			struct rcode_dispatch_info di;
			unsigned int portals[RC_ABI_PORTALS];

			/* The dispatcher, or handlers at TC alone. */
			if (rcode_dispatch_query(i->if_name, &di) ||
			    (!di.attached && !di.pinned &&
			     !portals_list(i->if_name, portals)))
				continue;
			status_one(i->if_name, arr);
			shown++;
		}
		if (ifs)
			if_freenameindex(ifs);
		if (!shown && !arr)
			printf("%-16s <rcode is on no interface of this network "
			       "namespace>\n", "");
	}
	if (arr) {
		out_json(arr);
	} else {
		char ns[PATH_MAX];

		struct netns_dir *v = NULL;
		int others = argc ? 0 : netns_dirs_scan(&v), gone = 0;

		for (int i = 0; i < others; i++)
			gone += !v[i].alive;
		free(v);
		if (!rcode_netns_pin_dir(ns, sizeof(ns)))
			printf("(pins of this network namespace: %s/", ns);
		if (others > 0)
			printf("; pins of %d other namespace%s, %d of %s gone%s", others,
			       others == 1 ? "" : "s", gone, others == 1 ? "it" : "them",
			       gone ? ": 'rloader detach --stale' removes those" : "");
		printf(")\n");
	}
	return EXIT_OK;
}

const struct cmd_def cmd_status = {
	.name = "status",
	.args = "[IFNAME]",
	.min_args = 0, .max_args = 1,
	.summary = "Show where the dispatcher runs and which handler is on each portal.",
	.description =
	"A fixed table, as 'xdp-loader status' prints: per interface the XDP\n"
	"mode, the R-message UDP port and the dispatcher's program id, then\n"
	"(rows starting with =>) per portal the handler's name, its path (xlate:\n"
	"translated to eBPF; interp: on the in-kernel interpreter; interp+trace:\n"
	"on the tracing interpreter), program id (an interpreted handler's is\n"
	"the interpreter's), invocations, actions taken (drop, pass, reply) and\n"
	"faults.  Without IFNAME, every interface of this network namespace\n"
	"that rcode is on.  The last line names this namespace's pin directory,\n"
	"/sys/fs/bpf/rcode/net-COOKIE/ (interfaces of one name in two network\n"
	"namespaces never share pins).\n"
	"JSON: an array with one object per interface, with its \"pin_dir\".\n"
	"\nExamples:\n"
	"  rloader status\n"
	"  rloader -p status eth0\n",
	.opts = status_optdefs,
	.opts_size = sizeof(struct status_opts),
	.run = do_status,
};

/* ==== stats ============================================================== */
struct stats_opts {
	uint64_t portal;
};

static const struct stats_opts stats_defaults = { .portal = UINT64_MAX };

static const struct opt_def stats_optdefs[] = {
	DEFINE_OPT(stats_opts, portal, "portal", 0, OPT_U64, "N",
		   "only the handler on portal N (with the dispatcher's counters)"),
	END_OPTS
};

#define DC(f, text) { #f, offsetof(struct rc_dispatch_stats, f), text }
static const struct {
	const char *name;
	size_t off;
	const char *text;
} dcounters[] = {
	DC(packets, "every packet the dispatcher saw"),
	DC(not_udp_port, "not UDP to the R-message port: passed on"),
	DC(dispatched, "handed to a handler"),
	DC(no_handler, "well-formed, no handler on the portal: passed on"),
	DC(bad_short, "malformed: shorter than the R-message header"),
	DC(bad_magic, "malformed: magic is not \"RM\""),
	DC(bad_version, "malformed: unknown version"),
	DC(bad_length, "malformed: len disagrees with the datagram"),
	DC(bad_portal, "malformed: portal above 255"),
};
#undef DC
#define NDCOUNTERS (sizeof(dcounters) / sizeof(dcounters[0]))

static uint64_t dcounter(const struct rc_dispatch_stats *s, size_t i)
{
	return *(const __u64 *)((const char *)s + dcounters[i].off);
}

/* A traced handler's trace from its pins; NULL if it has none (or it
 * cannot be read). */
static struct rc_trace *portal_trace(const char *ifname,
				     const struct portal_info *pi)
{
	struct rc_trace *t;
	char dir[PATH_MAX];

	if (!pi->traced || portal_dir(ifname, pi->portal, dir, sizeof(dir)))
		return NULL;
	t = malloc(sizeof(*t));
	if (t && pinned_trace_read(dir, t)) {
		free(t);
		t = NULL;
	}
	return t;
}

static __u32 fd_prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/* The interface's in-kernel interpreter, if one is pinned: its own
 * counters (struct rc_interp_stats, summed over CPUs).  JSON: the object,
 * or NULL; plain: printed. */
static struct json_object *interp_stats(const char *ifname, bool json)
{
	struct rcode_interp *ip;
	struct rc_interp_stats s;
	char dir[PATH_MAX];
	__u32 id[2];
	int err;

	if (interp_open_pinned(ifname, &ip))
		return NULL;
	err = rcode_interp__read_stats(ip, &s);
	id[0] = fd_prog_id(rcode_interp__prog_fd(ip, false));
	id[1] = fd_prog_id(rcode_interp__prog_fd(ip, true));
	rcode_interp__close(ip);
	interp_dir(ifname, dir, sizeof(dir));
	if (json) {
		struct json_object *j = json_object_new_object();
		struct json_object *jc = json_object_new_object();

		json_object_object_add(j, "pin_dir", json_object_new_string(dir));
		json_object_object_add(j, "prog_id", json_object_new_int64(id[0]));
		json_object_object_add(j, "prog_trace_id", json_object_new_int64(id[1]));
		if (!err) {
			json_object_object_add(jc, "packets", json_object_new_uint64(s.packets));
			json_object_object_add(jc, "dispatched", json_object_new_uint64(s.dispatched));
			json_object_object_add(jc, "not_for_us", json_object_new_uint64(s.not_for_us));
			json_object_object_add(jc, "no_handler", json_object_new_uint64(s.no_handler));
		}
		json_object_object_add(j, "counters", err ? NULL : jc);
		if (err)
			json_object_put(jc);
		return j;
	}
	printf("\n%s: in-kernel interpreter, prog id %u (tracing: %u), pinned at "
	       "%s\n", ifname, id[0], id[1], dir);
	if (err) {
		printf("  (its counters cannot be read: %s)\n", strerror(-err));
		return NULL;
	}
	printf("  %-14s %12" PRIu64 "  every packet it saw (both programs)\n",
	       "packets", (uint64_t)s.packets);
	printf("  %-14s %12" PRIu64 "  ran a handler\n", "dispatched",
	       (uint64_t)s.dispatched);
	printf("  %-14s %12" PRIu64 "  not a well-formed R-message: passed on "
	       "(the dispatcher sends none)\n", "not_for_us", (uint64_t)s.not_for_us);
	printf("  %-14s %12" PRIu64 "  no handler installed on its portal: "
	       "passed on\n", "no_handler", (uint64_t)s.no_handler);
	return NULL;
}

static struct json_object *handler_stats_json(const char *ifname,
					      const struct portal_info *pi)
{
	const struct rc_handler_stats *s = &pi->stats;
	struct rc_trace *t = portal_trace(ifname, pi);
	struct json_object *j = json_object_new_object();
	struct json_object *lf;

	json_object_object_add(j, "portal", json_object_new_int(pi->portal));
	json_object_object_add(j, "handler", pi->name[0] ?
			       json_object_new_string(pi->name) : NULL);
	json_object_object_add(j, "prog_id", json_object_new_int64(pi->prog_id));
	json_object_object_add(j, "path", json_object_new_string(portal_path_name(pi)));
	json_object_object_add(j, "hook", json_object_new_string(portal_hook_name(pi)));
	json_object_object_add(j, "tc_attach", tc_attach_name(pi->tc) ?
			       json_object_new_string(tc_attach_name(pi->tc)) : NULL);
	json_object_object_add(j, "trace", t ? trace_summary_json(pi->prog, t) : NULL);
	free(t);
	lf = stats_json_add(j, pi->prog, s);
	if (lf)
		json_object_object_add(lf, "age_ns", json_object_new_uint64(
			mono_ns() - s->last_fault_ns));
	return j;
}

static void handler_stats_print(const char *ifname, const struct portal_info *pi)
{
	const struct rc_handler_stats *s = &pi->stats;
	struct rc_trace *t = portal_trace(ifname, pi);

	printf("\nportal %u: handler %s, prog id %u, path %s, at %s%s%s\n",
	       pi->portal, pi->name[0] ? pi->name : "?", pi->prog_id,
	       portal_path_name(pi), portal_hook_name(pi),
	       pi->hook == RCODE_HOOK_TC ? " by " : "",
	       pi->hook == RCODE_HOOK_TC ? tc_attach_name(pi->tc) : "");
	if (t) {
		printf("  trace (the tracing interpreter; 'rloader trace %s %u' "
		       "for the detail):\n", ifname, pi->portal);
		trace_summary_print(pi->prog, t);
		free(t);
		printf("  statistics:\n");
	}
	if (!pi->have_stats) {
		printf("  (no statistics pinned for this portal)\n");
		return;
	}
	stats_counts_print(s, pi->hook == RCODE_HOOK_TC ?
			   "not R-messages for this portal: at TC every packet "
			   "of the interface reaches the handler" :
			   "not R-messages for this portal; the dispatcher "
			   "sends none");
	if (s->last_fault_ns) {
		char insn[96] = "?";

		if (pi->prog && s->last_fault_pc < pi->prog->ninsns)
			rc_insn_format(pi->prog, s->last_fault_pc, insn, sizeof(insn));
		printf("  %-14s %s (%" PRIu64 ") at pc %" PRIu64 ": %s, %.1f s ago\n",
		       "last fault", rc_fault_name((uint64_t)s->last_fault_code) ?: "?",
		       (uint64_t)s->last_fault_code, (uint64_t)s->last_fault_pc, insn,
		       (mono_ns() - s->last_fault_ns) / 1e9);
	} else {
		printf("  %-14s none\n", "last fault");
	}
}

static int do_stats(void *o_, int argc, char **argv)
{
	struct stats_opts *o = o_;
	const char *ifname = argv[0];
	struct rcode_dispatch_info di = { 0 };
	struct rc_dispatch_stats ds;
	unsigned int portals[RC_ABI_PORTALS], portal = 0;
	struct json_object *jroot = NULL, *jh = NULL;
	uint64_t malformed;
	bool no_dispatcher = false;
	int n, err, st = EXIT_OK;

	/* 'stats IFNAME PORTAL' is 'stats IFNAME --portal PORTAL'. */
	if (argc == 2) {
		uint64_t v;

		if (!parse_u64(argv[1], &v) ||
		    (o->portal != UINT64_MAX && o->portal != v))
			return fail(EXIT_USAGE, "stats: PORTAL must be a number "
				    "(and agree with --portal), not '%s'", argv[1]);
		o->portal = v;
	}
	if (o->portal != UINT64_MAX && !parse_portal(o->portal, "stats", &portal, &st))
		return st;
	if (online_init("stats"))
		return EXIT_SYSTEM;
	if (interface_exists(ifname))
		rcode_dispatch_query(ifname, &di);
	/* Handlers at TC run without the dispatcher. */
	err = rcode_dispatch_stats(ifname, &ds);
	if (err == -ENOENT && portals_list(ifname, portals)) {
		memset(&ds, 0, sizeof(ds));
		no_dispatcher = true;
	} else if (err == -ENOENT && di.attached) {
		/* What status shows as "pins gone": the program runs, its
		 * counters cannot be found, and nothing it could run is left. */
		return fail(EXIT_SYSTEM, "stats: %s: the dispatcher is attached "
			    "(prog id %u) but its pins are gone, so are its counters "
			    "and handlers; 'rloader detach %s' removes it", ifname,
			    di.prog_id, ifname);
	} else if (err) {
		return fail(EXIT_SYSTEM, "stats: %s: %s", ifname, err == -ENOENT ?
			    "no rcode dispatcher (nothing attached)" : why(err));
	}
	if (o->portal != UINT64_MAX) {
		portals[0] = portal;
		n = 1;
	} else {
		n = portals_list(ifname, portals);
	}
	malformed = ds.bad_short + ds.bad_magic + ds.bad_version +
		    ds.bad_length + ds.bad_portal;
	if (json_output) {
		struct json_object *j = json_object_new_object();
		struct json_object *jd = json_object_new_object();
		struct json_object *jc = json_object_new_object();
		struct json_object *jm = json_object_new_object();

		json_object_object_add(j, "interface", json_object_new_string(ifname));
		json_object_object_add(jd, "attached", json_object_new_boolean(di.attached));
		json_object_object_add(jd, "prog_id", di.attached ?
				       json_object_new_int64(di.prog_id) : NULL);
		json_object_object_add(jd, "mode", di.attached ?
				       json_object_new_string(mode_name(di.mode)) : NULL);
		json_object_object_add(jd, "port", di.attached ?
				       json_object_new_int(di.udp_port) : NULL);
		for (size_t i = 0; i < NDCOUNTERS; i++)
			json_object_object_add(jc, dcounters[i].name,
					       json_object_new_uint64(dcounter(&ds, i)));
		json_object_object_add(jd, "counters", jc);
		json_object_object_add(jm, "total", json_object_new_uint64(malformed));
		json_object_object_add(jm, "short", json_object_new_uint64(ds.bad_short));
		json_object_object_add(jm, "magic", json_object_new_uint64(ds.bad_magic));
		json_object_object_add(jm, "version", json_object_new_uint64(ds.bad_version));
		json_object_object_add(jm, "length", json_object_new_uint64(ds.bad_length));
		json_object_object_add(jm, "portal", json_object_new_uint64(ds.bad_portal));
		json_object_object_add(jd, "malformed", jm);
		if (no_dispatcher) {
			json_object_put(jd);
			jd = NULL;
		}
		json_object_object_add(j, "dispatcher", jd);
		json_object_object_add(j, "interp", interp_stats(ifname, true));
		jh = json_object_new_array();
		json_object_object_add(j, "handlers", jh);
		jroot = j;	/* printed once the handlers are in */
	} else if (no_dispatcher) {
		printf("%s: no dispatcher (the handlers run at TC)\n", ifname);
	} else {
		printf("%s: dispatcher", ifname);
		if (di.attached)
			printf(" prog id %u, %s mode, UDP port %u\n", di.prog_id,
			       mode_name(di.mode), di.udp_port);
		else
			printf(" not attached (counters from its pinned map)\n");
		for (size_t i = 0; i < NDCOUNTERS; i++)
			printf("  %-14s %12" PRIu64 "  %s\n", dcounters[i].name,
			       dcounter(&ds, i), dcounters[i].text);
		printf("  %-14s %12" PRIu64 "  all malformed R-messages (passed on "
		       "untouched)\n", "malformed", malformed);
		interp_stats(ifname, false);
	}
	for (int i = 0; i < n; i++) {
		struct portal_info pi;

		err = portal_info_get(ifname, portals[i], &pi);
		if (err) {
			if (o->portal == UINT64_MAX)
				continue;
			json_object_put(jroot);
			return fail(EXIT_SYSTEM, "stats: %s has no handler on portal %u",
				    ifname, portals[i]);
		}
		if (jh)
			json_object_array_add(jh, handler_stats_json(ifname, &pi));
		else
			handler_stats_print(ifname, &pi);
		portal_info_free(&pi);
	}
	if (jroot)
		out_json(jroot);
	else if (!n)
		printf("\n(no handlers)\n");
	return st;
}

const struct cmd_def cmd_stats = {
	.name = "stats",
	.args = "IFNAME [PORTAL]",
	.min_args = 1, .max_args = 2,
	.summary = "Show the dispatcher's counters and each handler's statistics.",
	.description =
	"The dispatcher counts every packet it saw, the R-messages it handed to\n"
	"a handler, the well-formed ones without a handler, and the malformed\n"
	"ones by reason (docs/wire.md, section 2); malformed messages are passed\n"
	"on untouched.  Per handler: invocations, actions, faults by name and\n"
	"code, budget aborts, and the last fault with its pc and the R-code\n"
	"instruction there (read back from the handler's rcode pin).  Counters\n"
	"are summed over CPUs and count from the attach.  Each handler's path\n"
	"(xlate, interp, interp+trace); for a traced handler also its trace's\n"
	"summary (runs, instructions, time per run, stack high-water mark,\n"
	"reads and writes; 'rloader trace' has the detail).  Where handlers run\n"
	"on the in-kernel interpreter, its own counters too.  PORTAL is the\n"
	"same as --portal.\n"
	"\nExamples:\n"
	"  rloader stats eth0\n"
	"  rloader -p stats eth0 --portal 2\n"
	"  rloader stats eth0 2\n",
	.opts = stats_optdefs,
	.opts_size = sizeof(struct stats_opts),
	.defaults = &stats_defaults,
	.run = do_stats,
};
