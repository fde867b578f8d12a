// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_wire.c - an R-message as the payload of a UDP datagram (docs/wire.md).
 *
 * Fields are read and written a byte at a time in network order, so the
 * buffer needs no alignment and the code no byte-order macros.
 */
#include <errno.h>
#include <string.h>
#include "rcode.h"

/* Offsets in the 24-byte header; docs/wire.md has the picture. */
enum {
	W_MAGIC = 0,
	W_VERSION = 2,
	W_FLAGS = 3,
	W_PORTAL = 4,
	W_LEN = 6,
	W_SRC = 8,
	W_DST = 12,
	W_TAG = 16,
	W_SEQ = 20,
};

_Static_assert(W_SEQ + 4 == RC_HDR_LEN, "header layout and RC_HDR_LEN");

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int rc_msg_to_wire(const struct rc_msg *msg, void *buf, size_t size)
{
	const struct rc_hdr *h = &msg->hdr;
	uint8_t *p = buf;

	if (h->len > RC_PAYLOAD_MAX)
		return -EINVAL;
	if (size < (size_t)RC_HDR_LEN + h->len)
		return -ENOSPC;
	put16(p + W_MAGIC, RC_WIRE_MAGIC);
	/* Always the version this code speaks, and no flags: version 1
	 * defines none, and a reply must not echo bits it does not
	 * understand back to their sender. */
	p[W_VERSION] = RC_WIRE_VERSION;
	p[W_FLAGS] = 0;
	put16(p + W_PORTAL, h->portal);
	put16(p + W_LEN, h->len);
	put32(p + W_SRC, h->src);
	put32(p + W_DST, h->dst);
	put32(p + W_TAG, h->tag);
	put32(p + W_SEQ, h->seq);
	memcpy(p + RC_HDR_LEN, msg->payload, h->len);
	return RC_HDR_LEN + h->len;
}

static int malformed(const char **why, const char *text)
{
	if (why)
		*why = text;
	return -EBADMSG;
}

int rc_msg_from_wire(const void *buf, size_t len, struct rc_msg *msg,
		     const char **why)
{
	const uint8_t *p = buf;
	uint16_t plen;

	/* Judge the whole header before touching msg, so that a malformed
	 * datagram leaves the caller's message as it was. */
	if (len < RC_HDR_LEN)
		return malformed(why, "shorter than the 24-byte header");
	if (get16(p + W_MAGIC) != RC_WIRE_MAGIC)
		return malformed(why, "bad magic (not an R-message)");
	if (p[W_VERSION] != RC_WIRE_VERSION)
		return malformed(why, "unknown version");
	plen = get16(p + W_LEN);
	if (plen > RC_PAYLOAD_MAX)
		return malformed(why, "payload length above 1408");
	/* The length field must tell the truth in both directions: a
	 * shorter claim would hide trailing bytes, a longer one would read
	 * past the datagram. */
	if (plen != len - RC_HDR_LEN)
		return malformed(why, "length field disagrees with the "
				      "datagram's size");

	memset(&msg->hdr, 0, sizeof(msg->hdr));
	msg->hdr.version = p[W_VERSION];
	msg->hdr.flags = p[W_FLAGS];	/* kept, but nothing acts on it */
	msg->hdr.portal = get16(p + W_PORTAL);
	msg->hdr.len = plen;
	msg->hdr.src = get32(p + W_SRC);
	msg->hdr.dst = get32(p + W_DST);
	msg->hdr.tag = get32(p + W_TAG);
	msg->hdr.seq = get32(p + W_SEQ);
	memcpy(msg->payload, p + RC_HDR_LEN, plen);
	return 0;
}
