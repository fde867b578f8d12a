// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_attach.c - a loaded handler on an interface, and off it again.
 *
 * Where it runs follows from the handler: at TC ingress by itself when it
 * needs TC (rcode_tc.c), else behind the XDP dispatcher, as a translated
 * program in the portals map or as the interface's interpreter running
 * its uops.  Its objects are pinned under RC_PIN_ROOT/net-<cookie>/<ifname>/portal-<N>/
 * before it is made to run, so that every message that reaches it finds
 * its pins (statistics) in place, and any process can find, read, replace
 * or remove it later: nothing is kept in the process that attached it.
 *
 * Attach and detach hold rc_lock() from looking to acting, so two
 * processes never both decide that the dispatcher or a portal is free.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rcode_internal.h"

static bool pin_exists(const char *ifname, unsigned int portal, const char *name)
{
	char path[PATH_MAX];

	return !rc_portal_path(path, sizeof(path), ifname, portal, name) &&
	       !access(path, F_OK);
}

static __u32 pinned_prog_id(const char *ifname, unsigned int portal)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);
	char path[PATH_MAX];
	int fd;

	if (rc_portal_path(path, sizeof(path), ifname, portal, RC_PIN_PROG))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &pi, &len))
		pi.id = 0;
	close(fd);
	return pi.id;
}

/* "rc_<name>" as rcode_handler__load() names programs, cut by the kernel
 * to 15 characters: a name when there is no rcode pin. */
static void prog_name_of(__u32 id, char *buf, size_t size)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &pi, &len))
		snprintf(buf, size, "%s", strncmp(pi.name, "rc_", 3) ? pi.name :
			 pi.name + 3);
	close(fd);
}

int rcode_portal_query(const char *ifname, unsigned int portal,
		       struct rcode_portal_info *info)
{
	char dir[PATH_MAX];
	struct rc_prog *prog;
	__u32 id = 0;
	int err;

	err = rc_portal_path(dir, sizeof(dir), ifname, portal, NULL);
	if (err || !info)
		return err ?: -EINVAL;
	memset(info, 0, sizeof(*info));
	info->portal = portal;
	info->pinned = !access(dir, F_OK);
	rc_tc_query(ifname, if_nametoindex(ifname), portal, &info->tc, &id);
	if (info->tc != RCODE_TC_AUTO) {
		info->hook = RCODE_HOOK_TC;
		info->prog_id = id;
	}
	/* Both at once only in the moment a replacement moves a handler
	 * from one hook to the other; XDP sees the messages first. */
	if (!rcode_portal_prog_id(ifname, portal, &id) && id) {
		info->hook = RCODE_HOOK_XDP;
		info->prog_id = id;
	}
	if (info->pinned) {
		info->interp = pin_exists(ifname, portal, RC_PIN_CODE);
		info->traced = info->interp && pin_exists(ifname, portal, RC_PIN_TRACE);
		info->upcalls = pin_exists(ifname, portal, RC_PIN_UPCALLS);
		info->pinned_prog_id = pinned_prog_id(ifname, portal);
	}
	if (info->hook == RCODE_HOOK_NONE && !info->pinned)
		return -ENOENT;
	prog = info->pinned ? rcode_portal_prog(ifname, portal) : NULL;
	if (prog)
		snprintf(info->name, sizeof(info->name), "%s", prog->name);
	else if (info->prog_id || info->pinned_prog_id)
		prog_name_of(info->prog_id ?: info->pinned_prog_id, info->name,
			     sizeof(info->name));
	rc_prog_free(prog);
	return 0;
}

/* ---- the interface's interpreter ------------------------------------------ */

static bool interp_pinned(const char *ifname, char *dir, size_t size)
{
	char path[PATH_MAX + 8];

	if (rc_pin_path(dir, size, ifname, RC_PIN_INTERP))
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, RC_PIN_PROG);
	return !access(path, F_OK);
}

/* Does any portal of ifname hold a handler on the interpreter path? */
static bool interp_in_use(const char *ifname)
{
	unsigned int portals[RC_ABI_PORTALS];
	int n = rcode_portal_list(ifname, portals);

	for (int i = 0; i < n; i++)
		if (pin_exists(ifname, portals[i], RC_PIN_CODE))
			return true;
	return false;
}

/* The handler on portal ran on the interpreter and does no more: take
 * its maps out of the interpreter's arrays, and the interpreter's pins
 * when no handler uses it any more. */
