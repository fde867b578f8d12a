// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_ranks.c - where the members of a job are: hosts files, and the
 * interface's rank table that forward and send look ranks up in.
 *
 * The table is one BPF array per interface, RC_ABI_RANKS_MAX struct
 * rc_rank (rc_abi.h), pinned as RC_PIN_ROOT/net-<cookie>/<ifname>/ranks.  Handlers get
 * its fd when they are created and keep using that map, so loading a new
 * table writes the pinned one in place: replacing the pin would leave the
 * loaded handlers with the old map.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "rcode_internal.h"

/* ---- hosts files ------------------------------------------------------------ */

struct hosts {
	const char *origin;
	struct rc_source src;		/* for the source line under an error */
	struct rc_diags *d;
	struct rcode_rank_addr *t;	/* the ranks, in order */
	unsigned int n, cap;
	unsigned int expect;		/* the rank the next line should have */
	uint32_t line_of[RC_ABI_RANKS_MAX];	/* 0: not seen yet */
	int family;			/* of the first rank */
	uint32_t family_line;
};

struct tok {
	const char *s;
	size_t len;
	uint32_t col;			/* 1-based */
};

#define MAX_TOKS	5		/* one more than a line may have */

#define ERR(h, line, col, ...) \
	rc_diag_src((h)->d, RC_SEV_ERROR, (h)->origin, &(h)->src, line, col, \
		    __VA_ARGS__)

static bool tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

/* The token as a string, for messages and parsers; "" past 63 bytes. */
static const char *tok_str(const struct tok *t, char *buf, size_t size)
{
	if (t->len >= size)
		return "(too long)";
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	return buf;
}

/* Split one line (comment already cut) into tokens; returns how many,
 * at most MAX_TOKS. */
static int split(const char *s, size_t len, const char *line_start,
		 struct tok *t)
{
	int n = 0;

	for (size_t i = 0; i < len && n < MAX_TOKS;) {
		if (isspace((unsigned char)s[i])) {
			i++;
			continue;
		}
		t[n].s = s + i;
		t[n].col = s + i - line_start + 1;
		while (i < len && !isspace((unsigned char)s[i]))
			i++;
		t[n].len = s + i - t[n].s;
		n++;
	}
	return n;
}

static bool parse_dec(const struct tok *t, unsigned long max, unsigned long *v)
{
	unsigned long x = 0;

	if (!t->len || t->len > 10)
		return false;
	for (size_t i = 0; i < t->len; i++) {
		if (!isdigit((unsigned char)t->s[i]))
			return false;
		x = x * 10 + (t->s[i] - '0');
	}
	*v = x;
	return x <= max;
}

static bool unicast(int family, const __u8 *a)
{
	static const __u8 zero[16];

	if (family == AF_INET)
		return memcmp(a, zero, 4) && a[0] < 224;	/* not 0.0.0.0,
								 * multicast,
								 * broadcast */
	return memcmp(a, zero, 16) && a[0] != 0xff;
}

static bool parse_mac(const struct tok *t, __u8 *mac)
{
	char buf[20];
	unsigned int m[6];
	char extra;

	if (t->len != 17)
		return false;
	tok_str(t, buf, sizeof(buf));
	for (int i = 0; i < 6; i++)
		if (!isxdigit((unsigned char)buf[3 * i]) ||
		    !isxdigit((unsigned char)buf[3 * i + 1]) ||
		    (i < 5 && buf[3 * i + 2] != ':'))
			return false;
	if (sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5], &extra) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = m[i];
	return true;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* The rank a line starts with; false (an error in h->d) if it is bad. */
static bool parse_rank(struct hosts *h, uint32_t line, const struct tok *t,
		       unsigned int *rank)
{
	char buf[64];
	unsigned long v;

	if (parse_dec(t, RC_ABI_RANKS_MAX - 1, &v)) {
		*rank = v;
		return true;
	}
	if (parse_dec(t, ULONG_MAX, &v))
		ERR(h, line, t->col, "rank %s is beyond the rank table: at most "
		    "%u ranks, 0 to %u", tok_str(t, buf, sizeof(buf)),
		    RC_ABI_RANKS_MAX, RC_ABI_RANKS_MAX - 1);
	else
		ERR(h, line, t->col, "bad rank '%s': a decimal number",
		    tok_str(t, buf, sizeof(buf)));
	return false;
}

