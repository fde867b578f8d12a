// SPDX-License-Identifier: BSD-2-Clause
/*
 * portal_pins.c - what rloader finds again under RC_PIN_ROOT/<ifname>/
 * portal-<N>/ after the invocation that attached a handler has exited:
 * the program, its statistics, its windows, and its R-code (the "rcode"
 * map, see rloader.h).  Every pinned map is checked for the shape we
 * expect before its value is read into a buffer sized for that shape.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rloader.h"

/* An .rbin is at most a few dozen KiB (4096 slots of 8 bytes plus the
 * tables); refuse to read anything larger as if it were one. */
#define RCODE_MAX	(256u << 10)

int portal_dir(const char *ifname, unsigned int portal, char *buf, size_t size)
{
	char dir[PATH_MAX];
	int err, n;

	err = rcode_dispatch_pin_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	n = snprintf(buf, size, "%s/portal-%u", dir, portal);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Open dir/name if it is a map of this type and key size (and, if one,
 * of one entry). */
static int open_pinned_map_n(const char *dir, const char *name, __u32 type,
			     struct bpf_map_info *info, bool one)
{
	__u32 len = sizeof(*info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len) || info->type != type ||
	    info->key_size != sizeof(__u32) || (one && info->max_entries != 1)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static int open_pinned_map(const char *dir, const char *name, __u32 type,
			   struct bpf_map_info *info)
{
	return open_pinned_map_n(dir, name, type, info, true);
}

int rcode_map_create(const struct rc_prog *prog)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_RDONLY_PROG);
	uint8_t *bin = NULL;
	__u32 key = 0;
	size_t len;
	int fd, err;

	err = rc_bin_encode(prog, &bin, &len);
	if (err)
		return err;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "rc_code", sizeof(key), len, 1, &o);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* Frozen: the copy that explains a fault pc must be the code that
	 * runs, so nobody may change it after this. */
	if (bpf_map_update_elem(fd, &key, bin, BPF_ANY) || bpf_map_freeze(fd)) {
		err = -errno;
		close(fd);
		goto out;
	}
	err = fd;
out:
	free(bin);
	return err;
}

/* portal-N/rcode back to a program; NULL if absent or not a valid one. */
static struct rc_prog *rcode_map_read(const char *dir)
{
	struct bpf_map_info mi;
	struct rc_prog *prog = NULL;
	struct rc_diags d;
	uint8_t *buf = NULL;
	__u32 key = 0;
	char origin[PATH_MAX];
	int fd;

	fd = open_pinned_map(dir, RCODE_PIN_NAME, BPF_MAP_TYPE_ARRAY, &mi);
	if (fd < 0)
		return NULL;
	rc_diags_init(&d);
	if (mi.value_size > RCODE_MAX)
		goto out;
	buf = malloc(mi.value_size);
	prog = rc_prog_new();
	if (!buf || !prog || bpf_map_lookup_elem(fd, &key, buf))
		goto bad;
	snprintf(origin, sizeof(origin), "%s/%s", dir, RCODE_PIN_NAME);
	if (rc_bin_decode(buf, mi.value_size, origin, prog, &d))
		goto bad;
	goto out;
bad:
	rc_prog_free(prog);
	prog = NULL;
out:
	rc_diags_free(&d);
	free(buf);
	close(fd);
	return prog;
}

int pinned_stats_read(const char *path, struct rc_handler_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct rc_handler_stats *v;
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi), key = 0;
	int fd, err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) ||
	    mi.type != BPF_MAP_TYPE_PERCPU_ARRAY ||
	    mi.value_size != sizeof(*v)) {
		close(fd);
		return -EINVAL;
	}
	v = calloc(ncpu, sizeof(*v));
	if (!v) {
		close(fd);
		return -ENOMEM;
	}
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(fd, &key, v)) {
		err = -errno;
		goto out;
	}
	for (int c = 0; c < ncpu; c++) {
		const __u64 *a = (const __u64 *)&v[c];
		__u64 *s = (__u64 *)sum;

		/* Counters add up; the last fault is the newest on any CPU. */
		for (size_t i = 0; i < offsetof(struct rc_handler_stats, last_fault_pc) / 8; i++)
			s[i] += a[i];
		sum->not_for_us += v[c].not_for_us;
		if (v[c].last_fault_ns > sum->last_fault_ns) {
			sum->last_fault_ns = v[c].last_fault_ns;
			sum->last_fault_pc = v[c].last_fault_pc;
			sum->last_fault_code = v[c].last_fault_code;
		}
	}
out:
	free(v);
	close(fd);
	return err;
}

static __u32 prog_id_of(const char *path)
{
	struct bpf_prog_info pi = { 0 };
	__u32 len = sizeof(pi);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &pi, &len))
		pi.id = 0;
	close(fd);
	return pi.id;
}

/* "rc_<name>" as the handler was loaded (rcode_handler__load), shortened
 * by the kernel to 15 characters: a name when there is no rcode pin. */
