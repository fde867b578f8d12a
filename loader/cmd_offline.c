// SPDX-License-Identifier: BSD-2-Clause
/*
 * cmd_offline.c - the verbs that need no kernel: assemble, disassemble,
 * verify and run (on the reference interpreter; run --path xlate, which
 * does need the kernel, is in run_xlate.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rloader.h"

/* Load and verify, printing diagnostics; returns an exit status. */
int load_or_report(const char *path, bool verify, struct rc_prog **prog,
			  struct rc_verinfo *info, struct json_object **diags)
{
	struct rc_diags d;
	int err;

	rc_diags_init(&d);
	err = handler_load(path, verify, prog, info, &d);
	if (diags)
		*diags = diags_json(&d);
	else if (!json_output)
		rc_diags_print(&d, stderr);
	rc_diags_free(&d);
	if (err == -EINVAL)
		return EXIT_REJECTED;
	if (err) {
		if (diags) {
			json_object_put(*diags);
			*diags = NULL;
		}
		return fail(EXIT_SYSTEM, "%s: %s", path, strerror(-err));
	}
	return EXIT_OK;
}

/* In JSON mode a rejection is reported as {"file", "ok", "diagnostics"}. */
int report_rejection(const char *path, struct json_object *diags)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "file", json_object_new_string(path));
	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "diagnostics", diags);
	out_json(o);
	return EXIT_REJECTED;
}

/* ---- assemble ------------------------------------------------------------ */
struct assemble_opts {
	const char *output;
	bool no_verify;
};

static const struct opt_def assemble_optdefs[] = {
	DEFINE_OPT(assemble_opts, output, "output", 'o', OPT_STRING, "FILE",
		   "write the binary here (default: FILE.r with .rbin; '-' is stdout)"),
	DEFINE_OPT(assemble_opts, no_verify, "no-verify", 0, OPT_BOOL, "",
		   "write the binary even if the verifier rejects the handler"),
	END_OPTS
};

static char *default_output(const char *in, const char *from, const char *to)
{
	size_t n = strlen(in), fl = strlen(from);
	char *out = malloc(n + strlen(to) + 1);

	if (!out)
		return NULL;
	strcpy(out, in);
	if (n > fl && !strcmp(in + n - fl, from))
		out[n - fl] = '\0';
	strcat(out, to);
	return out;
}

static int do_assemble(void *o_, int argc, char **argv)
{
	struct assemble_opts *o = o_;
	struct json_object *diags = NULL;
	struct rc_prog *prog = NULL;
	uint8_t *bin = NULL;
	char *out = NULL;
	size_t len;
	int st, err;

	(void)argc;
	st = load_or_report(argv[0], !o->no_verify, &prog, NULL,
			    json_output ? &diags : NULL);
	if (st == EXIT_REJECTED && json_output)
		return report_rejection(argv[0], diags);
	if (st)
		return st;
	out = o->output ? strdup(o->output) :
	      default_output(argv[0], handler_is_c(argv[0]) ? ".c" : ".r", ".rbin");
	err = rc_bin_encode(prog, &bin, &len);
	if (!err)
		err = write_file(out, bin, len);
	if (err) {
		st = fail(EXIT_SYSTEM, "%s: %s", out, strerror(-err));
	} else if (json_output) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "file", json_object_new_string(argv[0]));
		json_object_object_add(j, "ok", json_object_new_boolean(true));
		json_object_object_add(j, "output", json_object_new_string(out));
		json_object_object_add(j, "bytes", json_object_new_int64(len));
		json_object_object_add(j, "insns", json_object_new_int(prog->ninsns));
		json_object_object_add(j, "diagnostics", diags);
		diags = NULL;
		out_json(j);
	} else if (strcmp(out, "-")) {
		printf("%s: %u instruction slots, %zu bytes\n", out,
		       prog->ninsns, len);
	}
	json_object_put(diags);
	free(bin);
	free(out);
	rc_prog_free(prog);
	return st;
}

const struct cmd_def cmd_assemble = {
	.name = "assemble",
	.args = "FILE.r",
	.min_args = 1, .max_args = 1,
	.summary = "Assemble and verify a handler into its binary form (.rbin).",
	.description =
	"The handler is verified first; a rejected handler writes nothing and\n"
	"exits with status 1 (see 'rloader verify').  The binary is canonical:\n"
	"'rloader disassemble' of it reassembles to the identical file.\n"
	"\nExamples:\n"
	"  rloader assemble examples/gsum.r              # writes examples/gsum.rbin\n"
	"  rloader assemble examples/gsum.r -o - | xxd\n",
	.opts = assemble_optdefs,
	.opts_size = sizeof(struct assemble_opts),
	.run = do_assemble,
};

/* ---- disassemble --------------------------------------------------------- */
struct disassemble_opts {
	const char *output;
	bool pc, hex;
};

