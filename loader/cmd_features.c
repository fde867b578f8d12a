// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_features.c - 'rloader features': what this kernel can do for rcode,
 * found by trying (load a tiny program, create a map, attach to an
 * interface that does not exist), never by the kernel's version: distro
 * kernels backport, and a sysctl can turn a feature off at run time.
 * Then which of rcode's paths and modes work here, and why not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "rloader.h"

/* Newer than Debian 12's uapi headers (6.9: may_goto). */
#ifndef BPF_JCOND
#define BPF_JCOND	0xe0
#endif
#define BPF_MAY_GOTO_SRC	0
#define BPF_FS_MAGIC_	0xcafe4a11

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
	.src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, i)	INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define EXIT_INSN()	INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* A probe's answer: 1 yes, 0 no, -1 could not tell (no privilege). */
enum { P_UNKNOWN = -1, P_NO = 0, P_YES = 1 };

struct probe {
	const char *name;
	int ok;
	char detail[160];
};

enum {
	PR_BPF, PR_JIT, PR_BTF, PR_BPFFS, PR_UNPRIV, PR_XDP, PR_SCHED_CLS,
	PR_TCX, PR_FREPLACE, PR_BPF_LOOP, PR_RINGBUF, PR_MAY_GOTO, PR_ITER,
	PR__COUNT
};

static const char *const probe_names[PR__COUNT] = {
	[PR_BPF] = "bpf_syscall", [PR_JIT] = "jit", [PR_BTF] = "btf_vmlinux",
	[PR_BPFFS] = "bpffs", [PR_UNPRIV] = "unprivileged_bpf",
	[PR_XDP] = "xdp_prog", [PR_SCHED_CLS] = "sched_cls_prog",
	[PR_TCX] = "tcx", [PR_FREPLACE] = "freplace",
	[PR_BPF_LOOP] = "bpf_loop", [PR_RINGBUF] = "ringbuf",
	[PR_MAY_GOTO] = "may_goto", [PR_ITER] = "iter_num",
};

static struct probe pr[PR__COUNT];

