// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_serve.c - rloader serve: run a handler at user level, in this
 * process, on every R-message that reaches the UDP port on an interface
 * (librcode's rcode_serve), until a signal, a count or a time ends it;
 * then show what it counted and the final data area and windows.  The
 * baseline that the in-kernel path (attach) is measured against.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "librcode.h"
#include "rloader.h"

struct serve_opts {
	uint64_t port;
	uint64_t count;
	uint64_t duration;
	struct opt_list state, window;
	const char *native;
	bool ipv4;
	struct opt_list rank;
	const char *hosts;
	const char *self;	/* NULL: not given */
};

static const struct opt_def serve_optdefs[] = {
	DEFINE_OPT(serve_opts, port, "port", 0, OPT_U64, "N",
		   "UDP port of R-messages (default 7117)"),
	DEFINE_OPT(serve_opts, count, "count", 'n', OPT_U64, "N",
		   "stop after N datagrams (R-messages or not)"),
	DEFINE_OPT(serve_opts, duration, "duration", 't', OPT_U64, "SEC",
		   "stop after SEC seconds"),
	DEFINE_OPT(serve_opts, state, "state", 's', OPT_MULTI, "NAME[+K]=V[,V..]",
		   "initial data-area words"),
	DEFINE_OPT(serve_opts, window, "window", 'w', OPT_MULTI, "NAME[+K]=V[,V..]",
		   "initial window words"),
	DEFINE_OPT(serve_opts, native, "native", 0, OPT_STRING, "NAME",
		   "run the native C handler NAME (echo, counter, gsum, barrier) "
		   "instead of the reference interpreter; the file gives the layout"),
	DEFINE_OPT(serve_opts, ipv4, "ipv4", '4', OPT_BOOL, "",
		   "bind an IPv4 socket only (default: IPv4 and IPv6, dual-stack)"),
	DEFINE_OPT(serve_opts, rank, "rank", 'r', OPT_MULTI, "R,ADDR[,PORT]",
		   "where rank R is, for forward and send (repeatable; PORT "
		   "defaults to --port)"),
	DEFINE_OPT(serve_opts, hosts, "hosts", 'H', OPT_STRING, "FILE",
		   "the job's hosts file (RANK ADDRESS [PORT|-] [MAC|-] per "
		   "line), instead of --rank"),
	DEFINE_OPT(serve_opts, self, "self", 0, OPT_STRING, "S",
		   "this node's rank (default: the rank whose address is "
		   "IFNAME's with --hosts, else 0)"),
	END_OPTS
};

/* "R,ADDR[,PORT]": one rank's address, for a table given on the command
 * line; a job's table is a hosts file (--hosts, rcode_ranks_parse()). */
static int parse_rank(const char *spec, struct rcode_rank_addr *r)
{
	char buf[128], *addr, *port;
	uint64_t v;

	if (strlen(spec) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, spec);
	addr = strchr(buf, ',');
	if (!addr)
		return -EINVAL;
	*addr++ = '\0';
	port = strchr(addr, ',');
	if (port)
		*port++ = '\0';
	memset(r, 0, sizeof(*r));
	if (!parse_u64(buf, &v) || v >= RC_ABI_RANKS_MAX)
		return -EINVAL;
	r->rank = v;
	if (inet_pton(AF_INET, addr, r->addr) == 1)
		r->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, r->addr) == 1)
		r->family = AF_INET6;
	else
		return -EINVAL;
	if (port && (!parse_u64(port, &v) || !v || v > UINT16_MAX))
		return -EINVAL;
	r->port = port ? v : 0;
	return 0;
}

/*
 * --hosts FILE: the table from a hosts file, with rcode_ranks_parse()'s
 * FILE:LINE:COL errors; this node's rank found from IFNAME's addresses
 * unless --self gave it (find_self).  *ranks is malloc'd on success.
 */
static int serve_hosts(const char *file, const char *ifname, bool find_self,
		       struct rcode_rank_addr **ranks, unsigned int *n,
		       uint32_t *self)
{
	int err = hosts_parse_or_report("serve: --hosts", file, ranks, n);

	if (err)
		return err;
	if (!find_self)
		return EXIT_OK;
	if (!ifname) {
		free(*ranks);
		*ranks = NULL;
		return fail(EXIT_USAGE, "serve: --hosts on 'any': give --self, "
			    "there is no interface to find this node's rank on");
	}
	err = rcode_ranks_find_self(ifname, *ranks, *n, self);
	if (err) {
		free(*ranks);
		*ranks = NULL;
		/* librcode has said why (none or several ranks are here) */
		return fail(EXIT_USAGE, "serve: --hosts %s: this node's rank is "
			    "not clear on %s%s%s; give --self", file, ifname,
			    err == -ENOENT || err == -EEXIST ? "" : ": ",
			    err == -ENOENT || err == -EEXIST ? "" : strerror(-err));
	}
	return EXIT_OK;
}

