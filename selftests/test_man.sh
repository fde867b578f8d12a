#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# test_man.sh - the man pages, made from the current sources the way
# 'make man' makes them (scripts/mkman.sh), read back through man(1):
#   rloader(8): a section for every verb of 'rloader -j --help', and in
#     that section every option of the verb's own table; the global
#     options; the exit statuses
#   librcode(3): every symbol librcode.so exports (userlib/librcode.map)
#   rcode(7): every opcode of 'rloader -j help opcodes'
# and each renders without troff warnings.  (test_pkgconfig.sh checks
# that 'make install' puts them where man finds them.)
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests man
top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}
need_tools pandoc man jq col awk
[ -f "$top/scripts/mkman.sh" ] || skip_all "needs the source tree"
tmp=$(mktemp -d /tmp/rcode-man.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$top" || exit 1
version=$(cat VERSION)

# render PAGE: the page as text, wide enough that no option name breaks.
render() {
	MANWIDTH=200 man --warnings -l "$tmp/$1" 2>"$tmp/$1.warn" | col -b >"$tmp/$1.txt"
}
for p in rloader.8 librcode.3 rcode.7; do
	sh scripts/mkman.sh "${p%.*}" "$rl" "$version" "$tmp/$p" >"$tmp/mk.log" 2>&1
	expect_eq "mkman.sh ${p%.*}" $? 0 || head -n 5 "$tmp/mk.log"
	render "$p"
	expect_eq "$p: renders" "$(test -s "$tmp/$p.txt" && echo yes)" yes
	# Narrow table cells make troff say "cannot adjust line"; only
	# what is wrong with the markup counts.
	expect_eq "$p: no troff markup warnings" \
		"$(grep -v "cannot adjust line\|can't break line\|will not fit on one page" "$tmp/$p.warn")" ""
	expect_eq "$p: carries VERSION ($version)" \
		"$(grep -c "rcode $version" "$tmp/$p.txt")" 1
done

# ---- rloader(8): every verb, every option in its own section -------------------
txt=$tmp/rloader.8.txt
verbs=$("$rl" -j --help | jq -r '.commands[].name')
expect_eq "rloader -j --help lists verbs" "$(test -n "$verbs" && echo yes)" yes
# A verb's section under COMMANDS: from "   VERB ARGS" to the next
# three-space heading.
section() {
	awk -v v="$1" '
		/^COMMANDS/ { cmds = 1; next }
		cmds && /^[A-Z]/ { exit }
		cmds && /^   [a-z]/ { on = ($1 == v) }
		on' "$txt"
}
nv=0
for v in $verbs; do
	section "$v" >"$tmp/sec"
	if [ ! -s "$tmp/sec" ]; then
		fail "rloader.8: a section for '$v'"
		continue
	fi
	nv=$((nv + 1))
	missing=
	for o in $("$rl" -j "$v" --help | jq -r '.options[] | "--" + .name,
		   (select(.short) | "-" + .short)'); do
		grep -q -- "$o\b" "$tmp/sec" || missing="$missing $o"
	done
	expect_eq "rloader.8: '$v' section has every option of '$v --help'" "$missing" ""
	summary=$("$rl" -j "$v" --help | jq -r .summary)
	expect_eq "rloader.8: '$v' section has its summary" \
		"$(grep -cF "$summary" "$tmp/sec")" 1
done
expect_eq "rloader.8: a section per verb" "$nv" "$(echo "$verbs" | wc -l)"
missing=
for o in --json --pretty --netns --version --help; do
	grep -q -- "$o" "$txt" || missing="$missing $o"
done
expect_eq "rloader.8: the global options" "$missing" ""
expect_eq "rloader.8: NAME, SYNOPSIS, DESCRIPTION, COMMANDS, SEE ALSO" \
	"$(grep -c '^\(NAME\|SYNOPSIS\|DESCRIPTION\|COMMANDS\|SEE ALSO\)$' "$txt")" 5
expect_eq "rloader.8: the exit statuses (from docs/rloader.md)" \
	"$(grep -c '^EXIT STATUS' "$txt")" 1

# ---- librcode(3): every exported symbol ----------------------------------------
missing=
for s in $(sed -n 's/^[[:space:]]*\([a-z_0-9][a-z_0-9]*\);.*/\1/p' userlib/librcode.map); do
	grep -q "\b$s\b" "$tmp/librcode.3.txt" || missing="$missing $s"
done
expect_eq "librcode.3: every symbol of librcode.map" "$missing" ""

# ---- rcode(7): every opcode ---------------------------------------------------------
missing=
for op in $("$rl" -j help opcodes | jq -r '.[] | select(.reserved | not) | .name'); do
	grep -q "\b$op\b" "$tmp/rcode.7.txt" || missing="$missing $op"
done
expect_eq "rcode.7: every opcode of 'rloader help opcodes'" "$missing" ""
rc_exit
