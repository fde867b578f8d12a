// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_comm_kernel.c - the kernel mode of a communicator
 * (docs/collectives.md, section 6): userlib/coll.r translated and
 * attached at TC ingress of the interface, with the rank table of the
 * communicator and this rank's place in its data area; its window mapped
 * into the process, where the application contributes and finds the
 * result; the application sleeping in epoll on the handler's up-call
 * ring (after a spin, if asked for one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>	/* libbpf_num_possible_cpus */
#include "rc_diag.h"
#include "rcode_comm_internal.h"
#include "rcode_handler.h"
#include "rcode_internal.h"

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

struct comm_kernel {
	struct rcode_handler *h;
	bool attached;			/* on ifname's portal, pinned */
	bool made_pins;			/* RC_PIN_ROOT/<ifname>/ is ours */
	uint64_t *win;			/* the mmapped window `coll` */
	size_t win_bytes;
	struct rcode_upcalls *up;	/* the up-call ring */
	int epfd;			/* the ring and the socket */
	uint64_t upcalls;
};

/* coll.r, as librcode carries it, for this communicator's portal. */
static struct rcode_handler *load_coll(struct rcode_comm *c, int ranks_fd)
{
	RCODE_OPTS(rcode_handler_opts, ho, .udp_port = c->port,
		   .ranks_fd = ranks_fd);
	const char *text = rc_text_find("coll.r");
	struct rc_prog *prog = rc_prog_new();
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rcode_handler *h = NULL;
	struct rc_diags d;
	int err = -ENOMEM;

	rc_diags_init(&d);
	if (!text || !prog || !vi)
		goto out;
	err = rc_asm("coll.r", text, prog, &d);
	if (!err) {
		prog->portal = c->portal;
		err = rc_verify(prog, vi, &d);
	}
	if (err) {
		pr_warn("comm: coll.r does not verify (a librcode bug)\n");
		goto out;
	}
	h = rcode_handler__new(prog, vi, &ho);
	if (!h) {
		err = -errno;
		goto out;
	}
	prog = NULL;		/* the handler has it */
	err = rcode_handler__load(h, &d);
	if (err) {
		pr_warn("comm: cannot load coll.r: %s\n", strerror(-err));
		rcode_handler__close(h);
		h = NULL;
	}
out:
	rc_diags_free(&d);
	rc_prog_free(prog);
	free(vi);
	errno = -err;
	return h;
}

/* Take every up-call record waiting: they only say "look again". */
static void drain(struct comm_kernel *k)
{
	struct rc_upcall rec[32];
	int n;

	do {
		n = rcode_upcalls__wait(k->up, 0, rec, 32);
		if (n > 0)
			k->upcalls += n;
	} while (n == 32);
}

int comm_kernel_setup(struct rcode_comm *c)
{
	RCODE_OPTS(rcode_ranks_opts, ro, .set_self = true, .self = c->self,
		   .udp_port = c->port);
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t state[COLL_STATE_WORDS];
	struct rcode_portal_info pi;
	struct comm_kernel *k;
	char dir[PATH_MAX];
	int err, ranks_fd;

	if (!c->ifname[0]) {
		pr_warn("comm: the kernel mode needs the interface (opts.ifname)\n");
		return -EINVAL;
	}
	if (!rcode_jit_enabled()) {
		/* Without the JIT the kernel refuses bpf_loop callbacks, and
		 * coll.r's loops are too long to verify unrolled. */
		pr_warn("comm: the kernel mode needs the BPF JIT (net.core.bpf_jit_enable): coll.r has loops\n");
		return -EOPNOTSUPP;
	}
	/* Before touching the interface's rank table, which a job that
	 * runs there uses: is the portal free?  (rcode_handler__attach
	 * says so again, without a race.) */
	if (rcode_portal_query(c->ifname, c->portal, &pi) == 0 &&
	    pi.hook != RCODE_HOOK_NONE) {
		pr_warn("comm: %s portal %u has a handler already (%s): another communicator's, or a stale one: rloader detach\n",
			c->ifname, c->portal, pi.name[0] ? pi.name : "?");
		return -EEXIST;
	}
	k = c->k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->epfd = -1;
	/* The interface's rank table is the communicator's. */
	if (!rcode_dispatch_pin_dir(c->ifname, dir, sizeof(dir)))
		k->made_pins = access(dir, F_OK) != 0;
	ranks_fd = rcode_ranks_fd(c->ifname);
	if (ranks_fd < 0)
		return ranks_fd;
	err = rcode_ranks_load(c->ifname, c->ranks, c->n, &ro);
	if (err >= 0) {
		k->h = load_coll(c, ranks_fd);
		err = k->h ? 0 : -errno;
	}
	close(ranks_fd);
	if (err)
		return err;
	if (rcode_handler__upcall_fd(k->h) < 0 ||
	    rcode_handler__window_fd(k->h, 0) < 0 || !rcode_handler__needs_tc(k->h))
		return -EOPNOTSUPP;
	/* The window, shared with the handler: set up before the handler
	 * runs on anything (nranks, in the data area, is written last). */
	k->win_bytes = COLL_WINDOW_WORDS * sizeof(uint64_t);
	k->win = mmap(NULL, k->win_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		      rcode_handler__window_fd(k->h, 0), 0);
	if (k->win == MAP_FAILED) {
		k->win = NULL;
		return -errno;
	}
	c->core.win = k->win;
	coll_core_init(&c->core, c->seq);
	state[COLL_ST_SELF] = c->self;
	state[COLL_ST_NRANKS] = c->n;
	err = rcode_handler__write_state(k->h, state);
	if (err)
		return err;
	k->up = rcode_upcalls__new(rcode_handler__upcall_fd(k->h));
	if (!k->up)
		return -errno;
	/* One sleep for both: an up-call, or something on the socket. */
	k->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (k->epfd < 0)
		return -errno;
	ev.data.u32 = 0;
	if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, rcode_upcalls__fd(k->up), &ev))
		return -errno;
	ev.data.u32 = 1;
	if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, c->fd, &ev))
		return -errno;
	/* At TC ingress (a tcx link where the kernel has tcx, else a
	 * cls_bpf filter), pinned under RC_PIN_ROOT/<ifname>/portal-<N>/
	 * like any handler, so that rloader shows it. */
	err = rcode_handler__attach(k->h, c->ifname, NULL);
	if (err) {
		pr_warn("comm: attach coll.r on %s portal %u: %s%s\n", c->ifname,
			c->portal, strerror(-err),
			err == -EEXIST ? " (another communicator's, or a stale one: "
					 "rloader detach)" : "");
		return err;
	}
	k->attached = true;
	return 0;
}

