// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_dispatch.c - the XDP dispatcher (bpf/rc_dispatch.bpf.c) and
 * librcode's dispatcher API.
 *
 * Without arguments it is a test: every frame in selftests/packets/ goes
 * through the dispatcher with BPF_PROG_TEST_RUN, no interface involved
 * (selftests/packets/README.md says what each file expects), and the API
 * is checked where it needs no interface.  Needs root; without it every
 * check is skipped.
 *
 * With a verb it is the driver of selftests/priv_attach.sh, which owns the
 * namespaces and interfaces; run it with no arguments and a verb of
 * "help" for the list.  Verbs print plain "key=value" lines and exit 0 on
 * success, 1 with a message on stderr otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "embedded.h"
#include "rc_abi.h"
#include "rc_test.h"
/* By path: rcode2bpf/ comes first in the include path and has its own
 * rcode.h (the toolchain's). */
#include "librcode.h"

#define DISPATCH_OBJ	"rc_dispatch.bpf.o"
#define PKT_MAX		4096

/* ---- counters by name --------------------------------------------------- */
#define NCOUNTERS (sizeof(struct rc_dispatch_stats) / sizeof(__u64))
#define C(f) { #f, offsetof(struct rc_dispatch_stats, f) / sizeof(__u64) }
static const struct {
	const char *name;
	size_t idx;
} counters[] = {
	C(packets),	C(not_udp_port), C(dispatched), C(no_handler),
	C(bad_short),	C(bad_magic),	 C(bad_version), C(bad_length),
	C(bad_portal),
};
#undef C

static const char *counter_name(size_t idx)
{
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (counters[i].idx == idx)
			return counters[i].name;
	return "?";
}

static int counter_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (!strcmp(counters[i].name, name))
			return counters[i].idx;
	return -1;
}

static const struct {
	const char *name;
	int action;
} actions[] = {
	{ "aborted", XDP_ABORTED }, { "drop", XDP_DROP }, { "pass", XDP_PASS },
	{ "tx", XDP_TX },	    { "redirect", XDP_REDIRECT },
};

static int action_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(actions[i].name, name))
			return actions[i].action;
	return -1;
}

static const char *action_name(int action)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (actions[i].action == action)
			return actions[i].name;
	return "?";
}

/* ---- packet files (selftests/packets/README.md) ------------------------- */
struct pkt {
	char desc[160];
	int action;
	int counter;
	unsigned int port;
	unsigned char data[PKT_MAX];
	size_t len;
};

static int pkt_bytes(struct pkt *p, char *line, char *err, size_t errsz)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		unsigned long byte, rep = 1;
		char *end;

		byte = strtoul(tok, &end, 16);
		if (*end == '*')
			rep = strtoul(end + 1, &end, 10);
		if (*end || end == tok || byte > 0xff || !rep ||
		    rep > PKT_MAX - p->len) {
			snprintf(err, errsz, "bad byte '%s'", tok);
			return -EINVAL;
		}
		memset(p->data + p->len, byte, rep);
		p->len += rep;
	}
	return 0;
}

static int pkt_load(const char *path, struct pkt *p, char *err, size_t errsz)
{
	char line[512], act[32] = "", cnt[64] = "";
	int lineno = 0, ret = 0;
	FILE *f;

	memset(p, 0, sizeof(*p));
	p->port = RC_ABI_DEFAULT_PORT;
	p->action = p->counter = -1;
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "%s", strerror(errno));
		return -errno;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');

		lineno++;
		if (sscanf(line, "# expect: %31s %63s", act, cnt) == 2) {
			p->action = action_by_name(act);
			p->counter = counter_by_name(cnt);
		} else if (sscanf(line, "# port: %u", &p->port) == 1) {
			;
		} else if (lineno == 1 && hash == line) {
			snprintf(p->desc, sizeof(p->desc), "%s", line + 2);
			p->desc[strcspn(p->desc, "\n")] = 0;
		}
		if (hash)
			*hash = 0;
		ret = pkt_bytes(p, line, err, errsz);
	}
	fclose(f);
	if (!ret && (p->action < 0 || p->counter < 0)) {
		snprintf(err, errsz, "no valid '# expect: ACTION COUNTER' line");
		ret = -EINVAL;
	}
	return ret;
}

