#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_e2e.sh - rcode end to end, with real traffic: two network
# namespaces joined by a veth pair, handlers attached with rloader in
# namespace B, clients (selftests/tools/rcsend) in namespace A.
#
#   a. a UDP client gets its replies from examples/echo.r (IPv4 and IPv6),
#      and from examples/echo.c, the same handler in C (rcc)
#   b. a process reading a counter's window through mmap sees it climb to
#      exactly the number of messages sent
#   c. a handler replaced while a client sends loses no message: every one
#      is answered by the old or the new handler, and a counter replaced by
#      one of the same layout keeps counting in the same window
#   d. other traffic (UDP to another port, ICMP) still arrives
#   e. malformed R-messages reach the socket on the R port untouched and
#      are counted by reason in 'rloader stats'
#   f. all of it in --mode native and --mode skb
#   g. the in-kernel interpreter (attach --path interp): echo's replies,
#      the counter's window through mmap, handlers replaced across the two
#      paths under traffic (xlate -> interp -> xlate) with nothing lost,
#      the tracing interpreter (--trace) and 'rloader trace' counting
#      exactly the messages sent and the instructions they executed, and
#      detach taking the interpreter's pins with the last handler; without
#      the JIT, the refusal (status 3, the reason, nothing left behind)
# plus run --path xlate and --path interp on the examples, and detach
# leaving nothing behind.
#
# Two things about veth that the set-up handles (docs/rloader.md):
# - A frame sent with XDP_TX on one end reaches the other only if that end
#   runs NAPI.  Enabling GRO on it is documented to do that, but on the
#   6.18 kernel this was written on it did not; an XDP program does, so
#   namespace A's end runs bpf/ref/xdp_pass.
# - A veth hands the peer's XDP program the sender's UDP checksum as
#   CHECKSUM_PARTIAL left it (the pseudo-header sum only).  A handler
#   that edits and replies updates that checksum incrementally, so the
#   reply would carry a wrong one; the sender's TX checksum offload is
#   turned off, as it is in effect for frames from a real NIC.
#
# rloader runs in namespace B through nsenter --net, not 'ip netns exec',
# which mounts a fresh /sys without the bpffs that holds the pins.
#
# Needs root; prints SKIP otherwise.  Every sender is bounded in count and
# time, and the trap removes namespaces, links, pins and programs also
# when a check fails or the script is interrupted.
set -u

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}
rcsend=$build/selftests/tools/rcsend
xdp_pass=$build/bpf/ref/xdp_pass.bpf.o

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests e2e
need_root "network namespaces, XDP"
need_tools ip nsenter ethtool timeout python3
find_python
for f in "$rl" "$rcsend" "$xdp_pass"; do
	if [ ! -e "$f" ]; then
		fail "setup: $f is missing (run make)"
		exit 1
	fi
done

id=$$
nsa=rc-e2e-a-$id
nsb=rc-e2e-b-$id
va=rcea$id		# at most 4 + 7 characters: IFNAMSIZ is 16
vb=rceb$id
a4=198.18.0.1 b4=198.18.0.2
a6=fd00:7117::1 b6=fd00:7117::2
tmp=$(mktemp -d /tmp/rcode-e2e.XXXXXX)

A() { ip netns exec "$nsa" "$@"; }
B() { nsenter --net=/run/netns/"$nsb" "$@"; }
rlb() { B timeout 30 "$rl" "$@"; }
send() { A timeout 60 "$rcsend" "$@"; }

cleanup() {
	# Background readers first, then what rcode put on the interface,
	# then the namespaces (which takes the veth pair with them); a
	# detach after that removes pins of an interface that is gone.
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ -e /run/netns/"$nsb" ]; then
		B "$rl" detach "$vb" >/dev/null 2>&1
	fi
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	# Pins of B if the detach failed: B is gone, so are the programs
	# behind them once unpinned (and its net-<cookie>/ if empty).
	for d in /sys/fs/bpf/rcode/net*/"$vb"; do
		[ -d "$d" ] && rm -rf "$d" && rmdir "${d%/*}" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# kv FILE KEY: a "key=value" line of rcsend's output.
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }
# listening FILE: a background 'rcsend recv' has bound its socket (it says
# so first), so what is sent next cannot arrive before it listens.
listening() { grep -q '^listening' "$1"; }
# sum FILE KEY: the sum of every KEY= line (batches of rcsend echo)
sum() { sed -n "s/^$2=//p" "$1" | awk '{ s += $1 } END { print s + 0 }'; }

# ---- topology ------------------------------------------------------------
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
	ip -n "$nsa" link set dev "$va" xdpdrv obj "$xdp_pass" sec xdp
}
if setup >"$tmp/setup.log" 2>&1; then
	pass "setup: namespaces $nsa, $nsb joined by $va/$vb"
else
	fail "setup: $(tail -n 3 "$tmp/setup.log" | tr '\n' ' ')"
	exit 1
fi

# Where B's pins of vb go (RC_PIN_ROOT/net-<cookie>/vb), as status says.
rlb -j status "$vb" >"$tmp/st.json" 2>&1
pins=$(jget "$tmp/st.json" 'd[0]["pin_dir"]')
case $pins in
/sys/fs/bpf/rcode/net-*/"$vb") pass "status: the pin dir is namespace B's" ;;
*) fail "status: the pin dir is namespace B's" "$pins"; exit 1 ;;
esac

# The replacement echo: same handler, another tag on its answers.
sed -e 's/^\.handler echo/.handler echo2/' -e 's/0x6563686f/0x65636832/' \
	"$top/examples/echo.r" >"$tmp/echo2.r"
