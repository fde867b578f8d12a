#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# priv_features.sh - 'rloader features' against facts found without it:
# the sysctls (net.core.bpf_jit_enable where readable,
# kernel.unprivileged_bpf_disabled), /sys/kernel/btf/vmlinux, the file
# system type of /sys/fs/bpf, and bpftool's own probes (program and map
# types, XDP's helpers).  Then the same in a network namespace of its
# own, where net.core.bpf_jit_enable does not exist: the JIT's answer
# must not change.  The paths' verdicts follow from the features
# (the interpreter needs the JIT and bpf_loop, up-calls the ring buffer).
#
# Needs root; prints SKIP otherwise.  Loads nothing that stays.
set -u

top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
rl=${RLOADER:-$build/rloader}

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests features
need_root "BPF probes"
need_tools bpftool ip nsenter python3 stat
find_python
ns=rc-feat-$$
tmp=$(mktemp -d /tmp/rcode-features.XXXXXX)
cleanup() {
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

"$rl" -j features >"$tmp/f.json" 2>"$tmp/err"
expect_eq "features -j: exit status" $? 0 || head -n 3 "$tmp/err"
bpftool -j feature probe kernel >"$tmp/bt.json" 2>/dev/null
expect_eq "bpftool feature probe runs" $? 0
f() { jget "$tmp/f.json" "d['features']['$1']['supported']"; }
p() { jget "$tmp/f.json" "[x['works'] for x in d['paths'] if x['name'] == '$1'][0]"; }
b() { jget "$tmp/bt.json" "$1"; }

jit=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null)
if [ -n "$jit" ]; then
	want=false
	[ "$jit" != 0 ] && want=true
	expect_eq "jit == (net.core.bpf_jit_enable=$jit != 0)" "$(f jit)" $want
else
	skip "jit against the sysctl" "net.core.bpf_jit_enable not readable here"
fi
want=false
[ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" = 0 ] && want=true
expect_eq "unprivileged_bpf == (kernel.unprivileged_bpf_disabled = 0)" \
	"$(f unprivileged_bpf)" $want
want=false
[ -r /sys/kernel/btf/vmlinux ] && want=true
expect_eq "btf_vmlinux == /sys/kernel/btf/vmlinux readable" "$(f btf_vmlinux)" $want
want=false
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] && want=true
expect_eq "bpffs == (stat -f /sys/fs/bpf is bpf_fs)" "$(f bpffs)" $want
expect_eq "xdp_prog == bpftool's have_xdp_prog_type" "$(f xdp_prog)" \
	"$(b "d['program_types']['have_xdp_prog_type']")"
expect_eq "sched_cls_prog == bpftool's have_sched_cls_prog_type" \
	"$(f sched_cls_prog)" "$(b "d['program_types']['have_sched_cls_prog_type']")"
expect_eq "ringbuf == bpftool's have_ringbuf_map_type" "$(f ringbuf)" \
	"$(b "d['map_types']['have_ringbuf_map_type']")"
expect_eq "bpf_loop == bpf_loop in bpftool's xdp_available_helpers" "$(f bpf_loop)" \
	"$(b "'bpf_loop' in d['helpers']['xdp_available_helpers']")"
# What bpftool does not probe is checked against the kernel's BTF: tcx
# is known when enum bpf_attach_type has BPF_TCX_INGRESS, open-coded
# iterators when the bpf_iter_num_new kfunc is there.
if bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
	grep -q "'BPF_TCX_INGRESS' val=46"; then want=true; else want=false; fi
expect_eq "tcx == BPF_TCX_INGRESS in the kernel's BTF" "$(f tcx)" $want
if bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
	grep -q "FUNC 'bpf_iter_num_new'"; then want=true; else want=false; fi
expect_eq "iter_num == bpf_iter_num_new in the kernel's BTF" "$(f iter_num)" $want

# The verdicts follow from the features.
want=false
[ "$(f jit)" = true ] && [ "$(f bpf_loop)" = true ] && want=true
expect_eq "interp works == jit and bpf_loop" "$(p interp)" $want
expect_eq "loops/bpf_loop works == jit and bpf_loop" "$(p loops/bpf_loop)" $want
expect_eq "upcalls works == ringbuf" "$(p upcalls)" "$(f ringbuf)"
expect_eq "xlate/tc-tcx works == tcx" "$(p xlate/tc-tcx)" "$(f tcx)"
expect_eq "every feature has a detail" \
	"$(jget "$tmp/f.json" "all(v['detail'] for v in d['features'].values())")" true

# The plain table names every feature and every path.
"$rl" features >"$tmp/plain" 2>&1
expect_eq "features (plain): exit status" $? 0
n=$(jget "$tmp/f.json" "len(d['features']) + len(d['paths'])")
expect_eq "features (plain): one line per feature and path" \
	"$(grep -c '  \(yes\|no\|?\) ' "$tmp/plain")" "$n"

# Without privileges nothing can be probed, and nothing is guessed.
if command -v setpriv >/dev/null 2>&1; then
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$rl" -j features >"$tmp/u.json" 2>"$tmp/u.err"
	expect_eq "features as nobody: exit status 3" $? 3
	expect_eq "features as nobody: BPF unknown, no path judged" \
		"$(jget "$tmp/u.json" '[d["features"]["bpf_syscall"]["supported"], set(p["works"] for p in d["paths"]) == {None}]')" \
		"[null, true]"
	expect_eq "features as nobody -j: nothing on stderr" "$(cat "$tmp/u.err")" ""
else
	skip "features as nobody" "needs setpriv"
fi

# Another network namespace: no net.core.bpf_jit_enable there, same JIT.
if ip netns add "$ns"; then
	nsenter --net=/run/netns/"$ns" "$rl" -j features >"$tmp/n.json" 2>&1
	expect_eq "features in a new netns: exit status" $? 0
	expect_eq "features in a new netns: same jit answer" \
		"$(jget "$tmp/n.json" "d['features']['jit']['supported']")" "$(f jit)"
	expect_eq "features in a new netns: says the sysctl is not there" \
		"$(jget "$tmp/n.json" "'not in this netns' in d['features']['jit']['detail']")" true
else
	fail "ip netns add $ns"
fi
rc_exit
