// SPDX-License-Identifier: BSD-2-Clause
/*
 * rcc.c - the C front end: compile a C handler into R-code
 * (rcc_compile(); the command is rcc_main.c).
 *
 * Clang (libclang's C API) preprocesses, parses, types and folds the file;
 * rcc reads the top-level declarations (the RC_HANDLER function, RC_STATE
 * globals, RC_WINDOW extern arrays), compiles the handler, and writes R-code
 * text whose '.loc' lines carry the C positions.  The text then goes
 * through the ordinary assembler and verifier in-process, so everything the
 * verifier says, and every pc-to-line map later, names the C line.  Errors look like the
 * R-code tools': FILE:LINE:COL: error: ..., the line and a caret.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rcc.h"

static struct cg *the_cg;

bool in_main_file(CXSourceLocation loc)
{
	unsigned int l, c, o;
	CXFile f;

	clang_getExpansionLocation(loc, &f, &l, &c, &o);
	return f && the_cg && clang_File_isEqual(f, the_cg->main_file);
}

void cg_error(struct cg *cg, CXCursor at, const char *fmt, ...)
{
	CXSourceLocation loc = clang_getCursorLocation(at);
	char msg[RC_DIAG_MSG_MAX];
	unsigned int line, col, off;
	CXString name;
	CXFile f;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clang_getExpansionLocation(loc, &f, &line, &col, &off);
	if (in_main_file(loc) || !f) {
		rc_diag_src(cg->d, RC_SEV_ERROR, cg->path, cg->src, line, col,
			    "%s", msg);
		return;
	}
	name = clang_getFileName(f);
	rc_diag_src(cg->d, RC_SEV_ERROR, clang_getCString(name), NULL, line, col,
		    "%s", msg);
	clang_disposeString(name);
}

const char *cursor_name(CXCursor c)
{
	static char buf[128];
	CXString s = clang_getCursorSpelling(c);

	snprintf(buf, sizeof(buf), "%s", clang_getCString(s));
	clang_disposeString(s);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long n = -1;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END))
		n = ftell(f);
	if (n >= 0 && !fseek(f, 0, SEEK_SET))
		text = malloc(n + 1);
	if (text && fread(text, 1, n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	if (text)
		text[n] = '\0';
	fclose(f);
	return text;
}

/* Clang's own diagnostics, in the same form as rcc's. */
static int clang_diags(struct cg *cg)
{
	unsigned int n = clang_getNumDiagnostics(cg->tu);
	int errors = 0;

	for (unsigned int i = 0; i < n; i++) {
		CXDiagnostic dg = clang_getDiagnostic(cg->tu, i);
		enum CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(dg);
		CXSourceLocation loc = clang_getDiagnosticLocation(dg);
		CXString msg = clang_getDiagnosticSpelling(dg);
		unsigned int line, col, off;
		CXFile f;
		int rs = sev >= CXDiagnostic_Error ? RC_SEV_ERROR :
			 sev == CXDiagnostic_Warning ? RC_SEV_WARNING : RC_SEV_NOTE;

		if (sev == CXDiagnostic_Ignored)
			goto next;
		errors += rs == RC_SEV_ERROR;
		clang_getExpansionLocation(loc, &f, &line, &col, &off);
		if (f && !in_main_file(loc)) {
			/* in a header: clang's own formatting names it */
			CXString s = clang_formatDiagnostic(dg,
				clang_defaultDiagnosticDisplayOptions());

			fprintf(stderr, "%s\n", clang_getCString(s));
			clang_disposeString(s);
		} else {
			rc_diag_src(cg->d, rs, cg->path, cg->src, line, col, "%s",
				    clang_getCString(msg));
		}
next:
		clang_disposeString(msg);
		clang_disposeDiagnostic(dg);
	}
	return errors;
}

static bool has_annotation(CXCursor c, const char *what);

struct annot {
	const char *what;
	bool found;
};

