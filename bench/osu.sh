#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# osu.sh BUILD [OUTDIR] [--sizes "2 4 8 16"] [--rounds R] [--iters I]
#        [--warmup W] [--ways "WAY ..."] [--slow-iters I]
#
# rcode's collectives against Open MPI and MPICH on the same network,
# measured by one loop, the OSU Micro-Benchmarks' method (OMB 7.2:
# bench/osu/osu_loop.h): N ranks, each a process in its own network
# namespace with a veth to a bridge (selftests/tools/coll_topo.sh), for
# N in --sizes; in every round each N runs every way once, the ways in
# an order that turns by round (so that drift in the machine's load
# spreads over all of them).  The ways:
#
#   rcode-auto    rcode's kernel mode as it comes (rcode_comm_opts all 0:
#                 wait auto, woken through the socket when asleep)
#   rcode-spin    the kernel mode spinning up to 1 ms every wait
#   rcode-sleep   the kernel mode sleeping at once (epoll)
#   rcode-upcall  the kernel mode sleeping at once, woken by an up-call
#   rcode-user    the user-level mode (the same protocol in the process)
#   ompi-tcp      Open MPI (mpirun.openmpi): pml ob1, btl self,tcp over
#                 the veths (btl_tcp_if_include 198.18.2.0/24)
#   ompi-shm      Open MPI, btl self,vader: shared memory, the reference
#                 line (it does not use the network at all)
#   mpich-tcp     MPICH (mpiexec.hydra, ch4:ucx): UCX_TLS=tcp,self,
#                 MPIR_CVAR_NOLOCAL=1, each rank on its veth
#
# Two ways spin without yielding the CPU, MPICH (UCX polls) and
# rcode-spin: with more ranks than CPUs a call then takes milliseconds
# (each rank waits for the time slice of the one it needs), and 1,100
# calls per size would take many minutes; there (N > CPUs) they run
# --slow-iters timed iterations (default 100, 10 warm-up), and the
# results mark them.
# A way whose program is missing (the MPIs are bench dependencies:
# scripts/install-deps.sh --bench) is left out and the results say so.
# Open MPI's launcher and its PMIx server stay in this namespace: the
# bridge gets a port here (rcxrID, 198.18.2.254/24), the ranks reach
# PMIx through it (PMIX_MCA_ptl_tcp_remote_connections=1,
# PMIX_MCA_ptl_tcp_if_include), and bench/osu/netns_rank.sh puts each
# rank into its namespace.  IPv6 is off on the veths (MPI would use it
# too).  Every run is bounded (timeout 180 s); the network goes on any
# exit.  Writes OUTDIR/osu.jsonl (every rank's line), osu.json, osu.md,
# osu.dat (bench/osu/osu_report.py), OUTDIR/osu.png, and the model of
# scale: model.md, model.dat (bench/osu/model.py), model.png.
set -eu

build=${1:?usage: osu.sh BUILD [OUTDIR] [options]}
shift
out=.
case ${1:-} in --*|'') ;; *) out=$1; shift ;; esac
sizes="2 4 8 16" rounds=3 iters=1000 warmup=100 slow_iters=100
ways="rcode-auto rcode-spin rcode-sleep rcode-upcall rcode-user ompi-tcp ompi-shm mpich-tcp"
while [ $# -gt 0 ]; do
	case $1 in
	--sizes) sizes=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--iters) iters=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--ways) ways=$2; shift 2 ;;
	--slow-iters) slow_iters=$2; shift 2 ;;
	*) echo "osu.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