/* Up-calls: printed as they come, or kept for the JSON document. */
#define SERVE_UPCALLS_KEPT	1000

struct upcalls {
	struct json_object *list;	/* JSON mode */
	uint64_t n;
};

static void on_upcall(void *ctx, const struct rc_upcall *u)
{
	struct upcalls *uc = ctx;

	uc->n++;
	if (!uc->list) {
		printf("upcall value %" PRIu64 "  portal %u  src %u  tag %u  "
		       "seq %u\n", (uint64_t)u->value, u->portal, u->src, u->tag,
		       u->seq);
		fflush(stdout);
	} else if (uc->n <= SERVE_UPCALLS_KEPT) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "value", json_object_new_uint64(u->value));
		json_object_object_add(j, "portal", json_object_new_int(u->portal));
		json_object_object_add(j, "src", json_object_new_int64(u->src));
		json_object_object_add(j, "tag", json_object_new_int64(u->tag));
		json_object_object_add(j, "seq", json_object_new_int64(u->seq));
		json_object_array_add(uc->list, j);
	}
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Does the file's layout hold what the native handler writes? */
static bool native_fits(const struct rcode_native *n, const struct rc_prog *p)
{
	if (p->state_words < n->state_words)
		return false;
	for (uint32_t k = 0; k < RCODE_SERVE_WINDOWS; k++)
		if (n->window_words[k] &&
		    (k >= p->nwindows || p->windows[k].words < n->window_words[k]))
			return false;
	return true;
}

static struct json_object *stats_json(const struct rc_prog *prog,
				      const struct rc_handler_stats *s)
{
	struct json_object *j = json_object_new_object();
	struct json_object *lf = stats_json_add(j, prog, s);

	if (lf) {
		char where[256] = "";

		if (s->last_fault_pc < prog->ninsns)
			fault_where(prog, s->last_fault_pc, where, sizeof(where));
		json_object_object_add(lf, "where", where[0] ?
				       json_object_new_string(where) : NULL);
	}
	return j;
}

static void stats_print(const struct rc_prog *prog,
			const struct rc_handler_stats *s)
{
	stats_counts_print(s, "not R-messages, or for another portal");
	if (s->last_fault_ns) {
		char where[256] = "?";

		if (s->last_fault_pc < prog->ninsns)
			fault_where(prog, s->last_fault_pc, where, sizeof(where));
		printf("  %-14s %s (%" PRIu64 ") at pc %" PRIu64 ": %s\n",
		       "last fault", rc_fault_name(s->last_fault_code) ?: "?",
		       (uint64_t)s->last_fault_code, (uint64_t)s->last_fault_pc,
		       where);
	} else {
		printf("  %-14s none\n", "last fault");
	}
}

static void data_out(const struct rc_prog *prog, const struct rcode_serve *srv,
		     struct json_object *j)
{
	const uint64_t *state = rcode_serve__state(srv);
	uint32_t off = 0;

	if (j) {
		struct json_object *js = json_object_new_object();
		struct json_object *jw = json_object_new_object();

		for (uint32_t i = 0; i < prog->nsyms; off += prog->syms[i++].words)
			json_object_object_add(js, prog->syms[i].name,
					       words_json(state + off, prog->syms[i].words));
		for (uint32_t i = 0; i < prog->nwindows; i++)
			json_object_object_add(jw, prog->windows[i].name,
					       words_json(rcode_serve__window(srv, i),
							  prog->windows[i].words));
		json_object_object_add(j, "state", js);
		json_object_object_add(j, "windows", jw);
		return;
	}
	if (prog->nsyms) {
		printf("  %-14s", "state");
		for (uint32_t i = 0; i < prog->nsyms; off += prog->syms[i++].words)
			words_print(prog->syms[i].name, state + off, prog->syms[i].words);
		putchar('\n');
	}
	if (prog->nwindows) {
		printf("  %-14s", "windows");
		for (uint32_t i = 0; i < prog->nwindows; i++)
			words_print(prog->windows[i].name, rcode_serve__window(srv, i),
				    prog->windows[i].words);
		putchar('\n');
	}
}