/* ---- helpers ------------------------------------------------------------- */
static int stats_read(int map_fd, __u64 sum[NCOUNTERS])
{
	int ncpus = libbpf_num_possible_cpus(), err;
	__u32 zero = 0;
	__u64 *v;

	if (ncpus < 0)
		return ncpus;
	v = calloc(ncpus, sizeof(struct rc_dispatch_stats));
	if (!v)
		return -ENOMEM;
	err = bpf_map_lookup_elem(map_fd, &zero, v);
	memset(sum, 0, NCOUNTERS * sizeof(__u64));
	for (int c = 0; !err && c < ncpus; c++)
		for (size_t i = 0; i < NCOUNTERS; i++)
			sum[i] += v[c * NCOUNTERS + i];
	free(v);
	return err;
}

/* A handler that only returns action: what the dispatcher tail-calls. */
static int handler_load(int action)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = action },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char name[16];

	snprintf(name, sizeof(name), "rc_t_%s", action_name(action));
	return bpf_prog_load(BPF_PROG_TYPE_XDP, name, "Dual BSD/GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), NULL);
}

/* The dispatcher, loaded as a plain XDP program for port. */
static struct bpf_object *dispatcher_load(unsigned int port)
{
	const struct rc_embedded_obj *eo = rc_embedded_test_find(DISPATCH_OBJ);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "rc_dispatch");
	struct bpf_object *obj;
	struct bpf_map *rodata;
	const void *init;
	size_t sz;
	__u16 p16 = port;

	if (!eo)
		return NULL;
	obj = bpf_object__open_mem(eo->data, eo->size, &oo);
	if (!obj)
		return NULL;
	/* .rodata holds only the port (the library finds it through BTF;
	 * checking that is priv_attach.sh's job). */
	rodata = bpf_object__find_map_by_name(obj, ".rodata");
	init = rodata ? bpf_map__initial_value(rodata, &sz) : NULL;
	/* As the library loads it: handlers have expected_attach_type 0,
	 * and the kernel wants all programs of a prog array to agree. */
	if (!init || sz != sizeof(p16) ||
	    bpf_program__set_expected_attach_type(
		    bpf_object__find_program_by_name(obj, "rc_dispatch"), 0) ||
	    bpf_map__set_initial_value(rodata, &p16, sizeof(p16)) ||
	    bpf_object__load(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

struct disp {
	struct bpf_object *obj;
	int prog_fd, portals_fd, stats_fd;
	unsigned int port;
};

static int disp_open(struct disp *d, unsigned int port, int drop_fd,
		     int tx_fd)
{
	__u32 k1 = 1, k2 = 2;

	d->port = port;
	d->obj = dispatcher_load(port);
	if (!d->obj)
		return -1;
	d->prog_fd = bpf_program__fd(
		bpf_object__find_program_by_name(d->obj, "rc_dispatch"));
	d->portals_fd = bpf_object__find_map_fd_by_name(d->obj, "portals");
	d->stats_fd = bpf_object__find_map_fd_by_name(d->obj,
						      "dispatch_stats");
	if (d->prog_fd < 0 || d->portals_fd < 0 || d->stats_fd < 0)
		return -1;
	return bpf_map_update_elem(d->portals_fd, &k1, &drop_fd, 0) ?:
	       bpf_map_update_elem(d->portals_fd, &k2, &tx_fd, 0);
}

/* ---- the test ----------------------------------------------------------- */
/* Warnings only, and to stderr: the driver's stdout is parsed. */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_quiet(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	if (level != LIBXDP_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void run_packet(struct disp *d, const char *name, const struct pkt *p)
{
	unsigned char out[PKT_MAX + 256];
	__u64 before[NCOUNTERS], after[NCOUNTERS];
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = p->data,
		    .data_size_in = p->len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	char what[256];
	int err;

	if (stats_read(d->stats_fd, before)) {
		TEST_FAIL(name, "cannot read the counters");
		return;
	}
	err = bpf_prog_test_run_opts(d->prog_fd, &topts);
	if (err) {
		TEST_FAIL(name, "BPF_PROG_TEST_RUN: %s", strerror(-err));
		return;
	}
	snprintf(what, sizeof(what), "%s: action %s (%s)", name,
		 action_name(p->action), p->desc);
	if ((int)topts.retval == p->action)
		TEST_PASS(what);
	else
		TEST_FAIL(what, "got %s (%u)", action_name(topts.retval),
			  topts.retval);

	snprintf(what, sizeof(what), "%s: frame unchanged", name);
	ASSERT_TRUE(topts.data_size_out == p->len &&
			    !memcmp(out, p->data, p->len),
		    what);

	if (stats_read(d->stats_fd, after)) {
		TEST_FAIL(name, "cannot read the counters");
		return;
	}
	for (size_t i = 0; i < NCOUNTERS; i++) {
		__u64 want = i == counters[0].idx ||
			     (int)i == p->counter;

		if (after[i] - before[i] != want) {
			TEST_FAIL(name, "counter %s grew by %llu, expected %llu",
				  counter_name(i),
				  (unsigned long long)(after[i] - before[i]),
				  (unsigned long long)want);
			return;
		}
	}
	snprintf(what, sizeof(what), "%s: counted as %s only", name,
		 counter_name(p->counter));
	TEST_PASS(what);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int hex_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 4 && !strcmp(e->d_name + n - 4, ".hex");
}

static void test_packets(struct disp *disps, size_t ndisps)
{
	const char *root = getenv("RC_ROOT");
	char dir[PATH_MAX], path[PATH_MAX + 256], err[128];
	struct dirent **ents;
	struct pkt *p;
	int n;

	snprintf(dir, sizeof(dir), "%s/selftests/packets", root ? root : ".");
	n = scandir(dir, &ents, hex_file, by_name);
	if (n <= 0) {
		TEST_FAIL("packets", "no *.hex in %s", dir);
		return;
	}
	p = malloc(sizeof(*p));
	for (int i = 0; i < n; i++) {
		char name[280];
		struct disp *d = NULL;

		snprintf(name, sizeof(name), "packets/%s", ents[i]->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (!p || pkt_load(path, p, err, sizeof(err)))
			TEST_FAIL(name, "%s", p ? err : "out of memory");
		for (size_t j = 0; p && j < ndisps; j++)
			if (disps[j].port == p->port)
				d = &disps[j];
		if (p && !d)
			TEST_FAIL(name, "no dispatcher for port %u", p->port);
		else if (p && p->action >= 0)
			run_packet(d, name, p);
		free(ents[i]);
	}
	free(ents);
	free(p);

	for (size_t j = 0; j < ndisps; j++) {
		__u64 s[NCOUNTERS], rest = 0;
		char what[96];

		stats_read(disps[j].stats_fd, s);
		for (size_t i = 1; i < NCOUNTERS; i++)
			rest += s[i];
		snprintf(what, sizeof(what),
			 "port %u: every packet counted once (%llu)",
			 disps[j].port, (unsigned long long)s[0]);
		ASSERT_EQ(rest, s[0], what);
	}
}

static void test_object(struct disp *d)
{
	struct bpf_map *portals, *stats;
	struct xdp_program *xp;

	portals = bpf_object__find_map_by_name(d->obj, "portals");
	stats = bpf_object__find_map_by_name(d->obj, "dispatch_stats");
	ASSERT_TRUE(portals && bpf_map__type(portals) ==
				       BPF_MAP_TYPE_PROG_ARRAY,
		    "object: portals is a prog array");
	ASSERT_EQ(portals ? bpf_map__max_entries(portals) : 0, RC_ABI_PORTALS,
		  "object: portals has RC_ABI_PORTALS slots");
	ASSERT_TRUE(stats && bpf_map__type(stats) == BPF_MAP_TYPE_PERCPU_ARRAY &&
			    bpf_map__value_size(stats) ==
				    sizeof(struct rc_dispatch_stats),
		    "object: dispatch_stats holds struct rc_dispatch_stats");
	ASSERT_TRUE(stats && bpf_map__btf_value_type_id(stats),
		    "object: dispatch_stats has BTF for bpftool map dump");

	/* What libxdp reads from .xdp_run_config decides where the
	 * dispatcher sits in the chain on a shared interface. */
	xp = xdp_program__from_bpf_obj(d->obj, "xdp");
	if (libxdp_get_error(xp)) {
		TEST_FAIL("object: libxdp opens it", "%s",
			  strerror(-libxdp_get_error(xp)));
		return;
	}
	ASSERT_EQ(xdp_program__run_prio(xp), 50, "object: libxdp run priority");
	ASSERT_TRUE(xdp_program__chain_call_enabled(xp, XDP_PASS) &&
			    !xdp_program__chain_call_enabled(xp, XDP_DROP),
		    "object: libxdp chains on XDP_PASS only");
	xdp_program__close(xp);
}

static int messages;

static int count_print(enum rcode_print_level level, const char *fmt,
		       va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	messages++;
	return 0;
}

/* The API where no interface is needed: arguments are checked first. */
static void test_api(void)
{
	struct {
		struct rcode_dispatch_opts o;
		long newer_field;
	} big = { .o.sz = sizeof(big) };
	struct rc_dispatch_stats st;
	struct rcode_dispatch_info info;
	rcode_print_fn_t old;
	char buf[PATH_MAX];
	__u32 id;

	RCODE_OPTS(rcode_dispatch_opts, opts, .mode = RCODE_MODE_SKB);
	ASSERT_EQ(opts.sz, sizeof(opts), "api: RCODE_OPTS sets sz");
	ASSERT_EQ(rcode_dispatch_attach("", NULL), -EINVAL, "api: empty name");
	ASSERT_EQ(rcode_dispatch_attach("..", NULL), -EINVAL, "api: name ..");
	ASSERT_EQ(rcode_dispatch_attach("a/b", NULL), -EINVAL, "api: name a/b");
	ASSERT_EQ(rcode_dispatch_attach("abcdefghijklmnop", NULL), -EINVAL,
		  "api: name longer than IFNAMSIZ");
	ASSERT_EQ(rcode_dispatch_query(NULL, &info), -EINVAL, "api: NULL name");
	opts.mode = 7;
	ASSERT_EQ(rcode_dispatch_attach("lo", &opts), -EINVAL,
		  "api: unknown mode");
	big.newer_field = 1;
	ASSERT_EQ(rcode_dispatch_attach("lo", &big.o), -EINVAL,
		  "api: options from a newer header with a field set");
	big.newer_field = 0;
	ASSERT_EQ(rcode_dispatch_attach("rc-no-such-if", &big.o), -ENODEV,
		  "api: newer options, unused field zero; no such interface");
	ASSERT_EQ(rcode_dispatch_query("rc-no-such-if", &info), -ENODEV,
		  "api: query of no such interface");
	ASSERT_EQ(rcode_dispatch_detach("rc-no-such-if"), -ENOENT,
		  "api: detach of nothing");
	ASSERT_EQ(rcode_dispatch_stats("rc-no-such-if", &st), -ENOENT,
		  "api: stats without a dispatcher");
	ASSERT_EQ(rcode_portal_set("rc-no-such-if", RC_ABI_PORTALS, 0), -EINVAL,
		  "api: portal out of range");
	ASSERT_EQ(rcode_portal_set("rc-no-such-if", 1, 0), -ENOENT,
		  "api: portal without a dispatcher");
	ASSERT_EQ(rcode_portal_prog_id("rc-no-such-if", 1, &id), -ENOENT,
		  "api: portal id without a dispatcher");
	ASSERT_EQ(rcode_dispatch_pin_dir("eth0", buf, sizeof(buf)), 0,
		  "api: pin dir");
	{
		char ns[PATH_MAX], want[PATH_MAX + 8];

		ASSERT_EQ(rcode_netns_pin_dir(ns, sizeof(ns)), 0,
			  "api: this namespace's pin dir");
		ASSERT_TRUE(!strncmp(ns, RC_PIN_ROOT "/net-",
				     strlen(RC_PIN_ROOT "/net-")) ||
			    !strncmp(ns, RC_PIN_ROOT "/netino-",
				     strlen(RC_PIN_ROOT "/netino-")),
			    "api: ... is RC_PIN_ROOT/net-<cookie>");
		snprintf(want, sizeof(want), "%s/eth0", ns);
		ASSERT_STREQ(buf, want, "api: pin dir path, under the namespace's");
	}
	ASSERT_EQ(rcode_dispatch_pin_dir("eth0", buf, 8), -ENAMETOOLONG,
		  "api: pin dir, small buffer");

	/* Nothing above may have logged: bad arguments are not news. */
	old = rcode_set_print(count_print);
	messages = 0;
	ASSERT_EQ(rcode_dispatch_attach("rc-no-such-if", NULL), -ENODEV,
		  "api: no such interface, default options");
	ASSERT_EQ(messages, 0, "api: argument errors are not logged");
	rcode_set_print(old);
}

static int run_tests(void)
{
	struct disp disps[2] = {};
	int drop_fd, tx_fd;

	if (geteuid() != 0) {
		printf("SKIP: dispatcher: needs root and BPF\n");
		return 0;
	}
	drop_fd = handler_load(XDP_DROP);
	tx_fd = handler_load(XDP_TX);
	if (drop_fd < 0 || tx_fd < 0) {
		printf("SKIP: dispatcher: cannot load an XDP program: %s\n",
		       strerror(-(drop_fd < 0 ? drop_fd : tx_fd)));
		return 0;
	}
	if (disp_open(&disps[0], RC_ABI_DEFAULT_PORT, drop_fd, tx_fd) ||
	    disp_open(&disps[1], 9999, drop_fd, tx_fd)) {
		TEST_FAIL("dispatcher loads and verifies", "%s", strerror(errno));
	} else {
		TEST_PASS("dispatcher loads and verifies");
		test_object(&disps[0]);
		test_packets(disps, 2);
	}
	for (int i = 0; i < 2; i++)
		bpf_object__close(disps[i].obj);
	close(drop_fd);
	close(tx_fd);
	test_api();
	return rc_test_exit();
}

/* ---- the driver --------------------------------------------------------- */
static int die(const char *verb, int err)
{
	fprintf(stderr, "%s: %s\n", verb, strerror(err < 0 ? -err : err));
	return 1;
}

static int cmd_attach(int argc, char **argv)
{
	RCODE_OPTS(rcode_dispatch_opts, opts);
	int err;

	if (argc > 3)
		opts.mode = !strcmp(argv[3], "skb") ? RCODE_MODE_SKB :
			    !strcmp(argv[3], "native") ? RCODE_MODE_NATIVE :
							 (enum rcode_mode)99;
	if (argc > 4)
		opts.udp_port = atoi(argv[4]);
	err = rcode_dispatch_attach(argv[2], &opts);
	printf("attach=%d\n", err);
	return err ? die("attach", err) : 0;
}

static int cmd_query(int argc, char **argv)
{
	struct rcode_dispatch_info i;
	int err;

	(void)argc;
	err = rcode_dispatch_query(argv[2], &i);
	if (err)
		return die("query", err);
	printf("attached=%d multiprog=%d mode=%s port=%u prog_id=%u pinned=%d\n",
	       i.attached, i.multiprog,
	       i.mode == RCODE_MODE_NATIVE ? "native" :
	       i.mode == RCODE_MODE_SKB	   ? "skb" : "none",
	       i.udp_port, i.prog_id, i.pinned);
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	struct rc_dispatch_stats s;
	const __u64 *v = (const __u64 *)&s;
	int err;

	(void)argc;
	err = rcode_dispatch_stats(argv[2], &s);
	if (err)
		return die("stats", err);
	for (size_t i = 0; i < NCOUNTERS; i++)
		printf("%s=%llu\n", counter_name(i), (unsigned long long)v[i]);
	return 0;
}

static int cmd_handler(int argc, char **argv)
{
	int action, fd, err;
	__u32 id = 0;

	if (argc < 5 || (action = action_by_name(argv[4])) < 0)
		return die("handler", EINVAL);
	fd = handler_load(action);
	if (fd < 0)
		return die("handler: load", fd);
	err = rcode_portal_set(argv[2], atoi(argv[3]), fd);
	close(fd);	/* the portals map holds it now */
	if (err)
		return die("handler: set", err);
	err = rcode_portal_prog_id(argv[2], atoi(argv[3]), &id);
	if (err)
		return die("handler: id", err);
	printf("prog_id=%u\n", id);
	return 0;
}

static int cmd_clear(int argc, char **argv)
{
	int err;

	(void)argc;
	err = rcode_portal_clear(argv[2], atoi(argv[3]));
	printf("clear=%d\n", err);
	return err ? die("clear", err) : 0;
}

static int cmd_progid(int argc, char **argv)
{
	__u32 id = 0;
	int err;

	(void)argc;
	err = rcode_portal_prog_id(argv[2], atoi(argv[3]), &id);
	printf("prog_id=%u err=%d\n", id, err);
	return 0;
}

/* Run a packet file through whatever XDP program the interface has: with
 * libxdp that is its dispatcher, which runs ours as an freplace program,
 * which tail-calls the handler. */
static int cmd_run(int argc, char **argv)
{
	unsigned char out[PKT_MAX + 256];
	char err_s[128];
	struct pkt *p = malloc(sizeof(*p));
	__u32 id = 0;
	int ifindex, fd, err;

	(void)argc;
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex || !p)
		return die("run", ifindex ? ENOMEM : ENODEV);
	err = pkt_load(argv[3], p, err_s, sizeof(err_s));
	if (err) {
		fprintf(stderr, "run: %s: %s\n", argv[3], err_s);
		return 1;
	}
	err = bpf_xdp_query_id(ifindex, 0, &id);
	if (err || !id)
		return die("run: no XDP program", err ?: ENOENT);
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return die("run: prog", fd);
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = p->data,
		    .data_size_in = p->len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	err = bpf_prog_test_run_opts(fd, &t);
	close(fd);
	if (err)
		return die("run", err);
	printf("action=%s unchanged=%d expected=%s\n", action_name(t.retval),
	       t.data_size_out == p->len && !memcmp(out, p->data, p->len),
	       action_name(p->action));
	free(p);
	return 0;
}

/* An R-message or a broken one, as kind says; returns its length. */
static size_t make_payload(const char *kind, unsigned char *b, size_t size)
{
	struct rc_wire_hdr h = {
		.magic = htons(RC_ABI_MAGIC), .version = RC_ABI_VERSION,
		.len = htons(8), .src = htonl(1), .dst = htonl(2),
		.tag = htonl(7), .seq = htonl(1),
	};
	size_t len = sizeof(h) + 8;

	memset(b, 0xa5, size);
	if (!strncmp(kind, "rmsg:", 5))
		h.portal = htons(atoi(kind + 5));
	else if (!strcmp(kind, "bad_magic"))
		h.magic = htons(0x584d);
	else if (!strcmp(kind, "bad_version"))
		h.version = 2;
	else if (!strcmp(kind, "len_bigger"))
		h.len = htons(9);
	else if (!strcmp(kind, "len_smaller"))
		h.len = htons(7);
	else if (!strcmp(kind, "bad_portal"))
		h.portal = htons(RC_ABI_PORTALS);
	else if (!strcmp(kind, "short"))
		len = 10;
	else if (!strcmp(kind, "plain"))
		return snprintf((char *)b, size, "not an R-message");
	else
		return 0;
	memcpy(b, &h, len < sizeof(h) ? len : sizeof(h));
	return len;
}

static int udp_socket_to(const char *addr, const char *port,
			 struct sockaddr_storage *sa, socklen_t *salen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	int fd;

	if (getaddrinfo(addr, port, &hints, &ai))
		return -EINVAL;
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	*salen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return fd < 0 ? -errno : fd;
}

/* send ADDR PORT KIND COUNT: bounded, paced so that veth does not drop */
static int cmd_send(int argc, char **argv)
{
	struct timespec gap = { 0, 2 * 1000 * 1000 };
	unsigned char b[64];
	struct sockaddr_storage sa;
	socklen_t salen;
	int fd, n, sent = 0;
	size_t len;

	if (argc < 6)
		return die("send", EINVAL);
	n = atoi(argv[5]);
	len = make_payload(argv[4], b, sizeof(b));
	if (!len || n < 0 || n > 1000)
		return die("send", EINVAL);
	fd = udp_socket_to(argv[2], argv[3], &sa, &salen);
	if (fd < 0)
		return die("send: socket", fd);
	for (int i = 0; i < n; i++) {
		if (sendto(fd, b, len, 0, (struct sockaddr *)&sa, salen) ==
		    (ssize_t)len)
			sent++;
		nanosleep(&gap, NULL);
	}
	close(fd);
	printf("sent=%d\n", sent);
	return sent == n ? 0 : die("send", EIO);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * recv PORT EXPECT TIMEOUT_MS READY_FILE: count datagrams on [::]:PORT
 * (IPv4 too) until EXPECT have come and 300 ms passed without more, or
 * TIMEOUT_MS; creates READY_FILE once bound.  Prints the total, how many
 * were not well-formed R-messages, and per portal the well-formed ones.
 */
static int cmd_recv(int argc, char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	int fd, off = 0, expect, total = 0, bad = 0;
	static int per_portal[RC_ABI_PORTALS + 1];
	long long deadline, quiet_until = 0;
	unsigned char b[2048];
	FILE *ready;

	if (argc < 6)
		return die("recv", EINVAL);
	sa.sin6_port = htons(atoi(argv[2]));
	expect = atoi(argv[3]);
	deadline = now_ms() + atoi(argv[4]);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return die("recv: socket", errno);
	ready = fopen(argv[5], "w");
	if (ready)
		fclose(ready);
	for (;;) {
		long long t = now_ms(), until = deadline;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (quiet_until && quiet_until < until)
			until = quiet_until;
		if (t >= until)
			break;
		if (poll(&pfd, 1, until - t) <= 0)
			continue;
		n = recv(fd, b, sizeof(b), 0);
		if (n < 0)
			continue;
		total++;
		if (n >= RC_ABI_HDR_LEN && b[0] == 0x52 && b[1] == 0x4d &&
		    b[2] == RC_ABI_VERSION &&
		    ((b[6] << 8) | b[7]) == n - RC_ABI_HDR_LEN)
			per_portal[(b[4] << 8 | b[5]) < RC_ABI_PORTALS ?
					   (b[4] << 8 | b[5]) :
					   RC_ABI_PORTALS]++;
		else
			bad++;
		if (total >= expect)
			quiet_until = now_ms() + 300;
	}
	close(fd);
	printf("total=%d bad=%d", total, bad);
	for (int i = 0; i <= RC_ABI_PORTALS; i++)
		if (per_portal[i])
			printf(" p%d=%d", i, per_portal[i]);
	printf("\n");
	return 0;
}

static const struct {
	const char *verb;
	int nargs;
	int (*fn)(int argc, char **argv);
	const char *usage;
} verbs[] = {
	{ "attach", 1, cmd_attach, "IFNAME [native|skb [PORT]]" },
	{ "detach", 1, NULL, "IFNAME" },
	{ "query", 1, cmd_query, "IFNAME" },
	{ "stats", 1, cmd_stats, "IFNAME" },
	{ "handler", 3, cmd_handler, "IFNAME PORTAL drop|pass|tx" },
	{ "clear", 2, cmd_clear, "IFNAME PORTAL" },
	{ "progid", 2, cmd_progid, "IFNAME PORTAL" },
	{ "run", 2, cmd_run, "IFNAME FILE.hex" },
	{ "send", 4, cmd_send, "ADDR PORT KIND COUNT" },
	{ "recv", 4, cmd_recv, "PORT EXPECT TIMEOUT_MS READY_FILE" },
};

int main(int argc, char **argv)
{
	libbpf_set_print(libbpf_quiet);
	libxdp_set_print(libxdp_quiet);
	if (argc < 2)
		return run_tests();
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[1], verbs[i].verb))
			continue;
		if (argc < 2 + verbs[i].nargs)
			break;
		if (!verbs[i].fn) {	/* detach */
			int err = rcode_dispatch_detach(argv[2]);

			printf("detach=%d\n", err);
			return err ? die("detach", err) : 0;
		}
		return verbs[i].fn(argc, argv);
	}
	fprintf(stderr, "usage: %s (run the tests)\n", argv[0]);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(stderr, "       %s %s %s\n", argv[0], verbs[i].verb,
			verbs[i].usage);
	return 2;
}
