#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_serve_send.sh - the user-level path's forward, send and upcall
# (docs/rcode.md 6.13) end to end: `rloader serve` in namespace B with a
# rank table (--rank, --self), real UDP traffic from namespace A, and
# plain UDP sockets in A that receive what the handler sent, checked byte
# by byte (header and payload, and the source address and port).
#
#   a. one message: an upcall, a send to rank 1 (IPv4), an edit, a send
#      to rank 2 (IPv6), an upcall, a forward to rank 3 (IPv4): the three
#      datagrams as docs/wire.md spells them, the up-calls with the header
#      of their moment, the counters
#   b. a send to a rank not in the table: fault 'rank', the up-call made
#      before it stays, nothing is sent, the message is passed
#   c. an IPv4-only socket cannot reach the IPv6 rank: fault 'rank' there,
#      the send before it still arrives
#
# Addresses 198.18.0.1/198.18.0.2 and fd00::1/fd00::2 (namespace A / B).
# Needs root; prints SKIP otherwise.  Every wait is bounded, every process
# has a time limit, and the trap removes the namespaces (and with them
# the veth pair) and stops every process also when a check fails.
set -u

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}
rcsend=$build/selftests/tools/rcsend

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests serve-send
need_root "network namespaces, SO_BINDTODEVICE"
need_tools ip timeout python3
find_python
for f in "$rl" "$rcsend"; do
	if [ ! -x "$f" ]; then
		fail "setup: $f is missing (run make)"
		exit 1
	fi
done

id=$$
nsa=rcx-ref-a-$id
nsb=rcx-ref-b-$id
va=rcxra$id		# IFNAMSIZ is 16
vb=rcxrb$id
a4=198.18.0.1 b4=198.18.0.2 a6=fd00::1 b6=fd00::2
tmp=$(mktemp -d /tmp/rcode-serve-send.XXXXXX)

A() { ip netns exec "$nsa" "$@"; }
B() { ip netns exec "$nsb" "$@"; }

