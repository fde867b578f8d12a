#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# guest.sh - what the rcode test VM runs: virtme-ng boots the kernel on the
# host's root file system and runs this script as root (run-vm.sh starts
# it with vng).
#
# usage: vm-images/guest.sh --build DIR [--jit on|off] [--ci true]
#                           [--tests A,B] [--timeout SECS] [--config FILE]
#                           [--shell]
#
#   --build DIR      the host's build directory, absolute (run-vm.sh
#                    passes it so): its binaries are the ones tested
#   --jit on|off     run with the BPF JIT (default) or with
#                    net.core.bpf_jit_enable=0, i.e. the interpreter
#   --ci true        a skipped check fails, as on the host under CI
#   --tests A,B      run only the tests whose names contain A or B
#   --timeout SECS   per-test timeout of the guest's runner (600)
#   --config FILE    the kernel's config, for bpftool feature probe
#   --shell          after the set-up, an interactive shell instead of
#                    the tests
#
# Loads the modules of modules.txt with modprobe (the guest's /lib/modules
# is the kernel's module tree, linked there by virtme-ng), mounts bpffs,
# sets the BPF JIT, runs the smoke checks and the selftests, checks the
# kernel log and prints one line
#   RCODE-VM-RESULT: PASS | FAIL | SKIP
# Checks are printed as "RCODE-VM: PASS: what" (FAIL:, SKIP:) so that
# run-vm.sh can tell them from the tests' own output.  virtme-ng powers the
# guest off when this script ends.
#
# What the guest may write: virtme-ng mounts the host's root read-only
# with writable overlays (in guest memory) on /etc, /usr, /var, /tmp, ...;
# run-vm.sh adds one on the repository, so nothing the tests write reaches
# the host.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
vm_dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$vm_dir/.." && pwd)

build=
jit=on
ci=
tests=
ttimeout=600
config=
shell=
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--jit) jit=$2; shift 2 ;;
	--ci) ci=$2; shift 2 ;;
	--tests) tests=$(echo "$2" | tr ',' ' '); shift 2 ;;
	--timeout) ttimeout=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	*) echo "RCODE-VM: FAIL: guest.sh: unknown argument $1"
	   echo "RCODE-VM-RESULT: FAIL"; exit 1 ;;
	esac
