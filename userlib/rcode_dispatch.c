// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_dispatch.c - put bpf/rc_dispatch.bpf.c on an interface through
 * libxdp, install handlers in its portals, read its counters
 * (docs/dispatch.md).  Also librcode's logging.
 *
 * Nothing is kept in the process: every call finds the dispatcher again
 * from the kernel (libxdp's view of the interface) and the pins under
 * RC_PIN_ROOT/net-<cookie>/<ifname>/, so rloader invocations and applications see the
 * same state.  Our program on the interface is the one that uses the
 * pinned `portals` map; its port is read back from its .rodata map.
 * Paths, bpffs and the lock that attach and detach take are in
 * rcode_pins.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "embedded.h"
#include "rcode_internal.h"

#define RC_DISPATCH_OBJ		"rc_dispatch.bpf.o"
#define RC_DISPATCH_NAME	"rc_dispatch"	/* object and program */
#define RC_PORT_VAR		"rc_udp_port"
#define RC_PIN_PORTALS		"portals"
#define RC_PIN_STATS		"dispatch_stats"
#define RC_MAX_MAP_IDS		16

/* ---- logging ------------------------------------------------------------ */

static int rc_print_default(enum rcode_print_level level, const char *fmt,
			    va_list ap)
{
	if (level == RCODE_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static rcode_print_fn_t rc_print = rc_print_default;

rcode_print_fn_t rcode_set_print(rcode_print_fn_t fn)
{
	rcode_print_fn_t old = rc_print;

	rc_print = fn;
	return old;
}

void rc_log(enum rcode_print_level level, const char *fmt, ...)
{
	int saved = errno;	/* callers log, then return -errno */
	va_list ap;

	if (!rc_print)
		return;
	va_start(ap, fmt);
	rc_print(level, fmt, ap);
	va_end(ap);
	errno = saved;
}

static int rc_open_portals(const char *ifname, struct bpf_map_info *info)
{
	return rc_open_map(ifname, RC_PIN_PORTALS, BPF_MAP_TYPE_PROG_ARRAY,
			   sizeof(__u32), info);
}

/* ---- finding our program on the interface ------------------------------- */

/* Offset of variable name in a BTF DATASEC (the layout of .rodata). */
static int rc_datasec_var(const struct btf *btf, __u32 sec_id,
			  const char *name, __u32 *off, __u32 *size)
{
	const struct btf_type *sec = btf__type_by_id(btf, sec_id);
	const struct btf_var_secinfo *v;

	if (!sec || !btf_is_datasec(sec))
		return -ENOENT;
	v = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, v++) {
		const struct btf_type *var = btf__type_by_id(btf, v->type);

		if (var && !strcmp(btf__name_by_offset(btf, var->name_off),
				   name)) {
			*off = v->offset;
			*size = v->size;
			return 0;
		}
	}
	return -ENOENT;
}

/* The port an attached dispatcher was loaded with, from its .rodata. */
static int rc_read_port(const __u32 *map_ids, __u32 nr, __u16 *port)
{
	for (__u32 i = 0; i < nr; i++) {
		struct bpf_map_info mi = {};
		__u32 len = sizeof(mi), off, size, zero = 0;
		struct btf *btf;
		size_t n;
		void *val;
		int fd, err;

		fd = bpf_map_get_fd_by_id(map_ids[i]);
		if (fd < 0)
			continue;
		err = bpf_obj_get_info_by_fd(fd, &mi, &len);
		n = strlen(mi.name);
		if (err || n < 7 || strcmp(mi.name + n - 7, ".rodata") ||
		    !mi.btf_id) {
			close(fd);
			continue;
		}
		btf = btf__load_from_kernel_by_id(mi.btf_id);
		err = btf ? rc_datasec_var(btf, mi.btf_value_type_id,
					   RC_PORT_VAR, &off, &size)
			  : -errno;
		btf__free(btf);
		val = calloc(1, mi.value_size);
		if (!err && (size != sizeof(*port) ||
			     off + size > mi.value_size))
			err = -EINVAL;
		if (!err && !val)
			err = -ENOMEM;
		if (!err)
			err = bpf_map_lookup_elem(fd, &zero, val);
		if (!err)
			memcpy(port, (char *)val + off, sizeof(*port));
		free(val);
		close(fd);
		return err;
	}
	return -ENOENT;
}

/*
 * Is the program prog_fd ours?  With a pinned portals map (portals_id),
 * ours is the program that uses it; without one (someone removed the
 * pins), the program named like ours, so that it can still be found and
 * detached.  On a match fills the port from the program's .rodata.
 */
static bool rc_prog_match(int prog_fd, __u32 portals_id, __u16 *port)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi), ids[RC_MAX_MAP_IDS], nr;
	bool match = false;

	pi.nr_map_ids = RC_MAX_MAP_IDS;
	pi.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &pi, &len))
		return false;
	nr = pi.nr_map_ids < RC_MAX_MAP_IDS ? pi.nr_map_ids : RC_MAX_MAP_IDS;
	if (portals_id) {
		for (__u32 i = 0; i < nr; i++)
			match |= ids[i] == portals_id;
	} else {
		match = !strcmp(pi.name, RC_DISPATCH_NAME);
	}
	if (match && rc_read_port(ids, nr, port))
		*port = 0;	/* attached, port unknown: never "the same" */
	return match;
}

