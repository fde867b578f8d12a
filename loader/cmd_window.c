// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_window.c - rloader window: a handler's window as the application
 * that installed it sees it, through mmap (rcode_window_mmap), once or
 * while it changes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rloader.h"

/* ==== window ============================================================= */
struct window_opts {
	uint64_t portal;
	uint64_t interval_ms;
	uint64_t count;
	const char *until;
};

static const struct window_opts window_defaults = { .portal = UINT64_MAX };

static const struct opt_def window_optdefs[] = {
	DEFINE_OPT(window_opts, portal, "portal", 0, OPT_U64, "N",
		   "the handler on portal N (default: the one that has the window)"),
	DEFINE_OPT(window_opts, interval_ms, "interval", 'i', OPT_U64, "MS",
		   "keep reading every MS milliseconds; print when a word changes"),
	DEFINE_OPT(window_opts, count, "count", 'c', OPT_U64, "N",
		   "with --interval: stop after N reads (default: no limit)"),
	DEFINE_OPT(window_opts, until, "until", 'u', OPT_STRING, "WORD=VALUE",
		   "with --interval: stop once WORD (K or NAME+K) equals VALUE; "
		   "exit status 1 if --count ran out first"),
	END_OPTS
};

/* The portal whose pin directory has win-NAME; -ENOENT, or -EEXIST when
 * several do. */
static int find_window(const char *ifname, const char *name, unsigned int *portal)
{
	unsigned int portals[RC_ABI_PORTALS];
	int n = portals_list(ifname, portals), found = 0;

	for (int i = 0; i < n; i++) {
		char dir[PATH_MAX], path[PATH_MAX + 64];

		if (portal_dir(ifname, portals[i], dir, sizeof(dir)))
			continue;
		snprintf(path, sizeof(path), "%s/win-%s", dir, name);
		if (!access(path, F_OK)) {
			if (found++)
				return -EEXIST;
			*portal = portals[i];
		}
	}
	return found ? 0 : -ENOENT;
}

/* "K", "NAME", "NAME+K" -> word index. */
static bool parse_word_ref(const char *s, size_t n, const char *wname,
			   uint32_t words, uint32_t *k)
{
	char buf[RC_NAME_MAX + 24];
	uint64_t v = 0;
	char *plus;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_u64(buf, &v))
		goto check;
	plus = strchr(buf, '+');
	if (plus)
		*plus = '\0';
	if (strcmp(buf, wname) || (plus && !parse_u64(plus + 1, &v)))
		return false;
check:
	*k = v;
	return v < words;
}

static void window_line(const char *name, const uint64_t *w, uint32_t n,
			double t)
{
	printf("%+9.3fs ", t);
	for (uint32_t i = 0; i < n && i < 8; i++)
		printf(" %s+%u=%" PRIu64, name, i, w[i]);
	if (n > 8)
		printf(" ...(%u words)", n);
	putchar('\n');
}

static struct json_object *words_array(const uint64_t *w, uint32_t n)
{
	struct json_object *a = json_object_new_array();

	for (uint32_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_uint64(w[i]));
	return a;
}

