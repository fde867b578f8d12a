// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_priv_ref.c - the hand-written C baselines in bpf/ref/ against the
 * R-code semantics (needs root and BPF; prints SKIP lines otherwise).
 *
 * Each baseline is loaded from the embedded objects and run with
 * BPF_PROG_TEST_RUN on Ethernet frames built here, over IPv4 and IPv6.
 * Beside it, in lock step, the reference interpreter runs the handler in
 * examples/ on the same messages with its own data area and windows.
 * After every message the two must agree on the action, on the frame that
 * leaves (byte for byte: a reply with ranks, addresses, ports and MACs
 * exchanged and flags cleared, a pass with the handler's edits), on every
 * data-area and window word; and every frame that leaves must carry a
 * valid UDP checksum, computed here from scratch.
 *
 * 1. Scenarios written out: what each handler is for (counter counts,
 *    echo answers, gsum's third value completes the sum, the barrier
 *    opens at NPROCS).
 * 2. Frames that are not R-messages for the handler: passed untouched and
 *    counted in not_for_us, nothing else changes.
 * 3. Seeded random messages, a few hundred per handler.
 * 4. Statistics (summed over CPUs), the mmap view of a window, and the
 *    port as a load-time setting.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "embedded.h"
#include "rcode_private.h"
#include "rc_abi.h"
#include "rc_diag.h"
#include "rc_test.h"
#include "rcode.h"

#define FRAME_MAX	2048
#define ETH_LEN		14
#define IP4_LEN		20
#define IP6_LEN		40
#define UDP_LEN		8

/* ---- frames ---------------------------------------------------------------- */

/* How to wrap a message into a frame. */
struct frame_spec {
	bool ipv6;
	bool no_csum;		/* IPv4: send without a UDP checksum */
	bool swapped;		/* addresses and ports of the way back */
	uint16_t dport;		/* 0: RC_UDP_PORT */
	uint8_t flags;		/* the R header's flags byte */
	size_t ip_extra;	/* IPv4: IP payload bytes after the datagram */
	size_t pad;		/* bytes after the IP packet (Ethernet padding) */
};

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
/* 198.18.0.0/15 and 2001:2::/48 are set aside for benchmarking. */
static const uint8_t ip4_a[4] = { 198, 18, 0, 1 };
static const uint8_t ip4_b[4] = { 198, 18, 0, 2 };
static const uint8_t ip6_a[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
static const uint8_t ip6_b[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
#define SPORT	40000

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's-complement sum of big-endian 16-bit words, unfolded. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	if (n & 1)
		s += p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The sum over pseudo-header and datagram, checksum field included: 0xffff
 * when the checksum is right.  Everything from scratch, from the lengths
 * in the headers. */
static uint16_t udp_sum(const uint8_t *f, bool ipv6)
{
	const uint8_t *l3 = f + ETH_LEN, *udp;
	uint32_t s = 0;
	uint16_t ulen;

	udp = l3 + (ipv6 ? IP6_LEN : IP4_LEN);
	ulen = get16(udp + 4);
	if (ipv6)
		s = sum16(l3 + 8, 32, s);	/* both addresses */
	else
		s = sum16(l3 + 12, 8, s);
	s += IPPROTO_UDP + ulen;
	return fold(sum16(udp, ulen, s));
}

static size_t l4_off(bool ipv6)
{
	return ETH_LEN + (ipv6 ? IP6_LEN : IP4_LEN);
}

/* Build the frame that carries msg; returns its length. */
static size_t frame_build(uint8_t *f, const struct rc_msg *msg,
			  const struct frame_spec *sp)
{
	const uint8_t *smac = sp->swapped ? mac_b : mac_a;
	const uint8_t *dmac = sp->swapped ? mac_a : mac_b;
	uint16_t port = sp->dport ? sp->dport : RC_UDP_PORT;
	uint8_t *l3 = f + ETH_LEN, *udp = f + l4_off(sp->ipv6);
	size_t ulen, extra = sp->ipv6 ? 0 : sp->ip_extra, len;
	uint16_t c;
	int n;

	memset(f, 0, FRAME_MAX);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	n = rc_msg_to_wire(msg, udp + UDP_LEN, FRAME_MAX - 200);
	if (n < 0)
		abort();
	udp[UDP_LEN + 3] = sp->flags;
	ulen = UDP_LEN + n;
	if (sp->ipv6) {
		put16(f + 12, ETH_P_IPV6);
		l3[0] = 0x60;
		put16(l3 + 4, ulen);
		l3[6] = IPPROTO_UDP;
		l3[7] = 64;
		memcpy(l3 + 8, sp->swapped ? ip6_b : ip6_a, 16);
		memcpy(l3 + 24, sp->swapped ? ip6_a : ip6_b, 16);
	} else {
		put16(f + 12, ETH_P_IP);
		l3[0] = 0x45;
		put16(l3 + 2, IP4_LEN + ulen + extra);
		put16(l3 + 4, 0x1234);
		put16(l3 + 6, 0x4000);	/* DF */
		l3[8] = 64;
		l3[9] = IPPROTO_UDP;
		memcpy(l3 + 12, sp->swapped ? ip4_b : ip4_a, 4);
		memcpy(l3 + 16, sp->swapped ? ip4_a : ip4_b, 4);
		put16(l3 + 10, ~fold(sum16(l3, IP4_LEN, 0)));
	}
	put16(udp, sp->swapped ? port : SPORT);
	put16(udp + 2, sp->swapped ? SPORT : port);
	put16(udp + 4, ulen);
	len = l4_off(sp->ipv6) + ulen;
	memset(f + len, 0xee, extra);
	len += extra;
	memset(f + len, 0xdd, sp->pad);
	len += sp->pad;
	if (!sp->ipv6 && sp->no_csum)
		return len;
	c = ~udp_sum(f, sp->ipv6);
	put16(udp + 6, c ? c : 0xffff);
	return len;
}

/* ---- a baseline and its model ----------------------------------------------- */

struct ref {
	const char *name;	/* "echo" */
	const char *obj;	/* embedded object */
	const char *src;	/* the R-code it must behave like */
	bool tag_is_generation;	/* barrier: tag = state word 1 to count */
	struct bpf_object *bo;
	int prog_fd, state_fd, stats_fd;
	int win_fd[RC_WINDOWS_MAX];
	struct rc_prog *rp;
	/* The interpreter's data area and windows. */
	struct rc_env env;
	uint64_t state[RC_STATE_MAX];
	/* What the statistics must say, summed over CPUs. */
	uint64_t inv, drop, pass, reply, nfu;
};

static int ref_open(struct ref *r, uint16_t port)
{
	const struct rc_embedded_obj *eo = rc_embedded_test_find(r->obj);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = r->name);
	struct bpf_program *prog;
	struct rc_diags d;
	char *text, map[64];
	int err;

	if (!eo) {
		TEST_FAIL(r->name, "%s is not embedded", r->obj);
		return -ENOENT;
	}
	r->bo = bpf_object__open_mem(eo->data, eo->size, &oo);
	if (!r->bo) {
		TEST_FAIL(r->name, "open %s: %s", r->obj, strerror(errno));
		return -errno;
	}
	if (port && (err = rcode_object_set_rodata_u16(r->bo, "rc_port", port))) {
		TEST_FAIL(r->name, "set rc_port: %s", strerror(-err));
		return err;
	}
	err = bpf_object__load(r->bo);
	if (err) {
		TEST_FAIL(r->name, "load %s: %s", r->obj, strerror(-err));
		return err;
	}
	prog = bpf_object__next_program(r->bo, NULL);
	r->prog_fd = bpf_program__fd(prog);
	r->state_fd = bpf_object__find_map_fd_by_name(r->bo, "state");
	r->stats_fd = bpf_object__find_map_fd_by_name(r->bo, "stats");

	/* The model: the handler the baseline claims to be. */
	text = rc_test_read_file(r->src, NULL);
	r->rp = rc_prog_new();
	if (!text || !r->rp) {
		TEST_FAIL(r->name, "cannot read %s", r->src);
		free(text);
		return -ENOENT;
	}
	rc_diags_init(&d);
	err = rc_asm(r->src, text, r->rp, &d);
	if (!err)
		err = rc_verify(r->rp, NULL, &d);
	if (err) {
		rc_diags_print(&d, stdout);
		TEST_FAIL(r->name, "%s does not assemble and verify", r->src);
	}
	rc_diags_free(&d);
	free(text);
	if (err)
		return err;

	memset(&r->env, 0, sizeof(r->env));
	memset(r->state, 0, sizeof(r->state));
	r->env.state = r->state;
	for (uint32_t w = 0; w < r->rp->nwindows; w++) {
		snprintf(map, sizeof(map), "win_%s", r->rp->windows[w].name);
		r->win_fd[w] = bpf_object__find_map_fd_by_name(r->bo, map);
		r->env.windows[w] = calloc(r->rp->windows[w].words, 8);
		if (r->win_fd[w] < 0 || !r->env.windows[w]) {
			TEST_FAIL(r->name, "no map %s", map);
			return -ENOENT;
		}
	}
	/* A handler without a data area (echo) has no map 'state'. */
	if (r->prog_fd < 0 || (r->rp->state_words && r->state_fd < 0) ||
	    r->stats_fd < 0) {
		TEST_FAIL(r->name, "program or maps missing in %s", r->obj);
		return -ENOENT;
	}
	return 0;
}

static void ref_close(struct ref *r)
{
	bpf_object__close(r->bo);
	if (r->rp)
		for (uint32_t w = 0; w < r->rp->nwindows; w++)
			free(r->env.windows[w]);
	rc_prog_free(r->rp);
	r->bo = NULL;
	r->rp = NULL;
}

static int run_frame(struct ref *r, const uint8_t *in, size_t len,
		     uint8_t *out, size_t *out_len, uint32_t *action)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = FRAME_MAX, .repeat = 1);
	int err = bpf_prog_test_run_opts(r->prog_fd, &o);

	*out_len = o.data_size_out;
	*action = o.retval;
	return err;
}

