// SPDX-License-Identifier: BSD-2-Clause
/* rc_diag.c - recording and printing compiler-style diagnostics. */
#include <stdlib.h>
#include <string.h>
#include "rc_diag.h"

void rc_diags_init(struct rc_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void rc_diags_free(struct rc_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].origin);
		free(d->v[i].text);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* A new entry, or NULL once the error limit is reached (so a cascade of
 * follow-on errors cannot bury the first ones). */
static struct rc_diag *diag_new(struct rc_diags *d, int severity,
				const char *origin)
{
	struct rc_diag *g;

	if (d->nerrors >= RC_DIAG_LIMIT) {
		d->truncated = true;
		return NULL;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct rc_diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		d->v = v;
		d->cap = cap;
	}
	g = &d->v[d->n++];
	memset(g, 0, sizeof(*g));
	g->severity = severity;
	g->origin = strdup(origin ? origin : "<input>");
	g->pc = -1;
	if (severity == RC_SEV_ERROR)
		d->nerrors++;
	else if (severity == RC_SEV_WARNING)
		d->nwarnings++;
	else
		d->nnotes++;
	return g;
}

static char *source_line(const struct rc_source *src, uint32_t line)
{
	const char *s, *e;

	if (!src || !line || line > src->nlines)
		return NULL;
	s = src->text + src->line_start[line - 1];
	e = strchr(s, '\n');
	if (!e)
		e = s + strlen(s);
	if (e > s && e[-1] == '\r')
		e--;
	return strndup(s, e - s);
}

void rc_diag_src(struct rc_diags *d, int severity, const char *origin,
		 const struct rc_source *src, uint32_t line, uint32_t col,
		 const char *fmt, ...)
{
	struct rc_diag *g = diag_new(d, severity, origin);
	va_list ap;

	if (!g)
		return;
	g->line = line;
	g->col = col;
	g->text = source_line(src, line);
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
}

void rc_diag_pc(struct rc_diags *d, int severity, const struct rc_prog *prog,
		int pc, const char *fmt, ...)
{
	struct rc_diag *g = diag_new(d, severity, prog->origin);
	va_list ap;

	if (!g)
		return;
	g->pc = pc;
	if (pc >= 0 && prog->loc && prog->loc[pc].line) {
		g->line = prog->loc[pc].line;
		g->col = prog->loc[pc].col;
		g->text = source_line(prog->src, g->line);
	} else if (pc >= 0 && (uint32_t)pc < prog->ninsns) {
		char buf[128];

		rc_insn_format(prog, pc, buf, sizeof(buf));
		g->text = strdup(buf);
	}
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
}

void rc_diag_note(struct rc_diags *d, const char *fmt, ...)
{
	struct rc_diag *g;
	va_list ap;

	if (!d->n || d->truncated)
		return;
	g = &d->v[d->n - 1];
	va_start(ap, fmt);
	vsnprintf(g->note, sizeof(g->note), fmt, ap);
	va_end(ap);
}

static const char *sev_name(int severity)
{
	return severity == RC_SEV_ERROR ? "error" :
	       severity == RC_SEV_WARNING ? "warning" : "note";
}

/* "origin:line:col" for source positions, "origin: pc N" for binaries. */
static int where(const struct rc_diag *g, char *buf, size_t size)
{
	if (g->line)
		return snprintf(buf, size, "%s:%u:%u", g->origin, g->line,
				g->col);
	if (g->pc >= 0)
		return snprintf(buf, size, "%s: pc %d", g->origin, g->pc);
	return snprintf(buf, size, "%s", g->origin);
}

int rc_diag_format_line(const struct rc_diag *g, char *buf, size_t size)
{
	char w[300];

	where(g, w, sizeof(w));
	return snprintf(buf, size, "%s: %s: %s", w, sev_name(g->severity),
			g->msg);
}

void rc_diags_print(const struct rc_diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct rc_diag *g = &d->v[i];
		char line[600], w[300];

		rc_diag_format_line(g, line, sizeof(line));
		fprintf(f, "%s\n", line);
		if (g->text && g->line) {
			/* The caret sits under column col, counting a tab
			 * as one column like gcc does, so copy the tabs. */
			fprintf(f, "%5u | %s\n      | ", g->line, g->text);
			for (uint32_t c = 1; c < g->col && g->text[c - 1]; c++)
				fputc(g->text[c - 1] == '\t' ? '\t' : ' ', f);
			fputs("^\n", f);
		} else if (g->text) {
			fprintf(f, "%5d | %s\n", g->pc, g->text);
		}
		if (g->note[0]) {
			where(g, w, sizeof(w));
			fprintf(f, "%s: note: %s\n", w, g->note);
		}
	}
	if (d->truncated)
		fprintf(f, "too many errors; stopped after %d\n", RC_DIAG_LIMIT);
}
