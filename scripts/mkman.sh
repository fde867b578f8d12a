#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# mkman.sh - one man page from the sources the documentation already has,
# so that the two cannot say different things:
#
#   mkman.sh rloader  RLOADER VERSION OUT   rloader(8): a section per verb
#                                           from the verb's own option table
#                                           ('rloader -j CMD --help'), then
#                                           docs/rloader.md
#   mkman.sh librcode RLOADER VERSION OUT   librcode(3) from docs/userlib.md
#   mkman.sh rcode    RLOADER VERSION OUT   rcode(7) from docs/rcode.md
#
# Markdown to roff by pandoc; jq reads rloader's JSON.  Run from the
# top of the tree (the Makefile does).
set -eu

page=$1 rl=$2 version=$3 out=$4
mkdir -p "$(dirname "$out")"
md=$out.md
trap 'rm -f "$md"' EXIT

# A document's body under man's headings: its title line goes, and every
# heading outside a code block moves up one level (## -> .SH, in capitals
# as man's sections are; ### -> .SS).
# With a first argument, the text before the first "## " is skipped (it
# becomes DESCRIPTION elsewhere); with "intro", only that text is kept.
body() {
	awk -v mode="${2:-all}" '
		/^```/ { fence = !fence }
		!fence && /^# / && !seen_title { seen_title = 1; next }
		!fence && /^## / { sec = 1 }
		mode == "intro" && sec { exit }
		mode == "rest" && !sec { next }
		!fence && /^## / { print "# " toupper(substr($0, 4)); next }
		!fence && /^##/ { sub(/^#/, "") }
		{ print }' "$1"
}

header() {
	# $1 NAME  $2 section  $3 one-line description
	printf '%% %s(%s) rcode %s | rcode manual\n\n' "$(echo "$1" | tr a-z A-Z)" "$2" "$version"
	printf '# NAME\n\n%s - %s\n\n' "$1" "$3"
}

case $page in
rloader)
	{
		header rloader 8 "assemble, verify and run R-code message handlers; attach them at XDP and TC"
		printf '# SYNOPSIS\n\n**rloader** [**-j**|**-p**] [**-n** *NETNS*] *COMMAND* [*OPTIONS*] [*ARGS*]\n\n'
		printf '# DESCRIPTION\n\n'
		body docs/rloader.md intro
		printf '\n# COMMANDS\n\n'
		for v in $("$rl" -j --help | jq -r '.commands[].name'); do
			"$rl" -j "$v" --help | jq -r '
				"## \(.command) \(.args)\n\n\(.summary)\n\n" +
				(if .description != "" then
					"```\n\(.description)```\n\n" else "" end) +
				(if (.options | length) > 0 then
					"Options:\n\n" +
					([.options[] |
					  (if .short then "**-\(.short)**, " else "" end) +
					  "**--\(.name)**" + (if .takes then " *\(.takes)*" else "" end) +
					  "\n:   \(.help)" +
					  (if .choices then " (\(.choices | join(", ")))" else "" end) +
					  (if .repeatable then " (repeatable)" else "" end) + "\n"
					 ] | join("\n")) + "\n"
				 else "" end)'
		done
		body docs/rloader.md rest
		printf '\n# SEE ALSO\n\nlibrcode(3), rcode(7), xdp-loader(8), bpftool(8), ip-link(8)\n'
	} >"$md"
	;;
librcode)
	{
		header librcode 3 "R-code message handlers in the kernel: the C library"
		printf '# SYNOPSIS\n\n**#include <rcode/librcode.h>**\n\n**#include <rcode/rcode_handler.h>**\n\n'
		printf 'Link with **pkg-config --cflags --libs librcode**.\n\n# DESCRIPTION\n\n'
		body docs/userlib.md intro
		body docs/userlib.md rest
		printf '\n# SEE ALSO\n\nrloader(8), rcode(7), libbpf(3)\n'
	} >"$md"
	;;
rcode)
	{
		header rcode 7 "the R-code language of rcode's message handlers"
		printf '# DESCRIPTION\n\n'
		body docs/rcode.md intro
		body docs/rcode.md rest
		printf '\n# SEE ALSO\n\nrloader(8), librcode(3)\n'
	} >"$md"
	;;
*)
	echo "mkman.sh: no page '$page' (rloader, librcode, rcode)" >&2
	exit 2
	;;
esac
pandoc -f markdown-smart -t man -s "$md" -o "$out.tmp"
mv "$out.tmp" "$out"