static enum CXChildVisitResult annot_visit(CXCursor c, CXCursor p,
					   CXClientData data)
{
	struct annot *a = data;
	CXString s;

	(void)p;
	if (clang_getCursorKind(c) != CXCursor_AnnotateAttr)
		return CXChildVisit_Continue;
	s = clang_getCursorSpelling(c);
	if (!strcmp(clang_getCString(s), a->what))
		a->found = true;
	clang_disposeString(s);
	return CXChildVisit_Continue;
}

static bool has_annotation(CXCursor c, const char *what)
{
	struct annot a = { what, false };

	clang_visitChildren(c, annot_visit, &a);
	return a.found;
}

/* RC_STATE and RC_WINDOW variables: 64-bit words, scalars or arrays. */
static void global_var(struct cg *cg, CXCursor c, bool window)
{
	CXType t = clang_getCursorType(c), et = t;
	long long words = 0;
	struct var *v;
	struct ity it;
	CXString s = clang_getCursorSpelling(c);
	const char *name = clang_getCString(s);

	if (t.kind == CXType_ConstantArray) {
		words = clang_getArraySize(t);
		et = clang_getArrayElementType(t);
	} else if (window) {
		cg_error(cg, c, "an RC_WINDOW is an array with its size: 'extern "
			 "uint64_t %s[WORDS] RC_WINDOW;'", name);
		goto out;
	}
	if (!ity_of(et, &it) || it.w != 64 || it.is_bool) {
		cg_error(cg, c, "%s words are 64 bits: declare '%s' as int64_t or "
			 "uint64_t (or an array of them)",
			 window ? "window" : "data-area", name);
		goto out;
	}
	if (strlen(name) >= RC_NAME_MAX) {
		cg_error(cg, c, "'%s' is longer than R-code's %d-character names",
			 name, RC_NAME_MAX - 1);
		goto out;
	}
	if (!clang_Cursor_isNull(clang_Cursor_getVarDeclInitializer(c))) {
		cg_error(cg, c, "'%s' has an initializer: the data area starts "
			 "zeroed and windows belong to the application", name);
		goto out;
	}
	if (window) {
		if (clang_Cursor_getStorageClass(c) != CX_SC_Extern) {
			cg_error(cg, c, "an RC_WINDOW is the application's memory: "
				 "declare it 'extern'");
			goto out;
		}
		if (cg->nwins == RC_WINDOWS_MAX) {
			cg_error(cg, c, "more than %d windows", RC_WINDOWS_MAX);
			goto out;
		}
		v = var_add(cg, c, VAR_WINDOW);
		v->win = cg->nwins;
		snprintf(cg->wins[cg->nwins].name, RC_NAME_MAX, "%s", name);
		cg->wins[cg->nwins++].words = words;
	} else {
		if (cg->nsyms == RC_SYMBOLS_MAX ||
		    cg->state_words + (words ? words : 1) > RC_STATE_MAX) {
			cg_error(cg, c, "the data area holds at most %d words in %d "
				 "variables", RC_STATE_MAX, RC_SYMBOLS_MAX);
			goto out;
		}
		v = var_add(cg, c, VAR_STATE);
		v->slot = cg->state_words;
		snprintf(cg->syms[cg->nsyms].name, RC_NAME_MAX, "%s", name);
		cg->syms[cg->nsyms++].words = words ? words : 1;
		cg->state_words += words ? words : 1;
	}
	v->words = words;
	v->t = it;
out:
	clang_disposeString(s);
}

static bool const_var(CXCursor c, const char *name, uint64_t *v)
{
	CXString s = clang_getCursorSpelling(c);
	bool match = !strcmp(clang_getCString(s), name);
	CXEvalResult r;

	clang_disposeString(s);
	if (!match || !(r = clang_Cursor_Evaluate(c)))
		return false;
	match = clang_EvalResult_getKind(r) == CXEval_Int;
	if (match)
		*v = clang_EvalResult_getAsUnsigned(r);
	clang_EvalResult_dispose(r);
	return match;
}

static char *handler_path;

static void source_free(struct rc_source *sc)
{
	if (!sc)
		return;
	free(sc->path);
	free(sc->text);
	free(sc->line_start);
	free(sc);
}

