#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# run-vm.sh - run the selftests inside a virtual machine on a second kernel
# (Debian's 6.1 by default), once with the BPF JIT and once with the eBPF
# interpreter (net.core.bpf_jit_enable=0), under virtme-ng: the guest runs
# on the host's root file system (9p, read-only, with overlays), and the
# tests are the host's build.
#
# usage: vm-images/run-vm.sh [--build DIR] [--jit on|off|both]
#                            [--timeout SECS] [--skip-unavailable]
#                            [--shell] [PATTERN...]
#
#   --build DIR          build directory to test (default build)
#   --jit MODE           which boots to make (default both)
#   --timeout SECS       wall-time limit of the boots, which run side by
#                        side (default 2400, or $RC_VM_TIMEOUT)
#   --skip-unavailable   print SKIP instead of FAIL when no VM can be run
#                        (no virtme-ng, no kernel); for
#                        selftests/vm_selftests.sh
#   --shell              boot once (JIT on unless --jit off) into a shell
#                        on this terminal instead of running the tests;
#                        leave it with exit
#   PATTERN...           run only the guest tests whose names contain one
#
# Output is in the selftests' line protocol: one PASS:/FAIL:/SKIP: line per
# guest check ("vm jit=on: ...") and one per boot, judged from the guest's
# "RCODE-VM-RESULT:" line (vng's exit status says nothing about the
# tests).  The guest's output is echoed with a "jit=on| " prefix and kept
# in DIR/vm/console-jit-MODE.log, the kernel's console in
# DIR/vm/boot-jit-MODE.log.  Exit status 0 when every boot passed, 1
# otherwise.
#
# Environment:
#   VM_KERNEL=bzImage    boot this kernel instead of Debian's
#   VM_MODULES=DIR       its modules (INSTALL_MOD_PATH or lib/modules/R)
#   VM_CONFIG=FILE       its .config, for bpftool feature probe
#   RC_VM_ACCEL=kvm|tcg  the accelerator, without the KVM probe boot
#                        (vm-images/accel.sh)
#   RC_VM_CACHE          kernel cache (default /var/cache/rcode-vm)
#   RC_VM_MEM, RC_VM_SMP guest memory and CPUs (default 1G, 2)
#   RC_VM_TEST_TIMEOUT   the guest runner's per-test timeout (default 600)
#   RC_VM_BOOT_TIMEOUT   a guest that has not started its tests by then is
#                        booted once more (default 120)
#   RC_VM_APPEND         more kernel command-line parameters
#   CI=true              a skipped check fails, in the guest too
set -u
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/progress.sh
. "$(dirname "$0")/../scripts/progress.sh"

