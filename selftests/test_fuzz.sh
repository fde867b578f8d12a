#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# test_fuzz.sh - run every libFuzzer harness (BUILD/fuzz/fuzz_*, built by
# 'make fuzz-build' from fuzz/fuzz_*.c) for RC_FUZZ_SECONDS each (default
# 30), starting from its seed corpus: fuzz/corpus/NAME/, and for the
# assembler and the C front end the examples and the data-file cases.  The harnesses
# check properties (fuzz/README.md); one that finds an input breaking
# one stops, and the input is kept as BUILD/fuzz/artifacts/NAME-crash-*
# to be turned into a regression case.  'make fuzz FUZZ_SECONDS=N' runs
# the same for longer.
#
# usage: selftests/test_fuzz.sh [--build DIR] [NAME...]
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests fuzz
top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
if [ "${1:-}" = --build ]; then
	build=$2
	shift 2
fi
case $build in /*) ;; *) build=$top/$build ;; esac
secs=${RC_FUZZ_SECONDS:-30}
names=$*
[ -n "$names" ] || names=$(cd "$top/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')

work=$(mktemp -d /tmp/rcode-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$build/fuzz/artifacts" || exit 1
for n in $names; do
	bin=$build/fuzz/fuzz_$n
	if [ ! -x "$bin" ]; then
		fail "$n" "$bin is missing (make fuzz-build; it needs clang's fuzzer runtime, libclang-rt-14-dev)"
		continue
	fi
	mkdir -p "$work/$n"
	# New inputs go to the scratch corpus; the seeds are only read: the
	# harness's own corpus, and for the text harnesses the examples and
	# the data-file cases themselves (not copies of them).
	set -- "$top/fuzz/corpus/$n"
	case $n in
	binfmt)
		# The binary form of every example and interpreter case,
		# assembled now (binaries are built, not committed).
		mkdir -p "$work/binfmt-seeds"
		for f in "$top"/examples/*.r "$top"/selftests/cases/interp/*.r; do
			"$build/rloader" assemble "$f" -o \
				"$work/binfmt-seeds/$(basename "$f" .r).rbin" \
				>/dev/null 2>&1
		done
		set -- "$work/binfmt-seeds" ;;
	asm) set -- "$top/examples" "$top/selftests/cases/interp" \
		"$top/selftests/cases/verify" ;;
	rcc) set -- "$top/examples" "$top/selftests/cases/c" ;;
	esac
	for d in "$@"; do [ -d "$d" ] || fail "$n" "no seed directory $d"; done
	"$bin" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$build/fuzz/artifacts/$n-" -rss_limit_mb=2048 \
	    "$work/$n" "$@" >"$work/$n.log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$n.log" | tail -n 1)
	if [ "$st" -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
		pass "$n: $runs inputs in ${secs} s, every property held"
	else
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/$n.log" | tail -n 1)
		why=$(grep -m1 -E 'fuzz property failed|ERROR: (Address|Leak|libFuzzer)|runtime error' "$work/$n.log")
		fail "$n" "status $st after ${runs:-0} inputs: ${why:-see the log below}${art:+; the input is $art}"
		tail -n 15 "$work/$n.log" | sed 's/^/    /'
	fi
done
rc_exit