static enum CXChildVisitResult handler_file_visit(CXCursor c, CXCursor p,
						  CXClientData data)
{
	struct cg *cg = data;
	unsigned int l, col, off;
	CXString name;
	CXFile f;
	char *text;

	(void)p;
	if (clang_getCursorKind(c) != CXCursor_FunctionDecl ||
	    !clang_isCursorDefinition(c) || !has_annotation(c, "rc_handler"))
		return CXChildVisit_Continue;
	clang_getExpansionLocation(clang_getCursorLocation(c), &f, &l, &col, &off);
	if (!f || clang_File_isEqual(f, cg->main_file))
		return CXChildVisit_Break;
	name = clang_getFileName(f);
	text = slurp(clang_getCString(name));
	if (text) {
		handler_path = strdup(clang_getCString(name));
		cg->main_file = f;
		cg->path = handler_path;
		source_free(cg->src);
		cg->src = rc_source_new(handler_path, text);
		free(text);
	}
	clang_disposeString(name);
	return CXChildVisit_Break;
}

static enum CXChildVisitResult top_visit(CXCursor c, CXCursor p,
					 CXClientData data)
{
	struct cg *cg = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	CXType t = clang_getCursorType(c);
	bool state, window;

	(void)p;
	if (!in_main_file(clang_getCursorLocation(c)))
		return CXChildVisit_Continue;
	if (k == CXCursor_FunctionDecl && has_annotation(c, "rc_handler") &&
	    clang_isCursorDefinition(c)) {
		CXString s = clang_getCursorSpelling(c);

		if (cg->have_handler)
			cg_error(cg, c, "a second handler '%s': one RC_HANDLER "
				 "per file", clang_getCString(s));
		cg->have_handler = true;
		cg->handler = c;
		snprintf(cg->name, sizeof(cg->name), "%s", clang_getCString(s));
		clang_disposeString(s);
		return CXChildVisit_Continue;
	}
	if (k != CXCursor_VarDecl)
		return CXChildVisit_Continue;
	state = has_annotation(c, "rc_state");
	window = has_annotation(c, "rc_window");
	if (state || window) {
		global_var(cg, c, window);
		return CXChildVisit_Continue;
	}
	/* A constant (static const, or the handler's portal and budget):
	 * clang folds its uses. */
	if (clang_isConstQualifiedType(t) && !clang_isVolatileQualifiedType(t))
		return CXChildVisit_Continue;
	cg_error(cg, c, "global variable '%s' is neither RC_STATE nor an extern "
		 "RC_WINDOW array: R-code has no other memory",
		 cursor_name(c));
	return CXChildVisit_Continue;
}

struct find_const {
	char name[96];
	uint64_t v;
	bool found;
};

static enum CXChildVisitResult findc_visit(CXCursor c, CXCursor p,
					   CXClientData data)
{
	struct find_const *fc = data;

	(void)p;
	if (clang_getCursorKind(c) == CXCursor_VarDecl &&
	    const_var(c, fc->name, &fc->v))
		fc->found = true;
	return CXChildVisit_Continue;
}

static bool handler_const(struct cg *cg, const char *what, uint64_t *v)
{
	struct find_const fc = { .found = false };

	snprintf(fc.name, sizeof(fc.name), "__rc_%s_%s", what, cg->name);
	clang_visitChildren(clang_getTranslationUnitCursor(cg->tu), findc_visit,
			    &fc);
	*v = fc.v;
	return fc.found;
}

const char *rcc_include_dir(void)
{
	static char buf[4096];
	/* build/rcc, build/san/rcc (the sanitizer build), installed */
	static const char *const rel[] = { "/../rcc/include", "/../../rcc/include",
					   "/../share/rcode/include" };
	char exe[4096];
	ssize_t n;

	if (getenv("RCC_INCLUDE"))
		return getenv("RCC_INCLUDE");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return "/usr/local/share/rcode/include";
	exe[n] = '\0';
	for (size_t i = 0; i < 3; i++) {
		char *dir = strdup(exe);

		if (!dir)
			break;
		snprintf(buf, sizeof(buf), "%s%s/rcode.h", dirname(dir), rel[i]);
		free(dir);
		if (!access(buf, R_OK)) {
			buf[strlen(buf) - strlen("/rcode.h")] = '\0';
			return buf;
		}
	}
	return "/usr/local/share/rcode/include";
}

