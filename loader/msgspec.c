// SPDX-License-Identifier: BSD-2-Clause
/*
 * msgspec.c - data-area and window contents written as text on the
 * command line: "NAME=5", "NAME+2=1,2,3".  Numbers and payloads use the
 * toolchain's notation (rc_parse_number, rc_payload_parse).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rloader.h"

/* One number of a comma-separated list (rc_parse_number's notation). */
static bool parse_word(const char *s, size_t n, uint64_t *v)
{
	char buf[80];

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return rc_parse_number(buf, v, NULL);
}

/* Call fn on each comma-separated number; returns false on a bad one. */
static bool each_word(const char *list, bool (*fn)(void *, uint64_t),
		      void *ctx)
{
	const char *p = list;

	if (!*p)
		return true;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		uint64_t v;

		if (!parse_word(p, n, &v) || !fn(ctx, v))
			return false;
		if (!e)
			return true;
		p = e + 1;
	}
}

struct word_ctx {
	uint64_t *dst;
	uint32_t next, end;
};

static bool put_word(void *c_, uint64_t v)
{
	struct word_ctx *c = c_;

	if (c->next >= c->end)
		return false;
	c->dst[c->next++] = v;
	return true;
}

/* "NAME=V,V" or "NAME+K=V": find NAME with lookup, then store. */
static int assign(const char *spec, uint64_t *dst, int base, uint32_t size,
		  const char **err)
{
	const char *eq = strchr(spec, '='), *plus = strchr(spec, '+');
	struct word_ctx c = { .dst = dst, .end = size };
	uint64_t k = 0;

	if (plus && plus < eq) {
		char num[32];
		size_t n = eq - plus - 1;

		if (n >= sizeof(num)) {
			*err = "bad offset after '+'";
			return -EINVAL;
		}
		memcpy(num, plus + 1, n);
		num[n] = '\0';
		if (!parse_u64(num, &k)) {
			*err = "bad offset after '+'";
			return -EINVAL;
		}
	}
	if (k >= size - base) {
		*err = "offset beyond the end";
		return -EINVAL;
	}
	c.next = base + k;
	if (!each_word(eq + 1, put_word, &c)) {
		*err = "bad number, or more values than words";
		return -EINVAL;
	}
	return 0;
}

static int split_name(const char *spec, char *name, const char **err)
{
	const char *eq = strchr(spec, '=');
	size_t n;

	if (!eq) {
		*err = "expected NAME=VALUE[,VALUE...]";
		return -EINVAL;
	}
	n = strcspn(spec, "+=");
	if (!n || n >= RC_NAME_MAX) {
		*err = "expected NAME=VALUE[,VALUE...]";
		return -EINVAL;
	}
	memcpy(name, spec, n);
	name[n] = '\0';
	return 0;
}

int state_assign(const struct rc_prog *prog, uint64_t *state,
		 const char *spec, const char **err)
{
	char name[RC_NAME_MAX];
	int off;

	if (split_name(spec, name, err))
		return -EINVAL;
	off = rc_prog_sym_offset(prog, name);
	if (off < 0) {
		*err = "no state group of that name";
		return -EINVAL;
	}
	return assign(spec, state, off, prog->state_words, err);
}

int window_assign(const struct rc_prog *prog, uint64_t **windows,
		  const char *spec, const char **err)
{
	char name[RC_NAME_MAX];
	int w;

	if (split_name(spec, name, err))
		return -EINVAL;
	w = rc_prog_window_index(prog, name);
	if (w < 0) {
		*err = "no window of that name";
		return -EINVAL;
	}
	return assign(spec, windows[w], 0, prog->windows[w].words, err);
}
