#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_send.sh - 'rloader send' against examples/echo.r attached with
# rloader, between two network namespaces this test makes (a veth pair,
# 198.18.0.0/15 and ULA addresses only):
#   a. IPv4 and IPv6: every message answered, replies decoded (echo's tag,
#      the first payload word + 1, seq numbers in order), plain and -j
#   b. --count and --interval: N messages, the run takes at least
#      (N-1) * interval
#   c. a portal nobody serves: nothing answered, exit status 1, and no
#      wait longer than --wait per message
#   d. usage errors (exit 2, JSON error under -j)
# The veth set-up is priv_e2e.sh's (xdp_pass on A's end so XDP_TX frames
# arrive, TX checksum offload off).  Needs root; the trap removes the
# namespaces, the handler and its pins also on failure.
set -u

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}
xdp_pass=$build/bpf/ref/xdp_pass.bpf.o

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests send
need_root "network namespaces, XDP"
need_tools ip nsenter ethtool timeout python3
find_python
for f in "$rl" "$xdp_pass"; do
	[ -e "$f" ] || { fail "setup: $f is missing (run make)"; exit 1; }
done

id=$$
nsa=rc-snd-a-$id nsb=rc-snd-b-$id
va=rcsa$id vb=rcsb$id
a4=198.18.7.1 b4=198.18.7.2
a6=fd00:7118::1 b6=fd00:7118::2
tmp=$(mktemp -d /tmp/rcode-send.XXXXXX)

A() { nsenter --net=/run/netns/"$nsa" "$@"; }
B() { nsenter --net=/run/netns/"$nsb" "$@"; }
sendA() { A timeout 60 "$rl" "$@"; }

