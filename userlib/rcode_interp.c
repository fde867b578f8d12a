// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_interp.c - the in-kernel interpreter (bpf/rc_interp.bpf.c) as a
 * kernel object: loaded once per interface (or per test), after which
 * installing a handler is a few map updates (rcode_handler.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "embedded.h"
#include "rcode_private.h"

#define INTERP_OBJ	"rc_interp.bpf.o"

/* The maps, by name in the object and in the pin directory. */
static const char *const map_names[RCODE_IMAP__COUNT] = {
	[RCODE_IMAP_CODE] = "ic_code",
	[RCODE_IMAP_STATE] = "ic_state",
	[RCODE_IMAP_STATS] = "ic_stats",
	[RCODE_IMAP_WINDOWS] = "ic_windows",
	[RCODE_IMAP_TRACE] = "ic_trace",
	[RCODE_IMAP_MISC] = "ic_misc",
	[RCODE_IMAP_UPCALLS] = "ic_upcalls",
	[RCODE_IMAP_RANKS] = "ic_ranks",
};
static const char *const pin_names[RCODE_IMAP__COUNT] = {
	[RCODE_IMAP_CODE] = "code",
	[RCODE_IMAP_STATE] = "state",
	[RCODE_IMAP_STATS] = "stats",
	[RCODE_IMAP_WINDOWS] = "windows",
	[RCODE_IMAP_TRACE] = "trace",
	[RCODE_IMAP_MISC] = "misc",
	[RCODE_IMAP_UPCALLS] = "upcalls",
	[RCODE_IMAP_RANKS] = "ranks",
};

struct rcode_interp {
	int prog_fd[2];			/* plain, tracing */
	int map_fd[RCODE_IMAP__COUNT];
	uint64_t load_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct rcode_interp *interp_alloc(void)
{
	struct rcode_interp *ip = calloc(1, sizeof(*ip));

	if (!ip)
		return NULL;
	ip->prog_fd[0] = ip->prog_fd[1] = -1;
	for (int i = 0; i < RCODE_IMAP__COUNT; i++)
		ip->map_fd[i] = -1;
	return ip;
}

/* Everything from an earlier rcode_interp__pin(). */
static int open_pinned(struct rcode_interp *ip, const char *dir)
{
	char path[512];

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, i ? "prog_trace" : "prog");
		ip->prog_fd[i] = bpf_obj_get(path);
		if (ip->prog_fd[i] < 0)
			return -errno;
	}
	for (int i = 0; i < RCODE_IMAP__COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, pin_names[i]);
		ip->map_fd[i] = bpf_obj_get(path);
		if (ip->map_fd[i] < 0)
			return -errno;
	}
	return 0;
}

/*
 * Each array of maps takes the shape of its inner maps from a template
 * (bpf/rc_interp.bpf.c says why not from BTF).  A handler's maps must
 * match it: rcode_handler.c creates them the same way.
 */