static const struct opt_def disassemble_optdefs[] = {
	DEFINE_OPT(disassemble_opts, output, "output", 'o', OPT_STRING, "FILE",
		   "write the text here instead of stdout"),
	DEFINE_OPT(disassemble_opts, pc, "pc", 0, OPT_BOOL, "",
		   "show each instruction's pc in a comment"),
	DEFINE_OPT(disassemble_opts, hex, "hex", 0, OPT_BOOL, "",
		   "show each instruction's encoding in a comment"),
	END_OPTS
};

static int do_disassemble(void *o_, int argc, char **argv)
{
	struct disassemble_opts *o = o_;
	struct rc_disasm_opts dopts = { .sz = sizeof(dopts), .show_pc = o->pc,
					.show_hex = o->hex };
	struct json_object *diags = NULL;
	struct rc_prog *prog = NULL;
	char *text = NULL;
	int st, err;

	(void)argc;
	/* Disassembly is for looking at anything, verified or not. */
	st = load_or_report(argv[0], false, &prog, NULL,
			    json_output ? &diags : NULL);
	if (st == EXIT_REJECTED && json_output)
		return report_rejection(argv[0], diags);
	json_object_put(diags);
	if (st)
		return st;
	err = rc_disasm(prog, &dopts, &text);
	if (err) {
		st = fail(EXIT_SYSTEM, "disassemble: %s", strerror(-err));
	} else if (json_output) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "file", json_object_new_string(argv[0]));
		json_object_object_add(j, "text", json_object_new_string(text));
		if (o->output)
			err = write_file(o->output, text, strlen(text));
		out_json(j);
	} else if (o->output) {
		err = write_file(o->output, text, strlen(text));
	} else {
		fputs(text, stdout);
	}
	if (err && !st)
		st = fail(EXIT_SYSTEM, "%s: %s", o->output, strerror(-err));
	free(text);
	rc_prog_free(prog);
	return st;
}

const struct cmd_def cmd_disassemble = {
	.name = "disassemble",
	.args = "FILE",
	.min_args = 1, .max_args = 1,
	.summary = "Print a handler binary (or text) as reassemblable R-code.",
	.description =
	"Jump targets get labels L<pc>; data-area words and windows are shown\n"
	"by name.  The output assembles back to the identical binary.\n"
	"\nExample:\n"
	"  rloader disassemble --pc --hex examples/gsum.rbin\n",
	.opts = disassemble_optdefs,
	.opts_size = sizeof(struct disassemble_opts),
	.run = do_disassemble,
};

/* ---- verify -------------------------------------------------------------- */

/* "send at h.r:31:2", or "send at pc 31" for a binary: why a handler
 * needs TC (docs/rcode.md, section 5). */
void attach_reason(const struct rc_prog *prog, const struct rc_verinfo *vi,
		   char *buf, size_t size)
{
	const struct rc_opinfo *oi = rc_opinfo(prog->insns[vi->tc_pc].op);
	uint32_t pc = vi->tc_pc;

	if (prog->loc && prog->loc[pc].line)
		snprintf(buf, size, "%s at %s:%u:%u", oi ? oi->name : "?",
			 prog->origin, prog->loc[pc].line, prog->loc[pc].col);
	else
		snprintf(buf, size, "%s at pc %u", oi ? oi->name : "?", pc);
}

struct verify_opts {
	bool quiet;
};

static const struct opt_def verify_optdefs[] = {
	DEFINE_OPT(verify_opts, quiet, "quiet", 'q', OPT_BOOL, "",
		   "print only diagnostics, no summary line"),
	END_OPTS
};

