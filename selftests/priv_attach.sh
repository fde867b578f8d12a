#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_attach.sh - the dispatcher on a real interface: attach and detach
# through librcode in native and skb mode, traffic over a veth pair
# between two network namespaces, handlers that drop, malformed messages
# that must still reach the socket, another XDP program loaded with
# xdp-loader next to ours, and nothing left behind.
#
# The driver is test_priv_dispatch with a verb (see its usage).  Everything
# runs in a private mount namespace with its own bpffs on /sys/fs/bpf, so
# the pins of this test are invisible to the host and vanish with it even
# if the cleanup below fails.  Commands enter the network namespaces with
# nsenter --net only: `ip netns exec` remounts /sys and would hide bpffs.
# Addresses are 198.18.0.0/24 and fd00:5243::/64; every send is bounded.
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests priv_attach ""
if [ -z "${RC_ATTACH_INNER:-}" ]; then
	need_root
	need_tools unshare nsenter ip xdp-loader bpftool
	RC_ATTACH_INNER=1 exec unshare --mount --propagation private \
		sh "$0" "$@"
fi

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
drv=$build/selftests/test_priv_dispatch
stranger=$build/bpf/test_coexist.bpf.o
pkts=$top/selftests/packets
tag=rc$$
nstx=$tag-tx nsrx=$tag-rx
iftx=${tag}a ifrx=${tag}b
v4tx=198.18.0.1 v4rx=198.18.0.2
v6tx=fd00:5243::1 v6rx=fd00:5243::2
tmp=$(mktemp -d /tmp/rcode-attach.XXXXXX)
bgpids=

rx() { nsenter --net="/run/netns/$nsrx" "$@"; }
tx() { nsenter --net="/run/netns/$nstx" "$@"; }
d() { rx "$drv" "$@"; }

cleanup() {
	for p in $bgpids; do kill "$p" 2>/dev/null; done
	d detach "$ifrx" >/dev/null 2>&1
	rx xdp-loader unload --all "$ifrx" >/dev/null 2>&1
	ip netns del "$nstx" 2>/dev/null
	ip netns del "$nsrx" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ ! -x "$drv" ] || [ ! -f "$stranger" ]; then
	fail "priv_attach" "build first: $drv or $stranger is missing"
	exit 1
fi

# A fresh bpffs, unless there is none: then attach must mount one itself.
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ]; then
	mount -t bpf -o mode=0700 bpf /sys/fs/bpf || exit 1
	auto_mount=
else
	auto_mount=1
fi

ip netns add "$nstx" && ip netns add "$nsrx" &&
ip -n "$nstx" link add "$iftx" type veth peer name "$ifrx" netns "$nsrx" &&
ip -n "$nstx" addr add "$v4tx/24" dev "$iftx" &&
ip -n "$nsrx" addr add "$v4rx/24" dev "$ifrx" &&
ip -n "$nstx" addr add "$v6tx/64" dev "$iftx" nodad &&
ip -n "$nsrx" addr add "$v6rx/64" dev "$ifrx" nodad &&
ip -n "$nstx" link set "$iftx" up && ip -n "$nsrx" link set "$ifrx" up &&
ip -n "$nsrx" link set lo up || {
	fail "setup" "cannot create the namespaces and the veth pair"
	exit 1
}

