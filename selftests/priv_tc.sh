#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_tc.sh - handlers at TC ingress through rloader, on a veth pair
# between two network namespaces: the rank table from a hosts file, a
# handler that sends attached at TC (tcx where the kernel has it, else a
# cls_bpf filter), its copies arriving at the rank they were sent to,
# status and stats with the hook, replacing it on TC (atomically, and the
# other way with --tc), across hooks (by an XDP handler and back), detach
# of one portal and of everything, an interface that goes away, and
# filters whose pins were removed behind rcode's back.
#
# Like priv_attach.sh: a private mount namespace with its own bpffs, and
# nsenter --net into namespaces named rcx-lib-*; 198.18.91.0/24; every
# send is bounded.
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests priv_tc "tc: "
if [ -z "${RC_TC_INNER:-}" ]; then
	need_root
	need_tools unshare nsenter ip tc
	RC_TC_INNER=1 exec unshare --mount --propagation private sh "$0" "$@"
fi

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}
case $rl in /*) ;; *) rl=$top/$rl ;; esac
rcsend=$build/selftests/tools/rcsend
nsa=rcx-lib-$$-a nsb=rcx-lib-$$-b
ifa=rcxt$$a ifb=rcxt$$b
tmp=$(mktemp -d /tmp/rcode-tc.XXXXXX)
bgpids=

a() { nsenter --net="/run/netns/$nsa" "$@"; }
b() { nsenter --net="/run/netns/$nsb" "$@"; }
rlb() { b "$rl" "$@"; }

cleanup() {
	for p in $bgpids; do kill "$p" 2>/dev/null; done
	rlb detach "$ifb" >/dev/null 2>&1
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

find_python || skip_all "needs python3 to read JSON"
if [ ! -x "$rl" ] || [ ! -x "$rcsend" ]; then
	fail "build first: $rl or $rcsend is missing"
	exit 1
fi
mount -t bpf -o mode=0700 bpf /sys/fs/bpf || exit 1

ip netns add "$nsa" && ip netns add "$nsb" &&
ip -n "$nsa" link add "$ifa" type veth peer name "$ifb" netns "$nsb" &&
ip -n "$nsa" addr add 198.18.91.1/24 dev "$ifa" &&
ip -n "$nsa" addr add 198.18.91.3/24 dev "$ifa" &&
ip -n "$nsb" addr add 198.18.91.2/24 dev "$ifb" &&
ip -n "$nsa" link set "$ifa" up && ip -n "$nsb" link set "$ifb" up &&
ip -n "$nsa" link set lo up && ip -n "$nsb" link set lo up || {
	fail "setup: cannot create the namespaces and the veth pair"
	exit 1
}
maca=$(ip -n "$nsa" -o link show "$ifa" | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p')
# Where namespace B's pins of ifb go (RC_PIN_ROOT/net-<cookie>/ifb), as
# status says.
rlb -j status "$ifb" >"$tmp/st.json" 2>&1
pins=$(jget "$tmp/st.json" 'd[0]["pin_dir"]')
case $pins in
/sys/fs/bpf/rcode/net-*/"$ifb") pass "status: the pin dir is namespace B's" ;;
*) fail "status: the pin dir is namespace B's" "$pins"; exit 1 ;;
esac

# Rank 0 is 198.18.91.3 on the other side, port 7300, its MAC given;
# rank 1 is this node (found by its address).
cat >"$tmp/job.hosts" <<H
# rank address      port  mac
0      198.18.91.3   7300  $maca
1      198.18.91.2
H
# fan.r: a copy of every message to rank 0, counted, then dropped.
cat >"$tmp/fan.r" <<'R'
.handler fan
.portal 6
.state n
	push 0
	send
	push 1
	xadds n
	pop
	drop
R
# fan2.r: the same layout, but the message goes on to the socket too.
sed 's/^\.handler fan/.handler fan2/; s/^\tdrop/\tpass/' "$tmp/fan.r" >"$tmp/fan2.r"

# tcx where the kernel has it (6.6), else cls_bpf: this is what attach
# must pick by itself.
kv=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
set -- $kv
if [ "$1" -gt 6 ] || { [ "$1" -eq 6 ] && [ "$2" -ge 6 ]; }; then
	auto=tcx
else
	auto=cls_bpf
fi

# tc_filters: our cls_bpf filters on ifb's ingress, as "handle prio" lines.
tc_filters() {
	tc -n "$nsb" filter show dev "$ifb" ingress 2>/dev/null |
		sed -n 's/.*pref \([0-9]*\) bpf .*handle \(0x[0-9a-f]*\).*/\2 \1/p'
}

# recv_start NS PORT N OUT: a receiver in namespace NS (a or b), running
# once it says it listens (a slow machine takes its time to start one),
# waiting up to 4 s for each datagram (the VM without the JIT, after the
# other tests, has stalled for more than a second); its pid in $rp.
recv_start() {
	rm -f "$4"
	$1 "$rcsend" recv -p "$2" -n "$3" -w 4000 >"$4" 2>&1 &
	rp=$!
	bgpids="$bgpids $rp"
	wait_until 5 grep -qs '^listening' "$4"
}

