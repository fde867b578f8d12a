#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# coll.sh BUILD [OUTDIR [BENCH_COLL_OPTION...]] - allreduce and barrier
# latency, in-kernel against user level, for N = 2, 4, 8, 16 ranks.
#
# Builds a switched network of 16 namespaces with selftests/tools/
# coll_topo.sh (rank r in rcx-coll-ID-r, interface rcxcIDnR), runs
# BUILD/bench/bench_coll on it and removes it on any exit.  Writes
# OUTDIR/coll.json, OUTDIR/coll.md and OUTDIR/coll.dat (default OUTDIR: .).
set -eu

build=${1:?usage: coll.sh BUILD [OUTDIR [OPTION...]]}
out=${2:-.}
shift
[ $# -gt 0 ] && shift
top=$(cd "$(dirname "$0")/.." && pwd)
topo=$top/selftests/tools/coll_topo.sh

if [ "$(id -u)" -ne 0 ]; then
	echo "coll.sh: needs root (network namespaces, TC)" >&2
	exit 2
fi
bin=$build/bench/bench_coll
[ -x "$bin" ] || { echo "coll.sh: $bin is missing: make bench" >&2; exit 2; }
mkdir -p "$out"

id=$(( $$ % 1000000 ))
tmp=$(mktemp -d /tmp/rcode-bench-coll.XXXXXX)
cleanup() {
	sh "$topo" down "$id" 16
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

RC_BUILD=$build sh "$topo" up "$id" 16 "$tmp/hosts"
"$bin" --hosts "$tmp/hosts" --ns-prefix "rcx-coll-$id-" --if-prefix "rcxc${id}n" \
	--tmpdir "$tmp" --json "$out/coll.json" --md "$out/coll.md" --dat "$out" "$@"
