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
 * Needs root and BPF; without them it says SKIP (a failure under CI=true).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "rc_case.h"
#include "rc_test.h"
#include <bpf/bpf.h>
#include "rcode_private.h"

struct xlate_ctx {
	struct rcode_handler *h;
	int ipver;
	bool inline_loops;
	enum rcode_path path;
	bool trace;
	char why[512];
};

static struct rcode_interp *interp;	/* shared by every interpreter run */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* One run on the translated program: the env's words go into the maps,
 * the message into a frame, and everything comes back out. */
static int exec_xlate_inner(void *ctx_, const struct rc_case *c, struct rc_msg *msg,
		      struct rc_env *env, struct rc_result *res)
{
	struct xlate_ctx *x = ctx_;
	struct rcode_handler *h = x->h;
	const struct rc_prog *p = c->prog;
	static uint8_t in[2048], out[4096];
	struct rc_handler_stats before, after;
	struct rcode_pkt_info info;
	size_t out_len = sizeof(out);
	uint32_t verdict;
	uint64_t t0, t1;
	int len, err;

	err = rcode_handler__write_state(h, env->state);
	for (uint32_t k = 0; !err && k < p->nwindows; k++)
		err = rcode_handler__write_window(h, k, env->windows[k]);
	err = err ?: rcode_handler__read_stats(h, &before);
	if (x->path == RCODE_PATH_INTERP) {
		/* The interpreter picks the handler by the message's portal. */
		err = err ?: rcode_handler__install(h, msg->hdr.portal);
		if (x->trace) {
			static struct rc_trace zero;
			__u32 key = 0;

			if (bpf_map_update_elem(rcode_handler__trace_fd(h), &key,
						&zero, BPF_ANY))
				err = -errno;
		}
	}
	if (err)
		return err;
	len = rcode_pkt_build(msg, x->ipver, RC_UDP_PORT, in, sizeof(in));
	if (len < 0)
		return len;
	t0 = mono_ns();
	err = rcode_handler__test_run(h, in, len, out, &out_len, &verdict, 1, NULL);
	t1 = mono_ns();
	if (err)
		return err;
	err = rcode_handler__read_state(h, env->state);
	for (uint32_t k = 0; !err && k < p->nwindows; k++)
		err = rcode_handler__read_window(h, k, env->windows[k]);
	err = err ?: rcode_handler__read_stats(h, &after);
	if (err)
		return err;

	memset(res, 0, sizeof(*res));
	res->action = verdict == XDP_DROP ? RC_ACT_DROP :
		      verdict == XDP_TX ? RC_ACT_REPLY : RC_ACT_PASS;
	if (verdict != XDP_DROP && verdict != XDP_TX && verdict != XDP_PASS) {
		snprintf(x->why, sizeof(x->why), "XDP verdict %u", verdict);
		return -EPROTO;
	}
	if (after.invocations != before.invocations + 1) {
		snprintf(x->why, sizeof(x->why), "the handler did not run on its "
			 "message (not_for_us %llu -> %llu)",
			 (unsigned long long)before.not_for_us,
			 (unsigned long long)after.not_for_us);
		return -EPROTO;
	}
	for (int f = 1; f < RC_ABI_FAULTS; f++)
		if (after.faults[f] != before.faults[f]) {
			res->fault = f;
			res->fault_pc = after.last_fault_pc;
			if (after.last_fault_code != (uint64_t)f)
				res->fault = RC_FAULT__COUNT;	/* inconsistent */
		}
	if (res->fault == RC_FAULT_BUDGET &&
	    after.budget_aborts != before.budget_aborts + 1)
		res->fault = RC_FAULT__COUNT;
	if (rcode_pkt_parse(out, out_len, msg, &info)) {
		snprintf(x->why, sizeof(x->why), "the packet that left is not an "
			 "R-message frame");
		return -EPROTO;
	}
	/* What leaves (pass, reply) must be a valid frame; a dropped one
	 * goes nowhere, so its checksum is not kept up to date. */
	if (res->action != RC_ACT_DROP &&
	    (!info.udp_csum_ok || !info.ip_csum_ok || !info.lengths_ok)) {
		snprintf(x->why, sizeof(x->why), "bad frame:%s%s%s",
			 info.udp_csum_ok ? "" : " UDP checksum",
			 info.ip_csum_ok ? "" : " IP checksum",
			 info.lengths_ok ? "" : " lengths");
		return -EPROTO;
	}
	/* A reply goes back: addresses and ports swapped. */
	if ((res->action == RC_ACT_REPLY) != (info.src_port == RC_UDP_PORT)) {
		snprintf(x->why, sizeof(x->why), "addresses %s swapped",
			 res->action == RC_ACT_REPLY ? "not" : "wrongly");
		return -EPROTO;
	}
	/* 'clock' is real time on this path: a word the reference set to the
	 * case's clock must hold a time taken during the run. */
	for (uint32_t w = 0; w < p->state_words; w++)
		if (env->state[w] >= t0 && env->state[w] <= t1)
			env->state[w] = env->clock_ns;
	res->insns = UINT64_MAX;	/* not counted on this path */
	if (x->trace) {
		static struct rc_trace tr;
		static uint64_t pcs[RC_CODE_MAX];
		uint64_t sum = 0;

		err = rcode_handler__read_trace(h, &tr);
		if (err)
			return err;
		if (tr.runs != 1) {
			snprintf(x->why, sizeof(x->why), "trace: %llu runs, not 1",
				 (unsigned long long)tr.runs);
			return -EPROTO;
		}
		rc_icode_pc_counts(p, rcode_handler__icode(h),
				   (const uint64_t *)tr.uop_runs, pcs);
		for (uint32_t pc = 0; pc < RC_CODE_MAX; pc++)
			sum += pcs[pc];
		if (sum != tr.insns) {
			snprintf(x->why, sizeof(x->why), "trace: per-pc counts add "
				 "up to %llu, insns says %llu",
				 (unsigned long long)sum,
				 (unsigned long long)tr.insns);
			return -EPROTO;
		}
		res->insns = tr.insns;
		res->stack_max = tr.stack_max;
	}
	return 0;
}