static void set(int i, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set(int i, int ok, const char *fmt, ...)
{
	va_list ap;

	pr[i].name = probe_names[i];
	pr[i].ok = ok;
	va_start(ap, fmt);
	vsnprintf(pr[i].detail, sizeof(pr[i].detail), fmt, ap);
	va_end(ap);
}

/* A libbpf probe's result (1, 0, -errno) as ours. */
static int from_libbpf(int r)
{
	return r == 1 ? P_YES : r == 0 ? P_NO : P_UNKNOWN;
}

static int load(enum bpf_prog_type t, const struct bpf_insn *insns,
		size_t n, struct bpf_prog_load_opts *o)
{
	return bpf_prog_load(t, "rc_feat_probe", "Dual BSD/GPL", insns, n, o);
}

/* Read a small integer sysctl; -1 if absent (not this netns) or unreadable. */
static int read_sysctl(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static void probe_basics(void)
{
	static const struct bpf_insn ret2[] = { MOV64_IMM(0, 2), EXIT_INSN() };
	struct statfs sf;
	int fd, v;

	fd = load(BPF_PROG_TYPE_XDP, ret2, 2, NULL);
	if (fd >= 0) {
		close(fd);
		set(PR_BPF, P_YES, "programs load");
	} else {
		set(PR_BPF, errno == EPERM ? P_UNKNOWN : P_NO,
		    "cannot load a program: %s%s", strerror(errno),
		    errno == EPERM ? " (run as root: CAP_BPF, CAP_NET_ADMIN)" : "");
	}
	/* rcode_jit_enabled() asks the kernel (jited_prog_len) and works in
	 * every netns; the sysctl only exists in the initial one. */
	v = read_sysctl("/proc/sys/net/core/bpf_jit_enable");
	if (pr[PR_BPF].ok != P_YES)
		set(PR_JIT, P_UNKNOWN, "cannot load a program to see");
	else
		set(PR_JIT, rcode_jit_enabled() ? P_YES : P_NO,
		    "a loaded program %s machine code; net.core.bpf_jit_enable%s%d",
		    rcode_jit_enabled() ? "has" : "has no",
		    v < 0 ? " unreadable here (not the initial netns)" : "=",
		    v < 0 ? 0 : v);
	if (v < 0 && pr[PR_JIT].ok == P_YES)
		set(PR_JIT, P_YES, "a loaded program has machine code "
		    "(net.core.bpf_jit_enable is not in this netns)");
	else if (v < 0 && pr[PR_JIT].ok == P_NO)
		set(PR_JIT, P_NO, "a loaded program has no machine code "
		    "(net.core.bpf_jit_enable is not in this netns)");
	set(PR_BTF, access("/sys/kernel/btf/vmlinux", R_OK) ? P_NO : P_YES,
	    "/sys/kernel/btf/vmlinux %s", access("/sys/kernel/btf/vmlinux", R_OK) ?
	    "is missing (CONFIG_DEBUG_INFO_BTF)" : "is readable");
	if (statfs("/sys/fs/bpf", &sf))
		set(PR_BPFFS, P_NO, "/sys/fs/bpf: %s", strerror(errno));
	else
		set(PR_BPFFS, sf.f_type == BPF_FS_MAGIC_ ? P_YES : P_NO,
		    "/sys/fs/bpf %s", sf.f_type == BPF_FS_MAGIC_ ?
		    "is a bpffs" : "is not a bpffs (mount -t bpf bpf /sys/fs/bpf)");
	v = read_sysctl("/proc/sys/kernel/unprivileged_bpf_disabled");
	set(PR_UNPRIV, v < 0 ? P_UNKNOWN : v == 0 ? P_YES : P_NO,
	    "kernel.unprivileged_bpf_disabled=%d%s", v,
	    v == 0 ? "" : " (rcode needs root anyway)");
}

static void probe_types(void)
{
	int r;

	r = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL);
	set(PR_XDP, from_libbpf(r), "XDP programs %s", r == 1 ? "load" : "do not load");
	r = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL);
	set(PR_SCHED_CLS, from_libbpf(r), "TC (sched_cls) programs %s",
	    r == 1 ? "load" : "do not load");
	r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_loop, NULL);
	set(PR_BPF_LOOP, from_libbpf(r), "the bpf_loop helper %s at XDP",
	    r == 1 ? "is there" : "is missing");
	r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	set(PR_RINGBUF, from_libbpf(r), "BPF_MAP_TYPE_RINGBUF %s",
	    r == 1 ? "can be created" : "cannot be created");
}

/* tcx: a link at an interface index that does not exist.  A kernel with
 * tcx looks the device up (ENODEV); one without refuses the attach type
 * (EINVAL).  Nothing is attached either way. */
static void probe_tcx(void)
{
	static const struct bpf_insn next[] = { MOV64_IMM(0, -1), EXIT_INSN() };
	int fd = load(BPF_PROG_TYPE_SCHED_CLS, next, 2, NULL), l, e;

	if (fd < 0) {
		set(PR_TCX, P_UNKNOWN, "cannot load a TC program: %s", strerror(errno));
		return;
	}
	l = bpf_link_create(fd, 0x7ffffff0, 46 /* BPF_TCX_INGRESS (6.6; newer than Debian 12's uapi) */, NULL);
	e = errno;
	if (l >= 0)
		close(l);
	close(fd);
	if (l >= 0 || e == ENODEV)
		set(PR_TCX, P_YES, "BPF_TCX_INGRESS links are known (probe: ENODEV "
		    "for a missing interface)");
	else
		set(PR_TCX, P_NO, "BPF_TCX_INGRESS refused: %s (tc falls back to "
		    "cls_bpf)", strerror(e));
}