done
# The tests read nothing from vng's stdin; a shell does (fd 3).
exec 3<&0 </dev/null 2>&1
# run.sh takes the build directory relative to the tree, as on the host.
case $build in "$top"/*) build=${build#"$top"/} ;; esac
cd "$top" || exit 1

nfail=0 skipped=
pass() {
	echo "RCODE-VM: PASS: $1"
}
fail() {
	echo "RCODE-VM: FAIL: $1: $2"
	nfail=$((nfail + 1))
}
# A check that cannot be made fails under CI, like run.sh's SKIP lines.
skip() {
	if [ "$ci" = true ]; then
		fail "$1" "$2 (a skip fails under CI=true)"
	else
		echo "RCODE-VM: SKIP: $1: $2"
	fi
}

tmp=$(mktemp -d /tmp/rcode-vm.XXXXXX) || tmp=/tmp
finish() {
	dmesg >"$tmp/dmesg.txt"
	if grep -Eq 'WARNING:|BUG:|Oops|Call Trace' "$tmp/dmesg.txt"; then
		fail "dmesg" "the kernel logged a warning or an oops:"
		grep -E -B 2 -A 20 'WARNING:|BUG:|Oops|Call Trace' \
			"$tmp/dmesg.txt" | head -n 80
	else
		pass "dmesg: no WARNING, BUG, Oops or Call Trace"
	fi
	if [ "$nfail" -gt 0 ]; then
		echo "RCODE-VM-RESULT: FAIL"
	elif [ -n "$skipped" ]; then
		echo "RCODE-VM-RESULT: SKIP"
	else
		echo "RCODE-VM-RESULT: PASS"
	fi
	[ "$tmp" = /tmp ] || rm -rf "$tmp"
	[ "$nfail" -eq 0 ]
	exit
}

kver=$(uname -r)
echo "RCODE-VM: kernel $kver, $(nproc) CPUs, jit=$jit, ci=${ci:-false}"
pass "smoke: booted kernel $kver ($(uname -v))"
hostname rcode-vm 2>/dev/null

# What the tests need mounted that virtme-ng does not mount.
mountpoint -q /sys/fs/bpf || mount -t bpf -o mode=700 bpf /sys/fs/bpf
# bpftool and the JIT check read /boot/config-RELEASE: the host's /boot
# has the host's kernels, so a tmpfs over it holds this kernel's.
if [ -n "$config" ] && [ -r "$config" ]; then
	mount -t tmpfs -o mode=755 tmpfs /boot &&
		cp "$config" "/boot/config-$kver"
fi

# Modules: modprobe finds them and their dependencies in /lib/modules.
mdir=/lib/modules/$kver
loaded=
mfail=
if [ ! -f "$mdir/modules.dep" ]; then
	echo "RCODE-VM: note: modules: no module tree for $kver (VM_MODULES): built-in drivers only"
fi
mods=$(sed 's/#.*//' "$vm_dir/modules.txt")
for m in $mods; do
	re=$(echo "$m" | sed 's/[-_]/[-_]/g')
	if [ -f "$mdir/modules.builtin" ] &&
	    grep -Eq "(^|/)$re\.ko" "$mdir/modules.builtin"; then
		echo "RCODE-VM: note: modules: $m is built in"
	elif [ ! -f "$mdir/modules.dep" ]; then
		:
	elif ! grep -Eq "(^|/)$re\.ko(\.xz|\.gz|\.zst)?:" "$mdir/modules.dep"; then
		echo "RCODE-VM: note: modules: $m is missing from this kernel"
	elif out=$(modprobe "$m" 2>&1); then
		loaded="$loaded $m"
	else
		fail "modules: modprobe $m" "$out"
		mfail=1
	fi
done
[ -z "$mfail" ] && pass "modules: loaded${loaded:- none}"
ip link set lo up

# The JIT.  With CONFIG_BPF_JIT_ALWAYS_ON the interpreter is compiled out
# and the sysctl accepts only 1, so no setting can give an interpreter run.
sysctl=/proc/sys/net/core/bpf_jit_enable
if [ ! -e "$sysctl" ]; then
	if [ "$jit" = on ]; then
		fail "jit" "this kernel has no BPF JIT ($sysctl is missing)"
	else
		pass "jit: this kernel has no BPF JIT, programs run in the interpreter"
	fi
elif [ "$jit" = on ]; then
	[ "$(cat "$sysctl")" = 0 ] && echo 1 >"$sysctl"
	pass "jit: net.core.bpf_jit_enable=$(cat "$sysctl")"
else
	{ echo 0 >"$sysctl"; } 2>/dev/null
	if [ "$(cat "$sysctl")" = 0 ]; then
		pass "jit: net.core.bpf_jit_enable=0, programs run in the interpreter"
	else
		why="net.core.bpf_jit_enable stays $(cat "$sysctl")"
		if { cat "/boot/config-$kver" || zcat /proc/config.gz; } \
		    2>/dev/null | grep -q '^CONFIG_BPF_JIT_ALWAYS_ON=y'; then
			why="$why: kernel built with CONFIG_BPF_JIT_ALWAYS_ON=y, its eBPF interpreter is compiled out"
		fi
		skip "jit: the eBPF interpreter cannot be tested" "$why"
		skipped=1
		finish
	fi
fi

if [ -n "$shell" ]; then
	echo "RCODE-VM: a shell; the tree is $top, the build $build; exit powers off"
	cd "$top" || cd /
	export RC_VM_JIT="$jit"
	exec /bin/sh -i <&3 3<&-
fi