static int do_serve(void *o_, int argc, char **argv)
{
	struct serve_opts *o = o_;
	const char *ifname = argv[0], *path = argv[1], *why;
	bool any_if = !strcmp(ifname, "any");
	const struct rcode_native *nat = NULL;
	struct json_object *diags = NULL;
	struct rcode_serve *srv = NULL;
	struct rc_handler_stats st;
	struct rc_prog *prog = NULL;
	struct rcode_rank_addr given[OPT_LIST_MAX], *ranks = given;
	unsigned int nranks = o->rank.n;
	uint32_t self = 0;
	struct upcalls uc = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	const char *stopped = "signal";
	uint64_t taken = 0;
	double t0, deadline;
	int status, r;

	(void)argc;
	if (o->port > UINT16_MAX)
		return fail(EXIT_USAGE, "serve: --port must be 1..65535");
	if (o->native && !(nat = rcode_native_find(o->native)))
		return fail(EXIT_USAGE, "serve: no native handler '%s' (there "
			    "are: echo, counter, gsum, barrier)", o->native);
	for (int i = 0; i < o->rank.n; i++) {
		if (parse_rank(o->rank.v[i], &given[i]))
			return fail(EXIT_USAGE, "serve: --rank %s: expected "
				    "R,ADDRESS[,PORT] with R below %d",
				    o->rank.v[i], RC_ABI_RANKS_MAX);
		for (int k = 0; k < i; k++)
			if (given[k].rank == given[i].rank)
				return fail(EXIT_USAGE, "serve: rank %u is given "
					    "twice", given[i].rank);
	}
	if (o->hosts && o->rank.n)
		return fail(EXIT_USAGE, "serve: --hosts and --rank: give the "
			    "table one way");
	if (o->self) {
		uint64_t v;

		if (!parse_u64(o->self, &v) || v >= RC_ABI_RANKS_MAX)
			return fail(EXIT_USAGE, "serve: --self %s: expected a "
				    "rank below %d", o->self, RC_ABI_RANKS_MAX);
		self = v;
	}
	status = load_or_report(path, true, &prog, NULL,
				json_output ? &diags : NULL);
	if (status == EXIT_REJECTED && json_output)
		return report_rejection(path, diags);
	json_object_put(diags);
	if (status)
		return status;
	if (nat && !native_fits(nat, prog)) {
		status = fail(EXIT_USAGE, "serve: the native handler %s needs "
			      "the data area and windows of examples/%s.r; %s "
			      "has a smaller layout", nat->name, nat->name, path);
		goto out;
	}
	if (o->hosts) {
		status = serve_hosts(o->hosts, any_if ? NULL : ifname, !o->self,
				     &ranks, &nranks, &self);
		if (status)
			goto out;
	}

	{
		RCODE_OPTS(rcode_serve_opts, so,
			   .ifname = any_if ? NULL : ifname,
			   .udp_port = (__u16)o->port,
			   .ipv6 = !o->ipv4,
			   .native = nat ? nat->run : NULL,
			   .ranks = nranks ? ranks : NULL,
			   .nranks = nranks,
			   .self_rank = self,
			   .upcall = on_upcall,
			   .upcall_ctx = &uc);

		if (json_output)
			uc.list = json_object_new_array();

		srv = rcode_serve__new(prog, &so);
	}
	if (!srv) {
		status = fail(EXIT_SYSTEM, "serve: %s port %u: %s", ifname,
			      o->port ? (unsigned int)o->port : RC_UDP_PORT,
			      errno == ENODEV ? "no such interface" :
			      strerror(errno));
		goto out;
	}
	for (int i = 0; i < o->state.n; i++)
		if (state_assign(prog, rcode_serve__state(srv), o->state.v[i], &why)) {
			status = fail(EXIT_USAGE, "serve: --state %s: %s",
				      o->state.v[i], why);
			goto out;
		}
	for (int i = 0; i < o->window.n; i++) {
		uint64_t *w[RC_WINDOWS_MAX] = { 0 };

		for (uint32_t k = 0; k < prog->nwindows; k++)
			w[k] = rcode_serve__window(srv, k);
		if (window_assign(prog, w, o->window.v[i], &why)) {
			status = fail(EXIT_USAGE, "serve: --window %s: %s",
				      o->window.v[i], why);
			goto out;
		}
	}

	/* No SA_RESTART: a signal ends the wait in poll() at once. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "rloader serve: %s on %s port %u (%s%s), ready\n",
		prog->name, any_if ? "any interface" : ifname,
		o->port ? (unsigned int)o->port : RC_UDP_PORT,
		nat ? "native C handler " : "reference interpreter",
		nat ? nat->name : "");
	fflush(stderr);

	t0 = mono_s();
	deadline = o->duration ? t0 + o->duration : 0;
	for (;;) {
		int timeout = 200;	/* bounds how late a signal is noticed */

		if (stop_signal)
			break;
		if (o->count && taken >= o->count) {
			stopped = "count";
			break;
		}
		if (deadline) {
			double left = deadline - mono_s();

			if (left <= 0) {
				stopped = "duration";
				break;
			}
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		r = rcode_serve__poll_max(srv, timeout, o->count ?
					  o->count - taken : UINT32_MAX);
		if (r == -EINTR)
			continue;
		if (r < 0) {
			status = fail(EXIT_SYSTEM, "serve: receive: %s", strerror(-r));
			goto out;
		}
		taken += r;
	}

	rcode_serve__stats(srv, &st);
	if (json_output) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "handler", json_object_new_string(prog->name));
		json_object_object_add(j, "file", json_object_new_string(path));
		json_object_object_add(j, "portal", json_object_new_int(prog->portal));
		json_object_object_add(j, "interface", any_if ? NULL :
				       json_object_new_string(ifname));
		json_object_object_add(j, "port", json_object_new_int(
			o->port ? (int)o->port : RC_UDP_PORT));
		json_object_object_add(j, "ipv6", json_object_new_boolean(!o->ipv4));
		json_object_object_add(j, "engine", json_object_new_string(
			nat ? "native" : "ref"));
		json_object_object_add(j, "native", nat ?
				       json_object_new_string(nat->name) : NULL);
		json_object_object_add(j, "stopped_by", json_object_new_string(stopped));
		json_object_object_add(j, "seconds", json_object_new_double(
			(int64_t)((mono_s() - t0) * 1000) / 1000.0));
		json_object_object_add(j, "datagrams", json_object_new_uint64(taken));
		json_object_object_add(j, "stats", stats_json(prog, &st));
		json_object_object_add(j, "upcalls", uc.list);
		uc.list = NULL;
		data_out(prog, srv, j);
		out_json(j);
	} else {
		printf("serve %s (portal %u) on %s port %u, %s: stopped by %s "
		       "after %" PRIu64 " datagrams in %.1f s\n", prog->name,
		       prog->portal, any_if ? "any interface" : ifname,
		       o->port ? (unsigned int)o->port : RC_UDP_PORT,
		       nat ? "native C handler" : "reference interpreter",
		       stopped, taken, mono_s() - t0);
		stats_print(prog, &st);
		data_out(prog, srv, NULL);
	}
	status = EXIT_OK;
