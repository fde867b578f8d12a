// SPDX-License-Identifier: BSD-2-Clause
/*
 * output.c - the two faces of every printer: plain text for people and
 * JSON (json-c) for programs, plus file helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rloader.h"

bool json_output;
bool json_pretty;

void out_json(struct json_object *o)
{
	int flags = json_pretty ? JSON_C_TO_STRING_PRETTY |
				  JSON_C_TO_STRING_SPACED :
				  JSON_C_TO_STRING_PLAIN;

	printf("%s\n", json_object_to_json_string_ext(o, flags |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int fail(int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json_output) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		out_json(o);
	} else {
		fprintf(stderr, "rloader: error: %s\n", msg);
	}
	return status;
}

int usage_fail(const char *cmd, const char *fmt, ...)
{
	char msg[1024], hint[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(hint, sizeof(hint), "rloader %s%s--help", cmd ? cmd : "",
		 cmd ? " " : "");
	if (json_output) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		json_object_object_add(o, "usage", json_object_new_string(hint));
		out_json(o);
	} else if (cmd) {
		fprintf(stderr, "rloader %s: %s\nTry '%s'.\n", cmd, msg, hint);
	} else {
		fprintf(stderr, "rloader: %s\nTry '%s'.\n", msg, hint);
	}
	return EXIT_USAGE;
}

struct json_object *diags_json(const struct rc_diags *d)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < d->n; i++) {
		const struct rc_diag *g = &d->v[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(g->origin));
		json_object_object_add(o, "line", g->line ? json_object_new_int(g->line) : NULL);
		json_object_object_add(o, "col", g->line ? json_object_new_int(g->col) : NULL);
		json_object_object_add(o, "pc", g->pc >= 0 ? json_object_new_int(g->pc) : NULL);
		json_object_object_add(o, "severity", json_object_new_string(
			g->severity == RC_SEV_ERROR ? "error" :
			g->severity == RC_SEV_WARNING ? "warning" : "note"));
		json_object_object_add(o, "message", json_object_new_string(g->msg));
		json_object_object_add(o, "note", g->note[0] ?
				       json_object_new_string(g->note) : NULL);
		json_object_object_add(o, "text", g->text ?
				       json_object_new_string(g->text) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

/* Files are small (handlers, messages), so read them whole; refuse
 * anything absurd instead of trying to allocate it. */
#define FILE_MAX (16u << 20)

int read_file(const char *path, uint8_t **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap + 1);
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	ssize_t r;

	if (fd < 0 || !b) {
		int err = fd < 0 ? -errno : -ENOMEM;

		free(b);
		return err;
	}
	while ((r = read(fd, b + n, cap - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto err;
		}
		n += r;
		if (n == cap) {
			uint8_t *nb;

			if (cap >= FILE_MAX) {
				r = -EFBIG;
				goto err;
			}
			cap *= 2;
			nb = realloc(b, cap + 1);
			if (!nb) {
				r = -ENOMEM;
				goto err;
			}
			b = nb;
		}
	}
	if (fd)
		close(fd);
	b[n] = '\0';	/* text callers get a C string */
	*buf = b;
	*len = n;
	return 0;
err:
	if (fd)
		close(fd);
	free(b);
	return (int)r;
}

/* Write via a temporary file and rename, so a failed write never leaves a
 * half-written binary where a good one was. */
int write_file(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	FILE *f;
	int err = 0;

	if (!strcmp(path, "-"))
		return fwrite(buf, 1, len, stdout) == len ? 0 : -EIO;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "wb");
	if (!f)
		return -errno;
	if (fwrite(buf, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
