// SPDX-License-Identifier: BSD-2-Clause
/*
 * netns_dirs.c - the network namespaces' directories under RC_PIN_ROOT
 * (net-<cookie>/, librcode.h) that are not this namespace's: whether their
 * namespace still lives, and removing those of namespaces that died.
 *
 * A namespace's cookie can only be read from inside it, so every network
 * namespace this process can reach is entered for a moment (setns() moves
 * only the calling thread; rloader has one) and its key read there.  The
 * reachable ones: those of every process (/proc/PID/ns/net), every one
 * bound to a file (/run/netns/NAME, or any nsfs mount in mountinfo, as
 * container runtimes make), and every one a process holds open
 * (/proc/PID/fd).  A directory whose key none of them has belongs to a
 * namespace that is gone: cookies are never reused.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rloader.h"

struct keyset {
	char (*keys)[48];
	size_t n, cap;
	struct stat *seen;	/* namespaces entered already (dev, ino) */
	size_t nseen, capseen;
};

static bool keyset_has(const struct keyset *ks, const char *key)
{
	for (size_t i = 0; i < ks->n; i++)
		if (!strcmp(ks->keys[i], key))
			return true;
	return false;
}

static void keyset_add(struct keyset *ks, const char *key)
{
	if (keyset_has(ks, key))
		return;
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 64;
		void *k = realloc(ks->keys, cap * sizeof(*ks->keys));

		if (!k)
			return;
		ks->keys = k;
		ks->cap = cap;
	}
	snprintf(ks->keys[ks->n++], sizeof(ks->keys[0]), "%s", key);
}

/* Enter the namespace at path (once per namespace), take its key, come
 * back to self_fd.  Returns -1 only if coming back failed. */
static int visit(struct keyset *ks, const char *path, int self_fd)
{
	char dir[PATH_MAX];
	struct stat st;
	int fd;

	if (stat(path, &st))
		return 0;
	for (size_t i = 0; i < ks->nseen; i++)
		if (ks->seen[i].st_dev == st.st_dev && ks->seen[i].st_ino == st.st_ino)
			return 0;
	if (ks->nseen == ks->capseen) {
		size_t cap = ks->capseen ? ks->capseen * 2 : 64;
		void *s = realloc(ks->seen, cap * sizeof(*ks->seen));

		if (!s)
			return 0;
		ks->seen = s;
		ks->capseen = cap;
	}
	ks->seen[ks->nseen++] = st;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (!setns(fd, CLONE_NEWNET)) {
		if (!rcode_netns_pin_dir(dir, sizeof(dir)))
			keyset_add(ks, strrchr(dir, '/') + 1);
		if (setns(self_fd, CLONE_NEWNET)) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* The keys of every network namespace this process can reach. */
static int reachable_keys(struct keyset *ks)
{
	char path[PATH_MAX + 300], line[4096];
	struct dirent *e, *f;
	DIR *proc, *fds;
	FILE *mi;
	int self, err = 0;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	proc = opendir("/proc");
	while (!err && proc && (e = readdir(proc))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		err = visit(ks, path, self);
		snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
		fds = opendir(path);
		while (!err && fds && (f = readdir(fds))) {
			char target[64];
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", e->d_name,
				 f->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n > 5 && !strncmp(target, "net:[", 5))
				err = visit(ks, path, self);
		}
		if (fds)
			closedir(fds);
	}
	if (proc)
		closedir(proc);
	/* Namespaces bound to files: /run/netns/NAME and the like. */
	mi = fopen("/proc/self/mountinfo", "re");
	while (!err && mi && fgets(line, sizeof(line), mi)) {
		char mnt[PATH_MAX], *dash = strstr(line, " - nsfs ");

		if (dash && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			err = visit(ks, mnt, self);
	}
	if (mi)
		fclose(mi);
	close(self);
	return err ? -EIO : 0;
}

int netns_dirs_scan(struct netns_dir **out)
{
	char root_self[PATH_MAX], *self;
	struct keyset ks = { 0 };
	struct netns_dir *v = NULL;
	struct dirent *e;
	int n = 0, err;
	DIR *d;

	*out = NULL;
	err = rcode_netns_pin_dir(root_self, sizeof(root_self));
	if (err)
		return err;
	self = strrchr(root_self, '/') + 1;
	d = opendir(RC_PIN_ROOT);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	err = reachable_keys(&ks);
	while (!err && (e = readdir(d))) {
		char path[PATH_MAX + 300];
		struct dirent *i;
		void *nv;
		DIR *id;

		if (strncmp(e->d_name, "net-", 4) && strncmp(e->d_name, "netino-", 7))
			continue;
		if (!strcmp(e->d_name, self))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			err = -ENOMEM;
			break;
		}
		v = nv;
		memset(&v[n], 0, sizeof(v[n]));
		snprintf(v[n].name, sizeof(v[n].name), "%s", e->d_name);
		v[n].alive = keyset_has(&ks, e->d_name);
		snprintf(path, sizeof(path), "%s/%s", RC_PIN_ROOT, e->d_name);
		id = opendir(path);
		while (id && (i = readdir(id)))
			if (i->d_name[0] != '.')
				v[n].interfaces++;
		if (id)
			closedir(id);
		n++;
	}
	closedir(d);
	free(ks.keys);
	free(ks.seen);
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	return n;
}

static int rm_entry(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT)
		return -errno;
	return 0;
}

int netns_dir_remove(const char *name)
{
	char path[PATH_MAX];
	int err;

	if (strchr(name, '/') || (strncmp(name, "net-", 4) &&
				  strncmp(name, "netino-", 7)))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", RC_PIN_ROOT, name);
	err = nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return err == -1 ? -errno : err;
}