usage() {
	sed -n '3,46p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

build=build
jit=both
skip_ok=
shell=
patterns=
tmo=${RC_VM_TIMEOUT:-2400}
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

# virtme-ng comes from Debian trixie (install-virtme-ng.sh); scripts/
# install-deps.sh installs it, and so does this script when it runs as
# root, as vm_need does for the rest.
if ! command -v vng >/dev/null 2>&1; then
	if [ -n "${RC_VM_NO_INSTALL:-}" ] || [ "$(id -u)" -ne 0 ]; then
		unavailable "vng is not installed (run vm-images/install-virtme-ng.sh as root)"
	fi
	sh "$vm_dir/install-virtme-ng.sh" >&2 ||
		unavailable "vng is not installed and virtme-ng could not be installed"
fi
# busybox: virtme-ng's initramfs, which loads a Debian kernel's 9p and
# virtio modules; udevadm: its guest finds the script's I/O ports with it.
for t in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static \
    udevadm:udev ip:iproute2 bpftool:bpftool xdp-loader:xdp-tools \
    gcc:gcc; do
	vm_need "${t%%:*}" "${t#*:}" || unavailable "${t%%:*} is not installed"
done
[ -x "$build/rloader" ] ||
	{ echo "FAIL: vm: $build/rloader is missing; run 'make BUILD=$build'"; exit 1; }
build=$(cd "$build" && pwd)
out=$build/vm
mkdir -p "$out" || exit 1

# The kernel: a developer's own, or Debian's from the cache.  virtme-ng
# takes the modules of a kernel image from lib/modules/RELEASE next to it
# (it walks up from the image to the first directory that has
# lib/modules) and links the guest's /lib/modules/RELEASE to that
# directory: fetch-kernel.sh unpacks Debian's that way, and a kernel of
# one's own is staged so, in DIR/vm/kernel/.  The guest sees the host's
# files, but virtme-ng hides some directories under tmpfs (/var/cache,
# where the kernel cache is): the kernel's directory and its modules are
# mounted again at their own paths (--rodir).
config=
rodirs=
if [ -n "${VM_KERNEL:-}" ]; then
	[ -r "$VM_KERNEL" ] || { echo "FAIL: vm: VM_KERNEL=$VM_KERNEL is not readable"; exit 1; }
	# The boot protocol header points at the version string (offset
	# 0x20e holds its address minus 0x200).
	off=$(od -An -tu2 -j 526 -N 2 "$VM_KERNEL" | tr -d ' ')
	release=$(dd if="$VM_KERNEL" bs=1 skip=$((off + 512)) count=128 \
		2>/dev/null | tr '\0' '\n' | head -n 1 | cut -d' ' -f1)
	[ -n "$release" ] || release=unknown
	kdir=$out/kernel
	rm -rf "$kdir" && mkdir -p "$kdir/lib/modules" || exit 1
	# A copy, not a link: virtme-ng reads the release with file(1),
	# which does not follow links.
	cp "$VM_KERNEL" "$kdir/vmlinuz" || exit 1
	if [ -n "${VM_MODULES:-}" ]; then
		mdir=
		for d in "$VM_MODULES/lib/modules/$release" "$VM_MODULES"; do
			[ -f "$d/modules.dep" ] && { mdir=$(cd "$d" && pwd); break; }
		done
		[ -n "$mdir" ] || { echo "FAIL: vm: no modules.dep for $release under VM_MODULES=$VM_MODULES (run depmod)"; exit 1; }
		ln -s "$mdir" "$kdir/lib/modules/$release" || exit 1
		rodirs="$rodirs $mdir"
	fi
	[ -n "${VM_CONFIG:-}" ] && config=$(cd "$(dirname "$VM_CONFIG")" &&
		pwd)/$(basename "$VM_CONFIG")
	kimg=$kdir/vmlinuz
	kdesc="$release from $VM_KERNEL"
else
	kdir=$(sh "$vm_dir/fetch-kernel.sh") ||
		unavailable "no kernel package could be fetched or found cached"
	kimg=$kdir/vmlinuz release=$(cat "$kdir/release") config=$kdir/config
	kdesc="$release (Debian $(basename "$kdir" | tr '_' ' '))"
fi
rodirs="$kdir $rodirs"

# The smoke program: bpf(2) alone, built here because it belongs to no
# target of the project's Makefile; the guest runs it from DIR/vm/.
if ! ${CC:-gcc} -std=gnu11 -O2 -Wall -Wextra -Werror \
	-Wno-missing-field-initializers -o "$out/rcode-vm-smoke.tmp" \
	"$vm_dir/vm_smoke.c"; then
	rm -f "$out/rcode-vm-smoke.tmp"
	echo "FAIL: vm: can't build vm_smoke.c"
	exit 1
fi
mv "$out/rcode-vm-smoke.tmp" "$out/rcode-vm-smoke" || exit 1

# KVM only if a short probe boot under it comes up (accel.sh).
a=$(RC_VM_PROBE_LOG=$out/probe.log sh "$vm_dir/accel.sh" "$kimg") ||
	{ echo "FAIL: vm: no accelerator (see above)"; exit 1; }
accel=${a%%:*}
case $accel in
kvm)
	adesc="accelerator KVM: ${a#*: }"
	vopts='' tune='' ;;
*)
	adesc="accelerator TCG: ${a#*: }"
	# Under TCG every guest instruction is translated; mitigations=off
	# (no page-table switch on every system call, which flushes TCG's
	# TLB) about halves the BPF tests' time, and vng's TCG guest has
	# the plain qemu64 CPU already.  Root bypasses the verifier's
	# Spectre checks either way.
	vopts=--disable-kvm tune=mitigations=off ;;
esac
echo "vm: $adesc"
# loglevel=5: the kernel's console (boot-jit-MODE.log) shows its warnings
# and their traces as they happen.  cryptomgr.notests: no crypto
# self-tests at boot; under TCG one hung once in a soft lockup.
kargs="loglevel=5 edd=off cryptomgr.notests=1 $tune ${RC_VM_APPEND:-}"