/* The rest of a rank's line into r (r->rank is set); false (with errors
 * in h->d) if it is bad. */
static bool parse_fields(struct hosts *h, uint32_t line, const struct tok *t,
			 int n, size_t line_len, struct rcode_rank_addr *r)
{
	char buf[64];
	unsigned long v;
	bool ok = true;

	if (n < 2) {
		ERR(h, line, line_len + 1, "rank %u has no address", r->rank);
		return 0;
	}
	tok_str(&t[1], buf, sizeof(buf));
	if (inet_pton(AF_INET, buf, r->addr) == 1) {
		r->family = AF_INET;
	} else if (inet_pton(AF_INET6, buf, r->addr) == 1) {
		r->family = AF_INET6;
	} else {
		ERR(h, line, t[1].col, "bad address '%s': neither IPv4 nor IPv6",
		    buf);
		ok = false;
	}
	if (r->family && !unicast(r->family, r->addr)) {
		ERR(h, line, t[1].col, "address %s is not a unicast address", buf);
		ok = false;
	}
	if (n >= 3 && !tok_is(&t[2], "-")) {
		if (parse_dec(&t[2], 65535, &v) && v) {
			r->port = v;
		} else {
			ERR(h, line, t[2].col, "bad port '%s': 1 to 65535, or '-' "
			    "for the job's port", tok_str(&t[2], buf, sizeof(buf)));
			ok = false;
		}
	}
	if (n >= 4 && !tok_is(&t[3], "-")) {
		static const __u8 zero[6];

		if (!parse_mac(&t[3], r->mac)) {
			ERR(h, line, t[3].col, "bad MAC address '%s': six hex bytes "
			    "as in 02:00:00:00:01:0a, or '-' to look the next hop "
			    "up", tok_str(&t[3], buf, sizeof(buf)));
			ok = false;
		} else if ((r->mac[0] & 1) || !memcmp(r->mac, zero, 6)) {
			ERR(h, line, t[3].col, "MAC address %s is not a unicast "
			    "address: the next hop's is", tok_str(&t[3], buf,
			    sizeof(buf)));
			ok = false;
		} else {
			r->has_mac = true;
		}
	}
	if (n >= 5) {
		ERR(h, line, t[4].col, "unexpected '%s' after the MAC address "
		    "(RANK ADDRESS [PORT|-] [MAC|-])", tok_str(&t[4], buf,
		    sizeof(buf)));
		ok = false;
	}
	return ok;
}

/* A rank's place: once, and in order.  After a rank out of order the
 * count goes on from it, so that one missing line is one error.  False
 * for a rank listed twice. */
static bool check_order(struct hosts *h, uint32_t line, const struct tok *t,
			unsigned int rank)
{
	if (h->line_of[rank]) {
		ERR(h, line, t[0].col, "rank %u is listed twice", rank);
		rc_diag_note(h->d, "first on line %u", h->line_of[rank]);
		return false;
	}
	h->line_of[rank] = line;
	if (rank != h->expect)
		ERR(h, line, t[0].col, "rank %u where rank %u belongs: the ranks "
		    "are listed 0, 1, 2, ... in order, without gaps", rank,
		    h->expect);
	h->expect = rank + 1;
	return true;
}

