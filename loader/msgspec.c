// SPDX-License-Identifier: BSD-2-Clause
/*
 * msgspec.c - payloads and data-area/window contents written as text:
 * "u64:1,2,3", "hex:0a0b0c", "NAME=5" and friends.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rloader.h"

/* A signed or unsigned 64-bit number in any base. */
static bool parse_word(const char *s, size_t n, uint64_t *v)
{
	char buf[80];
	bool neg = false;

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '-') {
		neg = true;
		memmove(buf, buf + 1, n);
	}
	if (!parse_u64(buf, v))
		return false;
	if (neg) {
		if (*v > (uint64_t)INT64_MAX + 1)
			return false;
		*v = -*v;
	}
	return true;
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

struct put_ctx {
	uint8_t *buf;
	size_t max, len;
	unsigned int width;
	bool overflow;
};

static bool put_le(void *c_, uint64_t v)
{
	struct put_ctx *c = c_;

	if (c->len + c->width > c->max) {
		c->overflow = true;
		return false;
	}
	if (c->width < 8) {
		unsigned int bits = 8 * c->width;
		int64_t s = (int64_t)v;

		/* 255 and -1 both fit a byte; 256 and -129 do not. */
		if (v >> bits && !(s < 0 && s >= -((int64_t)1 << (bits - 1))))
			return false;
	}
	for (unsigned int i = 0; i < c->width; i++)
		c->buf[c->len++] = v >> (8 * i);
	return true;
}

int payload_parse(const char *spec, uint8_t *buf, size_t max, size_t *len,
		  const char **err)
{
	struct put_ctx c = { .buf = buf, .max = max };
	const char *colon = strchr(spec, ':');
	const char *body = colon ? colon + 1 : "";
	size_t kind = colon ? (size_t)(colon - spec) : strlen(spec);
	static const struct {
		const char *name;
		unsigned int width;
	} words[] = { { "u8", 1 }, { "u16", 2 }, { "u32", 4 }, { "u64", 8 } };

	*err = NULL;
	if (!colon) {
		*err = "payload must be KIND:DATA (hex:, u8:, u16:, u32:, u64:, str:, zero:)";
		return -EINVAL;
	}
	if (kind == 3 && !strncmp(spec, "hex", 3)) {
		size_t n = strlen(body);

		if (n % 2) {
			*err = "hex payload needs an even number of digits";
			return -EINVAL;
		}
		if (n / 2 > max) {
			*err = "payload longer than the maximum (1408 bytes)";
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i += 2) {
			char h[3] = { body[i], body[i + 1], 0 };

			if (!isxdigit((unsigned char)h[0]) ||
			    !isxdigit((unsigned char)h[1])) {
				*err = "hex payload has a non-hex digit";
				return -EINVAL;
			}
			buf[i / 2] = strtoul(h, NULL, 16);
		}
		*len = n / 2;
		return 0;
	}
	if (kind == 3 && !strncmp(spec, "str", 3)) {
		size_t n = strlen(body);

		if (n > max) {
			*err = "payload longer than the maximum (1408 bytes)";
			return -EINVAL;
		}
		memcpy(buf, body, n);
		*len = n;
		return 0;
	}
	if (kind == 4 && !strncmp(spec, "zero", 4)) {
		uint64_t n;

		if (!parse_u64(body, &n) || n > max) {
			*err = "zero:N needs N from 0 to 1408";
			return -EINVAL;
		}
		memset(buf, 0, n);
		*len = n;
		return 0;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i].name) != kind ||
		    strncmp(spec, words[i].name, kind))
			continue;
		c.width = words[i].width;
		if (!each_word(body, put_le, &c)) {
			*err = c.overflow ? "payload longer than the maximum (1408 bytes)"
					  : "bad number in payload (or too wide for its width)";
			return -EINVAL;
		}
		*len = c.len;
		return 0;
	}
	*err = "unknown payload kind (expected hex:, u8:, u16:, u32:, u64:, str: or zero:)";
	return -EINVAL;
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