static enum rcode_mode rc_mode_from_xdp(enum xdp_attach_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE:
		return RCODE_MODE_NATIVE;
	case XDP_MODE_SKB:
		return RCODE_MODE_SKB;
	case XDP_MODE_UNSPEC:
	case XDP_MODE_HW:
		break;
	}
	return RCODE_MODE_UNSPEC;
}

const char *rc_mode_name(enum rcode_mode m)
{
	switch (m) {
	case RCODE_MODE_NATIVE:
		return "native";
	case RCODE_MODE_SKB:
		return "skb";
	case RCODE_MODE_UNSPEC:
		break;
	}
	return "unspec";
}

static int rc_query(const char *ifname, int ifindex,
		    struct rcode_dispatch_info *info)
{
	struct xdp_program *p, *cand = NULL;
	struct xdp_multiprog *mp;
	struct bpf_map_info mi;
	__u32 portals_id = 0;
	__u16 port = 0;
	int fd, err;

	memset(info, 0, sizeof(*info));
	fd = rc_open_portals(ifname, &mi);
	if (fd >= 0) {
		info->pinned = true;
		portals_id = mi.id;
		close(fd);
	} else if (fd != -ENOENT) {
		return fd;
	}

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err || !mp)
		return err == -ENOENT || !err ? 0 : err;	/* no XDP at all */

	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && rc_prog_match(xdp_program__fd(p), portals_id, &port))
			cand = p;
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p && !cand;
		     p = xdp_multiprog__next_prog(p, mp))
			if (rc_prog_match(xdp_program__fd(p), portals_id,
					  &port))
				cand = p;
	}
	if (cand) {
		info->attached = true;
		info->multiprog = !xdp_multiprog__is_legacy(mp);
		info->mode = rc_mode_from_xdp(xdp_multiprog__attach_mode(mp));
		info->udp_port = port;
		info->prog_id = xdp_program__id(cand);
	}
	xdp_multiprog__close(mp);
	return 0;
}

int rcode_dispatch_query(const char *ifname, struct rcode_dispatch_info *info)
{
	int ifindex, err;

	err = rc_check_ifname(ifname);
	if (err || !info)
		return err ?: -EINVAL;
	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	return rc_query(ifname, ifindex, info);
}

/* ---- attach, detach ----------------------------------------------------- */

