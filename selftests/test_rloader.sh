#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# test_rloader.sh - rloader's command line, the verbs that need no kernel:
# assemble/disassemble round trips of every example, verify errors in
# compiler form and in JSON (read with a JSON parser, never grep), the
# exit statuses, every verb's --help, command-prefix matching, and what
# 'run' prints for the examples.  The verbs that need root and an
# interface are exercised by priv_e2e.sh; here only their command-line
# checks, which come before anything touches the kernel.
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests rloader
top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}
tmp=$(mktemp -d /tmp/rcode-rloader.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$top" || exit 1

# status WHAT EXPECTED CMD...: the command's exit status
status() {
	what=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	expect_eq "$what: exit status" $? "$want"
}

# JSON is read with a real parser (lib.sh's jget); without python3 the
# JSON checks fail, and say so once here.
find_python || skip "JSON checks" "no python3 to parse JSON with"

# ---- assemble / disassemble round trips ------------------------------------
for f in examples/*.r; do
	n=$(basename "$f" .r)
	if "$rl" assemble "$f" -o "$tmp/$n.rbin" >/dev/null &&
	   "$rl" disassemble "$tmp/$n.rbin" -o "$tmp/$n.dis.r" &&
	   "$rl" assemble "$tmp/$n.dis.r" -o "$tmp/$n.2.rbin" >/dev/null &&
	   cmp -s "$tmp/$n.rbin" "$tmp/$n.2.rbin"; then
		pass "round trip $f -> .rbin -> text -> identical .rbin"
	else
		fail "round trip $f"
	fi
	"$rl" disassemble "$f" >"$tmp/$n.fromtext.r" 2>/dev/null &&
		cmp -s "$tmp/$n.fromtext.r" "$tmp/$n.dis.r"
	expect_eq "disassemble $f (text) == disassemble of its binary" $? 0
done
"$rl" assemble examples/echo.r -o - >"$tmp/stdout.rbin" 2>/dev/null
cmp -s "$tmp/stdout.rbin" "$tmp/echo.rbin"
expect_eq "assemble -o - writes the binary to stdout" $? 0
"$rl" -j assemble examples/gsum.r -o "$tmp/g.rbin" >"$tmp/a.json"
expect_eq "assemble -j: bytes is the file's size" \
	"$(jget "$tmp/a.json" 'd["bytes"]')" "$(wc -c <"$tmp/g.rbin" | tr -d ' ')"

# ---- verify: compiler-form errors, JSON, exit statuses -----------------------
cat >"$tmp/broken.r" <<'R'
.handler broken
.state total
        ldp64 0
        add             ; needs two values, has one
        sts total
R
status "verify broken.r" 1 "$rl" verify "$tmp/broken.r"
expect_eq "verify broken.r: error at file:line:col" \
	"$(grep -c "broken.r:4:9: error: stack underflow" "$tmp/err")" 1
expect_eq "verify broken.r: source line and caret" \
	"$(grep -c '^ *| *\^' "$tmp/err")" 1
expect_eq "verify broken.r: note with the stack" \
	"$(grep -c "broken.r:4:9: note: stack" "$tmp/err")" 1
status "verify -j broken.r" 1 "$rl" -j verify "$tmp/broken.r"
cp "$tmp/out" "$tmp/v.json"
expect_eq "verify -j: ok is false" "$(jget "$tmp/v.json" 'd[0]["ok"]')" false
expect_eq "verify -j: the first error's line:col" \
	"$(jget "$tmp/v.json" '"%d:%d" % (d[0]["diagnostics"][0]["line"], d[0]["diagnostics"][0]["col"])')" 4:9
expect_eq "verify -j: severity and message" \
	"$(jget "$tmp/v.json" 'd[0]["diagnostics"][0]["severity"] + ": " + d[0]["diagnostics"][0]["message"].split(":")[0]')" \
	"error: stack underflow"
expect_eq "verify -j: nothing on stderr" "$(wc -c <"$tmp/err" | tr -d ' ')" 0
status "verify -j examples/*.r" 0 "$rl" -j verify examples/barrier.r \
	examples/counter.r examples/echo.r examples/gsum.r
cp "$tmp/out" "$tmp/v.json"
expect_eq "verify -j examples: all ok, portals" \
	"$(jget "$tmp/v.json" '[(e["ok"], e["portal"]) for e in d]')" \
	"[[true, 9], [true, 1], [true, 2], [true, 7]]"
status "verify a good and a bad handler" 1 "$rl" verify examples/echo.r "$tmp/broken.r"
printf 'RCOD\001\000' >"$tmp/trunc.rbin"
status "verify a truncated binary" 1 "$rl" verify "$tmp/trunc.rbin"

# ---- exit statuses -----------------------------------------------------------
status "verify examples/echo.r" 0 "$rl" verify examples/echo.r
status "no command" 2 "$rl"
status "unknown command" 2 "$rl" frobnicate
status "unknown option" 2 "$rl" verify --bogus examples/echo.r
status "unknown global option" 2 "$rl" --bogus verify examples/echo.r
status "missing argument" 2 "$rl" run
status "too many arguments" 2 "$rl" assemble a.r b.r
status "bad number" 2 "$rl" run examples/echo.r --tag seven
status "bad --path" 2 "$rl" run examples/echo.r --path jit
status "bad --ipv" 2 "$rl" run examples/echo.r --ipv 5
status "--clock with --path xlate" 2 "$rl" run examples/echo.r --path xlate --clock 5
status "--clock with --path interp" 2 "$rl" run examples/echo.r --path interp --clock 5
expect_eq "--clock with --path interp: says why" \
	"$(grep -c 'in-kernel interpreter reads the kernel' "$tmp/err")" 1
status "bad --payload" 2 "$rl" run examples/echo.r --payload u8:300
status "run --portal 256" 2 "$rl" run examples/echo.r --portal 256
expect_eq "run --portal 256: reaches no handler, says why" \
	"$(grep -c 'portal 256 reaches no handler: portals are 0..255' "$tmp/err")" 1
status "run --portal 255" 0 "$rl" run examples/echo.r --portal 255
status "run --tag -1" 2 "$rl" run examples/echo.r --tag -1
expect_eq "run --tag -1: says it is negative" \
	"$(grep -c "tag: '-1' is negative" "$tmp/err")" 1

# ---- -j: usage errors, help and version are JSON too ------------------------
# Each must be one JSON document on stdout, nothing on stderr, and keep
# its exit status.
jcase() {
	what=$1 want=$2 expr=$3 expect=$4
	shift 4
	status "-j $what" "$want" "$@"
	expect_eq "-j $what: stderr is empty" "$(wc -c <"$tmp/err" | tr -d ' ')" 0
	cp "$tmp/out" "$tmp/j.json"
	expect_eq "-j $what: JSON" "$(jget "$tmp/j.json" "$expr")" "$expect"
}
jcase "unknown command" 2 '("not a command" in d["error"], d["usage"])' \
	'[true, "rloader --help"]' "$rl" -j frob
jcase "unknown option" 2 '("--bogus" in d["error"], d["usage"])' \
	'[true, "rloader verify --help"]' "$rl" -j verify --bogus examples/echo.r
jcase "missing argument" 2 '("missing argument" in d["error"], d["usage"])' \
	'[true, "rloader attach --help"]' "$rl" -j attach
jcase "bad choice" 2 '"--path" in d["error"]' true \
	"$rl" -j run examples/echo.r --path jit
jcase "bad number" 2 '"--tag" in d["error"]' true \
	"$rl" -j run examples/echo.r --tag seven
jcase "unknown global option" 2 '"--bogus" in d["error"]' true \
	"$rl" -j --bogus verify examples/echo.r
jcase "no command" 2 '"no command" in d["error"]' true "$rl" -j
# send and features: their command-line checks come before any socket
# or probe (priv_send.sh and priv_features.sh do the rest).
jcase "send without --portal" 2 '("--portal is required" in d["error"], d["usage"])' \
	'[true, "rloader send --help"]' "$rl" -j send 198.18.0.2
jcase "send to no address" 2 '"not an IPv4 or IPv6 address" in d["error"]' true \
	"$rl" -j send example.org --portal 2
jcase "send --payload bad" 2 '"--payload" in d["error"]' true \
	"$rl" -j send 198.18.0.2 --portal 2 --payload nope:1
jcase "send --count 0" 2 '"--count" in d["error"]' true \
	"$rl" -j send 198.18.0.2 --portal 2 --count 0
jcase "send --wait too long" 2 '"at most" in d["error"]' true \
	"$rl" -j send 198.18.0.2 --portal 2 --wait 60001
jcase "send --portal too large" 2 '"--portal" in d["error"] or "portal" in d["error"]' true \
	"$rl" -j send 198.18.0.2 --portal 100000
jcase "send needs ADDR" 2 '"missing argument" in d["error"]' true "$rl" -j send --portal 2
jcase "features takes no argument" 2 '"too many arguments" in d["error"]' true \
	"$rl" -j features eth0
jcase "features --help" 0 '(d["command"], d["options"])' '["features", []]' \
	"$rl" -j features --help
jcase "send --help" 0 '[o["name"] for o in d["options"] if o["takes"] == "MS"]' \
	'["interval", "wait"]' "$rl" -j send --help
jcase "and -V" 0 '(d["name"], d["rcode_binary_version"] >= 1, len(d["version"]) > 0)' \
	'["rloader", true, true]' "$rl" -j -V
jcase "-V given before -j" 0 'd["name"]' 'rloader' "$rl" -V -j
jcase "and --help" 0 '[n for n in ("assemble", "attach", "detach") if n in [c["name"] for c in d["commands"]]]' \
	'["assemble", "attach", "detach"]' "$rl" -j --help
jcase "and run --help" 0 '(d["command"], [o["choices"] for o in d["options"] if o["name"] == "path"][0])' \
	'["run", ["ref", "xlate", "interp"]]' "$rl" -j run --help
"$rl" -V >"$tmp/v.txt" 2>&1
expect_eq "-V without -j: one plain line" \
	"$(grep -c '^rloader [0-9][0-9.]* (R-code binary version' "$tmp/v.txt")" 1
status "missing file" 3 "$rl" verify "$tmp/nonexistent.r"
status "missing file, JSON" 3 "$rl" -j verify "$tmp/nonexistent.r"
cp "$tmp/out" "$tmp/e.json"
expect_eq "missing file, JSON: one document, the error in the file's entry" \
	"$(jget "$tmp/e.json" '(d[0]["ok"], "No such file" in d[0]["error"])')" '[false, true]'
status "missing file, JSON error object" 3 "$rl" -j run "$tmp/nonexistent.r"
cp "$tmp/out" "$tmp/e.json"
expect_eq "run, missing file, JSON: an error object on stdout" \
	"$(jget "$tmp/e.json" '"No such file" in d["error"]')" true
cat >"$tmp/divide.r" <<'R'
.handler divide
        push 100
        ldp64 0
        div             ; faults when the payload word is 0
        stp64 0
        pass
R
status "run: the handler faults" 4 "$rl" run "$tmp/divide.r" --payload u64:0
expect_eq "run: the fault with its name, pc and source position" \
	"$(grep -c "fault    div_zero (division by zero) at pc 2: .*divide.r:4:9: div" "$tmp/out")" 1
status "run: the handler does not fault" 0 "$rl" run "$tmp/divide.r" --payload u64:5
# The online verbs check their command line before the kernel is asked.
status "attach: missing FILE" 2 "$rl" attach lo
status "attach: bad --mode" 2 "$rl" attach lo examples/echo.r --mode hw
status "attach: --portal out of range" 2 "$rl" attach lo examples/echo.r --portal 256
status "attach: a rejected handler" 1 "$rl" attach lo "$tmp/broken.r"
status "attach: unknown --path" 2 "$rl" attach lo examples/echo.r --path jit
status "attach: --trace on the translated path (the default)" 2 \
	"$rl" attach lo examples/echo.r --trace
expect_eq "attach: --trace without --path interp: says why" \
	"$(grep -c -- '--trace needs --path interp' "$tmp/err")" 1
status "attach: --trace with --path xlate" 2 "$rl" attach lo examples/echo.r \
	--path xlate --trace
status "attach -j: --trace with --path xlate" 2 "$rl" -j attach lo \
	examples/echo.r --path xlate --trace
expect_eq "attach -j: --trace with --path xlate: a JSON error" \
	"$(jget "$tmp/out" '"--path interp" in d["error"]')" true
status "attach: --trace before a rejected handler is still a usage error" 2 \
	"$rl" attach lo "$tmp/broken.r" --trace
status "trace: missing PORTAL" 2 "$rl" trace lo
status "trace: PORTAL out of range" 2 "$rl" trace lo 256
status "trace: PORTAL not a number" 2 "$rl" trace lo two
status "trace: unknown option" 2 "$rl" trace lo 2 --bogus
status "stats: PORTAL not a number" 2 "$rl" stats lo two
status "stats: PORTAL and --portal disagree" 2 "$rl" stats lo 2 --portal 3
status "detach: --portal out of range" 2 "$rl" detach lo --portal 300
status "detach: no IFNAME and no --stale" 2 "$rl" detach
status "detach: --stale with an IFNAME" 2 "$rl" detach lo --stale
status "-n: a name with a slash" 2 "$rl" -n ../x status
status "-n: no name" 2 "$rl" -n
status "window: three words not 'dump'" 2 "$rl" window show lo hits
status "window: --until without --interval" 2 "$rl" window dump lo hits --until 0=1
status "stats: no interface" 2 "$rl" stats

# ---- handlers that send run at TC; rank tables ---------------------------------
cat >"$tmp/fan.r" <<'R'
; fan.r - a copy of every message to rank 0
.handler fan
.portal 6
	push 0
	send
	drop
R
status "attach: --tc for a handler at XDP" 2 "$rl" attach lo examples/echo.r --tc tcx
status "attach: --tc cls_bpf for a handler at XDP" 2 "$rl" attach lo examples/echo.r \
	--tc cls_bpf
status "attach: unknown --tc" 2 "$rl" attach lo "$tmp/fan.r" --tc netkit
status "attach: --mode for a handler at TC" 2 "$rl" attach lo "$tmp/fan.r" --mode skb
expect_eq "attach: --mode for a handler at TC: says why" \
	"$(grep -c 'runs at TC (it sends)' "$tmp/err")" 1
status "attach: a handler that sends on the interpreter" 1 "$rl" attach lo \
	"$tmp/fan.r" --path interp
expect_eq "attach: ... needs TC, with the send's position" \
	"$(grep -c "needs TC (send at $tmp/fan.r:5:2: send)" "$tmp/err")" 1
cat >"$tmp/bad.hosts" <<'H'
# a gap and a bad port
0 198.18.0.1
2 198.18.0.3 70000
H
cat >"$tmp/ok.hosts" <<'H'
0 198.18.0.1
1 198.18.0.2 7200 02:00:00:00:01:02
H
status "ranks: no verb" 2 "$rl" ranks lo
status "ranks: unknown verb" 2 "$rl" ranks frob lo
status "ranks load: no file" 2 "$rl" ranks load lo
status "ranks show: a file too" 2 "$rl" ranks show lo "$tmp/ok.hosts"
status "ranks show: --self is for load" 2 "$rl" ranks show lo --self 1
status "ranks load: --self beyond the table" 2 "$rl" ranks load lo "$tmp/ok.hosts" \
	--self 5000
status "ranks load: --self beyond the file's ranks" 2 "$rl" ranks load lo \
	"$tmp/ok.hosts" --self 2
status "ranks load: --port 70000" 2 "$rl" ranks load lo "$tmp/ok.hosts" --port 70000
status "ranks load: a bad hosts file" 1 "$rl" ranks load lo "$tmp/bad.hosts"
expect_eq "ranks load: the gap at file:line:col" \
	"$(grep -c "bad.hosts:3:1: error: rank 2 where rank 1 belongs" "$tmp/err")" 1
expect_eq "ranks load: the port at file:line:col, with a caret" \
	"$(grep -c -e "bad.hosts:3:14: error: bad port '70000'" -e '^ *| *\^$' "$tmp/err")" 3
status "ranks load -j: a bad hosts file" 1 "$rl" -j ranks load lo "$tmp/bad.hosts"
expect_eq "ranks load -j: the diagnostics as JSON" \
	"$(jget "$tmp/out" '[(x["line"], x["col"]) for x in d["diagnostics"]]')" \
	"[[3, 1], [3, 14]]"
status "ranks load: no such file" 3 "$rl" ranks load lo "$tmp/none.hosts"

# ---- --help of every verb ----------------------------------------------------
# Options each verb must document; a verb in 'rloader --help' that is
# missing here fails, so a new verb comes with its line.
verb_opts() {
	case $1 in
	assemble) echo "--output --no-verify" ;;
	disassemble) echo "--output --pc --hex" ;;
	verify) echo "--quiet" ;;
	run) echo "--msg --payload --src --dst --portal --tag --seq --state --window --clock --repeat --path --ipv --ranks" ;;
	attach) echo "--portal --mode --port --replace --path --trace --tc" ;;
	detach) echo "--portal" ;;
	status) echo "" ;;
	stats) echo "--portal" ;;
	trace) echo "--reset" ;;
	window) echo "--portal --interval --count --until" ;;
	ranks) echo "--self --port" ;;
	serve) echo "--port --count --duration --state --window --native --ipv4 --rank --hosts --self" ;;
	compile) echo "--output" ;;
	send) echo "--portal --port --tag --seq --src --dst --payload --count --interval --wait" ;;
	features) echo "" ;;
	help) echo "" ;;
	*) echo "UNKNOWN" ;;
	esac
}
status "rloader --help" 0 "$rl" --help
verbs=$(sed -n '/^Commands/,/^$/s/^  \([a-z]*\) .*/\1/p' "$tmp/out")
expect_eq "rloader --help lists the verbs" "$(echo $verbs)" \
	"assemble disassemble verify run attach detach status stats trace window ranks serve compile send features help"
for v in $verbs; do
	opts=$(verb_opts "$v")
	if [ "$opts" = UNKNOWN ]; then
		fail "$v --help: verb not known to this test"
		continue
	fi
	"$rl" "$v" --help >"$tmp/help" 2>&1
	expect_eq "$v --help: exit status" $? 0
	missing=
	for o in $opts --help; do
		grep -q -- "$o" "$tmp/help" || missing="$missing $o"
	done
	expect_eq "$v --help: mentions its options" "$missing" ""
	grep -q "^usage: rloader .*$v" "$tmp/help"
	expect_eq "$v --help: usage line" $? 0
	if [ "$v" != help ]; then
		grep -q "^ *rloader .*$v" "$tmp/help"
		expect_eq "$v --help: an example" $? 0
	fi
	"$rl" help "$v" >"$tmp/help2" 2>&1 && cmp -s "$tmp/help" "$tmp/help2"
	expect_eq "help $v == $v --help" $? 0
done
status "help opcodes" 0 "$rl" help opcodes
status "help faults" 0 "$rl" help faults
status "help with an unknown topic" 2 "$rl" help frobnicate

# ---- prefix matching -------------------------------------------------------------
status "prefix 'ver'" 0 "$rl" ver examples/echo.r
expect_eq "prefix 'ver' is verify" "$(grep -c ': ok: handler echo' "$tmp/out")" 1
status "prefix 'as'" 0 "$rl" as examples/echo.r -o "$tmp/p.rbin"
status "prefix 'dis'" 0 "$rl" dis "$tmp/p.rbin"
status "prefix 'statu'" 0 "$rl" statu --help
status "ambiguous prefix 'd' (disassemble, detach)" 2 "$rl" d examples/echo.r
status "ambiguous prefix 'stat' (status, stats)" 2 "$rl" stat
status "exact name wins over prefix" 0 "$rl" stats --help
status "prefix 't' is trace" 0 "$rl" t --help
expect_eq "prefix 't' is trace: its help" "$(grep -c '^usage: rloader .*trace .*IFNAME PORTAL' "$tmp/out")" 1

# ---- run on the examples ---------------------------------------------------------
status "run gsum --repeat 3" 0 "$rl" run examples/gsum.r --payload u64:5 --repeat 3
expect_eq "run gsum: runs 1 and 2 absorb, run 3 passes the total" \
	"$(grep -c -e '^run 1: action drop' -e '^run 2: action drop' -e '^run 3: action pass' "$tmp/out")" 3
expect_eq "run gsum: the total in the message" \
	"$(grep -c '^  payload  0f 00 00 00 00 00 00 00' "$tmp/out")" 1
status "run -j gsum --repeat 3" 0 "$rl" -j run examples/gsum.r --payload u64:5 --repeat 3
cp "$tmp/out" "$tmp/r.json"
expect_eq "run -j gsum: actions" "$(jget "$tmp/r.json" '[r["action"] for r in d["runs"]]')" \
	'["drop", "drop", "pass"]'
expect_eq "run -j gsum: total 15 in the payload" \
	"$(jget "$tmp/r.json" 'int.from_bytes(bytes.fromhex(d["runs"][2]["message"]["payload"]), "little")')" 15
expect_eq "run -j gsum: window result" "$(jget "$tmp/r.json" 'd["windows"]["result"]')" "[15, 1]"
expect_eq "run -j gsum: data area reset" "$(jget "$tmp/r.json" 'd["state"]')" \
	'{"sum": 0, "count": 0, "rounds": 1}'
status "run -j echo" 0 "$rl" -j run examples/echo.r --src 4 --dst 0 --payload u64:41
cp "$tmp/out" "$tmp/r.json"
expect_eq "run -j echo: reply with ranks swapped, word + 1, tag 'echo'" \
	"$(jget "$tmp/r.json" '(d["runs"][0]["action"], d["runs"][0]["message"]["src"], d["runs"][0]["message"]["dst"], d["runs"][0]["message"]["payload"], hex(d["runs"][0]["message"]["tag"]))')" \
	'["reply", 0, 4, "2a00000000000000", "0x6563686f"]'
status "run -j counter --repeat 3" 0 "$rl" -j run examples/counter.r --tag 7 --repeat 3
cp "$tmp/out" "$tmp/r.json"
expect_eq "run -j counter: hits" "$(jget "$tmp/r.json" 'd["windows"]["hits"]')" "[3, 7]"
status "run -j barrier, 4 arrivals" 0 "$rl" -j run examples/barrier.r --repeat 4
cp "$tmp/out" "$tmp/r.json"
expect_eq "run -j barrier: released generation 0, counting 1" \
	"$(jget "$tmp/r.json" '(d["windows"]["released"], d["state"]["generation"], d["state"]["arrived"])')" \
	"[0, 1, 0]"
status "run -j with a fault" 4 "$rl" -j run "$tmp/divide.r" --payload u64:0
cp "$tmp/out" "$tmp/r.json"
expect_eq "run -j fault: code, name, pc" \
	"$(jget "$tmp/r.json" '(d["runs"][0]["fault"]["code"], d["runs"][0]["fault"]["name"], d["runs"][0]["fault"]["pc"], d["runs"][0]["action"])')" \
	'[1, "div_zero", 2, "pass"]'
"$rl" assemble examples/echo.r -o "$tmp/e.rbin" >/dev/null
printf 'RM\001\000\000\002\000\010\000\000\000\004\000\000\000\000\000\000\000\000\000\000\000\000\051\000\000\000\000\000\000\000' >"$tmp/msg.bin"
status "run --msg FILE (wire format) on a binary" 0 "$rl" -j run "$tmp/e.rbin" --msg "$tmp/msg.bin"
cp "$tmp/out" "$tmp/r.json"
expect_eq "run --msg: the message as sent" \
	"$(jget "$tmp/r.json" '(d["input"]["src"], d["input"]["payload"], d["runs"][0]["action"])')" \
	'[4, "2900000000000000", "reply"]'

# ---- C handlers: every verb takes FILE.c through rcc (docs/c-handlers.md) ----
if [ -x "$build/rcc" ]; then
	status "compile echo.c" 0 "$rl" compile examples/echo.c
	expect_eq "compile echo.c: .loc lines name the C file" \
		"$(grep -c '^\.loc examples/echo.c ' "$tmp/out")" \
		"$(grep -c '^\.loc examples/echo.c ' selftests/cases/rcc/golden/echo.r)"
	expect_eq "compile echo.c: the C line as a comment" \
		"$(grep -c '; if (rc_len() >= 8)' "$tmp/out")" 1
	status "compile -o" 0 "$rl" compile examples/gsum.c -o "$tmp/gsum_c.r"
	status "the compiled text assembles" 0 "$rl" verify "$tmp/gsum_c.r"
	status "verify gsum.c" 0 "$rl" verify examples/gsum.c
	expect_eq "verify gsum.c: ok line" \
		"$(grep -c '^examples/gsum.c: ok: handler gsum, portal 7' "$tmp/out")" 1
	status "assemble gsum.c" 0 "$rl" assemble examples/gsum.c -o "$tmp/gsum_c.rbin"
	for src in examples/gsum.r examples/gsum.c "$tmp/gsum_c.rbin"; do
		"$rl" run "$src" --payload u64:5 --repeat 3 2>&1 |
			grep -e '^run' -e '^  ' | sed 's/, [0-9]* instructions.*//' \
			>"$tmp/run.$(basename "$src")"
	done
	cmp -s "$tmp/run.gsum.r" "$tmp/run.gsum.c"
	expect_eq "run gsum.c == run gsum.r (actions, messages, state, windows)" $? 0
	cmp -s "$tmp/run.gsum.r" "$tmp/run.gsum_c.rbin"
	expect_eq "run of gsum.c's binary == run gsum.r" $? 0
	status "run a faulting C handler" 4 "$rl" run \
		selftests/cases/rcc/fault/divzero.c --payload u32:7,0
	expect_eq "the fault names the C line" \
		"$(grep -c 'fault    div_zero (division by zero) at pc [0-9]*: selftests/cases/rcc/fault/divzero.c:10:' "$tmp/out")" 1
	status "compile a refused construct" 1 "$rl" compile \
		selftests/cases/rcc/refuse/float.c
	expect_eq "the refusal in compiler form" \
		"$(head -1 "$tmp/err" | grep -c '^selftests/cases/rcc/refuse/float.c:[0-9]*:[0-9]*: error: ')" 1
	RCC=/nonexistent/rcc "$rl" verify examples/gsum.c >"$tmp/out" 2>"$tmp/err"
	expect_eq "without rcc: rejected" $? 1
	expect_eq "without rcc: says what is missing" \
		"$(grep -c 'could not be run' "$tmp/err")" 1
else
	skip "C handlers" "build/rcc not built (needs libclang-19-dev)"
fi

# ---- sending and up-calls: where a handler runs, what run shows -------------
fan=selftests/handlers/fan.r
status "verify a handler with send" 0 "$rl" verify "$fan"
expect_eq "verify: attach: tc at the first send" 	"$(grep -c "attach: tc (send at $fan:11:2)\$" "$tmp/out")" 1
expect_eq "verify: the note on stderr, in compiler form" 	"$(grep -c "fan.r:11:2: note: the handler needs TC" "$tmp/err")" 1
status "verify examples/echo.r: attach" 0 "$rl" verify examples/echo.r
expect_eq "verify: attach: xdp without send" "$(grep -c 'attach: xdp$' "$tmp/out")" 1
status "verify -j fan.r echo.r" 0 "$rl" -j verify "$fan" examples/echo.r
cp "$tmp/out" "$tmp/v.json"
expect_eq "verify -j: attach, reason, the note's severity" 	"$(jget "$tmp/v.json" '(d[0]["attach"], d[0]["attach_reason"].endswith("fan.r:11:2"), d[0]["diagnostics"][0]["severity"], d[1]["attach"], d[1]["attach_reason"])')" 	'["tc", true, "note", "xdp", null]'
status "run fan.r without --ranks: fault rank" 4 "$rl" run "$fan" --payload hex:00ff
expect_eq "run: fault rank at the send" 	"$(grep -c "fault    rank (forward or send to a rank that is not reachable) at pc 5" "$tmp/out")" 1
status "run fan.r --ranks 4,self=1" 0 "$rl" run "$fan" --ranks 4,self=1 --tag 9 --payload hex:00ff
expect_eq "run --ranks: forward's rank, counts" 	"$(grep -c '^run 1: action forward to rank 3, 8 instructions, max stack 1, 1 send, 1 upcall$' "$tmp/out")" 1
expect_eq "run --ranks: the send and the up-call" 	"$(grep -c -e '^  send 1   to rank 2$' -e '^  upcall 1 value 9 (0x9)  portal 5  src 0  tag 9  seq 0$' "$tmp/out")" 2
status "run -j fan.r --ranks 4,self=1" 0 "$rl" -j run "$fan" --ranks 4,self=1 --tag 9 --src 2 --payload hex:00ff
cp "$tmp/out" "$tmp/r.json"
expect_eq "run -j --ranks: rank, counts, effects in order" 	"$(jget "$tmp/r.json" '((r := d["runs"][0])["action"], r["rank"], r["sends"], r["upcalls"], [e["kind"] for e in r["effects"]], r["effects"][0]["value"], r["effects"][1]["rank"], r["effects"][1]["message"]["src"], r["effects"][1]["message"]["dst"], r["effects"][1]["message"]["payload"], r["message"]["src"], r["message"]["dst"])' 2>&1 | tail -1)" 	'["forward", 3, 1, 1, ["upcall", "send"], 9, 2, 1, 2, "11ff", 1, 3]'
status "run --ranks self beyond N" 2 "$rl" run "$fan" --ranks 4,self=4
status "run --ranks 0" 2 "$rl" run "$fan" --ranks 0
# The kernel paths take --ranks (selftests/priv_e2e.sh runs them); what
# they refuse comes before any kernel is touched: more ranks than the
# kernel's table holds.
status "run --ranks 1025 on the reference" 0 "$rl" run "$fan" --ranks 1025 --payload hex:00ff
for p in xlate interp; do
	status "run --ranks 1025 with --path $p" 2 "$rl" run "$fan" --ranks 1025 --path $p
	expect_eq "run --ranks 1025 with --path $p: says the table's size" \
		"$(grep -c "rank table holds at most 1024 ranks" "$tmp/err")" 1
	status "run -j --ranks 1025 with --path $p" 2 "$rl" -j run "$fan" --ranks 1025 --path $p
	expect_eq "run -j --ranks 1025 with --path $p: a JSON error" \
		"$(jget "$tmp/out" '"1024" in d["error"]')" true
	status "run --ranks 4,self=4 with --path $p" 2 "$rl" run "$fan" --ranks 4,self=4 --path $p
done

# ---- serve: what is refused before any socket is opened --------------------
status "serve --native with an unknown name" 2 "$rl" serve any examples/echo.r --native nope
status "serve --native on a smaller layout" 2 "$rl" serve any examples/echo.r --native gsum
status "serve --port 70000" 2 "$rl" serve any examples/echo.r --port 70000
status "serve a rejected handler" 1 "$rl" serve any "$tmp/broken.r"
status "serve -j a missing file" 3 "$rl" -j serve any "$tmp/nonexistent.r"
expect_eq "serve -j: errors are JSON" "$(jget "$tmp/out" '"error" in d')" true
printf '0 198.18.0.1\n1 198.18.0.2 7200\n' >"$tmp/job.hosts"
printf '0 198.18.0.1\n1 198.18.0.300\n' >"$tmp/bad.hosts"
status "serve --hosts and --rank together" 2 "$rl" serve any examples/echo.r \
	--hosts "$tmp/job.hosts" --rank 1,198.18.0.2
status "serve --hosts on 'any' without --self" 2 "$rl" serve any examples/echo.r \
	--hosts "$tmp/job.hosts"
expect_eq "... says to give --self" "$(grep -c 'give --self' "$tmp/err")" 1
status "serve --hosts with a bad address" 1 "$rl" serve any examples/echo.r \
	--hosts "$tmp/bad.hosts" --self 0
expect_eq "... FILE:LINE:COL: error: ..." \
	"$(grep -c "^$tmp/bad.hosts:2:3: error: " "$tmp/err")" 1
status "serve -j --hosts with a bad address" 1 "$rl" -j serve any examples/echo.r \
	--hosts "$tmp/bad.hosts" --self 0
expect_eq "... the diagnostics as JSON, with line and column" \
	"$(jget "$tmp/out" '[(g["line"], g["col"]) for g in d["diagnostics"]]')" '[[2, 3]]'
status "serve --hosts missing" 3 "$rl" serve any examples/echo.r \
	--hosts "$tmp/none.hosts" --self 0
status "serve --self 1024" 2 "$rl" serve any examples/echo.r --self 1024

rc_exit
