// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_tc.c - programs at TC ingress, one per portal: handlers that need
 * TC (they send copies, which only an skb can be cloned for) run there by
 * themselves, not behind the XDP dispatcher, and check their own portal.
 *
 * Two ways to be there (rc_abi.h):
 *   tcx (Linux >= 6.6): a BPF link, pinned as portal-<N>/link, so it
 *       lives as long as the pin; replaced with bpf_link_update().
 *   cls_bpf on the clsact qdisc (older kernels): a filter with handle
 *       RC_ABI_TC_HANDLE_BASE + N at priority RC_ABI_TC_PRIO, replaced
 *       with BPF_TC_F_REPLACE.  Filters live in the kernel, not in bpffs:
 *       detaching removes them explicitly.
 * Which one the kernel has is probed, never assumed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rcode_internal.h"

/*
 * enum bpf_attach_type values from Linux 6.6; the uapi headers of older
 * systems (Debian 12: 6.1) do not have them, and the kernel is what
 * decides anyway.
 */
#define RC_BPF_TCX_INGRESS	46

/* ---- the probe -------------------------------------------------------------- */

/*
 * A tcx link for ifindex 0: a kernel with tcx looks for the device and
 * says -ENODEV; one without does not know the attach type and says
 * -EINVAL.  Nothing is attached either way.
 */
static int tcx_probe(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = TC_ACT_UNSPEC },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog, link, err;

	prog = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "rc_tcx_probe", "GPL",
			     insns, 2, NULL);
	if (prog < 0)
		return -errno;
	link = bpf_link_create(prog, 0, RC_BPF_TCX_INGRESS, NULL);
	err = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	if (err == -ENODEV || !err)
		return 1;
	if (err == -EINVAL)
		return 0;
	return err;
}

bool rcode_tcx_supported(void)
{
	static int have = -1;

	/* Not cached while the probe itself fails (no privileges yet). */
	if (have < 0) {
		int r = tcx_probe();

		if (r < 0) {
			pr_debug("tcx probe failed: %s\n", strerror(-r));
			return false;
		}
		have = r;
		pr_debug("this kernel %s tcx\n", have ? "has" : "has no");
	}
	return have;
}

/* ---- cls_bpf ------------------------------------------------------------------ */

static void cls_hook(struct bpf_tc_hook *hook, int ifindex)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = BPF_TC_INGRESS;
}

static void cls_opts(struct bpf_tc_opts *o, unsigned int portal)
{
	memset(o, 0, sizeof(*o));
	o->sz = sizeof(*o);
	o->handle = RC_ABI_TC_HANDLE_BASE + portal;
	o->priority = RC_ABI_TC_PRIO;
}

/*
 * Netlink dumps of our own: bpf_tc_query() for a filter that is not
 * there, like bpf_tc_hook_create() for a qdisc that is, makes libbpf
 * print the kernel's complaint, and callers ask exactly that to learn it.
 * nl_dump() sends one dump request of type for ifindex (parent: for
 * filters) and calls fn for every tcmsg that comes back.
 */
typedef void (*nl_fn)(const struct nlmsghdr *nh, const struct tcmsg *t,
		      void *ctx);

static int nl_dump(__u16 type, int ifindex, __u32 parent, nl_fn fn, void *ctx)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg t;
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
			.nlmsg_type = type,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		       .tcm_parent = parent },
	};
	static char buf[64 << 10] __attribute__((aligned(8)));
	int fd, err = 0;
	bool done = false;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!n)
			break;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
				done = true;
				break;
			}
			fn(nh, NLMSG_DATA(nh), ctx);
		}
	}
out:
	close(fd);
	return err;
}

