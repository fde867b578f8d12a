// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_handler.c - a translated handler's kernel objects.
 *
 * Maps are created before translation because the emitted code names them
 * by fd (BPF_PSEUDO_MAP_FD); each gets a BTF description generated from
 * the handler's own declarations, so `bpftool map dump` prints the data
 * area as { "sum": 12, "count": 1, "vec": [0, 0, 0, 0] }.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "rc_diag.h"
#include "rcode_internal.h"

struct rcode_handler {
	struct rc_prog *prog;
	struct rc_verinfo vi;
	struct rcode_handler_opts opts;
	struct rc_xlate_maps maps;
	struct rc_xlate_out out;
	struct btf *btf;	/* maps' and functions' types, kept for the load */
	int main_func, callback_func;	/* BTF ids of the two functions */
	int prog_fd;
	bool own_ranks;		/* the rank table is ours, not the caller's */
	int rank_type, u32_type;	/* BTF ids of struct rc_rank, __u32 */
	uint64_t load_ns;
	char log_path[256];
	/* the interpreter path */
	struct rc_icode *ic;
	int code_fd, trace_fd;
	int ring_fd;		/* its up-call ring, if it upcalls */
	uint64_t install_ns;
	const char *install_failed;	/* which map, for the message */
};

static bool on_interp(const struct rcode_handler *h)
{
	return h->opts.path == RCODE_PATH_INTERP;
}

/* Bytes of the data area's map value: the interpreter's array of maps
 * needs one size for all, the largest. */
static uint32_t state_bytes(const struct rcode_handler *h)
{
	return on_interp(h) ? RC_STATE_MAX * 8 : h->prog->state_words * 8;
}

static void opts_copy(struct rcode_handler_opts *dst,
		      const struct rcode_handler_opts *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src)
		memcpy(dst, src, src->sz < sizeof(*dst) ? src->sz : sizeof(*dst));
	dst->sz = sizeof(*dst);
}

struct rcode_handler *rcode_handler__new(struct rc_prog *prog,
					 const struct rc_verinfo *vi,
					 const struct rcode_handler_opts *opts)
{
	struct rcode_handler *h = calloc(1, sizeof(*h));

	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->prog = prog;
	h->vi = *vi;
	opts_copy(&h->opts, opts);
	h->prog_fd = -1;
	h->code_fd = -1;
	h->trace_fd = -1;
	h->ring_fd = -1;
	h->maps.state_fd = -1;
	h->maps.stats_fd = -1;
	h->maps.snapshot_fd = -1;
	h->maps.frame_fd = -1;
	h->maps.ranks_fd = -1;
	h->maps.upcall_fd = -1;
	h->maps.scratch_fd = -1;
	for (int k = 0; k < RC_WINDOWS_MAX; k++)
		h->maps.window_fd[k] = -1;
	return h;
}

/* ---- BTF ------------------------------------------------------------------ */
struct btf_ids {
	int u32, u64, state, stats, rank, window[RC_WINDOWS_MAX];
	int main_func, callback_func;
};

static int add_u64_array(struct btf *btf, struct btf_ids *t, uint32_t n)
{
	return btf__add_array(btf, t->u32, t->u64, n);
}

/* On the interpreter path the data area's struct is RC_STATE_MAX words
 * long (its fields cover the first state_words) and a window is an array
 * of __u64 entries, one per word. */
static int build_btf(const struct rc_prog *p, bool interp, struct btf **out,
		     struct btf_ids *t)
{
	struct btf *btf = btf__new_empty();
	uint32_t off = 0;
	int err = 0;

