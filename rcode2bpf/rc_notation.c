// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_notation.c - numbers and payloads as people write them: in handler
 * text (the assembler), in test-case files and on rloader's command line.
 * One parser each, so the three cannot drift apart.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "rcode.h"

bool rc_parse_number(const char *s, uint64_t *out, bool *negp)
{
	uint64_t v = 0;
	unsigned int base = 10;
	bool neg = false, any = false;

	if (*s == '-') {
		neg = true;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	}
	for (; *s; s++) {
		unsigned int d;

		if (*s == '_' && any)	/* 0xffff_ffff reads better */
			continue;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
		any = true;
	}
	if (!any || (neg && v > (uint64_t)INT64_MAX + 1))
		return false;
	*out = neg ? -v : v;
	if (negp)
		*negp = neg;
	return true;
}

bool rc_parse_width(const char *s, unsigned int bits, uint64_t *out)
{
	uint64_t v, max = bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
	bool neg;

	if (!rc_parse_number(s, &v, &neg))
		return false;
	if (bits < 64) {
		/* 255 and -1 both fit a byte; 256 and -129 do not. */
		if (neg && (int64_t)v < -(int64_t)((max >> 1) + 1))
			return false;
		if (!neg && v > max)
			return false;
		v &= max;
	}
	*out = v;
	return true;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

#define FAIL(...) ({ snprintf(err, errsize, __VA_ARGS__); -EINVAL; })

int rc_payload_parse(const char *s, uint8_t *buf, uint16_t *lenp, char *err,
		     size_t errsize)
{
	unsigned int bits = 0;
	uint32_t len = 0;
	const char *spec = s, *list;
	char tok[80];

	memset(buf, 0, RC_PAYLOAD_MAX);
	*lenp = 0;
	if (!*s)
		return 0;
	if (!strncmp(s, "hex:", 4)) {
		for (s += 4; *s; s += 2) {
			int hi, lo;

			if (*s == '_') {	/* 0102_0304 reads better */
				s--;
				continue;
			}
			hi = hexval(s[0]);
			lo = s[1] ? hexval(s[1]) : -1;
			if (hi < 0 || lo < 0)
				return FAIL("payload hex: '%.2s' is not a pair of "
					    "hex digits", s);
			if (len == RC_PAYLOAD_MAX)
				return FAIL("payload longer than %d bytes",
					    RC_PAYLOAD_MAX);
			buf[len++] = (uint8_t)(hi << 4 | lo);
		}
		*lenp = len;
		return 0;
	}
	if (!strncmp(s, "str:", 4)) {
		len = strlen(s + 4);
		if (len > RC_PAYLOAD_MAX)
			return FAIL("payload longer than %d bytes", RC_PAYLOAD_MAX);
		memcpy(buf, s + 4, len);
		*lenp = len;
		return 0;
	}
	if (!strncmp(s, "zero:", 5)) {
		uint64_t n;

		if (!rc_parse_number(s + 5, &n, NULL) || n > RC_PAYLOAD_MAX)
			return FAIL("payload zero:N needs N in 0..%d",
				    RC_PAYLOAD_MAX);
		*lenp = n;
		return 0;
	}
	if (!strncmp(s, "u8:", 3))
		bits = 8;
	else if (!strncmp(s, "u16:", 4))
		bits = 16;
	else if (!strncmp(s, "u32:", 4))
		bits = 32;
	else if (!strncmp(s, "u64:", 4))
		bits = 64;
	else
		return FAIL("payload '%s': expected hex:, u8:, u16:, u32:, u64:, "
			    "str: or zero:", s);
	list = strchr(s, ':') + 1;
	while (*list) {
		size_t n = strcspn(list, ",");
		uint64_t v;

		if (n == 0 || n >= sizeof(tok))
			return FAIL("payload: empty or overlong value in '%s'", spec);
		memcpy(tok, list, n);
		tok[n] = '\0';
		if (!rc_parse_width(tok, bits, &v))
			return FAIL("payload: '%s' is not a %u-bit number", tok, bits);
		if (len + bits / 8 > RC_PAYLOAD_MAX)
			return FAIL("payload longer than %d bytes", RC_PAYLOAD_MAX);
		for (unsigned int k = 0; k < bits / 8; k++)	/* little-endian */
			buf[len++] = (uint8_t)(v >> (8 * k));
		list += n;
		if (*list == ',' && !*++list)
			return FAIL("payload: trailing ',' in '%s'", spec);
	}
	*lenp = len;
	return 0;
}
