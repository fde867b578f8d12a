#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# demo.sh - the main job: R-code handlers answering real traffic at XDP.
#
# Builds two network namespaces joined by a veth pair (a client side A and
# a server side B, addresses from 198.18.0.0/15 and fd00::/8), attaches
# examples/echo.r and examples/counter.r to B's interface with rloader,
# sends real UDP traffic from A, and shows what happened: the replies, a
# window read through mmap while messages arrive, malformed messages
# passed on and counted, a handler replaced under traffic, 'rloader
# stats' and 'rloader status'.  Everything it creates is removed on exit,
# also when a step fails or it is interrupted.  The live part needs root;
# without it only the short offline part runs.
#
# Usage: scripts/demo.sh [BUILD-DIR]       (make demo)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=$build/rloader
rcsend=$build/selftests/tools/rcsend
tmp=$(mktemp -d /tmp/rcode-demo.XXXXXX)
cd "$top"

nsa=rcdemo-a-$$ nsb=rcdemo-b-$$
va=rcdemo$$a vb=rcdemo$$b	# at most 15 characters
a4=198.18.0.1 b4=198.18.0.2 a6=fd00:7117::1 b6=fd00:7117::2
live=

cleanup() {
	set +e
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ -n "$live" ]; then
		B "$rl" detach "$vb" >/dev/null 2>&1
		ip netns del "$nsa" 2>/dev/null
		ip netns del "$nsb" 2>/dev/null
		# Pins of B if the detach failed: B is gone, so are the programs
		# behind them once unpinned (and its net-<cookie>/ if empty).
		for d in /sys/fs/bpf/rcode/net*/"$vb"; do
			[ -d "$d" ] && rm -rf "$d" && rmdir "${d%/*}" 2>/dev/null
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ -t 1 ]; then bold=$(printf '\033[1m') off=$(printf '\033[0m'); else bold= off=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$1" "$off"; }
cmd() { printf '%s$ %s\n' "${2:-}" "$1"; }

# Namespace B runs rloader through nsenter --net: 'ip netns exec' would
# mount a fresh /sys without the bpffs that holds rcode's pins.
A() { ip netns exec "$nsa" "$@"; }
B() { nsenter --net=/run/netns/"$nsb" "$@"; }