	if (!btf)
		return -errno;
	t->u32 = btf__add_int(btf, "__u32", 4, 0);
	t->u64 = btf__add_int(btf, "__u64", 8, 0);
	t->state = -1;
	if (p->state_words || interp) {
		int ids[RC_SYMBOLS_MAX];

		/* Types first, then the struct and its fields, as BTF wants
		 * a struct's members to follow it directly. */
		for (uint32_t i = 0; i < p->nsyms; i++)
			ids[i] = p->syms[i].words == 1 ? t->u64 :
				 add_u64_array(btf, t, p->syms[i].words);
		t->state = btf__add_struct(btf, "rc_state", interp ? RC_STATE_MAX * 8
							       : p->state_words * 8);
		for (uint32_t i = 0; i < p->nsyms; i++) {
			err = err ?: btf__add_field(btf, p->syms[i].name, ids[i],
						   off * 64, 0);
			off += p->syms[i].words;
		}
	}
	for (uint32_t k = 0; k < p->nwindows; k++) {
		int arr;
		char name[RC_NAME_MAX + 16];

		if (interp) {
			t->window[k] = t->u64;
			continue;
		}
		arr = add_u64_array(btf, t, p->windows[k].words);
		snprintf(name, sizeof(name), "rc_window_%s", p->windows[k].name);
		t->window[k] = btf__add_struct(btf, name, p->windows[k].words * 8);
		err = err ?: btf__add_field(btf, p->windows[k].name, arr, 0, 0);
	}
	{
		static const struct {
			const char *name;
			size_t off;
			int n;	/* array length, 0 for a scalar */
		} f[] = {
#define F(x) #x, offsetof(struct rc_handler_stats, x)
			{ F(invocations), 0 }, { F(drop), 0 }, { F(pass), 0 },
			{ F(reply), 0 }, { F(faults), RC_ABI_FAULTS },
			{ F(budget_aborts), 0 }, { F(last_fault_pc), 0 },
			{ F(last_fault_code), 0 }, { F(last_fault_ns), 0 },
			{ F(not_for_us), 0 }, { F(forward), 0 }, { F(sends), 0 },
			{ F(send_errors), 0 }, { F(upcalls), 0 },
			{ F(upcall_lost), 0 },
#undef F
		};
		int faults = add_u64_array(btf, t, RC_ABI_FAULTS);

		t->stats = btf__add_struct(btf, "rc_handler_stats",
					   sizeof(struct rc_handler_stats));
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			err = err ?: btf__add_field(btf, f[i].name,
						   f[i].n ? faults : t->u64,
						   f[i].off * 8, 0);
	}
	{
		/* The rank table's entries, for bpftool map dump. */
		int u8 = btf__add_int(btf, "__u8", 1, 0);
		int u16 = btf__add_int(btf, "__u16", 2, 0);
		int a16 = btf__add_array(btf, t->u32, u8, 16);
		int a6 = btf__add_array(btf, t->u32, u8, 6);

		t->rank = btf__add_struct(btf, "rc_rank", sizeof(struct rc_rank));
#define F(x, type) err = err ?: btf__add_field(btf, #x, type, \
				offsetof(struct rc_rank, x) * 8, 0)
		F(addr, a16);
		F(flags, t->u32);
		F(self, t->u32);
		F(ifindex, t->u32);
		F(port, u16);
		F(mac, a6);
#undef F
		if (t->rank < 0)
			err = t->rank;
	}
	{
		/* The functions, for func_info: a program with a bpf_loop
		 * callback must describe each of its subprograms. */
		int vptr = btf__add_ptr(btf, 0);
		int i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
		int i64 = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
		int proto = btf__add_func_proto(btf, i32);

		err = err ?: btf__add_func_param(btf, "ctx", vptr);
		t->main_func = btf__add_func(btf, "rc_handler", BTF_FUNC_GLOBAL, proto);
		proto = btf__add_func_proto(btf, i64);
		err = err ?: btf__add_func_param(btf, "index", t->u32);
		err = err ?: btf__add_func_param(btf, "frame", vptr);
		t->callback_func = btf__add_func(btf, "rc_loop_body", BTF_FUNC_STATIC,
						 proto);
		if (t->main_func < 0 || t->callback_func < 0)
			err = -EINVAL;
	}
	if (err < 0 || t->u64 < 0 || t->stats < 0) {
		btf__free(btf);
		return err < 0 ? err : -EINVAL;
	}
	err = btf__load_into_kernel(btf);
	if (err) {
		btf__free(btf);
		return err;
	}
	*out = btf;
	return 0;
}

/* ---- maps ----------------------------------------------------------------- */
static int reuse_map(const char *dir, const char *name, uint32_t value_size,
		     uint32_t entries)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	char path[512];
	int fd;

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size != value_size ||
	    info.max_entries != entries) {
		close(fd);
		return -1;
	}
	return fd;
}

static int create_map_n(enum bpf_map_type type, const char *name,
			uint32_t value_size, uint32_t entries, uint32_t flags,
			struct btf *btf, int key_id, int value_id)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd;

	if (btf) {
		o.btf_fd = btf__fd(btf);
		o.btf_key_type_id = key_id;
		o.btf_value_type_id = value_id;
	}
	fd = bpf_map_create(type, name, 4, value_size, entries, &o);
	return fd < 0 ? -errno : fd;
}

