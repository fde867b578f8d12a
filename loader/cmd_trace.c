// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_trace.c - what the tracing in-kernel interpreter recorded for a
 * handler attached with --path interp --trace: the summary (also shown by
 * 'stats'), the time histogram, and the handler's R-code annotated with
 * how often each instruction ran, as 'perf annotate' shows a function.
 *
 * Everything comes from the portal's pins (rc_abi.h): trace (struct
 * rc_trace: per-uop run counts and the totals), code (struct rc_icode: the
 * uops, which say which R-code pcs each one stands for) and rcode (the
 * handler's .rbin).  rc_icode_pc_counts() turns uop runs into executed
 * instructions per R-code pc.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "rloader.h"

/* ---- the summary ------------------------------------------------------------ */
static double per_run(uint64_t v, uint64_t runs)
{
	return runs ? (double)v / runs : 0.0;
}

/* Windows to show: the handler's, else every one that was touched. */
static uint32_t trace_windows(const struct rc_prog *p, const struct rc_trace *t)
{
	uint32_t n = 0;

	if (p)
		return p->nwindows;
	for (uint32_t k = 0; k < 8; k++)
		if (t->win_reads[k] || t->win_writes[k])
			n = k + 1;
	return n;
}

void trace_summary_print(const struct rc_prog *p, const struct rc_trace *t)
{
	uint32_t nw = trace_windows(p, t);

	printf("  %-14s %" PRIu64 "\n", "runs", (uint64_t)t->runs);
	printf("  %-14s %" PRIu64 " (%.2f per run, most %" PRIu64 " in one run)\n",
	       "instructions", (uint64_t)t->insns, per_run(t->insns, t->runs),
	       (uint64_t)t->insns_max);
	printf("  %-14s mean %.0f ns, max %" PRIu64 " ns per run (%" PRIu64
	       " ns in all)\n", "time", per_run(t->ns_total, t->runs),
	       (uint64_t)t->ns_max, (uint64_t)t->ns_total);
	printf("  %-14s %" PRIu64 " values at most on the operand stack\n",
	       "stack", (uint64_t)t->stack_max);
	printf("  %-14s %" PRIu64 " reads, %" PRIu64 " writes\n", "data area",
	       (uint64_t)t->state_reads, (uint64_t)t->state_writes);
	for (uint32_t k = 0; k < nw; k++) {
		char label[RC_NAME_MAX + 16];

		if (p)
			snprintf(label, sizeof(label), "window %s", p->windows[k].name);
		else
			snprintf(label, sizeof(label), "window %u", k);
		printf("  %-14s %" PRIu64 " reads, %" PRIu64 " writes\n", label,
		       (uint64_t)t->win_reads[k], (uint64_t)t->win_writes[k]);
	}
	printf("  %-14s %" PRIu64 " reads, %" PRIu64 " writes (payload and "
	       "header)\n", "message", (uint64_t)t->msg_reads,
	       (uint64_t)t->msg_writes);
}

static struct json_object *rw_json(uint64_t r, uint64_t w)
{
	struct json_object *j = json_object_new_object();

	json_object_object_add(j, "reads", json_object_new_uint64(r));
	json_object_object_add(j, "writes", json_object_new_uint64(w));
	return j;
}

struct json_object *trace_summary_json(const struct rc_prog *p,
				       const struct rc_trace *t)
{
	struct json_object *j = json_object_new_object();
	struct json_object *jw = json_object_new_array();
	uint32_t nw = trace_windows(p, t);

	json_object_object_add(j, "runs", json_object_new_uint64(t->runs));
	json_object_object_add(j, "insns", json_object_new_uint64(t->insns));
	json_object_object_add(j, "insns_per_run",
			       json_object_new_double(per_run(t->insns, t->runs)));
	json_object_object_add(j, "insns_max", json_object_new_uint64(t->insns_max));
	json_object_object_add(j, "ns_total", json_object_new_uint64(t->ns_total));
	json_object_object_add(j, "ns_mean",
			       json_object_new_double(per_run(t->ns_total, t->runs)));
	json_object_object_add(j, "ns_max", json_object_new_uint64(t->ns_max));
	json_object_object_add(j, "stack_max", json_object_new_uint64(t->stack_max));
	json_object_object_add(j, "state", rw_json(t->state_reads, t->state_writes));
	for (uint32_t k = 0; k < nw; k++) {
		struct json_object *w = rw_json(t->win_reads[k], t->win_writes[k]);

		json_object_object_add(w, "window", json_object_new_int(k));
		json_object_object_add(w, "name", p ?
				       json_object_new_string(p->windows[k].name) : NULL);
		json_object_array_add(jw, w);
	}
	json_object_object_add(j, "windows", jw);
	json_object_object_add(j, "message", rw_json(t->msg_reads, t->msg_writes));
	return j;
}

/* ---- the histogram ----------------------------------------------------------- */
static uint64_t bucket_lo(int i)
{
	return i ? (uint64_t)1 << i : 0;
}

static void histogram_print(const struct rc_trace *t)
{
	int first = -1, last = -1;
	uint64_t most = 0;

	for (int i = 0; i < RC_TRACE_HIST; i++)
		if (t->hist[i]) {
			if (first < 0)
				first = i;
			last = i;
			if (t->hist[i] > most)
				most = t->hist[i];
		}
	printf("\ntime per run (log2 buckets)\n");
	if (first < 0) {
		printf("  (no runs)\n");
		return;
	}
	for (int i = first; i <= last; i++) {
		char range[48];
		int bar = (int)((t->hist[i] * 40 + most - 1) / most);

		snprintf(range, sizeof(range), "[%" PRIu64 ", %" PRIu64 ") ns",
			 bucket_lo(i), (uint64_t)1 << (i + 1));
		printf("  %-24s %12" PRIu64 "  %.*s\n", range, (uint64_t)t->hist[i],
		       bar, "########################################");
	}
}

static struct json_object *histogram_json(const struct rc_trace *t)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < RC_TRACE_HIST; i++) {
		struct json_object *b = json_object_new_object();