static void interp_release(const char *ifname, unsigned int portal)
{
	RCODE_OPTS(rcode_interp_opts, io);
	struct rcode_interp *ip;
	char dir[PATH_MAX], why[128];

	if (!interp_pinned(ifname, dir, sizeof(dir)))
		return;
	io.pin_dir = dir;
	ip = rcode_interp__open(&io, why, sizeof(why));
	if (ip) {
		rcode_interp__uninstall(ip, portal);
		rcode_interp__close(ip);
	}
	if (!interp_in_use(ifname))
		rc_rm_tree(dir);
}

/* ---- attach ------------------------------------------------------------------ */

struct attach_ctx {
	const char *ifname;
	int ifindex;
	unsigned int portal;
	char dir[PATH_MAX];
	struct rcode_portal_info old;
	bool had_old, made_dir, made_ifdir, made_interp, dispatcher_now;
};

/* The dispatcher, for a handler at XDP: there already in a compatible
 * mode for the handler's port, or attached now. */
static int attach_dispatcher(struct attach_ctx *c, enum rcode_mode mode,
			     __u16 port)
{
	struct rcode_dispatch_info di;
	int err;

	err = rcode_dispatch_query(c->ifname, &di);
	if (err)
		return err;
	if (di.attached) {
		if ((mode && mode != di.mode) || port != di.udp_port) {
			pr_warn("%s: the dispatcher runs in %s mode for UDP port "
				"%u, not in %s mode for port %u; detach it first\n",
				c->ifname, rc_mode_name(di.mode), di.udp_port,
				rc_mode_name(mode ?: di.mode), port);
			return -EEXIST;
		}
		return 0;
	}
	err = rc_dispatch_attach_locked(c->ifname, c->ifindex,
					mode ?: RCODE_MODE_NATIVE, port);
	c->dispatcher_now = !err;
	return err;
}

static int pin_handler(struct attach_ctx *c, struct rcode_handler *h)
{
	int code_fd, err;

	c->made_dir = access(c->dir, F_OK) != 0;
	err = rc_pin_dirs(c->ifname, -1, &c->made_ifdir);
	if (err)
		return err;
	code_fd = rc_rcode_map_create(rcode_handler__prog(h));
	if (code_fd < 0) {
		pr_warn("cannot store the handler's R-code: %s\n",
			strerror(-code_fd));
		return code_fd;
	}
	err = rcode_handler__pin(h, c->dir) ?:
	      rc_pin_fd(code_fd, c->dir, RC_PIN_RCODE);
	close(code_fd);
	if (err)
		pr_warn("%s: cannot pin the handler under %s: %s\n", c->ifname,
			c->dir, strerror(-err));
	return err;
}

/* The interface's interpreter is pinned by the first handler on it. */
static int pin_interp(struct attach_ctx *c, struct rcode_handler *h)
{
	char dir[PATH_MAX];
	int err;

	if (interp_pinned(c->ifname, dir, sizeof(dir)))
		return 0;
	err = rcode_interp__pin(rc_handler_interp(h), dir);
	c->made_interp = true;
	if (err)
		pr_warn("%s: cannot pin the interpreter under %s: %s\n",
			c->ifname, dir, strerror(-err));
	return err;
}

/* Take the old handler off its hook when the new one runs at the other:
 * both would run otherwise (a message the XDP one passes reaches TC). */
static int remove_other_hook(struct attach_ctx *c, enum rcode_hook hook)
{
	if (!c->had_old || c->old.hook == hook || c->old.hook == RCODE_HOOK_NONE)
		return 0;
	if (c->old.hook == RCODE_HOOK_XDP)
		return rcode_portal_clear(c->ifname, c->portal);
	return rc_tc_detach_locked(c->ifname, c->portal);
}

static void attach_undo(struct attach_ctx *c, bool interp)
{
	unsigned int others[RC_ABI_PORTALS];
	char dir[PATH_MAX];

	/* A new portal's pins go (a replaced one's stay: the old handler
	 * still runs from the portals map or its link). */
	if (c->made_dir) {
		rc_rm_tree(c->dir);
		if (interp)
			interp_release(c->ifname, c->portal);
	}
	if (c->made_interp && !interp_in_use(c->ifname) &&
	    !rc_pin_path(dir, sizeof(dir), c->ifname, RC_PIN_INTERP))
		rc_rm_tree(dir);
	/* The dispatcher may have come back to pins of earlier handlers
	 * (after 'xdp-loader unload --all'); those keep it. */
	if (c->dispatcher_now && !rcode_portal_list(c->ifname, others))
		rc_dispatch_detach_locked(c->ifname, c->ifindex, false);
	/* Only if it is empty: a rank table, say, keeps it. */
	if ((c->made_ifdir || c->dispatcher_now) &&
	    !rc_pin_path(dir, sizeof(dir), c->ifname, NULL))
		rmdir(dir);
}