static int create_map(enum bpf_map_type type, const char *name,
		      uint32_t value_size, uint32_t flags, struct btf *btf,
		      int key_id, int value_id)
{
	return create_map_n(type, name, value_size, 1, flags, btf, key_id,
			    value_id);
}

static int create_maps(struct rcode_handler *h, struct rc_diags *d)
{
	const struct rc_prog *p = h->prog;
	const char *dir = h->opts.reuse_pin_dir;
	struct btf *btf = NULL;
	struct btf_ids t = { 0 };
	int err, fd;

	err = build_btf(p, on_interp(h), &btf, &t);
	if (err) {
		rc_diag_pc(d, RC_SEV_ERROR, p, -1, "cannot load BTF for the maps: %s",
			   strerror(-err));
		return err;
	}
	if (p->state_words || on_interp(h)) {
		fd = reuse_map(dir, "state", state_bytes(h), 1);
		if (fd < 0)
			fd = create_map(BPF_MAP_TYPE_ARRAY, "rc_state",
					state_bytes(h), 0, btf, t.u32, t.state);
		if (fd < 0)
			goto fail;
		h->maps.state_fd = fd;
	}
	for (uint32_t k = 0; k < p->nwindows; k++) {
		char pin[RC_NAME_MAX + 8], name[BPF_OBJ_NAME_LEN];

		snprintf(pin, sizeof(pin), "win-%s", p->windows[k].name);
		snprintf(name, sizeof(name), "rc_w_%s", p->windows[k].name);
		if (on_interp(h)) {
			/* One word per entry: windows of any size share the
			 * interpreter's array of maps (BPF_F_INNER_MAP). */
			fd = reuse_map(dir, pin, 8, p->windows[k].words);
			if (fd < 0)
				fd = create_map_n(BPF_MAP_TYPE_ARRAY, name, 8,
						  p->windows[k].words,
						  BPF_F_MMAPABLE | BPF_F_INNER_MAP,
						  btf, t.u32, t.window[k]);
		} else {
			fd = reuse_map(dir, pin, p->windows[k].words * 8, 1);
			if (fd < 0)
				fd = create_map(BPF_MAP_TYPE_ARRAY, name,
						p->windows[k].words * 8,
						BPF_F_MMAPABLE, btf, t.u32,
						t.window[k]);
		}
		if (fd < 0)
			goto fail;
		h->maps.window_fd[k] = fd;
	}
	fd = create_map(BPF_MAP_TYPE_PERCPU_ARRAY, "rc_stats",
			sizeof(struct rc_handler_stats), 0, btf, t.u32, t.stats);
	if (fd < 0)
		goto fail;
	h->maps.stats_fd = fd;
	h->btf = btf;
	h->rank_type = t.rank;
	h->u32_type = t.u32;
	h->main_func = t.main_func;
	h->callback_func = t.callback_func;
	return 0;
fail:
	btf__free(btf);
	rc_diag_pc(d, RC_SEV_ERROR, p, -1, "cannot create the handler's maps: %s",
		   strerror(-fd));
	return fd;
}

static int create_snapshot_map(struct rcode_handler *h, struct rc_diags *d)
{
	int fd = create_map(BPF_MAP_TYPE_PERCPU_ARRAY, "rc_snapshot",
			    RC_SNAPSHOT_MAP_SIZE, 0, NULL, 0, 0);

	if (fd < 0) {
		rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1,
			   "cannot create the snapshot map: %s", strerror(-fd));
		return fd;
	}
	h->maps.snapshot_fd = fd;
	return 0;
}

static int upcall_ring(const char *dir);

/*
 * The translated path's forward and send: the rank table (the caller's,
 * or an empty one of the handler's own); upcall: the ring the
 * application reads; for all three the scratch value (unless the loop
 * frame holds it).  The
 * interpreter path has the interpreter's rank table.
 */
