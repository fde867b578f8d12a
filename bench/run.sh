#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# run.sh [BUILD] - run the benchmarks (make bench) and write bench/results/:
#   results.md    tables, with the machine they were measured on
#   results.json  the same, with every round (bench_prog's and bench_rtt's
#                 JSON under "prog" and "rtt", the machine under "machine")
#   prog.png      ns per run of each XDP program (bench_prog): hand-written
#                 C, translated R-code, the in-kernel interpreter
#   spin.png      cost per message against executed R-code instructions,
#                 every path, and where the user level catches up
#                 (bench_spin, with bench_rtt's round trips)
#   rtt.png       round-trip time distributions (bench_rtt via rtt.sh)
#   install.json  install latency by stage (bench_install)
#   coll.json     allreduce and barrier latency for N = 2..16 ranks,
#                 in-kernel against user level (bench_coll via coll.sh)
#   coll.png      the same, p50 and p99 against N
#   osu.json      rcode's collectives in every wait mode against Open MPI
#                 (TCP, shared memory) and MPICH, the OSU Micro-Benchmarks'
#                 method (OMB 7.2) on the same network (bench/osu.sh; the
#                 MPIs where installed: scripts/install-deps.sh --bench)
#   osu.png       the same, p50 and OSU average against N
#   model.png     a LogGP-style model fitted to it, predicted to N = 1,024
#                 (bench/osu/model.py)
#
# Needs root (BPF, network namespaces).  Each benchmark repeats its rounds
# until its medians are known to the target precision or a time limit
# passes, and says which in the tables.  Extra options go to the programs
# through BENCH_PROG_ARGS, BENCH_SPIN_ARGS, BENCH_INSTALL_ARGS,
# BENCH_RTT_ARGS, BENCH_COLL_ARGS and BENCH_OSU_ARGS (e.g.
# BENCH_PROG_ARGS=--ipv6, BENCH_OSU_ARGS='--rounds 5');
# RTT_CLIENT_MODE and RTT_CLIENT_TX_CSUM are read by rtt.sh.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${1:-build}
out=bench/results

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (BPF_PROG_TEST_RUN, XDP, network namespaces)" >&2
	exit 2
fi
for b in bench_prog bench_spin bench_rtt bench_report bench_install bench_coll; do
	[ -x "$build/bench/$b" ] || {
		echo "bench: $build/bench/$b is missing: make bench" >&2
		exit 2
	}
done
command -v gnuplot >/dev/null || { echo "bench: gnuplot is missing" >&2; exit 2; }

tmp=$(mktemp -d /tmp/rcode-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$out"
# shellcheck source=scripts/progress.sh
. "$(dirname "$0")/../scripts/progress.sh"

echo "== XDP programs under BPF_PROG_TEST_RUN"
# shellcheck disable=SC2086	# word splitting of the extra options is wanted
progress_run bench_prog "$build/bench/bench_prog" --json "$tmp/prog.json" ${BENCH_PROG_ARGS:-}
echo "== cost against executed instructions"
# shellcheck disable=SC2086
progress_run bench_spin "$build/bench/bench_spin" --json "$tmp/spin.json" ${BENCH_SPIN_ARGS:-}
echo "== install latency"
# shellcheck disable=SC2086
progress_run bench_install "$build/bench/bench_install" --md "$tmp/install.md" \
	--json "$out/install.json" ${BENCH_INSTALL_ARGS:-}
echo "== round trip over veth"
# shellcheck disable=SC2086
progress_run rtt.sh sh bench/rtt.sh "$build" "$tmp" ${BENCH_RTT_ARGS:-}
echo "== collectives"
# shellcheck disable=SC2086
progress_run coll.sh sh bench/coll.sh "$build" "$tmp" ${BENCH_COLL_ARGS:-}
cp "$tmp/coll.json" "$out/coll.json"
echo "== collectives against MPI (OSU method)"
# shellcheck disable=SC2086
sh bench/osu.sh "$build" "$tmp" ${BENCH_OSU_ARGS:-}
cp "$tmp/osu.json" "$tmp/osu.png" "$tmp/model.png" "$out/"

"$build/bench/bench_report" --out "$out" --data "$tmp" \
	--prog "$tmp/prog.json" --rtt "$tmp/rtt.json" --spin "$tmp/spin.json" \
	--install "$out/install.json" \
	--clang "$(clang --version 2>/dev/null | head -n 1)" \
	--note "$(cat <<'NOTE'
### How XDP_TX reaches the client on a veth

The XDP echo answers with XDP_TX, which on a veth puts the frame straight
into the peer's receive ring.  On this kernel that frame is delivered only
when the peer (the client's veth) has an XDP program attached: the
driver's flush after XDP_TX (veth_xdp_flush) wakes the peer's NAPI only if
the peer runs XDP.  GRO on the client's veth gives it a NAPI ring too, so
the frame is accepted (the server counts xdp_tx, no drops), but nothing
polls the ring and the reply is never seen; with neither, the frame is
dropped.  rtt.sh therefore attaches the trivial XDP_PASS program
(bpf/ref/xdp_pass.bpf.c) to the client's veth (RTT_CLIENT_MODE=gro or
none reproduce the other two cases: every XDP reply is lost).

The client's veth also has transmit checksum offload turned off: with it
on, datagrams cross the veth with only the pseudo-header sum in the UDP
checksum field (CHECKSUM_PARTIAL), the XDP echo updates that partial sum
and sends it back, and the client's stack, which sees the reply as a new
packet, drops it as a checksum error (RTT_CLIENT_TX_CSUM=on shows
UdpInCsumErrors).  A NIC's peer on a real wire always sends complete
checksums.
NOTE
)"
{ echo; cat "$tmp/install.md"; echo; cat "$tmp/coll.md"; echo; cat "$tmp/osu.md"; \
  echo; cat "$tmp/model.md"; } \
	>>"$out/results.md"
gnuplot -e "data='$tmp'; out='$out'" bench/plot.gp
echo "bench: results in $out/: results.md results.json install.json coll.json osu.json prog.png spin.png rtt.png coll.png osu.png model.png"