void comm_kernel_teardown(struct rcode_comm *c)
{
	struct comm_kernel *k = c->k;

	if (!k)
		return;
	if (k->attached)
		rcode_portal_detach(c->ifname, c->portal);
	if (k->made_pins) {
		unsigned int portals[RC_ABI_PORTALS];

		/* The interface had no pins before this communicator: if no
		 * other handler came meanwhile, its rank table goes too. */
		if (rcode_portal_list(c->ifname, portals) == 0)
			rcode_dispatch_detach(c->ifname);
	}
	rcode_upcalls__free(k->up);
	if (k->epfd >= 0)
		close(k->epfd);
	if (k->win)
		munmap(k->win, k->win_bytes);
	rcode_handler__close(k->h);
	free(k);
	c->k = NULL;
	c->core.win = NULL;
}

int comm_kernel_wait(struct rcode_comm *c, uint32_t seq, uint64_t deadline)
{
	struct comm_kernel *k = c->k;
	uint64_t spin_end = comm_now_ns() + c->spin_us * 1000ull;

	/* Spin first if asked: worth it only when this rank has a CPU of
	 * its own, the handler completing the operation on another. */
	while (!coll_done(&c->core, seq)) {
		uint64_t now = comm_now_ns();

		if (now >= spin_end)
			break;
		cpu_relax();
	}
	for (;;) {
		struct epoll_event ev[2];
		uint64_t now;
		int ms, n;

		/* Take stale records first, so that epoll sleeps until a
		 * new one; then look again: a record written after this
		 * look wakes the sleep. */
		drain(k);
		if (coll_done(&c->core, seq))
			return 0;
		now = comm_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		ms = (deadline - now + 999999) / 1000000;
		c->stats.sleeps++;
		n = epoll_wait(k->epfd, ev, 2, ms);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++)
			if (ev[i].data.u32 == 1)
				comm_serve(c);	/* what coll.r passed on */
	}
}

void comm_kernel_stats(const struct rcode_comm *c, struct rcode_comm_stats *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	struct rc_handler_stats *v;
	__u32 key = 0;

	if (!c->k || !c->k->h || ncpu <= 0)
		return;
	fd = rcode_handler__stats_fd(c->k->h);
	v = calloc(ncpu, sizeof(*v));
	if (!v || fd < 0 || bpf_map_lookup_elem(fd, &key, v)) {
		free(v);
		return;
	}
	for (int i = 0; i < ncpu; i++) {
		out->handler_runs += v[i].invocations;
		for (int f = 1; f < RC_ABI_FAULTS; f++)
			out->handler_faults += v[i].faults[f];
		out->handler_cpus += v[i].invocations > 0;
	}
	free(v);
}