static int create_net_maps(struct rcode_handler *h,
			   const struct rc_xlate_plan *plan, struct rc_diags *d)
{
	const char *what = "rank table";
	int fd = 0;

	if (plan->ranks && h->opts.ranks_fd > 0) {
		struct bpf_map_info info = { 0 };
		uint32_t len = sizeof(info);

		if (bpf_obj_get_info_by_fd(h->opts.ranks_fd, &info, &len)) {
			fd = -errno;
			goto fail;
		}
		if (info.type != BPF_MAP_TYPE_ARRAY ||
		    info.value_size != sizeof(struct rc_rank) ||
		    info.max_entries != RC_ABI_RANKS_MAX) {
			rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1, "the rank table "
				   "given is not an array of %u struct rc_rank",
				   RC_ABI_RANKS_MAX);
			return -EINVAL;
		}
		fd = dup(h->opts.ranks_fd);
		if (fd < 0) {
			fd = -errno;
			goto fail;
		}
		h->maps.ranks_fd = fd;
	} else if (plan->ranks) {
		fd = create_map_n(BPF_MAP_TYPE_ARRAY, "rc_ranks", sizeof(struct rc_rank),
				  RC_ABI_RANKS_MAX, 0, h->btf, h->u32_type,
				  h->rank_type);
		if (fd < 0)
			goto fail;
		h->maps.ranks_fd = fd;
		h->own_ranks = true;
	}
	if ((plan->ranks || plan->upcalls) && !plan->loops) {
		what = "scratch map";
		fd = create_map(BPF_MAP_TYPE_PERCPU_ARRAY, "rc_scratch",
				RC_SCRATCH_SIZE, 0, NULL, 0, 0);
		if (fd < 0)
			goto fail;
		h->maps.scratch_fd = fd;
	}
	if (plan->upcalls) {
		what = "up-call ring";
		fd = upcall_ring(h->opts.reuse_pin_dir);
		if (fd < 0)
			goto fail;
		h->maps.upcall_fd = fd;
	}
	return 0;
fail:
	rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1, "cannot create the %s: %s", what,
		   strerror(-fd));
	return fd;
}

/* ---- load ------------------------------------------------------------------ */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The kernel said no: that is our bug, not the handler's.  Keep the
 * verifier's story for the bug report, but not all of it: the log of a
 * program the verifier gave up on runs to megabytes of the path it
 * walked, and what explains the rejection is at its end.  One file per
 * handler name, replaced by the next rejection of the same name, so
 * rejections do not pile up in /tmp. */
#define RC_VERIFIER_LOG_KEEP	(256u << 10)
static void save_verifier_log(struct rcode_handler *h, struct rc_diags *d,
			      int err, const struct bpf_prog_load_opts *lo)
{
	const size_t size = 16u << 20;
	char *log = malloc(size);
	struct bpf_prog_load_opts o = *lo;
	FILE *f;

	o.log_buf = log;
	o.log_size = size;
	o.log_level = 1;

	if (h->opts.verifier_log)
		snprintf(h->log_path, sizeof(h->log_path), "%s", h->opts.verifier_log);
	else
		snprintf(h->log_path, sizeof(h->log_path),
			 "/tmp/rcode-verifier-%s.log", h->prog->name);
	if (log) {
		int fd;

		log[0] = '\0';
		fd = bpf_prog_load(h->out.plan.tc ? BPF_PROG_TYPE_SCHED_CLS :
				   BPF_PROG_TYPE_XDP, "rc_log", "Dual BSD/GPL",
				   h->out.insns, h->out.ninsns, &o);
		if (fd >= 0)
			close(fd);
	}
	f = fopen(h->log_path, "w");
	if (f) {
		char *listing = NULL, *tail = log;
		size_t n = log ? strlen(log) : 0;

		if (n > RC_VERIFIER_LOG_KEEP) {
			tail = log + n - RC_VERIFIER_LOG_KEEP;
			tail += strcspn(tail, "\n");
		}
		fprintf(f, "rcode2bpf: the kernel rejected the translation of %s "
			"(%s)\n\n--- verifier log%s ---\n%s\n", h->prog->origin,
			strerror(-err), tail != log ? " (its end; the start is "
			"omitted)" : "", log ? tail : "(no memory for the log)");
		if (!rc_xlate_listing(h->prog, &h->out, &listing)) {
			fprintf(f, "\n--- translated program ---\n%s", listing);
			free(listing);
		}
		fclose(f);
	}
	rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1,
		   "the kernel verifier rejected the translated program (%s): "
		   "this is a rcode2bpf bug; the verifier's log is in %s",
		   strerror(-err), f ? h->log_path : "(could not be saved)");
	free(log);
}

static int load_interp(struct rcode_handler *h, struct rc_diags *d);