/* Data-area and window words of the baseline against the model's. */
static int compare_words(struct ref *r, char *why, size_t size)
{
	static uint64_t buf[RC_WINDOW_WORDS_MAX];
	uint32_t key = 0;

	if (r->rp->state_words && bpf_map_lookup_elem(r->state_fd, &key, buf))
		return snprintf(why, size, "state lookup: %s", strerror(errno));
	for (uint32_t i = 0; i < r->rp->state_words; i++)
		if (buf[i] != r->state[i])
			return snprintf(why, size, "state word %u: C %#llx, "
					"R-code %#llx", i,
					(unsigned long long)buf[i],
					(unsigned long long)r->state[i]);
	for (uint32_t w = 0; w < r->rp->nwindows; w++) {
		if (bpf_map_lookup_elem(r->win_fd[w], &key, buf))
			return snprintf(why, size, "window lookup: %s",
					strerror(errno));
		for (uint32_t i = 0; i < r->rp->windows[w].words; i++)
			if (buf[i] != r->env.windows[w][i])
				return snprintf(why, size, "window %s+%u: C "
						"%#llx, R-code %#llx",
						r->rp->windows[w].name, i,
						(unsigned long long)buf[i],
						(unsigned long long)
							r->env.windows[w][i]);
	}
	return 0;
}

