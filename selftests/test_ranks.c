// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_ranks.c - hosts files (librcode's rcode_ranks_parse) against the
 * cases in selftests/cases/ranks/: each .hosts file says in `#!` comment
 * lines what parsing it must give,
 *
 *   #! desc: what the case is about
 *   #! expect ok N                        N ranks, and then, for some,
 *   #! expect rank R ADDRESS PORT MAC     PORT 0: the job's, MAC '-': none
 *   #! expect error: LINE:COL: error: MESSAGE    every error, in order
 *
 * (the directives are comments to the parser itself), and
 * rcode_ranks_find_self() on the loopback interface, which needs no
 * privileges.  The files are found through $RC_ROOT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "librcode.h"
#include "rc_diag.h"
#include "rc_test.h"

#define MAX_EXPECT	32

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void mac_str(const struct rcode_rank_addr *r, char *buf, size_t size)
{
	if (!r->has_mac)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", r->mac[0],
			 r->mac[1], r->mac[2], r->mac[3], r->mac[4], r->mac[5]);
}

static void run_case(const char *dir, const char *name)
{
	char path[1024], what[1200], *text, *line, *save;
	char *errs[MAX_EXPECT], *rows[MAX_EXPECT];
	int nerrs = 0, nrows = 0, want_n = -1, err;
	struct rcode_rank_addr *t = NULL;
	unsigned int n = 0;
	struct rc_diags d;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = rc_test_read_file(path, &err);
	if (!text) {
		TEST_FAIL(name, "cannot read: %s", strerror(-err));
		return;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		if (!strncmp(line, "#! expect error: ", 17) && nerrs < MAX_EXPECT)
			errs[nerrs++] = line + 17;
		else if (!strncmp(line, "#! expect rank ", 15) && nrows < MAX_EXPECT)
			rows[nrows++] = line + 15;
		else if (!strncmp(line, "#! expect ok ", 13))
			want_n = atoi(line + 13);
	}
	rc_diags_init(&d);
	err = rcode_ranks_parse(path, &t, &n, &d);
	snprintf(what, sizeof(what), "%s: %s", name,
		 want_n >= 0 ? "parses" : "is rejected");
	if (want_n >= 0) {
		if (ASSERT_EQ(err, 0, what)) {
			snprintf(what, sizeof(what), "%s: %d ranks", name, want_n);
			ASSERT_EQ(n, want_n, what);
		} else {
			rc_diags_print(&d, stdout);
		}
	} else {
		ASSERT_EQ(err, -EINVAL, what);
	}
	for (int i = 0; i < nrows && !err; i++) {
		char addr[64], mac[32], got[160], want[160];
		unsigned int r, port;

		if (sscanf(rows[i], "%u %63s %u %31s", &r, addr, &port, mac) != 4 ||
		    r >= n) {
			TEST_FAIL(name, "bad directive 'expect rank %s'", rows[i]);
			continue;
		}
		snprintf(want, sizeof(want), "%u %s %u %s", r, addr, port, mac);
		inet_ntop(t[r].family, t[r].addr, addr, sizeof(addr));
		mac_str(&t[r], mac, sizeof(mac));
		snprintf(got, sizeof(got), "%u %s %u %s", t[r].rank, addr,
			 t[r].port, mac);
		snprintf(what, sizeof(what), "%s: rank %u", name, r);
		ASSERT_STREQ(got, want, what);
	}
	/* Every error, in order, and nothing else. */
	for (size_t i = 0; i < d.n || (int)i < nerrs; i++) {
		char got[700] = "(none)", want[1200] = "(none)";

		if (i < d.n)
			rc_diag_format_line(&d.v[i], got, sizeof(got));
		if ((int)i < nerrs)
			snprintf(want, sizeof(want), "%s%s%s", path,
				 errs[i][0] >= '0' && errs[i][0] <= '9' ? ":" : ": ",
				 errs[i]);
		snprintf(what, sizeof(what), "%s: diagnostic %zu", name, i + 1);
		ASSERT_STREQ(got, want, what);
	}
	rc_diags_free(&d);
	free(t);
	free(text);
}

/* The loopback interface has 127.0.0.1 and ::1 in any network namespace. */
static void find_self(void)
{
	struct rcode_rank_addr r[3] = {
		{ .rank = 0, .family = AF_INET },
		{ .rank = 1, .family = AF_INET },
		{ .rank = 2, .family = AF_INET6 },
	};
	__u32 self = 99;

	inet_pton(AF_INET, "198.18.0.1", r[0].addr);
	inet_pton(AF_INET, "127.0.0.1", r[1].addr);
	inet_pton(AF_INET6, "fd00::1", r[2].addr);
	rcode_set_print(NULL);
	ASSERT_EQ(rcode_ranks_find_self("lo", r, 3, &self), 0,
		  "find_self: 127.0.0.1 is lo's");
	ASSERT_EQ(self, 1, "find_self: rank 1");
	inet_pton(AF_INET6, "::1", r[2].addr);
	ASSERT_EQ(rcode_ranks_find_self("lo", r, 3, &self), -EEXIST,
		  "find_self: two ranks on lo: -EEXIST");
	ASSERT_EQ(rcode_ranks_find_self("lo", r, 1, &self), -ENOENT,
		  "find_self: none on lo: -ENOENT");
	ASSERT_EQ(rcode_ranks_find_self("rcx-lib-none", r, 3, &self), -ENODEV,
		  "find_self: no such interface: -ENODEV");
	ASSERT_EQ(rcode_ranks_find_self("../x", r, 3, &self), -EINVAL,
		  "find_self: a name that leaves the pin root: -EINVAL");
}

int main(void)
{
	const char *root = getenv("RC_ROOT");
	char dir[1024], *names[256];
	struct dirent *e;
	int n = 0;
	DIR *dd;

	snprintf(dir, sizeof(dir), "%s/selftests/cases/ranks",
		 root && *root ? root : ".");
	dd = opendir(dir);
	if (!dd) {
		TEST_FAIL("cases", "%s: %s", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(dd)) && n < 256) {
		size_t len = strlen(e->d_name);

		if (len > 6 && !strcmp(e->d_name + len - 6, ".hosts"))
			names[n++] = strdup(e->d_name);
	}
	closedir(dd);
	qsort(names, n, sizeof(names[0]), cmp_names);
	ASSERT_TRUE(n >= 5, "cases: selftests/cases/ranks has its cases");
	for (int i = 0; i < n; i++) {
		run_case(dir, names[i]);
		free(names[i]);
	}
	find_self();
	return rc_test_exit();
}
