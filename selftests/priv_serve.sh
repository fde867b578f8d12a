#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_serve.sh - the user-level path end to end: `rloader serve` in
# namespace B on one end of a veth pair, real UDP traffic from
# selftests/tools/rcsend in namespace A.
#
#   a. examples/echo.r on the reference interpreter: every message gets
#      its reply (first word + 1, tag "echo"), the statistics count the
#      invocations and replies, a malformed datagram and a message for
#      another portal count as not_for_us, --count stops it exactly
#   b. a faulting handler: the faults are counted by code, the last one
#      with its pc and instruction, and the messages count as passed
#   c. examples/counter.r: after N messages the data area holds N and
#      the window N and the last tag; --state sets the start
#   d. --native echo and --native counter: the same answers and counts
#   e. dual stack: one socket hears IPv4 and IPv6 (over loopback in B)
#   f. SIGTERM ends a run and still prints everything; --duration ends one
#   g. refusals: a native handler on a smaller layout (2), no such
#      interface (3), the port taken (3)
#
# Addresses are 198.18.0.1 and 198.18.0.2 (RFC 2544 benchmarking).  Needs
# root; prints SKIP otherwise.  Every wait is bounded, every process has a
# time limit, and the trap removes the namespaces (and with them the veth
# pair) and stops every server also when a check fails.
set -u

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}
rcsend=$build/selftests/tools/rcsend

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests serve
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
nsa=rc-srv-a-$id
nsb=rc-srv-b-$id
va=rcsa$id		# IFNAMSIZ is 16
vb=rcsb$id
a4=198.18.0.1 b4=198.18.0.2
tmp=$(mktemp -d /tmp/rcode-serve.XXXXXX)

A() { ip netns exec "$nsa" "$@"; }
B() { ip netns exec "$nsb" "$@"; }
send() { A timeout 60 "$rcsend" "$@"; }

cleanup() {
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }

# serve NAME ARGS...: start `rloader -j serve ARGS` in B in the background
# (at most 30 s), output in $tmp/NAME.json and .err, and wait (at most
# 5 s) for its "ready" line.  $spid is its process; returns 1 if it never
# got ready.
serve() {
	name=$1
	shift
	# Not through B(): a function in the background is a subshell, and
	# the signal of test f must reach timeout(1), which passes it on.
	ip netns exec "$nsb" timeout 30 "$rl" -j serve "$@" \
		>"$tmp/$name.json" 2>"$tmp/$name.err" &
	spid=$!
	wait_until 5 ready_or_gone "$tmp/$name.err" $spid
	grep -qs ', ready$' "$tmp/$name.err" && return 0
	fail "$name: never ready: $(cat "$tmp/$name.err")"
	return 1
}
# ready_or_gone ERR PID: the server said it is ready, or is gone.
ready_or_gone() { grep -qs ', ready$' "$1" || ! kill -0 "$2" 2>/dev/null; }
# finish NAME: wait for the server started last; its exit status.
finish() {
	wait $spid
	st=$?
	expect_eq "$1: rloader serve exits 0" $st 0
}

setup() {
	ip netns add "$nsa" && ip netns add "$nsb" &&
	ip link add "$va" netns "$nsa" type veth peer name "$vb" netns "$nsb" &&
	ip -n "$nsa" addr add $a4/24 dev "$va" &&
	ip -n "$nsb" addr add $b4/24 dev "$vb" &&
	ip -n "$nsa" link set lo up && ip -n "$nsb" link set lo up &&
	ip -n "$nsa" link set "$va" up && ip -n "$nsb" link set "$vb" up
}
if setup >"$tmp/setup.log" 2>&1; then
	pass "setup: namespaces $nsa, $nsb joined by $va/$vb"
else
	fail "setup: $(tail -n 3 "$tmp/setup.log" | tr '\n' ' ')"
	exit 1
fi

cat >"$tmp/divide.r" <<'R'
; divide.r - faults: div_zero at pc 2 when the word is 0, msg_bounds at
; pc 1 when there is no word.
.handler divide
.portal 3
        push 100
        ldp64 0
        div
        stp64 0
        pass
