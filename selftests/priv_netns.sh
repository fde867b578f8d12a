#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_netns.sh - rcode in more than one network namespace (issue 11).
#
#   a. two namespaces X1 and X2, each with an interface called eth0 (a
#      veth pair to a peer namespace), each with its own handler on the
#      same portal: examples/echo.r in X1, the same echo with another tag
#      in X2.  Their pins are apart (RC_PIN_ROOT/net-<cookie>/eth0), the
#      traffic into each is answered by its own handler, each one's
#      counters count only its own messages, and detach in X2 leaves X1
#      answering.
#   b. `ip netns exec`: attach, status and stats are refused (status 3)
#      with the reason and 'rloader -n', before anything is attached;
#      'rloader -n NAME attach' works and keeps answering after rloader
#      exits.  A dispatcher whose pins were removed: status and stats both
#      say so.
#   c. 50 concurrent 'rloader attach' on one portal: exactly one exits 0
#      (49 are refused with status 2), one handler and one dispatcher are
#      installed and answer; detach leaves no program, map, link or pin of
#      theirs.  Then attaches, replaces and detaches at once, twice: each
#      round ends attached and working, or with nothing at all.
#   d. a namespace deleted with a handler attached: its pins stay (and keep
#      the handler in memory), status calls them gone, 'detach --stale'
#      removes them and nothing else.
#
# Runs in a private mount namespace with a bpffs of its own (so every pin
# it sees is its own); rloader enters the network namespaces with -n or
# nsenter --net.  Addresses are 198.18.12.0/24 and 198.18.13.0/24; every
# send is bounded; the trap removes namespaces, links and pins.
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests netns
if [ -z "${RC_NETNS_INNER:-}" ]; then
	need_root "network namespaces, XDP"
	need_tools unshare nsenter ip bpftool ethtool timeout python3
	RC_NETNS_INNER=1 exec unshare --mount --propagation private \
		sh "$0" "$@"
