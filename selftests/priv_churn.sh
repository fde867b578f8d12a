#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_churn.sh - handlers replaced, attached and detached over and over
# while a client sends (issue 12, "under load and faults"):
#
#   a. RC_CHURN_REPLACES (default 1000) replaces of the
#      echo handler on one portal, alternating two handlers that answer
#      with different tags, under traffic: every message is answered, by
#      the one or the other.
#   b. RC_CHURN_CYCLES (default 1000) attach/detach
#      cycles of the whole dispatcher under traffic: every message is
#      either answered by the handler or, while nothing is attached,
#      delivered to the UDP socket listening behind it; none is lost.
#   c. nothing leaks: no program, map or link made here is left, the pins
#      under /sys/fs/bpf/rcode are as before, the interface is bare.
#
# The client sends in batches until the churn has ended (a marker file),
# bounded in time; each message waits up to 100 ms for its reply, and a
# reply that comes later within the batch still counts (matched by seq).
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests churn
need_root "BPF, XDP and network namespaces"
need_tools ip nsenter bpftool ethtool
find_python || skip_all "no python3 to read JSON with"

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=$build/rloader
rcsend=$build/selftests/tools/rcsend
nrepl=${RC_CHURN_REPLACES:-1000}
ncyc=${RC_CHURN_CYCLES:-1000}

tmp=$(mktemp -d /tmp/rcode-churn.XXXXXX)
nsa=rcchurnA$$ nsb=rcchurnB$$ va=chA$$ vb=chB$$
a4=198.18.9.1 b4=198.18.9.2

A() { nsenter --net=/run/netns/"$nsa" "$@"; }
B() { nsenter --net=/run/netns/"$nsb" "$@"; }
rlb() { B timeout 60 "$rl" "$@"; }