static int set_templates(struct bpf_object *obj, int *fds)
{
	static const struct {
		int which;
		enum bpf_map_type type;
		uint32_t value_size, flags;
	} t[] = {
		{ RCODE_IMAP_CODE, BPF_MAP_TYPE_ARRAY, sizeof(struct rc_icode), 0 },
		{ RCODE_IMAP_STATE, BPF_MAP_TYPE_ARRAY, RC_STATE_MAX * 8, 0 },
		{ RCODE_IMAP_STATS, BPF_MAP_TYPE_PERCPU_ARRAY,
		  sizeof(struct rc_handler_stats), 0 },
		{ RCODE_IMAP_WINDOWS, BPF_MAP_TYPE_ARRAY, 8,
		  BPF_F_MMAPABLE | BPF_F_INNER_MAP },
		{ RCODE_IMAP_TRACE, BPF_MAP_TYPE_ARRAY, sizeof(struct rc_trace), 0 },
		/* A ring buffer has no key or value: its size is the
		 * "max_entries", and no BTF (rcode_handler.c's rings have
		 * none either, which Linux 6.1 compares). */
		{ RCODE_IMAP_UPCALLS, BPF_MAP_TYPE_RINGBUF, 0, 0 },
	};

	struct btf *btf = btf__new_empty();
	int u32, u64, vt[sizeof(t) / sizeof(t[0])], err = 0;

	/*
	 * The templates carry BTF as the handlers' maps do.  Linux 6.1
	 * compares an inner map's timer offset with the template's, and
	 * that is -EINVAL for a map created without BTF but -ENOENT for one
	 * with BTF that has no timer: without BTF here, no handler's data
	 * area would fit.
	 */
	if (!btf)
		return -errno;
	u32 = btf__add_int(btf, "__u32", 4, 0);
	u64 = btf__add_int(btf, "__u64", 8, 0);
	/* A struct of each value's size; its fields do not matter to the
	 * comparison. */
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		vt[i] = u64;
		if (t[i].value_size != 8 && t[i].value_size) {
			vt[i] = btf__add_struct(btf, "rc_value", t[i].value_size);
			btf__add_field(btf, "w0", u64, 0, 0);
		}
	}
	err = btf__load_into_kernel(btf);
	for (size_t i = 0; !err && i < sizeof(t) / sizeof(t[0]); i++) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = t[i].flags);
		struct bpf_map *m = bpf_object__find_map_by_name(obj,
						map_names[t[i].which]);
		int fd;

		if (!m) {
			err = -ENOENT;
			break;
		}
		if (t[i].which != RCODE_IMAP_CODE && t[i].which != RCODE_IMAP_TRACE &&
		    t[i].which != RCODE_IMAP_UPCALLS) {
			o.btf_fd = btf__fd(btf);
			o.btf_key_type_id = u32;
			o.btf_value_type_id = vt[i];
		}
		if (t[i].type == BPF_MAP_TYPE_RINGBUF)
			fd = bpf_map_create(t[i].type, "rc_tmpl", 0, 0,
					    RC_ABI_UPCALL_RING, &o);
		else
			fd = bpf_map_create(t[i].type, "rc_tmpl", 4,
					    t[i].value_size, 1, &o);
		if (fd < 0) {
			err = -errno;
			break;
		}
		fds[i] = fd;	/* closed by the caller after the load */
		err = bpf_map__set_inner_map_fd(m, fd);
	}
	btf__free(btf);
	return err;
}

static int load_object(struct rcode_interp *ip, __u16 port, int ranks_fd,
		       char *err_out, size_t errsize)
{
	const struct rc_embedded_obj *eo = rc_embedded_find(INTERP_OBJ);
	struct bpf_object *obj;
	struct bpf_program *p;
	int tmpl[RCODE_IMAP__COUNT];
	uint64_t t0;
	int err;

	for (int i = 0; i < RCODE_IMAP__COUNT; i++)
		tmpl[i] = -1;
	if (!eo) {
		snprintf(err_out, errsize, "%s is not built into this library",
			 INTERP_OBJ);
		return -ENOENT;
	}
	obj = bpf_object__open_mem(eo->data, eo->size, NULL);
	if (!obj)
		return -errno;
	/* Behind the dispatcher's prog array: expected_attach_type 0, as
	 * every program around one prog array must agree on it. */
	bpf_object__for_each_program(p, obj)
		bpf_program__set_expected_attach_type(p, 0);
	err = rcode_object_set_rodata_u16(obj, "rc_port",
					  port ? port : RC_ABI_DEFAULT_PORT);
	if (err)
		goto out;
	err = set_templates(obj, tmpl);
	if (err) {
		snprintf(err_out, errsize, "cannot create the inner map "
			 "templates: %s", strerror(-err));
		goto out;
	}
	if (ranks_fd > 0) {
		/* The interface's rank table, shared with its translated
		 * handlers (and rcode_serve's view of the job). */
		struct bpf_map *m = bpf_object__find_map_by_name(obj,
						map_names[RCODE_IMAP_RANKS]);

		err = m ? bpf_map__reuse_fd(m, ranks_fd) : -ENOENT;
		if (err) {
			snprintf(err_out, errsize, "cannot use the rank table "
				 "(fd %d): %s", ranks_fd, strerror(-err));
			goto out;
		}
	}
	t0 = now_ns();
	err = bpf_object__load(obj);
	ip->load_ns = now_ns() - t0;
	if (err) {
		snprintf(err_out, errsize,
			 "the kernel refused the interpreter (%s)%s", strerror(-err),
			 err == -EINVAL ? "; it needs bpf_loop (Linux 5.17) and "
			 "the JIT for callbacks" : "");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		p = bpf_object__find_program_by_name(obj, i ? "rc_interp_trace"
							    : "rc_interp");
		ip->prog_fd[i] = p ? dup(bpf_program__fd(p)) : -1;
		if (ip->prog_fd[i] < 0) {
			err = -ENOENT;
			goto out;
		}
	}
	for (int i = 0; i < RCODE_IMAP__COUNT; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, map_names[i]);

		/* A reused map takes the name of the one it reuses. */
		if (i == RCODE_IMAP_RANKS && ranks_fd > 0) {
			ip->map_fd[i] = dup(ranks_fd);
			continue;
		}
		ip->map_fd[i] = m ? dup(bpf_map__fd(m)) : -1;
		if (ip->map_fd[i] < 0) {
			err = -ENOENT;
			goto out;
		}
	}