/* A BTF with "int f(struct xdp_md *ctx)": what a freplace target and
 * its replacement both need.  Returns the btf, *func the FUNC's id. */
static struct btf *probe_btf(int *func)
{
	struct btf *b = btf__new_empty();
	int tint, tctx, tptr, proto;

	if (!b)
		return NULL;
	tint = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	tctx = btf__add_struct(b, "xdp_md", 0);
	tptr = btf__add_ptr(b, tctx);
	proto = btf__add_func_proto(b, tint);
	if (tint < 0 || tctx < 0 || tptr < 0 || proto < 0 ||
	    btf__add_func_param(b, "ctx", tptr) ||
	    (*func = btf__add_func(b, "rc_probe", BTF_FUNC_GLOBAL, proto)) < 0 ||
	    btf__load_into_kernel(b)) {
		btf__free(b);
		return NULL;
	}
	return b;
}

/* freplace: load an XDP target with BTF, then an extension program
 * against its main function (what libxdp's multi-program dispatcher does
 * with each program it runs). */
static void probe_freplace(void)
{
	static const struct bpf_insn ret2[] = { MOV64_IMM(0, 2), EXIT_INSN() };
	LIBBPF_OPTS(bpf_prog_load_opts, to);
	LIBBPF_OPTS(bpf_prog_load_opts, eo);
	struct bpf_func_info fi = { 0 };
	int func = 0, tfd, efd, e;
	struct btf *b = probe_btf(&func);

	if (!b) {
		set(PR_FREPLACE, P_UNKNOWN, "cannot load a BTF to probe with");
		return;
	}
	fi.type_id = func;
	to.prog_btf_fd = btf__fd(b);
	to.func_info = &fi;
	to.func_info_cnt = 1;
	to.func_info_rec_size = sizeof(fi);
	tfd = load(BPF_PROG_TYPE_XDP, ret2, 2, &to);
	if (tfd < 0) {
		set(PR_FREPLACE, P_UNKNOWN, "cannot load a target: %s", strerror(errno));
		btf__free(b);
		return;
	}
	eo.prog_btf_fd = btf__fd(b);
	eo.func_info = &fi;
	eo.func_info_cnt = 1;
	eo.func_info_rec_size = sizeof(fi);
	eo.attach_prog_fd = tfd;
	eo.attach_btf_id = func;
	efd = load(BPF_PROG_TYPE_EXT, ret2, 2, &eo);
	e = errno;
	if (efd >= 0)
		close(efd);
	close(tfd);
	btf__free(b);
	set(PR_FREPLACE, efd >= 0 ? P_YES : P_NO, efd >= 0 ?
	    "an extension program loads against an XDP function" :
	    "an extension program does not load: %s", strerror(e));
}