R

# ---- a. echo on the reference interpreter ----------------------------------
if serve echo "$vb" "$top/examples/echo.r" --count 103; then
	send echo $b4 -P 2 -n 100 -w 1000 >"$tmp/echo.out" 2>&1
	expect_eq "a: echo: replies" "$(kv "$tmp/echo.out" replies)" 100
	expect_eq "a: echo: first word incremented" "$(kv "$tmp/echo.out" incremented)" 100
	expect_eq "a: echo: tagged by the handler" "$(kv "$tmp/echo.out" tag.6563686f)" 100
	# not an R-message (short), another portal (5), and one more for echo
	send raw $b4 524d0100 >/dev/null 2>&1
	send raw $b4 524d0100000500000000000100000002000000030000000a >/dev/null 2>&1
	send raw $b4 524d0100000200000000000100000002000000030000000b >/dev/null 2>&1
	finish "a: echo"
	j=$tmp/echo.json
	expect_eq "a: stopped by --count after 103 datagrams" \
		"$(jget $j '(d["stopped_by"], d["datagrams"])')" '["count", 103]'
	expect_eq "a: engine is the reference interpreter" "$(jget $j 'd["engine"]')" ref
	expect_eq "a: stats: invocations" "$(jget $j 'd["stats"]["invocations"]')" 101
	expect_eq "a: stats: actions" \
		"$(jget $j 'd["stats"]["actions"]')" '{"drop": 0, "pass": 0, "reply": 101, "forward": 0}'
	expect_eq "a: stats: malformed and other portal are not_for_us" \
		"$(jget $j 'd["stats"]["not_for_us"]')" 2
	expect_eq "a: stats: no faults" "$(jget $j 'd["stats"]["faults"]["total"]')" 0
fi

# ---- b. faults -----------------------------------------------------------------
if serve divide "$vb" "$tmp/divide.r" --count 3; then
	# header: magic, version 1, portal 3, len, src, dst, tag, seq
	hdr8=524d010000030008000000010000000200000003
	send raw $b4 ${hdr8}000000040000000000000000 >/dev/null 2>&1	# 0: div_zero
	send raw $b4 ${hdr8}000000050500000000000000 >/dev/null 2>&1	# 5: passes
	send raw $b4 524d0100000300000000000100000002000000030000000a >/dev/null 2>&1
	finish "b: divide"
	j=$tmp/divide.json
	expect_eq "b: faults by code: div_zero 1, msg_bounds 1" \
		"$(jget $j '[(c["name"], c["count"]) for c in d["stats"]["faults"]["by_code"] if c["count"]]')" \
		'[["div_zero", 1], ["msg_bounds", 1]]'
	expect_eq "b: last fault: msg_bounds at pc 1, ldp64 0" \
		"$(jget $j '(lambda f: (f["name"], f["code"], f["pc"], f["insn"]))(d["stats"]["last_fault"])')" \
		'["msg_bounds", 2, 1, "ldp64 0"]'
	expect_eq "b: the last fault names the source line" \
		"$(jget $j 'd["stats"]["last_fault"]["where"].split(": ")[0].endswith("divide.r:6:9")')" true
	expect_eq "b: faulted messages are passed on (3 passes)" \
		"$(jget $j '(d["stats"]["invocations"], d["stats"]["actions"]["pass"])')" '[3, 3]'
fi

# ---- c. counter ----------------------------------------------------------------
n=300
if serve counter "$vb" "$top/examples/counter.r" --count $n; then
	send send $b4 -P 1 -n $n -i 200 --tag 9 >"$tmp/send.out" 2>&1
	finish "c: counter"
	j=$tmp/counter.json
	expect_eq "c: counter: sent" "$(kv "$tmp/send.out" sent)" $n
	expect_eq "c: counter: data area total == messages" "$(jget $j 'd["state"]["total"]')" $n
	expect_eq "c: counter: window hits == [messages, last tag]" \
		"$(jget $j 'd["windows"]["hits"]')" "[$n, 9]"
	expect_eq "c: counter: every message dropped" \
		"$(jget $j 'd["stats"]["actions"]["drop"]')" $n