out:
	bpf_object__close(obj);
	for (int i = 0; i < RCODE_IMAP__COUNT; i++)
		if (tmpl[i] >= 0)
			close(tmpl[i]);
	return err;
}

/*
 * Does the kernel JIT-compile BPF programs?  Asked of the kernel itself:
 * load the smallest program and see whether it got machine code.  The
 * sysctl net.core.bpf_jit_enable says the same, but only in the initial
 * network namespace; in any other, /proc/sys/net/core has no such file.
 */
/*
 * The answer is kept for the life of the process: the probe is a program
 * load and its release, some 300 us, which every handler load asked for
 * and which tripled the translate stage of an install (bench_install).
 * The JIT is a boot-time choice in practice (and forced on with
 * CONFIG_BPF_JIT_ALWAYS_ON); a process that outlives a change of
 * net.core.bpf_jit_enable keeps the answer of its first probe.  A probe
 * that cannot tell is not kept.
 */
bool rcode_jit_enabled(void)
{
	static const struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static int known;	/* 0: not probed yet, 1: on, 2: off */
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd, k = __atomic_load_n(&known, __ATOMIC_RELAXED);

	if (k)
		return k == 1;
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "rc_jit_probe", "Dual BSD/GPL",
			   prog, 2, NULL);
	if (fd < 0)
		return true;	/* cannot tell: let the real load decide */
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		k = info.jited_prog_len > 0 ? 1 : 2;
		__atomic_store_n(&known, k, __ATOMIC_RELAXED);
	}
	close(fd);
	return k != 2;
}