tag_echo=6563686f tag_echo2=65636832
cat >"$tmp/divide.r" <<'R'
.handler divide
.portal 3
        push 100
        ldp64 0
        div             ; faults when the payload word is 0
        stp64 0
        pass
R

# ---- run --path xlate: the two paths agree on the examples ---------------
for ex in echo counter gsum barrier; do
	for v in 4 6; do
		"$rl" -j run "$top/examples/$ex.r" --path xlate --ipv $v \
			--payload u64:41 --tag 1 --repeat 3 >"$tmp/x.json" 2>"$tmp/x.err"
		expect_eq "run --path xlate $ex.r --ipv $v: agree" \
			"$(jget "$tmp/x.json" 'd["agree"]')" true
	done
done

# A handler that resizes and drops: nobody fixes the lengths of a dropped
# frame, and run compares its message all the same (issue 12, bug D).
for v in 4 6; do
	"$rl" -j run "$top/selftests/cases/interp/resize_drop.r" --path xlate \
		--ipv $v --payload hex:0102030405 >"$tmp/x.json" 2>"$tmp/x.err"
	expect_eq "run --path xlate resize_drop.r --ipv $v: exit 0, agree" \
		"$?,$(jget "$tmp/x.json" 'd["agree"]')" "0,true"
done

# ---- run --path interp: the in-kernel interpreter agrees too --------------
jit=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null || echo 1)
if [ "$jit" != 0 ]; then
	for ex in echo counter gsum barrier; do
		for v in 4 6; do
			"$rl" -j run "$top/examples/$ex.r" --path interp --ipv $v \
				--payload u64:41 --tag 1 --repeat 3 >"$tmp/x.json" 2>"$tmp/x.err"
			expect_eq "run --path interp $ex.r --ipv $v: agree, same instruction counts" \
				"$(jget "$tmp/x.json" '(d["agree"], d["paths"], [r["ref"]["insns"] == r["interp"]["insns"] for r in d["runs"]], d["insns_total"] == sum(r["ref"]["insns"] for r in d["runs"]))')" \
				'[true, ["ref", "interp"], [true, true, true], true]'
		done
	done
else
	"$rl" run "$top/examples/echo.r" --path interp >/dev/null 2>"$tmp/x.err"
	expect_eq "run --path interp without the JIT: status 3" $? 3
	expect_eq "run --path interp without the JIT: says why" \
		"$(grep -c 'needs the BPF JIT' "$tmp/x.err")" 1
fi

# ---- run --ranks on the kernel paths: forward, send and upcall compared ----
# fan: an up-call, a copy to rank 2 (TC), a forward to rank 3; fwd: an
# up-call and a forward to the rank in seq (XDP, and the interpreter).
fan=$top/selftests/handlers/fan.r
cat >"$tmp/fwd.r" <<'R'
.handler fwd
.portal 5
	ldh tag
	upcall
	push 0x11
	stp8 0
	ldh seq
	forward
R
# What both paths did, as one line: agree, the kernel path's rank, sends
# counted/lost, up-calls counted/lost, the kinds of its effect log, the
# ranks its copies went to, whether every frame's addresses held, and the
# differences.
fx='(d["agree"], (x := d["runs"][-1][d["paths"][1]])["rank"], d["runs"][-1]["ref"]["rank"], x["sends"], x["send_errors"], x["upcalls"], x["upcall_lost"], [e["kind"] for e in x["effects"]], [e["rank"] for e in x["effects"] if e["kind"] == "send"], all(e["frame"]["ok"] and e["frame"]["addresses_ok"] for e in x["effects"] if e["kind"] == "send") and x["frame"]["addresses_ok"], [r["differences"] for r in d["runs"]])'
for v in 4 6; do
	"$rl" -j run "$fan" --path xlate --ipv $v --ranks 4,self=1 --tag 9 \
		--payload hex:00ff --repeat 2 >"$tmp/x.json" 2>"$tmp/x.err"
	expect_eq "run --ranks --path xlate fan.r --ipv $v: status 0" $? 0
	expect_eq "run --ranks --path xlate fan.r --ipv $v: forward to 3, the copy to 2 seen, the up-call read" \
		"$(jget "$tmp/x.json" "$fx")" \
		'[true, 3, 3, 1, 0, 1, 0, ["upcall", "send"], [2], true, [[], []]]'
	expect_eq "run --ranks --path xlate fan.r --ipv $v: the copies seen on a lo of its own" \
		"$(jget "$tmp/x.json" '(d["ranks"], d["sends_seen"], [(e["message"]["src"], e["message"]["dst"], e["message"]["payload"]) for e in d["runs"][-1]["xlate"]["effects"] if e["kind"] == "send"])')" \
		'[{"nranks": 4, "self": 1}, true, [[1, 2, "11ff"]]]'
	for p in xlate interp; do
		[ $p = interp ] && [ "$jit" = 0 ] && continue
		"$rl" -j run "$tmp/fwd.r" --path $p --ipv $v --ranks 4,self=1 --tag 9 \
			--seq 3 --payload hex:00ff >"$tmp/x.json" 2>"$tmp/x.err"
		expect_eq "run --ranks --path $p fwd.r --ipv $v: forward to 3, the up-call read" \
			"$(jget "$tmp/x.json" "$fx")" \
			'[true, 3, 3, 0, 0, 1, 0, ["upcall"], [], true, [[]]]'
		# A rank beyond N, and this node's own, fault 'rank' on every
		# path; the up-call before it stays made.
		for seq in 4 1; do
			"$rl" -j run "$tmp/fwd.r" --path $p --ipv $v --ranks 4,self=1 \
				--seq $seq --payload hex:00ff >"$tmp/x.json" 2>"$tmp/x.err"
			expect_eq "run --ranks 4,self=1 --path $p fwd.r to rank $seq --ipv $v: status 4" $? 4
			expect_eq "run --ranks 4,self=1 --path $p fwd.r to rank $seq --ipv $v: fault rank at pc 5 on both, up-call made" \
				"$(jget "$tmp/x.json" '(d["agree"], [(o["fault"]["name"], o["fault"]["pc"], o["upcalls"]) for o in (d["runs"][0]["ref"], d["runs"][0][d["paths"][1]])])')" \
				'[true, [["rank", 5, 1], ["rank", 5, 1]]]'
		done
	done
	"$rl" -j run "$tmp/fwd.r" --ipv $v --ranks 4,self=1 --seq 4 \
		--payload hex:00ff >"$tmp/x.json" 2>"$tmp/x.err"
	expect_eq "run --ranks 4,self=1 --path ref fwd.r to rank 4: fault rank" \
		"$(jget "$tmp/x.json" 'd["runs"][0]["fault"]["name"]')" rank
