/* SPDX-License-Identifier: BSD-2-Clause */
/* rloader.h - what rloader's command files share. */
#ifndef RLOADER_H
#define RLOADER_H

#include <stdbool.h>
#include <json.h>
#include "options.h"
#include "rc_diag.h"
#include "rcode.h"

/* Exit status, documented in rloader --help and docs/rloader.md. */
#define EXIT_OK		0	/* done */
#define EXIT_REJECTED	1	/* a handler, binary or message was rejected */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_SYSTEM	3	/* I/O, permission or kernel failure */
#define EXIT_FAULT	4	/* run: the handler faulted */

extern bool json_output;	/* -j: print JSON on stdout */
extern bool json_pretty;	/* -p: indent it */

/* Print a JSON value in the chosen style and drop the reference. */
void out_json(struct json_object *o);
/* Report an error (stderr, or {"error": ...} on stdout in JSON mode) and
 * return status, so callers can write: return fail(EXIT_SYSTEM, ...). */
__attribute__((format(printf, 2, 3)))
int fail(int status, const char *fmt, ...);
/* Diagnostics as a JSON array of {file, line, col, pc, severity, message,
 * note, text}. */
struct json_object *diags_json(const struct rc_diags *d);

int read_file(const char *path, uint8_t **buf, size_t *len);
int write_file(const char *path, const void *buf, size_t len);

/* Load a handler from .r text or an .rbin binary (decided by content) and,
 * unless verify is false, verify it.  Diagnostics go to d; returns 0,
 * -EINVAL when the handler was rejected, or another -errno (I/O). */
int handler_load(const char *path, bool verify, struct rc_prog **progp,
		 struct rc_verinfo *info, struct rc_diags *d);

/* Payloads and word lists as written on the command line and in test
 * cases: "hex:0a0b..", "u64:1,2", "u32:..", "u16:..", "u8:..", "zero:N",
 * "str:text".  Returns 0 or -EINVAL with *err set. */
int payload_parse(const char *spec, uint8_t *buf, size_t max, size_t *len,
		  const char **err);
/* "NAME=V,V" or "NAME+K=V" assignments to a data area or a window. */
int state_assign(const struct rc_prog *prog, uint64_t *state,
		 const char *spec, const char **err);
int window_assign(const struct rc_prog *prog, uint64_t **windows,
		  const char *spec, const char **err);

extern const struct cmd_def cmd_assemble, cmd_disassemble, cmd_verify,
	cmd_run, cmd_help;

#endif