		json_object_object_add(b, "lo_ns", json_object_new_uint64(bucket_lo(i)));
		json_object_object_add(b, "hi_ns", json_object_new_uint64((uint64_t)1 << (i + 1)));
		json_object_object_add(b, "runs", json_object_new_uint64(t->hist[i]));
		json_object_array_add(a, b);
	}
	return a;
}

/* ---- the annotated R-code ------------------------------------------------------ */
/* Jump targets, to print "L<pc>:" where rc_insn_format names them. */
static void find_labels(const struct rc_prog *p, bool *labels)
{
	for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc])) {
		const struct rc_insn *in = &p->insns[pc];
		const struct rc_opinfo *oi = rc_opinfo(in->op);
		int64_t target = (int64_t)pc + 1 + in->imm;

		/* As the disassembler decides (rc_disasm.c). */
		if (oi && oi->operand == RC_OPND_LABEL && !in->rsvd && !in->a &&
		    target >= 0 && target <= p->ninsns)
			labels[target] = true;
	}
}

static void annotate(const struct rc_prog *p, const uint64_t *counts,
		     uint64_t total, struct json_object *ja)
{
	bool *labels = calloc(RC_CODE_MAX + 1, sizeof(*labels));

	if (!labels)
		return;
	find_labels(p, labels);
	if (!ja)
		printf("\n%s, instructions executed per R-code instruction\n"
		       "  %12s %7s %5s  %s\n", p->name, "count", "share", "pc",
		       "instruction");
	for (uint32_t pc = 0; pc < p->ninsns; pc += rc_insn_slots(&p->insns[pc])) {
		char insn[96], where[320] = "";

		rc_insn_format(p, pc, insn, sizeof(insn));
		if (p->loc && p->loc[pc].line)
			snprintf(where, sizeof(where), "%s:%u:%u", p->origin,
				 p->loc[pc].line, p->loc[pc].col);
		if (ja) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "pc", json_object_new_int(pc));
			json_object_object_add(j, "count", json_object_new_uint64(counts[pc]));
			json_object_object_add(j, "insn", json_object_new_string(insn));
			json_object_object_add(j, "label", labels[pc] ?
					       json_object_new_boolean(true) : NULL);
			json_object_object_add(j, "where", where[0] ?
					       json_object_new_string(where) : NULL);
			json_object_array_add(ja, j);
			continue;
		}
		if (labels[pc])
			printf("  %12s %7s %5s  L%u:\n", "", "", "", pc);
		printf("  %12" PRIu64 " %6.2f%% %5u      %s%s%s\n", counts[pc],
		       total ? 100.0 * counts[pc] / total : 0.0, pc, insn,
		       where[0] ? "    ; " : "", where);
	}
	if (!ja && labels[p->ninsns])
		printf("  %12s %7s %5s  L%u:\n", "", "", "", p->ninsns);
	free(labels);
}

/* ---- the verb ---------------------------------------------------------------- */
struct trace_opts {
	bool reset;
};

static const struct opt_def trace_optdefs[] = {
	DEFINE_OPT(trace_opts, reset, "reset", 0, OPT_BOOL, "",
		   "after printing, zero the trace (counting starts again)"),
	END_OPTS
};