done
# Without --ranks the kernel path's table is empty: the send faults.
"$rl" -j run "$fan" --path xlate --payload hex:00ff >"$tmp/x.json" 2>"$tmp/x.err"
expect_eq "run --path xlate fan.r without --ranks: status 4" $? 4
expect_eq "run --path xlate fan.r without --ranks: fault rank at the send, nothing sent" \
	"$(jget "$tmp/x.json" '(d["agree"], d["ranks"], d["sends_seen"], d["runs"][0]["xlate"]["fault"]["name"], d["runs"][0]["xlate"]["fault"]["pc"], d["runs"][0]["xlate"]["sends"])')" \
	'[true, null, null, "rank", 5, 0]'
"$rl" run "$fan" --path interp --ranks 4 >/dev/null 2>"$tmp/x.err"
st=$?
if [ "$jit" = 0 ]; then
	# without the JIT the interpreter itself is refused first
	expect_eq "run --ranks --path interp fan.r without the JIT: status 3" $st 3
	expect_eq "... because of the JIT" "$(grep -c 'needs the BPF JIT' "$tmp/x.err")" 1
else
	expect_eq "run --ranks --path interp fan.r: refused, it sends (status 1)" $st 1
	expect_eq "... naming the send" "$(grep -c 'needs TC (send at .*the interpreter runs at XDP' "$tmp/x.err")" 1
fi
# Without CAP_SYS_ADMIN rloader has no namespace of its own: a handler
# that sends is refused, with the reason, rather than let its copies out
# of the caller's namespace.  (In namespace A, in case it were not.)
if command -v setpriv >/dev/null 2>&1; then
	nsenter --net=/run/netns/"$nsa" setpriv --bounding-set=-sys_admin \
		--inh-caps=-sys_admin "$rl" run "$fan" --path xlate \
		--ranks 4,self=1 --payload hex:00ff >"$tmp/x.out" 2>"$tmp/x.err"
	expect_eq "run --ranks --path xlate fan.r without CAP_SYS_ADMIN: refused (status 3)" $? 3
	expect_eq "... with the reason" \
		"$(grep -c "fan sends: .* namespace of rloader's own, and there is none: .*CLONE_NEWNET" "$tmp/x.err")" 1
else
	skip "run --ranks without CAP_SYS_ADMIN: no setpriv"
fi