/* The attributes of a tcmsg: TCA_KIND's string, TCA_OPTIONS' TCA_BPF_ID. */
static void tc_attrs(const struct nlmsghdr *nh, const struct tcmsg *t,
		     const char **kind, __u32 *bpf_id)
{
	int alen = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*t));
	const struct rtattr *a;

	*kind = "";
	for (a = (const struct rtattr *)((const char *)t + NLMSG_ALIGN(sizeof(*t)));
	     RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type == TCA_KIND)
			*kind = RTA_DATA(a);
		if (a->rta_type == TCA_OPTIONS && bpf_id) {
			const struct rtattr *o = RTA_DATA(a);
			int olen = RTA_PAYLOAD(a);

			for (; RTA_OK(o, olen); o = RTA_NEXT(o, olen))
				if (o->rta_type == TCA_BPF_ID)
					*bpf_id = *(__u32 *)RTA_DATA(o);
		}
	}
}

struct qdisc_ctx {
	int ifindex;
	bool clsact;
};

static void on_qdisc(const struct nlmsghdr *nh, const struct tcmsg *t, void *ctx)
{
	struct qdisc_ctx *q = ctx;
	const char *kind;

	if (nh->nlmsg_type != RTM_NEWQDISC || t->tcm_ifindex != q->ifindex)
		return;
	tc_attrs(nh, t, &kind, NULL);
	q->clsact |= !strcmp(kind, "clsact");
}

/* Has ifindex a clsact qdisc?  (Older kernels dump every interface's.) */
static bool clsact_exists(int ifindex)
{
	struct qdisc_ctx q = { .ifindex = ifindex };

	return !nl_dump(RTM_GETQDISC, ifindex, 0, on_qdisc, &q) && q.clsact;
}

static void on_filter(const struct nlmsghdr *nh, const struct tcmsg *t, void *ctx)
{
	__u32 *ids = ctx, id = 1, h = t->tcm_handle - RC_ABI_TC_HANDLE_BASE;
	const char *kind;

	if (nh->nlmsg_type != RTM_NEWTFILTER ||
	    TC_H_MAJ(t->tcm_info) >> 16 != RC_ABI_TC_PRIO ||
	    t->tcm_handle < RC_ABI_TC_HANDLE_BASE || h >= RC_ABI_PORTALS)
		return;
	tc_attrs(nh, t, &kind, &id);
	if (!strcmp(kind, "bpf"))
		ids[h] = id;
}

/* rcode's cls_bpf filters on ifindex's ingress: ids[portal] = the
 * filter's program id (0: none).  Returns 0, also when there is no
 * clsact qdisc at all (the dump is empty then), or -errno. */
static int cls_dump(int ifindex, __u32 *ids)
{
	memset(ids, 0, RC_ABI_PORTALS * sizeof(*ids));
	if (!ifindex)
		return 0;
	return nl_dump(RTM_GETTFILTER, ifindex,
		       TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), on_filter, ids);
}

/* The filter's program id, 0 when there is none (or no clsact). */
static __u32 cls_query(int ifindex, unsigned int portal)
{
	__u32 ids[RC_ABI_PORTALS];

	return cls_dump(ifindex, ids) ? 0 : ids[portal];
}

static int cls_attach(const char *ifname, int ifindex, unsigned int portal,
		      int prog_fd, bool replace)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts o;
	int err = 0;

	cls_hook(&hook, ifindex);
	/* The qdisc may be there already (ours, or tc's): fine. */
	if (!clsact_exists(ifindex))
		err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		pr_warn("%s: cannot create the clsact qdisc: %s\n", ifname,
			strerror(-err));
		return err;
	}
	cls_opts(&o, portal);
	o.prog_fd = prog_fd;
	o.flags = replace ? BPF_TC_F_REPLACE : 0;
	err = bpf_tc_attach(&hook, &o);
	if (err)
		pr_warn("%s: cannot attach the cls_bpf filter for portal %u: %s\n",
			ifname, portal, strerror(-err));
	return err;
}

static int cls_detach(int ifindex, unsigned int portal)
{
	struct bpf_tc_hook hook;
	struct bpf_tc_opts o;

	cls_hook(&hook, ifindex);
	cls_opts(&o, portal);
	return bpf_tc_detach(&hook, &o);
}