# ---- offline: the toolchain, briefly -----------------------------------------
step "Verify the example handlers; a broken one gets compiler-style errors"
cmd "rloader verify examples/*.r"
$rl verify examples/*.r
cat >"$tmp/broken.r" <<'R'
.handler broken
.state total
        ldp64 0
        add             ; needs two values, has one
        sts total
R
cmd "rloader verify broken.r"
$rl verify "$tmp/broken.r" 2>&1 || true

step "The translated eBPF and the reference interpreter agree (BPF_PROG_TEST_RUN)"
if [ "$(id -u)" = 0 ]; then
	cmd "rloader run examples/gsum.r --payload u64:5 --repeat 3 --path xlate"
	$rl run examples/gsum.r --payload u64:5 --repeat 3 --path xlate
else
	cmd "rloader run examples/gsum.r --payload u64:5 --repeat 3"
	$rl run examples/gsum.r --payload u64:5 --repeat 3
	echo
	echo "The live part (XDP on a veth pair between two network namespaces)"
	echo "needs root: run 'make demo' as root."
	exit 0
fi

# ---- live: two namespaces, real traffic ------------------------------------------
step "Two network namespaces: client A ($a4, $a6) and server B ($b4, $b6)"
live=1
ip netns add "$nsa"
ip netns add "$nsb"
ip link add "$va" netns "$nsa" type veth peer name "$vb" netns "$nsb"
ip -n "$nsa" addr add $a4/24 dev "$va"
ip -n "$nsb" addr add $b4/24 dev "$vb"
ip -n "$nsa" addr add $a6/64 dev "$va" nodad
ip -n "$nsb" addr add $b6/64 dev "$vb" nodad
for n in "$nsa" "$nsb"; do ip -n "$n" link set lo up; done
ip -n "$nsa" link set "$va" up
ip -n "$nsb" link set "$vb" up
# A veth delivers frames sent with XDP_TX only into a peer that runs NAPI:
# give A's end an XDP program that passes everything.  And a sender's
# checksum offload leaves a partial UDP checksum that a handler editing
# the message cannot update; a real NIC delivers complete ones.
ip -n "$nsa" link set dev "$va" xdpdrv obj "$build/bpf/ref/xdp_pass.bpf.o" sec xdp
A ethtool -K "$va" tx off >/dev/null
echo "veth pair $va (in A) <-> $vb (in B); A's end passes XDP_TX frames up"

step "Attach the echo handler to B's interface, native XDP"
cmd "rloader attach $vb examples/echo.r" "[B] "
B "$rl" attach "$vb" examples/echo.r

step "A sends 1000 messages to portal 2 over IPv4 and 1000 over IPv6; the handler answers each"
# rloader send prints each reply decoded, then one summary line.
show_echo() {
	printf "%s; first word incremented (41 -> 42) in %d replies\n" \
		"$(tail -n 1 "$1")" "$(grep -c '^  payload  *2a 00 00 00 00 00 00 00$' "$1")"
}
for dst in $b4 $b6; do
	cmd "rloader send $dst --portal 2 --payload u64:41 -n 1000 --wait 500" "[A] "
	A "$rl" send $dst --portal 2 --payload u64:41 -n 1000 --wait 500 >"$tmp/echo.out"
	show_echo "$tmp/echo.out"
done

step "Attach the counter; a process in B watches its window through mmap while A sends 500 messages"
cmd "rloader attach $vb examples/counter.r" "[B] "
B "$rl" attach "$vb" examples/counter.r | head -n 1
cmd "rloader window dump $vb hits --interval 100 --until hits+0=500 --count 100 &" "[B] "
B "$rl" window dump "$vb" hits --interval 100 --until hits+0=500 --count 100 &
wpid=$!
sleep 0.3
cmd "rloader send $b4 --portal 1 --tag 7 -n 500 --interval 1" "[A] "
A "$rl" send $b4 --portal 1 --tag 7 -n 500 --interval 1 >/dev/null
wait $wpid

step "Malformed R-messages are passed on untouched (a socket on the port gets them) and counted"
B "$rcsend" recv -p 7117 -n 3 -w 2000 >"$tmp/recv.out" &
rpid=$!
sleep 0.2
for bad in 524d0100 52ff01000002000000000001000000020000000300000004 \
	   524d01000002000800000001000000020000000300000004; do
	cmd "rcsend raw $b4 $bad" "[A] "
	A "$rcsend" raw $b4 $bad >/dev/null
done
wait $rpid
sed -n 's/^got /[B] the socket on port 7117 received /p' "$tmp/recv.out"

step "Replace the echo handler while A sends: every message is answered, by the old or the new one"
sed -e 's/^\.handler echo/.handler echo2/' -e 's/0x6563686f/0x65636832/' \
	examples/echo.r >"$tmp/echo2.r"
A "$rl" send $b4 --portal 2 -n 1000 --interval 1 --wait 500 >"$tmp/repl.out" &
spid=$!
sleep 0.25
cmd "rloader attach $vb echo2.r --portal 2 --replace      (echo2 tags its answers 'ech2')" "[B] "
B "$rl" attach "$vb" "$tmp/echo2.r" --portal 2 --replace | head -n 2
wait $spid
# Each reply line names its tag: 0x6563686f (echo) or 0x65636832 (echo2).
printf "%s: %d from echo, %d from echo2\n" "$(tail -n 1 "$tmp/repl.out")" \
	"$(grep -c '^  reply .* tag 1701013615 ' "$tmp/repl.out")" \
	"$(grep -c '^  reply .* tag 1701013554 ' "$tmp/repl.out")"

step "A handler that faults: the message goes up untouched, the fault is counted with its pc"
cat >"$tmp/divide.r" <<'R'
.handler divide
.portal 3
        push 100
        ldp64 0
        div             ; faults when the payload word is 0
        stp64 0
        pass
R
cmd "rloader attach $vb divide.r" "[B] "
B "$rl" attach "$vb" "$tmp/divide.r" | head -n 1
cmd "rloader send $b4 --portal 3 --payload u64:0" "[A] "
A "$rl" send $b4 --portal 3 --payload u64:0 >/dev/null
sleep 0.1
cmd "rloader stats $vb --portal 3" "[B] "
B "$rl" stats "$vb" --portal 3 | sed -n '/^portal 3/,$p'

step "What rcode counted"
cmd "rloader stats $vb" "[B] "
B "$rl" stats "$vb"
cmd "rloader window dump $vb hits" "[B] "
B "$rl" window dump "$vb" hits

step "What runs where"
cmd "rloader status" "[B] "
B "$rl" status

step "Detach: nothing is left behind"
cmd "rloader detach $vb" "[B] "
B "$rl" detach "$vb"
cmd "rloader status" "[B] "
B "$rl" status
