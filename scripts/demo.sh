#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# demo.sh - the main job: take the example handlers through the toolchain
# and show what they do.  Usage: scripts/demo.sh [BUILD-DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=$build/rloader
tmp=$(mktemp -d /tmp/rcode-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$top"

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "Verify every example handler" "rloader verify examples/*.r"
$rl verify examples/*.r

step "Assemble the global-sum fan-in handler to its binary form" \
     "rloader assemble examples/gsum.r -o gsum.rbin"
$rl assemble examples/gsum.r -o "$tmp/gsum.rbin"

step "Three children send 5 each: two are absorbed, the third completes the sum" \
     "rloader run gsum.rbin --src 1 --payload u64:5 --repeat 3"
$rl run "$tmp/gsum.rbin" --src 1 --payload u64:5 --repeat 3

step "The echo handler answers in place (ranks swapped, first word + 1)" \
     "rloader run examples/echo.r --src 4 --dst 0 --payload u64:41"
$rl run examples/echo.r --src 4 --dst 0 --payload u64:41

step "A broken handler gets compiler-style errors" "rloader verify broken.r"
cat >"$tmp/broken.r" <<'R'
.handler broken
.state total
        ldp64 0
        add             ; needs two values, has one
        sts total
R
$rl verify "$tmp/broken.r" || echo "(rloader exited with status $? : rejected)"

step "A fault is recorded with its code and pc, and the message still goes up" \
     "rloader run divide.r --payload u64:0"
cat >"$tmp/divide.r" <<'R'
.handler divide
        push 100
        ldp64 0
        div             ; faults when the payload word is 0
        stp64 0
        pass
R
$rl run "$tmp/divide.r" --payload u64:0 || echo "(rloader exited with status $? : handler faulted)"

step "The same result for programs: JSON" "rloader -p run examples/counter.r --tag 7"
$rl -p run examples/counter.r --tag 7
