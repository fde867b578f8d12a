// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_comm_kernel.c - the kernel mode of a communicator
 * (docs/collectives.md, section 6): the collectives' handler
 * (userlib/coll/coll.c, compiled by rcc into R-code at build time) translated and
 * attached at TC ingress of the interface, with a rank table of its own
 * holding the communicator's ranks and this rank's place in its data
 * area; its window mapped
 * into the process, where the application contributes and finds the
 * result, spinning on it while spinning pays, else sleeping in epoll on
 * the handler's up-call ring and its socket.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
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

#define PROBE_FIRST	16	/* WAIT_AUTO: see spin_budget() */
#define PROBE_MAX	1024

struct comm_kernel {
	struct rcode_handler *h;
	bool attached;			/* on ifname's portal, pinned */
	bool made_pins;			/* RC_PIN_ROOT/net-<cookie>/<ifname>/ is ours */
	uint64_t *win;			/* the mmapped window `coll` */
	size_t win_bytes;
	struct rcode_upcalls *up;	/* the up-call ring */
	int epfd;			/* the ring and the socket */
	uint64_t upcalls;
	uint64_t spin_ns;		/* WAIT_AUTO: the next spin */
	unsigned int nospin;		/* WAIT_AUTO: waits without a spin */
	unsigned int probe_every;	/* WAIT_AUTO: spin again after this many */
	bool probing;
};

/* The communicator's ranks into coll.c's own rank table (rc_abi.h):
 * entry r for rank r, the next hop's MAC when the table has it, this
 * rank marked. */
static int write_ranks(struct rcode_comm *c, int fd)
{
	for (uint32_t r = 0; r < c->n; r++) {
		const struct rcode_rank_addr *a = &c->ranks[r];
		struct rc_rank e = { .self = c->self };

		memcpy(e.addr, a->addr, a->family == AF_INET6 ? 16 : 4);
		e.flags = RC_RANK_F_PRESENT |
			  (a->family == AF_INET6 ? RC_RANK_F_IPV6 : 0) |
			  (a->has_mac ? RC_RANK_F_MAC : 0) |
			  (r == c->self ? RC_RANK_F_SELF : 0);
		e.port = htons(a->port ? a->port : c->port);
		memcpy(e.mac, a->mac, 6);
		if (bpf_map_update_elem(fd, &r, &e, 0))
			return -errno;
	}
	return 0;
}

/* The handler, as librcode carries it (coll.c compiled by rcc, the text
 * named coll.r), for this communicator's portal. */
static struct rcode_handler *load_coll(struct rcode_comm *c)
{
	/* A rank table of its own, not the interface's: several jobs (on
	 * other ports and portals) may share an interface, and a job must
	 * not rewrite the table other handlers there use. */
	RCODE_OPTS(rcode_handler_opts, ho, .udp_port = c->port);
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
		pr_warn("comm: coll.c does not verify (a librcode bug)\n");
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
		pr_warn("comm: cannot load coll.c: %s\n", strerror(-err));
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
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t state[COLL_STATE_WORDS];
	struct rcode_portal_info pi;
	struct comm_kernel *k;
	char dir[PATH_MAX];
	int err;

