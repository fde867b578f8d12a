#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# run-vm.sh - run the selftests inside a virtual machine on a second kernel
# (Debian's 6.1 by default), once with the BPF JIT and once with the eBPF
# interpreter (net.core.bpf_jit_enable=0).
#
# usage: vm-images/run-vm.sh [--build DIR] [--jit on|off|both]
#                            [--timeout SECS] [--skip-unavailable]
#                            [--shell] [PATTERN...]
#
#   --build DIR          build directory to test (default build)
#   --jit MODE           which boots to make (default both)
#   --timeout SECS       wall-time limit of the boots, which run side by
#                        side (default 1500, or $RC_VM_TIMEOUT)
#   --skip-unavailable   print SKIP instead of FAIL when no VM can be run
#                        (no qemu, no kernel); for selftests/vm_selftests.sh
#   --shell              boot once (JIT on unless --jit off) into a shell
#                        on this terminal instead of running the tests;
#                        leave it with exit (or Ctrl-A X)
#   PATTERN...           run only the guest tests whose names contain one
#
# Output is in the selftests' line protocol: one PASS:/FAIL:/SKIP: line per
# guest check ("vm jit=on: ...") and one per boot, judged from the guest's
# "RCODE-VM-RESULT:" line on the serial console (qemu's exit status says
# nothing about the tests).  The console is echoed with a "jit=on| " prefix
# and kept in DIR/vm/console-jit-MODE.log.  Exit status 0 when every boot
# passed, 1 otherwise.
#
# Environment:
#   VM_KERNEL=bzImage    boot this kernel instead of Debian's
#   VM_MODULES=DIR       its modules (INSTALL_MOD_PATH or lib/modules/R)
#   VM_CONFIG=FILE       its .config, for bpftool feature probe
#   RC_VM_CACHE          kernel cache (default /var/cache/rcode-vm)
#   RC_VM_MEM, RC_VM_SMP guest memory and CPUs (default 1G, 2)
#   RC_VM_TEST_TIMEOUT   the guest runner's per-test timeout (default 600)
#   RC_VM_BOOT_TIMEOUT   a guest not in /init by then is booted once more
#                        (default 120)
#   RC_VM_APPEND         more kernel command-line parameters
#   CI=true              a skipped check fails, in the guest too
set -u
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/progress.sh
. "$(dirname "$0")/../scripts/progress.sh"

usage() {
	sed -n '3,42p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

build=build
jit=both
skip_ok=
shell=
patterns=
tmo=${RC_VM_TIMEOUT:-1500}
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--jit) jit=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--skip-unavailable) skip_ok=1; shift ;;
	--shell) shell=1; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) patterns="${patterns:+$patterns,}$1"; shift ;;
	esac
done
case $jit in
on|off) modes=$jit ;;
both) modes="on off" ;;
*) usage ;;
esac
cd "$vm_top" || exit 1

# unavailable WHY: the VM can't run here at all.
unavailable() {
	if [ -n "$skip_ok" ]; then
		echo "SKIP: vm: $1"
		exit 0
	fi
	echo "FAIL: vm: $1"
	exit 1
}

vm_need qemu-system-x86_64 qemu-system-x86 ||
	unavailable "qemu-system-x86_64 is not installed"
for t in busybox:busybox-static ip:iproute2 bpftool:bpftool \
    xdp-loader:xdp-tools; do
	vm_need "${t%%:*}" "${t#*:}" || unavailable "${t%%:*} is not installed"
done
[ -x "$build/rloader" ] ||
	{ echo "FAIL: vm: $build/rloader is missing; run 'make BUILD=$build'"; exit 1; }