struct rcode_interp *rcode_interp__open(const struct rcode_interp_opts *opts,
					char *err, size_t errsize)
{
	struct rcode_interp *ip = interp_alloc();
	const char *dir = opts && opts->sz >= offsetof(struct rcode_interp_opts, pin_dir) +
				  sizeof(opts->pin_dir) ? opts->pin_dir : NULL;
	int ranks_fd = opts && opts->sz >= offsetof(struct rcode_interp_opts, ranks_fd) +
				  sizeof(opts->ranks_fd) ? opts->ranks_fd : 0;
	__u16 port = opts ? opts->udp_port : 0;
	char path[512];
	int e;

	if (!ip) {
		errno = ENOMEM;
		return NULL;
	}
	if (dir) {
		snprintf(path, sizeof(path), "%s/prog", dir);
		if (!access(path, F_OK)) {
			e = open_pinned(ip, dir);
			if (e)
				snprintf(err, errsize, "cannot open the pinned "
					 "interpreter in %s: %s", dir, strerror(-e));
			goto done;
		}
	}
	if (!rcode_jit_enabled()) {
		/* The kernel's own interpreter refuses bpf_loop callbacks,
		 * which every run of this interpreter is made of. */
		snprintf(err, errsize, "the in-kernel R-code interpreter needs "
			 "the BPF JIT (net.core.bpf_jit_enable=0 here): it runs "
			 "handlers as bpf_loop callbacks, which the kernel runs "
			 "only JIT-compiled; use the translated path instead");
		e = -EOPNOTSUPP;
		goto done;
	}
	snprintf(err, errsize, "cannot load the interpreter");
	e = load_object(ip, port, ranks_fd, err, errsize);
done:
	if (e) {
		rcode_interp__close(ip);
		errno = -e;
		return NULL;
	}
	err[0] = '\0';
	return ip;
}

int rcode_interp__prog_fd(const struct rcode_interp *ip, bool trace)
{
	return ip->prog_fd[trace ? 1 : 0];
}

int rcode_interp__map_fd(const struct rcode_interp *ip, enum rcode_imap which)
{
	return which < RCODE_IMAP__COUNT ? ip->map_fd[which] : -1;
}

uint64_t rcode_interp__load_ns(const struct rcode_interp *ip)
{
	return ip->load_ns;
}

static int pin_fd(int fd, const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!access(path, F_OK))
		return 0;	/* already there: it is this one (open_pinned) */
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

int rcode_interp__pin(struct rcode_interp *ip, const char *dir)
{
	int err;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	err = pin_fd(ip->prog_fd[0], dir, "prog") ?:
	      pin_fd(ip->prog_fd[1], dir, "prog_trace");
	for (int i = 0; !err && i < RCODE_IMAP__COUNT; i++)
		err = pin_fd(ip->map_fd[i], dir, pin_names[i]);
	return err;
}

int rcode_interp__uninstall(struct rcode_interp *ip, unsigned int portal)
{
	__u32 key = portal;

	if (portal >= RC_ABI_PORTALS)
		return -EINVAL;
	/* The code first: without it nothing runs on the portal. */
	bpf_map_delete_elem(ip->map_fd[RCODE_IMAP_CODE], &key);
	bpf_map_delete_elem(ip->map_fd[RCODE_IMAP_STATE], &key);
	bpf_map_delete_elem(ip->map_fd[RCODE_IMAP_STATS], &key);
	bpf_map_delete_elem(ip->map_fd[RCODE_IMAP_TRACE], &key);
	bpf_map_delete_elem(ip->map_fd[RCODE_IMAP_UPCALLS], &key);
	for (__u32 k = 0; k < 8; k++) {
		key = portal * 8 + k;
		bpf_map_delete_elem(ip->map_fd[RCODE_IMAP_WINDOWS], &key);
	}
	return 0;
}

int rcode_interp__read_stats(const struct rcode_interp *ip,
			     struct rc_interp_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct rc_interp_stats *v;
	__u32 key = 0;
	int err = 0;

	if (ncpu <= 0)
		return -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(ip->map_fd[RCODE_IMAP_MISC], &key, v))
		err = -errno;
	for (int c = 0; !err && c < ncpu; c++) {
		sum->packets += v[c].packets;
		sum->dispatched += v[c].dispatched;
		sum->not_for_us += v[c].not_for_us;
		sum->no_handler += v[c].no_handler;
	}
	free(v);
	return err;
}

void rcode_interp__close(struct rcode_interp *ip)
{
	if (!ip)
		return;
	for (int i = 0; i < 2; i++)
		if (ip->prog_fd[i] >= 0)
			close(ip->prog_fd[i]);
	for (int i = 0; i < RCODE_IMAP__COUNT; i++)
		if (ip->map_fd[i] >= 0)
			close(ip->map_fd[i]);
	free(ip);
}