int rcode_object_set_rodata_u16(struct bpf_object *obj, const char *var,
				__u16 value)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *rodata;
	const void *init;
	__u32 off, size;
	size_t sz;
	void *buf;
	int sec, err;

	rodata = bpf_object__find_map_by_name(obj, ".rodata");
	init = rodata ? bpf_map__initial_value(rodata, &sz) : NULL;
	sec = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)
		  : -ENOENT;
	if (!init || sec < 0)
		return -ENOENT;
	err = rc_datasec_var(btf, sec, var, &off, &size);
	if (err)
		return err;
	if (size != sizeof(value) || off + size > sz)
		return -EINVAL;
	/* libbpf 1.1 hands out a const view: change a copy. */
	buf = malloc(sz);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, init, sz);
	memcpy((char *)buf + off, &value, sizeof(value));
	err = bpf_map__set_initial_value(rodata, buf, sz);
	free(buf);
	return err;
}

static int rc_pin_map(struct bpf_object *obj, const char *ifname,
		      const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);
	char path[PATH_MAX];
	int err;

	if (!map)
		return -ENOENT;
	err = rc_pin_path(path, sizeof(path), ifname, name);
	return err ?: bpf_map__set_pin_path(map, path);
}

static int rc_load_attach(const char *ifname, int ifindex,
			  enum rcode_mode mode, __u16 port)
{
	const struct rc_embedded_obj *eo = rc_embedded_find(RC_DISPATCH_OBJ);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = RC_DISPATCH_NAME);
	enum xdp_attach_mode xmode;
	struct xdp_program *prog = NULL;
	struct bpf_object *obj;
	char dir[PATH_MAX];
	bool made_dir = false;
	int err;

	if (!eo) {
		pr_warn("%s is not built into this library\n", RC_DISPATCH_OBJ);
		return -ENOENT;
	}
	xmode = mode == RCODE_MODE_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;

	obj = bpf_object__open_mem(eo->data, eo->size, &oo);
	if (!obj) {
		err = -errno;
		pr_warn("cannot open %s: %s\n", RC_DISPATCH_OBJ, strerror(-err));
		return err;
	}
	/*
	 * Since "bpf: Enforce expected_attach_type for tailcall
	 * compatibility" (6.17, and in the stable kernels) every program
	 * around one prog array must agree on expected_attach_type.
	 * libxdp's freplace load makes it 0; do the same for its
	 * single-program fallback, and handlers load with 0 too.
	 */
	err = bpf_program__set_expected_attach_type(
		bpf_object__find_program_by_name(obj, RC_DISPATCH_NAME), 0);
	if (!err)
		err = rcode_object_set_rodata_u16(obj, RC_PORT_VAR, port);
	if (err) {
		pr_warn("cannot prepare %s: %s\n", RC_DISPATCH_OBJ,
			strerror(-err));
		goto out;
	}
	/* libbpf pins the maps when libxdp loads the object, or reuses
	 * the pinned ones if an earlier attach left them. */
	err = rc_pin_path(dir, sizeof(dir), ifname, NULL) ?:
	      rc_mkdir(dir, &made_dir) ?:
	      rc_pin_map(obj, ifname, RC_PIN_PORTALS) ?:
	      rc_pin_map(obj, ifname, RC_PIN_STATS);
	if (err)
		goto out;

	prog = xdp_program__from_bpf_obj(obj, "xdp");
	err = libxdp_get_error(prog);
	if (err) {
		prog = NULL;
		goto out;
	}
	err = xdp_program__attach(prog, ifindex, xmode, 0);
	if (err) {
		char msg[256];

		libxdp_strerror(err, msg, sizeof(msg));
		pr_warn("%s: attaching the dispatcher in %s mode failed: %s\n",
			ifname, rc_mode_name(mode), msg);
		goto out;
	}
	pr_debug("%s: dispatcher attached, %s mode, port %u, prog id %u\n",
		 ifname, rc_mode_name(mode), port, xdp_program__id(prog));
