// SPDX-License-Identifier: BSD-2-Clause
/*
 * rloader.c - the command-line front end: global options, the command
 * table with unique-prefix matching (as bpftool does), and 'help'.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "rloader.h"

/* The project's one version (the file VERSION, via the Makefile). */
#ifndef RCODE_VERSION
#error "RCODE_VERSION comes from the Makefile (the file VERSION)"
#endif
#define RLOADER_VERSION RCODE_VERSION

static const struct cmd_def *const commands[] = {
	&cmd_assemble, &cmd_disassemble, &cmd_verify, &cmd_run,
	&cmd_attach, &cmd_detach, &cmd_status, &cmd_stats, &cmd_trace,
	&cmd_window, &cmd_ranks, &cmd_serve, &cmd_compile, &cmd_send,
	&cmd_features,
	&cmd_help,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* 'rloader -j --help': the command table, for programs. */
static void print_usage_json(void)
{
	struct json_object *j = json_object_new_object();
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < NCOMMANDS; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "name", json_object_new_string(commands[i]->name));
		json_object_object_add(c, "args", json_object_new_string(commands[i]->args));
		json_object_object_add(c, "summary", json_object_new_string(commands[i]->summary));
		json_object_array_add(a, c);
	}
	json_object_object_add(j, "usage", json_object_new_string(
		"rloader [-j] [-p] [-n NETNS] COMMAND [OPTIONS] [ARGS]"));
	json_object_object_add(j, "commands", a);
	out_json(j);
}

static void print_version(void)
{
	if (json_output) {
		struct json_object *j = json_object_new_object();
		char lb[32];

		snprintf(lb, sizeof(lb), "%u.%u", libbpf_major_version(),
			 libbpf_minor_version());
		json_object_object_add(j, "name", json_object_new_string("rloader"));
		json_object_object_add(j, "version", json_object_new_string(RLOADER_VERSION));
		json_object_object_add(j, "rcode_binary_version",
				       json_object_new_int(RC_BIN_VERSION));
		json_object_object_add(j, "libbpf", json_object_new_string(lb));
		out_json(j);
		return;
	}
	printf("rloader %s (R-code binary version %d, libbpf %u.%u)\n",
	       RLOADER_VERSION, RC_BIN_VERSION, libbpf_major_version(),
	       libbpf_minor_version());
}

static void print_usage(FILE *f)
{
	if (json_output && f == stdout) {
		print_usage_json();
		return;
	}
	fprintf(f,
		"usage: rloader [-j] [-p] [-n NETNS] COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"rloader assembles, verifies and runs R-code message handlers, and\n"
		"installs them at XDP on network interfaces.\n"
		"\nCommands (any unique prefix works):\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f,
		"\nGlobal options:\n"
		"  -j, --json     print JSON on stdout (errors too: {\"error\": ...})\n"
		"  -p, --pretty   indented JSON (implies --json)\n"
		"  -n, --netns NAME\n"
		"                 run in network namespace NAME (/run/netns/NAME,\n"
		"                 as 'ip -n NAME'), keeping this mount namespace and\n"
		"                 its bpffs; use it instead of 'ip netns exec', whose\n"
		"                 private /sys would lose the pins\n"
		"  -V, --version  print the version\n"
		"  -h, --help     this help; 'rloader COMMAND --help' for a command\n"
		"\nExit status:\n"
		"  0  success\n"
		"  1  a handler, binary or message was rejected (diagnostics say why);\n"
		"     run --path xlate|interp: the two paths disagree; window --until:\n"
		"     the value was not reached; send --wait: a message went unanswered\n"
		"  2  bad command line, or a conflict a different one resolves\n"
		"     (attach: the portal is taken and --replace is missing; the\n"
		"     dispatcher runs in another mode or on another port)\n"
		"  3  system error (I/O, permissions, the kernel, nothing to detach,\n"
		"     no such handler or window; trace: the handler is not traced;\n"
		"     features: no BPF program loads)\n"
		"  4  run: the handler faulted (the output shows the fault and pc)\n"
		"\nExample session (as root):\n"
		"  rloader attach eth0 examples/echo.r      # portal 2, native XDP\n"
		"  rloader status                           # what runs where\n"
		"  rloader stats eth0                       # counters, faults\n"
		"  rloader attach eth0 examples/counter.r --path interp --trace\n"
		"  rloader trace eth0 1                     # what it executed\n"
		"  rloader send 198.18.0.2 --portal 2 --wait 500   # elsewhere\n"
		"  rloader features                         # what works here\n"
		"  rloader detach eth0\n"
		"\nSee 'rloader help opcodes' for the instruction set,\n"
		"docs/rcode.md for the language and docs/rloader.md for this tool.\n");
}

static const struct cmd_def *find_command(const char *name)
{
	const struct cmd_def *found = NULL;
	size_t n = strlen(name);

	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (!strcmp(commands[i]->name, name))
			return commands[i];
		if (!strncmp(commands[i]->name, name, n)) {
			if (found)
				return NULL;	/* ambiguous */
			found = commands[i];
		}
	}
	return found;
}

/* ---- help ---------------------------------------------------------------- */
static const char *const operand_names[] = {
	[RC_OPND_NONE] = "",	  [RC_OPND_IMM] = "IMM32",
	[RC_OPND_IMM64] = "IMM64",  [RC_OPND_DEPTH] = "DEPTH",
	[RC_OPND_LOCAL] = "LOCAL",  [RC_OPND_LABEL] = "LABEL",
	[RC_OPND_FIELD] = "FIELD",  [RC_OPND_POFF] = "OFFSET",
	[RC_OPND_SLOT] = "SLOT",    [RC_OPND_WIN] = "WINDOW",
};

