#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# rtt.sh BUILD [OUTDIR [BENCH_RTT_OPTION...]] - round-trip latency of the
# echo handler between two network namespaces joined by a veth pair.
#
# Creates namespaces rcb-a-PID (client, 198.18.0.1/24) and rcb-b-PID
# (server, 198.18.0.2/24; RFC 2544 benchmarking addresses), runs
# BUILD/bench/bench_rtt between them and removes both on any exit, which
# also removes the veth pair and every XDP program attached to it.
# Writes OUTDIR/rtt.json and OUTDIR/rtt_<server>.dat (default OUTDIR: .).
#
# The link is set up so that nothing but the benchmark's messages crosses
# it: IPv6 off (no neighbour discovery, no DAD), static ARP entries.
#
# Environment:
#   RTT_CLIENT_MODE=xdp|gro|none   how XDP_TX frames reach the client
#       (default xdp).  A veth hands an XDP_TX frame straight to its
#       peer's receive ring, which only exists while the peer runs NAPI:
#       xdp attaches the trivial XDP_PASS program to the client's veth,
#       gro enables GRO on it instead, none does neither (and every
#       XDP reply is dropped: bench_rtt reports them lost).
#   RTT_CLIENT_TX_CSUM=off|on   checksum offload of the client's veth
#       (default off).  With it on, the client's datagrams cross the veth
#       with CHECKSUM_PARTIAL, i.e. only the pseudo-header sum in the
#       checksum field; an XDP program that answers with XDP_TX sends
#       that partial sum back, the frame comes back as a fresh packet
#       whose checksum is verified, and the client's stack drops it
#       (UDP InCsumErrors).  A real NIC's peer computes the checksum, as
#       the client does with offload off.
set -eu

build=${1:?usage: rtt.sh BUILD [OUTDIR [OPTION...]]}
out=${2:-.}
shift
[ $# -gt 0 ] && shift
mode=${RTT_CLIENT_MODE:-xdp}
csum=${RTT_CLIENT_TX_CSUM:-off}

if [ "$(id -u)" -ne 0 ]; then
	echo "rtt.sh: needs root (network namespaces, XDP)" >&2
	exit 2
fi
bin=$build/bench/bench_rtt
[ -x "$bin" ] || { echo "rtt.sh: $bin is missing: make bench" >&2; exit 2; }
mkdir -p "$out"

nsa=rcb-a-$$ nsb=rcb-b-$$ va=rcba$$ vb=rcbb$$
cleanup() {
	ip netns del "$nsa" 2>/dev/null || true
	ip netns del "$nsb" 2>/dev/null || true
	ip link del "$va" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ip netns add "$nsa"
ip netns add "$nsb"
ip link add "$va" type veth peer name "$vb"
ip link set "$va" netns "$nsa"
ip link set "$vb" netns "$nsb"
for ns in "$nsa" "$nsb"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip -n "$nsa" addr add 198.18.0.1/24 dev "$va"
ip -n "$nsb" addr add 198.18.0.2/24 dev "$vb"
ip -n "$nsa" link set "$va" up
ip -n "$nsb" link set "$vb" up
maca=$(ip netns exec "$nsa" cat "/sys/class/net/$va/address")
macb=$(ip netns exec "$nsb" cat "/sys/class/net/$vb/address")
ip -n "$nsa" neigh replace 198.18.0.2 lladdr "$macb" dev "$va" nud permanent
ip -n "$nsb" neigh replace 198.18.0.1 lladdr "$maca" dev "$vb" nud permanent
ip netns exec "$nsa" ethtool -K "$va" tx "$csum" >/dev/null
if [ "$mode" = gro ]; then
	ip netns exec "$nsa" ethtool -K "$va" gro on >/dev/null
fi

"$bin" --client-ns "$nsa" --server-ns "$nsb" --client-if "$va" \
	--server-if "$vb" --server-addr 198.18.0.2 --client-mode "$mode" \
	--json "$out/rtt.json" --samples "$out" "$@"
status=$?
# Lost replies show up here when the veth or the checksum was the cause.
ip netns exec "$nsa" nstat -az UdpInCsumErrors UdpInErrors 2>/dev/null |
	awk 'NR > 1 && $2 > 0 { print "rtt.sh: client " $1 " " $2 }' >&2 || true
exit $status
