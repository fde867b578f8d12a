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

/* Open dir/name if it is a map of this type and key size. */
static int open_pinned_map(const char *dir, const char *name, __u32 type,
			   struct bpf_map_info *info)
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
	    info->key_size != sizeof(__u32) || info->max_entries != 1) {
		close(fd);
		return -EINVAL;
	}
	return fd;
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

/* Is name one of the pins a handler with p's layout has? */
static bool pin_expected(const struct rc_prog *p, const char *name)
{
	if (!strcmp(name, "prog") || !strcmp(name, "stats") ||
	    !strcmp(name, RCODE_PIN_NAME))
		return true;
	if (!strcmp(name, "state"))
		return p->state_words > 0;
	if (!strncmp(name, "win-", 4))
		return rc_prog_window_index(p, name + 4) >= 0;
	return false;
}

int portal_dir_prune(const char *dir, const struct rc_prog *p)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *dd = opendir(dir);
	int err = 0;

	if (!dd)
		return -errno;
	while ((e = readdir(dd))) {
		if (e->d_name[0] == '.' || pin_expected(p, e->d_name))
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
	fd = open_pinned_map(dir, pin, BPF_MAP_TYPE_ARRAY, &mi);
	if (fd < 0)
		return fd;
	if (!(mi.map_flags & BPF_F_MMAPABLE) || mi.value_size % 8) {
		close(fd);
		return -EINVAL;
	}
	/* An mmapable array's one value starts the mapping; read-only is
	 * all an observer needs, and all it should be able to do. */
	*maplen = (mi.value_size + page - 1) / page * page;
	m = mmap(NULL, *maplen, PROT_READ, MAP_SHARED, fd, 0);
	err = m == MAP_FAILED ? -errno : 0;
	close(fd);	/* the mapping holds the map */
	if (err)
		return err;
	*map = m;
	*words = m;
	*nwords = mi.value_size / 8;
	return 0;
}
