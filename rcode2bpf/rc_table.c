// SPDX-License-Identifier: BSD-2-Clause
/*
 * rc_table.c - lookups derived from rc_opcodes.def, the names of header
 * fields, faults and actions, and the program object's helpers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rcode.h"

const struct rc_opinfo rc_optable[] = {
#define RC_OP(name, code, opnd, pops, pushes, flags, width, pic) \
	{ #name, code, opnd, pops, pushes, flags, width, pic },
#include "rc_opcodes.def"
#undef RC_OP
	{ NULL, 0, 0, 0, 0, 0, 0, NULL },
};

/* Opcodes are one byte, so a direct index answers every decode.  Built at
 * compile time from the same table: no lazy initialisation, so no race
 * when several threads decode at once. */
static const struct rc_opinfo by_code[256] = {
#define RC_OP(name, code, opnd, pops, pushes, flags, width, pic) \
	[code] = { #name, code, opnd, pops, pushes, flags, width, pic },
#include "rc_opcodes.def"
#undef RC_OP
};

const struct rc_opinfo *rc_opinfo(unsigned int code)
{
	if (code > 255 || !by_code[code].name)
		return NULL;
	return &by_code[code];
}

const struct rc_opinfo *rc_opinfo_by_name(const char *name)
{
	for (const struct rc_opinfo *o = rc_optable; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static const char *const field_names[RC_FIELD__COUNT] = {
	[RC_FIELD_SRC] = "src",	  [RC_FIELD_DST] = "dst",
	[RC_FIELD_PORTAL] = "portal", [RC_FIELD_TAG] = "tag",
	[RC_FIELD_SEQ] = "seq",	  [RC_FIELD_LEN] = "len",
};

const char *rc_field_name(unsigned int field)
{
	return field < RC_FIELD__COUNT ? field_names[field] : NULL;
}

int rc_field_by_name(const char *name)
{
	for (int i = 0; i < RC_FIELD__COUNT; i++)
		if (!strcmp(field_names[i], name))
			return i;
	return -1;
}

bool rc_field_writable(unsigned int field)
{
	return field == RC_FIELD_PORTAL || field == RC_FIELD_TAG ||
	       field == RC_FIELD_SEQ;
}

static const struct {
	const char *name, *text;
} faults[RC_FAULT__COUNT] = {
	[RC_FAULT_NONE] = { "none", "no fault" },
	[RC_FAULT_DIV_ZERO] = { "div_zero", "division by zero" },
	[RC_FAULT_MSG_BOUNDS] = { "msg_bounds",
				  "payload access beyond the message length" },
	[RC_FAULT_STATE_BOUNDS] = { "state_bounds",
				    "data-area index out of range" },
	[RC_FAULT_WINDOW_BOUNDS] = { "window_bounds",
				     "window index out of range" },
	[RC_FAULT_BUDGET] = { "budget", "instruction budget exhausted" },
	[RC_FAULT_LENGTH] = { "length", "payload length beyond the maximum" },
	[RC_FAULT_ILLEGAL] = { "illegal", "illegal instruction" },
	[RC_FAULT_RANK] = { "rank", "forward or send to a rank that is not "
				    "reachable" },
};

const char *rc_fault_name(unsigned int fault)
{
	return fault < RC_FAULT__COUNT ? faults[fault].name : "unknown";
}

const char *rc_fault_text(unsigned int fault)
{
	return fault < RC_FAULT__COUNT ? faults[fault].text : "unknown fault";
}

int rc_fault_by_name(const char *name)
{
	for (int i = 0; i < RC_FAULT__COUNT; i++)
		if (!strcmp(faults[i].name, name))
			return i;
	return -1;
}

static const char *const action_names[RC_ACT__COUNT] = {
	[RC_ACT_NONE] = "none", [RC_ACT_DROP] = "drop",
	[RC_ACT_PASS] = "pass", [RC_ACT_REPLY] = "reply",
	[RC_ACT_FORWARD] = "forward",
};

const char *rc_action_name(unsigned int action)
{
	return action < RC_ACT__COUNT ? action_names[action] : "unknown";
}

int rc_action_by_name(const char *name)
{
	for (int i = 0; i < RC_ACT__COUNT; i++)
		if (!strcmp(action_names[i], name))
			return i;
	return -1;
}

struct rc_prog *rc_prog_new(void)
{
	struct rc_prog *p = calloc(1, sizeof(*p));

	if (p)
		p->budget = RC_BUDGET_DEFAULT;
	return p;
}

void rc_prog_free(struct rc_prog *prog)
{
	if (!prog)
		return;
	if (prog->src) {
		free(prog->src->path);
		free(prog->src->text);
		free(prog->src->line_start);
		free(prog->src);
	}
	free(prog->loc);
	free(prog);
}

int rc_prog_sym_offset(const struct rc_prog *prog, const char *name)
{
	uint32_t off = 0;

	for (uint32_t i = 0; i < prog->nsyms; i++) {
		if (!strcmp(prog->syms[i].name, name))
			return off;
		off += prog->syms[i].words;
	}
	return -1;
}

const struct rc_statesym *rc_prog_sym_at(const struct rc_prog *prog,
					 uint32_t slot, uint32_t *base)
{
	uint32_t off = 0;

	for (uint32_t i = 0; i < prog->nsyms; i++) {
		if (slot >= off && slot < off + prog->syms[i].words) {
			if (base)
				*base = off;
			return &prog->syms[i];
		}
		off += prog->syms[i].words;
	}
	return NULL;
}

int rc_prog_window_index(const struct rc_prog *prog, const char *name)
{
	for (uint32_t i = 0; i < prog->nwindows; i++)
		if (!strcmp(prog->windows[i].name, name))
			return i;
	return -1;
}
