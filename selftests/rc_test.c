// SPDX-License-Identifier: BSD-2-Clause
/* rc_test.c - state shared by the C tests' assertions. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "rc_test.h"

int rc_test_failures;

char *rc_test_read_file(const char *path, int *errp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int err = 0;

	if (!f) {
		err = -errno;
		goto out;
	}
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (!err)
		buf[len] = '\0';
out:
	if (err) {
		free(buf);
		buf = NULL;
		if (errp)
			*errp = err;
	}
	return buf;
}

int rc_test_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	err = fputs(text, f) < 0 ? -EIO : 0;
	return fclose(f) ? -errno : err;
}

int rc_test_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd)) {
		printf("# failed: %s\n", cmd);
		return -1;
	}
	return 0;
}

int rc_test_if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

int rc_test_forwarding_on(void)
{
	return rc_test_sh("ip link set lo up") ?:
	       rc_test_write_file("/proc/sys/net/ipv4/conf/all/forwarding", "1") ?:
	       rc_test_write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1");
}

int rc_test_routed_veth(const char *ifname, const char *peer, uint8_t mac[6])
{
	return rc_test_sh("ip link add %s type veth peer name %s && "
			  "ip link set %s up && ip link set %s up && "
			  "ip addr add 198.18.1.1/24 dev %s && "
			  "ip -6 addr add fd00::1:1/112 dev %s nodad && "
			  "ip neigh add 198.18.1.3 lladdr 02:00:00:00:01:03 dev %s "
			  "nud permanent && "
			  "ip -6 neigh add fd00::1:3 lladdr 02:00:00:00:01:03 dev %s "
			  "nud permanent", ifname, peer, ifname, peer, ifname,
			  ifname, ifname, ifname) ?:
	       rc_test_if_mac(ifname, mac);
}