int rcode_handler__load(struct rcode_handler *h, struct rc_diags *d)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o);
	struct bpf_func_info fi[2];
	struct rc_xlate_plan plan;
	struct rc_xlate_opts xo = { .sz = sizeof(xo), .udp_port = h->opts.udp_port,
				    .no_callbacks = h->opts.inline_loops || !rcode_jit_enabled(),
				    .tc = h->opts.tc, .tc_any_portal = h->opts.tc_any_portal };
	char name[BPF_OBJ_NAME_LEN];
	uint64_t t0;
	int err;

	if (on_interp(h))
		return load_interp(h, d);
	err = rc_xlate_plan(h->prog, &h->vi, &plan, d);
	if (err)
		return err;
	err = create_maps(h, d) ?: create_net_maps(h, &plan, d);
	if (err)
		return err;
	if (plan.needs_snapshot || plan.resize) {
		err = create_snapshot_map(h, d);
		if (err)
			return err;
	}
	if (plan.loops) {
		int fd = create_map(BPF_MAP_TYPE_PERCPU_ARRAY, "rc_loopframe",
				    RC_LOOP_FRAME_SIZE, 0, NULL, 0, 0);

		if (fd < 0) {
			rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1,
				   "cannot create the loop frame map: %s", strerror(-fd));
			return fd;
		}
		h->maps.frame_fd = fd;
	}
	err = rc_xlate(h->prog, &h->vi, &h->maps, &xo, &h->out, d);
	if (err)
		return err;
	snprintf(name, sizeof(name), "rc_%s", h->prog->name);
	if (h->out.callback_insn) {
		fi[0] = (struct bpf_func_info){ 0, h->main_func };
		fi[1] = (struct bpf_func_info){ h->out.callback_insn, h->callback_func };
		o.prog_btf_fd = btf__fd(h->btf);
		o.func_info = fi;
		o.func_info_cnt = 2;
		o.func_info_rec_size = sizeof(fi[0]);
	}
	t0 = now_ns();
	h->prog_fd = bpf_prog_load(h->out.plan.tc ? BPF_PROG_TYPE_SCHED_CLS :
				   BPF_PROG_TYPE_XDP, name, "Dual BSD/GPL",
				   h->out.insns, h->out.ninsns, &o);
	h->load_ns = now_ns() - t0;
	if (h->prog_fd < 0) {
		err = -errno;
		h->prog_fd = -1;
		if ((err == -E2BIG || err == -EFAULT) && plan.loops &&
		    xo.no_callbacks) {
			/* Not a translator bug: without the JIT the kernel
			 * walks every iteration when it verifies, and gives
			 * up after a million instructions (E2BIG) or 8192
			 * pending branches ("The sequence of 8193 jumps is
			 * too complex": EFAULT). */
			rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1,
				   "without bpf_loop callbacks, loops are verified "
				   "iteration by iteration, and budget %u is too large "
				   "for this loop to verify%s", h->prog->budget,
				   h->opts.inline_loops ? "" : " (this kernel runs BPF "
				   "without its JIT: net.core.bpf_jit_enable=0)");
			rc_diag_note(d, "enable the JIT, or lower .budget");
			return err;
		}
		save_verifier_log(h, d, err, &o);
		return err;
	}
	return 0;
}

const struct rc_prog *rcode_handler__prog(const struct rcode_handler *h)
{
	return h->prog;
}

const struct rc_xlate_out *rcode_handler__xlated(const struct rcode_handler *h)
{
	return &h->out;
}

int rcode_handler__prog_fd(const struct rcode_handler *h)
{
	return h->prog_fd;
}

int rcode_handler__state_fd(const struct rcode_handler *h)
{
	return h->maps.state_fd;
}

int rcode_handler__window_fd(const struct rcode_handler *h, unsigned int k)
{
	return k < RC_WINDOWS_MAX ? h->maps.window_fd[k] : -1;
}

int rcode_handler__stats_fd(const struct rcode_handler *h)
{
	return h->maps.stats_fd;
}

int rcode_handler__ranks_fd(const struct rcode_handler *h)
{
	return h->maps.ranks_fd;
}

int rcode_handler__upcall_fd(const struct rcode_handler *h)
{
	/* Interpreter path: the ring in the interpreter's ic_upcalls. */
	return on_interp(h) ? h->ring_fd : h->maps.upcall_fd;
}

bool rcode_handler__needs_tc(const struct rcode_handler *h)
{
	return on_interp(h) ? false : h->prog_fd >= 0 ? h->out.plan.tc :
	       h->vi.needs_tc || h->opts.tc;
}

uint64_t rcode_handler__load_ns(const struct rcode_handler *h)
{
	return h->load_ns;
}