# vng_args MODE: the arguments of vng for a boot.  --force-9p: the host's
# root over 9p (no virtiofsd wait).  The overlay on the repository (and on
# the build directory, when it is elsewhere) keeps whatever the tests
# write in the guest's memory: the host's tree is never written.
vng_args() {
	set -- --run "$kimg" --force-9p --verbose --name rcode-vm \
		--cpus "${RC_VM_SMP:-2}" --memory "${RC_VM_MEM:-1G}" \
		--overlay-rwdir "$vm_top"
	case $build in "$vm_top"/*) ;; *) set -- "$@" --overlay-rwdir "$build" ;; esac
	for d in $rodirs; do set -- "$@" --rodir "$d"; done
	[ -n "$vopts" ] && set -- "$@" "$vopts"
	printf '%s\n' "$@" --append "$kargs" -- sh "$vm_dir/guest.sh" \
		--build "$build" --jit "$mode"
	[ -n "$config" ] && printf '%s\n' --config "$config"
	return 0
}

if [ -n "$shell" ]; then
	echo "vm: kernel $kdesc"
	[ "$jit" = off ] && mode=off || mode=on
	# One argument a line: no path here has a newline.
	IFS='
'
	# shellcheck disable=SC2046
	exec vng $(vng_args) --shell
fi

# boot MODE SECS: start MODE's VM in the background, for at most SECS.  The
# pid of its timeout goes to jit-MODE.pid (a TERM to it ends vng and qemu:
# timeout puts itself and them in a process group of their own and signals
# the group) and, when the VM is gone, vng's exit status and the time to
# jit-MODE.rc.
boot() {
	mode=$1
	set --
	[ "${CI:-}" = true ] && set -- --ci true
	[ -n "$patterns" ] && set -- "$@" --tests "$patterns"
	set -- "$@" --timeout "${RC_VM_TEST_TIMEOUT:-600}"
	rm -f "$out/console-jit-$mode.log" "$out/boot-jit-$mode.log" \
		"$out/jit-$mode.pid" "$out/jit-$mode.rc"
	eval "t0_$mode=\$(date +%s)"
	(
		IFS='
'
		# shellcheck disable=SC2046 # one argument a line
		timeout -k 10 "$tmo_left" vng $(vng_args) "$@" </dev/null \
			>"$out/console-jit-$mode.log" \
			2>"$out/boot-jit-$mode.log" &
		echo "$!" >"$out/jit-$mode.pid"
		wait "$!"
		echo "$? $(date +%s)" >"$out/jit-$mode.rc"
	) &
}

# stop MODE: end MODE's VM, if it runs.
stop() {
	[ -f "$out/jit-$1.pid" ] && kill "$(cat "$out/jit-$1.pid")" 2>/dev/null
}

trap 'for m in $modes; do stop "$m"; done; exit 1' INT TERM
echo "vm: kernel $kdesc; booting jit=$(echo "$modes" | sed 's/ / and jit=/') under vng, logs in $out/"
# The boots run side by side: each guest runs its tests one at a time, so
# two of them keep two host CPUs busy and take the time of the slower.
rm -f "$out"/console-jit-*.log.stuck "$out"/boot-jit-*.log.stuck
tmo_left=$tmo
for m in $modes; do
	boot "$m"
	eval "tries_$m=1"
done

# A guest that has not started its tests after RC_VM_BOOT_TIMEOUT is stuck
# in the kernel's boot (seen once under TCG): boot it once more, within
# the time left.
btmo=${RC_VM_BOOT_TIMEOUT:-120}
t0=0 tries=1
while :; do
	running=
	for m in $modes; do
		[ -f "$out/jit-$m.rc" ] && continue
		running=1
		log=$out/console-jit-$m.log
		eval "t0=\$t0_$m tries=\$tries_$m"
		el=$(( $(date +%s) - t0 ))
		if [ "$tries" -ne 1 ] || [ "$el" -lt "$btmo" ] ||
		    [ "$tmo" -le $((btmo + 60)) ]; then
			continue
		fi
		grep -q '^RCODE-VM: kernel' "$log" 2>/dev/null && continue
		stop "$m"
		while [ ! -f "$out/jit-$m.rc" ]; do sleep 1; done
		mv "$log" "$log.stuck"
		mv "$out/boot-jit-$m.log" "$out/boot-jit-$m.log.stuck"
		echo "vm: jit=$m: the guest did not start its tests in ${el}s; booting it again (the first kernel console is in $out/boot-jit-$m.log.stuck)"
		tmo_left=$((tmo - el))
		boot "$m"
		eval "tries_$m=2"
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
for m in $modes; do
	log=$out/console-jit-$m.log
	blog=$out/boot-jit-$m.log
	read -r vrc t1 2>/dev/null <"$out/jit-$m.rc" || vrc=1 t1=$(date +%s)
	eval "t0=\$t0_$m"
	secs=$((t1 - t0))
	rm -f "$out/jit-$m.pid" "$out/jit-$m.rc"
	tr -d '\r' <"$log" 2>/dev/null | sed -n \
		-e "s/^RCODE-VM: \(PASS\|FAIL\|SKIP\): /\1: vm jit=$m: /p" \
		-e t -e "s/^/jit=$m| /p"
	result=$(tr -d '\r' <"$log" 2>/dev/null |
		sed -n 's/^RCODE-VM-RESULT: \([A-Z]*\).*/\1/p' | tail -n 1)
	what="guest run on $release under $(echo "$accel" | tr '[:lower:]' '[:upper:]')"
	case $result in
	PASS) echo "PASS: vm jit=$m: $what (${secs}s)" ;;
	SKIP) echo "SKIP: vm jit=$m: $what skipped (${secs}s)" ;;
	FAIL)
		echo "FAIL: vm jit=$m: $what (${secs}s): see $log and $blog"
		nfail=$((nfail + 1)) ;;
	*)
		if [ "$vrc" -eq 124 ] || [ "$vrc" -eq 137 ]; then
			why="no result after ${secs}s (timed out)"
		else
			why="no result line; vng exited with status $vrc: $(tr -d '\r' <"$blog" | grep -v '^\[' | tail -n 3 | tr '\n' ' ')"
		fi
		echo "FAIL: vm jit=$m: $what: $why; see $log and $blog"
		nfail=$((nfail + 1)) ;;
	esac
done
[ "$nfail" -eq 0 ]