# The kernel: a developer's own, or Debian's from the cache.
if [ -n "${VM_KERNEL:-}" ]; then
	kernel=$VM_KERNEL
	[ -r "$kernel" ] || { echo "FAIL: vm: VM_KERNEL=$kernel is not readable"; exit 1; }
	# The boot protocol header points at the version string (offset
	# 0x20e holds its address minus 0x200).
	off=$(od -An -tu2 -j 526 -N 2 "$kernel" | tr -d ' ')
	release=$(dd if="$kernel" bs=1 skip=$((off + 512)) count=128 \
		2>/dev/null | tr '\0' '\n' | head -n 1 | cut -d' ' -f1)
	if [ -n "${VM_MODULES:-}" ] && [ -z "$release" ]; then
		release=$(ls "$VM_MODULES/lib/modules" 2>/dev/null | head -n 1)
	fi
	[ -n "$release" ] || release=unknown
	set -- --release "$release"
	[ -n "${VM_MODULES:-}" ] && set -- "$@" --modules "$VM_MODULES"
	[ -n "${VM_CONFIG:-}" ] && set -- "$@" --config "$VM_CONFIG"
	kdesc="$release from $kernel"
else
	kdir=$(sh "$vm_dir/fetch-kernel.sh") ||
		unavailable "no kernel package could be fetched or found cached"
	kernel=$kdir/vmlinuz release=$(cat "$kdir/release")
	set -- --kernel-dir "$kdir"
	kdesc="$release (Debian $(basename "$kdir" | tr '_' ' '))"
fi

out=$build/vm
mkdir -p "$out" || exit 1
initrd=$out/initramfs.cpio.gz
sh "$vm_dir/build-initramfs.sh" --build "$build" -o "$initrd" "$@" ||
	{ echo "FAIL: vm: can't build the initramfs"; exit 1; }

# Under TCG every guest instruction is translated: -cpu qemu64 (fewer
# features to emulate) and mitigations=off (no page-table switch on every
# system call, which flushes TCG's TLB) make the BPF tests about twice as
# fast.  Root bypasses the verifier's Spectre checks either way.
if [ -w /dev/kvm ]; then
	accel="-enable-kvm -cpu host" adesc=KVM tune=
else
	accel="-accel tcg -cpu qemu64" adesc="TCG (no KVM: slow)"
	tune=mitigations=off
fi
# loglevel=5: the console shows the kernel's warnings and their traces as
# they happen.  cryptomgr.notests: no crypto self-tests at boot; under TCG
# one hung once in a soft lockup.
kargs="console=ttyS0 loglevel=5 edd=off panic=-1 cryptomgr.notests=1 $tune"
kargs="$kargs ${RC_VM_APPEND:-}"

if [ -n "$shell" ]; then
	echo "vm: kernel $kdesc, $adesc"
	[ "$jit" = off ] || jit=on
	# shellcheck disable=SC2086
	exec qemu-system-x86_64 $accel -nographic -nodefaults -no-user-config \
		-no-reboot -m "${RC_VM_MEM:-1G}" -smp "${RC_VM_SMP:-2}" \
		-kernel "$kernel" -initrd "$initrd" -serial mon:stdio \
		-append "$kargs rcode.jit=$jit rcode.shell=1"
fi

# boot MODE SECS: start MODE's VM in the background, for at most SECS.  The
# pid of its timeout goes to jit-MODE.pid (a TERM to it ends qemu; timeout
# puts itself and qemu in a process group of their own) and, when the VM
# is gone, qemu's exit status to jit-MODE.rc.
boot() {
	cmdline="$kargs rcode.jit=$1"
	[ "${CI:-}" = true ] && cmdline="$cmdline rcode.ci=true"
	[ -n "$patterns" ] && cmdline="$cmdline rcode.tests=$patterns"
	cmdline="$cmdline rcode.timeout=${RC_VM_TEST_TIMEOUT:-600}"
	rm -f "$out/console-jit-$1.log" "$out/jit-$1.pid" "$out/jit-$1.rc"
	eval "t0_$1=\$(date +%s)"
	(
		# shellcheck disable=SC2086
		timeout -k 10 "$2" qemu-system-x86_64 $accel -nographic \
			-nodefaults -no-user-config -no-reboot \
			-m "${RC_VM_MEM:-1G}" -smp "${RC_VM_SMP:-2}" \
			-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
			-serial "file:$out/console-jit-$1.log" -monitor none \
			</dev/null >"$out/qemu-jit-$1.stderr" 2>&1 &
		echo "$!" >"$out/jit-$1.pid"
		wait "$!"
		echo "$?" >"$out/jit-$1.rc"
	) &
}

# stop MODE: end MODE's VM, if it runs.
stop() {
	[ -f "$out/jit-$1.pid" ] && kill "$(cat "$out/jit-$1.pid")" 2>/dev/null
}