static void prog_name_of(__u32 id, char *buf, size_t size)
{
	struct bpf_prog_info pi = { 0 };
	__u32 len = sizeof(pi);
	int fd = bpf_prog_get_fd_by_id(id);

	buf[0] = '\0';
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &pi, &len))
		snprintf(buf, size, "%s", strncmp(pi.name, "rc_", 3) ? pi.name :
			 pi.name + 3);
	close(fd);
}

int portal_info_get(const char *ifname, unsigned int portal,
		    struct portal_info *pi)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	DIR *dd;
	int err;

	memset(pi, 0, sizeof(*pi));
	pi->portal = portal;
	err = portal_dir(ifname, portal, dir, sizeof(dir));
	if (err)
		return err;
	if (rcode_portal_prog_id(ifname, portal, &pi->prog_id))
		pi->prog_id = 0;
	dd = opendir(dir);
	if (dd) {
		closedir(dd);
		pi->pinned = true;
	}
	if (!pi->prog_id && !pi->pinned)
		return -ENOENT;
	if (pi->pinned) {
		/* The interpreter path pins the handler's code, not a
		 * program; a traced handler also its trace (rc_abi.h). */
		snprintf(path, sizeof(path), "%s/%s", dir, PIN_CODE);
		pi->interp = !access(path, F_OK);
		snprintf(path, sizeof(path), "%s/%s", dir, PIN_TRACE);
		pi->traced = pi->interp && !access(path, F_OK);
		snprintf(path, sizeof(path), "%s/prog", dir);
		pi->pinned_prog_id = prog_id_of(path);
		snprintf(path, sizeof(path), "%s/stats", dir);
		pi->have_stats = !pinned_stats_read(path, &pi->stats);
		pi->prog = rcode_map_read(dir);
	}
	if (pi->prog)
		snprintf(pi->name, sizeof(pi->name), "%s", pi->prog->name);
	else if (pi->prog_id || pi->pinned_prog_id)
		prog_name_of(pi->prog_id ?: pi->pinned_prog_id, pi->name,
			     sizeof(pi->name));
	return 0;
}

void portal_info_free(struct portal_info *pi)
{
	rc_prog_free(pi->prog);
	pi->prog = NULL;
}

int portals_list(const char *ifname, unsigned int *portals)
{
	bool seen[RC_ABI_PORTALS] = { 0 };
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *dd;
	int n = 0;

	for (unsigned int p = 0; p < RC_ABI_PORTALS; p++) {
		__u32 id;

		if (!rcode_portal_prog_id(ifname, p, &id) && id)
			seen[p] = true;
	}
	if (!rcode_dispatch_pin_dir(ifname, dir, sizeof(dir)) &&
	    (dd = opendir(dir))) {
		while ((e = readdir(dd))) {
			unsigned int p;
			char tail;

			if (sscanf(e->d_name, "portal-%u%c", &p, &tail) == 1 &&
			    p < RC_ABI_PORTALS)
				seen[p] = true;
		}
		closedir(dd);
	}
	for (unsigned int p = 0; p < RC_ABI_PORTALS; p++)
		if (seen[p])
			portals[n++] = p;
	return n;
}

int portal_dir_remove(const char *ifname, unsigned int portal)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *e;
	DIR *dd;
	int err = 0;

	err = portal_dir(ifname, portal, dir, sizeof(dir));
	if (err)
		return err;
	dd = opendir(dir);
	if (!dd)
		return -errno;
	/* Only pins live here (bpffs has no subdirectories of ours below
	 * a portal), so one level is all there is to remove. */
	while ((e = readdir(dd))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	closedir(dd);
	if (rmdir(dir) && !err)
		err = -errno;
	return err;
}

/* Is name one of the pins a handler with p's layout, on this path, has?
 * (The interpreter path always has a data area: its arrays of maps need
 * one shape for all, rcode_handler.c.) */
static bool pin_expected(const struct rc_prog *p, enum rcode_path path,
			 bool trace, const char *name)
{
	bool interp = path == RCODE_PATH_INTERP;

	if (!strcmp(name, "stats") || !strcmp(name, RCODE_PIN_NAME))
		return true;
	if (!strcmp(name, "prog"))
		return !interp;
	if (!strcmp(name, PIN_CODE))
		return interp;
	if (!strcmp(name, PIN_TRACE))
		return interp && trace;
	if (!strcmp(name, "state"))
		return interp || p->state_words > 0;
	if (!strncmp(name, "win-", 4))
		return rc_prog_window_index(p, name + 4) >= 0;
	if (!strcmp(name, "upcalls")) {
		/* Its up-call ring (kept across a replace while it upcalls). */
		for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc]))
			if (p->insns[pc].op == RC_OP_upcall)
				return true;
	}
	return false;
}

