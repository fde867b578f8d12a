/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rcode_internal.h - what librcode's files share and applications do not
 * see: logging through the user's callback, options-struct access.
 */
#ifndef LIBRCODE_INTERNAL_H
#define LIBRCODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "rcode_private.h"

__attribute__((format(printf, 2, 3)))
void rc_log(enum rcode_print_level level, const char *fmt, ...);

#define pr_warn(fmt, ...)  rc_log(RCODE_WARN, "librcode: " fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  rc_log(RCODE_INFO, "librcode: " fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) rc_log(RCODE_DEBUG, "librcode: " fmt, ##__VA_ARGS__)

#ifndef offsetofend
#define offsetofend(TYPE, FIELD) \
	(offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))
#endif

/*
 * As libbpf's OPTS_VALID/OPTS_GET: a caller built against an older header
 * passes a shorter struct (fields it lacks read as their default), one
 * built against a newer header a longer one (whose unknown tail must be
 * zero, or it asked for something this library cannot do).
 */
static inline bool rc_opts_tail_zero(const void *opts, size_t known,
				     size_t user)
{
	const char *p = opts;

	for (size_t i = known; i < user; i++)
		if (p[i])
			return false;
	return true;
}

#define RC_OPTS_VALID(opts, TYPE)                                         \
	(!(opts) || ((opts)->sz >= sizeof(size_t) &&                      \
		     rc_opts_tail_zero((opts),                            \
				       offsetofend(struct TYPE,           \
						   TYPE##__last_field),   \
				       (opts)->sz)))

#define RC_OPTS_HAS(opts, FIELD)                                          \
	((opts) && (opts)->sz >= offsetofend(__typeof__(*(opts)), FIELD))

#define RC_OPTS_GET(opts, FIELD, fallback)                                \
	(RC_OPTS_HAS(opts, FIELD) ? (opts)->FIELD : (fallback))

#endif /* LIBRCODE_INTERNAL_H */
