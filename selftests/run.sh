#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# run.sh - run rcode's tests and print one closing line
#   "N passed, N failed" (", N skipped" when some were skipped).
#
# usage: selftests/run.sh [--build DIR] [--san-build DIR] [--userspace]
#                         [--no-vm] [--exclude PATTERN] [--list]
#                         [PATTERN...]
#
# A test is a program that prints one line per check:
#   PASS: name            FAIL: name: why            SKIP: name: why
# and exits 0 when everything it checked passed.  The runner counts those
# lines; a test that exits non-zero without printing a FAIL line counts as
# one failure, so a crash is never silent.  The shell tests print them
# with the helpers of selftests/lib.sh.
#
# Tests are found by name:
#   BUILD/selftests/test_*   C tests (userspace)
#   BUILD/selftests/test_priv_*  C tests that need root and BPF
#   selftests/test_*.sh      shell tests of the tools (userspace)
#   selftests/priv_*.sh      tests that need root, BPF and network namespaces
#   selftests/vm_*.sh        tests that boot a virtual machine (not with
#                            --no-vm, which the VM's own run uses)
# With --san-build, the userspace tests run a second time against the
# AddressSanitizer/UndefinedBehaviorSanitizer build.  --exclude PATTERN
# (may be repeated) leaves out the tests whose names contain it.
#
# Under CI=true a skipped check counts as failed: a privileged or VM test
# that cannot run must not look green.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
build=build
san=
userspace_only=
no_vm=
excludes=
list_only=
patterns=
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--san-build) san=$2; shift 2 ;;
	--userspace) userspace_only=1; shift ;;
	--no-vm) no_vm=1; shift ;;
	--exclude) excludes="$excludes $2"; shift 2 ;;
	--list) list_only=1; shift ;;
	-h|--help) sed -n '3,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) patterns="$patterns $1"; shift ;;
	esac
done

npass=0 nfail=0 nskip=0
logdir=$(mktemp -d /tmp/rcode-tests.XXXXXX)
trap 'rm -rf "$logdir"' EXIT INT TERM
timeout_s=${RC_TEST_TIMEOUT:-600}

wanted() {
	for p in $excludes; do
		case $1 in *"$p"*) return 1 ;; esac
	done
	[ -z "$patterns" ] && return 0
	for p in $patterns; do
		case $1 in *"$p"*) return 0 ;; esac
	done
	return 1
}

# run_test LABEL BUILD-DIR COMMAND...
run_test() {
	label=$1 dir=$2
	shift 2
	wanted "$label" || return 0
	if [ -n "$list_only" ]; then echo "$label"; return 0; fi
	log=$logdir/$(echo "$label" | tr '/ ' '__').log
	start=$(date +%s)
	# A VM test has its own wall-time limit (run-vm.sh's --timeout, from
	# RC_VM_TIMEOUT) and reports which boot ran out; the runner's limit
	# only backs it up.
	tmo=$timeout_s
	case $label in vm_*) tmo=$(( ${RC_VM_TIMEOUT:-2400} + 300 )) ;; esac
	[ "$tmo" -lt "$timeout_s" ] && tmo=$timeout_s
	RC_ROOT=$top RC_BUILD=$dir RLOADER=$top/$dir/rloader \
		timeout -k 10 "$tmo" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		[ "$rc" -eq 124 ] && why="timed out after ${tmo}s" \
			|| why="exited with status $rc"
		echo "FAIL: $label: $why" >>"$log"
		f=1
	fi
	if [ "${CI:-}" = true ] && [ "$s" -gt 0 ]; then
		sed -n 's/^SKIP: /FAIL: (skipped under CI=true) /p' "$log" >>"$log.ci"
		cat "$log.ci" >>"$log"
		f=$((f + s))
		s=0
	fi
	npass=$((npass + p)) nfail=$((nfail + f)) nskip=$((nskip + s))
	secs=$(( $(date +%s) - start ))
	if [ "$f" -gt 0 ]; then
		printf '[FAIL] %-40s %d passed, %d failed (%ss)\n' "$label" "$p" "$f" "$secs"
		grep '^FAIL: ' "$log" | sed 's/^/       /'
		echo "       --- last lines of output ---"
		grep -v '^PASS: ' "$log" | tail -n 25 | sed 's/^/       | /'
	else
		printf '[ ok ] %-40s %d passed%s (%ss)\n' "$label" "$p" \
			"$( [ "$s" -gt 0 ] && echo ", $s skipped")" "$secs"
		grep '^SKIP: ' "$log" | sed 's/^/       /'
	fi
}

# run_suite BUILD-DIR TAG USERSPACE-ONLY
run_suite() {
	dir=$1 tag=$2
	for t in "$dir"/selftests/test_*; do
		[ -x "$t" ] || continue
		case $t in *.d|*.o) continue ;; esac
		case $t in */test_priv_*) [ -n "$3" ] && continue ;; esac
		run_test "$tag$(basename "$t")" "$dir" "$t"
	done
	for t in selftests/test_*.sh; do
		[ -f "$t" ] || continue
		# The fuzzers are sanitizer builds of their own (fuzz/):
		# the sanitizer pass has nothing to add to them.
		case $tag$t in san/selftests/test_fuzz.sh) continue ;; esac
		run_test "$tag$(basename "$t")" "$dir" sh "$t"
	done
	[ -n "$3" ] && return 0
	for t in selftests/priv_*.sh selftests/vm_*.sh; do
		[ -f "$t" ] || continue
		case $t in selftests/vm_*) [ -n "$no_vm" ] && continue ;; esac
		run_test "$tag$(basename "$t")" "$dir" sh "$t"
	done
}

if [ ! -x "$build/rloader" ]; then
	echo "run.sh: $build/rloader is missing; run 'make' first" >&2
	exit 2
fi
run_suite "$build" "" "$userspace_only"
if [ -n "$san" ]; then
	if [ ! -x "$san/rloader" ]; then
		echo "run.sh: $san/rloader is missing" >&2
		exit 2
	fi
	# Sanitizers report to stderr and abort: a report is a failure.
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		run_suite "$san" "san/" 1
fi
[ -n "$list_only" ] && exit 0

if [ "$nskip" -gt 0 ]; then
	echo "$npass passed, $nfail failed, $nskip skipped"
else
	echo "$npass passed, $nfail failed"
fi
[ "$nfail" -eq 0 ]
