// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_sent.c - expected frames of forward and send (see rc_sent.h), with
 * checksums computed the plain way, word by word, as RFC 768 and 791 say.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "rc_sent.h"

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static int ipver_of(const uint8_t *f, size_t len)
{
	if (len >= 14 + 20 + 8 && f[12] == 0x08 && f[13] == 0x00 && f[14] == 0x45)
		return 4;
	if (len >= 14 + 40 + 8 && f[12] == 0x86 && f[13] == 0xdd)
		return 6;
	return 0;
}

uint16_t rc_sent_pseudo_sum(const uint8_t *f, size_t len)
{
	int v = ipver_of(f, len);
	const uint8_t *ip = f + 14, *udp = ip + (v == 6 ? 40 : 20);
	uint32_t acc;

	if (!v)
		return 0;
	acc = v == 4 ? sum16(ip + 12, 8, 0) : sum16(ip + 8, 32, 0);
	return fold(acc + 17 + ((uint32_t)udp[4] << 8 | udp[5]));
}

uint16_t rc_sent_udp_csum(const uint8_t *f, size_t len)
{
	int v = ipver_of(f, len);
	const uint8_t *udp = f + 14 + (v == 6 ? 40 : 20);
	size_t ulen;
	uint32_t acc;
	uint16_t c;

	if (!v)
		return 0;
	ulen = (size_t)udp[4] << 8 | udp[5];
	if (udp - f + ulen > len)
		return 0;
	acc = rc_sent_pseudo_sum(f, len);
	acc = sum16(udp, 6, acc);		/* all but the checksum field */
	acc = sum16(udp + 8, ulen - 8, acc);
	c = (uint16_t)~fold(acc);
	return c ? c : 0xffff;
}

int rc_sent_frame(const uint8_t *in, size_t in_len, const struct rc_rank *to,
		  const uint8_t *dmac, const uint8_t *smac,
		  const struct rc_msg *msg, uint8_t *out, size_t size)
{
	int v = ipver_of(in, in_len), n;
	size_t iplen = v == 6 ? 40 : 20, hdrs = 14 + iplen + 8;
	size_t ulen = 8 + RC_HDR_LEN + msg->hdr.len;
	uint8_t *ip = out + 14, *udp = ip + iplen;
	uint16_t c;

	if (!v)
		return -EINVAL;
	if (hdrs + RC_HDR_LEN + msg->hdr.len > size)
		return -ENOSPC;
	memcpy(out, in, hdrs);
	memcpy(out, dmac ? dmac : to->mac, 6);
	memcpy(out + 6, smac ? smac : in, 6);
	if (v == 4) {
		memcpy(ip + 12, in + 14 + 16, 4);	/* src <- where it arrived */
		memcpy(ip + 16, to->addr, 4);
		ip[8] = 64;
		ip[2] = (iplen + ulen) >> 8;
		ip[3] = (uint8_t)(iplen + ulen);
		ip[10] = ip[11] = 0;
		c = (uint16_t)~fold(sum16(ip, 20, 0));
		ip[10] = c >> 8;
		ip[11] = (uint8_t)c;
	} else {
		memcpy(ip + 8, in + 14 + 24, 16);
		memcpy(ip + 24, to->addr, 16);
		ip[7] = 64;
		ip[4] = ulen >> 8;
		ip[5] = (uint8_t)ulen;
	}
	memcpy(udp, in + 14 + iplen + 2, 2);		/* src <- its dst port */
	memcpy(udp + 2, &to->port, 2);			/* network order */
	udp[4] = ulen >> 8;
	udp[5] = (uint8_t)ulen;
	n = rc_msg_to_wire(msg, udp + 8, size - hdrs);
	if (n < 0)
		return n;
	/* Over IPv4 a checksum of 0 means none; the kernel keeps it so. */
	if (v == 6 || in[14 + iplen + 6] || in[14 + iplen + 7]) {
		c = rc_sent_udp_csum(out, hdrs + n);
		udp[6] = c >> 8;
		udp[7] = (uint8_t)c;
	}
	return (int)(hdrs + n);
}

static const char *where(size_t i, int v)
{
	size_t iplen = v == 6 ? 40 : 20;

	if (i < 6)
		return "Ethernet destination";
	if (i < 12)
		return "Ethernet source";
	if (i < 14)
		return "EtherType";
	if (i < 14 + iplen)
		return "IP header";
	if (i < 14 + iplen + 8)
		return "UDP header";
	if (i < 14 + iplen + 8 + RC_HDR_LEN)
		return "R header";
	return "payload";
}

int rc_sent_compare(const uint8_t *want, size_t want_len, const uint8_t *got,
		    size_t got_len, bool csum_partial, char *why, size_t size)
{
	int v = ipver_of(want, want_len);
	size_t csum = 14 + (v == 6 ? 40 : 20) + 6;

	if (got_len != want_len) {
		snprintf(why, size, "%zu bytes, expected %zu", got_len, want_len);
		return -1;
	}
	for (size_t i = 0; i < want_len; i++) {
		if (csum_partial && v && (i == csum || i == csum + 1))
			continue;
		if (want[i] != got[i]) {
			snprintf(why, size, "byte %zu (%s): 0x%02x, expected 0x%02x",
				 i, where(i, v), got[i], want[i]);
			return -1;
		}
	}
	if (csum_partial && v) {
		/* The pseudo-header's sum, the same modulo 0xffff. */
		uint16_t p = rc_sent_pseudo_sum(got, got_len);
		uint16_t f = (uint16_t)(got[csum] << 8 | got[csum + 1]);

		if (p % 0xffff != f % 0xffff) {
			snprintf(why, size, "CHECKSUM_PARTIAL: UDP checksum field "
				 "0x%04x, expected the pseudo-header's sum 0x%04x",
				 f, p);
			return -1;
		}
	}
	return 0;
}