	if (!c->ifname[0]) {
		pr_warn("comm: the kernel mode needs the interface (opts.ifname)\n");
		return -EINVAL;
	}
	if (!rcode_jit_enabled()) {
		/* Without the JIT the kernel refuses bpf_loop callbacks, and
		 * coll.c's loops are too long to verify unrolled. */
		pr_warn("comm: the kernel mode needs the BPF JIT (net.core.bpf_jit_enable): coll.c has loops\n");
		return -EOPNOTSUPP;
	}
	/* Is the portal free?  (Saying so before loading anything;
	 * rcode_handler__attach says so again, without a race.) */
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
	k->spin_ns = c->spin_us * 1000ull;
	k->probe_every = PROBE_FIRST;
	if (!rcode_dispatch_pin_dir(c->ifname, dir, sizeof(dir)))
		k->made_pins = access(dir, F_OK) != 0;
	k->h = load_coll(c);
	if (!k->h)
		return -errno;
	if (rcode_handler__ranks_fd(k->h) < 0)
		return -EOPNOTSUPP;
	err = write_ranks(c, rcode_handler__ranks_fd(k->h));
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
	state[COLL_ST_WAKE] = c->wake == RCODE_COMM_WAKE_SOCKET;
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
	 * cls_bpf filter), pinned under RC_PIN_ROOT/net-<cookie>/<ifname>/portal-<N>/
	 * like any handler, so that rloader shows it. */
	err = rcode_handler__attach(k->h, c->ifname, NULL);
	if (err) {
		pr_warn("comm: attach coll.c on %s portal %u: %s%s\n", c->ifname,
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
		 * other handler came meanwhile, its directory goes too. */
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

/* How long to spin this time (ns).  WAIT_AUTO adapts, as an adaptive
 * mutex does: a wait that the spin ended doubles the next spin (up to
 * spin_us), one that had to sleep halves it, down to none.  Without a
 * spin it probes now and then with a whole spin_us, the probes further
 * apart (16 waits, doubling up to PROBE_MAX) while they fail.  So a rank
 * with a CPU of its own spins and takes no wake-up, and ranks that
 * outnumber the CPUs, whose spin keeps the rank they wait for from
 * running, soon sleep at once and spend a spin_us only every
 * PROBE_MAX waits. */
static uint64_t spin_budget(struct rcode_comm *c)
{
	struct comm_kernel *k = c->k;

	switch (c->wait) {
	case RCODE_COMM_WAIT_SLEEP:
		return 0;
	case RCODE_COMM_WAIT_SPIN:
		return c->spin_us * 1000ull;
	case RCODE_COMM_WAIT_AUTO:
		break;
	}
	if (!k->spin_ns && ++k->nospin >= k->probe_every) {
		k->nospin = 0;
		k->probing = true;
		return c->spin_us * 1000ull;
	}
	return k->spin_ns;
}

static void spin_adapt(struct rcode_comm *c, uint64_t budget, bool ended)
{
	struct comm_kernel *k = c->k;
	uint64_t max = c->spin_us * 1000ull;

	if (c->wait != RCODE_COMM_WAIT_AUTO || !budget)
		return;
	if (ended) {
		k->spin_ns = budget * 2 < max ? budget * 2 : max;
		k->probe_every = PROBE_FIRST;
	} else if (k->probing) {
		if (k->probe_every < PROBE_MAX)
			k->probe_every *= 2;
	} else {
		/* below 1 µs a spin is not worth its clock reads */
		k->spin_ns = budget / 2 < 1000 ? 0 : budget / 2;
	}
	k->probing = false;
}

int comm_kernel_wait(struct rcode_comm *c, uint32_t seq, uint64_t deadline)
{
	struct comm_kernel *k = c->k;
	uint64_t *sleepers = &k->win[COLL_W_SLEEPERS];
	uint64_t budget = spin_budget(c);

	/* Spin first: the handler publishes the result in the window
	 * (coll_done: an acquire load of result_seq, written after the
	 * words), on another CPU, and wakes nobody while nobody sleeps. */
	if (budget) {
		uint64_t end = comm_now_ns() + budget;
		bool ended = false;

		if (end > deadline)
			end = deadline;
		for (unsigned int i = 1;; i++) {
			if (coll_done(&c->core, seq)) {
				ended = true;
				break;
			}
			cpu_relax();
			if (!(i & 15) && comm_now_ns() >= end)
				break;
		}
		spin_adapt(c, budget, ended);
		if (ended)
			return 0;
	}
	for (;;) {
		struct epoll_event ev[2];
		uint64_t now;
		int ms, n;

		/* Take stale records first, so that epoll sleeps until a
		 * new one; then say that this rank sleeps, and look again
		 * (both full barriers, as coll.c's read of the word after
		 * it writes result_seq): either coll.c sees the word and
		 * wakes the sleep, or this look sees the result. */
		drain(k);
		if (coll_done(&c->core, seq))
			return 0;
		now = comm_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		ms = (deadline - now + 999999) / 1000000;
		__atomic_fetch_add(sleepers, 1, __ATOMIC_SEQ_CST);
		if (coll_done(&c->core, seq)) {
			__atomic_fetch_sub(sleepers, 1, __ATOMIC_SEQ_CST);
			return 0;
		}
		c->stats.sleeps++;
		n = epoll_wait(k->epfd, ev, 2, ms);
		__atomic_fetch_sub(sleepers, 1, __ATOMIC_SEQ_CST);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n; i++)
			if (ev[i].data.u32 == 1)
				comm_serve(c);	/* what coll.c passed on: a
						 * result (wake = socket), or
						 * not of the protocol */
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