static const uint32_t xdp_of_action[RC_ACT__COUNT] = {
	[RC_ACT_DROP] = XDP_DROP,
	[RC_ACT_PASS] = XDP_PASS,
	[RC_ACT_REPLY] = XDP_TX,
};

/*
 * One R-message through the baseline and the model.  Returns 0 when they
 * agree, else 1 with the first difference in why.  *action gets the XDP
 * action, out (if not NULL) the frame that left.
 */
static int step(struct ref *r, const struct rc_msg *in,
		const struct frame_spec *sp, uint32_t *action, uint8_t *out,
		char *why, size_t size)
{
	uint8_t fin[FRAME_MAX], fout[FRAME_MAX], fexp[FRAME_MAX];
	struct frame_spec esp = *sp;
	size_t len, out_len, exp_len;
	struct rc_result res;
	struct rc_msg m = *in;
	uint32_t act;

	len = frame_build(fin, in, sp);
	if (run_frame(r, fin, len, fout, &out_len, &act))
		return snprintf(why, size, "test run: %s", strerror(errno)), 1;
	if (action)
		*action = act;
	if (out)
		memcpy(out, fout, FRAME_MAX);
	rc_run(r->rp, &m, &r->env, &res);
	r->inv++;
	if (res.fault)
		return snprintf(why, size, "the model faulted (%s at pc %u): "
				"the scenario is wrong",
				rc_fault_name(res.fault), res.fault_pc), 1;
	if (act != xdp_of_action[res.action])
		return snprintf(why, size, "action: C %u, R-code %s", act,
				rc_action_name(res.action)), 1;

	switch (res.action) {
	case RC_ACT_DROP:
		r->drop++;	/* consumed: what is left of it is invisible */
		return compare_words(r, why, size) ? 1 : 0;
	case RC_ACT_PASS:
		r->pass++;
		break;
	case RC_ACT_REPLY:
		r->reply++;
		m.hdr.src = in->hdr.dst;
		m.hdr.dst = in->hdr.src;
		esp.swapped = true;
		esp.flags = 0;
		break;
	default:
		return snprintf(why, size, "model action %u", res.action), 1;
	}

	exp_len = frame_build(fexp, &m, &esp);
	if (out_len != exp_len)
		return snprintf(why, size, "frame length: C %zu, R-code %zu",
				out_len, exp_len), 1;
	for (size_t i = 0; i < exp_len; i++)
		if (fout[i] != fexp[i])
			return snprintf(why, size, "frame byte %zu: C %#x, "
					"R-code %#x", i, fout[i], fexp[i]), 1;
	/* Equal bytes imply this, but the checksum is what the peer's
	 * stack judges: check it on its own terms. */
	if ((sp->ipv6 || !sp->no_csum) &&
	    (udp_sum(fout, sp->ipv6) != 0xffff ||
	     !get16(fout + l4_off(sp->ipv6) + 6)))
		return snprintf(why, size, "UDP checksum of the frame that "
				"left is wrong"), 1;
	if (!sp->ipv6 && sp->no_csum && get16(fout + l4_off(false) + 6))
		return snprintf(why, size, "a datagram without checksum got "
				"one"), 1;
	return compare_words(r, why, size) ? 1 : 0;
}