static int map_rw(int fd, void *words, bool write)
{
	uint32_t key = 0;
	int err;

	if (fd < 0)
		return -ENOENT;
	err = write ? bpf_map_update_elem(fd, &key, words, BPF_ANY) :
		      bpf_map_lookup_elem(fd, &key, words);
	return err ? -errno : 0;
}

/* The data area's value is state_bytes() long; callers see its words. */
static int state_rw(const struct rcode_handler *h, uint64_t *words, bool write)
{
	uint64_t buf[RC_STATE_MAX] = { 0 };
	uint32_t n = h->prog->state_words;
	int err;

	if (!n)
		return 0;
	if (write) {
		memcpy(buf, words, n * 8);
		return map_rw(h->maps.state_fd, buf, true);
	}
	err = map_rw(h->maps.state_fd, buf, false);
	if (!err)
		memcpy(words, buf, n * 8);
	return err;
}

int rcode_handler__write_state(struct rcode_handler *h, const uint64_t *words)
{
	return state_rw(h, (uint64_t *)words, true);
}

int rcode_handler__read_state(const struct rcode_handler *h, uint64_t *words)
{
	return state_rw(h, words, false);
}

/* Through mmap, which shows both layouts (one entry of words * 8 bytes,
 * or words entries of 8) as the same array of words. */
static int window_rw(const struct rcode_handler *h, unsigned int k,
		     uint64_t *words, bool write)
{
	size_t len;
	void *m;

	if (k >= h->prog->nwindows)
		return -EINVAL;
	len = (size_t)h->prog->windows[k].words * 8;
	m = mmap(NULL, len, PROT_READ | (write ? PROT_WRITE : 0), MAP_SHARED,
		 h->maps.window_fd[k], 0);
	if (m == MAP_FAILED)
		return -errno;
	if (write)
		memcpy(m, words, len);
	else
		memcpy(words, m, len);
	munmap(m, len);
	return 0;
}

int rcode_handler__write_window(struct rcode_handler *h, unsigned int k,
				const uint64_t *words)
{
	return window_rw(h, k, (uint64_t *)words, true);
}

int rcode_handler__read_window(const struct rcode_handler *h, unsigned int k,
			       uint64_t *words)
{
	return window_rw(h, k, words, false);
}

int rcode_handler__read_stats(const struct rcode_handler *h,
			      struct rc_handler_stats *sum)
{
	return rc_stats_sum(h->maps.stats_fd, sum);
}

__u64 *rcode_handler__window_mmap(const struct rcode_handler *h,
				  unsigned int k, bool writable, __u32 *nwords)
{
	if (!h || !nwords || k >= h->prog->nwindows || h->maps.window_fd[k] < 0) {
		errno = h && nwords && k < h->prog->nwindows ? EBADF : EINVAL;
		return NULL;
	}
	return rc_window_mmap_fd(h->maps.window_fd[k], writable, nwords);
}

/* ---- for rcode_attach.c ------------------------------------------------- */
struct rcode_interp *rc_handler_interp(const struct rcode_handler *h)
{
	return h->opts.interp;
}

bool rc_handler_traced(const struct rcode_handler *h)
{
	return on_interp(h) && h->opts.trace;
}

__u16 rc_handler_udp_port(const struct rcode_handler *h)
{
	return h->opts.udp_port ?: RC_ABI_DEFAULT_PORT;
}

bool rc_handler_own_ranks(const struct rcode_handler *h)
{
	return h->own_ranks;
}

static int pin_one(int fd, const char *dir, const char *name)
{
	char path[512];

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);	/* replacing a handler re-pins */
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

int rcode_handler__pin(struct rcode_handler *h, const char *dir)
{
	int err;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* The interpreter's program is the interpreter's, pinned once for
	 * the interface; the handler is its code map. */
	err = on_interp(h) ? pin_one(h->code_fd, dir, "code") ?:
			     pin_one(h->trace_fd, dir, "trace") ?:
			     pin_one(h->ring_fd, dir, "upcalls")
			   : pin_one(h->prog_fd, dir, "prog");
	err = err ?: pin_one(h->maps.state_fd, dir, "state");
	err = err ?: pin_one(h->maps.stats_fd, dir, "stats");
	err = err ?: pin_one(h->maps.upcall_fd, dir, "upcalls");
	/* A table the caller gave is the interface's, pinned by its owner. */
	if (h->own_ranks)
		err = err ?: pin_one(h->maps.ranks_fd, dir, "ranks");
	for (uint32_t k = 0; !err && k < h->prog->nwindows; k++) {
		char name[RC_NAME_MAX + 8];

		snprintf(name, sizeof(name), "win-%s", h->prog->windows[k].name);
		err = pin_one(h->maps.window_fd[k], dir, name);
	}
	return err;
}