static int do_verify(void *o_, int argc, char **argv)
{
	struct verify_opts *o = o_;
	struct json_object *all = json_output ? json_object_new_array() : NULL;
	int worst = EXIT_OK;

	for (int i = 0; i < argc; i++) {
		struct rc_verinfo *vi = calloc(1, sizeof(*vi));
		struct json_object *diags = NULL;
		struct rc_prog *prog = NULL;
		int st;

		if (!vi)
			return fail(EXIT_SYSTEM, "out of memory");
		if (json_output) {
			/* One document: a file that cannot be read is an entry
			 * with its error, not an {"error"} object of its own. */
			struct rc_diags d;
			int err;

			rc_diags_init(&d);
			err = handler_load(argv[i], true, &prog, vi, &d);
			diags = diags_json(&d);
			rc_diags_free(&d);
			st = !err ? EXIT_OK : err == -EINVAL ? EXIT_REJECTED : EXIT_SYSTEM;
			if (st == EXIT_SYSTEM) {
				struct json_object *j = json_object_new_object();

				json_object_object_add(j, "file", json_object_new_string(argv[i]));
				json_object_object_add(j, "ok", json_object_new_boolean(false));
				json_object_object_add(j, "error", json_object_new_string(strerror(-err)));
				json_object_object_add(j, "diagnostics", diags);
				json_object_array_add(all, j);
				diags = NULL;
			}
		} else {
			st = load_or_report(argv[i], true, &prog, vi, NULL);
		}
		if (st > worst)
			worst = st;
		if (json_output && (st == EXIT_OK || st == EXIT_REJECTED)) {
			struct json_object *j = json_object_new_object();

			json_object_object_add(j, "file", json_object_new_string(argv[i]));
			json_object_object_add(j, "ok", json_object_new_boolean(!st));
			if (prog) {
				json_object_object_add(j, "handler", json_object_new_string(prog->name));
				json_object_object_add(j, "portal", json_object_new_int(prog->portal));
				json_object_object_add(j, "insns", json_object_new_int(prog->ninsns));
				json_object_object_add(j, "max_stack", json_object_new_int(vi->max_depth));
				json_object_object_add(j, "budget", json_object_new_int(prog->budget));
				json_object_object_add(j, "loops", json_object_new_boolean(vi->has_loop));
			}
			if (prog && !st) {
				char why[300];

				attach_reason(prog, vi, why, sizeof(why));
				json_object_object_add(j, "attach", json_object_new_string(
					vi->needs_tc ? "tc" : "xdp"));
				json_object_object_add(j, "attach_reason", vi->needs_tc ?
					json_object_new_string(why) : NULL);
			}
			json_object_object_add(j, "diagnostics", diags);
			json_object_array_add(all, j);
		} else if (!st && !o->quiet) {
			char why[300] = "";

			if (vi->needs_tc)
				attach_reason(prog, vi, why, sizeof(why));
			printf("%s: ok: handler %s, portal %u, %u instruction slots, "
			       "max stack %u, budget %u%s, attach: %s%s%s\n", argv[i],
			       prog->name, prog->portal, prog->ninsns, vi->max_depth,
			       prog->budget, vi->has_loop ? ", has loops" : "",
			       vi->needs_tc ? "tc (" : "xdp", why,
			       vi->needs_tc ? ")" : "");
		}
		rc_prog_free(prog);
		free(vi);
	}
	if (json_output)
		out_json(all);
	return worst;
}

const struct cmd_def cmd_verify = {
	.name = "verify",
	.args = "FILE...",
	.min_args = 1, .max_args = -1,
	.summary = "Check handlers (text or binary) the way every loading verb does.",
	.description =
	"Errors read like a compiler's: FILE:LINE:COL: error: ..., the source\n"
	"line, a caret, and what the operand stack held there.  Exit status 1\n"
	"if any handler is rejected.  The rules are in docs/rcode.md, section 5.\n"
	"\nExamples:\n"
	"  rloader verify examples/*.r\n"
	"  rloader -p verify broken.r        # the diagnostics as JSON\n",
	.opts = verify_optdefs,
	.opts_size = sizeof(struct verify_opts),
	.run = do_verify,
};

/* ---- run ----------------------------------------------------------------- */
static const char *const run_paths[] = { "ref", "xlate", "interp", NULL };
enum { RUN_REF, RUN_XLATE, RUN_INTERP };

struct run_opts {
	const char *msg;
	const char *payload;
	uint64_t src, dst, portal, tag, seq;
	struct opt_list state, window;
	uint64_t clock;
	uint64_t repeat;
	int path;
	uint64_t ipv;
	const char *ranks;
};

static const struct opt_def run_optdefs[] = {
	DEFINE_OPT(run_opts, msg, "msg", 'm', OPT_STRING, "FILE",
		   "the message as it travels: R-message header + payload (docs/wire.md)"),
	DEFINE_OPT(run_opts, payload, "payload", 'P', OPT_STRING, "SPEC",
		   "build the payload: hex:0a0b.., u64:1,2, u32:.., u16:.., u8:.., str:TEXT, zero:N"),
	DEFINE_OPT(run_opts, src, "src", 0, OPT_U64, "RANK", "sender's rank (default 0)"),
	DEFINE_OPT(run_opts, dst, "dst", 0, OPT_U64, "RANK", "receiver's rank (default 0)"),
	DEFINE_OPT(run_opts, portal, "portal", 0, OPT_U64, "N",
		   "portal (default: the handler's)"),
	DEFINE_OPT(run_opts, tag, "tag", 0, OPT_U64, "N", "tag (default 0)"),
	DEFINE_OPT(run_opts, seq, "seq", 0, OPT_U64, "N", "sequence number (default 0)"),
	DEFINE_OPT(run_opts, state, "state", 's', OPT_MULTI, "NAME[+K]=V[,V..]",
		   "initial data-area words"),
	DEFINE_OPT(run_opts, window, "window", 'w', OPT_MULTI, "NAME[+K]=V[,V..]",
		   "initial window words"),
	DEFINE_OPT(run_opts, clock, "clock", 0, OPT_U64, "NS",
		   "value 'clock' pushes (default: CLOCK_MONOTONIC now)"),
	DEFINE_OPT(run_opts, repeat, "repeat", 'n', OPT_U64, "N",
		   "deliver the same message N times; data area and windows carry over"),
	DEFINE_ENUM_OPT(run_opts, path, "path", 0, run_paths, "PATH",
			"ref: the reference interpreter; xlate: the translated eBPF, "
			"interp: the in-kernel interpreter, each under "
			"BPF_PROG_TEST_RUN beside the reference (needs root)"),
	DEFINE_OPT(run_opts, ipv, "ipv", 0, OPT_U64, "4|6",
		   "xlate, interp: carry the message over IPv4 (default) or IPv6"),
	DEFINE_OPT(run_opts, ranks, "ranks", 'R', OPT_STRING, "N[,self=S]",
		   "a rank table of N ranks (xlate, interp: N <= 1024), this "
		   "node S (default 0), for forward and send; without it every "
		   "forward and send faults"),
	END_OPTS
};