/* A frame that is not for the handler: passed as it came, nothing moves. */
static int not_for_us(struct ref *r, const uint8_t *f, size_t len, char *why,
		      size_t size)
{
	uint8_t out[FRAME_MAX];
	size_t out_len;
	uint32_t act;

	if (run_frame(r, f, len, out, &out_len, &act))
		return snprintf(why, size, "test run: %s", strerror(errno)), 1;
	r->nfu++;
	if (act != XDP_PASS)
		return snprintf(why, size, "action %u, not pass", act), 1;
	if (out_len != len || memcmp(out, f, len))
		return snprintf(why, size, "the frame was changed"), 1;
	return compare_words(r, why, size) ? 1 : 0;
}

static void msg_init(struct rc_msg *m, const struct ref *r, uint32_t tag,
		     uint16_t len)
{
	memset(m, 0, sizeof(*m));
	m->hdr.version = RC_WIRE_VERSION;
	m->hdr.portal = r->rp->portal;
	m->hdr.src = 3;
	m->hdr.dst = 5;
	m->hdr.tag = tag;
	m->hdr.seq = 77;
	m->hdr.len = len;
	for (uint16_t i = 0; i < len; i++)
		m->payload[i] = (uint8_t)(i * 7 + 1);
}

static void msg_set64(struct rc_msg *m, uint64_t v)
{
	memcpy(m->payload, &v, 8);	/* little-endian host: ldp64's order */
}

static uint64_t frame_word0(const uint8_t *f, bool ipv6)
{
	uint64_t v;

	memcpy(&v, f + l4_off(ipv6) + UDP_LEN + RC_HDR_LEN, 8);
	return v;
}

/* ---- 1. scenarios ------------------------------------------------------------ */

#define STEP(r, m, sp, act, out, what)					\
	({								\
		char why__[256];					\
		int bad__ = step((r), (m), (sp), (act), (out), why__,	\
				 sizeof(why__));			\
		if (bad__)						\
			TEST_FAIL((what), "%s", why__);			\
		!bad__;							\
	})

static void scenario_counter(struct ref *r)
{
	struct frame_spec v4 = { 0 }, v6 = { .ipv6 = true };
	struct rc_msg m;
	uint32_t act;
	int ok = 1;

	for (int i = 0; i < 10; i++) {
		msg_init(&m, r, 100 + i, i);
		ok &= STEP(r, &m, i & 1 ? &v6 : &v4, &act, NULL,
			   "counter: message agrees with R-code");
		ok &= act == XDP_DROP;
	}
	ASSERT_TRUE(ok, "counter: 10 messages over IPv4 and IPv6, all dropped");
	ASSERT_EQ(r->state[0], 10, "counter: total is 10");
	ASSERT_EQ(r->env.windows[0][0], 10, "counter: hits+0 is 10");
	ASSERT_EQ(r->env.windows[0][1], 109, "counter: hits+1 is the last tag");
}

