#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# test_progress.sh - scripts/progress.sh, which bench/run.sh and
# vm-images/run-vm.sh use: progress_run keeps the command's status and
# output; on a terminal (a pty from script(1)) it draws "LABEL: N s" and
# erases it; not on a terminal it writes nothing of its own.
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests progress-sh
top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
need_tools script timeout
[ -f "$top/scripts/progress.sh" ] || skip_all "needs the source tree"
tmp=$(mktemp -d /tmp/rcode-progress-sh.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
cat >"$tmp/t.sh" <<SH
. "$top/scripts/progress.sh"
progress_run working sh -c 'sleep 1.5; echo out; echo err >&2; exit 3'
echo "rc=\$?"
SH

timeout 30 sh "$tmp/t.sh" >"$tmp/out" 2>"$tmp/err" </dev/null
expect_eq "no terminal: stdout is the command's and the status" \
	"$(cat "$tmp/out" | tr '\n' ' ')" "out rc=3 "
expect_eq "no terminal: stderr is the command's only" "$(cat "$tmp/err")" "err"

timeout 30 script -qec "sh $tmp/t.sh" /dev/null >"$tmp/tty" 2>&1 </dev/null
expect_eq "terminal: the status is kept" "$(grep -c 'rc=3' "$tmp/tty")" 1
expect_eq "terminal: 'working: 0 s' drawn" \
	"$(tr '\r' '\n' <"$tmp/tty" | grep -c "$(printf '\033')\\[Kworking: 0 s")" 1
expect_eq "terminal: and erased after" \
	"$(tr '\r' '\n' <"$tmp/tty" | grep -c "^$(printf '\033')\\[Krc=3")" 1
rc_exit