static const struct run_opts run_defaults = { .portal = UINT64_MAX,
					      .clock = UINT64_MAX, .repeat = 1,
					      .ipv = 4 };

struct json_object *msg_json(const struct rc_msg *m)
{
	struct json_object *o = json_object_new_object();
	char hex[2 * RC_PAYLOAD_MAX + 1];

	for (unsigned int i = 0; i < m->hdr.len; i++)
		sprintf(hex + 2 * i, "%02x", m->payload[i]);
	hex[2 * m->hdr.len] = '\0';
	json_object_object_add(o, "src", json_object_new_int64(m->hdr.src));
	json_object_object_add(o, "dst", json_object_new_int64(m->hdr.dst));
	json_object_object_add(o, "portal", json_object_new_int(m->hdr.portal));
	json_object_object_add(o, "tag", json_object_new_int64(m->hdr.tag));
	json_object_object_add(o, "seq", json_object_new_int64(m->hdr.seq));
	json_object_object_add(o, "len", json_object_new_int(m->hdr.len));
	json_object_object_add(o, "payload", json_object_new_string(hex));
	return o;
}

void msg_print(const char *label, const struct rc_msg *m)
{
	printf("  %-8s src %u  dst %u  portal %u  tag %u  seq %u  len %u\n",
	       label, m->hdr.src, m->hdr.dst, m->hdr.portal, m->hdr.tag,
	       m->hdr.seq, m->hdr.len);
	for (unsigned int i = 0; i < m->hdr.len; i += 16) {
		printf("  %-8s", i ? "" : "payload");
		for (unsigned int j = i; j < i + 16 && j < m->hdr.len; j++)
			printf(" %02x", m->payload[j]);
		putchar('\n');
	}
}

/* Words as JSON: one number for a one-word group, else an array.  Values
 * are unsigned 64-bit, which json-c carries exactly as uint64. */
struct json_object *words_json(const uint64_t *w, uint32_t n)
{
	struct json_object *a;

	if (n == 1)
		return json_object_new_uint64(w[0]);
	a = json_object_new_array();
	for (uint32_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_uint64(w[i]));
	return a;
}

void words_print(const char *name, const uint64_t *w, uint32_t n)
{
	printf(" %s=", name);
	for (uint32_t i = 0; i < n && i < 16; i++)
		printf("%s%" PRIu64, i ? "," : "", w[i]);
	if (n > 16)
		printf(",...(%u words)", n);
}

uint64_t stats_faults(const struct rc_handler_stats *s)
{
	uint64_t n = 0;

	for (int f = 1; f < RC_ABI_FAULTS; f++)
		n += s->faults[f];
	return n;
}

struct json_object *stats_json_add(struct json_object *j,
				   const struct rc_prog *prog,
				   const struct rc_handler_stats *s)
{
	struct json_object *ja = json_object_new_object();
	struct json_object *jf = json_object_new_object();
	struct json_object *jc = json_object_new_array();
	struct json_object *lf = NULL;

	json_object_object_add(j, "invocations", json_object_new_uint64(s->invocations));
	json_object_object_add(ja, "drop", json_object_new_uint64(s->drop));
	json_object_object_add(ja, "pass", json_object_new_uint64(s->pass));
	json_object_object_add(ja, "reply", json_object_new_uint64(s->reply));
	json_object_object_add(ja, "forward", json_object_new_uint64(s->forward));
	json_object_object_add(j, "actions", ja);
	json_object_object_add(j, "sends", json_object_new_uint64(s->sends));
	json_object_object_add(j, "send_errors", json_object_new_uint64(s->send_errors));
	json_object_object_add(j, "upcalls", json_object_new_uint64(s->upcalls));
	json_object_object_add(j, "upcall_lost", json_object_new_uint64(s->upcall_lost));
	for (int f = 1; f < RC_ABI_FAULTS; f++) {
		struct json_object *e;

		/* Room for codes to come: only those that exist, or count. */
		if (f >= RC_FAULT__COUNT && !s->faults[f])
			continue;
		e = json_object_new_object();

		json_object_object_add(e, "code", json_object_new_int(f));
		json_object_object_add(e, "name", json_object_new_string(rc_fault_name(f)));
		json_object_object_add(e, "count", json_object_new_uint64(s->faults[f]));
		json_object_array_add(jc, e);
	}
	json_object_object_add(jf, "total", json_object_new_uint64(stats_faults(s)));
	json_object_object_add(jf, "by_code", jc);
	json_object_object_add(j, "faults", jf);
	json_object_object_add(j, "budget_aborts", json_object_new_uint64(s->budget_aborts));
	json_object_object_add(j, "not_for_us", json_object_new_uint64(s->not_for_us));
	if (s->last_fault_ns) {
		char insn[96] = "";

		lf = json_object_new_object();
		json_object_object_add(lf, "code", json_object_new_int64(s->last_fault_code));
		json_object_object_add(lf, "name", json_object_new_string(
			rc_fault_name(s->last_fault_code) ?: "?"));
		json_object_object_add(lf, "pc", json_object_new_int64(s->last_fault_pc));
		if (prog && s->last_fault_pc < prog->ninsns)
			rc_insn_format(prog, s->last_fault_pc, insn, sizeof(insn));
		json_object_object_add(lf, "insn", insn[0] ? json_object_new_string(insn) : NULL);
	}
	json_object_object_add(j, "last_fault", lf);
	return lf;
}