out:
	/* The program now lives through libxdp's pins (or the netlink
	 * attachment), the maps through ours. */
	xdp_program__close(prog);
	bpf_object__close(obj);
	if (err && made_dir)
		rc_rm_tree(dir);
	return err;
}

int rc_dispatch_attach_locked(const char *ifname, int ifindex,
			      enum rcode_mode mode, __u16 port)
{
	struct rcode_dispatch_info cur;
	char dir[PATH_MAX];
	int err;

	err = rc_query(ifname, ifindex, &cur);
	if (err)
		return err;
	if (cur.attached) {
		if (!cur.pinned) {
			if (rc_pin_path(dir, sizeof(dir), ifname, NULL))
				snprintf(dir, sizeof(dir), "%s", RC_PIN_ROOT);
			pr_warn("%s: the dispatcher is attached but its pins "
				"under %s are gone; detach it and attach "
				"again\n", ifname, dir);
			return -EEXIST;
		}
		if (cur.mode == mode && cur.udp_port == port)
			return 0;
		pr_warn("%s: the dispatcher is attached already in %s mode "
			"for port %u; detach it first\n",
			ifname, rc_mode_name(cur.mode), cur.udp_port);
		return -EEXIST;
	}
	return rc_load_attach(ifname, ifindex, mode, port);
}

int rcode_dispatch_attach(const char *ifname,
			  const struct rcode_dispatch_opts *opts)
{
	enum rcode_mode mode;
	__u16 port;
	int ifindex, lock, err;

	err = rc_check_ifname(ifname);
	if (err)
		return err;
	if (!RC_OPTS_VALID(opts, rcode_dispatch_opts))
		return -EINVAL;
	mode = RC_OPTS_GET(opts, mode, RCODE_MODE_UNSPEC);
	if (mode == RCODE_MODE_UNSPEC)
		mode = RCODE_MODE_NATIVE;
	if (mode != RCODE_MODE_NATIVE && mode != RCODE_MODE_SKB)
		return -EINVAL;
	port = RC_OPTS_GET(opts, udp_port, 0) ?: RC_ABI_DEFAULT_PORT;
	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;

	err = rc_pin_root();
	if (err)
		return err;
	lock = rc_lock();
	if (lock < 0)
		return lock;
	err = rc_dispatch_attach_locked(ifname, ifindex, mode, port);
	rc_unlock(lock);
	return err;
}

/* Stop every handler at TC: their links and filters are not behind the
 * dispatcher, and filters do not go with the pins. */
static int rc_tc_detach_pinned(const char *ifname, int ifindex)
{
	unsigned int portals[RC_ABI_PORTALS];
	int n = rcode_portal_list(ifname, portals);

	for (int i = 0; i < n; i++)
		rc_tc_detach_locked(ifname, portals[i]);
	return rc_tc_detach_all(ifindex);
}

int rc_dispatch_detach_locked(const char *ifname, int ifindex, bool all)
{
	struct rcode_dispatch_info cur = {};
	char dir[PATH_MAX];
	int err, rm, swept;

	err = rc_pin_path(dir, sizeof(dir), ifname, NULL);
	if (err)
		return err;
	/* A vanished interface took the program with it; the pins stay
	 * until removed here. */
	if (ifindex) {
		err = rc_query(ifname, ifindex, &cur);
		if (err)
			return err;
	}
	if (cur.attached) {
		enum xdp_attach_mode xmode = cur.mode == RCODE_MODE_SKB ?
					     XDP_MODE_SKB : XDP_MODE_NATIVE;
		struct xdp_program *p = xdp_program__from_id(cur.prog_id);

		err = libxdp_get_error(p);
		if (!err) {
			err = xdp_program__detach(p, ifindex, xmode, 0);
			xdp_program__close(p);
		}
		if (err) {
			pr_warn("%s: detaching program %u failed: %s\n",
				ifname, cur.prog_id, strerror(-err));
			return err;
		}
	}
	if (!all) {
		/* Only what attaching the dispatcher made. */
		char path[PATH_MAX];

		if (!rc_pin_path(path, sizeof(path), ifname, RC_PIN_PORTALS))
			unlink(path);
		if (!rc_pin_path(path, sizeof(path), ifname, RC_PIN_STATS))
			unlink(path);
		return 0;
	}
	/* Filters found without pins count as something detached. */
	swept = rc_tc_detach_pinned(ifname, ifindex);
	/* Unpinning `portals' empties it: the kernel releases a prog
	 * array's programs when its last pin or fd goes. */
	rm = rc_rm_tree(dir);
	if (rm == -ENOENT)
		return cur.attached || swept ? 0 : -ENOENT;
	return rm;
}

