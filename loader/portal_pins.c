// SPDX-License-Identifier: BSD-2-Clause
/*
 * portal_pins.c - what rloader finds again under RC_PIN_ROOT/net-<cookie>/<ifname>/
 * portal-<N>/ after the invocation that attached a handler has exited,
 * through librcode (rcode_portal_query() and friends), plus what only
 * rloader reads: the interpreter path's trace and uops.  Every pinned map
 * is checked for the shape we expect before its value is read into a
 * buffer sized for that shape.
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

int portal_info_get(const char *ifname, unsigned int portal,
		    struct portal_info *pi)
{
	struct rcode_portal_info li;
	int err;

	memset(pi, 0, sizeof(*pi));
	pi->portal = portal;
	err = rcode_portal_query(ifname, portal, &li);
	if (err)
		return err;
	pi->prog_id = li.prog_id;
	pi->pinned_prog_id = li.pinned_prog_id;
	pi->pinned = li.pinned;
	pi->interp = li.interp;
	pi->traced = li.traced;
	pi->hook = li.hook;
	pi->tc = li.tc;
	pi->upcalls = li.upcalls;
	snprintf(pi->name, sizeof(pi->name), "%s", li.name);
	if (pi->pinned) {
		pi->have_stats = !rcode_portal_stats(ifname, portal, &pi->stats);
		pi->prog = rcode_portal_prog(ifname, portal);
	}
	return 0;
}

void portal_info_free(struct portal_info *pi)
{
	rc_prog_free(pi->prog);
	pi->prog = NULL;
}

int portals_list(const char *ifname, unsigned int *portals)
{
	return rcode_portal_list(ifname, portals);
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

/* dir/name: a one-entry array of exactly this value size. */
static int open_value_map(const char *dir, const char *name, __u32 value_size)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) || mi.type != BPF_MAP_TYPE_ARRAY ||
	    mi.key_size != sizeof(__u32) || mi.max_entries != 1) {
		close(fd);
		return -EINVAL;
	}

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

const char *portal_hook_name(const struct portal_info *pi)
{
	switch (pi->hook) {
	case RCODE_HOOK_XDP:
		return "xdp";
	case RCODE_HOOK_TC:
		return "tc";
	case RCODE_HOOK_NONE:
		break;
	}
	return "-";
}

const char *tc_attach_name(enum rcode_tc_attach a)
{
	switch (a) {
	case RCODE_TC_TCX:
		return "tcx";
	case RCODE_TC_CLS_BPF:
		return "cls_bpf";
	case RCODE_TC_AUTO:
		break;
	}
	return NULL;
}