cleanup() {
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rlb detach "$vb" >/dev/null 2>&1
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# sum FILE KEY: the sum of every KEY= line (one per batch)
sum() { sed -n "s/^$2=//p" "$1" | awk '{ s += $1 } END { print s + 0 }'; }

# What the kernel holds: the highest program, map and link IDs now, and
# later the objects with higher IDs that are still there (anything this
# test made and failed to remove: once its processes have exited, an
# object lives on only through a pin, an attachment or a link).  The
# suite runs one test at a time, so nothing else makes BPF objects.
maxids() {
	for k in prog map link; do
		bpftool -j $k show 2>/dev/null | "$py" -c 'import json, sys
print(max([o["id"] for o in json.load(sys.stdin)] or [0]))'
	done | tr '\n' ' '
}
# newer KIND MAXID: "id:name" of each KIND object above MAXID
newer() {
	bpftool -j "$1" show 2>/dev/null | "$py" -c 'import json, sys
print(" ".join("%d:%s" % (o["id"], o.get("name", "")) for o in json.load(sys.stdin) if o["id"] > int(sys.argv[1])))' "$2"
}
pins() { find /sys/fs/bpf/rcode 2>/dev/null | sort; }

if ! { ip netns add "$nsa" && ip netns add "$nsb" &&
       ip link add "$va" netns "$nsa" type veth peer name "$vb" netns "$nsb" &&
       ip -n "$nsa" addr add $a4/24 dev "$va" &&
       ip -n "$nsb" addr add $b4/24 dev "$vb" &&
       ip -n "$nsa" link set "$va" up && ip -n "$nsb" link set "$vb" up &&
       ip -n "$nsa" link set lo up && ip -n "$nsb" link set lo up; }; then
	fail "topology" "cannot build two namespaces joined by a veth pair"
	rc_exit
fi
# XDP_TX on veth reaches the peer only when the peer has an XDP program
# (xdp_pass here), and the sender's checksums must be real ones: with
# tx offload the peer's XDP sees a partial UDP checksum (see priv_e2e).
if ! { A ethtool -K "$va" tx off >/dev/null &&
       ip -n "$nsa" link set dev "$va" xdpdrv obj "$build/bpf/ref/xdp_pass.bpf.o" sec xdp; }; then
	fail "topology" "cannot put xdp_pass on the sender's side"
	rc_exit
fi

# The second echo answers with another tag.
sed -e 's/^\.handler echo/.handler echo2/' -e 's/0x6563686f/0x65636832/' \
	"$top/examples/echo.r" >"$tmp/echo2.r"

set -- $(maxids)
pmax=${1:-0} mmax=${2:-0} lmax=${3:-0}
pins >"$tmp/pins.before"

# client MARKER OUT: batches of 200 echoes until MARKER exists (at most
# 900 s), each batch's summary appended to OUT.
client() {
	_t0=$(date +%s)
	while [ ! -f "$1" ] && [ $(($(date +%s) - _t0)) -lt 900 ]; do
		A timeout 120 "$rcsend" echo $b4 -P 2 -n 200 -i 300 -w 100 >>"$2" 2>&1
	done
}

# ---- a. replaces under traffic -----------------------------------------
if rlb attach "$vb" "$top/examples/echo.r" >"$tmp/att.out" 2>&1; then
	pass "a: attach echo.r"
else
	fail "a: attach echo.r" "$(cat "$tmp/att.out")"
fi
client "$tmp/a.done" "$tmp/a.out" &
cpid=$!
bad=0
i=0
while [ $i -lt "$nrepl" ]; do
	h=$top/examples/echo.r
	[ $((i % 2)) -eq 0 ] && h=$tmp/echo2.r
	rlb attach "$vb" "$h" --portal 2 --replace >"$tmp/r.out" 2>&1 ||
		{ bad=$((bad + 1)); cat "$tmp/r.out"; }
	i=$((i + 1))
done
touch "$tmp/a.done"
wait $cpid
expect_eq "a: $nrepl replaces under traffic, each exits 0" $bad 0
sent=$(sum "$tmp/a.out" sent) replies=$(sum "$tmp/a.out" replies)
expect_eq "a: every message answered across $nrepl replaces ($replies of $sent)" \
	"$([ "$sent" -gt 0 ] && [ "$replies" -eq "$sent" ] && echo yes)" yes
expect_eq "a: no duplicate or malformed reply" \
	"$(sum "$tmp/a.out" duplicates)/$(sum "$tmp/a.out" bad)" 0/0
rlb -j stats "$vb" --portal 2 >"$tmp/st.json" 2>&1
expect_eq "a: the handler on the portal is the one the last replace put there" \
	"$(jget "$tmp/st.json" 'd["handlers"][0]["handler"]')" \
	"$([ $((nrepl % 2)) -eq 0 ] && echo echo || echo echo2)"
rlb detach "$vb" >/dev/null 2>&1

# ---- b. attach/detach cycles under traffic -----------------------------
# What no handler answers goes up the stack to this socket.
B timeout 960 "$rcsend" recv -p 7117 -n 1000000 -w 30000 >"$tmp/recv.out" 2>&1 &
rpid=$!
listening() { grep -q '^listening' "$tmp/recv.out"; }
wait_until 50 listening || fail "b: the listener did not start"
client "$tmp/b.done" "$tmp/b.out" &
cpid=$!
bad=0
i=0
while [ $i -lt "$ncyc" ]; do
	rlb attach "$vb" "$top/examples/echo.r" >"$tmp/c.out" 2>&1 &&
	rlb detach "$vb" >>"$tmp/c.out" 2>&1 || { bad=$((bad + 1)); cat "$tmp/c.out"; }
	i=$((i + 1))
done
touch "$tmp/b.done"
wait $cpid
expect_eq "b: $ncyc attach/detach cycles under traffic, each exits 0" $bad 0
kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null
sent=$(sum "$tmp/b.out" sent) replies=$(sum "$tmp/b.out" replies)
got=$(grep -c '^got ' "$tmp/recv.out")
expect_eq "b: every message answered ($replies) or delivered to the socket behind ($got), of $sent" \
	"$([ "$sent" -gt 0 ] && [ $((replies + got)) -eq "$sent" ] && echo yes)" yes
expect_eq "b: some answered by the handler, some delivered while detached" \
	"$([ "$replies" -gt 0 ] && [ "$got" -gt 0 ] && echo yes)" yes

# ---- c. nothing leaks --------------------------------------------------
rlb detach "$vb" >/dev/null 2>&1
expect_eq "c: no program made here is left" "$(newer prog "$pmax")" ""
expect_eq "c: no map made here is left" "$(newer map "$mmax")" ""
expect_eq "c: no link made here is left" "$(newer link "$lmax")" ""
pins >"$tmp/pins.after"
expect_eq "c: the pins under /sys/fs/bpf/rcode are as before" \
	"$(diff "$tmp/pins.before" "$tmp/pins.after" | grep -c '^[<>]')" 0
expect_eq "c: nothing left on the interface" \
	"$(ip -n "$nsb" link show "$vb" | grep -c 'xdp')" 0

rc_exit