int rcode_dispatch_detach(const char *ifname)
{
	int lock, err;

	err = rc_check_ifname(ifname);
	if (err)
		return err;
	lock = rc_lock();
	if (lock < 0 && lock != -ENOENT)
		return lock;
	err = rc_dispatch_detach_locked(ifname, if_nametoindex(ifname), true);
	rc_unlock(lock);
	return err;
}

/* ---- counters and portals ------------------------------------------------ */

int rcode_dispatch_stats(const char *ifname, struct rc_dispatch_stats *sum)
{
	const size_t nf = sizeof(*sum) / sizeof(__u64);
	__u32 zero = 0;
	__u64 *vals, *out;
	int ncpus, fd, err;

	if (!sum)
		return -EINVAL;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0)
		return ncpus;
	fd = rc_open_map(ifname, RC_PIN_STATS, BPF_MAP_TYPE_PERCPU_ARRAY,
			 sizeof(*sum), NULL);
	if (fd < 0)
		return fd;
	/* Per-CPU values come back one after another, each rounded up to 8
	 * bytes; the record is all __u64, so no rounding to do. */
	vals = calloc(ncpus, sizeof(*sum));
	if (!vals) {
		close(fd);
		return -ENOMEM;
	}
	err = bpf_map_lookup_elem(fd, &zero, vals);
	if (!err) {
		memset(sum, 0, sizeof(*sum));
		out = (__u64 *)sum;
		for (int cpu = 0; cpu < ncpus; cpu++)
			for (size_t f = 0; f < nf; f++)
				out[f] += vals[cpu * nf + f];
	}
	free(vals);
	close(fd);
	return err;
}

int rcode_portal_set(const char *ifname, unsigned int portal, int prog_fd)
{
	__u32 key = portal, val = prog_fd;
	int fd, err;

	if (portal >= RC_ABI_PORTALS || prog_fd < 0)
		return -EINVAL;
	fd = rc_open_portals(ifname, NULL);
	if (fd < 0)
		return fd;
	err = bpf_map_update_elem(fd, &key, &val, BPF_ANY);
	if (err)
		pr_warn("%s: cannot install a handler on portal %u: %s\n",
			ifname, portal, strerror(-err));
	close(fd);
	return err;
}

int rcode_portal_clear(const char *ifname, unsigned int portal)
{
	__u32 key = portal;
	int fd, err;

	if (portal >= RC_ABI_PORTALS)
		return -EINVAL;
	fd = rc_open_portals(ifname, NULL);
	if (fd < 0)
		return fd;
	err = bpf_map_delete_elem(fd, &key);
	close(fd);
	return err;
}

int rcode_portal_prog_id(const char *ifname, unsigned int portal, __u32 *id)
{
	__u32 key = portal, val = 0;
	int fd, err;

	if (portal >= RC_ABI_PORTALS || !id)
		return -EINVAL;
	fd = rc_open_portals(ifname, NULL);
	if (fd < 0)
		return fd;
	/* From userspace a prog array's lookup yields the program's ID. */
	err = bpf_map_lookup_elem(fd, &key, &val);
	close(fd);
	if (!err)
		*id = val;
	return err;
}
