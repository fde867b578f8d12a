// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_ranks.c - rloader ranks load|show|clear: an interface's rank table,
 * where forward and send find the members of a job (librcode's
 * rcode_ranks_*; the hosts file format is docs/collectives.md's).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rloader.h"

struct ranks_opts {
	uint64_t self;		/* UINT64_MAX: find it */
	uint64_t port;		/* 0: the dispatcher's, or 7117 */
};

static const struct ranks_opts ranks_defaults = { .self = UINT64_MAX };

static const struct opt_def ranks_optdefs[] = {
	DEFINE_OPT(ranks_opts, self, "self", 's', OPT_U64, "N",
		   "load: this node is rank N (default: the rank whose address "
		   "is one of IFNAME's)"),
	DEFINE_OPT(ranks_opts, port, "port", 0, OPT_U64, "PORT",
		   "load: the port of ranks listed without one (default: the "
		   "dispatcher's on IFNAME, else 7117)"),
	END_OPTS
};

static void mac_str(const struct rcode_rank_addr *r, char *buf, size_t size)
{
	if (r->has_mac)
		snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", r->mac[0],
			 r->mac[1], r->mac[2], r->mac[3], r->mac[4], r->mac[5]);
	else
		snprintf(buf, size, "-");
}

/*
 * A hosts file's table (rcode_ranks_parse()) into *t (malloc'd) and *n, or
 * its FILE:LINE:COL errors told (JSON with -j) and the exit status: 1 for
 * a file that is not a hosts file, 3 for one that cannot be read.  VERB
 * starts the error line.
 */
int hosts_parse_or_report(const char *verb, const char *file,
			  struct rcode_rank_addr **t, unsigned int *n)
{
	struct rc_diags d;
	int err, st = EXIT_OK;

	rc_diags_init(&d);
	err = rcode_ranks_parse(file, t, n, &d);
	if (err) {
		if (json_output) {
			st = report_rejection(file, diags_json(&d));
		} else {
			rc_diags_print(&d, stderr);
			st = fail(err == -EINVAL ? EXIT_REJECTED : EXIT_SYSTEM,
				  "%s: %s: %s", verb, file, err == -EINVAL ?
				  "not a hosts file (see above)" : strerror(-err));
		}
	}
	rc_diags_free(&d);
	return st;
}

static int ranks_load(const struct ranks_opts *o, const char *ifname,
		      const char *file)
{
	RCODE_OPTS(rcode_ranks_opts, ro);
	struct rcode_dispatch_info di = { 0 };
	struct rcode_rank_addr *t = NULL;
	char pin[PATH_MAX];
	unsigned int n = 0;
	int err, st = EXIT_OK;

	if (o->self != UINT64_MAX && o->self >= RC_ABI_RANKS_MAX)
		return fail(EXIT_USAGE, "ranks: --self must be below %u",
			    RC_ABI_RANKS_MAX);
	if (o->port > UINT16_MAX)
		return fail(EXIT_USAGE, "ranks: --port must be 1..65535");
	/* A bad file is told before anything needs privileges. */
	st = hosts_parse_or_report("ranks", file, &t, &n);
	if (st)
		goto out;
	if (o->self != UINT64_MAX && o->self >= n) {
		st = fail(EXIT_USAGE, "ranks: --self %" PRIu64 ": %s has ranks 0 "
			  "to %u", o->self, file, n - 1);
		goto out;
	}
	st = online_init("ranks");
	if (st)
		goto out;
	rcode_dispatch_query(ifname, &di);
	ro.udp_port = o->port ?: di.attached ? di.udp_port : RC_ABI_DEFAULT_PORT;
	ro.set_self = o->self != UINT64_MAX;
	ro.self = ro.set_self ? o->self : 0;
	err = rcode_ranks_load(ifname, t, n, &ro);
	if (err == -ENOENT || err == -EEXIST) {
		st = fail(EXIT_USAGE, "ranks: %s: %s rank%s of %s %s an address of "
			  "%s: say which one this node is with --self N", ifname,
			  err == -ENOENT ? "no" : "several", err == -ENOENT ? "" : "s",
			  file, err == -ENOENT ? "has" : "have", ifname);
		goto out;
	}
	if (err < 0) {
		st = fail(EXIT_SYSTEM, "ranks: %s: %s", ifname, lib_why(err));
		goto out;
	}
	rcode_dispatch_pin_dir(ifname, pin, sizeof(pin) - 8);
	strcat(pin, "/ranks");
	if (json_output) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "interface", json_object_new_string(ifname));
		json_object_object_add(j, "file", json_object_new_string(file));
		json_object_object_add(j, "ranks", json_object_new_int(n));
		json_object_object_add(j, "self", json_object_new_int(err));
		json_object_object_add(j, "self_found", json_object_new_boolean(!ro.set_self));
		json_object_object_add(j, "port", json_object_new_int(ro.udp_port));
		json_object_object_add(j, "pin", json_object_new_string(pin));
		out_json(j);
	} else {
		printf("%s: %u rank%s from %s in %s; this node is rank %d (%s)\n",
		       ifname, n, n == 1 ? "" : "s", file, pin, err, ro.set_self ?
		       "--self" : "its address is one of the interface's");
	}
out:
	free(t);
	return st;
}

