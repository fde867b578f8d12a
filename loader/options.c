// SPDX-License-Identifier: BSD-2-Clause
/* options.c - table-driven option parsing and --help for rloader. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rloader.h"

bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	int base = 0;

	if (!s || !*s || *s == '-')
		return false;
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else {
		base = 10;
	}
	errno = 0;
	*out = strtoull(s, &end, base);
	return !errno && *s && !*end;
}

static size_t count_opts(const struct opt_def *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

/* The option table as JSON, for 'rloader -j CMD --help': what a shell's
 * completion or a wrapper needs, without scraping the text. */
static void opts_print_help_json(const struct cmd_def *cmd)
{
	struct json_object *j = json_object_new_object();
	struct json_object *a = json_object_new_array();
	size_t n = count_opts(cmd->opts);

	json_object_object_add(j, "command", json_object_new_string(cmd->name));
	json_object_object_add(j, "args", json_object_new_string(cmd->args));
	json_object_object_add(j, "summary", json_object_new_string(cmd->summary));
	json_object_object_add(j, "description",
			       json_object_new_string(cmd->description ?: ""));
	for (size_t i = 0; i < n; i++) {
		const struct opt_def *o = &cmd->opts[i];
		struct json_object *e = json_object_new_object();
		char sn[2] = { o->short_name, 0 };

		json_object_object_add(e, "name", json_object_new_string(o->name));
		json_object_object_add(e, "short", o->short_name ?
				       json_object_new_string(sn) : NULL);
		json_object_object_add(e, "takes", o->type == OPT_BOOL ? NULL :
				       json_object_new_string(o->metavar));
		json_object_object_add(e, "repeatable",
				       json_object_new_boolean(o->type == OPT_MULTI));
		if (o->type == OPT_ENUM) {
			struct json_object *c = json_object_new_array();

			for (int k = 0; o->choices[k]; k++)
				json_object_array_add(c, json_object_new_string(o->choices[k]));
			json_object_object_add(e, "choices", c);
		}
		json_object_object_add(e, "help", json_object_new_string(o->help));
		json_object_array_add(a, e);
	}
	json_object_object_add(j, "options", a);
	out_json(j);
}

void opts_print_help(const struct cmd_def *cmd, FILE *f)
{
	size_t n = count_opts(cmd->opts);

	if (json_output && f == stdout) {
		opts_print_help_json(cmd);
		return;
	}
	fprintf(f, "usage: rloader [-j] %s%s%s%s\n\n", cmd->name,
		n ? " [OPTIONS]" : "", cmd->args[0] ? " " : "", cmd->args);
	fprintf(f, "%s\n", cmd->summary);
	if (cmd->description && cmd->description[0])
		fprintf(f, "\n%s", cmd->description);
	fprintf(f, "\nOptions:\n");
	for (size_t i = 0; i < n; i++) {
		const struct opt_def *o = &cmd->opts[i];
		char left[64];

		/* "-P, --portal N", or "    --port PORT" under the long names. */
		snprintf(left, sizeof(left), "%c%c%c %s%s%s%s",
			 o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
			 o->short_name ? ',' : ' ', "--", o->name,
			 o->type == OPT_BOOL ? "" : " ",
			 o->type == OPT_BOOL ? "" : o->metavar);
		fprintf(f, "  %-28s %s", left, o->help);
		if (o->type == OPT_ENUM) {
			fprintf(f, " (");
			for (int k = 0; o->choices[k]; k++)
				fprintf(f, "%s%s", k ? ", " : "", o->choices[k]);
			fprintf(f, ")");
		}
		if (o->type == OPT_MULTI)
			fprintf(f, " (repeatable)");
		fputc('\n', f);
	}
	fprintf(f, "  %-28s %s\n", "-h, --help", "show this help");
}

int opts_parse(const struct cmd_def *cmd, void *opts, int argc, char **argv)
{
	size_t n = count_opts(cmd->opts);
	struct option *lo = calloc(n + 2, sizeof(*lo));
	/* No leading '+': options may follow the positional arguments, as
	 * in 'rloader run handler.r --tag 7' and in xdp-loader; "--" still
	 * ends the options. */
	char shorts[2 * 64 + 4] = "h";
	size_t sl = 1;
	int ret = -1, c;

	if (!lo)
		return -1;
	if (cmd->defaults)
		memcpy(opts, cmd->defaults, cmd->opts_size);
	else
		memset(opts, 0, cmd->opts_size);
	for (size_t i = 0; i < n; i++) {
		const struct opt_def *o = &cmd->opts[i];

		lo[i].name = o->name;
		lo[i].has_arg = o->type == OPT_BOOL ? no_argument : required_argument;
		lo[i].val = 256 + (int)i;
		if (o->short_name && sl < sizeof(shorts) - 3) {
			shorts[sl++] = o->short_name;
			if (o->type != OPT_BOOL)
				shorts[sl++] = ':';
			shorts[sl] = '\0';
		}
	}
	lo[n].name = "help";
	lo[n].val = 'h';
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct opt_def *o = NULL;
		char *field;

		if (c == 'h') {
			opts_print_help(cmd, stdout);
			ret = -2;
			goto out;
		}
		if (c == '?' || c == ':') {
			if (optopt)
				usage_fail(cmd->name, "option -%c %s", optopt,
					   c == ':' ? "needs a value" : "is unknown");
			else
				usage_fail(cmd->name, "option '%s' is unknown or "
					   "needs a value", argv[optind - 1]);
			goto out;
		}
		if (c >= 256)
			o = &cmd->opts[c - 256];
		else
			for (size_t i = 0; i < n; i++)
				if (cmd->opts[i].short_name == c)
					o = &cmd->opts[i];
		if (!o)
			goto out;
		field = (char *)opts + o->offset;
		switch (o->type) {
		case OPT_BOOL:
			*(bool *)field = true;
			break;
		case OPT_STRING:
			*(const char **)field = optarg;
			break;
		case OPT_U64:
			if (!parse_u64(optarg, (uint64_t *)field)) {
				usage_fail(cmd->name, optarg[0] == '-' ?
					   "--%s: '%s' is negative; it takes a "
					   "number from 0 (decimal, 0x hex or 0b "
					   "binary)" :
					   "--%s: '%s' is not a number (decimal, "
					   "0x hex or 0b binary)", o->name, optarg);
				goto out;
			}
			break;
		case OPT_MULTI: {
			struct opt_list *l = (struct opt_list *)field;

			if (l->n == OPT_LIST_MAX) {
				usage_fail(cmd->name, "too many --%s options", o->name);
				goto out;
			}
			l->v[l->n++] = optarg;
			break;
		}
		case OPT_ENUM: {
			int k;

			for (k = 0; o->choices[k]; k++)
				if (!strcmp(o->choices[k], optarg))
					break;
			if (!o->choices[k]) {
				usage_fail(cmd->name, "--%s: '%s' is not a valid choice",
					   o->name, optarg);
				goto out;
			}
			*(int *)field = k;
			break;
		}
		}
	}
	if (argc - optind < cmd->min_args ||
	    (cmd->max_args >= 0 && argc - optind > cmd->max_args)) {
		usage_fail(cmd->name, "%s (usage: rloader %s %s)",
			   argc - optind < cmd->min_args ? "missing argument" :
			   "too many arguments", cmd->name, cmd->args);
		goto out;
	}
	ret = optind;
out:
	free(lo);
	return ret;
}