cleanup() {
	[ -e /run/netns/"$nsb" ] && B "$rl" detach "$vb" >/dev/null 2>&1
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	for d in /sys/fs/bpf/rcode/net*/"$vb"; do
		[ -d "$d" ] && rm -rf "$d" && rmdir "${d%/*}" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

setup() {
	ip netns add "$nsa" && ip netns add "$nsb" &&
	ip link add "$va" netns "$nsa" type veth peer name "$vb" netns "$nsb" &&
	ip -n "$nsa" addr add $a4/24 dev "$va" &&
	ip -n "$nsb" addr add $b4/24 dev "$vb" &&
	ip -n "$nsa" addr add $a6/64 dev "$va" nodad &&
	ip -n "$nsb" addr add $b6/64 dev "$vb" nodad &&
	ip -n "$nsa" link set lo up && ip -n "$nsb" link set lo up &&
	ip -n "$nsa" link set "$va" up && ip -n "$nsb" link set "$vb" up &&
	A ethtool -K "$va" tx off >/dev/null &&
	ip -n "$nsa" link set dev "$va" xdpdrv obj "$xdp_pass" sec xdp &&
	B "$rl" attach "$vb" "$top/examples/echo.r"
}
if setup >"$tmp/setup.log" 2>&1; then
	pass "setup: $nsa and $nsb, echo.r on $vb"
else
	fail "setup: $(tail -n 3 "$tmp/setup.log" | tr '\n' ' ')"
	exit 1
fi

# ---- a. IPv4 and IPv6, every message answered ------------------------------
for addr in $b4 $b6; do
	sendA -j send "$addr" --portal 2 -n 5 --seq 100 --tag 3 -P u64:41 \
		--wait 1000 >"$tmp/s.json" 2>"$tmp/err"
	expect_eq "send $addr -n 5 --wait: exit status" $? 0 || cat "$tmp/err"
	expect_eq "send $addr: sent, answered, lost" \
		"$(jget "$tmp/s.json" '[d["sent"], d["answered"], d["lost"]]')" "[5, 5, 0]"
	expect_eq "send $addr: replies' seq in order" \
		"$(jget "$tmp/s.json" '[r["message"]["seq"] for r in d["replies"]]')" \
		"[100, 101, 102, 103, 104]"
	# echo.r: tag "echo", first payload word + 1 (little-endian u64 42)
	expect_eq "send $addr: echo's tag and payload word + 1" \
		"$(jget "$tmp/s.json" 'sorted(set((r["message"]["tag"], r["message"]["payload"], r["message"]["portal"]) for r in d["replies"]))')" \
		'[[1701013615, "2a00000000000000", 2]]'
	expect_eq "send $addr: every reply answers one of ours, with a round trip" \
		"$(jget "$tmp/s.json" 'all(r["answers"] and r["rtt_us"] > 0 for r in d["replies"])')" true
done
sendA send $b4 --portal 2 -P u64:1 --wait 1000 >"$tmp/plain" 2>&1
expect_eq "send (plain): exit status" $? 0
expect_eq "send (plain): the reply decoded" \
	"$(grep -c '^  reply .*src 0  dst 0  portal 2  tag 1701013615  seq 0  len 8' "$tmp/plain")" 1
expect_eq "send (plain): its payload" "$(grep -c '^  payload  *02 00 00 00 00 00 00 00$' "$tmp/plain")" 1
expect_eq "send (plain): the summary" \
	"$(grep -c "^1 sent to $b4 port 7117 portal 2, 1 answered, 0 lost, rtt" "$tmp/plain")" 1

# The handler's counters saw them (5 + 5 + 1).
B "$rl" -j stats "$vb" >"$tmp/st.json" 2>&1
expect_eq "stats: echo answered every message sent" \
	"$(jget "$tmp/st.json" '[h["actions"]["reply"] for h in d["handlers"] if h["portal"] == 2]')" "[11]" ||
	head -c 600 "$tmp/st.json"

# ---- b. --count and --interval ---------------------------------------------------
t0=$(date +%s%N)
sendA -j send $b4 --portal 2 -n 6 -i 50 --wait 1000 >"$tmp/i.json" 2>&1
st=$?
t1=$(date +%s%N)
expect_eq "send -n 6 -i 50: exit status" $st 0
expect_eq "send -n 6 -i 50: all answered" "$(jget "$tmp/i.json" 'd["answered"]')" 6
ms=$(( (t1 - t0) / 1000000 ))
if [ "$ms" -ge 250 ] && [ "$ms" -lt 5000 ]; then
	pass "send -n 6 -i 50: paced (${ms} ms >= 250)"
else
	fail "send -n 6 -i 50: paced" "took ${ms} ms"
fi
sendA -j send $b4 --portal 2 -n 20 >"$tmp/n.json" 2>&1
expect_eq "send -n 20 without --wait: 20 sent, no replies field" \
	"$(jget "$tmp/n.json" '[d["sent"], "replies" in d]')" "[20, false]"

# ---- c. nobody on the portal ------------------------------------------------------
t0=$(date +%s%N)
sendA -j send $b4 --portal 9 -n 2 --wait 300 >"$tmp/u.json" 2>&1
st=$?
t1=$(date +%s%N)
expect_eq "send to portal 9 (no handler): exit status 1" $st 1
expect_eq "send to portal 9: nothing answered" \
	"$(jget "$tmp/u.json" '[d["answered"], d["lost"]]')" "[0, 2]"
ms=$(( (t1 - t0) / 1000000 ))
if [ "$ms" -lt 3000 ]; then
	pass "send to portal 9: bounded by --wait (${ms} ms)"
else
	fail "send to portal 9: bounded by --wait" "took ${ms} ms"
fi

# ---- d. usage errors ---------------------------------------------------------------
for args in "$b4" "$b4 --portal 2 --count 0" "$b4 --portal 2 --wait 70000" \
	"not-an-address --portal 2" "$b4 --portal 2 -P bogus:1" "$b4 --portal 2 --port 0"; do
	# shellcheck disable=SC2086
	sendA -j send $args >"$tmp/e.json" 2>"$tmp/err"
	expect_eq "send $args: exit 2, a JSON error" \
		"$?:$(jget "$tmp/e.json" '"error" in d')" "2:true"
done
rc_exit