int rcode_handler__attach(struct rcode_handler *h, const char *ifname,
			  const struct rcode_attach_opts *opts)
{
	struct attach_ctx c = { .ifname = ifname };
	const struct rc_prog *prog = h ? rcode_handler__prog(h) : NULL;
	bool interp, tc, replace;
	enum rcode_mode mode;
	int lock, err;

	err = rc_check_ifname(ifname);
	if (err || !h || !RC_OPTS_VALID(opts, rcode_attach_opts))
		return err ?: -EINVAL;
	if (rcode_handler__prog_fd(h) < 0) {
		pr_warn("attach: the handler is not loaded\n");
		return -EINVAL;
	}
	mode = RC_OPTS_GET(opts, mode, RCODE_MODE_UNSPEC);
	replace = RC_OPTS_GET(opts, replace, false);
	if (mode != RCODE_MODE_UNSPEC && mode != RCODE_MODE_NATIVE &&
	    mode != RCODE_MODE_SKB)
		return -EINVAL;
	interp = rcode_handler__path(h) == RCODE_PATH_INTERP;
	tc = rcode_handler__needs_tc(h);
	c.portal = prog->portal;
	c.ifindex = if_nametoindex(ifname);
	if (!c.ifindex)
		return -ENODEV;
	err = rc_portal_path(c.dir, sizeof(c.dir), ifname, c.portal, NULL) ?:
	      rc_pin_root();
	if (err)
		return err;
	lock = rc_lock();
	if (lock < 0)
		return lock;

	c.had_old = !rcode_portal_query(ifname, c.portal, &c.old) &&
		    c.old.hook != RCODE_HOOK_NONE;
	if (c.had_old && !replace) {
		pr_warn("%s: portal %u runs handler %s already (prog id %u)\n",
			ifname, c.portal, c.old.name[0] ? c.old.name : "?",
			c.old.prog_id);
		err = -EEXIST;
		goto out;
	}
	if (!tc) {
		err = attach_dispatcher(&c, mode, rc_handler_udp_port(h));
		if (err)
			goto out;
	}
	err = pin_handler(&c, h) ?: (interp ? pin_interp(&c, h) : 0) ?:
	      remove_other_hook(&c, tc ? RCODE_HOOK_TC : RCODE_HOOK_XDP);
	if (err)
		goto undo;
	if (tc)
		err = rc_tc_attach_locked(ifname, c.ifindex, c.portal,
					  rcode_handler__prog_fd(h),
					  RC_OPTS_GET(opts, tc, RCODE_TC_AUTO), true);
	else
		err = rcode_portal_set(ifname, c.portal, rcode_handler__prog_fd(h));
	if (err)
		goto undo;
	/* The replaced handler's pins that this one does not have. */
	rc_portal_prune(c.dir, prog, interp, rc_handler_traced(h), tc,
			rcode_handler__upcall_fd(h) >= 0, rc_handler_own_ranks(h));
	if (c.had_old && c.old.interp && !interp)
		interp_release(ifname, c.portal);
	goto out;
undo:
	attach_undo(&c, interp);
out:
	rc_unlock(lock);
	return err;
}

/* ---- detach ------------------------------------------------------------------ */

int rcode_portal_detach(const char *ifname, unsigned int portal)
{
	struct rcode_portal_info pi;
	char dir[PATH_MAX];
	int lock, err;

	err = rc_portal_path(dir, sizeof(dir), ifname, portal, NULL);
	if (err)
		return err;
	lock = rc_lock();
	if (lock < 0 && lock != -ENOENT)
		return lock;
	err = rcode_portal_query(ifname, portal, &pi);
	if (err)
		goto out;
	/* The hook first: from here on the portal's messages are passed
	 * on, and nothing runs that the pins no longer describe. */
	if (pi.hook == RCODE_HOOK_XDP)
		err = rcode_portal_clear(ifname, portal);
	else if (pi.hook == RCODE_HOOK_TC)
		err = rc_tc_detach_locked(ifname, portal);
	if (err) {
		pr_warn("%s: cannot take the handler off portal %u: %s\n",
			ifname, portal, strerror(-err));
		goto out;
	}
	if (pi.pinned)
		err = rc_rm_tree(dir);
	if (pi.interp)
		interp_release(ifname, portal);
out:
	rc_unlock(lock);
	return err;
}