static int do_window(void *o_, int argc, char **argv)
{
	struct window_opts *o = o_;
	const char *ifname, *name;
	const volatile uint64_t *live;
	struct json_object *jsamples = NULL;
	uint64_t *now = NULL, *shown = NULL, until_v = 0, t0;
	uint32_t nwords, until_k = 0;
	char dir[PATH_MAX], handler[RC_NAME_MAX] = "";
	struct portal_info pi;
	unsigned int portal;
	bool reached = false, printed_last = false;
	__u64 *map;
	uint64_t reads = 0;
	int err, st = EXIT_OK;

	/* 'window dump IFNAME NAME' as the issue spells it; 'dump' may be
	 * left out. */
	if (argc == 3 && strcmp(argv[0], "dump"))
		return fail(EXIT_USAGE, "window: expected 'window [dump] IFNAME NAME'");
	ifname = argv[argc - 2];
	name = argv[argc - 1];
	if ((o->count || o->until) && !o->interval_ms)
		return fail(EXIT_USAGE, "window: --count and --until need --interval");
	if (online_init("window"))
		return EXIT_SYSTEM;
	if (o->portal != UINT64_MAX) {
		if (!parse_portal(o->portal, "window", &portal, &st))
			return st;
	} else {
		err = find_window(ifname, name, &portal);
		if (err)
			return fail(EXIT_SYSTEM, "window: %s", err == -EEXIST ?
				    "several handlers have a window of that name; "
				    "pick one with --portal" :
				    "no handler on this interface has a window of "
				    "that name");
	}
	/* Read-only is all an observer needs, and all it should be able
	 * to do. */
	map = rcode_window_mmap(ifname, portal, name, false, &nwords);
	err = map ? 0 : -errno;
	live = (const volatile uint64_t *)map;
	if (err)
		return fail(EXIT_SYSTEM, "window: %s portal %u window %s: %s",
			    ifname, portal, name, err == -ENOENT ? "not found" :
			    err == -EINVAL ? "not an mmapable window map" :
			    strerror(-err));
	if (!portal_info_get(ifname, portal, &pi)) {
		snprintf(handler, sizeof(handler), "%s", pi.name);
		portal_info_free(&pi);
	}
	portal_dir(ifname, portal, dir, sizeof(dir));
	if (o->until) {
		const char *eq = strchr(o->until, '=');

		if (!eq || !parse_word_ref(o->until, eq - o->until, name, nwords,
					   &until_k) ||
		    !parse_u64(eq + 1, &until_v)) {
			rcode_window_munmap(map, nwords);
			return fail(EXIT_USAGE, "window: --until %s: expected K=VALUE "
				    "or %s+K=VALUE with K below %u", o->until,
				    name, nwords);
		}
	}
	now = calloc(nwords, sizeof(*now));
	shown = calloc(nwords, sizeof(*shown));
	if (!now || !shown) {
		st = fail(EXIT_SYSTEM, "out of memory");
		goto out;
	}
	if (json_output && o->interval_ms)
		jsamples = json_object_new_array();
	if (!json_output)
		printf("%s portal %u, handler %s, window %s: %u word%s, read "
		       "through mmap of %s/win-%s\n", ifname, portal,
		       handler[0] ? handler : "?", name, nwords,
		       nwords == 1 ? "" : "s", dir, name);
	t0 = mono_ns();
	for (;;) {
		bool changed;
		double t;

		/* Plain loads from the shared mapping: what an application
		 * that mapped the window sees, no system call involved. */
		for (uint32_t i = 0; i < nwords; i++)
			now[i] = live[i];
		reads++;
		t = (mono_ns() - t0) / 1e9;
		changed = reads == 1 || memcmp(now, shown, nwords * sizeof(*now));
		reached = o->until && now[until_k] == until_v;
		if (!o->interval_ms)
			break;
		if (changed) {
			memcpy(shown, now, nwords * sizeof(*now));
			if (jsamples) {
				struct json_object *s = json_object_new_object();

				json_object_object_add(s, "t_ms", json_object_new_int64(t * 1000));
				json_object_object_add(s, "values", words_array(now, nwords));
				json_object_array_add(jsamples, s);
			} else {
				window_line(name, now, nwords, t);
			}
		}
		printed_last = changed;
		if (reached || (o->count && reads >= o->count))
			break;
		usleep(o->interval_ms * 1000);
	}
	if (json_output) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "interface", json_object_new_string(ifname));
		json_object_object_add(j, "portal", json_object_new_int(portal));
		json_object_object_add(j, "handler", handler[0] ?
				       json_object_new_string(handler) : NULL);
		json_object_object_add(j, "window", json_object_new_string(name));
		json_object_object_add(j, "words", json_object_new_int(nwords));
		json_object_object_add(j, "values", words_array(now, nwords));
		if (jsamples) {
			json_object_object_add(j, "reads", json_object_new_int64(reads));
			json_object_object_add(j, "samples", jsamples);
			jsamples = NULL;
		}
		if (o->until)
			json_object_object_add(j, "reached", json_object_new_boolean(reached));
		out_json(j);
	} else if (!o->interval_ms) {
		for (uint32_t i = 0; i < nwords; i++)
			printf("  %s+%-6u %20" PRIu64 "  0x%016" PRIx64 "\n", name, i,
			       now[i], now[i]);
	} else if (!printed_last) {
		window_line(name, now, nwords, (mono_ns() - t0) / 1e9);
	}
	if (o->until && !reached) {
		if (!json_output)
			fprintf(stderr, "rloader: window: %s+%u is %" PRIu64 ", not %"
				PRIu64 ", after %" PRIu64 " reads\n", name, until_k,
				now[until_k], until_v, reads);
		st = EXIT_REJECTED;
	}
out:
	json_object_put(jsamples);
	free(now);
	free(shown);
	rcode_window_munmap(map, nwords);
	return st;
}

const struct cmd_def cmd_window = {
	.name = "window",
	.args = "[dump] IFNAME NAME",
	.min_args = 2, .max_args = 3,
	.summary = "Print a handler's window as applications see it: through mmap.",
	.description =
	"Maps the pinned window (a BPF_F_MMAPABLE array) read-only into this\n"
	"process and reads its words with plain loads, as an application that\n"
	"installed the handler does: no system call per read.  With --interval\n"
	"it keeps reading the same mapping and prints a line whenever a word\n"
	"changes, until --count reads or until --until's word has its value.\n"
	"\nExamples:\n"
	"  rloader window dump eth0 hits\n"
	"  rloader window dump eth0 hits --interval 100 --until hits+0=1000 --count 50\n",
	.opts = window_optdefs,
	.opts_size = sizeof(struct window_opts),
	.defaults = &window_defaults,
	.run = do_window,
};