void stats_counts_print(const struct rc_handler_stats *s,
			const char *not_for_us_note)
{
	bool any = false;

	printf("  %-14s %" PRIu64 "\n", "invocations", (uint64_t)s->invocations);
	printf("  %-14s drop %" PRIu64 ", pass %" PRIu64 ", reply %" PRIu64
	       ", forward %" PRIu64 "\n", "actions", (uint64_t)s->drop,
	       (uint64_t)s->pass, (uint64_t)s->reply, (uint64_t)s->forward);
	printf("  %-14s %" PRIu64 ", lost %" PRIu64 " (sends and forwards)\n",
	       "sends", (uint64_t)s->sends, (uint64_t)s->send_errors);
	printf("  %-14s %" PRIu64 ", lost %" PRIu64 "\n", "upcalls",
	       (uint64_t)s->upcalls, (uint64_t)s->upcall_lost);
	printf("  %-14s %" PRIu64, "faults", stats_faults(s));
	for (int f = 1; f < RC_ABI_FAULTS; f++)
		if (s->faults[f]) {
			printf("%s%s (%d) %" PRIu64, any ? ", " : ": ",
			       rc_fault_name(f), f, (uint64_t)s->faults[f]);
			any = true;
		}
	putchar('\n');
	printf("  %-14s %" PRIu64 "\n", "budget aborts", (uint64_t)s->budget_aborts);
	printf("  %-14s %" PRIu64 "  (%s)\n", "not for us",
	       (uint64_t)s->not_for_us, not_for_us_note);
}

void fault_where(const struct rc_prog *prog, uint32_t pc, char *buf,
		 size_t size)
{
	char insn[96];

	rc_insn_format(prog, pc, insn, sizeof(insn));
	if (prog->loc && prog->loc[pc].line)
		snprintf(buf, size, "%s:%u:%u: %s", prog->origin,
			 prog->loc[pc].line, prog->loc[pc].col, insn);
	else
		snprintf(buf, size, "%s", insn);
}

/* "N[,self=S]": ranks 0..N-1, all present, this node S. */
static int parse_ranks(const char *spec, struct rc_ranks *r)
{
	char buf[64], *comma;
	uint64_t n, self = 0;

	if (strlen(spec) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, spec);
	comma = strchr(buf, ',');
	if (comma) {
		*comma++ = '\0';
		if (strncmp(comma, "self=", 5) || !parse_u64(comma + 5, &self))
			return -EINVAL;
	}
	if (!parse_u64(buf, &n) || !n || n > UINT32_MAX || self >= n)
		return -EINVAL;
	r->nranks = n;
	r->self = self;
	r->present = NULL;
	return 0;
}

struct json_object *effects_json(const struct rc_effect *fx, uint32_t n)
{
	struct json_object *a = json_object_new_array();

	for (uint32_t k = 0; k < n; k++) {
		const struct rc_effect *e = &fx[k];
		struct json_object *j = json_object_new_object();

		if (e->kind == RC_EFFECT_SEND) {
			struct rc_msg m = { .hdr = e->hdr };

			memcpy(m.payload, e->payload, e->len);
			json_object_object_add(j, "kind", json_object_new_string("send"));
			json_object_object_add(j, "rank", json_object_new_int64(e->rank));
			json_object_object_add(j, "message", msg_json(&m));
		} else {
			json_object_object_add(j, "kind", json_object_new_string("upcall"));
			json_object_object_add(j, "value", json_object_new_uint64(e->value));
			json_object_object_add(j, "portal", json_object_new_int(e->hdr.portal));
			json_object_object_add(j, "src", json_object_new_int64(e->hdr.src));
			json_object_object_add(j, "tag", json_object_new_int64(e->hdr.tag));
			json_object_object_add(j, "seq", json_object_new_int64(e->hdr.seq));
		}
		json_object_array_add(a, j);
	}
	return a;
}