# copies N: send N messages to portal 6 from a, count what reaches rank
# 0's port on a.
copies() {
	recv_start a 7300 "$1" "$tmp/recv.out"
	a "$rcsend" send 198.18.91.2 -P 6 -n "$1" -i 1000 --tag 5 >/dev/null 2>&1
	wait "$rp" 2>/dev/null
	sed -n 's/^received=//p' "$tmp/recv.out"
}

# settle: until a ping gets through from a to b (at most 3 s).
settle() {
	for _ in 1 2 3; do
		a "$rcsend" icmp 198.18.91.2 -n 1 -w 1000 >/dev/null 2>&1 && return
	done
}

# ---- the rank table ------------------------------------------------------------
rlb -j ranks load "$ifb" "$tmp/job.hosts" >"$tmp/r.json" 2>&1
expect_eq "ranks load: this node found by its address" \
	"$(jget "$tmp/r.json" '[d["ranks"], d["self"], d["self_found"]]')" "[2, 1, true]"
rlb -j ranks show "$ifb" >"$tmp/r.json" 2>&1
expect_eq "ranks show: rank 0's port and MAC" \
	"$(jget "$tmp/r.json" '[d["ranks"][0]["port"], d["ranks"][0]["mac"]]')" \
	"[7300, \"$maca\"]"

# ---- attach at TC, traffic, status ---------------------------------------------
rlb -j attach "$ifb" "$tmp/fan.r" >"$tmp/att.json" 2>"$tmp/att.err"
expect_eq "attach fan.r: exit status" $? 0
expect_eq "attach fan.r: at TC, $auto, no dispatcher" \
	"$(jget "$tmp/att.json" '[d["hook"], d["tc_attach"], d["dispatcher"]]')" \
	"[\"tc\", \"$auto\", null]"
id1=$(jget "$tmp/att.json" 'd["prog_id"]')
if [ $auto = tcx ]; then
	expect_eq "attach: the tcx link is pinned" "$(test -e "$pins/portal-6/link" && echo y)" y
	expect_eq "attach: no cls_bpf filter" "$(tc_filters)" ""
else
	expect_eq "attach: a cls_bpf filter, handle 0x7c06, prio 124" "$(tc_filters)" "0x7c06 124"
fi
expect_eq "attach: fan.r's pins" "$(ls "$pins/portal-6" | tr '\n' ' ')" \
	"$( [ $auto = tcx ] && echo 'link ')prog rcode state stats "
expect_eq "traffic: every message's copy reaches rank 0" "$(copies 20)" 20
rlb -j stats "$ifb" >"$tmp/st.json" 2>&1
expect_eq "stats: invocations, sends, drops" \
	"$(jget "$tmp/st.json" '[(h["invocations"], h["sends"], h["actions"]["drop"]) for h in d["handlers"]]' 2>/dev/null)" \
	"[[20, 20, 20]]"
expect_eq "stats: hook and no dispatcher" \
	"$(jget "$tmp/st.json" '[d["dispatcher"], d["handlers"][0]["hook"], d["handlers"][0]["tc_attach"]]')" \
	"[null, \"tc\", \"$auto\"]"
rlb status "$ifb" >"$tmp/status.txt" 2>&1
expect_eq "status: the Hook column" \
	"$(sed -n 's/^ => *6 *fan *xlate *\([a-z]*\) .*/\1/p' "$tmp/status.txt")" tc
expect_eq "status: handlers at TC only" \
	"$(grep -c 'handlers at TC only' "$tmp/status.txt")" 1
rlb status >"$tmp/status.txt" 2>&1
expect_eq "status without IFNAME lists the interface" \
	"$(grep -c "^$ifb " "$tmp/status.txt")" 1

# ---- replace on TC ---------------------------------------------------------------
rlb -j attach "$ifb" "$tmp/fan2.r" >/dev/null 2>&1
expect_eq "attach on a taken portal: status 2" $? 2
rlb -j attach "$ifb" "$tmp/fan2.r" --replace >"$tmp/att.json" 2>&1
expect_eq "replace: exit status" $? 0
expect_eq "replace: the same way, data kept, the old program named" \
	"$(jget "$tmp/att.json" '[d["tc_attach"], d["data"], d["replaced_prog_id"], d["replaced_hook"]]')" \
	"[\"$auto\", \"kept\", $id1, \"tc\"]"
recv_start b 7117 5 "$tmp/pass.out"
bp=$rp
expect_eq "replace: fan2 still sends" "$(copies 5)" 5
wait "$bp" 2>/dev/null
expect_eq "replace: fan2 passes the message on to the socket" \
	"$(sed -n 's/^received=//p' "$tmp/pass.out")" 5
other=cls_bpf
[ $auto = cls_bpf ] && other=tcx
rlb -j attach "$ifb" "$tmp/fan.r" --replace --tc $other >"$tmp/att.json" 2>"$tmp/att.err"
st=$?
if [ $other = tcx ]; then
	expect_eq "replace --tc tcx without tcx: status 3" $st 3
	expect_eq "replace --tc tcx without tcx: says so" \
		"$(grep -c 'has no tcx' "$tmp/att.json")" 1