/* The path's own failures (a bad frame, a wrong verdict) explained. */
static int exec_xlate(void *ctx_, const struct rc_case *c, struct rc_msg *msg,
		      struct rc_env *env, struct rc_result *res)
{
	struct xlate_ctx *x = ctx_;
	int err;

	x->why[0] = '\0';
	err = exec_xlate_inner(ctx_, c, msg, env, res);
	if (err && x->why[0])
		printf("# %s (ipv%d): %s\n", c->name, x->ipver, x->why);
	return err;
}

static int run_case(const char *path, const char *name, int ipver,
		    bool inline_loops, enum rcode_path kind, bool trace,
		    int *nskipped)
{
	struct rcode_handler_opts ho = { .sz = sizeof(ho),
					 .inline_loops = inline_loops,
					 .path = kind, .interp = interp,
					 .trace = trace };
	struct xlate_ctx x = { .ipver = ipver, .inline_loops = inline_loops,
			       .path = kind, .trace = trace };
	struct rc_case *c;
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_diags d;
	struct rc_prog *copy;
	char err[256], label[300];
	int fails, ret = 0;

	snprintf(label, sizeof(label), "%s/ipv%d%s: %s",
		 kind == RCODE_PATH_INTERP ? (trace ? "interp-trace" : "interp")
					   : "xlate", ipver,
		 inline_loops ? "/inline" : "", name);
	if (rc_case_load(path, name, &c, err, sizeof(err))) {
		TEST_FAIL(label, "%s", err);
		free(vi);
		return 1;
	}
	if (!c->accepted || !c->nruns) {
		rc_case_free(c);
		free(vi);
		return 0;	/* rejection cases belong to the verifier */
	}
	if (inline_loops && !rc_verify(c->prog, vi, &(struct rc_diags){ 0 }) &&
	    !vi->has_loop) {
		rc_case_free(c);
		free(vi);
		return 0;	/* the second strategy only matters for loops */
	}
	rc_diags_init(&d);
	copy = rc_prog_new();
	memcpy(copy, c->prog, sizeof(*copy));
	copy->src = NULL;
	copy->loc = NULL;
	if (rc_verify(copy, vi, &d)) {
		TEST_FAIL(label, "does not verify");
		rc_prog_free(copy);
		goto out;
	}
	x.h = rcode_handler__new(copy, vi, &ho);
	if (!x.h) {
		TEST_FAIL(label, "rcode_handler__new: %s", strerror(errno));
		rc_prog_free(copy);
		goto out;
	}
	ret = rcode_handler__load(x.h, &d);
	if (ret == -EOPNOTSUPP) {
		/* Not translatable by design (loops): the verifier of
		 * rcode2bpf says so; count it, do not hide it. */
		printf("SKIP: %s: %s\n", label, d.n ? d.v[0].msg : "not supported");
		(*nskipped)++;
		ret = 0;
		goto out;
	}
	if (ret) {
		rc_diags_print(&d, stdout);
		TEST_FAIL(label, "load: %s", strerror(-ret));
		goto out;
	}
	if (kind == RCODE_PATH_XLATE && ipver == 4 && !inline_loops) {
		/* The first path: the reference interpreter itself. */
		char rl[300];

		snprintf(rl, sizeof(rl), "ref: %s", name);
		if (rc_case_run_all(c, rc_case_exec_interp, NULL, 0, "ref: "))
			TEST_FAIL(rl, "the reference disagrees with the case");
		else
			TEST_PASS(rl);
	}
	fails = rc_case_run_all(c, exec_xlate, &x, trace ? 0 :
				RC_CASE_NO_STACK_MAX | RC_CASE_NO_INSNS,
				kind == RCODE_PATH_INTERP ? "interp: " : "xlate: ");
	if (fails < 0)
		TEST_FAIL(label, "could not run: %s %s", strerror(-fails), x.why);
	else if (fails)
		TEST_FAIL(label, "%d run(s) disagree with the reference", fails);
	else
		TEST_PASS(label);
out:
	rcode_handler__close(x.h);
	rc_diags_free(&d);
	rc_case_free(c);
	free(vi);
	return ret;
}

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
	{
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
	snprintf(dir, sizeof(dir), "%s/selftests/cases", root);
	if (rc_case_find(dir, &paths, &n) || !n) {
		TEST_FAIL("xlate: cases", "no case files under %s", dir);
		return rc_test_exit();
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = paths[i] + strlen(dir) + 1;

		for (int v = 4; v <= 6; v += 2)
			run_case(paths[i], name, v, false, RCODE_PATH_XLATE,
				 false, &skipped);
		/* Loops also the way kernels without the JIT run them. */
		run_case(paths[i], name, 4, true, RCODE_PATH_XLATE, false,
			 &skipped);
		if (!interp)
			continue;
		for (int v = 4; v <= 6; v += 2)
			run_case(paths[i], name, v, false, RCODE_PATH_INTERP,
				 false, &skipped);
		run_case(paths[i], name, 4, false, RCODE_PATH_INTERP, true,
			 &skipped);
	}
	rc_case_paths_free(paths, n);
	rcode_interp__close(interp);
	return rc_test_exit();
}