topo=$top/selftests/tools/coll_topo.sh
wrap=$top/bench/osu/netns_rank.sh
case $build in /*) ;; *) build=$top/$build ;; esac

if [ "$(id -u)" -ne 0 ]; then
	echo "osu.sh: needs root (network namespaces, TC)" >&2
	exit 2
fi
[ -x "$build/bench/bench_osu" ] || { echo "osu.sh: $build/bench/bench_osu is missing: make bench" >&2; exit 2; }
mkdir -p "$out"

# the ways this machine has
have=
for w in $ways; do
	case $w in
	ompi-*) [ -x "$build/bench/osu_coll_mpi.openmpi" ] && command -v mpirun.openmpi >/dev/null ||
		{ echo "osu.sh: no Open MPI (mpirun.openmpi, make bench-mpi): $w left out" >&2; continue; } ;;
	mpich-*) [ -x "$build/bench/osu_coll_mpi.mpich" ] && command -v mpiexec.hydra >/dev/null ||
		{ echo "osu.sh: no MPICH (mpiexec.hydra, make bench-mpi): $w left out" >&2; continue; } ;;
	esac
	have="$have $w"
done

id=$(( $$ % 1000000 ))
tmp=$(mktemp -d /tmp/rcode-bench-osu.XXXXXX)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	sh "$topo" down "$id" 16
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

maxn=0
for n in $sizes; do [ "$n" -gt "$maxn" ] && maxn=$n; done
RC_BUILD=$build sh "$topo" up "$id" "$maxn" "$tmp/hosts" --root-port 198.18.2.254 --no-ipv6
nsp=rcx-coll-$id- ifp=rcxc${id}n

# run_way WAY N ROUND: one run of the loop, its lines onto osu.jsonl
run_way() {
	w=$1 n=$2 k=$3 iters=$all_iters warmup=$all_warmup
	case $w in rcode-spin|mpich-*)
		if [ "$n" -gt "$(nproc)" ] && [ "$slow_iters" -lt "$iters" ]; then
			iters=$slow_iters warmup=$(( (slow_iters + 9) / 10 ))
		fi ;;
	esac
	: >"$tmp/run.out"
	case $w in
	rcode-*)
		head -n $((n + 1)) "$tmp/hosts" >"$tmp/hosts.$n"	# comment + n ranks
		case $w in
		rcode-auto) a= ;;
		rcode-spin) a="--wait spin --spin-us 1000" ;;
		rcode-sleep) a="--wait sleep" ;;
		rcode-upcall) a="--wait sleep --wake upcall" ;;
		rcode-user) a="--mode user" ;;
		esac
		pids='' r=0
		while [ "$r" -lt "$n" ]; do
			# shellcheck disable=SC2086	# $a: options or none
			nsenter --net=/run/netns/"$nsp$r" timeout -k 5 180 \
				"$build/bench/bench_osu" --hosts "$tmp/hosts.$n" --rank "$r" \
				--ifname "$ifp$r" --way "$w" --round "$k" --iters "$iters" \
				--warmup "$warmup" $a >"$tmp/run.$r" 2>"$tmp/err.$r" &
			pids="$pids $!"
			r=$((r + 1))
		done
		st=0
		for p in $pids; do wait "$p" || st=1; done
		pids=
		r=0
		while [ "$r" -lt "$n" ]; do cat "$tmp/run.$r" >>"$tmp/run.out"; r=$((r + 1)); done
		if [ "$st" -ne 0 ] || [ -n "${BENCH_OSU_STATS:-}" ]; then
			cat "$tmp"/err.* >&2
		fi
		;;
	ompi-*)
		btl="--mca btl self,tcp --mca btl_tcp_if_include 198.18.2.0/24"
		[ "$w" = ompi-shm ] && btl="--mca btl self,vader"
		# shellcheck disable=SC2086	# $btl: several options
		OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
		PMIX_MCA_ptl_tcp_remote_connections=1 PMIX_MCA_ptl_tcp_if_include=rcxr$id \
		OSU_NS_PREFIX=$nsp OSU_IF_PREFIX=$ifp \
			timeout -k 5 180 mpirun.openmpi -np "$n" --oversubscribe --bind-to none \
			--mca pml ob1 $btl --mca oob_tcp_if_include "rcxr$id" \
			"$wrap" "$build/bench/osu_coll_mpi.openmpi" "$w" "$k" "$iters" "$warmup" \
			>"$tmp/run.out" 2>"$tmp/err" || { st=1; cat "$tmp/err" >&2; }
		;;
	mpich-*)
		UCX_TLS=tcp,self MPIR_CVAR_NOLOCAL=1 OSU_NS_PREFIX=$nsp OSU_IF_PREFIX=$ifp \
			timeout -k 5 180 mpiexec.hydra -n "$n" \
			"$wrap" "$build/bench/osu_coll_mpi.mpich" "$w" "$k" "$iters" "$warmup" \
			>"$tmp/run.out" 2>"$tmp/err" || { st=1; cat "$tmp/err" >&2; }
		;;
	esac
	grep '^{' "$tmp/run.out" >>"$out/osu.jsonl" || true
}

all_iters=$iters all_warmup=$warmup
: >"$out/osu.jsonl"
nw=$(echo $have | wc -w)
k=0
while [ "$k" -lt "$rounds" ]; do
	for n in $sizes; do
		i=0
		while [ "$i" -lt "$nw" ]; do
			# the ways in turn, starting one further each round
			j=$(( (i + k) % nw + 1 ))
			w=$(echo $have | cut -d' ' -f$j)
			st=0
			t0=$(date +%s)
			run_way "$w" "$n" "$k"
			echo "osu: round $k n=$n $w: $( [ $st -eq 0 ] && echo ok || echo FAILED) ($(( $(date +%s) - t0 )) s)"
			i=$((i + 1))
		done
	done
	k=$((k + 1))
done
machine="$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$top/bench/osu/osu_report.py" "$out/osu.jsonl" "$out" "$machine" \
	"$(mpirun.openmpi --version 2>/dev/null | head -n 1)" \
	"$(mpichversion 2>/dev/null | sed -n 's/^MPICH Version:[[:space:]]*//p')"
gnuplot -e "data='$out'; out='$out'" "$top/bench/osu/osu.gp"
python3 "$top/bench/osu/model.py" "$out/osu.json" "$out" "$(nproc)"
gnuplot -e "data='$out'; out='$out'" "$top/bench/osu/model.gp"
