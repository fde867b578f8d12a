#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# init.sh - /init of the rcode test VM (built by build-initramfs.sh, booted
# by run-vm.sh).
#
# Mounts what the tests need, loads the modules listed in
# /etc/rcode-vm/modules (in dependency order already), sets the BPF JIT as
# the kernel command line asks, runs the smoke checks and the selftests,
# checks the kernel log, prints one line
#   RCODE-VM-RESULT: PASS | FAIL | SKIP
# and powers off.
#
# Kernel command line (parameters with a dot never reach init's
# environment; they are read from /proc/cmdline):
#   rcode.jit=on|off     run with the BPF JIT (default) or with
#                        net.core.bpf_jit_enable=0, i.e. the interpreter
#   rcode.ci=true        a skipped check fails, as on the host under CI
#   rcode.tests=A,B      run only the tests whose names contain A or B
#   rcode.timeout=SECS   per-test timeout of the guest's runner (600)
#   rcode.shell=1        after the set-up, a shell on the console instead
#                        of the tests; leaving it powers off
#
# Checks are printed as "RCODE-VM: PASS: what" (FAIL:, SKIP:) so that
# run-vm.sh can tell them from the tests' own output.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
echo	# the firmware's banner may have left the cursor mid-line
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t bpf -o mode=700 bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
hostname rcode-vm

jit=on
shell=
ci=
tests=
ttimeout=600
for arg in $(cat /proc/cmdline); do
	case $arg in
	rcode.jit=*) jit=${arg#*=} ;;
	rcode.shell=*) shell=${arg#*=} ;;
	rcode.ci=*) ci=${arg#*=} ;;
	rcode.tests=*) tests=$(echo "${arg#*=}" | tr ',' ' ') ;;
	rcode.timeout=*) ttimeout=${arg#*=} ;;
	esac
done

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

finish() {
	dmesg >/tmp/dmesg.txt
	if grep -Eq 'WARNING:|BUG:|Oops|Call Trace' /tmp/dmesg.txt; then
		fail "dmesg" "the kernel logged a warning or an oops:"
		grep -E -B 2 -A 20 'WARNING:|BUG:|Oops|Call Trace' \
			/tmp/dmesg.txt | head -n 80
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
	sync
	poweroff -f
	# Not reached; if it were, init's exit panics the kernel and, with
	# panic=-1 and qemu's -no-reboot, that ends the VM too.
	echo o >/proc/sysrq-trigger
	sleep 10
	exit 1
}

kver=$(uname -r)
echo "RCODE-VM: kernel $kver, $(nproc) CPUs, jit=$jit, ci=${ci:-false}"
pass "smoke: booted kernel $kver ($(uname -v))"

# Modules, loaded in the order build-initramfs.sh computed from modules.dep.
loaded=
mfail=
while read -r m; do
	[ -n "$m" ] || continue
	if out=$(insmod "/lib/modules/$kver/$m" 2>&1); then
		loaded="$loaded $(basename "$m" .ko)"
	else
		fail "modules: insmod $m" "$out"
		mfail=1
	fi
done </etc/rcode-vm/modules
[ -z "$mfail" ] && pass "modules: loaded${loaded:- none}"
while read -r m; do
	echo "RCODE-VM: note: modules: $m"
done </etc/rcode-vm/modules.notes
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
	echo "RCODE-VM: a shell (dash); the tree is in /rcode; exit powers off"
	cd /rcode || cd /
	# cttyhack gives the shell the console as its controlling terminal.
	setsid cttyhack /bin/sh -i
	poweroff -f
fi

# Smoke checks: BPF works on this kernel before any project test runs.
if grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
	pass "smoke: bpffs mounted on /sys/fs/bpf"
else
	fail "smoke: bpffs" "/sys/fs/bpf is not a bpf file system"
fi
if bpftool feature probe kernel >/tmp/probe.txt 2>&1; then
	pass "smoke: bpftool feature probe kernel: $(grep -c 'program_type .* is available' /tmp/probe.txt) program types, $(grep -c 'map_type .* is available' /tmp/probe.txt) map types"
else
	fail "smoke: bpftool feature probe kernel" "$(tail -n 3 /tmp/probe.txt)"
fi
rcode-vm-smoke "$jit" >/tmp/smoke.txt 2>&1
sed -n -e 's/^PASS: /RCODE-VM: &/p' -e 's/^FAIL: /RCODE-VM: &/p' /tmp/smoke.txt
nfail=$((nfail + $(grep -c '^FAIL: ' /tmp/smoke.txt)))
grep -Eq '^(PASS|FAIL): ' /tmp/smoke.txt ||
	fail "smoke: rcode-vm-smoke" "$(cat /tmp/smoke.txt)"
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
# machine).  --no-vm: the VM test is what booted us.
cd /rcode || finish
echo "RCODE-VM: running selftests/run.sh --build build --no-vm $tests"
{
	# shellcheck disable=SC2086 # one word per pattern
	CI=$ci RC_TEST_TIMEOUT=$ttimeout RC_VM_JIT=$jit \
		sh selftests/run.sh --build build --no-vm $tests 2>&1
	echo $? >/tmp/run.status
} | tee /tmp/run.txt
status=$(cat /tmp/run.status)
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' /tmp/run.txt | tail -n 1)
if [ "$status" -eq 0 ]; then
	pass "selftests: ${summary:-no summary line}"
else
	fail "selftests" "${summary:-run.sh exited with status $status}"
fi
finish
