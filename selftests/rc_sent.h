/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_sent.h - the frames the kernel paths send to other ranks (forward,
 * send), built independently of them from what the reference says went
 * out, so that tests can compare what left byte for byte.
 *
 * The rewrite is the one bpf/rc_abi.h describes above struct rc_rank:
 * Ethernet destination = the entry's MAC, source = the arriving frame's
 * destination; IP source = the address it arrived at, destination = the
 * entry's, TTL / hop limit 64, everything else of the IP header as it
 * arrived; UDP source port = the port it arrived at, destination = the
 * entry's; then the R-message; IPv4 header and UDP checksums computed.
 */
#ifndef RC_SENT_H
#define RC_SENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rc_abi.h"
#include "rcode.h"

/*
 * The frame msg (its header as sent: src = self, dst = rank) leaves in
 * for the rank table entry 'to', after arriving in the frame 'in' (an
 * R-message frame over IPv4 or IPv6 without options).  dmac and smac
 * override the Ethernet addresses (NULL: to->mac, in's destination).
 * Returns the frame's length, or -EINVAL / -ENOSPC.
 */
int rc_sent_frame(const uint8_t *in, size_t in_len, const struct rc_rank *to,
		  const uint8_t *dmac, const uint8_t *smac,
		  const struct rc_msg *msg, uint8_t *out, size_t size);

/*
 * Compare a frame that left with the one expected.  A CHECKSUM_PARTIAL
 * frame (captured before the checksum was completed: an AF_PACKET
 * socket's TP_STATUS_CSUMNOTREADY) carries the pseudo-header's sum in the
 * UDP checksum field instead, which is what is then expected there.
 * Returns 0, or -1 with the first difference in why.
 */
int rc_sent_compare(const uint8_t *want, size_t want_len, const uint8_t *got,
		    size_t got_len, bool csum_partial, char *why, size_t size);

/* The UDP checksum of a frame (IPv4 or IPv6, no options) as it should
 * be, and the pseudo-header's sum alone (folded, not complemented). */
uint16_t rc_sent_udp_csum(const uint8_t *frame, size_t len);
uint16_t rc_sent_pseudo_sum(const uint8_t *frame, size_t len);

#endif /* RC_SENT_H */