cleanup() {
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# recv NAME SECONDS COUNT ADDR:PORT...: plain UDP sockets in A, one per
# address, in the background, until COUNT datagrams came (0: until
# $tmp/NAME.stop appears, which 'finish' makes once the server has
# exited, and then whatever is queued is read too); at most SECONDS.
# Each datagram becomes a line "PORT HEX FROM-ADDR FROM-PORT" in
# $tmp/NAME.rx, in arrival order per socket.
# $tmp/NAME.ready appears once they are bound; $rpid is the process.
recv() {
	name=$1 secs=$2 want=$3
	shift 3
	A timeout $((secs + 5)) $py -c '
import select, socket, sys, time
out = open(sys.argv[1], "w")
socks = []
want = int(sys.argv[4])
got = 0
for spec in sys.argv[5:]:
    addr, port = spec.rsplit(":", 1)
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    socks.append(s)
open(sys.argv[2], "w").close()
end = time.monotonic() + float(sys.argv[3])
stop = sys.argv[2][:-len(".ready")] + ".stop"
def take(s):
    global got
    data, src = s.recvfrom(4096)
    out.write("%d %s %s %d\n" % (s.getsockname()[1], data.hex(), src[0], src[1]))
    out.flush()
    got += 1
import os
while time.monotonic() < end and (not want or got < want):
    if not want and os.path.exists(stop):
        # The server is gone: what it sent is queued; take it all.
        for s in socks:
            s.setblocking(False)
            try:
                while True:
                    take(s)
            except BlockingIOError:
                pass
        break
    r, _, _ = select.select(socks, [], [], min(0.1, max(0, end - time.monotonic())))
    for s in r:
        take(s)
' "$tmp/$name.rx" "$tmp/$name.ready" "$secs" "$want" "$@" &
	rpid=$!
	wait_until 60 test -e "$tmp/$name.ready" && return 0
	fail "$name: receivers never ready"
	return 1
}

# serve NAME ARGS...: `rloader -j serve ARGS` in B in the background (at
# most 30 s); output in $tmp/NAME.json and .err; waits for "ready".
serve() {
	name=$1
	shift
	ip netns exec "$nsb" timeout 30 "$rl" -j serve "$@" \
		>"$tmp/$name.json" 2>"$tmp/$name.err" &
	spid=$!
	wait_until 60 ready_or_gone "$tmp/$name.err" $spid
	grep -qs ', ready$' "$tmp/$name.err" && return 0
	fail "$name: never ready: $(cat "$tmp/$name.err")"
	return 1
}
# ready_or_gone ERR PID: the server said it is ready, or is gone.
ready_or_gone() { grep -qs ', ready$' "$1" || ! kill -0 "$2" 2>/dev/null; }
finish() {
	wait $spid
	expect_eq "$1: rloader serve exits 0" $? 0
	touch "$tmp/$1.stop"
}

setup() {
	ip netns add "$nsa" && ip netns add "$nsb" &&
	ip link add "$va" netns "$nsa" type veth peer name "$vb" netns "$nsb" &&
	ip -n "$nsa" addr add $a4/24 dev "$va" &&
	ip -n "$nsb" addr add $b4/24 dev "$vb" &&
	ip -n "$nsa" addr add $a6/64 dev "$va" nodad &&
	ip -n "$nsb" addr add $b6/64 dev "$vb" nodad &&
	ip -n "$nsa" link set lo up && ip -n "$nsb" link set lo up &&
	ip -n "$nsa" link set "$va" up && ip -n "$nsb" link set "$vb" up
}
if setup >"$tmp/setup.log" 2>&1; then
	pass "setup: namespaces $nsa, $nsb joined by $va/$vb"
else
	fail "setup: $(tail -n 3 "$tmp/setup.log" | tr '\n' ' ')"
	exit 1
fi

cat >"$tmp/fan.r" <<'R'
; fan.r - up-calls, sends, a forward; tag 99 sends to rank 4, which the
; table does not have.
.handler fan
.portal 5
	ldh tag
	upcall			; the tag, with the header as it came
	ldh tag
	push 99
	eq
	jnz bad
	push 0x11
	stp8 0
	push 1
	send			; rank 1: payload byte 0 is 0x11
	push 9
	sth seq
	push 2
	send			; rank 2 (IPv6): seq 9 too
	push 7
	upcall			; 7, with seq 9
	push 3
	forward			; rank 3: the message as edited
bad:
	push 4
	send			; not in the table: fault 'rank'
	drop
R
ranks="--self 0 --rank 1,$a4,7201 --rank 2,$a6,7202 --rank 3,$a4,7203"
# header: magic "RM", version 1, flags 0, portal 5, len 8, src 3, dst 0,
# tag, seq 1; payload 01..08
msg() { echo "524d0100000500080000000300000000${1}00000001${2}"; }
pl=0102030405060708
pl11=1102030405060708

# ---- a. sends, up-calls, a forward ---------------------------------------------
if recv a 6 3 $a4:7201 $a6:7202 $a4:7203; then
	if serve a "$vb" "$tmp/fan.r" --count 1 $ranks; then
		A timeout 10 "$rcsend" raw $b4 "$(msg 00000005 $pl)" >/dev/null 2>&1
		finish "a"
	fi
	wait $rpid 2>/dev/null
	rx=$tmp/a.rx
	expect_eq "a: rank 1 got the first copy: src 0, dst 1, byte 0 edited, from $b4:7117" \
		"$(grep '^7201 ' "$rx")" \
		"7201 524d01000005000800000000000000010000000500000001$pl11 $b4 7117"
	expect_eq "a: rank 2 (IPv6) got the second copy: seq 9, from $b6:7117" \
		"$(grep '^7202 ' "$rx")" \
		"7202 524d01000005000800000000000000020000000500000009$pl11 $b6 7117"
	expect_eq "a: rank 3 got the forwarded message: src 0, dst 3, as edited" \
		"$(grep '^7203 ' "$rx")" \
		"7203 524d01000005000800000000000000030000000500000009$pl11 $b4 7117"
	expect_eq "a: nothing else arrived" "$(wc -l <"$rx" | tr -d ' ')" 3
	j=$tmp/a.json
	expect_eq "a: the up-calls, in order, with the header of their moment" \
		"$(jget $j '[(u["value"], u["portal"], u["src"], u["tag"], u["seq"]) for u in d["upcalls"]]')" \
		'[[5, 5, 3, 5, 1], [7, 5, 3, 5, 9]]'
	expect_eq "a: counters: forward, sends, up-calls, nothing lost" \
		"$(jget $j '(lambda s: (s["actions"]["forward"], s["sends"], s["send_errors"], s["upcalls"], s["upcall_lost"], s["faults"]["total"]))(d["stats"])')" \
		'[1, 2, 0, 2, 0, 0]'
fi

# ---- b. a rank not in the table ---------------------------------------------------
if recv b 60 0 $a4:7201 $a4:7203; then
	if serve b "$vb" "$tmp/fan.r" --count 1 $ranks; then
		A timeout 10 "$rcsend" raw $b4 "$(msg 00000063 $pl)" >/dev/null 2>&1
		finish "b"
	fi
	wait $rpid 2>/dev/null
	j=$tmp/b.json
	expect_eq "b: fault rank at the send, the message passed" \
		"$(jget $j '(lambda s: ([(c["name"], c["count"]) for c in s["faults"]["by_code"] if c["count"]], s["last_fault"]["pc"], s["actions"]["pass"], s["sends"]))(d["stats"])')" \
		'[[["rank", 1]], 19, 1, 0]'
	expect_eq "b: the up-call before the fault stays made" \
		"$(jget $j '[u["value"] for u in d["upcalls"]]')" '[99]'
	expect_eq "b: nothing was sent" "$(wc -l <"$tmp/b.rx" | tr -d ' ')" 0
fi

# ---- c. an IPv4-only socket and an IPv6 rank ---------------------------------------
if recv c 60 0 $a4:7201 $a4:7203; then
	if serve c "$vb" "$tmp/fan.r" --count 1 --ipv4 $ranks; then
		A timeout 10 "$rcsend" raw $b4 "$(msg 00000005 $pl)" >/dev/null 2>&1
		finish "c"
	fi
	wait $rpid 2>/dev/null
	expect_eq "c: the send before the fault arrived, nothing after it" \
		"$(cut -d' ' -f1,2 "$tmp/c.rx")" \
		"7201 524d01000005000800000000000000010000000500000001$pl11"
	expect_eq "c: fault rank at the send to the IPv6 rank" \
		"$(jget "$tmp/c.json" '(d["stats"]["last_fault"]["name"], d["stats"]["last_fault"]["pc"], d["stats"]["sends"])')" \
		'["rank", 13, 1]'
fi

# ---- e. a table from a hosts file, this node found from its address ----------------
# (a job's ranks have one address family: rank 2 is IPv4 here)
printf '# the job of case a\n0 %s\n1 %s 7201\n2 %s 7202 -\n3 %s 7203\n' \
	$b4 $a4 $a4 $a4 >"$tmp/job.hosts"
if recv e 6 3 $a4:7201 $a4:7202 $a4:7203; then
	if serve e "$vb" "$tmp/fan.r" --count 1 --hosts "$tmp/job.hosts"; then
		A timeout 10 "$rcsend" raw $b4 "$(msg 00000005 $pl)" >/dev/null 2>&1
		finish "e"
	fi
	wait $rpid 2>/dev/null
	expect_eq "e: --hosts: ranks 1, 2 and 3 got what they got in case a" \
		"$(sort "$tmp/e.rx" | cut -d' ' -f1,2 | tr '\n' ' ')" \
		"7201 524d01000005000800000000000000010000000500000001$pl11 7202 524d01000005000800000000000000020000000500000009$pl11 7203 524d01000005000800000000000000030000000500000009$pl11 "
	expect_eq "e: --hosts: self is rank 0 (from $vb's $b4): src 0, no fault" \
		"$(jget "$tmp/e.json" '(d["stats"]["sends"], d["stats"]["faults"]["total"])')" \
		'[2, 0]'
fi
printf '0 %s\n1 198.18.0.9\n' $a4 >"$tmp/nobody.hosts"
B timeout 10 "$rl" serve "$vb" "$tmp/fan.r" --hosts "$tmp/nobody.hosts" \
	>/dev/null 2>"$tmp/e.err"
expect_eq "e: a hosts file without this node: status 2" $? 2
expect_eq "e: ... which it says" "$(grep -c 'no rank has an address of this interface' "$tmp/e.err")" 1

# ---- d. a bad --rank is refused before anything is bound ----------------------------
B timeout 10 "$rl" serve "$vb" "$tmp/fan.r" --rank 1,not-an-address >/dev/null 2>"$tmp/d.err"
expect_eq "d: --rank with a bad address: status 2" $? 2
B timeout 10 "$rl" serve "$vb" "$tmp/fan.r" --rank 1,$a4 --rank 1,$a4 >/dev/null 2>"$tmp/d.err"
expect_eq "d: a rank given twice: status 2" $? 2

rc_exit