static int help_opcodes(void)
{
	struct json_object *a = json_output ? json_object_new_array() : NULL;

	if (!json_output)
		printf("%-8s %-4s %-7s %-5s %s\n", "name", "code", "operand",
		       "stack", "effect");
	for (const struct rc_opinfo *o = rc_optable; o->name; o++) {
		if (json_output) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "name", json_object_new_string(o->name));
			json_object_object_add(j, "code", json_object_new_int(o->code));
			json_object_object_add(j, "operand", json_object_new_string(operand_names[o->operand]));
			json_object_object_add(j, "pops", json_object_new_int(o->pops));
			json_object_object_add(j, "pushes", json_object_new_int(o->pushes));
			json_object_object_add(j, "action", json_object_new_boolean(o->flags & RC_F_ACTION));
			json_object_object_add(j, "may_fault", json_object_new_boolean(o->flags & RC_F_FAULTS));
			json_object_object_add(j, "reserved", json_object_new_boolean(o->flags & RC_F_RESERVED));
			json_object_object_add(j, "effect", json_object_new_string(o->picture));
			json_object_array_add(a, j);
		} else {
			printf("%-8s 0x%02x %-7s %d->%d  %s%s\n", o->name, o->code,
			       operand_names[o->operand], o->pops, o->pushes,
			       o->picture, o->flags & RC_F_RESERVED ? " [reserved]" : "");
		}
	}
	if (json_output)
		out_json(a);
	return EXIT_OK;
}

static int help_faults(void)
{
	struct json_object *a = json_output ? json_object_new_array() : NULL;

	for (int f = 0; f < RC_FAULT__COUNT; f++) {
		if (json_output) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "code", json_object_new_int(f));
			json_object_object_add(j, "name", json_object_new_string(rc_fault_name(f)));
			json_object_object_add(j, "text", json_object_new_string(rc_fault_text(f)));
			json_object_array_add(a, j);
		} else {
			printf("%2d  %-14s %s\n", f, rc_fault_name(f), rc_fault_text(f));
		}
	}
	if (json_output)
		out_json(a);
	return EXIT_OK;
}

static int do_help(void *o, int argc, char **argv)
{
	const struct cmd_def *c;

	(void)o;
	if (!argc) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[0], "opcodes"))
		return help_opcodes();
	if (!strcmp(argv[0], "faults"))
		return help_faults();
	c = find_command(argv[0]);
	if (!c)
		return fail(EXIT_USAGE, "help: no topic or command '%s' (try: "
			    "opcodes, faults, or a command)", argv[0]);
	opts_print_help(c, stdout);
	return EXIT_OK;
}

static const struct opt_def help_optdefs[] = { END_OPTS };

const struct cmd_def cmd_help = {
	.name = "help",
	.args = "[opcodes|faults|COMMAND]",
	.min_args = 0, .max_args = 1,
	.summary = "Show help, the instruction set (opcodes) or the fault codes.",
	.description = "",
	.opts = help_optdefs,
	.opts_size = 1,
	.run = do_help,
};

/*
 * -n NAME: enter the network namespace NAME as `ip -n` does, and nothing
 * else: the mount namespace stays the caller's, so /sys/fs/bpf is still
 * the bpffs that outlives this process and holds the pins.
 */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return fail(EXIT_USAGE, "--netns: '%s' is not a namespace name "
			    "(one of 'ip netns list')", name);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno == ENOENT ? EXIT_USAGE : EXIT_SYSTEM,
			    "--netns: %s: %s", path, strerror(errno));
	if (setns(fd, CLONE_NEWNET)) {
		int err = errno;

		close(fd);
		return fail(EXIT_SYSTEM, "--netns: entering %s: %s%s", path,
			    strerror(err), err == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	}
	close(fd);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct cmd_def *cmd;
	void *opts;
	int i = 1, st, first;
	bool version = false, help = false;
	const char *bad = NULL, *netns = NULL;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json_output = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			json_output = json_pretty = true;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--netns") ||
			   !strncmp(a, "--netns=", 8)) {
			const char *name = !strncmp(a, "--netns=", 8) ? a + 8 : NULL;

			if (!name && (name = i + 1 < argc ? argv[++i] : NULL) == NULL)
				return usage_fail(NULL, "%s needs a namespace name", a);
			netns = name;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			version = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help = true;
		} else {
			bad = a;
		}
	}
	/* Every global option is read before any is acted on, so that
	 * '-V -j' answers in JSON as '-j -V' does. */
	if (bad)
		return usage_fail(NULL, "unknown option '%s'", bad);
	if (version) {
		print_version();
		return EXIT_OK;
	}
	if (help) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (netns) {
		st = enter_netns(netns);
		if (st)
			return st;
	}
	if (i == argc) {
		if (json_output)
			return usage_fail(NULL, "no command given");
		print_usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[i]);
	if (!cmd)
		return usage_fail(NULL, "'%s' is not a command (or is ambiguous)",
				  argv[i]);
	opts = calloc(1, cmd->opts_size);
	if (!opts)
		return fail(EXIT_SYSTEM, "out of memory");
	first = opts_parse(cmd, opts, argc - i, argv + i);
	if (first < 0) {
		free(opts);
		return first == -2 ? EXIT_OK : EXIT_USAGE;
	}
	st = cmd->run(opts, argc - i - first, argv + i + first);
	free(opts);
	return st;
}