static void effects_print(const struct rc_env *env, const struct rc_result *res)
{
	uint32_t ns = 0, nu = 0;

	for (uint32_t k = 0; k < res->neffects; k++) {
		const struct rc_effect *e = &env->effects[k];
		char label[32];

		if (e->kind == RC_EFFECT_SEND) {
			struct rc_msg m = { .hdr = e->hdr };

			memcpy(m.payload, e->payload, e->len);
			snprintf(label, sizeof(label), "send %u", ++ns);
			printf("  %-8s to rank %u\n", label, e->rank);
			msg_print("", &m);
		} else {
			snprintf(label, sizeof(label), "upcall %u", ++nu);
			printf("  %-8s value %" PRIu64 " (0x%" PRIx64 ")  portal %u  "
			       "src %u  tag %u  seq %u\n", label, e->value, e->value,
			       e->hdr.portal, e->hdr.src, e->hdr.tag, e->hdr.seq);
		}
	}
	if (res->nsends + res->nupcalls > res->neffects)
		printf("  (%u more sends and up-calls not shown)\n",
		       res->nsends + res->nupcalls - res->neffects);
}

static int build_message(const struct run_opts *o, const struct rc_prog *prog,
			 struct rc_msg *m)
{
	const char *why;

	memset(m, 0, sizeof(*m));
	if (o->msg) {
		uint8_t *buf;
		size_t len;
		int err = read_file(o->msg, &buf, &len);

		if (err)
			return fail(EXIT_SYSTEM, "%s: %s", o->msg, strerror(-err));
		err = rc_msg_from_wire(buf, len, m, &why);
		free(buf);
		if (err)
			return fail(EXIT_REJECTED, "%s: not an R-message: %s",
				    o->msg, why);
		return EXIT_OK;
	}
	m->hdr.version = RC_WIRE_VERSION;
	m->hdr.src = o->src;
	m->hdr.dst = o->dst;
	m->hdr.tag = o->tag;
	m->hdr.seq = o->seq;
	m->hdr.portal = o->portal == UINT64_MAX ? prog->portal : o->portal;
	if (o->src > UINT32_MAX || o->dst > UINT32_MAX || o->tag > UINT32_MAX ||
	    o->seq > UINT32_MAX || (o->portal != UINT64_MAX && o->portal > UINT16_MAX))
		return fail(EXIT_USAGE, "run: src, dst, tag and seq are 32-bit, portal 16-bit");
	/* The wire's portal field is 16 bits, but portals above 255 reach
	 * no handler (docs/wire.md): the dispatcher counts and passes such a
	 * message, so running a handler on one would show what never runs. */
	if (o->portal != UINT64_MAX && o->portal >= RC_ABI_PORTALS)
		return usage_fail("run", "--portal %" PRIu64 " reaches no handler: "
				  "portals are 0..%d (docs/wire.md); the "
				  "dispatcher passes such a message on, counted "
				  "as bad_portal", o->portal, RC_ABI_PORTALS - 1);
	if (o->payload) {
		char err[160];

		if (rc_payload_parse(o->payload, m->payload, &m->hdr.len, err,
				     sizeof(err)))
			return fail(EXIT_USAGE, "run: --payload %s: %s", o->payload, err);
	}
	return EXIT_OK;
}

