#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# test_completion.sh - scripts/rloader.bash-completion, sourced in bash and
# driven as bash drives it (COMP_WORDS, COMP_CWORD, then _rloader):
# the verbs are 'rloader -j --help''s, a unique prefix completes, each
# verb's options are exactly its table's, an option's choices, interface
# names, handler files (*.r, *.rbin, *.c, not others), the sub-verbs of
# ranks, and the portals 'rloader -j status IFNAME' reports (from a stub
# rloader, so no root and no attached handler are needed).
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests completion
top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}
need_tools bash jq
comp=$top/scripts/rloader.bash-completion
[ -f "$comp" ] || skip_all "needs the source tree"
tmp=$(mktemp -d /tmp/rcode-completion.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

# A stub rloader: the real one, except that status reports handlers on
# portals 2 and 5 of lo.
cat >"$tmp/rloader" <<SH
#!/bin/sh
if [ "\$1" = -j ] && [ "\$2" = status ]; then
	echo '[{"interface":"lo","dispatcher":{"port":7117},"handlers":[{"portal":2,"handler":"echo"},{"portal":5,"handler":"counter"}]}]'
	exit 0
fi
exec "$rl" "\$@"
SH
chmod +x "$tmp/rloader"
mkdir "$tmp/files" && touch "$tmp/files/a.r" "$tmp/files/b.rbin" "$tmp/files/c.c" \
	"$tmp/files/d.txt"

# comp WORD...: what completing the last word offers, sorted, one line.
comp() {
	(cd "$tmp/files" && bash -c '
		shopt -s extglob
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
		_rloader
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' bash "$comp" \
		"$tmp/rloader" "$@")
}

expect_eq "verbs: those of rloader -j --help" "$(comp '')" \
	"$("$rl" -j --help | jq -r '.commands[].name' | sort | tr '\n' ' ')"
expect_eq "a prefix: 'fe' -> features" "$(comp fe)" "features "
expect_eq "global options after -" "$(comp --j)" "--json "
for v in $("$rl" -j --help | jq -r '.commands[].name'); do
	expect_eq "$v: options are its table's" "$(comp "$v" -)" \
		"$( ("$rl" -j "$v" --help | jq -r '.options[] | "--" + .name, (select(.short) | "-" + .short)'; echo --help) |
			sort | tr '\n' ' ')"
done
expect_eq "an ambiguous verb prefix ('stat') completes nothing" "$(comp stat -)" ""
expect_eq "a unique verb prefix ('atta') takes attach's options" \
	"$(comp atta --mo)" "--mode "
expect_eq "attach --path: its choices" "$(comp attach --path '')" "interp xlate "
expect_eq "run --path x: xlate" "$(comp run a.r --path x)" "xlate "
expect_eq "attach IFNAME: interface names (lo)" "$(comp attach l)" "lo "
expect_eq "attach lo FILE: handler files only" "$(comp attach lo '')" "a.r b.rbin c.c "
expect_eq "verify FILE...: handler files again after one" "$(comp verify a.r '')" \
	"a.r b.rbin c.c "
expect_eq "stats lo PORTAL: the attached portals" "$(comp stats lo '')" "2 5 "
expect_eq "detach lo --portal: the attached portals" "$(comp detach lo --portal '')" "2 5 "
expect_eq "ranks: load show clear" "$(comp ranks '')" "clear load show "
expect_eq "ranks load lo HOSTS: any file" "$(comp ranks load lo '')" "a.r b.rbin c.c d.txt "
expect_eq "help: topics and verbs" "$(comp help op)" "opcodes "
expect_eq "-n NETNS before the verb is skipped" "$(comp -n x fe)" "features "
rc_exit
