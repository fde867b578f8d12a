#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_progress.sh - rloader's progress line (loader/progress.c) for the
# in-kernel interpreter's load, the slowest thing it does: on a terminal
# (a pty from script(1)) the line appears, counts up, and is erased
# before the verb's own output, which is unchanged; with stderr not a
# terminal there is none of it, neither on stderr nor on stdout.
#
# Needs root (the interpreter loads into the kernel) and its JIT.
set -u

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests progress
need_root "the in-kernel interpreter"
need_tools script timeout
tmp=$(mktemp -d /tmp/rcode-progress.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$top" || exit 1
if [ "$("$rl" -j features 2>/dev/null | grep -c '"name":"interp","works":true')" != 1 ]; then
	# Without the JIT the interpreter is refused by design (bpf_loop),
	# so there is no load to show progress for: check that this is why,
	# as the VM's second boot has it, and stop.  Anything else is a skip.
	jit=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null || echo 1)
	if [ "$jit" = 0 ]; then
		"$rl" run examples/counter.r --path interp >/dev/null 2>"$tmp/nojit.err"
		expect_eq "no JIT: run --path interp refused (status 3), nothing to show progress for" $? 3
		rc_exit
	fi
	skip_all "the in-kernel interpreter does not work here (rloader features)"
fi

cmd="$rl run examples/counter.r --path interp"
# Not a terminal: the reference output, and stderr empty.
timeout 120 $cmd >"$tmp/plain.out" 2>"$tmp/plain.err"
expect_eq "no terminal: exit status" $? 0
expect_eq "no terminal: nothing on stderr" "$(wc -c <"$tmp/plain.err" | tr -d ' ')" 0
expect_eq "no terminal: no progress on stdout" \
	"$(grep -c 'loading the in-kernel interpreter' "$tmp/plain.out")" 0

# A terminal (stdout and stderr both the pty).
timeout 120 script -qec "$cmd" /dev/null >"$tmp/tty.out" 2>&1 </dev/null
expect_eq "terminal: exit status" $? 0
n=$(tr '\r' '\n' <"$tmp/tty.out" | grep -c '^run: loading the in-kernel interpreter . [0-9.]* s')
if [ "$n" -ge 1 ]; then
	pass "terminal: the progress line is drawn ($n times)"
else
	fail "terminal: the progress line is drawn" "$(head -c 300 "$tmp/tty.out")"
fi
expect_eq "terminal: and erased (CR, erase to end of line)" \
	"$(grep -c "$(printf '\r\033\\[K')" "$tmp/tty.out")" 1
# What follows the erase is the verb's output as without a terminal
# (the pty turns \n into \r\n).
printf '%s' "$(sed "s/.*$(printf '\033')\\[K//" "$tmp/tty.out" | tr -d '\r')" >"$tmp/tty.clean"
printf '%s' "$(cat "$tmp/plain.out")" >"$tmp/plain.clean"
cmp -s "$tmp/tty.clean" "$tmp/plain.clean"
expect_eq "terminal: the output after it is the same as without one" $? 0 ||
	diff "$tmp/tty.clean" "$tmp/plain.clean" | head -n 5
rc_exit