# ---- a to f, once per mode -------------------------------------------------
for mode in native skb; do
	m="$mode"

	# a. echo: every message gets its reply, over IPv4 and IPv6
	if rlb -j attach "$vb" "$top/examples/echo.r" --mode $mode \
		>"$tmp/att.json" 2>"$tmp/att.err"; then
		expect_eq "$m: attach echo.r: mode" "$(jget "$tmp/att.json" 'd["mode"]')" $mode
		expect_eq "$m: attach echo.r: portal" "$(jget "$tmp/att.json" 'd["portal"]')" 2
		expect_eq "$m: attach echo.r: dispatcher attached now" \
			"$(jget "$tmp/att.json" 'd["dispatcher"]["attached_now"]')" true
	else
		fail "$m: attach echo.r: $(cat "$tmp/att.err")"
		continue
	fi
	for dst in $b4 $b6; do
		send echo $dst -P 2 -n 50 -w 500 >"$tmp/echo.out" 2>&1
		expect_eq "$m: a: echo to $dst: replies" "$(kv "$tmp/echo.out" replies)" 50
		expect_eq "$m: a: echo to $dst: first word incremented" \
			"$(kv "$tmp/echo.out" incremented)" 50
		expect_eq "$m: a: echo to $dst: tagged by the handler" \
			"$(kv "$tmp/echo.out" tag.$tag_echo)" 50
	done
	rlb -j status "$vb" >"$tmp/st.json" 2>&1
	expect_eq "$m: a: status: echo's invocations" \
		"$(jget "$tmp/st.json" '[p["invocations"] for p in d[0]["portals"] if p["portal"] == 2][0]')" 100
	expect_eq "$m: a: status: echo's replies" \
		"$(jget "$tmp/st.json" '[p["reply"] for p in d[0]["portals"] if p["portal"] == 2][0]')" 100
	expect_eq "$m: a: status: mode" "$(jget "$tmp/st.json" 'd[0]["mode"]')" $mode

	# a, in C: examples/echo.c, compiled by rcc at attach, answers as
	# echo.r does; then echo.r is back for what follows.
	if [ ! -x "$build/rcc" ]; then
		skip "$m: a: echo.c" "build/rcc not built (needs libclang-19-dev)"
	elif rlb attach "$vb" "$top/examples/echo.c" --replace >/dev/null \
		2>"$tmp/att.err"; then
		for dst in $b4 $b6; do
			send echo $dst -P 2 -n 50 -w 500 >"$tmp/echo.out" 2>&1
			expect_eq "$m: a: echo.c to $dst: replies" \
				"$(kv "$tmp/echo.out" replies)" 50
			expect_eq "$m: a: echo.c to $dst: first word incremented" \
				"$(kv "$tmp/echo.out" incremented)" 50
			expect_eq "$m: a: echo.c to $dst: tagged by the handler" \
				"$(kv "$tmp/echo.out" tag.$tag_echo)" 50
		done
		rlb attach "$vb" "$top/examples/echo.r" --replace >/dev/null 2>&1
		expect_eq "$m: a: echo.r back in place of echo.c" $? 0
	else
		fail "$m: attach echo.c: $(cat "$tmp/att.err")"
	fi

	# Conflicts are refused with status 2, and nothing changes.
	other=skb; [ $mode = skb ] && other=native
	rlb attach "$vb" "$top/examples/counter.r" --mode $other >/dev/null 2>&1
	expect_eq "$m: attach in the other mode is refused" $? 2
	rlb attach "$vb" "$top/examples/echo.r" >/dev/null 2>&1
	expect_eq "$m: attach on a taken portal without --replace is refused" $? 2

	# b. the counter's window, read through mmap while traffic flows
	if ! rlb attach "$vb" "$top/examples/counter.r" >"$tmp/att.out" 2>&1; then
		fail "$m: attach counter.r: $(cat "$tmp/att.out")"
	fi
	n=300
	rlb -j window dump "$vb" hits --interval 5 --count 2000 \
		--until hits+0=$n >"$tmp/win.json" 2>"$tmp/win.err" &
	wpid=$!
	sleep 0.2
	send send $b4 -P 1 -n $n -i 1000 --tag 7 >"$tmp/send.out" 2>&1
	wait $wpid
	expect_eq "$m: b: window reader stopped at the count" $? 0
	expect_eq "$m: b: window hits+0 == messages sent" \
		"$(jget "$tmp/win.json" 'd["values"][0]')" "$(kv "$tmp/send.out" sent)"
	expect_eq "$m: b: window hits+1 == last tag" "$(jget "$tmp/win.json" 'd["values"][1]')" 7
	# The maps carry BTF: bpftool shows the handler's own names.
	bpftool map dump pinned "$pins"/portal-1/state >"$tmp/bt.json" 2>&1
	expect_eq "$m: b: bpftool shows the data area by name (total)" \
		"$(jget "$tmp/bt.json" 'd[0]["value"]["total"]')" "$(kv "$tmp/send.out" sent)"
	bpftool map dump pinned "$pins"/portal-1/win-hits >"$tmp/bt.json" 2>&1
	expect_eq "$m: b: bpftool shows the window by name (hits)" \
		"$(jget "$tmp/bt.json" 'd[0]["value"]["hits"][1]')" 7
	bpftool map dump pinned "$pins"/portal-1/stats >"$tmp/bt.json" 2>&1
	expect_eq "$m: b: bpftool shows the statistics by field (drop)" \
		"$(jget "$tmp/bt.json" 'sum(c["value"]["drop"] for c in d[0]["values"])')" \
		"$(kv "$tmp/send.out" sent)"
	expect_eq "$m: b: the reader saw it climb (increasing, several samples)" \
		"$(jget "$tmp/win.json" 'len(d["samples"]) >= 3 and all(a["values"][0] <= b["values"][0] for a, b in zip(d["samples"], d["samples"][1:]))')" true
	rlb -j stats "$vb" --portal 1 >"$tmp/stats.json" 2>&1
	expect_eq "$m: b: stats: counter dropped every message" \
		"$(jget "$tmp/stats.json" 'd["handlers"][0]["actions"]["drop"]')" $n

	# c. replace while a client sends: nothing lost.  The client sends in
	# batches until the new handler has answered some; the replace waits
	# until the old one has (bounded waits on the client's own counts,
	# not sleeps), so both answer some however slow the machine is.
	rm -f "$tmp/repl.out" "$tmp/repl.done"
	(
		_n=0
		while [ ! -f "$tmp/repl.done" ] && [ $_n -lt 100 ]; do
			send echo $b4 -P 2 -n 100 -i 2000 -w 1000 >>"$tmp/repl.out" 2>&1
			_n=$((_n + 1))
		done
	) &
	spid=$!
	answered() { [ "$(sum "$tmp/repl.out" "tag.$1")" -ge 50 ]; }
	wait_until 600 answered $tag_echo ||
		fail "$m: c: the old handler answered nothing in time"
	rlb -j attach "$vb" "$tmp/echo2.r" --portal 2 --replace >"$tmp/att.json" 2>&1
	expect_eq "$m: c: attach --replace reports the replaced program" \
		"$(jget "$tmp/att.json" 'd["replaced"]')" true
	wait_until 600 answered $tag_echo2 ||
		fail "$m: c: the new handler answered nothing in time"
	touch "$tmp/repl.done"
	wait $spid
	old=$(sum "$tmp/repl.out" tag.$tag_echo)
	new=$(sum "$tmp/repl.out" tag.$tag_echo2)
	sent=$(sum "$tmp/repl.out" sent)
	expect_eq "$m: c: every message answered across the replace ($sent sent)" \
		"$(sum "$tmp/repl.out" replies)" "$sent"
	expect_eq "$m: c: old + new handler answered all ($old + $new)" \
		$(( ${old:-0} + ${new:-0} )) "$sent"
	expect_eq "$m: c: both handlers answered some" \
		"$([ "${old:-0}" -gt 0 ] && [ "${new:-0}" -gt 0 ] && echo yes)" yes

	n2=400
	send send $b4 -P 1 -n $n2 -i 2000 --tag 8 >"$tmp/send.out" 2>&1 &
	spid=$!
	sleep 0.3
	rlb -j attach "$vb" "$top/examples/counter.r" --replace >"$tmp/att.json" 2>&1
	expect_eq "$m: c: counter replaced by the same layout keeps its data" \
		"$(jget "$tmp/att.json" 'd["data"]')" kept
	wait $spid
	rlb -j window dump "$vb" hits --interval 10 --count 300 \
		--until hits+0=$((n + n2)) >"$tmp/win.json" 2>&1
	expect_eq "$m: c: window counts every message across the replace" \
		"$(jget "$tmp/win.json" 'd["values"][0]')" $((n + n2))

	# d. traffic that is not for rcode
	B timeout 30 "$rcsend" recv -p 9000 -n 1 -w 20000 >"$tmp/recv9.out" 2>&1 &
	rpid=$!
	wait_until 100 listening "$tmp/recv9.out"
	send raw $b4 -p 9000 68656c6c6f >/dev/null 2>&1
	wait $rpid
	expect_eq "$m: d: UDP to another port reaches its socket" \
		"$(sed -n 's/^got //p' "$tmp/recv9.out")" 68656c6c6f
	for dst in $b4 $b6; do
		send icmp $dst -n 3 -w 1000 >"$tmp/icmp.out" 2>&1
		expect_eq "$m: d: ping $dst" "$(kv "$tmp/icmp.out" replies)" 3
	done

	# e. malformed R-messages: passed on untouched and counted by reason
	rlb -j stats "$vb" >"$tmp/before.json" 2>&1
	B timeout 60 "$rcsend" recv -p 7117 -n 7 -w 20000 >"$tmp/recv.out" 2>&1 &
	rpid=$!
	wait_until 100 listening "$tmp/recv.out"
	cat >"$tmp/bad.txt" <<-EOF
	524d0100
	524d010000020000000000010000000200000003000000
	52ff01000002000000000001000000020000000300000004
	524d09000002000000000001000000020000000300000004
	524d01000002000800000001000000020000000300000004
	524d010000020000000000010000000200000003000000040102
	524d01000200000000000001000000020000000300000004
	EOF
	# short, short by one, bad magic, bad version, len says 8 but there
	# are none, len says 0 but there are 2, portal 512
	for b in $(cat "$tmp/bad.txt"); do
		send raw $b4 "$b" >/dev/null 2>&1
	done
	wait $rpid
	sed -n 's/^got //p' "$tmp/recv.out" >"$tmp/got.txt"
	if cmp -s "$tmp/bad.txt" "$tmp/got.txt"; then
		pass "$m: e: malformed messages reached the socket byte for byte"
	else
		fail "$m: e: malformed messages: sent $(tr '\n' ' ' <"$tmp/bad.txt"), got $(tr '\n' ' ' <"$tmp/got.txt")"
	fi
	rlb -j stats "$vb" >"$tmp/after.json" 2>&1
	for r in short:2 magic:1 version:1 length:2 portal:1 total:7; do
		k=${r%%:*} want=${r#*:}
		b=$(jget "$tmp/before.json" "d[\"dispatcher\"][\"malformed\"][\"$k\"]")
		a=$(jget "$tmp/after.json" "d[\"dispatcher\"][\"malformed\"][\"$k\"]")
		expect_eq "$m: e: stats: malformed $k" $(( ${a:-0} - ${b:-0} )) $want
	done

	# A fault: the message reaches the socket as it arrived, and stats
	# names the fault, its pc and the instruction there (rcode pin).
	rlb attach "$vb" "$tmp/divide.r" >/dev/null 2>&1
	B timeout 30 "$rcsend" recv -p 7117 -n 1 -w 20000 >"$tmp/recv.out" 2>&1 &
	rpid=$!
	wait_until 100 listening "$tmp/recv.out"
	# header: magic, version 1, portal 3, len 8, src, dst, tag, seq
	msg=524d010000030008$(printf '%032d' 0)$(printf '%016d' 0)
	send raw $b4 $msg >/dev/null 2>&1
	wait $rpid
	expect_eq "$m: fault: the message reached the socket untouched" \
		"$(sed -n 's/^got //p' "$tmp/recv.out")" $msg
	rlb -j stats "$vb" --portal 3 >"$tmp/stats.json" 2>&1
	expect_eq "$m: fault: stats: last fault, pc and instruction" \
		"$(jget "$tmp/stats.json" '(lambda f: (f["name"], f["code"], f["pc"], f["insn"]))(d["handlers"][0]["last_fault"])')" \
		'["div_zero", 1, 2, "div"]'
	expect_eq "$m: fault: stats: counted by code" \
		"$(jget "$tmp/stats.json" '[c["count"] for c in d["handlers"][0]["faults"]["by_code"] if c["name"] == "div_zero"][0]')" 1

	# A replacement of another layout starts from zero and takes the old
	# handler's windows with it.
	rlb -j attach "$vb" "$top/examples/gsum.r" --portal 1 --replace \
		>"$tmp/att.json" 2>&1
	expect_eq "$m: replace by another layout: data is new" \
		"$(jget "$tmp/att.json" 'd["data"]')" new
	expect_eq "$m: replace by another layout: the old window's pin is gone" \
		"$(ls "$pins"/portal-1 | tr '\n' ' ')" \
		"prog rcode state stats win-result "
	rlb window dump "$vb" hits >/dev/null 2>&1
	expect_eq "$m: replace by another layout: window hits: status 3" $? 3
	rlb -j stats "$vb" --portal 1 >"$tmp/stats.json" 2>&1
	expect_eq "$m: stats --portal 1 names the new handler" \
		"$(jget "$tmp/stats.json" 'd["handlers"][0]["handler"]')" gsum

	# detach one handler, then everything
	rlb detach "$vb" --portal 1 >/dev/null 2>&1
	expect_eq "$m: detach --portal 1" $? 0
	rlb -j status "$vb" >"$tmp/st.json" 2>&1
	expect_eq "$m: detach --portal 1 leaves portals 2 and 3" \
		"$(jget "$tmp/st.json" '[p["portal"] for p in d[0]["portals"]]')" "[2, 3]"
	rlb detach "$vb" >/dev/null 2>&1
	expect_eq "$m: detach everything" $? 0
	expect_eq "$m: detach removed the pins" \
		"$([ -e "$pins" ] && echo left || echo gone)" gone
	expect_eq "$m: detach removed the XDP program" \
		"$(ip -n "$nsb" link show "$vb" | grep -c ' xdp')" 0
	rlb detach "$vb" >/dev/null 2>&1
	expect_eq "$m: detach with nothing attached: status 3" $? 3
done

# ---- g. the in-kernel interpreter ---------------------------------------------
ipins=$pins/interp
if [ "$jit" = 0 ]; then
	# Its handlers run as bpf_loop callbacks, which the kernel runs only
	# JIT-compiled: attach must say so, and leave nothing behind.
	rlb attach "$vb" "$top/examples/echo.r" --path interp >/dev/null 2>"$tmp/att.err"
	expect_eq "g: attach --path interp without the JIT: status 3" $? 3
	expect_eq "g: attach --path interp without the JIT: says why" \
		"$(grep -c 'needs the BPF JIT' "$tmp/att.err")" 1
	expect_eq "g: attach --path interp without the JIT: no pins, no program" \
		"$([ -e "$pins" ] && echo left || echo gone) $(ip -n "$nsb" link show "$vb" | grep -c ' xdp')" \
		"gone 0"
	rc_exit
fi
m=interp
# a. echo on the interpreter: every message gets its reply
if rlb -j attach "$vb" "$top/examples/echo.r" --path interp \
	>"$tmp/att.json" 2>"$tmp/att.err"; then
	expect_eq "$m: attach echo.r: path, portal, interpreter loaded and pinned" \
		"$(jget "$tmp/att.json" '(d["path"], d["trace"], d["portal"], d["interp"]["loaded_now"], d["xlated_insns"], d["uops"] > 0)')" \
		'["interp", false, 2, true, null, true]'
	expect_eq "$m: attach echo.r: pins (code, not prog) and the interpreter's" \
		"$(ls "$pins"/portal-2 | tr '\n' ' ')| $(ls "$ipins" | tr '\n' ' ')" \
		"code rcode state stats | code misc prog prog_trace ranks state stats trace upcalls windows "
else
	fail "$m: attach echo.r --path interp: $(cat "$tmp/att.err")"
fi
for dst in $b4 $b6; do
	send echo $dst -P 2 -n 50 -w 500 >"$tmp/echo.out" 2>&1
	expect_eq "$m: a: echo to $dst: replies" "$(kv "$tmp/echo.out" replies)" 50
	expect_eq "$m: a: echo to $dst: first word incremented" \
		"$(kv "$tmp/echo.out" incremented)" 50
	expect_eq "$m: a: echo to $dst: tagged by the handler" \
		"$(kv "$tmp/echo.out" tag.$tag_echo)" 50
done
rlb -j stats "$vb" 2 >"$tmp/stats.json" 2>&1
expect_eq "$m: a: stats: path, invocations, replies" \
	"$(jget "$tmp/stats.json" '(lambda h: (h["path"], h["invocations"], h["actions"]["reply"], h["trace"]))(d["handlers"][0])')" \
	'["interp", 100, 100, null]'
expect_eq "$m: a: stats: the interpreter ran them" \
	"$(jget "$tmp/stats.json" 'd["interp"]["counters"]["dispatched"]')" 100
rlb -j status "$vb" >"$tmp/st.json" 2>&1
expect_eq "$m: a: status: path and prog id (the interpreter's)" \
	"$(jget "$tmp/st.json" '[(p["path"], p["prog_id"]) for p in d[0]["portals"]]')" \
	"[[\"interp\", $(jget "$tmp/att.json" 'd["prog_id"]')]]"

# b. the counter on the interpreter: its window through mmap
rlb attach "$vb" "$top/examples/counter.r" --path interp >"$tmp/att.out" 2>&1 ||
	fail "$m: attach counter.r: $(cat "$tmp/att.out")"
n=300
rlb -j window dump "$vb" hits --interval 5 --count 2000 \
	--until hits+0=$n >"$tmp/win.json" 2>"$tmp/win.err" &
wpid=$!
sleep 0.2
send send $b4 -P 1 -n $n -i 1000 --tag 7 >"$tmp/send.out" 2>&1
wait $wpid
expect_eq "$m: b: window reader stopped at the count" $? 0
expect_eq "$m: b: window hits == [messages sent, last tag]" \
	"$(jget "$tmp/win.json" 'd["values"]')" "[$(kv "$tmp/send.out" sent), 7]"
expect_eq "$m: b: the reader saw it climb (several samples)" \
	"$(jget "$tmp/win.json" 'len(d["samples"]) >= 2')" true
rlb -j stats "$vb" --portal 1 >"$tmp/stats.json" 2>&1
expect_eq "$m: b: stats: counter dropped every message" \
	"$(jget "$tmp/stats.json" 'd["handlers"][0]["actions"]["drop"]')" $n
bpftool map dump pinned "$pins"/portal-1/state >"$tmp/bt.json" 2>&1
expect_eq "$m: b: bpftool shows the data area by name (total)" \
	"$(jget "$tmp/bt.json" 'd[0]["value"]["total"]')" $n
# Replaced on the same path by the same layout: the maps carry over.
rlb -j attach "$vb" "$top/examples/counter.r" --path interp --replace \
	>"$tmp/att.json" 2>&1
expect_eq "$m: b: counter replaced on the interpreter keeps its data" \
	"$(jget "$tmp/att.json" '(d["data"], d["replaced_path"])')" '["kept", "interp"]'
rlb -j window dump "$vb" hits >"$tmp/win.json" 2>&1
expect_eq "$m: b: ... the window still counts $n" "$(jget "$tmp/win.json" 'd["values"][0]')" $n

# c. replaced across the paths under traffic: interp -> xlate -> interp
# -> xlate, every message answered by one of them
send echo $b4 -P 2 -n 1500 -i 2000 -w 1000 >"$tmp/repl.out" 2>&1 &
spid=$!
sleep 0.4
rlb -j attach "$vb" "$tmp/echo2.r" --portal 2 --replace --path xlate >"$tmp/r1.json" 2>&1
sleep 0.4
rlb -j attach "$vb" "$top/examples/echo.r" --replace --path interp >"$tmp/r2.json" 2>&1
sleep 0.4
rlb -j attach "$vb" "$tmp/echo2.r" --portal 2 --replace >"$tmp/r3.json" 2>&1
wait $spid
expect_eq "$m: c: the replacements: interp->xlate, xlate->interp, interp->xlate" \
	"$(jget "$tmp/r1.json" '(d["replaced_path"], d["path"])') $(jget "$tmp/r2.json" '(d["replaced_path"], d["path"])') $(jget "$tmp/r3.json" '(d["replaced_path"], d["path"])')" \
	'["interp", "xlate"] ["xlate", "interp"] ["interp", "xlate"]'
old=$(kv "$tmp/repl.out" tag.$tag_echo)
new=$(kv "$tmp/repl.out" tag.$tag_echo2)
expect_eq "$m: c: every message answered across the replaces" \
	"$(kv "$tmp/repl.out" replies)" 1500
expect_eq "$m: c: echo + echo2 answered all ($old + $new)" $(( ${old:-0} + ${new:-0} )) 1500
expect_eq "$m: c: both handlers answered some" \
	"$([ "${old:-0}" -gt 0 ] && [ "${new:-0}" -gt 0 ] && echo yes)" yes
expect_eq "$m: c: portal 2's pins are the translated handler's" \
	"$(ls "$pins"/portal-2 | tr '\n' ' ')" "prog rcode stats "
# The counter to the translated path: same layout, but new maps.
rlb -j attach "$vb" "$top/examples/counter.r" --replace >"$tmp/att.json" 2>&1
expect_eq "$m: c: counter moved to xlate starts from zero (data new)" \
	"$(jget "$tmp/att.json" '(d["data"], d["path"], d["interp"]["removed"])')" '["new", "xlate", true]'
expect_eq "$m: c: no interpreted handler left: the interpreter's pins are gone" \
	"$([ -e "$ipins" ] && echo left || echo gone)" gone
send send $b4 -P 1 -n 5 --tag 9 >/dev/null 2>&1
rlb -j window dump "$vb" hits --interval 10 --count 300 --until hits+0=5 \
	>"$tmp/win.json" 2>&1
expect_eq "$m: c: ... and counts in a new window" "$(jget "$tmp/win.json" 'd["values"]')" "[5, 9]"

# d. the tracing interpreter: runs and instructions, exactly
rlb -j attach "$vb" "$top/examples/echo.r" --path interp --trace --replace \
	>"$tmp/att.json" 2>&1
expect_eq "$m: d: attach --trace: interpreter loaded again, traced" \
	"$(jget "$tmp/att.json" '(d["path"], d["trace"], d["interp"]["loaded_now"])')" \
	'["interp", true, true]'
nt=40
send echo $b4 -P 2 -n $nt -w 500 >"$tmp/echo.out" 2>&1
expect_eq "$m: d: traced echo replies" "$(kv "$tmp/echo.out" replies)" $nt
rlb -j trace "$vb" 2 >"$tmp/tr.json" 2>"$tmp/tr.err"
expect_eq "$m: d: trace: runs == messages sent, insns == runs * 11" \
	"$(jget "$tmp/tr.json" '(d["path"], d["summary"]["runs"], d["summary"]["insns"], d["summary"]["insns_max"], d["summary"]["insns_per_run"])')" \
	"[\"interp+trace\", $nt, $((nt * 11)), 11, 11.0]"
expect_eq "$m: d: trace: each of the 11 instructions ran once per message" \
	"$(jget "$tmp/tr.json" "[i['count'] for i in d['annotate']] == [$nt] * 11")" true
expect_eq "$m: d: trace: the histogram holds every run, the stack 2 deep" \
	"$(jget "$tmp/tr.json" '(sum(b["runs"] for b in d["histogram"]), d["summary"]["stack_max"], d["summary"]["ns_max"] > 0)')" \
	"[$nt, 2, true]"
expect_eq "$m: d: trace: message reads and writes (ldh, ldp64, stp64, sth)" \
	"$(jget "$tmp/tr.json" '(d["summary"]["message"]["reads"], d["summary"]["message"]["writes"])')" \
	"[$((nt * 2)), $((nt * 2))]"
"$rl" trace --help >/dev/null 2>&1
rlb trace "$vb" 2 >"$tmp/tr.txt" 2>&1
expect_eq "$m: d: trace (plain): annotated R-code" \
	"$(grep -c "^ *$nt .* reply" "$tmp/tr.txt")" 1
rlb -j stats "$vb" 2 >"$tmp/stats.json" 2>&1
expect_eq "$m: d: stats: the trace summary" \
	"$(jget "$tmp/stats.json" '(d["handlers"][0]["path"], d["handlers"][0]["trace"]["runs"], d["handlers"][0]["trace"]["insns"])')" \
	"[\"interp+trace\", $nt, $((nt * 11))]"
rlb -j status "$vb" >"$tmp/st.json" 2>&1
expect_eq "$m: d: status: paths" \
	"$(jget "$tmp/st.json" '[(p["portal"], p["path"], p["trace"]) for p in d[0]["portals"]]')" \
	'[[1, "xlate", false], [2, "interp+trace", true]]'
rlb -j trace "$vb" 2 --reset >/dev/null 2>&1
rlb -j trace "$vb" 2 >"$tmp/tr.json" 2>&1
expect_eq "$m: d: trace --reset zeroes it" \
	"$(jget "$tmp/tr.json" '(d["summary"]["runs"], d["summary"]["insns"], sum(i["count"] for i in d["annotate"]))')" \
	"[0, 0, 0]"
rlb trace "$vb" 1 >/dev/null 2>"$tmp/tr.err"
expect_eq "$m: d: trace of a translated handler: status 3" $? 3
expect_eq "$m: d: ... and says how to trace it" "$(grep -c -- '--trace' "$tmp/tr.err")" 1

# e. detach: one handler leaves the interpreter, the last takes it along
rlb attach "$vb" "$top/examples/gsum.r" --path interp >/dev/null 2>&1
rlb detach "$vb" --portal 2 >/dev/null 2>&1
expect_eq "$m: e: detach --portal 2" $? 0
expect_eq "$m: e: the interpreter stays for gsum" \
	"$([ -e "$ipins/prog" ] && echo kept || echo gone)" kept
rlb -j stats "$vb" >"$tmp/stats.json" 2>&1
expect_eq "$m: e: stats: the handlers left and their paths" \
	"$(jget "$tmp/stats.json" '[(h["portal"], h["path"]) for h in d["handlers"]]')" \
	'[[1, "xlate"], [7, "interp"]]'

rlb detach "$vb" --portal 7 >/dev/null 2>&1
expect_eq "$m: e: the last interpreted handler detached: interpreter's pins gone" \
	"$([ -e "$ipins" ] && echo left || echo gone)" gone
rlb attach "$vb" "$top/examples/echo.r" --path interp --trace >/dev/null 2>&1
rlb detach "$vb" >/dev/null 2>&1
expect_eq "$m: e: detach everything" $? 0
expect_eq "$m: e: detach removed the pins, interpreter included" \
	"$([ -e "$pins" ] && echo left || echo gone)" gone

# f. forward and up-call on the interpreter, on live traffic: every
# message is up-called with its tag and forwarded to rank 0 (A, port
# 7300, A's MAC: no FIB lookup), which receives it from rank 1 (B).
maca=$(ip -n "$nsa" -o link show "$va" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
printf '0 %s 7300 %s\n1 %s\n' $a4 "$maca" $b4 >"$tmp/job.hosts"
cat >"$tmp/fwdup.r" <<'R'
; fwdup.r - up-call the tag, forward to rank 0
.handler fwdup
.portal 5
	ldh tag
	upcall
	push 0
	forward
R
rlb ranks load "$vb" "$tmp/job.hosts" >/dev/null 2>"$tmp/rk.err" ||
	fail "$m: f: ranks load" "$(cat "$tmp/rk.err")"
if rlb attach "$vb" "$tmp/fwdup.r" --path interp >/dev/null 2>"$tmp/att.err"; then
	nf=40
	A timeout 60 "$rcsend" recv -p 7300 -n $nf -w 20000 >"$tmp/fwd.out" 2>&1 &
	rpid=$!
	wait_until 100 listening "$tmp/fwd.out"
	send send $b4 -P 5 -n $nf -i 1000 --tag 11 --src 3 --dst 1 >/dev/null 2>&1
	wait $rpid
	expect_eq "$m: f: every message forwarded to rank 0's port" \
		"$(kv "$tmp/fwd.out" received)" $nf
	# header: magic "RM", version, flags, portal 5, len, src 1, dst 0, tag 11
	expect_eq "$m: f: ... from rank 1 to rank 0, portal and tag kept" \
		"$(sed -n 's/^got 524d01000005....\(0000000100000000\)0000000b.*/\1/p' "$tmp/fwd.out" | wc -l | tr -d ' ')" $nf
	rlb -j stats "$vb" --portal 5 >"$tmp/stats.json" 2>&1
	expect_eq "$m: f: stats: path, invocations, forwards, up-calls, none lost, no fault" \
		"$(jget "$tmp/stats.json" '(lambda h: (h["path"], h["invocations"], h["actions"]["forward"], h["upcalls"], h["upcall_lost"], h["faults"]["total"]))(d["handlers"][0])')" \
		"[\"interp\", $nf, $nf, $nf, 0, 0]"
else
	fail "$m: f: attach fwdup.r --path interp" "$(cat "$tmp/att.err")"
fi
rlb detach "$vb" >/dev/null 2>&1
rlb ranks clear "$vb" >/dev/null 2>&1

rc_exit