int rc_tc_detach_all(int ifindex)
{
	__u32 ids[RC_ABI_PORTALS];
	int n = 0;

	/* Filters outlive pins: look for every portal's, so that pins
	 * removed behind our back leave no handler running. */
	if (cls_dump(ifindex, ids))
		return 0;
	for (unsigned int p = 0; p < RC_ABI_PORTALS; p++)
		if (ids[p] && !cls_detach(ifindex, p))
			n++;
	return n;
}

/* ---- tcx ------------------------------------------------------------------------ */

static int link_open(const char *ifname, unsigned int portal)
{
	char path[PATH_MAX];
	int err = rc_portal_path(path, sizeof(path), ifname, portal, RC_PIN_LINK);
	int fd;

	if (err)
		return err;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static __u32 link_prog_id(int fd)
{
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);

	return bpf_obj_get_info_by_fd(fd, &li, &len) ? 0 : li.prog_id;
}

static int tcx_attach(const char *ifname, int ifindex, unsigned int portal,
		      int prog_fd, int old_link)
{
	char dir[PATH_MAX];
	int link, err;

	/* A link whose interface went away is defunct (-ENOLINK): a new
	 * one takes its pin. */
	if (old_link >= 0) {
		err = bpf_link_update(old_link, prog_fd, NULL);
		if (err != -ENOLINK) {
			if (err)
				pr_warn("%s: cannot replace the tcx program of "
					"portal %u: %s\n", ifname, portal,
					strerror(-err));
			return err;
		}
	}
	link = bpf_link_create(prog_fd, ifindex, RC_BPF_TCX_INGRESS, NULL);
	if (link < 0) {
		err = -errno;
		pr_warn("%s: cannot create the tcx link for portal %u: %s\n",
			ifname, portal, strerror(-err));
		return err;
	}
	err = rc_portal_path(dir, sizeof(dir), ifname, portal, NULL) ?:
	      rc_pin_fd(link, dir, RC_PIN_LINK);
	if (err) {
		pr_warn("%s: cannot pin the tcx link of portal %u: %s\n",
			ifname, portal, strerror(-err));
		bpf_link_detach(link);
	}
	close(link);
	return err;
}