else
	expect_eq "replace --tc cls_bpf: exit status" $st 0
	expect_eq "replace --tc cls_bpf: attached by a filter" \
		"$(jget "$tmp/att.json" 'd["tc_attach"]')" cls_bpf
	expect_eq "replace --tc cls_bpf: the filter, not the link" \
		"$(tc_filters) $(test -e "$pins/portal-6/link" && echo link)" "0x7c06 124 "
	expect_eq "replace --tc cls_bpf: traffic" "$(copies 5)" 5
	rlb -j attach "$ifb" "$tmp/fan.r" --replace >"$tmp/att.json" 2>&1
	expect_eq "replace without --tc keeps cls_bpf" \
		"$(jget "$tmp/att.json" 'd["tc_attach"]') $(tc_filters)" "cls_bpf 0x7c06 124"
fi

# ---- across hooks -------------------------------------------------------------------
rlb -j attach "$ifb" "$top/examples/echo.r" --portal 6 --replace --mode skb \
	>"$tmp/att.json" 2>"$tmp/att.err"
expect_eq "replace by an XDP handler: exit status" $? 0
expect_eq "replace by an XDP handler: at XDP, the TC one was" \
	"$(jget "$tmp/att.json" '[d["hook"], d["replaced_hook"], d["dispatcher"]["attached_now"]]')" \
	'["xdp", "tc", true]'
expect_eq "replace by an XDP handler: nothing at TC" \
	"$(tc_filters) $(test -e "$pins/portal-6/link" && echo link)" " "
expect_eq "replace by an XDP handler: no copies any more" "$(copies 3)" 0
rlb -j attach "$ifb" "$tmp/fan.r" --replace >"$tmp/att.json" 2>&1
expect_eq "and back to TC" \
	"$(jget "$tmp/att.json" '[d["hook"], d["replaced_hook"]]')" '["tc", "xdp"]'
rlb -j status "$ifb" >"$tmp/st.json" 2>&1
expect_eq "status: portal 6 at TC, not in the dispatcher's table" \
	"$(jget "$tmp/st.json" '[(p["portal"], p["hook"], p["installed"]) for p in d[0]["portals"]]')" \
	'[[6, "tc", true]]'
n=$(copies 4)
expect_eq "and back: copies again" "$n" 4
[ "$n" = 4 ] || rlb stats "$ifb" --portal 6 | sed 's/^/  | /'


# ---- detach ----------------------------------------------------------------------------
rlb detach "$ifb" --portal 6 >"$tmp/det.txt" 2>&1
expect_eq "detach --portal 6: exit status" $? 0
expect_eq "detach --portal 6: says it was at TC" "$(grep -c ', at TC: ' "$tmp/det.txt")" 1
expect_eq "detach --portal 6: no link, no filter, no pins" \
	"$(tc_filters) $(test -e "$pins/portal-6" && echo pins)" " "
expect_eq "detach --portal 6: no copies" "$(copies 3)" 0
rlb attach "$ifb" "$tmp/fan.r" --tc cls_bpf >/dev/null 2>&1
rlb attach "$ifb" "$top/examples/echo.r" >/dev/null 2>&1
rlb detach "$ifb" >"$tmp/det.txt" 2>&1
expect_eq "detach everything: exit status" $? 0
expect_eq "detach everything: no filter, no pins, no XDP" \
	"$(tc_filters) $(test -e "$pins" && echo pins) $(ip -n "$nsb" link show "$ifb" | grep -c xdp)" "  0"

# A filter whose pins were removed by hand is still found and removed.
# (Taking XDP off a veth resets its queues: let the link settle first.)
settle
rlb ranks load "$ifb" "$tmp/job.hosts" >/dev/null 2>&1
rlb attach "$ifb" "$tmp/fan.r" --tc cls_bpf >/dev/null 2>&1
rm -rf "$pins"
expect_eq "pins removed by hand: the filter still runs" "$(copies 2)" 2
rlb detach "$ifb" >/dev/null 2>&1
expect_eq "pins removed by hand: detach finds the filter" $? 0
expect_eq "pins removed by hand: ... and removes it" "$(tc_filters)" ""
rlb detach "$ifb" >/dev/null 2>&1
expect_eq "nothing left: detach says so (status 3)" $? 3

# An interface that goes away with a handler at TC: its pins stay until
# detach.
rlb ranks load "$ifb" "$tmp/job.hosts" >/dev/null 2>&1
rlb attach "$ifb" "$tmp/fan.r" >/dev/null 2>&1
ip -n "$nsb" link del "$ifb"
rlb -j status "$ifb" >"$tmp/st.json" 2>&1
expect_eq "interface gone: status shows its pins" \
	"$(jget "$tmp/st.json" '[d[0]["exists"], [(p["portal"], p["pinned"]) for p in d[0]["portals"]]]')" \
	'[false, [[6, true]]]'
rlb detach "$ifb" >/dev/null 2>&1
expect_eq "interface gone: detach removes the pins" "$?$(test -e "$pins" && echo ' pins')" 0

rc_exit