static void scenario_echo(struct ref *r)
{
	static const struct {
		bool ipv6, no_csum;
		uint16_t len;
		uint8_t flags;
		size_t pad;
		const char *what;
	} c[] = {
		{ false, false, 8, 0, 0, "echo: IPv4, one word" },
		{ false, true, 8, 0, 0, "echo: IPv4 without UDP checksum" },
		{ true, false, 8, 0, 0, "echo: IPv6, one word" },
		{ false, false, 0, 0, 0, "echo: IPv4, empty payload" },
		{ true, false, 7, 0, 0, "echo: IPv6, 7 bytes (no word)" },
		{ false, false, 1408, 0, 0, "echo: IPv4, 1408 bytes" },
		{ true, false, 1408, 0, 0, "echo: IPv6, 1408 bytes" },
		{ false, false, 13, 0x5a, 0, "echo: IPv4, flags cleared" },
		{ true, false, 9, 0xff, 0, "echo: IPv6, flags cleared" },
		{ false, false, 2, 0, 12, "echo: IPv4, Ethernet padding" },
		{ true, false, 0, 0, 6, "echo: IPv6, trailing bytes" },
	};
	static const uint64_t words[] = {
		0, 41, 0xffff, 0xffffffffffffffffull, 0x00000000fffeffffull,
		0x8000000000000000ull, 0xfeffffffffffffffull,
	};
	uint8_t out[FRAME_MAX];
	struct rc_msg m;
	uint32_t act;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct frame_spec sp = { .ipv6 = c[i].ipv6,
					 .no_csum = c[i].no_csum,
					 .flags = c[i].flags, .pad = c[i].pad };
		const uint8_t *udp = out + l4_off(sp.ipv6);
		int ok = 1;

		/* Words chosen to carry across 16-bit boundaries of the
		 * checksum and to wrap. */
		for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
			msg_init(&m, r, 1000 + k, c[i].len);
			m.hdr.seq = 0xabcd0000 + k;
			if (c[i].len >= 8)
				msg_set64(&m, words[k]);
			ok &= STEP(r, &m, &sp, &act, out, c[i].what);
			ok &= act == XDP_TX;
			ok &= get16(udp + 2) == SPORT &&
			      get16(udp) == RC_UDP_PORT;
			if (c[i].len >= 8)
				ok &= frame_word0(out, sp.ipv6) == words[k] + 1;
			ok &= c[i].no_csum ? get16(udp + 6) == 0 :
			      udp_sum(out, sp.ipv6) == 0xffff;
		}
		ASSERT_TRUE(ok, c[i].what);
	}
}

static void scenario_gsum(struct ref *r)
{
	static const uint64_t vals[2][3] = {
		{ 10, 20, 12 },
		{ 0xfffffffffffffff0ull, 0x11, 0x100000000ull },
	};
	uint8_t out[FRAME_MAX];
	struct rc_msg m;
	uint32_t act[3];
	int ok;

	for (int round = 0; round < 2; round++) {
		struct frame_spec sp = { .ipv6 = round == 1 };
		uint64_t total = 0;

		ok = 1;
		for (int i = 0; i < 3; i++) {
			msg_init(&m, r, 50, 8 + 8 * i);
			msg_set64(&m, vals[round][i]);
			total += vals[round][i];
			ok &= STEP(r, &m, &sp, &act[i], out,
				   "gsum: value agrees with R-code");
		}
		ASSERT_TRUE(ok && act[0] == XDP_DROP && act[1] == XDP_DROP &&
			    act[2] == XDP_PASS, round ?
			    "gsum: IPv6 round: drop, drop, pass" :
			    "gsum: IPv4 round: drop, drop, pass");
		ASSERT_EQ(frame_word0(out, sp.ipv6), total,
			  "gsum: the third message carries the total");
		ASSERT_EQ(udp_sum(out, sp.ipv6), 0xffff,
			  "gsum: the edited message has a valid UDP checksum");
		ASSERT_EQ(r->env.windows[0][0], total,
			  "gsum: window result+0 is the total");
		ASSERT_EQ(r->env.windows[0][1], round + 1,
			  "gsum: window result+1 counts the rounds");
		ASSERT_TRUE(r->state[0] == 0 && r->state[1] == 0,
			    "gsum: sum and count reset for the next round");
	}
	msg_init(&m, r, 50, 7);
	ok = STEP(r, &m, &(struct frame_spec){ 0 }, &act[0], NULL,
		  "gsum: 7-byte message");
	ASSERT_TRUE(ok && act[0] == XDP_PASS,
		    "gsum: a message without a value is passed untouched");
}

static void scenario_barrier(struct ref *r)
{
	struct frame_spec sp = { 0 };
	struct rc_msg m;
	uint32_t act;
	int ok = 1;

	/* Generation 0: the window starts at 0, so opening it shows only
	 * in the data area; generation 1 shows in the window. */
	for (int gen = 0; gen < 2; gen++) {
		for (int i = 0; i < 4; i++) {
			if (gen == 1 && i == 3) {
				msg_init(&m, r, 7, 0);
				ok &= STEP(r, &m, &sp, &act, NULL,
					   "barrier: stray message");
				ASSERT_TRUE(ok && act == XDP_PASS,
					    "barrier: another generation "
					    "is passed up");
				ASSERT_EQ(r->env.windows[0][0], 0,
					  "barrier: not open after 3 of 4");
			}
			sp.ipv6 = i & 1;
			msg_init(&m, r, gen, 8);
			ok &= STEP(r, &m, &sp, &act, NULL,
				   "barrier: arrival agrees with R-code");
			ok &= act == XDP_DROP;
		}
		ASSERT_EQ(r->state[1], gen + 1,
			  "barrier: counts the next generation");
		ASSERT_EQ(r->state[0], 0, "barrier: arrivals reset");
	}
	ASSERT_TRUE(ok, "barrier: every arrival dropped, as R-code does");
	ASSERT_EQ(r->env.windows[0][0], 1,
		  "barrier: generation 1 released at NPROCS arrivals");
}