static int tcx_detach(const char *ifname, unsigned int portal, int link)
{
	char path[PATH_MAX];
	int err;

	/* Detach first: a process may hold the link open, and the
	 * program must stop now, not when the last fd goes. */
	err = bpf_link_detach(link);
	if (err == -ENOLINK)
		err = 0;	/* its interface is gone, and the program */
	if (!rc_portal_path(path, sizeof(path), ifname, portal, RC_PIN_LINK) &&
	    unlink(path) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

/* ---- the API ---------------------------------------------------------------------- */

int rc_tc_query(const char *ifname, int ifindex, unsigned int portal,
		enum rcode_tc_attach *how, __u32 *prog_id)
{
	int link = link_open(ifname, portal);
	__u32 id = 0;

	*how = RCODE_TC_AUTO;
	if (link >= 0) {
		id = link_prog_id(link);
		close(link);
		*how = RCODE_TC_TCX;
	} else if ((id = cls_query(ifindex, portal))) {
		*how = RCODE_TC_CLS_BPF;
	}
	if (prog_id)
		*prog_id = id;
	return 0;
}

int rcode_tc_query(const char *ifname, unsigned int portal,
		   enum rcode_tc_attach *how, __u32 *prog_id)
{
	enum rcode_tc_attach h;
	int err;

	err = rc_check_ifname(ifname);
	if (err || portal >= RC_ABI_PORTALS)
		return err ?: -EINVAL;
	err = rc_tc_query(ifname, if_nametoindex(ifname), portal, &h, prog_id);
	if (how)
		*how = h;
	return err;
}

int rc_tc_attach_locked(const char *ifname, int ifindex, unsigned int portal,
			int prog_fd, enum rcode_tc_attach want, bool replace)
{
	enum rcode_tc_attach cur;
	int link = -1, err;

	rc_tc_query(ifname, ifindex, portal, &cur, NULL);
	if (cur != RCODE_TC_AUTO && !replace) {
		pr_warn("%s: portal %u has a program at TC already\n", ifname,
			portal);
		return -EEXIST;
	}
	if (want == RCODE_TC_AUTO)
		want = cur != RCODE_TC_AUTO ? cur :
		       rcode_tcx_supported() ? RCODE_TC_TCX : RCODE_TC_CLS_BPF;
	if (want == RCODE_TC_TCX && !rcode_tcx_supported()) {
		pr_warn("%s: this kernel has no tcx (Linux 6.6 brought it); "
			"cls_bpf works everywhere\n", ifname);
		return -EOPNOTSUPP;
	}
	/* Attached the other way: the old one goes first, or both would
	 * run (not atomic; the caller asked for another way). */
	if (cur != RCODE_TC_AUTO && cur != want) {
		err = cur == RCODE_TC_TCX ?
		      ((link = link_open(ifname, portal)) < 0 ? link :
		       tcx_detach(ifname, portal, link)) :
		      cls_detach(ifindex, portal);
		if (link >= 0)
			close(link);
		link = -1;
		if (err)
			return err;
		cur = RCODE_TC_AUTO;
	}
	if (want == RCODE_TC_CLS_BPF)
		return cls_attach(ifname, ifindex, portal, prog_fd,
				  cur == RCODE_TC_CLS_BPF);
	if (cur == RCODE_TC_TCX)
		link = link_open(ifname, portal);
	err = rc_pin_dirs(ifname, portal, NULL) ?:
	      tcx_attach(ifname, ifindex, portal, prog_fd, link);
	if (link >= 0)
		close(link);
	return err;
}

int rcode_tc_attach(const char *ifname, unsigned int portal, int prog_fd,
		    const struct rcode_tc_opts *opts)
{
	enum rcode_tc_attach want;
	int ifindex, lock, err;

	err = rc_check_ifname(ifname);
	if (err || portal >= RC_ABI_PORTALS || prog_fd < 0 ||
	    !RC_OPTS_VALID(opts, rcode_tc_opts))
		return err ?: -EINVAL;
	want = RC_OPTS_GET(opts, attach, RCODE_TC_AUTO);
	if (want != RCODE_TC_AUTO && want != RCODE_TC_TCX &&
	    want != RCODE_TC_CLS_BPF)
		return -EINVAL;
	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	err = rc_pin_root();
	if (err)
		return err;
	lock = rc_lock();
	if (lock < 0)
		return lock;
	err = rc_tc_attach_locked(ifname, ifindex, portal, prog_fd, want,
			       RC_OPTS_GET(opts, replace, false));
	rc_unlock(lock);
	return err;
}

int rc_tc_detach_locked(const char *ifname, unsigned int portal)
{
	enum rcode_tc_attach cur;
	int ifindex = if_nametoindex(ifname), link, err;

	rc_tc_query(ifname, ifindex, portal, &cur, NULL);
	switch (cur) {
	case RCODE_TC_TCX:
		link = link_open(ifname, portal);
		if (link < 0)
			return link;
		err = tcx_detach(ifname, portal, link);
		close(link);
		return err;
	case RCODE_TC_CLS_BPF:
		return cls_detach(ifindex, portal);
	case RCODE_TC_AUTO:
		break;
	}
	return -ENOENT;
}

int rcode_tc_detach(const char *ifname, unsigned int portal)
{
	int lock, err;

	err = rc_check_ifname(ifname);
	if (err || portal >= RC_ABI_PORTALS)
		return err ?: -EINVAL;
	lock = rc_lock();
	if (lock < 0 && lock != -ENOENT)
		return lock;
	err = rc_tc_detach_locked(ifname, portal);
	rc_unlock(lock);
	return err;
}