fi
find_python || skip_all "needs python3 to read JSON"

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}
case $rl in /*) ;; *) rl=$top/$rl ;; esac
rcsend=$build/selftests/tools/rcsend
xdp_pass=$build/bpf/ref/xdp_pass.bpf.o
for f in "$rl" "$rcsend" "$xdp_pass"; do
	if [ ! -e "$f" ]; then
		fail "setup: $f is missing (run make)"
		exit 1
	fi
done

id=$$
x1=rcn-$id-x1 x2=rcn-$id-x2 p1=rcn-$id-p1 p2=rcn-$id-p2 x3=rcn-$id-x3
tmp=$(mktemp -d /tmp/rcode-netns.XXXXXX)
tag_echo=6563686f tag_echo2=65636832
pids=

rl1() { timeout 60 "$rl" -n "$x1" "$@"; }
rl2() { nsenter --net=/run/netns/"$x2" timeout 60 "$rl" "$@"; }
send1() { nsenter --net=/run/netns/"$p1" timeout 30 "$rcsend" "$@"; }
send2() { nsenter --net=/run/netns/"$p2" timeout 30 "$rcsend" "$@"; }
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }
# xdp_on NS: the id of the XDP program on NS's eth0, 0 if none.
xdp_on() {
	ip -n "$1" -j link show eth0 2>/dev/null |
		jget /dev/stdin 'd[0].get("xdp", {}).get("prog", {}).get("id", 0)'
}
# runs_on NS ID: ID if program ID runs on NS's eth0, alone or (where the
# kernel has freplace, as 6.1 does) as a component behind libxdp's
# dispatcher, whose ID is then the interface's (xdp-loader reads
# libxdp's pins, so it runs with the caller's bpffs: nsenter, not ip netns
# exec); else what is there.
runs_on() {
	_on=$(xdp_on "$1")
	if [ "$_on" = "$2" ] ||
	   nsenter --net=/run/netns/"$1" xdp-loader status eth0 2>/dev/null |
		awk -v id="$2" '$0 ~ /^ / || $1 == "eth0" { for (i = 1; i <= NF; i++) if ($i == id) f = 1 } END { exit !f }'; then
		echo "$2"
	else
		echo "$_on"
	fi
}

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in "$x1" "$x2"; do
		[ -e /run/netns/"$n" ] &&
			timeout 30 "$rl" -n "$n" detach eth0 >/dev/null 2>&1
	done
	for n in "$x1" "$x2" "$p1" "$p2" "$x3"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# A bpffs of this test's own: the pins counted below are all ours.
mount -t bpf -o mode=0700 bpf /sys/fs/bpf || exit 1

# pair X P NET: X's eth0 is NET.2, P's end NET.1 (runs xdp_pass, so that
# XDP_TX reaches it; TX checksum offload off, see priv_e2e.sh).
pair() {
	ip netns add "$1" && ip netns add "$2" &&
	ip -n "$2" link add "rcnp$id" type veth peer name eth0 netns "$1" &&
	ip -n "$2" addr add "$3.1/24" dev "rcnp$id" &&
	ip -n "$1" addr add "$3.2/24" dev eth0 &&
	ip -n "$1" link set lo up && ip -n "$2" link set lo up &&
	ip -n "$1" link set eth0 up && ip -n "$2" link set "rcnp$id" up &&
	nsenter --net=/run/netns/"$2" ethtool -K "rcnp$id" tx off >/dev/null &&
	ip -n "$2" link set dev "rcnp$id" xdpdrv obj "$xdp_pass" sec xdp
}
if pair "$x1" "$p1" 198.18.12 >"$tmp/setup.log" 2>&1 &&
   pair "$x2" "$p2" 198.18.13 >>"$tmp/setup.log" 2>&1; then
	pass "setup: $x1 and $x2, each with an eth0"
else
	fail "setup: $(tail -n 3 "$tmp/setup.log" | tr '\n' ' ')"
	exit 1
fi

sed -e 's/^\.handler echo/.handler echo2/' -e 's/0x6563686f/0x65636832/' \
	"$top/examples/echo.r" >"$tmp/echo2.r"

# status1|status2 EXPR: a Python expression over the namespace's
# 'rloader -j status eth0' (d[0] is eth0).
status1() { rl1 -j status eth0 >"$tmp/s1.json" 2>&1; jget "$tmp/s1.json" "$1"; }
status2() { rl2 -j status eth0 >"$tmp/s2.json" 2>&1; jget "$tmp/s2.json" "$1"; }
handlers='[(p["portal"], p["handler"], p["installed"], p["pinned"]) for p in d[0]["portals"]]'
inv='[p["invocations"] for p in d[0]["portals"] if p["portal"] == 2]'

# ---- a. two namespaces, two eth0, one portal each ---------------------------
rl1 attach eth0 "$top/examples/echo.r" >"$tmp/a1.out" 2>&1
expect_eq "a: attach echo.r on eth0 in $x1 (rloader -n)" $? 0
rl2 attach eth0 "$tmp/echo2.r" >"$tmp/a2.out" 2>&1
expect_eq "a: attach echo2 on eth0 in $x2, same portal: not taken" $? 0
d1=$(status1 'd[0]["pin_dir"]') d2=$(status2 'd[0]["pin_dir"]')
case $d1 in /sys/fs/bpf/rcode/net-*/eth0) pass "a: $x1's pins are under its net-<cookie>/" ;;
*) fail "a: $x1's pins are under its net-<cookie>/" "$d1" ;; esac
if [ -n "$d1" ] && [ "$d1" != "$d2" ] && [ -e "$d1/portal-2/prog" ] &&
   [ -e "$d2/portal-2/prog" ]; then
	pass "a: the two eth0 have pin directories of their own"
else
	fail "a: the two eth0 have pin directories of their own" "'$d1' '$d2'"
fi
expect_eq "a: $x1 sees its echo only" "$(status1 "$handlers")" '[[2, "echo", true, true]]'
expect_eq "a: $x2 sees its echo2 only" "$(status2 "$handlers")" '[[2, "echo2", true, true]]'
dp1=$(status1 'd[0]["prog_id"]') dp2=$(status2 'd[0]["prog_id"]')
expect_eq "a: two dispatchers, two programs" "$dp1 $dp2" \
	"$(runs_on "$x1" "$dp1") $(runs_on "$x2" "$dp2")"
expect_eq "a: ... not the same program" "$([ "$dp1" != "$dp2" ] && echo yes)" yes

send1 echo 198.18.12.2 -P 2 -n 20 -w 500 >"$tmp/e1.out" 2>&1
send2 echo 198.18.13.2 -P 2 -n 30 -w 500 >"$tmp/e2.out" 2>&1
expect_eq "a: into $x1: 20 replies, all from echo" \
	"$(kv "$tmp/e1.out" replies) $(kv "$tmp/e1.out" tag.$tag_echo) $(kv "$tmp/e1.out" tag.$tag_echo2)" "20 20 "
expect_eq "a: into $x2: 30 replies, all from echo2" \
	"$(kv "$tmp/e2.out" replies) $(kv "$tmp/e2.out" tag.$tag_echo2) $(kv "$tmp/e2.out" tag.$tag_echo)" "30 30 "