static void probe_may_goto(void)
{
	/* may_goto +0: the verifier bounds it with a hidden counter. */
	static const struct bpf_insn p[] = {
		INSN(BPF_JMP | BPF_JCOND, 0, BPF_MAY_GOTO_SRC, 0, 0),
		MOV64_IMM(0, 2), EXIT_INSN(),
	};
	int fd = load(BPF_PROG_TYPE_XDP, p, 3, NULL);

	set(PR_MAY_GOTO, fd >= 0 ? P_YES : P_NO, fd >= 0 ?
	    "a program with may_goto loads" : "may_goto refused: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Open-coded iterators: bpf_iter_num_new/next/destroy called as kfuncs
 * by their vmlinux BTF ids. */
static void probe_iter(void)
{
	struct btf *vm = btf__load_vmlinux_btf();
	int idn, idx, idd, fd;

	if (!vm) {
		set(PR_ITER, P_NO, "no vmlinux BTF to find bpf_iter_num_* in");
		return;
	}
	idn = btf__find_by_name_kind(vm, "bpf_iter_num_new", BTF_KIND_FUNC);
	idx = btf__find_by_name_kind(vm, "bpf_iter_num_next", BTF_KIND_FUNC);
	idd = btf__find_by_name_kind(vm, "bpf_iter_num_destroy", BTF_KIND_FUNC);
	btf__free(vm);
	if (idn < 0 || idx < 0 || idd < 0) {
		set(PR_ITER, P_NO, "vmlinux BTF has no bpf_iter_num_* kfuncs");
		return;
	}
	{
		const struct bpf_insn p[] = {
			MOV64_REG(1, 10), ADD64_IMM(1, -8), MOV64_IMM(2, 0),
			MOV64_IMM(3, 1),
			INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, idn),
			MOV64_REG(1, 10), ADD64_IMM(1, -8),
			INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, idx),
			MOV64_REG(1, 10), ADD64_IMM(1, -8),
			INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, idd),
			MOV64_IMM(0, 2), EXIT_INSN(),
		};

		fd = load(BPF_PROG_TYPE_XDP, p, sizeof(p) / sizeof(p[0]), NULL);
		set(PR_ITER, fd >= 0 ? P_YES : P_NO, fd >= 0 ?
		    "a program using bpf_iter_num_{new,next,destroy} loads" :
		    "bpf_iter_num_* refused: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

/* ---- what works here --------------------------------------------------- */
struct path_row {
	const char *name;
	int ok;
	char why[200];
};

#define NPATHS 9
static struct path_row paths[NPATHS];

static void row(int i, const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void row(int i, const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	paths[i].name = name;
	paths[i].ok = ok;
	va_start(ap, fmt);
	vsnprintf(paths[i].why, sizeof(paths[i].why), fmt, ap);
	va_end(ap);
	/* A verdict built on an unanswered probe would guess. */
	if (ok == P_UNKNOWN)
		snprintf(paths[i].why, sizeof(paths[i].why),
			 "could not tell: a probe it needs got no answer (run as root)");
}

static int both(int a, int b)
{
	return a == P_NO || b == P_NO ? P_NO : a == P_YES && b == P_YES ? P_YES : P_UNKNOWN;
}

static void judge(void)
{
	int xdp = pr[PR_XDP].ok, tc = pr[PR_SCHED_CLS].ok, jit = pr[PR_JIT].ok;
	int loop = pr[PR_BPF_LOOP].ok, pin = pr[PR_BPFFS].ok;
	int callbacks = both(jit, loop);

	row(0, "xlate/xdp-native", both(xdp, pin), xdp != P_YES ?
	    "XDP programs do not load" : pin != P_YES ? "no bpffs to pin in" :
	    "also needs a driver with native XDP (veth, mlx5, ...): 'attach -m skb' otherwise");
	row(1, "xlate/xdp-skb", both(xdp, pin), xdp != P_YES ? "XDP programs do not load" :
	    pin != P_YES ? "no bpffs to pin in" : "generic XDP: any interface");
	row(2, "dispatcher/multi-prog", both(xdp, pr[PR_FREPLACE].ok),
	    pr[PR_FREPLACE].ok == P_YES ? "libxdp's dispatcher runs rcode's beside other XDP programs (freplace)" :
	    "no freplace: libxdp loads rcode's dispatcher alone on the interface");
	row(3, "xlate/tc-tcx", both(tc, pr[PR_TCX].ok), pr[PR_TCX].ok == P_YES ?
	    "handlers that send attach at TC ingress as tcx links" :
	    "no tcx links (kernel before 6.6): --tc cls_bpf");
	row(4, "xlate/tc-cls_bpf", tc, tc == P_YES ? "clsact qdisc + cls_bpf filter" :
	    "TC programs do not load");
	row(5, "loops/bpf_loop", callbacks, callbacks == P_YES ?
	    "loops run as bpf_loop callbacks: large budgets verify quickly" :
	    jit == P_NO ? "no JIT: the kernel's interpreter refuses bpf_loop callbacks" :
	    "no bpf_loop helper");
	row(6, "loops/inline", xdp, callbacks == P_YES ?
	    "also possible (--inline-loops): each iteration verified, budget-limited" :
	    "the fallback here: each iteration is verified, so large .budget values are rejected");
	row(7, "interp", both(callbacks, pin), callbacks == P_YES ?
	    "the in-kernel interpreter (--path interp) runs handlers as bpf_loop callbacks" :
	    "needs the JIT and bpf_loop: use the translated path");
	row(8, "upcalls", pr[PR_RINGBUF].ok, pr[PR_RINGBUF].ok == P_YES ?
	    "upcall values reach the application through a ring buffer" :
	    "no BPF ring buffer: handlers with upcall cannot attach");
}

static const char *yes_no(int ok)
{
	return ok == P_YES ? "yes" : ok == P_NO ? "no" : "?";
}

static struct json_object *tri_json(int ok)
{
	return ok == P_UNKNOWN ? NULL : json_object_new_boolean(ok == P_YES);
}

static int do_features(void *o, int argc, char **argv)
{
	int status = EXIT_OK;

	(void)o;
	(void)argc;
	(void)argv;
	/* Quiet: libbpf warns on stderr about every probe it makes fail. */
	libbpf_set_print(NULL);
	probe_basics();
	if (pr[PR_BPF].ok == P_YES) {
		probe_types();
		probe_tcx();
		probe_freplace();
		probe_may_goto();
		probe_iter();
	} else {
		for (int i = PR_XDP; i < PR__COUNT; i++)
			set(i, P_UNKNOWN, "not probed: %s", pr[PR_BPF].detail);
		status = EXIT_SYSTEM;
	}
	judge();
	if (json_output) {
		struct json_object *j = json_object_new_object();
		struct json_object *f = json_object_new_object();
		struct json_object *p = json_object_new_array();

		for (int i = 0; i < PR__COUNT; i++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "supported", tri_json(pr[i].ok));
			json_object_object_add(e, "detail", json_object_new_string(pr[i].detail));
			json_object_object_add(f, pr[i].name, e);
		}
		for (int i = 0; i < NPATHS; i++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "name", json_object_new_string(paths[i].name));
			json_object_object_add(e, "works", tri_json(paths[i].ok));
			json_object_object_add(e, "why", json_object_new_string(paths[i].why));
			json_object_array_add(p, e);
		}
		json_object_object_add(j, "features", f);
		json_object_object_add(j, "paths", p);
		out_json(j);
		return status;
	}
	printf("%-18s %-4s %s\n", "feature", "", "how it was found");
	for (int i = 0; i < PR__COUNT; i++)
		printf("%-18s %-4s %s\n", pr[i].name, yes_no(pr[i].ok), pr[i].detail);
	printf("\n%-22s %-4s %s\n", "path/mode", "", "why");
	for (int i = 0; i < NPATHS; i++)
		printf("%-22s %-4s %s\n", paths[i].name, yes_no(paths[i].ok), paths[i].why);
	if (status)
		fprintf(stderr, "rloader: error: %s\n", pr[PR_BPF].detail);
	return status;
}

static const struct opt_def features_optdefs[] = { END_OPTS };

const struct cmd_def cmd_features = {
	.name = "features",
	.args = "",
	.min_args = 0, .max_args = 0,
	.summary = "Probe the kernel; say which paths and modes work here.",
	.description =
	"Every feature is probed by trying it (loading a tiny program, creating\n"
	"a map, linking to an interface that does not exist), never by the\n"
	"kernel's version; nothing stays loaded or attached.  Then each of\n"
	"rcode's paths and modes is judged from those answers: yes, no, or ?\n"
	"(could not tell: run as root).  Exit status 3 when BPF is unusable.\n"
	"\nExamples:\n"
	"  rloader features\n"
	"  rloader -j features | jq '.paths[] | select(.works == false)'\n",
	.opts = features_optdefs,
	.opts_size = 1,
	.run = do_features,
};