static int ranks_show(const char *ifname)
{
	struct rcode_rank_addr *t = calloc(RC_ABI_RANKS_MAX, sizeof(*t));
	char pin[PATH_MAX], addr[INET6_ADDRSTRLEN], mac[24];
	__u32 self;
	int n, st;

	if (!t)
		return fail(EXIT_SYSTEM, "out of memory");
	st = online_init("ranks");
	if (st)
		goto out;
	n = rcode_ranks_read(ifname, t, RC_ABI_RANKS_MAX, &self);
	if (n < 0) {
		st = fail(EXIT_SYSTEM, "ranks: %s: %s", ifname, n == -ENOENT ?
			  "no rank table ('rloader ranks load' makes one)" :
			  lib_why(n));
		goto out;
	}
	rcode_dispatch_pin_dir(ifname, pin, sizeof(pin) - 8);
	strcat(pin, "/ranks");
	if (json_output) {
		struct json_object *j = json_object_new_object();
		struct json_object *a = json_object_new_array();

		json_object_object_add(j, "interface", json_object_new_string(ifname));
		json_object_object_add(j, "pin", json_object_new_string(pin));
		json_object_object_add(j, "self", n ? json_object_new_int64(self) : NULL);
		for (int i = 0; i < n; i++) {
			struct json_object *r = json_object_new_object();

			inet_ntop(t[i].family, t[i].addr, addr, sizeof(addr));
			mac_str(&t[i], mac, sizeof(mac));
			json_object_object_add(r, "rank", json_object_new_int64(t[i].rank));
			json_object_object_add(r, "address", json_object_new_string(addr));
			json_object_object_add(r, "port", json_object_new_int(t[i].port));
			json_object_object_add(r, "mac", t[i].has_mac ?
					       json_object_new_string(mac) : NULL);
			json_object_object_add(r, "self",
					       json_object_new_boolean(t[i].rank == self));
			json_object_array_add(a, r);
		}
		json_object_object_add(j, "ranks", a);
		out_json(j);
		goto out;
	}
	printf("%s: rank table %s: %d rank%s", ifname, pin, n, n == 1 ? "" : "s");
	if (n)
		printf(", this node is rank %u\n", self);
	else
		printf(" (every forward and send faults 'rank')\n");
	if (n)
		printf("  %6s  %-39s %5s  %s\n", "Rank", "Address", "Port",
		       "MAC (next hop)");
	for (int i = 0; i < n; i++) {
		inet_ntop(t[i].family, t[i].addr, addr, sizeof(addr));
		mac_str(&t[i], mac, sizeof(mac));
		printf("%c %6u  %-39s %5u  %s\n", t[i].rank == self ? '*' : ' ',
		       t[i].rank, addr, t[i].port, t[i].has_mac ? mac :
		       "- (bpf_fib_lookup)");
	}
out:
	free(t);
	return st;
}

static int ranks_clear(const char *ifname)
{
	int err, st;

	st = online_init("ranks");
	if (st)
		return st;
	err = rcode_ranks_clear(ifname);
	if (err)
		return fail(EXIT_SYSTEM, "ranks: %s: %s", ifname, err == -ENOENT ?
			    "no rank table" : lib_why(err));
	if (json_output) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "interface", json_object_new_string(ifname));
		json_object_object_add(j, "cleared", json_object_new_boolean(true));
		out_json(j);
	} else {
		printf("%s: rank table cleared: every forward and send faults "
		       "'rank' until 'rloader ranks load'\n", ifname);
	}
	return EXIT_OK;
}

static int do_ranks(void *o_, int argc, char **argv)
{
	const struct ranks_opts *o = o_;
	const char *verb = argv[0];

	if (!strcmp(verb, "load")) {
		if (argc != 3)
			return fail(EXIT_USAGE, "ranks: expected 'ranks load IFNAME FILE'");
		return ranks_load(o, argv[1], argv[2]);
	}
	if ((!strcmp(verb, "show") || !strcmp(verb, "clear")) && argc != 2)
		return fail(EXIT_USAGE, "ranks: expected 'ranks %s IFNAME'", verb);
	if (o->self != UINT64_MAX || o->port)
		return fail(EXIT_USAGE, "ranks: --self and --port are for 'load'");
	if (!strcmp(verb, "show"))
		return ranks_show(argv[1]);
	if (!strcmp(verb, "clear"))
		return ranks_clear(argv[1]);
	return fail(EXIT_USAGE, "ranks: '%s' is not load, show or clear", verb);
}

const struct cmd_def cmd_ranks = {
	.name = "ranks",
	.args = "load IFNAME FILE | show IFNAME | clear IFNAME",
	.min_args = 2, .max_args = 3,
	.summary = "Load, show or clear an interface's rank table (forward, send).",
	.description =
	"The rank table says where each member (rank) of a job is: forward and\n"
	"send look the destination rank up there.  There is one per interface,\n"
	"pinned as /sys/fs/bpf/rcode/net-COOKIE/IFNAME/ranks and shared by its handlers;\n"
	"'load' writes it in place, so handlers attached already see the new\n"
	"table at once.\n"
	"\n"
	"load reads a hosts file, one rank per line, 'RANK ADDRESS [PORT|-]\n"
	"[MAC|-]' ('#' starts a comment): ranks 0, 1, 2, ... in order, IPv4 or\n"
	"IPv6 (one family), a port of their own or '-' for --port, and the next\n"
	"hop's MAC or '-' to look it up (bpf_fib_lookup).  Errors are reported as\n"
	"FILE:LINE:COL.  This node is the rank whose address is one of IFNAME's,\n"
	"unless --self says which.\n"
	"show prints the table (the node itself marked *); clear empties it\n"
	"(every forward and send faults 'rank' then).  'rloader detach IFNAME'\n"
	"removes it with everything else.\n"
	"\nExamples:\n"
	"  rloader ranks load eth0 job.hosts\n"
	"  rloader ranks load eth0 job.hosts --self 3 --port 7200\n"
	"  rloader -p ranks show eth0\n"
	"  rloader ranks clear eth0\n",
	.opts = ranks_optdefs,
	.opts_size = sizeof(struct ranks_opts),
	.defaults = &ranks_defaults,
	.run = do_ranks,
};