expect_eq "a: status in $x1 counts its 20" "$(status1 "$inv")" "[20]"
expect_eq "a: status in $x2 counts its 30" "$(status2 "$inv")" "[30]"
rl1 -j stats eth0 >"$tmp/st1.json" 2>&1
rl2 -j stats eth0 >"$tmp/st2.json" 2>&1
expect_eq "a: stats: each dispatcher counts its own messages" \
	"$(jget "$tmp/st1.json" 'd["dispatcher"]["counters"]["dispatched"]') $(jget "$tmp/st2.json" 'd["dispatcher"]["counters"]["dispatched"]')" "20 30"

rl2 detach eth0 >"$tmp/det2.out" 2>&1
expect_eq "a: detach in $x2" $? 0
expect_eq "a: ... took $x2's pins and XDP program" \
	"$([ -e "$d2" ] && echo pins) $(xdp_on "$x2")" " 0"
expect_eq "a: ... and left $x1's" "$(status1 "$handlers")" '[[2, "echo", true, true]]'
send1 echo 198.18.12.2 -P 2 -n 20 -w 500 >"$tmp/e1.out" 2>&1
expect_eq "a: $x1 still answers, with echo" \
	"$(kv "$tmp/e1.out" replies) $(kv "$tmp/e1.out" tag.$tag_echo)" "20 20"
send2 echo 198.18.13.2 -P 2 -n 5 -w 200 >"$tmp/e2.out" 2>&1
expect_eq "a: $x2 answers no more" "$(kv "$tmp/e2.out" replies)" 0
rl2 status >"$tmp/s2.out" 2>&1
expect_eq "a: status in $x2 shows nothing of $x1" \
	"$(grep -c 'rcode is on no interface of this network namespace' "$tmp/s2.out")" 1
rl2 detach eth0 >/dev/null 2>&1
expect_eq "a: detach again in $x2: nothing there (status 3), $x1 untouched" \
	"$? $(status1 "$inv")" "3 [40]"

