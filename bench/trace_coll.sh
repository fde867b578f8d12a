#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# trace_coll.sh BUILD [SECONDS] - where the microseconds of an allreduce
# of 2 ranks go, from the kernel's tracepoints (tracefs): two ranks of
# bench_osu (rcode's kernel mode) on a network of 2 namespaces
# (selftests/tools/coll_topo.sh); for SECONDS (default 0.2) of their
# calls the leaf's (rank 1's) sendto() and every frame's queueing on and
# reception from a veth of the network, time-stamped.  When the root has
# contributed first, the leaf's sendto carries the whole operation: its
# UP goes through the bridge to the root's veth, where coll.r at TC
# completes the sum and forwards the DOWN, which comes back through the
# bridge to the leaf's veth, where coll.r publishes the result, all in
# the softirq of the leaf's send, before sendto returns.  Prints each
# step's median time from the sendto's entry (bench/osu/trace_report.py).
# Removes the network, and turns the events off, on any exit.
set -eu
build=${1:?usage: trace_coll.sh BUILD [SECONDS]}
secs=${2:-0.2}
top=$(cd "$(dirname "$0")/.." && pwd)
topo=$top/selftests/tools/coll_topo.sh
tr=/sys/kernel/tracing
case $build in /*) ;; *) build=$top/$build ;; esac
[ -d $tr/events ] || mount -t tracefs nodev $tr
id=$(( $$ % 1000000 ))
tmp=$(mktemp -d /tmp/rcode-trace.XXXXXX)
pids=
cleanup() {
	for e in syscalls/sys_enter_sendto syscalls/sys_exit_sendto net/net_dev_queue \
		 net/netif_receive_skb; do
		echo 0 >$tr/events/$e/enable 2>/dev/null || :
		echo 0 >$tr/events/$e/filter 2>/dev/null || :
	done
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	wait 2>/dev/null || :
	sh "$topo" down "$id" 2
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
RC_BUILD=$build sh "$topo" up "$id" 2 "$tmp/hosts"
for r in 0 1; do
	nsenter --net=/run/netns/rcx-coll-$id-$r timeout -k 5 60 "$build/bench/bench_osu" \
		--hosts "$tmp/hosts" --rank $r --ifname "rcxc${id}n$r" --way trace --round 0 \
		--iters 20000 --warmup 100 >/dev/null 2>"$tmp/err.$r" &
	pids="$pids $!"
done
sleep 3	# set-up and the start barrier
leaf=$(pgrep -f "bench_osu --hosts $tmp/hosts --rank 1" | while read -r p; do
	[ "$(cat /proc/"$p"/comm)" = bench_osu ] && echo "$p"; done | head -n 1)
[ -n "$leaf" ] || { echo "trace_coll: no leaf" >&2; exit 1; }
echo "common_pid == $leaf" >$tr/events/syscalls/sys_enter_sendto/filter
echo "common_pid == $leaf" >$tr/events/syscalls/sys_exit_sendto/filter
for e in net/net_dev_queue net/netif_receive_skb; do
	echo "name ~ \"rcx?${id}n*\"" >$tr/events/$e/filter
done
echo >$tr/trace
for e in syscalls/sys_enter_sendto syscalls/sys_exit_sendto net/net_dev_queue \
	 net/netif_receive_skb; do
	echo 1 >$tr/events/$e/enable
done
sleep "$secs"
for e in syscalls/sys_enter_sendto syscalls/sys_exit_sendto net/net_dev_queue \
	 net/netif_receive_skb; do
	echo 0 >$tr/events/$e/enable
done
cat $tr/trace >"$tmp/trace"
cp "$tmp/trace" /tmp/last_coll_trace 2>/dev/null || true
python3 "$top/bench/osu/trace_report.py" "$tmp/trace" "$id"