static int do_run(void *o_, int argc, char **argv)
{
	struct run_opts *o = o_;
	struct json_object *jruns = NULL, *diags = NULL;
	struct rc_prog *prog = NULL;
	struct rc_env env = { 0 };
	struct rc_ranks ranks;
	uint64_t *state = NULL;
	struct rc_msg in, m;
	int st, worst = EXIT_OK;
	const char *why;

	(void)argc;
	st = load_or_report(argv[0], true, &prog, NULL, json_output ? &diags : NULL);
	if (st == EXIT_REJECTED && json_output)
		return report_rejection(argv[0], diags);
	json_object_put(diags);
	if (st)
		return st;
	st = build_message(o, prog, &in);
	if (st)
		goto out;
	state = calloc(prog->state_words + 1, sizeof(*state));
	env.state = state;
	for (uint32_t i = 0; i < prog->nwindows; i++)
		env.windows[i] = calloc(prog->windows[i].words, sizeof(uint64_t));
	for (int i = 0; i < o->state.n; i++)
		if (state_assign(prog, state, o->state.v[i], &why)) {
			st = fail(EXIT_USAGE, "run: --state %s: %s", o->state.v[i], why);
			goto out;
		}
	for (int i = 0; i < o->window.n; i++)
		if (window_assign(prog, env.windows, o->window.v[i], &why)) {
			st = fail(EXIT_USAGE, "run: --window %s: %s", o->window.v[i], why);
			goto out;
		}
	if (o->repeat < 1 || o->repeat > 1000000) {
		st = fail(EXIT_USAGE, "run: --repeat must be 1..1000000");
		goto out;
	}
	if (o->ipv != 4 && o->ipv != 6) {
		st = fail(EXIT_USAGE, "run: --ipv must be 4 or 6");
		goto out;
	}
	if (o->ranks) {
		if (parse_ranks(o->ranks, &ranks)) {
			st = fail(EXIT_USAGE, "run: --ranks %s: expected N[,self=S] "
				  "with 0 <= S < N < 2^32", o->ranks);
			goto out;
		}
		if (o->path != RUN_REF && ranks.nranks > RC_ABI_RANKS_MAX) {
			/* The kernel's table is an array of this many. */
			st = fail(EXIT_USAGE, "run: --ranks %s: the kernel paths' "
				  "rank table holds at most %u ranks", o->ranks,
				  RC_ABI_RANKS_MAX);
			goto out;
		}
		env.ranks = &ranks;
	}
	env.effects = calloc(RUN_EFFECTS_MAX, sizeof(*env.effects));
	env.effect_payloads = calloc(RUN_EFFECTS_MAX, sizeof(*env.effect_payloads));
	env.effects_max = RUN_EFFECTS_MAX;
	if (!state || !env.effects || !env.effect_payloads) {
		st = fail(EXIT_SYSTEM, "run: out of memory");
		goto out;
	}
	if (o->path == RUN_XLATE || o->path == RUN_INTERP) {
		/* The kernel's clock is the kernel paths' clock: a fixed
		 * --clock could not be given to both paths. */
		if (o->clock != UINT64_MAX) {
			st = fail(EXIT_USAGE, "run: --clock applies to --path ref "
				  "only (the %s reads the kernel's clock)",
				  o->path == RUN_XLATE ? "translated program" :
				  "in-kernel interpreter");
			goto out;
		}
		st = run_xlate(&prog, &in, state, env.windows, o->repeat,
			       (int)o->ipv, o->path == RUN_XLATE ? RCODE_PATH_XLATE :
			       RCODE_PATH_INTERP, env.ranks);
		goto out;
	}

	if (json_output) {
		jruns = json_object_new_array();
	} else {
		printf("handler %s (portal %u, budget %u) on the %s path\n",
		       prog->name, prog->portal, prog->budget, run_paths[o->path]);
		msg_print("message", &in);
	}
	for (uint64_t r = 0; r < o->repeat; r++) {
		struct rc_result res;

		if (o->clock == UINT64_MAX) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			env.clock_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
		} else {
			env.clock_ns = o->clock;
		}
		m = in;
		rc_run(prog, &m, &env, &res);
		if (res.fault)
			worst = EXIT_FAULT;
		/* With --repeat, show every run's outcome but only the last
		 * one's full picture. */
		if (json_output) {
			struct json_object *j = json_object_new_object(), *f = NULL;

			json_object_object_add(j, "action", json_object_new_string(
				rc_action_name(res.action)));
			json_object_object_add(j, "rank", res.action == RC_ACT_FORWARD ?
					       json_object_new_int64(res.rank) : NULL);
			if (res.fault) {
				char where[256];

				fault_where(prog, res.fault_pc, where, sizeof(where));
				f = json_object_new_object();
				json_object_object_add(f, "code", json_object_new_int(res.fault));
				json_object_object_add(f, "name", json_object_new_string(rc_fault_name(res.fault)));
				json_object_object_add(f, "text", json_object_new_string(rc_fault_text(res.fault)));
				json_object_object_add(f, "pc", json_object_new_int(res.fault_pc));
				json_object_object_add(f, "where", json_object_new_string(where));
			}
			json_object_object_add(j, "fault", f);
			json_object_object_add(j, "insns", json_object_new_int64(res.insns));
			json_object_object_add(j, "stack_max", json_object_new_int(res.stack_max));
			json_object_object_add(j, "message", msg_json(&m));
			json_object_object_add(j, "sends", json_object_new_int64(res.nsends));
			json_object_object_add(j, "upcalls", json_object_new_int64(res.nupcalls));
			json_object_object_add(j, "effects",
					       effects_json(env.effects, res.neffects));
			json_object_array_add(jruns, j);
		} else {
			char to[32] = "", fx[64] = "";

			if (res.action == RC_ACT_FORWARD)
				snprintf(to, sizeof(to), " to rank %u", res.rank);
			if (res.nsends || res.nupcalls)
				snprintf(fx, sizeof(fx), ", %u send%s, %u upcall%s",
					 res.nsends, res.nsends == 1 ? "" : "s",
					 res.nupcalls, res.nupcalls == 1 ? "" : "s");
			printf("run %" PRIu64 ": action %s%s, %" PRIu64 " instructions, "
			       "max stack %u%s\n", r + 1, rc_action_name(res.action),
			       to, res.insns, res.stack_max, fx);
			if (res.fault) {
				char where[256];

				fault_where(prog, res.fault_pc, where, sizeof(where));
				printf("  fault    %s (%s) at pc %u: %s\n",
				       rc_fault_name(res.fault), rc_fault_text(res.fault),
				       res.fault_pc, where);
			}
			if (r + 1 == o->repeat)
				effects_print(&env, &res);
			if (r + 1 == o->repeat || res.action == RC_ACT_REPLY ||
			    res.action == RC_ACT_FORWARD)
				msg_print(res.action == RC_ACT_REPLY ? "reply" :
					  res.action == RC_ACT_FORWARD ? "forward" :
					  res.fault ? "delivered" : "result", &m);
		}
	}

	if (json_output) {
		struct json_object *j = json_object_new_object();
		struct json_object *js = json_object_new_object();
		struct json_object *jw = json_object_new_object();
		uint32_t off = 0;

		json_object_object_add(j, "handler", json_object_new_string(prog->name));
		json_object_object_add(j, "portal", json_object_new_int(prog->portal));
		json_object_object_add(j, "path", json_object_new_string(run_paths[o->path]));
		json_object_object_add(j, "input", msg_json(&in));
		json_object_object_add(j, "runs", jruns);
		for (uint32_t i = 0; i < prog->nsyms; off += prog->syms[i++].words)
			json_object_object_add(js, prog->syms[i].name,
					       words_json(state + off, prog->syms[i].words));
		for (uint32_t i = 0; i < prog->nwindows; i++)
			json_object_object_add(jw, prog->windows[i].name,
					       words_json(env.windows[i], prog->windows[i].words));
		json_object_object_add(j, "state", js);
		json_object_object_add(j, "windows", jw);
		out_json(j);
	} else {
		uint32_t off = 0;

		if (prog->nsyms) {
			printf("  state   ");
			for (uint32_t i = 0; i < prog->nsyms; off += prog->syms[i++].words)
				words_print(prog->syms[i].name, state + off,
					    prog->syms[i].words);
			putchar('\n');
		}
		if (prog->nwindows) {
			printf("  windows ");
			for (uint32_t i = 0; i < prog->nwindows; i++)
				words_print(prog->windows[i].name, env.windows[i],
					    prog->windows[i].words);
			putchar('\n');
		}
	}
	st = worst;