# ---- b. ip netns exec ------------------------------------------------------------
ip netns exec "$x2" "$rl" attach eth0 "$top/examples/echo.r" >"$tmp/b.out" 2>"$tmp/b.err"
expect_eq "b: ip netns exec rloader attach: refused (status 3)" $? 3
expect_eq "b: ... saying why and what to run instead" \
	"$(grep -c "mount namespace of its own (as under .ip netns exec.*rloader -n NAME" "$tmp/b.err")" 1
expect_eq "b: ... before anything was attached or pinned" \
	"$(xdp_on "$x2") $(ls /sys/fs/bpf/rcode | grep -c .)" "0 1"
for verb in status "stats eth0"; do
	# shellcheck disable=SC2086
	ip netns exec "$x1" "$rl" $verb >"$tmp/b.out" 2>"$tmp/b.err"
	expect_eq "b: ip netns exec rloader $verb: refused too (status 3), with the reason" \
		"$? $(grep -c 'rloader -n NAME' "$tmp/b.err")" "3 1"
done
ip netns exec "$x2" "$rl" -j attach eth0 "$top/examples/echo.r" >"$tmp/b.json" 2>&1
expect_eq "b: ... in JSON: an error object" \
	"$(jget "$tmp/b.json" '"ip netns exec" in d["error"]')" true
# Each of these used to mount a bpffs of its own, and so took a lock of
# its own: concurrent ones were not serialized (issue 11).  All refused.
i=0 pids= n3=0
while [ $i -lt 10 ]; do
	ip netns exec "$x2" timeout 60 "$rl" attach eth0 "$top/examples/echo.r" \
		>/dev/null 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait "$p"; [ $? -eq 3 ] && n3=$((n3 + 1)); done
pids=
expect_eq "b: 10 concurrent ip netns exec attaches: all refused, nothing attached" \
	"$n3 $(xdp_on "$x2")" "10 0"
"$rl" -n "rcn-$id-nosuch" status >/dev/null 2>"$tmp/b.err"
expect_eq "b: -n with no such namespace: status 2" $? 2
timeout 60 "$rl" -n "$x2" attach eth0 "$tmp/echo2.r" >"$tmp/b.out" 2>&1
expect_eq "b: rloader -n $x2 attach" $? 0
send2 echo 198.18.13.2 -P 2 -n 20 -w 500 >"$tmp/e2.out" 2>&1
expect_eq "b: ... answers after rloader exited" \
	"$(kv "$tmp/e2.out" replies) $(kv "$tmp/e2.out" tag.$tag_echo2)" "20 20"
# Pins removed behind rcode's back: both verbs say the same thing.
d2=$(status2 'd[0]["pin_dir"]')
rm -r "$d2"
expect_eq "b: pins removed: status says attached, not pinned" \
	"$(status2 '(d[0]["attached"], d[0]["pinned"], d[0]["portals"])')" '[true, false, []]'
rl2 stats eth0 >/dev/null 2>"$tmp/b.err"
expect_eq "b: pins removed: stats says the same (status 3)" \
	"$? $(grep -c 'the dispatcher is attached (prog id [0-9]*) but its pins are gone' "$tmp/b.err")" "3 1"
rl2 status eth0 >"$tmp/b.out" 2>&1
expect_eq "b: pins removed: status's table says so" "$(grep -c '<pins gone' "$tmp/b.out")" 1
rl2 detach eth0 >/dev/null 2>&1
expect_eq "b: ... and detach removes it" "$? $(xdp_on "$x2")" "0 0"

# ---- c. concurrency ----------------------------------------------------------------
rl1 detach eth0 >/dev/null 2>&1
h=cc$id			# a name of our own, to count our programs by
sed "s/^\.handler echo/.handler $h/" "$top/examples/echo.r" >"$tmp/$h.r"
sed -e "s/^\.handler counter/.handler cn$id/" "$top/examples/counter.r" |
	sed 's/^\.portal .*/.portal 2/' >"$tmp/cn$id.r"
grep -q "^\.portal 2" "$tmp/cn$id.r" || echo ".portal 2" >>"$tmp/cn$id.r"

# ours NAMES...: how many programs of these names the kernel has, and
# the ids of the maps they use (to see them go).
ours() { bpftool prog show -j 2>/dev/null | jget /dev/stdin "len([p for p in d if p.get('name') in '$*'.split()])"; }
our_maps() { bpftool prog show -j 2>/dev/null | jget /dev/stdin "' '.join(str(m) for p in d if p.get('name') in '$*'.split() for m in p.get('map_ids', []))"; }
links_of() { bpftool link show -j 2>/dev/null | jget /dev/stdin "len([l for l in d if l.get('prog_id') in [int(x) for x in '$*'.split()]])"; }
pins() { find /sys/fs/bpf/rcode -mindepth 1 2>/dev/null | sort | tr '\n' ' '; }
zero() { [ "$(ours "rc_$h rc_cn$id")" = 0 ]; }
pins0=$(pins)
expect_eq "c: before: no program of ours, no pins" "$(ours "rc_$h rc_cn$id")|$pins0" "0|"

i=0 pids=
while [ $i -lt 50 ]; do
	rl1 attach eth0 "$tmp/$h.r" >"$tmp/c.$i.out" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
ok=0 taken=0 other=
for p in $pids; do
	wait "$p"
	case $? in 0) ok=$((ok + 1)) ;; 2) taken=$((taken + 1)) ;; *) other="$other $p" ;; esac
done
expect_eq "c: 50 concurrent attaches: one succeeds, 49 find the portal taken" \
	"$ok $taken$other" "1 49"
[ -n "$other" ] && cat "$tmp"/c.*.out | grep -v "already" | head -n 5 | sed 's/^/# /'
expect_eq "c: ... status shows one handler" "$(status1 "$handlers")" "[[2, \"$h\", true, true]]"
disp=$(status1 'd[0]["prog_id"]')
expect_eq "c: ... one dispatcher, the one on eth0" \
	"$disp" "$(runs_on "$x1" "$disp")"
one() { [ "$(ours "rc_$h")" = 1 ]; }
wait_until 10 one
expect_eq "c: ... the kernel has one program of the handler (the 49 others freed)" "$(ours "rc_$h")" 1
maps=$(our_maps "rc_$h")
hid=$(status1 '[p["prog_id"] for p in d[0]["portals"]][0]')
send1 echo 198.18.12.2 -P 2 -n 10 -w 500 >"$tmp/e1.out" 2>&1
expect_eq "c: ... and it answers" "$(kv "$tmp/e1.out" replies) $(status1 "$inv")" "10 [10]"
rl1 detach eth0 >/dev/null 2>&1
expect_eq "c: detach" $? 0
wait_until 10 zero
gone=0
for m in $maps; do bpftool map show id "$m" >/dev/null 2>&1 || gone=$((gone + 1)); done
expect_eq "c: nothing leaked: no program, its $(echo $maps | wc -w) maps gone, no link, pins as before" \
	"$(ours "rc_$h") $gone $(links_of "$hid $disp")|$(pins)" "0 $(echo $maps | wc -w) 0|$pins0"
expect_eq "c: ... no dispatcher on eth0" \
	"$(xdp_on "$x1") $(bpftool prog show id "$disp" >/dev/null 2>&1 && echo alive)" "0 "

