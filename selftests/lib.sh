# SPDX-License-Identifier: BSD-2-Clause
#
# lib.sh - what the shell tests (selftests/test_*.sh, priv_*.sh) share;
# source it, don't run it:
#
#	. "$(dirname "$0")/lib.sh"
#	rc_tests NAME [PREFIX]
#
# Relative to the script itself, not to RC_ROOT: the script and its lib.sh
# come from the same tree, in the VM too (the guest runs on the host's
# root file system).  POSIX sh: the host's sh is dash, and so is the VM's.
#
# A test prints one line per check, which selftests/run.sh counts:
#
#	PASS: name	FAIL: name: why		SKIP: name: why
#
# and exits non-zero if and only if a check failed.  Every script had its
# own copy of the helpers below, and the copies drifted: some counted their
# failures and some did not (and so exited 0 after a FAIL), some put the
# test's prefix into pass() and some into every name.  Here they are once.
#
#   rc_tests NAME [PREFIX]   start counting; PREFIX (default "NAME: ") goes
#                            before every check's name, NAME names the test
#                            as a whole on the lines of skip_all
#   pass NAME                a check held
#   fail NAME [WHY]          a check failed (counted); returns 1, so that
#                            "expect_eq ... || show the log" works
#   skip NAME [WHY]          a check that cannot be made here (run.sh fails
#                            it under CI=true)
#   expect_eq NAME ACTUAL EXPECTED
#                            pass if the strings are equal, else fail with
#                            both; returns as the check did
#   skip_all WHY             SKIP the whole test and exit 0
#   need_root [WHY]          skip_all unless root
#   need_tools TOOL...       skip_all unless every TOOL is a command
#   find_python              set $py to a python3; returns 1 if none
#   jget FILE EXPR           a value out of a JSON file
#   wait_until SECS CMD...   poll CMD until it succeeds, at most about SECS
#   rc_exit                  exit 1 if a check failed, else 0
#
# A fail in a subshell ($(...), a pipeline, a background job) prints its
# line, which run.sh counts, but cannot count for rc_exit: call the
# checks from the script's own shell.  Names of the library's own
# variables start with _rc_ or rc_, so that they don't clobber the
# script's (POSIX sh has no local).

rc_tests() {
	rc_name=$1
	if [ $# -ge 2 ]; then rc_prefix=$2; else rc_prefix="$1: "; fi
	rc_nfail=0
}
rc_name=test rc_prefix='' rc_nfail=0

pass() {
	echo "PASS: $rc_prefix$1"
}

# fail NAME [WHY]: with one argument it is printed as it is, so a caller
# may also say "name: why" in one string.
fail() {
	if [ $# -ge 2 ]; then
		echo "FAIL: $rc_prefix$1: $2"
	else
		echo "FAIL: $rc_prefix$1"
	fi
	rc_nfail=$((rc_nfail + 1))
	return 1
}

skip() {
	if [ $# -ge 2 ]; then
		echo "SKIP: $rc_prefix$1: $2"
	else
		echo "SKIP: $rc_prefix$1"
	fi
}

expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$3', got '$2'"
	fi
}

rc_exit() {
	[ "$rc_nfail" -eq 0 ] && exit 0
	exit 1
}

# A test that cannot run here at all is one SKIP line and status 0; under
# CI=true run.sh turns that line into a failure.
skip_all() {
	echo "SKIP: $rc_name: $1"
	exit 0
}

need_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root${1:+ ($1)}"
}

need_tools() {
	for _rc_t in "$@"; do
		command -v "$_rc_t" >/dev/null 2>&1 || skip_all "needs $_rc_t"
	done
}

# The distribution's python3 before the one first on PATH: a version
# manager's shim (pyenv's is a bash script) can cost a second a call, and
# some tests read JSON a hundred times.  The VM's image carries Debian's,
# at /usr/bin/python3 too.
find_python() {
	py=
	for _rc_p in /usr/bin/python3 python3; do
		if command -v "$_rc_p" >/dev/null 2>&1; then
			py=$_rc_p
			return 0
		fi
	done
	return 1
}

# jget FILE EXPR: the value of the Python expression EXPR over the JSON
# document d in FILE, JSON-encoded if it is a list, dict, bool or null,
# else as Python prints it ("d['mode']" -> native, "d['ok']" -> true).  A
# real parser, never grep.  When FILE is no JSON or EXPR fails, nothing on
# stdout (a check then sees an empty value, arithmetic sees 0 through
# ${v:-0}) and one line on stderr, in the test's log.  Without python3
# (find_python failed) it prints "(no python3)", which no check expects.
jget() {
	if [ -z "${py:-}" ]; then
		echo "(no python3)"
		return 1
	fi
	"$py" -c 'import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2])
except Exception as e:
    sys.exit("jget: %s: %s: %s: %s" % (sys.argv[1], sys.argv[2],
                                       type(e).__name__, e))
print(json.dumps(v) if isinstance(v, (dict, list, tuple, bool)) or v is None else v)' "$1" "$2"
}

# wait_until SECS CMD...: run CMD until it succeeds, 0.1 s apart, at most
# SECS * 10 + 1 times; returns 0 once it did, 1 if it never did.  The
# bound is a number of tries, not a time read from a clock: on a slow
# (emulated) machine each try takes longer, and so does what is waited
# for.  CMD may be a shell function; redirect inside it.
wait_until() {
	_rc_n=$(($1 * 10))
	shift
	while ! "$@"; do
		[ "$_rc_n" -gt 0 ] || return 1
		_rc_n=$((_rc_n - 1))
		sleep 0.1
	done
	return 0
}

# rc_pins IFNAME: the directory that holds IFNAME's pins,
# /sys/fs/bpf/rcode/net-<cookie>/IFNAME, in whichever network namespace
# (test interfaces carry the test's pid: one match); the pattern itself,
# which never exists, when there is none.
rc_pins() {
	for _rc_d in /sys/fs/bpf/rcode/net*/"$1"; do
		echo "$_rc_d"
		return 0
	done
}