int rcode_handler__test_run(struct rcode_handler *h, const void *pkt,
			    size_t len, void *out, size_t *out_len,
			    uint32_t *verdict, uint32_t repeat,
			    uint32_t *duration_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = len,
		    .data_out = out, .data_size_out = out ? *out_len : 0,
		    .repeat = repeat);

	if (h->prog_fd < 0)
		return -EBADF;
	if (bpf_prog_test_run_opts(h->prog_fd, &t))
		return -errno;
	if (out_len)
		*out_len = t.data_size_out;
	if (verdict)
		*verdict = t.retval;
	if (duration_ns)
		*duration_ns = t.duration;
	return 0;
}

void rcode_handler__close(struct rcode_handler *h)
{
	if (!h)
		return;
	if (h->prog_fd >= 0)
		close(h->prog_fd);
	if (h->code_fd >= 0)
		close(h->code_fd);
	if (h->trace_fd >= 0)
		close(h->trace_fd);
	if (h->ring_fd >= 0)
		close(h->ring_fd);
	free(h->ic);
	if (h->maps.state_fd >= 0)
		close(h->maps.state_fd);
	if (h->maps.stats_fd >= 0)
		close(h->maps.stats_fd);
	if (h->maps.snapshot_fd >= 0)
		close(h->maps.snapshot_fd);
	if (h->maps.frame_fd >= 0)
		close(h->maps.frame_fd);
	if (h->maps.ranks_fd >= 0)
		close(h->maps.ranks_fd);
	if (h->maps.upcall_fd >= 0)
		close(h->maps.upcall_fd);
	if (h->maps.scratch_fd >= 0)
		close(h->maps.scratch_fd);
	for (int k = 0; k < RC_WINDOWS_MAX; k++)
		if (h->maps.window_fd[k] >= 0)
			close(h->maps.window_fd[k]);
	rc_xlate_out_free(&h->out);
	btf__free(h->btf);
	rc_prog_free(h->prog);
	free(h);
}

/* ---- the interpreter path ------------------------------------------------ */
/* Does a reachable instruction upcall? */
static bool upcalls(const struct rc_prog *p, const struct rc_verinfo *vi)
{
	for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc]))
		if (vi->reachable[pc] && p->insns[pc].op == RC_OP_upcall)
			return true;
	return false;
}

/* The handler's own ring: the one pinned in dir if it has the size (a
 * replaced handler keeps it, so an application waiting on it goes on
 * waiting), else a new one. */
static int upcall_ring(const char *dir)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	char path[512];
	int fd;

	if (dir) {
		snprintf(path, sizeof(path), "%s/upcalls", dir);
		fd = bpf_obj_get(path);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_MAP_TYPE_RINGBUF &&
		    info.max_entries == RC_ABI_UPCALL_RING)
			return fd;
		if (fd >= 0)
			close(fd);
	}
	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "rc_upcalls", 0, 0,
			    RC_ABI_UPCALL_RING, NULL);
	return fd < 0 ? -errno : fd;
}