# counter NAME: one dispatcher counter on the receiving side
counter() { d stats "$ifrx" 2>/dev/null | sed -n "s/^$1=//p"; }
qfield() { d query "$ifrx" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p"; }
pins_gone() { [ ! -e "$(rc_pins "$ifrx")" ]; }
xdp_status() { rx xdp-loader status "$ifrx" 2>&1; }

# start_recv NAME PORT EXPECT [MS]: a receiver in the receiving namespace;
# it stops at EXPECT messages or after MS ms (default 30000: nine senders,
# each a process started in a namespace, take seconds in an emulated VM,
# and a receiver that gives up early loses the last batch).  A receiver
# that must see nothing gets a short MS.
start_recv() {
	rm -f "$tmp/$1.ready"
	rx "$drv" recv "$2" "$3" "${4:-30000}" "$tmp/$1.ready" >"$tmp/$1.out" 2>&1 &
	bgpids="$bgpids $!"
	wait_until 5 test -e "$tmp/$1.ready"
}

wait_recv() {
	for p in $bgpids; do wait "$p" 2>/dev/null; done
	bgpids=
}

# traffic LABEL ADDR PORT [HANDLED]: send a bounded mix from the other
# namespace; the socket must see everything but the messages for portal 1
# (whose handler drops), and each kind must be counted where it belongs.
# HANDLED=0 when portal 1 has no handler.
traffic() {
	label=$1 addr=$2 port=$3 handled=${4:-1}
	b_not_udp_port=$(counter not_udp_port)
	for c in dispatched no_handler bad_short bad_magic bad_version \
		 bad_length bad_portal; do
		eval "b_$c=\$(counter $c)"
	done
	if [ "$handled" = 1 ]; then want_p1='' n_p1=0; else want_p1=" p1=6" n_p1=6; fi
	start_recv r1 "$port" $((14 + n_p1))
	start_recv r2 5000 5
	# Messages for the dropping handler first: if they leaked, they
	# would be in the socket before the receiver stops counting.
	tx "$drv" send "$addr" "$port" rmsg:1 6 >/dev/null &&
	tx "$drv" send "$addr" 5000 plain 5 >/dev/null &&
	tx "$drv" send "$addr" "$port" bad_magic 3 >/dev/null &&
	tx "$drv" send "$addr" "$port" short 2 >/dev/null &&
	tx "$drv" send "$addr" "$port" len_bigger 2 >/dev/null &&
	tx "$drv" send "$addr" "$port" len_smaller 1 >/dev/null &&
	tx "$drv" send "$addr" "$port" bad_version 1 >/dev/null &&
	tx "$drv" send "$addr" "$port" bad_portal 1 >/dev/null &&
	tx "$drv" send "$addr" "$port" rmsg:3 4 >/dev/null ||
		fail "$label: send" "a send failed"
	wait_recv
	expect_eq "$label: other UDP reaches its socket" \
		"$(cat "$tmp/r2.out")" "total=5 bad=5"
	expect_eq "$label: malformed and unhandled messages reach the socket" \
		"$(cat "$tmp/r1.out")" "total=$((14 + n_p1)) bad=9$want_p1 p3=4 p256=1"
	for kv in dispatched:$((6 - n_p1)) no_handler:$((4 + n_p1)) \
		  bad_short:2 bad_magic:3 bad_version:1 bad_length:3 \
		  bad_portal:1; do
		c=${kv%%:*} n=${kv#*:}
		eval "b=\$b_$c"
		expect_eq "$label: $c counted" "$(( $(counter "$c") - b ))" "$n"
	done
	n=$(( $(counter not_udp_port) - b_not_udp_port ))
	if [ "$n" -ge 5 ]; then
		pass "$label: not_udp_port counted ($n)"
	else
		fail "$label: not_udp_port counted" "expected >= 5, got $n"
	fi
}

# run_file FILE EXPECTED: BPF_PROG_TEST_RUN on what the interface runs
run_file() {
	expect_eq "$2" "$(d run "$ifrx" "$pkts/$1" 2>&1 | sed 's/ expected=.*//')" \
		"action=$3 unchanged=1"
}

# detach_ok LABEL: detach, and say why if it fails
detach_ok() {
	out=$(d detach "$ifrx" 2>"$tmp/err")
	if [ "$out" = detach=0 ]; then
		pass "$1"
	else
		fail "$1" "$out; $(tr '\n' ' ' <"$tmp/err")"
	fi
}

detached_clean() {
	detach_ok "$1: detach"
	expect_eq "$1: not attached" "$(qfield attached)" 0
	if pins_gone; then pass "$1: no pins left"; else
		fail "$1: no pins left" "$(find /sys/fs/bpf/rcode)"
	fi
	case $(xdp_status) in
	*"No XDP program loaded"*) pass "$1: xdp-loader sees no program" ;;
	*) fail "$1: xdp-loader sees no program" "$(xdp_status)" ;;
	esac
}

# attach_ok LABEL ARGS...: attach, and say why if it fails
attach_ok() {
	label=$1
	shift
	out=$(d attach "$ifrx" "$@" 2>"$tmp/err")
	if [ "$out" = attach=0 ]; then
		pass "$label"
	else
		fail "$label" "$out; $(tr '\n' ' ' <"$tmp/err")"
	fi
}

# ---- native mode ---------------------------------------------------------
attach_ok "native: attach" native
if [ -n "$auto_mount" ]; then
	expect_eq "native: attach mounted bpffs" \
		"$(stat -f -c %T /sys/fs/bpf)" bpf_fs
