// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcode_packet.c - whole Ethernet frames around R-messages, for runs under
 * BPF_PROG_TEST_RUN and for checking what a handler sent back: lengths
 * and checksums included; and a loopback device of one's own on which to
 * see the copies a TC program sends under BPF_PROG_TEST_RUN.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "rcode_private.h"

static const __u8 mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static uint32_t sum16(const __u8 *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static __u16 fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (__u16)acc;
}

/* Sum of the UDP pseudo-header for the addresses at ip. */
static uint32_t pseudo(const __u8 *ip, int ipver, uint16_t udp_len)
{
	uint32_t acc = ipver == 4 ? sum16(ip + 12, 8, 0) : sum16(ip + 8, 32, 0);

	return acc + 17 + udp_len;
}

int rcode_pkt_build(const struct rc_msg *msg, int ipver, __u16 port,
		    void *buf, size_t size)
{
	size_t iplen = ipver == 4 ? 20 : 40;
	size_t udp_len = 8 + RC_HDR_LEN + msg->hdr.len;
	size_t total = 14 + iplen + udp_len;
	__u8 *p = buf, *ip = p + 14, *udp = ip + iplen;
	__u16 c;
	int n;

	if (total > size)
		return -ENOSPC;
	memset(p, 0, 14 + iplen + 8);
	memcpy(p, mac_b, 6);
	memcpy(p + 6, mac_a, 6);
	p[12] = ipver == 4 ? 0x08 : 0x86;
	p[13] = ipver == 4 ? 0x00 : 0xdd;
	if (ipver == 4) {
		ip[0] = 0x45;
		*(__be16 *)(ip + 2) = htons(iplen + udp_len);
		*(__be16 *)(ip + 6) = htons(0x4000);	/* don't fragment */
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, (const __u8[]){ 198, 18, 0, 1 }, 4);
		memcpy(ip + 16, (const __u8[]){ 198, 18, 0, 2 }, 4);
		c = ~fold(sum16(ip, 20, 0));
		*(__be16 *)(ip + 10) = htons(c);
	} else {
		ip[0] = 0x60;
		*(__be16 *)(ip + 4) = htons(udp_len);
		ip[6] = 17;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
	}
	*(__be16 *)(udp + 0) = htons(40000);
	*(__be16 *)(udp + 2) = htons(port);
	*(__be16 *)(udp + 4) = htons(udp_len);
	n = rc_msg_to_wire(msg, udp + 8, size - (udp + 8 - p));
	if (n < 0)
		return n;
	c = ~fold(sum16(udp, udp_len, pseudo(ip, ipver, udp_len)));
	*(__be16 *)(udp + 6) = htons(c ? c : 0xffff);
	return (int)total;
}

static int pkt_parse(const void *buf, size_t len, struct rc_msg *msg,
		     struct rcode_pkt_info *info, bool dropped);

int rcode_pkt_parse(const void *buf, size_t len, struct rc_msg *msg,
		    struct rcode_pkt_info *info)
{
	return pkt_parse(buf, len, msg, info, false);
}

int rcode_pkt_parse_dropped(const void *buf, size_t len, struct rc_msg *msg,
			    struct rcode_pkt_info *info)
{
	return pkt_parse(buf, len, msg, info, true);
}

static int pkt_parse(const void *buf, size_t len, struct rc_msg *msg,
		     struct rcode_pkt_info *info, bool dropped)
{
	const __u8 *p = buf, *ip = p + 14, *udp;
	size_t iplen, udp_len;
	const char *why;

	memset(info, 0, sizeof(*info));
	if (len < 14 + 20 + 8)
		return -EBADMSG;
	memcpy(info->dst_mac, p, 6);
	memcpy(info->src_mac, p + 6, 6);
	if (p[12] == 0x08 && p[13] == 0x00 && (ip[0] >> 4) == 4) {
		info->ipver = 4;
		iplen = (ip[0] & 15) * 4;
		memcpy(info->src_ip, ip + 12, 4);
		memcpy(info->dst_ip, ip + 16, 4);
		info->ip_csum_ok = fold(sum16(ip, iplen, 0)) == 0xffff;
	} else if (p[12] == 0x86 && p[13] == 0xdd && len >= 14 + 40 + 8) {
		info->ipver = 6;
		iplen = 40;
		memcpy(info->src_ip, ip + 8, 16);
		memcpy(info->dst_ip, ip + 24, 16);
		info->ip_csum_ok = true;
	} else {
		return -EBADMSG;
	}
	udp = ip + iplen;
	if (14 + iplen + 8 > len)
		return -EBADMSG;
	udp_len = ntohs(*(const __be16 *)(udp + 4));
	info->src_port = ntohs(*(const __be16 *)(udp + 0));
	info->dst_port = ntohs(*(const __be16 *)(udp + 2));
	info->lengths_ok = 14 + iplen + udp_len <= len &&
		(info->ipver == 4 ? ntohs(*(const __be16 *)(ip + 2)) == iplen + udp_len :
				    ntohs(*(const __be16 *)(ip + 4)) == udp_len);
	/* A dropped frame's lengths are fixed by nobody (a handler that
	 * resized and dropped leaves them stale): the frame's end is the
	 * message's, and the R header says how much of it is payload. */
	if (dropped && len >= 14 + iplen + 8)
		udp_len = len - 14 - iplen;
	if (14 + iplen + udp_len > len || udp_len < 8)
		return -EBADMSG;
	if (info->ipver == 4 && !*(const __u16 *)(udp + 6))
		info->udp_csum_ok = true;
	else
		info->udp_csum_ok = fold(sum16(udp, udp_len,
					       pseudo(ip, info->ipver, udp_len))) == 0xffff;
	return rc_msg_from_wire(udp + 8, udp_len - 8, msg, &why) ? -EBADMSG : 0;
}

int rcode_pkt_private_lo(char *why, size_t size)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	int fd, err;

	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		snprintf(why, size, "unshare(CLONE_NEWNET): %s", strerror(-err));
		return err;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) ||
	    ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		err = -errno;
		snprintf(why, size, "bringing lo up: %s", strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	close(fd);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		snprintf(why, size, "AF_PACKET socket on lo: %s", strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

ssize_t rcode_pkt_capture_next(int fd, uint8_t *buf, size_t size)
{
	for (;;) {
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		ssize_t n = recvfrom(fd, buf, size, MSG_DONTWAIT,
				     (struct sockaddr *)&sll, &sl);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		if (sll.sll_pkttype == PACKET_OUTGOING && n > 0)
			return n;
		/* else the same frame, looped back in */
	}
}