/* ---- 2. frames that are not for the handler ---------------------------------- */

struct mutation {
	const char *what;
	bool ipv6;
	void (*fn)(uint8_t *f, size_t *len, bool ipv6);
};

static void m_port(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	put16(f + l4_off(v6) + 2, RC_UDP_PORT + 1);
}

static void m_portal(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	f[l4_off(v6) + UDP_LEN + 5] ^= 0x40;
}

static void m_portal_hi(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	f[l4_off(v6) + UDP_LEN + 4] = 1;	/* portal + 256 */
}

static void m_magic(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	f[l4_off(v6) + UDP_LEN] = 'X';
}

static void m_version(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	f[l4_off(v6) + UDP_LEN + 2] = 2;
}

static void m_len_long(uint8_t *f, size_t *len, bool v6)
{
	uint8_t *p = f + l4_off(v6) + UDP_LEN + 6;

	(void)len;
	put16(p, get16(p) + 1);
}

static void m_len_short(uint8_t *f, size_t *len, bool v6)
{
	uint8_t *p = f + l4_off(v6) + UDP_LEN + 6;

	(void)len;
	put16(p, get16(p) - 1);
}

/* The UDP and IP lengths claim the 8-byte payload, the frame ends early. */
static void m_truncated(uint8_t *f, size_t *len, bool v6)
{
	(void)f;
	(void)v6;
	*len -= 1;
}

/* A UDP datagram shorter than the R header, lengths consistent. */
static void m_short_udp(uint8_t *f, size_t *len, bool v6)
{
	size_t l4 = l4_off(v6);

	put16(f + l4 + 4, UDP_LEN + 20);
	if (v6)
		put16(f + ETH_LEN + 4, UDP_LEN + 20);
	else
		put16(f + ETH_LEN + 2, IP4_LEN + UDP_LEN + 20);
	*len = l4 + UDP_LEN + 20;
}

/* UDP says more than the IP payload holds. */
static void m_udp_gt_ip(uint8_t *f, size_t *len, bool v6)
{
	uint8_t *p = f + ETH_LEN + (v6 ? 4 : 2);

	(void)len;
	put16(p, get16(p) - 1);
}

static void m_ip_opts(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	(void)v6;
	f[ETH_LEN] = 0x46;
}

static void m_frag(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	(void)v6;
	put16(f + ETH_LEN + 6, 0x2000);	/* more fragments */
}

static void m_frag_off(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	(void)v6;
	put16(f + ETH_LEN + 6, 0x0010);
}

static void m_tcp(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	f[ETH_LEN + (v6 ? 6 : 9)] = 6;
}

static void m_hopopt(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	(void)v6;
	f[ETH_LEN + 6] = 0;	/* a hop-by-hop header comes first */
}

static void m_arp(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	(void)v6;
	put16(f + 12, ETH_P_ARP);
}

static void m_vlan(uint8_t *f, size_t *len, bool v6)
{
	(void)len;
	(void)v6;
	put16(f + 12, ETH_P_8021Q);
}

static void m_eth_only(uint8_t *f, size_t *len, bool v6)
{
	(void)f;
	(void)v6;
	*len = ETH_LEN;
}

static void m_ip_only(uint8_t *f, size_t *len, bool v6)
{
	(void)f;
	*len = l4_off(v6) + 4;
}

static const struct mutation mutations[] = {
	{ "other UDP port", false, m_port },
	{ "other UDP port, IPv6", true, m_port },
	{ "other portal", false, m_portal },
	{ "portal above 255", true, m_portal_hi },
	{ "bad magic", false, m_magic },
	{ "version 2", true, m_version },
	{ "len one more than the datagram", false, m_len_long },
	{ "len one less than the datagram", true, m_len_short },
	{ "frame shorter than the datagram", false, m_truncated },
	{ "frame shorter than the datagram, IPv6", true, m_truncated },
	{ "UDP datagram shorter than the R header", false, m_short_udp },
	{ "UDP datagram shorter than the R header, IPv6", true, m_short_udp },
	{ "UDP length beyond the IP payload", false, m_udp_gt_ip },
	{ "UDP length beyond the IP payload, IPv6", true, m_udp_gt_ip },
	{ "IPv4 options", false, m_ip_opts },
	{ "IPv4 first fragment", false, m_frag },
	{ "IPv4 later fragment", false, m_frag_off },
	{ "TCP", false, m_tcp },
	{ "TCP, IPv6", true, m_tcp },
	{ "IPv6 extension header", true, m_hopopt },
	{ "ARP", false, m_arp },
	{ "VLAN tag", false, m_vlan },
	{ "Ethernet header only", false, m_eth_only },
	{ "IP header cut short", true, m_ip_only },
};