for round in 1 2; do
	i=0 pids=
	while [ $i -lt 24 ]; do
		case $((i % 4)) in
		0|1) rl1 attach eth0 "$tmp/$h.r" ;;
		2) rl1 attach eth0 "$tmp/cn$id.r" --replace ;;
		3) rl1 detach eth0 ;;
		esac >"$tmp/m.$i.out" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	bad=0
	for p in $pids; do
		wait "$p"
		case $? in 0|2|3) ;; *) bad=$((bad + 1)) ;; esac
	done
	st=$(status1 '(d[0]["attached"], d[0]["pinned"], [(p["handler"], p["installed"], p["pinned"]) for p in d[0]["portals"]])')
	xdp=$(xdp_on "$x1")
	case "$st $xdp" in
	"[true, true, [[\"$h\", true, true]]] $(status1 'd[0]["prog_id"]')"|"[true, true, [[\"cn$id\", true, true]]] $(status1 'd[0]["prog_id"]')")
		before=$(status1 "$inv")
		send1 echo 198.18.12.2 -P 2 -n 5 -w 300 >/dev/null 2>&1
		after=$(status1 "$inv")
		before=${before#[} after=${after#[}
		expect_eq "c: mix $round: ended attached ($st), every status 0, 2 or 3, the handler runs" \
			"$bad $((${after%]} - ${before%]}))" "0 5" ;;
	"[false, false, []] 0")
		expect_eq "c: mix $round: ended detached, every status 0, 2 or 3, no pins" \
			"$bad $([ -e "$(rc_pins eth0)" ] && echo pins)" "0 " ;;
	*)	fail "c: mix $round: ended in a defined state" "$st, xdp $xdp" ;;
	esac
	rl1 detach eth0 >/dev/null 2>&1
	wait_until 10 zero
	expect_eq "c: mix $round: after detach nothing of ours is left" \
		"$(ours "rc_$h rc_cn$id")|$(pins)" "0|$pins0"
done

# ---- d. the pins of a namespace that died ------------------------------------------
ip netns add "$x3" && ip -n "$x3" link add eth0 type veth peer name eth1 &&
	ip -n "$x3" link set eth0 up && ip -n "$x3" link set eth1 up ||
	fail "d: setup $x3"
sed "s/^\.handler echo/.handler dd$id/" "$top/examples/echo.r" >"$tmp/dd$id.r"
timeout 60 "$rl" -n "$x3" attach eth0 "$tmp/dd$id.r" >/dev/null 2>&1
expect_eq "d: attach in $x3" $? 0
d3=$(timeout 60 "$rl" -n "$x3" -j status eth0 | jget /dev/stdin 'd[0]["pin_dir"]')
rl1 attach eth0 "$top/examples/echo.r" >/dev/null 2>&1
expect_eq "d: attach in $x1" $? 0
rl1 status >"$tmp/d.out" 2>&1
expect_eq "d: status in $x1 counts $x3's pins, alive" \
	"$(grep -c 'pins of 1 other namespace, 0 of it gone)' "$tmp/d.out")" 1
ip netns del "$x3"
rl1 status >"$tmp/d.out" 2>&1
expect_eq "d: $x3 deleted: its pins stay, status calls them gone" \
	"$([ -d "$d3" ] && echo pins) $(grep -c "1 of it gone: 'rloader detach --stale' removes those" "$tmp/d.out")" "pins 1"
expect_eq "d: ... and they keep $x3's handler alive" "$(ours "rc_dd$id")" 1
rl1 -j detach --stale >"$tmp/d.json" 2>&1
expect_eq "d: detach --stale removes just those" \
	"$(jget "$tmp/d.json" 'd["removed"]') $([ -d "$d3" ] && echo left)" "[\"$(basename "${d3%/eth0}")\"] "
expect_eq "d: ... not $x1's" "$(status1 "$handlers")" '[[2, "echo", true, true]]'
ddgone() { [ "$(ours "rc_dd$id")" = 0 ]; }
wait_until 10 ddgone
expect_eq "d: ... and $x3's handler is freed" "$(ours "rc_dd$id")" 0
send1 echo 198.18.12.2 -P 2 -n 10 -w 500 >"$tmp/e1.out" 2>&1
expect_eq "d: $x1 still answers" "$(kv "$tmp/e1.out" replies)" 10
rl1 detach --stale >"$tmp/d.out" 2>&1
expect_eq "d: detach --stale again: nothing to remove" \
	"$? $(grep -c 'no pins of a network namespace that is gone' "$tmp/d.out")" "0 1"
rl1 detach eth0 >/dev/null 2>&1

rc_exit