static int do_trace(void *o_, int argc, char **argv)
{
	struct trace_opts *o = o_;
	const char *ifname = argv[0];
	struct rc_trace *t = NULL;
	struct rc_icode *ic = NULL;
	uint64_t *counts = NULL, v;
	struct portal_info pi = { 0 };
	char dir[PATH_MAX];
	unsigned int portal;
	int err, st = EXIT_OK;

	(void)argc;
	if (!parse_u64(argv[1], &v) || v >= RC_ABI_PORTALS)
		return fail(EXIT_USAGE, "trace: PORTAL must be 0..%d, not '%s'",
			    RC_ABI_PORTALS - 1, argv[1]);
	portal = v;
	st = online_init("trace");
	if (st)
		return st;
	err = portal_dir(ifname, portal, dir, sizeof(dir));
	if (err)
		return fail(EXIT_USAGE, "trace: %s: %s", ifname, strerror(-err));
	err = portal_info_get(ifname, portal, &pi);
	if (err)
		return fail(EXIT_SYSTEM, "trace: %s has no handler on portal %u",
			    ifname, portal);
	if (!pi.traced) {
		st = fail(EXIT_SYSTEM, "trace: the handler %s on %s portal %u is "
			  "not traced: it runs %s; attach it with --path interp "
			  "--trace (add --replace) to trace it",
			  pi.name[0] ? pi.name : "?", ifname, portal,
			  pi.interp ? "on the in-kernel interpreter without tracing" :
			  "translated to eBPF (--path xlate), which keeps no trace");
		goto out;
	}
	t = malloc(sizeof(*t));
	ic = malloc(sizeof(*ic));
	counts = calloc(RC_CODE_MAX, sizeof(*counts));
	if (!t || !ic || !counts) {
		st = fail(EXIT_SYSTEM, "out of memory");
		goto out;
	}
	err = pinned_trace_read(dir, t);
	if (err) {
		st = fail(EXIT_SYSTEM, "trace: %s/%s: %s", dir, PIN_TRACE,
			  err == -EINVAL ? "not a trace map" : strerror(-err));
		goto out;
	}
	err = pi.prog ? pinned_icode_read(dir, ic) : -ENOENT;
	if (err) {
		st = fail(EXIT_SYSTEM, "trace: %s: cannot read the handler's %s: %s",
			  dir, pi.prog ? PIN_CODE : RCODE_PIN_NAME,
			  err == -EINVAL ? "not what rcode pins there" : strerror(-err));
		goto out;
	}
	rc_icode_pc_counts(pi.prog, ic, (const uint64_t *)t->uop_runs, counts);
	if (o->reset) {
		err = pinned_trace_reset(dir);
		if (err) {
			st = fail(EXIT_SYSTEM, "trace: zeroing %s/%s: %s", dir,
				  PIN_TRACE, strerror(-err));
			goto out;
		}
	}
	if (json_output) {
		struct json_object *j = json_object_new_object();
		struct json_object *ja = json_object_new_array();

		json_object_object_add(j, "interface", json_object_new_string(ifname));
		json_object_object_add(j, "portal", json_object_new_int(portal));
		json_object_object_add(j, "handler", json_object_new_string(pi.prog->name));
		json_object_object_add(j, "path", json_object_new_string(portal_path_name(&pi)));
		json_object_object_add(j, "prog_id", json_object_new_int64(pi.prog_id));
		json_object_object_add(j, "uops", json_object_new_int64(ic->nuops));
		json_object_object_add(j, "summary", trace_summary_json(pi.prog, t));
		json_object_object_add(j, "histogram", histogram_json(t));
		annotate(pi.prog, counts, t->insns, ja);
		json_object_object_add(j, "annotate", ja);
		json_object_object_add(j, "reset", json_object_new_boolean(o->reset));
		out_json(j);
	} else {
		printf("%s portal %u: handler %s on the in-kernel interpreter, "
		       "traced (prog id %u, %u uops)\n", ifname, portal,
		       pi.prog->name, pi.prog_id, ic->nuops);
		trace_summary_print(pi.prog, t);
		histogram_print(t);
		annotate(pi.prog, counts, t->insns, NULL);
		if (o->reset)
			printf("\n(the trace is zeroed: counting starts again)\n");
	}
out:
	portal_info_free(&pi);
	free(counts);
	free(ic);
	free(t);
	return st;
}

const struct cmd_def cmd_trace = {
	.name = "trace",
	.args = "IFNAME PORTAL",
	.min_args = 2, .max_args = 2,
	.summary = "Show what the tracing interpreter recorded for a handler (--trace).",
	.description =
	"For a handler attached with --path interp --trace: its runs, the R-code\n"
	"instructions they executed (per run and at most), the time per run\n"
	"(mean, max, and a histogram in log2 buckets), the operand stack's\n"
	"high-water mark, the reads and writes of the data area, each window\n"
	"and the message; then the handler's R-code with the number of times\n"
	"each instruction ran beside it, as 'perf annotate' shows a function.\n"
	"--reset zeroes the trace after printing it.  Exit status 3 if the\n"
	"portal has no handler or its handler is not traced.\n"
	"\nExamples:\n"
	"  rloader attach eth0 examples/echo.r --path interp --trace\n"
	"  rloader trace eth0 2\n"
	"  rloader -p trace eth0 2 --reset\n",
	.opts = trace_optdefs,
	.opts_size = sizeof(struct trace_opts),
	.run = do_trace,
};