static void check_not_for_us(struct ref *r)
{
	char what[160], why[256];
	uint8_t f[FRAME_MAX];
	struct rc_msg m;
	size_t len;

	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *mu = &mutations[i];
		struct frame_spec sp = { .ipv6 = mu->ipv6 };

		msg_init(&m, r, 9, 8);
		len = frame_build(f, &m, &sp);
		mu->fn(f, &len, mu->ipv6);
		snprintf(what, sizeof(what), "%s: %s: passed untouched",
			 r->name, mu->what);
		if (not_for_us(r, f, len, why, sizeof(why)))
			TEST_FAIL(what, "%s", why);
		else
			TEST_PASS(what);
	}
}

/* IP payload longer than the UDP datagram: still an R-message (udp_rcv()
 * trims it), and a reply keeps the extra bytes. */
static void check_ip_extra(struct ref *r)
{
	struct frame_spec sp = { .ip_extra = 4, .pad = 3 };
	char what[160], why[256];
	struct rc_msg m;

	msg_init(&m, r, r->tag_is_generation ? r->state[1] : 11, 16);
	snprintf(what, sizeof(what), "%s: IP payload longer than the "
		 "datagram: handled, extra bytes kept", r->name);
	if (step(r, &m, &sp, NULL, NULL, why, sizeof(why)))
		TEST_FAIL(what, "%s", why);
	else
		TEST_PASS(what);
}

/* ---- 3. random messages --------------------------------------------------- */

static void random_msgs(struct ref *r, unsigned int n)
{
	uint8_t f[FRAME_MAX];
	char what[128], why[256];
	unsigned int bad = 0, i;
	struct rc_msg m;

	srand48(0x5eed0000 + r->rp->portal);
	for (i = 0; i < n && bad < 3; i++) {
		struct frame_spec sp = { .ipv6 = lrand48() & 1 };
		uint32_t len, tag = lrand48();

		sp.no_csum = !sp.ipv6 && lrand48() % 8 == 0;
		sp.flags = lrand48() % 4 == 0 ? lrand48() : 0;
		sp.pad = lrand48() % 4 == 0 ? lrand48() % 16 : 0;
		switch (lrand48() % 4) {
		case 0:
			len = lrand48() % 8;
			break;
		case 1:
			len = lrand48() % (RC_PAYLOAD_MAX + 1);
			break;
		default:
			len = 8 + lrand48() % 24;
			break;
		}
		/* The barrier: mostly arrivals for the generation being
		 * counted, some strays. */
		if (r->tag_is_generation && lrand48() % 8)
			tag = r->state[1];
		msg_init(&m, r, tag, len);
		for (uint32_t k = 0; k < len; k++)
			m.payload[k] = lrand48();
		m.hdr.src = lrand48();
		m.hdr.dst = lrand48();
		m.hdr.seq = lrand48();
		if (lrand48() % 10 == 0) {
			/* Another portal: not for this handler. */
			m.hdr.portal = (r->rp->portal + 1 + lrand48() % 200) %
				       RC_PORTALS;
			if (not_for_us(r, f, frame_build(f, &m, &sp), why,
				       sizeof(why))) {
				TEST_FAIL(r->name, "random message %u (other "
					  "portal): %s", i, why);
				bad++;
			}
			continue;
		}
		if (step(r, &m, &sp, NULL, NULL, why, sizeof(why))) {
			TEST_FAIL(r->name, "random message %u: %s", i, why);
			bad++;
		}
	}
	snprintf(what, sizeof(what), "%s: %u random messages agree with "
		 "R-code", r->name, n);
	if (!bad)
		TEST_PASS(what);
}

/* ---- 4. statistics, window mapping, port --------------------------------- */

