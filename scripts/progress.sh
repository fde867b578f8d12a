# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=sh
#
# progress.sh - a "still working" line for long steps of the shell tools
# (each benchmark, the VM boots); source it.  POSIX sh.
#
#   progress_run LABEL CMD...   run CMD; on a terminal, one line on stderr
#                               "LABEL: N s" redrawn each second while it
#                               runs, erased when it ends.  Returns CMD's
#                               status.  Not a terminal: just runs CMD.
#   progress_line TEXT          draw TEXT over the line (terminal only)
#   progress_clear              erase it (terminal only)
#
# Only when both stdout and stderr are terminals: a log or a pipe gets
# no carriage returns.  The loop ends with CMD, which bounds itself.

progress_tty() { [ -t 1 ] && [ -t 2 ]; }

progress_line() {
	progress_tty && printf '\r\033[K%s' "$1" >&2
	return 0
}

progress_clear() {
	progress_tty && printf '\r\033[K' >&2
	return 0
}

progress_run() {
	_pg_label=$1
	shift
	if ! progress_tty; then
		"$@"
		return
	fi
	"$@" &
	_pg_pid=$!
	_pg_t0=$(date +%s)
	while kill -0 "$_pg_pid" 2>/dev/null; do
		progress_line "$_pg_label: $(( $(date +%s) - _pg_t0 )) s"
		sleep 1
	done
	wait "$_pg_pid"
	_pg_rc=$?
	progress_clear
	return "$_pg_rc"
}