int portal_dir_prune(const char *dir, const struct rc_prog *p,
		     enum rcode_path rpath, bool trace)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *dd = opendir(dir);
	int err = 0;

	if (!dd)
		return -errno;
	while ((e = readdir(dd))) {
		if (e->d_name[0] == '.' || pin_expected(p, rpath, trace, e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	closedir(dd);
	return err;
}

int window_mmap(const char *ifname, unsigned int portal, const char *name,
		const volatile uint64_t **words, uint32_t *nwords, void **map,
		size_t *maplen)
{
	char dir[PATH_MAX], pin[RC_NAME_MAX + 8];
	struct bpf_map_info mi;
	long page = sysconf(_SC_PAGESIZE);
	void *m;
	int fd, err;

	err = portal_dir(ifname, portal, dir, sizeof(dir));
	if (err)
		return err;
	snprintf(pin, sizeof(pin), "win-%s", name);
	fd = open_pinned_map_n(dir, pin, BPF_MAP_TYPE_ARRAY, &mi, false);
	if (fd < 0)
		return fd;
	/* A translated handler's window is one value of all its words; an
	 * interpreted handler's has one word per entry (BPF_F_INNER_MAP). */
	if (!(mi.map_flags & BPF_F_MMAPABLE) || mi.value_size % 8 ||
	    (mi.max_entries != 1 && mi.value_size != 8)) {
		close(fd);
		return -EINVAL;
	}
	/* An mmapable array's values start the mapping, one after the
	 * other; read-only is all an observer needs, and all it should be
	 * able to do. */
	*maplen = ((size_t)mi.value_size * mi.max_entries + page - 1) / page * page;
	m = mmap(NULL, *maplen, PROT_READ, MAP_SHARED, fd, 0);
	err = m == MAP_FAILED ? -errno : 0;
	close(fd);	/* the mapping holds the map */
	if (err)
		return err;
	*map = m;
	*words = m;
	*nwords = mi.value_size / 8 * mi.max_entries;
	return 0;
}

/* ---- the in-kernel interpreter's pins ------------------------------------ */
int interp_dir(const char *ifname, char *buf, size_t size)
{
	char dir[PATH_MAX];
	int err, n;

	err = rcode_dispatch_pin_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	n = snprintf(buf, size, "%s/%s", dir, INTERP_DIR_NAME);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int interp_open_pinned(const char *ifname, struct rcode_interp **ipp)
{
	RCODE_OPTS(rcode_interp_opts, io);
	char dir[PATH_MAX], path[PATH_MAX + 16], why[256];
	struct rcode_interp *ip;
	int err;

	*ipp = NULL;
	err = interp_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	/* rcode_interp__open() loads a new interpreter when none is
	 * pinned: only ever let it open one that is. */
	snprintf(path, sizeof(path), "%s/prog", dir);
	if (access(path, F_OK))
		return -ENOENT;
	io.pin_dir = dir;
	ip = rcode_interp__open(&io, why, sizeof(why));
	if (!ip)
		return errno ? -errno : -EINVAL;
	*ipp = ip;
	return 0;
}

bool interp_in_use(const char *ifname)
{
	unsigned int portals[RC_ABI_PORTALS];
	int n = portals_list(ifname, portals);

	for (int i = 0; i < n; i++) {
		char dir[PATH_MAX], path[PATH_MAX + 16];

		if (portal_dir(ifname, portals[i], dir, sizeof(dir)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, PIN_CODE);
		if (!access(path, F_OK))
			return true;
	}
	return false;
}

int interp_dir_remove(const char *ifname)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *e;
	DIR *dd;
	int err;

	err = interp_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	dd = opendir(dir);
	if (!dd)
		return -errno;
	err = 0;
	while ((e = readdir(dd))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	closedir(dd);
	if (rmdir(dir) && !err)
		err = -errno;
	return err;
}

/* dir/name: a one-entry array of exactly this value size. */
static int open_value_map(const char *dir, const char *name, __u32 value_size)
{
	struct bpf_map_info mi;
	int fd = open_pinned_map(dir, name, BPF_MAP_TYPE_ARRAY, &mi);

	if (fd >= 0 && mi.value_size != value_size) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int pinned_trace_read(const char *dir, struct rc_trace *t)
{
	__u32 key = 0;
	int fd = open_value_map(dir, PIN_TRACE, sizeof(*t)), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, t))
		err = -errno;
	close(fd);
	return err;
}

int pinned_trace_reset(const char *dir)
{
	struct rc_trace *zero = calloc(1, sizeof(*zero));
	__u32 key = 0;
	int fd, err = 0;

	if (!zero)
		return -ENOMEM;
	fd = open_value_map(dir, PIN_TRACE, sizeof(*zero));
	if (fd < 0) {
		free(zero);
		return fd;
	}
	if (bpf_map_update_elem(fd, &key, zero, BPF_EXIST))
		err = -errno;
	close(fd);
	free(zero);
	return err;
}

int pinned_icode_read(const char *dir, struct rc_icode *ic)
{
	__u32 key = 0;
	int fd = open_value_map(dir, PIN_CODE, sizeof(*ic)), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, ic))
		err = -errno;
	else if (ic->magic != RC_IC_MAGIC)
		err = -EINVAL;
	close(fd);
	return err;
}

const char *portal_path_name(const struct portal_info *pi)
{
	if (pi->interp)
		return pi->traced ? "interp+trace" : "interp";
	if (pi->prog_id || pi->pinned_prog_id)
		return "xlate";
	return "-";
}
