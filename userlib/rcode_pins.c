// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_pins.c - where librcode keeps what outlives a process: the pin
 * directories under RC_PIN_ROOT (rc_abi.h), bpffs itself, the lock that
 * attach and detach take, pinned maps checked for their shape, and what
 * a handler leaves in its portal directory (its R-code, its statistics,
 * its windows), read back by any process.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rcode_internal.h"

#define RC_BPFFS		"/sys/fs/bpf"	/* holds RC_PIN_ROOT */

/* ---- names, paths, bpffs ------------------------------------------------ */

/* The name becomes a directory under RC_PIN_ROOT: refuse anything that
 * would climb out of it, whether or not such an interface exists. */
int rc_check_ifname(const char *ifname)
{
	size_t n;

	if (!ifname)
		return -EINVAL;
	n = strnlen(ifname, IFNAMSIZ);
	if (!n || n >= IFNAMSIZ || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return -EINVAL;
	return 0;
}

/*
 * Network namespaces.  Interface names are only unique inside one network
 * namespace (every container has an eth0), so the pins of an interface
 * live under a directory of its namespace: RC_PIN_ROOT/net-<cookie>/.
 * The cookie (SO_NETNS_COOKIE, Linux >= 5.14) is a 64-bit number the
 * kernel never hands out twice, so a directory left by a namespace that
 * died can never be taken for a new namespace's.  Where it is missing,
 * the nsfs inode of /proc/self/ns/net keys RC_PIN_ROOT/netino-<ino>/
 * instead: unique among live namespaces, but an inode may be reused.
 * The key is taken at every call, never cached: a process may setns().
 */
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE		71
#endif

int rc_netns_key(char *buf, size_t size)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	struct stat st;
	int fd, n = -1;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		if (!getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) &&
		    len == sizeof(cookie) && cookie)
			n = snprintf(buf, size, "net-%llu",
				     (unsigned long long)cookie);
		close(fd);
	}
	if (n < 0) {
		if (stat("/proc/self/ns/net", &st))
			return -errno;
		n = snprintf(buf, size, "netino-%llu",
			     (unsigned long long)st.st_ino);
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int rcode_netns_pin_dir(char *buf, size_t size)
{
	char key[40];
	int n, err;

	if (!buf)
		return -EINVAL;
	err = rc_netns_key(key, sizeof(key));
	if (err)
		return err;
	n = snprintf(buf, size, "%s/%s", RC_PIN_ROOT, key);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* RC_PIN_ROOT/net-<cookie>/<ifname>[/<name>] */
int rc_pin_path(char *buf, size_t size, const char *ifname,
		       const char *name)
{
	char key[40];
	int n, err;

	err = rc_netns_key(key, sizeof(key));
	if (err)
		return err;
	if (name)
		n = snprintf(buf, size, "%s/%s/%s/%s", RC_PIN_ROOT, key, ifname,
			     name);
	else
		n = snprintf(buf, size, "%s/%s/%s", RC_PIN_ROOT, key, ifname);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int rcode_dispatch_pin_dir(const char *ifname, char *buf, size_t size)
{
	return rc_check_ifname(ifname) ?: rc_pin_path(buf, size, ifname, NULL);
}

int rc_portal_path(char *buf, size_t size, const char *ifname,
		   unsigned int portal, const char *name)
{
	char sub[RC_NAME_MAX + 32];
	int err;

	err = rc_check_ifname(ifname);
	if (err || portal >= RC_ABI_PORTALS)
		return err ?: -EINVAL;
	if (name)
		err = snprintf(sub, sizeof(sub), "portal-%u/%s", portal, name);
	else
		err = snprintf(sub, sizeof(sub), "portal-%u", portal);
	if (err < 0 || (size_t)err >= sizeof(sub))
		return -ENAMETOOLONG;
	return rc_pin_path(buf, size, ifname, sub);
}

static bool rc_is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/* The parent of pid, from /proc/<pid>/stat; 0 if unknown. */
static pid_t rc_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* "pid (comm) state ppid ...": comm may hold spaces and ')' */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/*
 * Does a process of another mount namespace see a bpffs on /sys/fs/bpf
 * where ours has none?  PID 1 first, then our ancestors (`ip netns exec`
 * execs the command in the namespace it made, so the caller's shell is
 * the parent; PID 1 may be out of reach in a container).  Returns the
 * pid that does, or 0.
 */
static pid_t rc_bpffs_hidden(void)
{
	struct stat self, other;
	char path[64];
	pid_t pid = 1, next = getppid();

	if (stat("/proc/self/ns/mnt", &self))
		return 0;
	for (int depth = 0; depth < 64 && pid > 0; depth++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
		if (!stat(path, &other) && (other.st_dev != self.st_dev ||
					    other.st_ino != self.st_ino)) {
			snprintf(path, sizeof(path), "/proc/%d/root" RC_BPFFS,
				 (int)pid);
			if (rc_is_bpffs(path))
				return pid;
		}
		if (pid == 1 && depth)
			break;
		pid = next;
		next = pid > 1 ? rc_ppid(pid) : 0;
	}
	return 0;
}

int rcode_bpffs_check(void)
{
	pid_t pid;

	if (rc_is_bpffs(RC_BPFFS))
		return 0;
	/*
	 * `ip netns exec` (and other tools) run us in a mount namespace of
	 * our own with a fresh /sys: the system's bpffs is out of sight.
	 * A bpffs mounted here would be ours alone and die with the
	 * namespace, taking the pins and so the prog array's handlers
	 * with it, while the dispatcher kept running, empty; and what is
	 * pinned in the system's would look gone.  So when PID 1 or an
	 * ancestor sees a bpffs that we do not, say so and what works.
	 */
	pid = rc_bpffs_hidden();
	if (!pid)
		return -ENOENT;
	pr_warn("%s here is not the bpffs that process %d sees: this process "
		"runs in a mount namespace of its own (as under `ip netns exec`, "
		"which remounts /sys), where pins would vanish with it and those "
		"of the system are out of sight; enter only the network namespace "
		"instead: `rloader -n NAME ...` or `nsenter --net=/run/netns/NAME "
		"rloader ...`\n", RC_BPFFS, (int)pid);
	return -EXDEV;
}

int rc_bpffs_ensure(void)
{
	int err;

	/* Refused where one of ours would be private (above); where nobody
	 * has one (a bare VM, a test's own mount namespace), mount one as
	 * libxdp and bpftool do. */
	err = rcode_bpffs_check();
	if (err != -ENOENT)
		return err;
	if (mount("bpf", RC_BPFFS, "bpf", 0, "mode=0700")) {
		err = -errno;
		pr_warn("no bpffs on %s, and mounting one failed: %s\n",
			RC_BPFFS, strerror(-err));
		return err;
	}
	pr_info("mounted bpffs on %s\n", RC_BPFFS);
	return 0;
}

int rc_mkdir(const char *path, bool *made)
{
	if (!mkdir(path, 0700)) {
		if (made)
			*made = true;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	pr_warn("cannot create %s: %s\n", path, strerror(errno));
	return -errno;
}

/*
 * Attach and detach look before they act (is it attached? with which
 * pins?); two processes doing that at once must not interleave, or both
 * would attach.  The lock is an flock on RC_PIN_ROOT, which is never
 * removed, and it is one lock for every namespace's directory: attach and
 * detach are rare and short.
 *
 * An flock only serializes processes that lock the same inode.  So the
 * lock is taken on RC_PIN_ROOT whenever bpffs is there (detach made it,
 * too, rather than go on unlocked and race a first attach), and after
 * flock() the locked directory must still be what RC_PIN_ROOT names: two
 * first attaches may each have mounted a bpffs on /sys/fs/bpf, the later
 * on top of the earlier, and a lock on the hidden one would serialize
 * nothing.  Then lock again, on the one that is seen.  The lock also
 * makes this namespace's directory, RC_PIN_ROOT/net-<cookie>, and
 * rc_unlock() removes it if it is empty: whoever holds the lock finds it.
 */
static int rc_mkdir_quiet(const char *path)
{
	return mkdir(path, 0700) && errno != EEXIST ? -errno : 0;
}

int rc_lock(void)
{
	struct stat held, seen;
	char ns[PATH_MAX];
	int fd, err;

	for (int tries = 0; tries < 8; tries++) {
		if (rc_is_bpffs(RC_BPFFS) && !rc_mkdir_quiet(RC_PIN_ROOT) &&
		    !rcode_netns_pin_dir(ns, sizeof(ns)))
			rc_mkdir_quiet(ns);
		fd = open(RC_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;	/* -ENOENT: no bpffs, nothing pinned */
		while (flock(fd, LOCK_EX)) {
			if (errno == EINTR)
				continue;
			err = -errno;
			close(fd);
			return err;
		}
		if (!fstat(fd, &held) && !stat(RC_PIN_ROOT, &seen) &&
		    held.st_dev == seen.st_dev && held.st_ino == seen.st_ino)
			return fd;
		close(fd);
	}
	pr_warn("%s keeps changing under us; cannot lock it\n", RC_PIN_ROOT);
	return -EAGAIN;
}

void rc_unlock(int fd)
{
	char ns[PATH_MAX];

	if (fd < 0)
		return;
	/* The namespace's directory goes with its last interface's pins
	 * (ENOTEMPTY otherwise); only under the lock, which makes it, so
	 * that it never vanishes under an attach. */
	if (!rcode_netns_pin_dir(ns, sizeof(ns)))
		rmdir(ns);
	close(fd);	/* drops the flock */
}

static int rc_rm_entry(const char *path, const struct stat *sb, int type,
		       struct FTW *ftw)
{
	int err;

	(void)sb;
	(void)ftw;
	if (type == FTW_DP || type == FTW_DNR)
		err = rmdir(path);
	else
		err = unlink(path);	/* a pin goes away like a file */
	if (err && errno != ENOENT) {
		err = -errno;
		pr_warn("cannot remove %s: %s\n", path, strerror(errno));
		return err;
	}
	return 0;
}

/* Remove a pin directory and everything below it; -ENOENT if absent. */
int rc_rm_tree(const char *dir)
{
	int err;

	err = nftw(dir, rc_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	if (err == -1)
		return -errno;
	return err;
}

/* ---- pinned maps ---------------------------------------------------------
 *
 * A pin left by another rcode version could hold a map of another shape;
 * reading per-CPU values into a buffer sized for ours would overflow it,
 * so every pinned map is checked before use.
 */
int rc_open_map(const char *ifname, const char *name, __u32 type,
		__u32 value_size, struct bpf_map_info *info)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	char path[PATH_MAX];
	int fd, err;

	err = rc_check_ifname(ifname) ?:
	      rc_pin_path(path, sizeof(path), ifname, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd;	/* -ENOENT: not attached */
	err = bpf_obj_get_info_by_fd(fd, &mi, &len);
	if (err)
		goto err;
	if (mi.type != type || mi.key_size != sizeof(__u32) ||
	    mi.value_size != value_size) {
		pr_warn("%s is not the map this library expects (type %u, "
			"value size %u); detach and attach again\n",
			path, mi.type, mi.value_size);
		err = -EINVAL;
		goto err;
	}
	if (info)
		*info = mi;
	return fd;
err:
	close(fd);
	return err;
}


int rc_pin_root(void)
{
	char dir[PATH_MAX];

	return rc_bpffs_ensure() ?: rc_mkdir(RC_PIN_ROOT, NULL) ?:
	       rcode_netns_pin_dir(dir, sizeof(dir)) ?: rc_mkdir(dir, NULL);
}

int rc_pin_dirs(const char *ifname, int portal, bool *made)
{
	char dir[PATH_MAX];
	bool m = false;
	int err;

	err = rc_check_ifname(ifname) ?: rc_pin_root() ?:
	      rc_pin_path(dir, sizeof(dir), ifname, NULL) ?:
	      rc_mkdir(dir, &m);
	if (made)
		*made = m;
	if (err || portal < 0)
		return err;
	return rc_portal_path(dir, sizeof(dir), ifname, portal, NULL) ?:
	       rc_mkdir(dir, NULL);
}

int rc_pin_fd(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	unlink(path);	/* a replaced handler's pin */
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

/* ---- a handler's pins ------------------------------------------------------
 *
 * Besides what rcode_handler__pin() pins (prog, state, stats, win-NAME),
 * attaching pins the handler's R-code as portal-<N>/rcode: a one-entry
 * array whose value is the .rbin encoding (rc_bin_encode), frozen after it
 * is written.  bpffs holds no regular files, and later processes need
 * the handler's name, layout and instructions to explain a fault pc.
 */

/* An .rbin is at most a few dozen KiB (4096 slots of 8 bytes plus the
 * tables); refuse to read anything larger as if it were one. */
#define RC_RCODE_MAX	(256u << 10)

int rc_rcode_map_create(const struct rc_prog *prog)
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

struct rc_prog *rcode_portal_prog(const char *ifname, unsigned int portal)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi), key = 0;
	struct rc_prog *prog = NULL;
	char path[PATH_MAX];
	struct rc_diags d;
	uint8_t *buf = NULL;
	int fd, err;

	err = rc_portal_path(path, sizeof(path), ifname, portal, RC_PIN_RCODE);
	if (err) {
		errno = -err;
		return NULL;
	}
	fd = bpf_obj_get(path);
	if (fd < 0)
		return NULL;	/* errno set */
	rc_diags_init(&d);
	err = -EINVAL;
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) || mi.type != BPF_MAP_TYPE_ARRAY ||
	    mi.key_size != sizeof(key) || mi.max_entries != 1 ||
	    mi.value_size > RC_RCODE_MAX)
		goto out;
	buf = malloc(mi.value_size);
	prog = rc_prog_new();
	if (!buf || !prog) {
		err = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(fd, &key, buf)) {
		err = -errno;
		goto out;
	}
	err = rc_bin_decode(buf, mi.value_size, path, prog, &d);
out:
	if (err) {
		rc_prog_free(prog);
		prog = NULL;
	}
	rc_diags_free(&d);
	free(buf);
	close(fd);
	errno = err ? -err : 0;
	return prog;
}

int rc_stats_sum(int fd, struct rc_handler_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct rc_handler_stats *v;
	__u32 key = 0;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(fd, &key, v)) {
		err = -errno;
		goto out;
	}
	for (int c = 0; c < ncpu; c++) {
		const __u64 *a = (const __u64 *)&v[c];
		__u64 *s = (__u64 *)sum;

		/* Counters add up, the last fault is the newest on any CPU:
		 * every field but those three is a counter. */
		for (size_t i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
			s[i] += a[i];
		sum->last_fault_pc = sum->last_fault_code = sum->last_fault_ns = 0;
	}
	for (int c = 0; c < ncpu; c++) {
		if (v[c].last_fault_ns > sum->last_fault_ns) {
			sum->last_fault_ns = v[c].last_fault_ns;
			sum->last_fault_pc = v[c].last_fault_pc;
			sum->last_fault_code = v[c].last_fault_code;
		}
	}
out:
	free(v);
	return err;
}

int rcode_portal_stats(const char *ifname, unsigned int portal,
		       struct rc_handler_stats *sum)
{
	char name[32];
	int fd, err;

	if (!sum || portal >= RC_ABI_PORTALS)
		return -EINVAL;
	snprintf(name, sizeof(name), "portal-%u/%s", portal, RC_PIN_HSTATS);
	fd = rc_open_map(ifname, name, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(*sum),
			 NULL);
	if (fd < 0)
		return fd;
	err = rc_stats_sum(fd, sum);
	close(fd);
	return err;
}

int rcode_portal_list(const char *ifname, unsigned int *portals)
{
	bool seen[RC_ABI_PORTALS] = { 0 };
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *dd;
	int n = 0;

	if (rc_check_ifname(ifname) || !portals)
		return 0;
	for (unsigned int p = 0; p < RC_ABI_PORTALS; p++) {
		__u32 id;

		if (!rcode_portal_prog_id(ifname, p, &id) && id)
			seen[p] = true;
	}
	if (!rc_pin_path(dir, sizeof(dir), ifname, NULL) && (dd = opendir(dir))) {
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

/* Is name one of the pins a handler of p's layout has?  (The interpreter
 * path always has a data area: its arrays of maps need one shape for
 * all, rcode_handler.c.) */
static bool pin_expected(const struct rc_prog *p, bool interp, bool trace,
			 bool tc, bool upcalls, bool ranks, const char *name)
{
	if (!strcmp(name, RC_PIN_RANKS))
		return ranks;
	if (!strcmp(name, RC_PIN_HSTATS) || !strcmp(name, RC_PIN_RCODE))
		return true;
	if (!strcmp(name, RC_PIN_PROG))
		return !interp;
	if (!strcmp(name, RC_PIN_CODE))
		return interp;
	if (!strcmp(name, RC_PIN_TRACE))
		return interp && trace;
	if (!strcmp(name, RC_PIN_LINK))
		return tc;
	if (!strcmp(name, RC_PIN_UPCALLS))
		return upcalls;
	if (!strcmp(name, RC_PIN_STATE))
		return interp || p->state_words > 0;
	if (!strncmp(name, "win-", 4))
		return rc_prog_window_index(p, name + 4) >= 0;
	return false;
}

int rc_portal_prune(const char *dir, const struct rc_prog *p, bool interp,
		    bool trace, bool tc, bool upcalls, bool ranks)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *dd = opendir(dir);
	int err = 0;

	if (!dd)
		return -errno;
	while ((e = readdir(dd))) {
		if (e->d_name[0] == '.' ||
		    pin_expected(p, interp, trace, tc, upcalls, ranks, e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	closedir(dd);
	return err;
}

/* ---- windows through mmap -------------------------------------------------- */

static size_t window_len(__u32 nwords)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return ((size_t)nwords * 8 + page - 1) / page * page;
}

/* Map an mmapable window map: a translated handler's window is one value
 * of all its words, an interpreted handler's one word per entry
 * (BPF_F_INNER_MAP); an mmapable array's values start the mapping, one
 * after the other, so both look like an array of words. */
__u64 *rc_window_mmap_fd(int fd, bool writable, __u32 *nwords)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	void *m;

	if (bpf_obj_get_info_by_fd(fd, &mi, &len)) {
		return NULL;	/* errno set */
	}
	if (mi.type != BPF_MAP_TYPE_ARRAY || !(mi.map_flags & BPF_F_MMAPABLE) ||
	    mi.value_size % 8 || !mi.value_size ||
	    (mi.max_entries != 1 && mi.value_size != 8)) {
		errno = EINVAL;
		return NULL;
	}
	*nwords = mi.value_size / 8 * mi.max_entries;
	m = mmap(NULL, window_len(*nwords), PROT_READ | (writable ? PROT_WRITE : 0),
		 MAP_SHARED, fd, 0);
	return m == MAP_FAILED ? NULL : m;
}

__u64 *rcode_window_mmap(const char *ifname, unsigned int portal,
			 const char *name, bool writable, __u32 *nwords)
{
	char pin[RC_NAME_MAX + 8], path[PATH_MAX];
	__u64 *w;
	int fd, err;

	if (!name || !nwords || strlen(name) >= RC_NAME_MAX) {
		errno = EINVAL;
		return NULL;
	}
	snprintf(pin, sizeof(pin), "win-%s", name);
	err = rc_portal_path(path, sizeof(path), ifname, portal, pin);
	if (err) {
		errno = -err;
		return NULL;
	}
	fd = bpf_obj_get(path);
	if (fd < 0)
		return NULL;
	w = rc_window_mmap_fd(fd, writable, nwords);
	err = errno;
	close(fd);	/* the mapping holds the map */
	errno = err;
	return w;
}

int rcode_window_munmap(__u64 *words, __u32 nwords)
{
	if (!words)
		return -EINVAL;
	return munmap(words, window_len(nwords)) ? -errno : 0;
}