fi
expect_eq "native: query mode" "$(qfield mode)" native
expect_eq "native: query port" "$(qfield port)" 7117
expect_eq "native: pinned" "$(qfield pinned)" 1
[ "$(qfield attached)" = 1 ] && multiprog=$(qfield multiprog) || multiprog=
id=$(qfield prog_id)
# Alone, our program is the interface's; shared, libxdp's dispatcher is.
st=$(xdp_status)
case $st in
*rc_dispatch*) case $st in *" native "*) pass "native: xdp-loader status shows it" ;;
	*) fail "native: xdp-loader status shows it" "$st" ;; esac ;;
*) fail "native: xdp-loader status shows it" "$st" ;;
esac
expect_eq "native: attach again, same settings" \
	"$(d attach "$ifrx" native 2>/dev/null)" "attach=0"
expect_eq "native: attach again in skb mode" \
	"$(d attach "$ifrx" skb 2>/dev/null)" "attach=-17"
expect_eq "native: attach again for another port" \
	"$(d attach "$ifrx" native 7200 2>/dev/null)" "attach=-17"
expect_eq "native: still the same program" "$(qfield prog_id)" "$id"
expect_eq "native: stats readable" "$(counter bad_portal)" 0

traffic "native, no handler, ipv4" "$v4rx" 7117 0
case $(d handler "$ifrx" 1 drop) in
prog_id=[1-9]*) pass "native: handler on portal 1" ;;
*) fail "native: handler on portal 1" "rcode_portal_set failed" ;;
esac
traffic "native, ipv4" "$v4rx" 7117
traffic "native, ipv6" "$v6rx" 7117
run_file v4_drop.hex "native: test run through the interface's program, handler" drop
run_file v6_no_handler.hex "native: test run through the interface's program, no handler" pass
expect_eq "native: clear portal 1" "$(d clear "$ifrx" 1 2>/dev/null)" "clear=0"
expect_eq "native: portal 1 empty" "$(d progid "$ifrx" 1)" "prog_id=0 err=-2"
expect_eq "native: clear it again" "$(d clear "$ifrx" 1 2>/dev/null)" "clear=-2"
# A loader pins each handler under portal-<N>/ (rc_abi.h): detach takes
# those too.
hid=$(d handler "$ifrx" 1 drop | sed -n 's/^prog_id=//p')
d handler "$ifrx" 200 pass >/dev/null
mkdir "$(rc_pins "$ifrx")/portal-1" &&
	bpftool prog pin id "$hid" "$(rc_pins "$ifrx")/portal-1/prog" ||
	fail "native: pin a handler under portal-1/" "mkdir or bpftool failed"
detached_clean "native"

# ---- native mode needs a driver that has it: never a quiet fallback -------
out=$(d attach lo native 2>"$tmp/err")
case $out in
attach=0) fail "lo: native attach fails" "it succeeded"; d detach lo >/dev/null ;;
*) pass "lo: native attach fails ($out)" ;;
esac
if grep -q "librcode: lo: attaching the dispatcher in native mode failed" "$tmp/err"
then pass "lo: the failure is logged"
else fail "lo: the failure is logged" "$(cat "$tmp/err")"
fi
expect_eq "lo: nothing attached" \
	"$(d query lo | sed 's/ prog_id.*//')" "attached=0 multiprog=0 mode=none port=0"
if [ ! -e "$(rc_pins lo)" ]; then pass "lo: no pins left"; else
	fail "lo: no pins left" "$(find /sys/fs/bpf/rcode)"
fi

# ---- skb mode, another port ------------------------------------------------
attach_ok "skb: attach, port 7200" skb 7200
expect_eq "skb: query" "$(d query "$ifrx" | sed 's/ prog_id=[0-9]*//; s/ multiprog=[01]//')" \
	"attached=1 mode=skb port=7200 pinned=1"
st=$(xdp_status)
case $st in
*rc_dispatch*) case $st in *" skb "*) pass "skb: xdp-loader status shows it" ;;
	*) fail "skb: xdp-loader status shows it" "$st" ;; esac ;;
*) fail "skb: xdp-loader status shows it" "$st" ;;
esac
d handler "$ifrx" 1 drop >/dev/null
traffic "skb, port 7200, ipv4" "$v4rx" 7200
traffic "skb, port 7200, ipv6" "$v6rx" 7200
b=$(counter not_udp_port)
start_recv r3 7117 2
tx "$drv" send "$v4rx" 7117 rmsg:1 2 >/dev/null
wait_recv
expect_eq "skb: port 7117 is just another port now" "$(cat "$tmp/r3.out")" "total=2 bad=0 p1=2"
# Someone removes our pins: the program is still found (by name), and
# still detached.
rm -r "$(rc_pins "$ifrx")"
expect_eq "skb: pins removed, still attached" \
	"$(qfield attached) $(qfield pinned) $(qfield port)" "1 0 7200"