# Smoke checks: BPF works on this kernel before any project test runs.
if grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
	pass "smoke: bpffs mounted on /sys/fs/bpf"
else
	fail "smoke: bpffs" "/sys/fs/bpf is not a bpf file system"
fi
if bpftool feature probe kernel >"$tmp/probe.txt" 2>&1; then
	pass "smoke: bpftool feature probe kernel: $(grep -c 'program_type .* is available' "$tmp/probe.txt") program types, $(grep -c 'map_type .* is available' "$tmp/probe.txt") map types"
else
	fail "smoke: bpftool feature probe kernel" "$(tail -n 3 "$tmp/probe.txt")"
fi
"$build/vm/rcode-vm-smoke" "$jit" >"$tmp/smoke.txt" 2>&1
sed -n -e 's/^PASS: /RCODE-VM: &/p' -e 's/^FAIL: /RCODE-VM: &/p' "$tmp/smoke.txt"
nfail=$((nfail + $(grep -c '^FAIL: ' "$tmp/smoke.txt")))
grep -Eq '^(PASS|FAIL): ' "$tmp/smoke.txt" ||
	fail "smoke: rcode-vm-smoke" "$(cat "$tmp/smoke.txt")"
if out=$(ip netns add rcvm-smoke 2>&1 &&
	ip link add rcvm0 type veth peer name rcvm1 netns rcvm-smoke 2>&1 &&
	ip link set rcvm0 up 2>&1 &&
	ip -n rcvm-smoke link set rcvm1 up 2>&1); then
	pass "smoke: veth pair into a network namespace"
else
	fail "smoke: veth pair into a network namespace" "$out"
fi
ip link del rcvm0 2>/dev/null
ip netns del rcvm-smoke 2>/dev/null

# The selftests, with this kernel and this JIT setting (RC_VM_JIT tells
# them which; /proc/sys/net/core/bpf_jit_enable says the same on any
# machine).  --no-vm: the VM test is what booted us.  test_pkgconfig.sh
# tests the host's build and install, test_man and test_completion its
# documentation and shell completion, test_progress a terminal,
# test_fuzz.sh fuzzes userspace code for a fixed time, test_rloader.sh
# checks rloader's command line and test_vm_accel.sh the accelerator's
# choice (neither touches the kernel), and test_rcc,
# test_rcc_diff and test_coll_diff compile and compare C handlers in user
# space (minutes under emulation): none depends on the kernel, so the
# guest need not repeat them (the C cases still run on every kernel path
# in test_priv_paths).  priv_churn's replaces and attach cycles each load
# programs the emulated guest verifies a hundred times slower: fewer of
# them here (the host runs the full count).
cd "$top" || finish
echo "RCODE-VM: running selftests/run.sh --build $build --no-vm --exclude test_pkgconfig --exclude test_fuzz --exclude test_man --exclude test_completion --exclude test_progress --exclude test_rcc --exclude test_coll_diff --exclude test_rloader --exclude test_vm_accel $tests"
{
	# shellcheck disable=SC2086 # one word per pattern
	CI=$ci RC_TEST_TIMEOUT=$ttimeout RC_VM_JIT=$jit \
	RC_CHURN_REPLACES=${RC_CHURN_REPLACES:-20} \
	RC_CHURN_CYCLES=${RC_CHURN_CYCLES:-5} \
		sh selftests/run.sh --build "$build" --no-vm \
		--exclude test_pkgconfig --exclude test_fuzz --exclude test_man \
		--exclude test_completion --exclude test_progress \
		--exclude test_rcc --exclude test_coll_diff --exclude test_rloader \
		--exclude test_vm_accel $tests 2>&1
	echo $? >"$tmp/run.status"
} | tee "$tmp/run.txt"
status=$(cat "$tmp/run.status")
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/run.txt" | tail -n 1)
if [ "$status" -eq 0 ]; then
	pass "selftests: ${summary:-no summary line}"
else
	fail "selftests" "${summary:-run.sh exited with status $status}"
fi
finish