/* What one rank's line says, checked against the ranks before it. */
static void check_rank(struct hosts *h, uint32_t line, const struct tok *t,
		       const struct rcode_rank_addr *r)
{
	char a[INET6_ADDRSTRLEN];

	if (!h->family) {
		h->family = r->family;
		h->family_line = line;
	} else if (r->family != h->family) {
		ERR(h, line, t[1].col, "rank %u is %s, the ranks before it %s: "
		    "the ranks of a job have one address family", r->rank,
		    family_name(r->family), family_name(h->family));
		rc_diag_note(h->d, "the first rank is on line %u", h->family_line);
	}
	for (unsigned int i = 0; i < h->n; i++) {
		if (h->t[i].family != r->family || h->t[i].port != r->port ||
		    memcmp(h->t[i].addr, r->addr, 16))
			continue;
		inet_ntop(r->family, r->addr, a, sizeof(a));
		ERR(h, line, t[1].col, "rank %u has the address and port of "
		    "rank %u (%s, %s)", r->rank, h->t[i].rank, a, r->port ?
		    "the same port" : "the job's port");
		rc_diag_note(h->d, "rank %u is on line %u", h->t[i].rank,
			     h->line_of[h->t[i].rank]);
		break;
	}
}

static int hosts_add(struct hosts *h, const struct rcode_rank_addr *r)
{
	if (h->n == h->cap) {
		unsigned int cap = h->cap ? 2 * h->cap : 16;
		struct rcode_rank_addr *t = realloc(h->t, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		h->t = t;
		h->cap = cap;
	}
	h->t[h->n++] = *r;
	return 0;
}

static int source_init(struct rc_source *s, const char *origin, const char *text)
{
	uint32_t n = 1;

	for (const char *p = text; *p; p++)
		n += *p == '\n';
	memset(s, 0, sizeof(*s));
	s->path = (char *)origin;
	s->text = (char *)text;
	s->line_start = calloc(n, sizeof(*s->line_start));
	if (!s->line_start)
		return -ENOMEM;
	s->line_start[s->nlines++] = 0;
	for (const char *p = text; *p; p++)
		if (*p == '\n' && p[1])
			s->line_start[s->nlines++] = p + 1 - text;
	return 0;
}

int rcode_ranks_parse_text(const char *origin, const char *text,
			   struct rcode_rank_addr **ranks, unsigned int *n,
			   struct rc_diags *d)
{
	struct hosts *h;
	size_t errors0;
	int err;

	if (!text || !ranks || !n || !d)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->origin = origin ?: "<hosts>";
	h->d = d;
	errors0 = d->nerrors;
	err = source_init(&h->src, h->origin, text);
	if (err) {
		free(h);
		return err;
	}
	for (uint32_t line = 1; line <= h->src.nlines && !err; line++) {
		const char *s = text + h->src.line_start[line - 1];
		size_t len = strcspn(s, "\n");
		struct tok t[MAX_TOKS];
		struct rcode_rank_addr r;
		const char *hash = memchr(s, '#', len);
		int nt;

		if (len && s[len - 1] == '\r')
			len--;
		nt = split(s, hash ? (size_t)(hash - s) : len, s, t);
		if (!nt)
			continue;
		/* A line whose rank cannot be read takes the next place,
		 * so that the lines after it are not out of order too. */
		memset(&r, 0, sizeof(r));
		if (!parse_rank(h, line, &t[0], &r.rank)) {
			h->expect++;
			continue;
		}
		if (!check_order(h, line, t, r.rank) ||
		    !parse_fields(h, line, t, nt, len, &r))
			continue;
		check_rank(h, line, t, &r);
		err = hosts_add(h, &r);
	}
	if (!err && !h->n && d->nerrors == errors0)
		rc_diag_src(d, RC_SEV_ERROR, h->origin, NULL, 0, 0,
			    "no ranks: one line per rank, RANK ADDRESS [PORT|-] "
			    "[MAC|-]");
	if (!err && d->nerrors != errors0)
		err = -EINVAL;
	free(h->src.line_start);
	if (err)
		free(h->t);
	else {
		*ranks = h->t;
		*n = h->n;
	}
	free(h);
	return err;
}

int rcode_ranks_parse(const char *path, struct rcode_rank_addr **ranks,
		      unsigned int *n, struct rc_diags *d)
{
	char *text = NULL;
	size_t size = 0, len = 0;
	FILE *f;
	int err = 0;

	if (!path || !d)
		return -EINVAL;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		rc_diag_src(d, RC_SEV_ERROR, path, NULL, 0, 0, "%s", strerror(-err));
		return err;
	}
	for (;;) {
		size_t got;

		if (len + 4096 + 1 > size) {
			char *nt = realloc(text, size = size ? 2 * size : 8192);

			if (!nt) {
				err = -ENOMEM;
				break;
			}
			text = nt;
		}
		got = fread(text + len, 1, size - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (!err && ferror(f)) {
		err = -EIO;
		rc_diag_src(d, RC_SEV_ERROR, path, NULL, 0, 0, "read error");
	}
	fclose(f);
	if (!err) {
		text[len] = '\0';
		if (strlen(text) != len) {
			rc_diag_src(d, RC_SEV_ERROR, path, NULL, 0, 0,
				    "not a text file (it holds a NUL byte)");
			err = -EINVAL;
		}
	}
	if (!err)
		err = rcode_ranks_parse_text(path, text, ranks, n, d);
	free(text);
	return err;
}

/* ---- this node --------------------------------------------------------------- */

int rcode_ranks_find_self(const char *ifname, const struct rcode_rank_addr *ranks,
			  unsigned int n, __u32 *self)
{
	struct ifaddrs *ifa, *i;
	int found = 0, err;

	err = rc_check_ifname(ifname);
	if (err || (!ranks && n) || !self)
		return err ?: -EINVAL;
	if (!if_nametoindex(ifname))
		return -ENODEV;
	if (getifaddrs(&ifa))
		return -errno;
	for (unsigned int r = 0; r < n; r++) {
		bool mine = false;

		for (i = ifa; i && !mine; i = i->ifa_next) {
			const void *a;

			if (!i->ifa_addr || strcmp(i->ifa_name, ifname) ||
			    i->ifa_addr->sa_family != ranks[r].family)
				continue;
			a = ranks[r].family == AF_INET ?
			    (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr :
			    (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			mine = !memcmp(a, ranks[r].addr,
				       ranks[r].family == AF_INET ? 4 : 16);
		}
		if (mine && !found++)
			*self = ranks[r].rank;
	}
	freeifaddrs(ifa);
	if (found > 1)
		pr_warn("%s: %d ranks have an address of this interface; say "
			"which one is this node\n", ifname, found);
	else if (!found)
		pr_warn("%s: no rank has an address of this interface; say which "
			"one is this node\n", ifname);
	return found == 1 ? 0 : found ? -EEXIST : -ENOENT;
}

/* ---- the pinned table ---------------------------------------------------------- */

/* BTF for struct rc_rank, so that `bpftool map dump` names the fields. */
static struct btf *ranks_btf(int *key_id, int *value_id)
{
	struct btf *btf = btf__new_empty();
	int u8, u16, u32, a16, a6, s, err = 0;

	if (!btf)
		return NULL;
	u8 = btf__add_int(btf, "__u8", 1, 0);
	u16 = btf__add_int(btf, "__u16", 2, 0);
	u32 = btf__add_int(btf, "__u32", 4, 0);
	a16 = btf__add_array(btf, u32, u8, 16);
	a6 = btf__add_array(btf, u32, u8, 6);
	s = btf__add_struct(btf, "rc_rank", sizeof(struct rc_rank));
#define F(name, type) \
	err = err ?: btf__add_field(btf, #name, type, \
				    offsetof(struct rc_rank, name) * 8, 0)
	F(addr, a16);
	F(flags, u32);
	F(self, u32);
	F(ifindex, u32);
	F(port, u16);
	F(mac, a6);
#undef F
	if (err || s < 0 || btf__load_into_kernel(btf)) {
		btf__free(btf);
		return NULL;
	}
	*key_id = u32;
	*value_id = s;
	return btf;
}

static int ranks_create(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	struct btf *btf;
	int key_id, value_id, fd;

	/* Without BTF (a kernel that refuses it) the map works the same. */
	btf = ranks_btf(&key_id, &value_id);
	if (btf) {
		o.btf_fd = btf__fd(btf);
		o.btf_key_type_id = key_id;
		o.btf_value_type_id = value_id;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "rc_ranks", sizeof(__u32),
			    sizeof(struct rc_rank), RC_ABI_RANKS_MAX, &o);
	fd = fd < 0 ? -errno : fd;
	btf__free(btf);
	return fd;
}

static int ranks_open(const char *ifname)
{
	struct bpf_map_info mi = {};
	int fd = rc_open_map(ifname, RC_PIN_RANKS, BPF_MAP_TYPE_ARRAY,
			     sizeof(struct rc_rank), &mi);

	if (fd >= 0 && mi.max_entries != RC_ABI_RANKS_MAX) {
		pr_warn("%s: its rank table has %u entries, not %u; remove it "
			"('rloader detach %s')\n", ifname, mi.max_entries,
			RC_ABI_RANKS_MAX, ifname);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int rcode_ranks_fd(const char *ifname)
{
	char dir[PATH_MAX];
	int fd, lock, err;

	fd = ranks_open(ifname);
	if (fd != -ENOENT)
		return fd;
	err = rc_pin_root();
	if (err)
		return err;
	lock = rc_lock();
	if (lock < 0)
		return lock;
	/* Someone may have made it meanwhile. */
	fd = ranks_open(ifname);
	if (fd == -ENOENT) {
		err = rc_pin_dirs(ifname, -1, NULL) ?:
		      rc_pin_path(dir, sizeof(dir), ifname, NULL);
		fd = err ?: ranks_create();
		if (fd >= 0) {
			err = rc_pin_fd(fd, dir, RC_PIN_RANKS);
			if (err) {
				pr_warn("%s: cannot pin the rank table: %s\n",
					ifname, strerror(-err));
				close(fd);
				fd = err;
			}
		}
	}
	rc_unlock(lock);
	return fd;
}

/* Write all RC_ABI_RANKS_MAX entries, in one batch where the kernel has
 * it (5.6), else one by one. */
static int ranks_write(int fd, const struct rc_rank *e)
{
	static __u32 keys[RC_ABI_RANKS_MAX];
	__u32 count = RC_ABI_RANKS_MAX;
	int err;

	for (__u32 k = 0; k < RC_ABI_RANKS_MAX; k++)
		keys[k] = k;
	err = bpf_map_update_batch(fd, keys, e, &count, NULL);
	if (!err)
		return 0;
	for (__u32 k = 0; k < RC_ABI_RANKS_MAX; k++)
		if (bpf_map_update_elem(fd, &k, &e[k], BPF_ANY))
			return -errno;
	return 0;
}

/*
 * The kernel's form of the table: entries ranks[i].rank, self flagged,
 * every other entry absent (zeros), and every entry knowing this node.
 * who names the table in warnings.
 */
static int ranks_table(const char *who, const struct rcode_rank_addr *ranks,
		       unsigned int n, __u32 self, __u16 port, struct rc_rank *e)
{
	bool seen_self = false;

	memset(e, 0, RC_ABI_RANKS_MAX * sizeof(*e));
	for (unsigned int i = 0; i < n; i++) {
		const struct rcode_rank_addr *r = &ranks[i];
		struct rc_rank *k = &e[r->rank < RC_ABI_RANKS_MAX ? r->rank : 0];

		if (r->rank >= RC_ABI_RANKS_MAX || (k->flags & RC_RANK_F_PRESENT) ||
		    (r->family != AF_INET && r->family != AF_INET6)) {
			pr_warn("%s: rank %u: %s\n", who, r->rank,
				r->rank >= RC_ABI_RANKS_MAX ? "beyond the table" :
				k->flags ? "given twice" : "no address family");
			return -EINVAL;
		}
		memcpy(k->addr, r->addr, r->family == AF_INET ? 4 : 16);
		k->flags = RC_RANK_F_PRESENT |
			   (r->family == AF_INET6 ? RC_RANK_F_IPV6 : 0) |
			   (r->has_mac ? RC_RANK_F_MAC : 0) |
			   (r->rank == self ? RC_RANK_F_SELF : 0);
		k->port = htons(r->port ?: port);
		if (r->has_mac)
			memcpy(k->mac, r->mac, 6);
		seen_self |= r->rank == self;
	}
	if (!seen_self) {
		pr_warn("%s: this node's rank %u is not one of the ranks\n",
			who, self);
		return -EINVAL;
	}
	/* Every entry knows this node: forward and send take the src of
	 * what they send from the entry they look up. */
	for (unsigned int k = 0; k < RC_ABI_RANKS_MAX; k++)
		e[k].self = self;
	return 0;
}

int rcode_ranks_write(int fd, const struct rcode_rank_addr *ranks,
		      unsigned int n, __u32 self, __u16 udp_port)
{
	struct rc_rank *e;
	int err;

	if (fd < 0 || (!ranks && n) || n > RC_ABI_RANKS_MAX)
		return -EINVAL;
	e = calloc(RC_ABI_RANKS_MAX, sizeof(*e));
	if (!e)
		return -ENOMEM;
	err = ranks_table("rank table", ranks, n, self,
			  udp_port ?: RC_ABI_DEFAULT_PORT, e) ?:
	      ranks_write(fd, e);
	free(e);
	return err;
}

int rcode_ranks_load(const char *ifname, const struct rcode_rank_addr *ranks,
		     unsigned int n, const struct rcode_ranks_opts *opts)
{
	struct rc_rank *e;
	__u16 port;
	__u32 self;
	int fd, err;

	err = rc_check_ifname(ifname);
	if (err || (!ranks && n) || n > RC_ABI_RANKS_MAX ||
	    !RC_OPTS_VALID(opts, rcode_ranks_opts))
		return err ?: -EINVAL;
	port = RC_OPTS_GET(opts, udp_port, 0) ?: RC_ABI_DEFAULT_PORT;
	if (RC_OPTS_GET(opts, set_self, false)) {
		self = RC_OPTS_GET(opts, self, 0);
	} else {
		err = rcode_ranks_find_self(ifname, ranks, n, &self);
		if (err)
			return err;
	}
	e = calloc(RC_ABI_RANKS_MAX, sizeof(*e));
	if (!e)
		return -ENOMEM;
	err = ranks_table(ifname, ranks, n, self, port, e);
	if (err)
		goto out;
	fd = rcode_ranks_fd(ifname);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	err = ranks_write(fd, e);
	close(fd);
	if (err)
		pr_warn("%s: cannot write the rank table: %s\n", ifname,
			strerror(-err));
out:
	free(e);
	return err ?: (int)self;
}

int rcode_ranks_read(const char *ifname, struct rcode_rank_addr *ranks,
		     unsigned int max, __u32 *self)
{
	struct rc_rank e;
	unsigned int n = 0;
	int fd;

	if (!ranks && max)
		return -EINVAL;
	fd = ranks_open(ifname);
	if (fd < 0)
		return fd;
	if (self)
		*self = UINT32_MAX;
	for (__u32 k = 0; k < RC_ABI_RANKS_MAX; k++) {
		struct rcode_rank_addr *r;

		if (bpf_map_lookup_elem(fd, &k, &e)) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (!(e.flags & RC_RANK_F_PRESENT))
			continue;
		if (self && (e.flags & RC_RANK_F_SELF || *self == UINT32_MAX))
			*self = e.self;
		if (n++ >= max)
			continue;
		r = &ranks[n - 1];
		memset(r, 0, sizeof(*r));
		r->rank = k;
		r->family = e.flags & RC_RANK_F_IPV6 ? AF_INET6 : AF_INET;
		memcpy(r->addr, e.addr, r->family == AF_INET ? 4 : 16);
		r->port = ntohs(e.port);
		r->has_mac = e.flags & RC_RANK_F_MAC;
		if (r->has_mac)
			memcpy(r->mac, e.mac, 6);
	}
	close(fd);
	return n;
}

int rcode_ranks_clear(const char *ifname)
{
	struct rc_rank *zero;
	int fd, err;

	fd = ranks_open(ifname);
	if (fd < 0)
		return fd;
	zero = calloc(RC_ABI_RANKS_MAX, sizeof(*zero));
	err = zero ? ranks_write(fd, zero) : -ENOMEM;
	free(zero);
	close(fd);
	return err;
}