expect_eq "skb: attach refuses to build on lost pins" \
	"$(d attach "$ifrx" skb 7200 2>/dev/null)" "attach=-17"
detached_clean "skb"

# ---- another XDP program on the same interface ----------------------------
if [ "$multiprog" = "" ]; then
	fail "coexistence" "cannot tell whether libxdp can share the interface: the first attach failed"
	exit 1
elif [ "$multiprog" = 0 ]; then
	# libxdp fell back to attaching our program alone: no freplace
	# (BPF_PROG_TYPE_EXT) programs here, either not built into the kernel
	# or not without the JIT, so nothing can share the interface.  What
	# must hold then: a stranger cannot push us off.
	jit=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null)
	# Sharing itself is exercised where the kernel has freplace (the
	# VM's Debian 6.1 with the JIT on); here the checks below are the
	# whole story, so this is not a skip.
	echo "# coexistence: single-program mode on $(uname -r) (bpf_jit_enable=$jit)"
	attach_ok "single: attach" native
	id=$(qfield prog_id)
	if rx xdp-loader load -m native "$ifrx" "$stranger" >/dev/null 2>&1; then
		fail "single: xdp-loader load next to us" "it replaced or joined us"
	else
		pass "single: xdp-loader load next to us is refused"
	fi
	expect_eq "single: still our program" "$(qfield prog_id)" "$id"
	detached_clean "single"
	rc_exit
fi

# The stranger arrives after us.
attach_ok "coexist: attach" native
id=$(qfield prog_id)
d handler "$ifrx" 1 drop >/dev/null
if rx xdp-loader load -m native "$ifrx" "$stranger" >"$tmp/load" 2>&1; then
	pass "coexist: xdp-loader loads a second program"
else
	fail "coexist: xdp-loader loads a second program" "$(cat "$tmp/load")"
fi
st=$(xdp_status)
case $st in
*rc_test_coexist*) pass "coexist: status shows the stranger" ;;
*) fail "coexist: status shows the stranger" "$st" ;;
esac
case $st in
*rc_dispatch*) pass "coexist: status shows us" ;;
*) fail "coexist: status shows us" "$st" ;;
esac
expect_eq "coexist: still our program" "$(qfield prog_id)" "$id"
expect_eq "coexist: behind libxdp's dispatcher" "$(qfield multiprog)" 1
start_recv r4 9 3 5000
tx "$drv" send "$v4rx" 9 plain 3 >/dev/null
wait_recv
expect_eq "coexist: the stranger runs (drops UDP to port 9)" "$(cat "$tmp/r4.out")" "total=0 bad=0"
traffic "coexist, ipv4" "$v4rx" 7117
traffic "coexist, ipv6" "$v6rx" 7117
run_file v4_drop.hex "coexist: test run through libxdp's dispatcher, handler" drop
detach_ok "coexist: detach us"
case $(xdp_status) in
*rc_dispatch*) fail "coexist: the stranger stays alone" "$(xdp_status)" ;;
*rc_test_coexist*) pass "coexist: the stranger stays alone" ;;
*) fail "coexist: the stranger stays alone" "$(xdp_status)" ;;
esac
if pins_gone; then pass "coexist: no pins left"; else fail "coexist: no pins left" "$(find /sys/fs/bpf/rcode)"; fi

# We arrive after the stranger; in another mode we cannot.
expect_eq "coexist: attach in skb mode next to a native program" \
	"$(d attach "$ifrx" skb 2>/dev/null | sed 's/=-[0-9]*/=error/')" "attach=error"
if pins_gone; then pass "coexist: failed attach leaves no pins"; else fail "coexist: failed attach leaves no pins" "$(find /sys/fs/bpf/rcode)"; fi
attach_ok "coexist: attach next to the stranger" native
d handler "$ifrx" 1 drop >/dev/null
traffic "coexist, joined second, ipv4" "$v4rx" 7117

# Someone unloads everything behind our back: the pins stay, and a new
# attach brings the installed handlers back.
rx xdp-loader unload --all "$ifrx" >/dev/null 2>&1
expect_eq "coexist: after unload --all" "$(qfield attached) $(qfield pinned)" "0 1"
attach_ok "coexist: attach again" native
case $(d progid "$ifrx" 1) in
"prog_id="[1-9]*" err=0") pass "coexist: the handler came back with the pins" ;;
*) fail "coexist: the handler came back with the pins" "$(d progid "$ifrx" 1)" ;;
esac
detached_clean "coexist"
rc_exit