/*
 * Compile path (its text is read from the file) with clang's arguments
 * cargs (rcc adds -I for rcode.h); the R-code text, assembled and, with
 * verify, verified, into *prog, and its text into *text (malloc'd).
 * Diagnostics go to d.  Returns 0, or 1 when the handler was refused
 * (the reason is in d, or on stderr for clang's failures).
 */
int rcc_compile(const char *path, const char *const *args, int nargs,
		bool verify, struct rc_prog *prog, char **text,
		struct rc_diags *d)
{
	const char *cargs[72];
	int ncargs = 0, rc = 1;
	char incl[4200];
	struct cg cg = { 0 };
	CXIndex index;
	uint64_t v;
	char *src;

	*text = NULL;
	cargs[ncargs++] = "-std=gnu11";
	cargs[ncargs++] = "-D__RCC__=1";
	cargs[ncargs++] = "-ffreestanding";
	for (int i = 0; i < nargs && ncargs < 70; i++)
		cargs[ncargs++] = args[i];
	snprintf(incl, sizeof(incl), "-I%s", rcc_include_dir());
	cargs[ncargs++] = incl;

	src = slurp(path);
	if (!src) {
		fprintf(stderr, "rcc: %s: %s\n", path, strerror(errno));
		return 1;
	}
	the_cg = &cg;
	cg.path = path;
	cg.d = d;
	cg.src = rc_source_new(path, src);
	index = clang_createIndex(0, 0);
	if (clang_parseTranslationUnit2(index, path, cargs, ncargs, NULL, 0,
					CXTranslationUnit_None, &cg.tu)) {
		fprintf(stderr, "rcc: %s: clang could not parse it\n", path);
		goto out;
	}
	cg.main_file = clang_getFile(cg.tu, path);
	if (clang_diags(&cg))
		goto out;
	/* The handler's file is the one compiled: a file that only includes
	 * a handler (a test case around an example) gets that file's lines,
	 * data area and windows. */
	clang_visitChildren(clang_getTranslationUnitCursor(cg.tu),
			    handler_file_visit, &cg);
	clang_visitChildren(clang_getTranslationUnitCursor(cg.tu), top_visit, &cg);
	if (!cg.have_handler) {
		rc_diag_src(d, RC_SEV_ERROR, path, cg.src, 1, 1, "no handler: "
			    "define one with RC_HANDLER(name, portal, budget)");
		goto out;
	}
	if (!handler_const(&cg, "portal", &v) || v >= RC_PORTALS)
		cg_error(&cg, cg.handler, "the portal must be a constant 0..%d",
			 RC_PORTALS - 1);
	cg.portal = v;
	if (!handler_const(&cg, "budget", &v) || v < 1 || v > RC_BUDGET_MAX)
		cg_error(&cg, cg.handler, "the budget must be a constant 1..%d",
			 RC_BUDGET_MAX);
	cg.budget = v;
	if (d->nerrors)
		goto out;
	cg_at(&cg, cg.handler);
	gen_body(&cg, cg.handler);
	if (!cg.dead && !d->nerrors)
		cg_error(&cg, cg.handler, "the handler can reach its end without "
			 "returning an action");
	if (!d->nerrors)
		cg_check_budget(&cg);
	if (d->nerrors)
		goto out;
	cg_text(&cg, text);
	/* The text goes through the assembler and the verifier, which report
	 * at the C lines through .loc. */
	if (rc_asm("<rcc output>", *text, prog, d) ||
	    (verify && rc_verify(prog, NULL, d)))
		goto out;
	rc = 0;
out:
	if (d->nerrors)
		rc = 1;
	free(cg.v);
	free(cg.labels);
	free(cg.vars);
	free(handler_path);
	handler_path = NULL;
	source_free(cg.src);
	free(src);
	if (cg.tu)
		clang_disposeTranslationUnit(cg.tu);
	clang_disposeIndex(index);
	the_cg = NULL;
	return rc;
}
