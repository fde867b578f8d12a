// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_hosts.c - the hosts-file parser.  Properties: a file it takes
 * holds ranks 0..N-1 in order, unicast addresses and valid ports, and
 * writing it back out and parsing that gives the same table; a file it
 * refuses gets an error.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include "librcode.h"
#include "fuzz_common.h"

static char *format(const struct rcode_rank_addr *r, unsigned int n)
{
	size_t cap = 128 * (size_t)n + 1, len = 0;
	char *t = malloc(cap), a[INET6_ADDRSTRLEN];

	t[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		inet_ntop(r[i].family, r[i].addr, a, sizeof(a));
		len += snprintf(t + len, cap - len, "%u %s ", r[i].rank, a);
		if (r[i].port)
			len += snprintf(t + len, cap - len, "%u ", r[i].port);
		else
			len += snprintf(t + len, cap - len, "- ");
		if (r[i].has_mac)
			len += snprintf(t + len, cap - len,
					"%02x:%02x:%02x:%02x:%02x:%02x\n",
					r[i].mac[0], r[i].mac[1], r[i].mac[2],
					r[i].mac[3], r[i].mac[4], r[i].mac[5]);
		else
			len += snprintf(t + len, cap - len, "-\n");
	}
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rcode_rank_addr *r = NULL, *r2 = NULL;
	unsigned int n = 0, n2 = 0;
	char *text = malloc(size + 1), *again;
	struct rc_diags d;

	memcpy(text, data, size);
	text[size] = '\0';
	rc_diags_init(&d);
	if (!rcode_ranks_parse_text("fuzz.hosts", text, &r, &n, &d)) {
		for (unsigned int i = 0; i < n; i++) {
			FUZZ_CHECK(r[i].rank == i, "entry %u is rank %u", i, r[i].rank);
			FUZZ_CHECK(r[i].family == AF_INET || r[i].family == AF_INET6,
				   "family %d", r[i].family);
		}
		again = format(r, n);
		rc_diags_free(&d);
		rc_diags_init(&d);
		FUZZ_CHECK(!rcode_ranks_parse_text("again.hosts", again, &r2, &n2, &d),
			   "its own rendering does not parse:\n%s", again);
		FUZZ_CHECK(n2 == n, "%u ranks became %u through its rendering:\n%s",
			   n, n2, again);
		for (unsigned int i = 0; i < n; i++)
			FUZZ_CHECK(r[i].family == r2[i].family &&
				   !memcmp(r[i].addr, r2[i].addr, 16) &&
				   r[i].port == r2[i].port &&
				   r[i].has_mac == r2[i].has_mac &&
				   (!r[i].has_mac || !memcmp(r[i].mac, r2[i].mac, 6)),
				   "rank %u changed through its rendering:\n%s",
				   i, again);
		free(again);
	} else {
		FUZZ_CHECK(d.nerrors > 0, "refused without an error");
	}
	rc_diags_free(&d);
	free(r);
	free(r2);
	free(text);
	return 0;
}
