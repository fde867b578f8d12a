// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_paths.c - the three-way differential test: every data-file
 * test case runs on the reference interpreter, on the translated eBPF
 * program and on the in-kernel interpreter (both through
 * BPF_PROG_TEST_RUN), and all three must agree exactly with what the case
 * says: action, the message that leaves (as a whole Ethernet frame:
 * lengths and checksums checked too), data area, windows, fault code and
 * pc, budget exhaustion included.  The kernel paths run over IPv4 and
 * IPv6; loops also translated inline (as without the JIT); and the
 * tracing interpreter must also count exactly the reference's executed
 * instructions and stack high-water mark, and its per-uop counts must add
 * up to them.
 *
 * Every case also runs translated into a TC program (BPF_PROG_TEST_RUN
 * on an skb), as handlers that send are: test_priv_paths_tc, this file
 * built with PATHS_TC.  Sending and up-calls: each run
 * gets the case's rank table (rc_case_rank_table: every reachable rank
 * has an entry of the message's address family); a forwarded frame must
 * be, byte for byte, the one rc_sent_frame() builds for the rank from
 * the frame that arrived; the up-call ring is read after every run; and
 * in TC mode the copies send makes (bpf_clone_redirect to the loopback
 * device of a network namespace of the test's own) are captured with an
 * AF_PACKET socket and checked the same way.  Each channel keeps its
 * order; how sends and up-calls interleave cannot be seen from outside,
 * so the log compared with the case takes the reference's interleaving.
 * The interpreter gets the rank table in its own map; a handler with
 * send must be refused by it (it runs at XDP; send needs TC).
 *
 * Needs root and BPF; without them it says SKIP (a failure under CI=true).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "rc_case.h"
#include "rc_paths.h"
#include "rc_test.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rcode_private.h"

static struct rcode_interp *interp;	/* shared by every interpreter run */

/* One handler, loaded once, on the case's runs over each IP version in
 * ipvers (a list ending in 0): the program takes both. */
static void run_case(const char *path, const char *name, const int *ipvers,
		     bool inline_loops, enum rcode_path kind, bool trace,
		     bool tc, int *nskipped)
{
	const struct rc_paths_mode m = { .kind = kind,
					 .inline_loops = inline_loops,
					 .trace = trace, .tc = tc };
	struct rc_paths_handler *ph;
	struct rc_case *c;
	char why[1024], label[300];
	int fails, st;

	const char *kname = kind == RCODE_PATH_INTERP ?
			    (trace ? "interp-trace" : "interp") :
			    tc ? "xlate-tc" : "xlate";

	snprintf(label, sizeof(label), "%s/ipv%d%s: %s", kname, ipvers[0],
		 inline_loops ? "/inline" : "", name);
	if (rc_case_load(path, name, &c, why, sizeof(why))) {
		TEST_FAIL(label, "%s", why);
		return;
	}
	st = rc_paths_open(c, &m, &ph, why, sizeof(why));
	switch (st) {
	case RC_PATHS_NOT_APPLICABLE:	/* rejection cases: the verifier's */
		goto out;
	case RC_PATHS_SEND_REFUSED:
		strncat(label, ": refused (send)", sizeof(label) - strlen(label) - 1);
		TEST_PASS(label);
		goto out;
	case RC_PATHS_UNSUPPORTED:
		/* Not translatable by design (loops): the verifier of
		 * rcode2bpf says so; count it, do not hide it. */
		printf("SKIP: %s: %s\n", label, why);
		(*nskipped)++;
		goto out;
	case RC_PATHS_REFUSED:
	case RC_PATHS_BROKEN:
		TEST_FAIL(label, "%s", why);
		goto out;
	}
	if (kind == RCODE_PATH_XLATE && !inline_loops && !tc) {
		/* The first path: the reference interpreter itself. */
		char rl[300];

		snprintf(rl, sizeof(rl), "ref: %s", name);
		if (rc_case_run_all(c, rc_case_exec_interp, NULL, 0, "ref: "))
			TEST_FAIL(rl, "the reference disagrees with the case");
		else
			TEST_PASS(rl);
	}
	for (const int *v = ipvers; *v; v++) {
		snprintf(label, sizeof(label), "%s/ipv%d%s: %s", kname, *v,
			 inline_loops ? "/inline" : "", name);
		fails = rc_paths_run(ph, *v, false, why, sizeof(why));
		if (fails < 0)
			TEST_FAIL(label, "could not run: %s %s", strerror(-fails),
				  why);
		else if (fails)
			TEST_FAIL(label, "%d run(s) disagree with the reference",
				  fails);
		else
			TEST_PASS(label);
	}
	rc_paths_close(ph);
out:
	rc_case_free(c);
}

/*
 * test_priv_paths_tc.c builds this file with PATHS_TC: the TC runs, in a
 * test of their own so that each half fits the emulated VM's time per
 * test; this one does the reference, XDP and the interpreter.
 */
#ifndef PATHS_TC
#define PATHS_TC	0
#endif

int main(void)
{
	const char *root = getenv("RC_ROOT") ? getenv("RC_ROOT") : ".";
	char dir[4096];
	char **paths;
	size_t n;
	int skipped = 0;

	if (geteuid() != 0) {
		printf("SKIP: paths: needs root for BPF_PROG_TEST_RUN\n");
		return 0;
	}
	if (!PATHS_TC) {
		char why[512];
		int jit = 1;
		FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");

		if (f) {
			if (fscanf(f, "%d", &jit) != 1)
				jit = 1;
			fclose(f);
		}
		interp = rcode_interp__open(NULL, why, sizeof(why));
		if (!jit) {
			/* Without the JIT the kernel refuses bpf_loop
			 * callbacks: the interpreter must say so plainly. */
			if (!interp && errno == EOPNOTSUPP && strstr(why, "JIT"))
				TEST_PASS("interp: refused without the JIT, with the reason");
			else
				TEST_FAIL("interp: refused without the JIT",
					  "got %s (%s)", interp ? "a loaded interpreter" :
					  strerror(errno), why);
			rcode_interp__close(interp);
			interp = NULL;
		} else if (!interp) {
			TEST_FAIL("interp: load the in-kernel interpreter", "%s", why);
		} else {
			TEST_PASS("interp: load the in-kernel interpreter");
		}
	}
	{
		/* After the JIT's sysctl was read: it exists in the first
		 * network namespace only. */
		char why[256];

		/* TC programs run on an skb of its loopback device, and
		 * their sends' copies leave through it. */
		int capture_fd = rcode_pkt_private_lo(why, sizeof(why));

		if (capture_fd < 0) {
			TEST_FAIL("paths: a network namespace of its own", "%s", why);
			return rc_test_exit();
		}
		rc_paths_init(interp, capture_fd);
	}
	snprintf(dir, sizeof(dir), "%s/selftests/cases", root);
	if (rc_case_find(dir, &paths, &n) || !n) {
		TEST_FAIL("xlate: cases", "no case files under %s", dir);
		return rc_test_exit();
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = paths[i] + strlen(dir) + 1;

		static const int both[] = { 4, 6, 0 }, v4[] = { 4, 0 };

		run_case(paths[i], name, both, false, RCODE_PATH_XLATE, false,
			 PATHS_TC, &skipped);
		/* Loops also the way kernels without the JIT run them. */
		run_case(paths[i], name, v4, true, RCODE_PATH_XLATE, false,
			 PATHS_TC, &skipped);
		if (!interp)
			continue;
		run_case(paths[i], name, both, false, RCODE_PATH_INTERP, false,
			 false, &skipped);
		run_case(paths[i], name, v4, false, RCODE_PATH_INTERP, true,
			 false, &skipped);
	}
	rc_case_paths_free(paths, n);
	rcode_interp__close(interp);
	return rc_test_exit();
}