static int load_interp(struct rcode_handler *h, struct rc_diags *d)
{
	struct rc_xlate_plan plan;
	uint32_t flags = 0;
	uint64_t t0 = now_ns();
	__u32 zero = 0;
	int err, fd;

	if (!h->opts.interp) {
		rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1,
			   "no in-kernel interpreter to install the handler in");
		return -EINVAL;
	}
	if (h->vi.needs_tc) {
		/* The verifier found a reachable send (rc_icode_build would
		 * refuse it too). */
		rc_icode_refuse_send(h->prog, h->vi.tc_pc, d);
		return -EOPNOTSUPP;
	}
	/* The translator's analysis says the same for the interpreter:
	 * whether an edit can be followed by a fault (snapshot). */
	err = rc_xlate_plan(h->prog, &h->vi, &plan, d);
	if (err)
		return err;
	if (plan.needs_snapshot)
		flags |= RC_IC_F_SNAPSHOT;
	if (plan.edits)
		flags |= RC_IC_F_EDITS;
	h->ic = malloc(sizeof(*h->ic));
	if (!h->ic)
		return -ENOMEM;
	err = rc_icode_build(h->prog, &h->vi, flags, h->ic, NULL, d);
	if (err)
		return err;
	err = create_maps(h, d);
	if (err)
		return err;
	fd = create_map(BPF_MAP_TYPE_ARRAY, "rc_code", sizeof(struct rc_icode),
			0, NULL, 0, 0);
	if (fd < 0 || bpf_map_update_elem(fd, &zero, h->ic, BPF_ANY) ||
	    bpf_map_freeze(fd)) {
		err = fd < 0 ? fd : -errno;
		rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1,
			   "cannot create the code map: %s", strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	h->code_fd = fd;
	if (upcalls(h->prog, &h->vi)) {
		fd = upcall_ring(h->opts.reuse_pin_dir);
		if (fd < 0) {
			rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1,
				   "cannot create the up-call ring: %s", strerror(-fd));
			return fd;
		}
		h->ring_fd = fd;
	}
	if (h->opts.trace) {
		fd = create_map(BPF_MAP_TYPE_ARRAY, "rc_trace",
				sizeof(struct rc_trace), 0, NULL, 0, 0);
		if (fd < 0) {
			rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1,
				   "cannot create the trace map: %s", strerror(-fd));
			return fd;
		}
		h->trace_fd = fd;
	}
	h->prog_fd = dup(rcode_interp__prog_fd(h->opts.interp, h->opts.trace));
	if (h->prog_fd < 0)
		return -errno;
	err = rcode_handler__install(h, h->prog->portal);
	h->install_ns = now_ns() - t0;
	if (err)
		rc_diag_pc(d, RC_SEV_ERROR, h->prog, -1,
			   "cannot install the handler in the interpreter: %s "
			   "(its %s map)", strerror(-err), h->install_failed);
	return err;
}

static int put(int outer, __u32 key, int inner)
{
	if (inner < 0)
		return bpf_map_delete_elem(outer, &key) && errno != ENOENT ?
		       -errno : 0;
	return bpf_map_update_elem(outer, &key, &inner, BPF_ANY) ? -errno : 0;
}

int rcode_handler__install(struct rcode_handler *h, unsigned int portal)
{
	struct rcode_interp *ip = h->opts.interp;
	int err;

	if (!on_interp(h) || !ip || h->code_fd < 0)
		return -EINVAL;
	if (portal >= RC_ABI_PORTALS)
		return -ERANGE;
	/* Everything the code refers to first, the code last: a message
	 * arriving meanwhile runs the old handler whole or the new one. */
	h->install_failed = "state";
	err = put(rcode_interp__map_fd(ip, RCODE_IMAP_STATE), portal,
		  h->maps.state_fd);
	if (!err) {
		h->install_failed = "stats";
		err = put(rcode_interp__map_fd(ip, RCODE_IMAP_STATS), portal,
			  h->maps.stats_fd);
	}
	if (!err) {
		h->install_failed = "trace";
		err = put(rcode_interp__map_fd(ip, RCODE_IMAP_TRACE), portal,
			  h->trace_fd);
	}
	if (!err) {
		h->install_failed = "up-call ring";
		err = put(rcode_interp__map_fd(ip, RCODE_IMAP_UPCALLS), portal,
			  h->ring_fd);
	}
	for (__u32 k = 0; !err && k < RC_WINDOWS_MAX; k++) {
		h->install_failed = "window";
		err = put(rcode_interp__map_fd(ip, RCODE_IMAP_WINDOWS),
			  portal * 8 + k,
			  k < h->prog->nwindows ? h->maps.window_fd[k] : -1);
	}
	if (!err) {
		h->install_failed = "code";
		err = put(rcode_interp__map_fd(ip, RCODE_IMAP_CODE), portal,
			  h->code_fd);
	}
	return err;
}

enum rcode_path rcode_handler__path(const struct rcode_handler *h)
{
	return h->opts.path;
}

const struct rc_icode *rcode_handler__icode(const struct rcode_handler *h)
{
	return h->ic;
}

int rcode_handler__code_fd(const struct rcode_handler *h)
{
	return h->code_fd;
}

int rcode_handler__trace_fd(const struct rcode_handler *h)
{
	return h->trace_fd;
}

uint64_t rcode_handler__install_ns(const struct rcode_handler *h)
{
	return h->install_ns;
}

int rcode_handler__read_trace(const struct rcode_handler *h, struct rc_trace *t)
{
	return map_rw(h->trace_fd, t, false);
}