out:
	if (ranks != given)
		free(ranks);
	json_object_put(uc.list);
	rcode_serve__free(srv);
	rc_prog_free(prog);
	return status;
}

const struct cmd_def cmd_serve = {
	.name = "serve",
	.args = "IFNAME FILE",
	.min_args = 2, .max_args = 2,
	.summary = "Run a handler at user level on an interface's R-messages (the baseline).",
	.description =
	"Binds the R-message UDP port on IFNAME (SO_BINDTODEVICE, which needs\n"
	"CAP_NET_RAW; 'any' binds no interface) and runs the handler in this\n"
	"process on every datagram: the reference interpreter, or with --native\n"
	"the example written in C.  'reply' sends the edited message back to\n"
	"its sender, 'drop' consumes it, 'pass' and faults deliver it to the\n"
	"application (rloader has none: it is counted and discarded).  A fault\n"
	"is counted with its code and pc, as at XDP.  Datagrams that are not\n"
	"R-messages or are for another portal count as 'not for us'.\n"
	"\n"
	"When the port is bound, one line goes to stderr: 'rloader serve: NAME\n"
	"on IFNAME port N (...), ready'.  SIGINT or SIGTERM, --count or\n"
	"--duration end the run; then the statistics and the final data area\n"
	"and windows are printed (JSON with -j).  The data area and windows live\n"
	"in the process and start zeroed (or as --state and --window say).\n"
	"\n"
	"--hosts FILE (the job's hosts file, as for 'rloader ranks load'), or\n"
	"--rank R,ADDR[,PORT] (repeatable), gives the handler a rank table;\n"
	"--self S is this node's rank (with --hosts found from IFNAME's\n"
	"addresses when not given; with --rank 0).  'forward' and 'send' go with\n"
	"sendto() to the rank's address and port (the hosts file's MAC is not\n"
	"needed here); a rank not given, S itself, or an IPv6 rank on an\n"
	"IPv4-only socket faults 'rank'.  Each 'upcall' prints a line 'upcall value V\n"
	"portal P src S tag T seq Q' as it happens (JSON: the first 1000 in\n"
	"\"upcalls\").\n"
	"\nExamples:\n"
	"  rloader serve veth0 examples/echo.r\n"
	"  rloader -j serve veth0 examples/counter.r --count 1000\n"
	"  rloader serve veth0 examples/echo.r --native echo --duration 10\n"
	"  rloader serve veth0 fan.r --self 0 --rank 1,198.18.0.1 --rank 2,fd00::2,7200\n"
	"  rloader serve veth0 fan.r --hosts job.hosts\n",
	.opts = serve_optdefs,
	.opts_size = sizeof(struct serve_opts),
	.run = do_serve,
};