out:
	for (uint32_t i = 0; i < RC_WINDOWS_MAX; i++)
		free(env.windows[i]);
	free(env.effects);
	free(env.effect_payloads);
	free(state);
	rc_prog_free(prog);
	return st;
}

const struct cmd_def cmd_run = {
	.name = "run",
	.args = "FILE",
	.min_args = 1, .max_args = 1,
	.summary = "Run a handler on one message and show everything it did.",
	.description =
	"The message comes from --msg (wire format) or is built from --src,\n"
	"--dst, --portal, --tag, --seq and --payload.  The output shows the\n"
	"action, the fault with its code and pc if there was one, the message\n"
	"as delivered, replied or forwarded, the data area and the windows.\n"
	"Exit status 4 if the handler faulted.\n"
	"\n"
	"--ranks N[,self=S] gives the handler a rank table (ranks 0..N-1, this\n"
	"node S): forward and send reach every rank but S below N, and the\n"
	"output shows the forward's rank and every send (the copy as it left)\n"
	"and up-call (value and header) in order.  Without it every forward\n"
	"and send faults 'rank'; upcall needs no table.\n"
	"\n"
	"--path xlate translates the handler to eBPF, loads it (root), and runs\n"
	"it with BPF_PROG_TEST_RUN on the same message, wrapped in an Ethernet,\n"
	"IPv4 or IPv6 (--ipv) and UDP frame, next to the reference interpreter.\n"
	"It shows both outcomes side by side and ends with 'agree: yes' or\n"
	"'agree: no' (exit status 1 when they disagree).  --path interp does\n"
	"the same with the in-kernel R-code interpreter (loaded privately, in\n"
	"its tracing form): there the instructions executed and the stack's\n"
	"high-water mark are compared too.\n"
	"\n"
	"With --ranks (N <= 1024) the kernel path gets the table too, in the\n"
	"message's address family, every rank with a MAC: this node S at the\n"
	"address the message arrives at, rank r at 198.19.r/256.r%256 or\n"
	"fd00::1:r.  Compared as well: the rank a forwarded frame is addressed\n"
	"to and its addresses, the up-calls read from the handler's ring, and\n"
	"for a handler that sends (a TC program; the interpreter refuses it)\n"
	"the copies, which leave through lo of a network namespace of rloader's\n"
	"own and are captured there (if it cannot have one: counted only).\n"
	"\nExamples:\n"
	"  rloader run examples/gsum.r --payload u64:5 --repeat 3\n"
	"  rloader run examples/echo.r --payload u64:41 --path xlate --ipv 6\n"
	"  rloader run examples/counter.r --tag 7 --repeat 3 --path interp\n"
	"  rloader run coll.r --ranks 4,self=1 --payload u64:5\n"
	"  rloader run fan.r --ranks 4,self=1 --tag 9 --payload hex:00ff --path xlate\n",
	.opts = run_optdefs,
	.opts_size = sizeof(struct run_opts),
	.defaults = &run_defaults,
	.run = do_run,
};