fi

# ---- d. native handlers -----------------------------------------------------------
if serve native "$vb" "$top/examples/echo.r" --native echo --count 50; then
	send echo $b4 -P 2 -n 50 -w 1000 >"$tmp/echo.out" 2>&1
	finish "d: native echo"
	expect_eq "d: native echo: replies, incremented, tagged" \
		"$(kv "$tmp/echo.out" replies) $(kv "$tmp/echo.out" incremented) $(kv "$tmp/echo.out" tag.6563686f)" \
		"50 50 50"
	expect_eq "d: native echo: engine and stats" \
		"$(jget "$tmp/native.json" '(d["engine"], d["native"], d["stats"]["actions"]["reply"])')" \
		'["native", "echo", 50]'
fi
if serve ncounter "$vb" "$top/examples/counter.r" --native counter --count 40 \
	--state total=1000 --window hits=5,0; then
	send send $b4 -P 1 -n 40 -i 200 --tag 3 >/dev/null 2>&1
	finish "d: native counter"
	expect_eq "d: native counter: counts on from --state and --window" \
		"$(jget "$tmp/ncounter.json" '(d["state"]["total"], d["windows"]["hits"])')" \
		'[1040, [45, 3]]'
fi

# ---- e. dual stack -----------------------------------------------------------------
if serve dual any "$top/examples/echo.r" --port 7118 --count 4; then
	B timeout 20 "$rcsend" echo 127.0.0.1 -p 7118 -P 2 -n 2 -w 1000 >"$tmp/v4.out" 2>&1
	B timeout 20 "$rcsend" echo ::1 -p 7118 -P 2 -n 2 -w 1000 >"$tmp/v6.out" 2>&1
	finish "e: dual stack"
	expect_eq "e: one socket answers IPv4 and IPv6" \
		"$(kv "$tmp/v4.out" replies) $(kv "$tmp/v6.out" replies)" "2 2"
fi

# ---- f. a signal, a duration -----------------------------------------------------------
if serve sig "$vb" "$top/examples/echo.r"; then
	# Every reply came back, so the handler has run on all five.
	send echo $b4 -P 2 -n 5 -w 1000 >"$tmp/sig.out" 2>&1
	expect_eq "f: replies before the signal" "$(kv "$tmp/sig.out" replies)" 5
	kill -TERM $spid 2>/dev/null
	finish "f: SIGTERM"
	expect_eq "f: SIGTERM: stopped by the signal with everything counted" \
		"$(jget "$tmp/sig.json" '(d["stopped_by"], d["stats"]["invocations"])')" '["signal", 5]'
fi
if serve dur "$vb" "$top/examples/echo.r" --duration 1; then
	finish "f: --duration 1"
	expect_eq "f: --duration: stopped by it, after about a second" \
		"$(jget "$tmp/dur.json" '(d["stopped_by"], 0.9 <= d["seconds"] < 5)')" '["duration", true]'
fi

# ---- g. refusals --------------------------------------------------------------------------
B timeout 10 "$rl" serve "$vb" "$top/examples/echo.r" --native counter >/dev/null 2>"$tmp/g.err"
expect_eq "g: a native handler on a smaller layout: status 2" $? 2
B timeout 10 "$rl" serve nosuch0 "$top/examples/echo.r" >/dev/null 2>"$tmp/g.err"
expect_eq "g: no such interface: status 3" $? 3
if serve taken "$vb" "$top/examples/echo.r" --duration 5; then
	B timeout 10 "$rl" serve "$vb" "$top/examples/echo.r" >/dev/null 2>"$tmp/g.err"
	expect_eq "g: the port taken: status 3" $? 3
	kill -TERM $spid 2>/dev/null
	finish "g: first server"
fi

rc_exit