trap 'for m in $modes; do stop "$m"; done; exit 1' INT TERM
echo "vm: kernel $kdesc, $adesc; booting jit=$(echo "$modes" | sed 's/ / and jit=/'), console logs in $out/"
# The boots run side by side: each guest runs its tests one at a time, so
# two of them keep two host CPUs busy and take the time of the slower.
rm -f "$out"/console-jit-*.log.stuck
for mode in $modes; do
	boot "$mode" "$tmo"
	eval "tries_$mode=1"
done

# A guest that has not reached /init after RC_VM_BOOT_TIMEOUT is stuck in
# the kernel's boot (seen once under TCG): boot it once more, within the
# time left.
btmo=${RC_VM_BOOT_TIMEOUT:-120}
while :; do
	running=
	for mode in $modes; do
		[ -f "$out/jit-$mode.rc" ] && continue
		running=1
		log=$out/console-jit-$mode.log
		eval "t0=\$t0_$mode tries=\$tries_$mode"
		el=$(( $(date +%s) - t0 ))
		[ "$tries" -eq 1 ] && [ "$el" -ge "$btmo" ] &&
			[ "$tmo" -gt $((btmo + 60)) ] || continue
		grep -q '^RCODE-VM: kernel' "$log" 2>/dev/null && continue
		stop "$mode"
		while [ ! -f "$out/jit-$mode.rc" ]; do sleep 1; done
		mv "$log" "$log.stuck"
		echo "vm: jit=$mode: the guest did not reach /init in ${el}s; booting it again (the first console is in $log.stuck)"
		boot "$mode" $((tmo - el))
		eval "tries_$mode=2"
	done
	[ -n "$running" ] || break
	# On a terminal: how long each boot has run and how many checks
	# its guest has reported so far.
	line=
	for mode in $modes; do
		eval "t0=\$t0_$mode"
		n=$(grep -c '^RCODE-VM: \(PASS\|FAIL\|SKIP\):' "$out/console-jit-$mode.log" 2>/dev/null)
		state="$(( $(date +%s) - t0 )) s, ${n:-0} checks"
		[ -f "$out/jit-$mode.rc" ] && state="done"
		line="$line  jit=$mode: $state"
	done
	progress_line "vm:$line"
	sleep 2
done
progress_clear
wait

nfail=0
for mode in $modes; do
	log=$out/console-jit-$mode.log
	err=$out/qemu-jit-$mode.stderr
	qrc=$(cat "$out/jit-$mode.rc" 2>/dev/null) || qrc=1
	eval "t0=\$t0_$mode"
	# The console's last write is when that guest powered off.
	secs=$(( $(stat -c %Y "$log" 2>/dev/null || date +%s) - t0 ))
	rm -f "$out/jit-$mode.pid" "$out/jit-$mode.rc"
	# The firmware draws on the serial line too: drop its escape codes.
	tr -d '\r' <"$log" 2>/dev/null | sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' \
		-e 's/\x1b[a-zA-Z]//g' | sed -n \
		-e "s/^RCODE-VM: \(PASS\|FAIL\|SKIP\): /\1: vm jit=$mode: /p" \
		-e t -e "s/^/jit=$mode| /p"
	result=$(tr -d '\r' <"$log" 2>/dev/null |
		sed -n 's/^RCODE-VM-RESULT: \([A-Z]*\).*/\1/p' | tail -n 1)
	case $result in
	PASS) echo "PASS: vm jit=$mode: guest run on $release (${secs}s)" ;;
	SKIP) echo "SKIP: vm jit=$mode: guest run on $release skipped (${secs}s)" ;;
	FAIL)
		echo "FAIL: vm jit=$mode: guest run on $release (${secs}s): see $log"
		nfail=$((nfail + 1)) ;;
	*)
		if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
			why="no result after ${secs}s (timed out)"
		else
			why="no result line; qemu exited with status $qrc: $(tail -n 3 "$err" | tr '\n' ' ')"
		fi
		echo "FAIL: vm jit=$mode: guest run on $release: $why; see $log"
		nfail=$((nfail + 1)) ;;
	esac
done
[ "$nfail" -eq 0 ]
