/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * options.h - command-line options declared as tables bound to a
 * per-command struct, in the manner of xdp-tools' DEFINE_OPTION: one table
 * drives both getopt_long parsing and the generated --help text, so the
 * help can never forget an option.
 */
#ifndef RLOADER_OPTIONS_H
#define RLOADER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_BOOL,	/* flag; sets a bool */
	OPT_STRING,	/* const char * */
	OPT_U64,	/* uint64_t, any base */
	OPT_MULTI,	/* repeatable string: appended to a struct opt_list */
	OPT_ENUM,	/* one of a NULL-terminated list of names: int index */
};

#define OPT_LIST_MAX 64
struct opt_list {
	int n;
	const char *v[OPT_LIST_MAX];
};

struct opt_def {
	const char *name;	/* long name, NULL ends the table */
	char short_name;	/* 0 when none */
	enum opt_type type;
	size_t offset;		/* into the command's option struct */
	const char *metavar;	/* shown in help, e.g. "FILE" */
	const char *help;
	const char *const *choices;	/* OPT_ENUM */
};

#define DEFINE_OPT(struct_, field, name_, short_, type_, metavar_, help_) \
	{ .name = name_, .short_name = short_, .type = type_,             \
	  .offset = offsetof(struct struct_, field), .metavar = metavar_, \
	  .help = help_ }
#define DEFINE_ENUM_OPT(struct_, field, name_, short_, choices_, metavar_, help_) \
	{ .name = name_, .short_name = short_, .type = OPT_ENUM,          \
	  .offset = offsetof(struct struct_, field), .metavar = metavar_, \
	  .help = help_, .choices = choices_ }
#define END_OPTS { .name = NULL }

/* A command: its option table, positional arguments and help. */
struct cmd_def {
	const char *name;
	const char *args;	/* positional synopsis, e.g. "FILE.r" */
	int min_args, max_args;	/* max -1: unlimited */
	const char *summary;	/* one line, for the command list */
	const char *description;	/* paragraphs for --help */
	const struct opt_def *opts;
	size_t opts_size;	/* sizeof the option struct */
	const void *defaults;	/* initial option values, or NULL */
	int (*run)(void *opts, int argc, char **argv);
};

/*
 * Parse argv (argv[0] is the command name) into opts.  Returns the index
 * of the first positional argument, or -1 after printing a usage error
 * (exit status 2), or -2 when --help was given and printed (exit 0).
 */
int opts_parse(const struct cmd_def *cmd, void *opts, int argc, char **argv);
void opts_print_help(const struct cmd_def *cmd, FILE *f);

/* Parse a whole string as an unsigned number (0x, 0b allowed). */
bool parse_u64(const char *s, uint64_t *out);

#endif
