/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rc_test.h - assertions for C tests, in the runner's line protocol
 * (selftests/run.sh): every check prints "PASS: what" or
 * "FAIL: what: expected ..., got ...".  rc_test_exit() returns the status.
 */
#ifndef RC_TEST_H
#define RC_TEST_H

#include <stdint.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern int rc_test_failures;

#define ASSERT_TRUE(cond, what)                                         \
	({                                                              \
		int ok__ = !!(cond);                                    \
		if (ok__)                                               \
			printf("PASS: %s\n", (what));                   \
		else {                                                  \
			printf("FAIL: %s: %s is false (%s:%d)\n", (what), \
			       #cond, __FILE__, __LINE__);              \
			rc_test_failures++;                             \
		}                                                       \
		ok__;                                                   \
	})

#define ASSERT_EQ(actual, expected, what)                               \
	({                                                              \
		long long a__ = (long long)(actual);                    \
		long long e__ = (long long)(expected);                  \
		if (a__ == e__)                                         \
			printf("PASS: %s\n", (what));                   \
		else {                                                  \
			printf("FAIL: %s: expected %lld, got %lld (%s:%d)\n", \
			       (what), e__, a__, __FILE__, __LINE__);   \
			rc_test_failures++;                             \
		}                                                       \
		a__ == e__;                                             \
	})

#define ASSERT_STREQ(actual, expected, what)                            \
	({                                                              \
		const char *a__ = (actual), *e__ = (expected);          \
		int ok__ = a__ && e__ && !strcmp(a__, e__);             \
		if (ok__)                                               \
			printf("PASS: %s\n", (what));                   \
		else {                                                  \
			printf("FAIL: %s: expected \"%s\", got \"%s\" (%s:%d)\n", \
			       (what), e__ ? e__ : "(null)",            \
			       a__ ? a__ : "(null)", __FILE__, __LINE__); \
			rc_test_failures++;                             \
		}                                                       \
		ok__;                                                   \
	})

/* Fail with a formatted reason. */
#define TEST_FAIL(what, fmt, ...)                                       \
	do {                                                            \
		printf("FAIL: %s: " fmt "\n", (what), ##__VA_ARGS__);   \
		rc_test_failures++;                                     \
	} while (0)

#define TEST_PASS(what) printf("PASS: %s\n", (what))

/* A whole file, NUL-terminated, malloc'd; NULL with -errno in *errp
 * (which may be NULL) when it cannot be read. */
char *rc_test_read_file(const char *path, int *errp);

/* Write text to path (a sysctl, a file of the test's): 0 or -errno. */
int rc_test_write_file(const char *path, const char *text);

/* Run a formatted shell command (at most 511 bytes); 0 when it exits 0,
 * else -1 with a "# failed: CMD" line. */
int rc_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The MAC of ifname in the caller's network namespace, by ioctl
 * (/sys/class/net shows the namespace sysfs was mounted in). */
int rc_test_if_mac(const char *ifname, uint8_t mac[6]);

/* In a private network namespace (the forward tests'): lo up and IPv4 and
 * IPv6 forwarding on, so that a failed FIB lookup means "no route".  0 or
 * -1/-errno. */
int rc_test_forwarding_on(void);

/* A veth pair ifname/peer, both up, ifname with 198.18.1.1/24 and
 * fd00::1:1/112 and permanent neighbours 198.18.1.3 and fd00::1:3 at
 * 02:00:00:00:01:03, so that a FIB lookup of those finds a route and a
 * MAC; ifname's own MAC into mac.  0 or -1/-errno. */
int rc_test_routed_veth(const char *ifname, const char *peer, uint8_t mac[6]);

static inline int rc_test_exit(void)
{
	return rc_test_failures ? 1 : 0;
}

#endif /* RC_TEST_H */