static void check_stats(struct ref *r)
{
	int ncpu = libbpf_num_possible_cpus();
	struct rc_handler_stats *v, sum = { 0 };
	uint32_t key = 0;
	char what[128];

	v = calloc(ncpu, sizeof(*v));
	if (!v || bpf_map_lookup_elem(r->stats_fd, &key, v)) {
		TEST_FAIL(r->name, "stats lookup: %s", strerror(errno));
		free(v);
		return;
	}
	for (int c = 0; c < ncpu; c++) {
		sum.invocations += v[c].invocations;
		sum.drop += v[c].drop;
		sum.pass += v[c].pass;
		sum.reply += v[c].reply;
		sum.not_for_us += v[c].not_for_us;
		for (int k = 0; k < RC_ABI_FAULTS; k++)
			sum.faults[k] += v[c].faults[k];
		sum.last_fault_ns |= v[c].last_fault_ns;
	}
	free(v);
#define STAT(field, want)						\
	snprintf(what, sizeof(what), "%s: stats " #field " is %llu",	\
		 r->name, (unsigned long long)(want));			\
	ASSERT_EQ(sum.field, (want), what)
	STAT(invocations, r->inv);
	STAT(drop, r->drop);
	STAT(pass, r->pass);
	STAT(reply, r->reply);
	STAT(not_for_us, r->nfu);
	STAT(faults[RC_FAULT_MSG_BOUNDS], 0);
	STAT(last_fault_ns, 0);
#undef STAT
}

/* The application's view: the window mapped into memory. */
static void check_mmap(struct ref *r)
{
	long page = sysconf(_SC_PAGESIZE);
	char what[128];
	uint64_t *p;

	for (uint32_t w = 0; w < r->rp->nwindows; w++) {
		size_t words = r->rp->windows[w].words;
		size_t size = (words * 8 + page - 1) / page * page;

		snprintf(what, sizeof(what), "%s: window %s mapped equals the "
			 "model", r->name, r->rp->windows[w].name);
		p = mmap(NULL, size, PROT_READ, MAP_SHARED, r->win_fd[w], 0);
		if (p == MAP_FAILED) {
			TEST_FAIL(what, "mmap: %s", strerror(errno));
			continue;
		}
		ASSERT_TRUE(!memcmp(p, r->env.windows[w], words * 8), what);
		munmap(p, size);
	}
}

/* rc_port is a load-time setting: with 9000, 7117 is not ours. */
static void check_port(void)
{
	struct ref r = { .name = "echo", .obj = "echo.bpf.o",
			 .src = "examples/echo.r" };
	struct frame_spec sp = { .dport = 9000 };
	uint8_t f[FRAME_MAX];
	char why[256];
	struct rc_msg m;
	uint32_t act;

	if (ref_open(&r, 9000))
		goto out;
	msg_init(&m, &r, 1, 8);
	if (STEP(&r, &m, &sp, &act, NULL, "echo on port 9000"))
		ASSERT_EQ(act, XDP_TX, "echo: answers on the port set at load");
	sp.dport = 0;
	if (not_for_us(&r, f, frame_build(f, &m, &sp), why, sizeof(why)))
		TEST_FAIL("echo: port 7117 is not ours when set to 9000", "%s",
			  why);
	else
		TEST_PASS("echo: port 7117 is not ours when set to 9000");
out:
	ref_close(&r);
}

static struct ref refs[] = {
	{ .name = "counter", .obj = "counter.bpf.o",
	  .src = "examples/counter.r" },
	{ .name = "echo", .obj = "echo.bpf.o", .src = "examples/echo.r" },
	{ .name = "gsum", .obj = "gsum.bpf.o", .src = "examples/gsum.r" },
	{ .name = "barrier", .obj = "barrier.bpf.o",
	  .src = "examples/barrier.r", .tag_is_generation = true },
};

static void (*const scenarios[])(struct ref *) = {
	scenario_counter, scenario_echo, scenario_gsum, scenario_barrier,
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* The verifier's log comes at WARN when a load fails: keep it. */
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stdout, fmt, ap);
}

int main(void)
{
	const char *root = getenv("RC_ROOT");

	if (geteuid() != 0) {
		printf("SKIP: test_priv_ref: needs root and BPF\n");
		return 0;
	}
	if (root && chdir(root)) {
		TEST_FAIL("test_priv_ref", "chdir %s: %s", root,
			  strerror(errno));
		return 1;
	}
	libbpf_set_print(quiet);
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		struct ref *r = &refs[i];
		char what[64];

		snprintf(what, sizeof(what), "%s: loads", r->name);
		if (ref_open(r, 0)) {
			ref_close(r);
			continue;
		}
		TEST_PASS(what);
		scenarios[i](r);
		check_not_for_us(r);
		check_ip_extra(r);
		random_msgs(r, 400);
		check_stats(r);
		check_mmap(r);
		ref_close(r);
	}
	check_port();
	return rc_test_exit();
}
