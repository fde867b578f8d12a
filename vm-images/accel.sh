#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# accel.sh - choose the test VM's accelerator: KVM when a guest really runs
# under it, TCG otherwise.
#
# usage: vm-images/accel.sh KERNEL-IMAGE
#
# Prints one line, "kvm: WHY" or "tcg: WHY", and exits 0; exits 2 when
# RC_VM_ACCEL holds something else than kvm or tcg, or asks for KVM where
# there is none.
#
# A writable /dev/kvm is not enough: where nested virtualisation is broken
# the guest stops right after "Probing EDD" and never comes back.  So KVM
# is chosen only after a short probe boot of KERNEL-IMAGE under KVM printed
# its sentinel within RC_VM_PROBE_TIMEOUT seconds (default 25).
#
# Environment:
#   RC_VM_ACCEL=kvm|tcg    no probe, use this
#   RC_VM_PROBE_TIMEOUT    the probe boot's bound, in seconds
#   RC_VM_KVM_DEV          the KVM device (default /dev/kvm)
#   RC_VM_PROBE=CMD        run CMD KERNEL-IMAGE instead of the probe boot;
#                          KVM works if its output holds the sentinel line
#                          "RCODE-VM-PROBE: up" (selftests/test_vm_accel.sh
#                          drives the decision with fake probes)
#   RC_VM_PROBE_LOG=FILE   keep the probe's output there (else a temporary
#                          file, removed)
set -u

[ $# -eq 1 ] || { sed -n '7,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
kimg=$1
dev=${RC_VM_KVM_DEV:-/dev/kvm}

case ${RC_VM_ACCEL:-} in
'') ;;
tcg)
	echo "tcg: RC_VM_ACCEL=tcg"
	exit 0 ;;
kvm)
	if [ ! -w "$dev" ]; then
		echo "accel.sh: RC_VM_ACCEL=kvm, but $dev is missing or not writable" >&2
		exit 2
	fi
	echo "kvm: RC_VM_ACCEL=kvm"
	exit 0 ;;
*)
	echo "accel.sh: RC_VM_ACCEL must be kvm or tcg, not '$RC_VM_ACCEL'" >&2
	exit 2 ;;
esac

if [ ! -e "$dev" ]; then
	echo "tcg: no $dev"
	exit 0
fi
if [ ! -w "$dev" ]; then
	echo "tcg: $dev is not writable"
	exit 0
fi

secs=${RC_VM_PROBE_TIMEOUT:-25}
log=${RC_VM_PROBE_LOG:-}
if [ -z "$log" ]; then
	log=$(mktemp "${TMPDIR:-/tmp}/rcode-vm-probe.XXXXXX") || exit 2
	trap 'rm -f "$log"' EXIT
fi
trap 'exit 1' INT TERM

# The probe boot: the smallest guest vng makes (1 CPU), running one echo.
# timeout puts the probe in a process group of its own and signals the
# whole group, qemu included.
t0=$(date +%s)
if [ -n "${RC_VM_PROBE:-}" ]; then
	# shellcheck disable=SC2086 # a command with its arguments
	timeout -k 5 "$secs" $RC_VM_PROBE "$kimg" </dev/null >"$log" 2>&1
else
	timeout -k 5 "$secs" vng --run "$kimg" --cpus 1 --memory 512M \
		--verbose -- echo "RCODE-VM-PROBE: up" </dev/null >"$log" 2>&1
fi
rc=$?
el=$(( $(date +%s) - t0 ))

if tr -d '\r' <"$log" | grep -q '^RCODE-VM-PROBE: up$'; then
	echo "kvm: KVM probe boot came up in ${el}s"
	exit 0
fi
# The console's last line says where the guest stopped.
# (not the line of qemu's own death by timeout's signal).
last=$(tr -d '\r\000' <"$log" | sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' \
	-e 's/qemu-system-[^ ]*: terminating on signal.*//' \
	-e '/^[[:space:]]*$/d' | tail -n 1 | cut -c 1-100)
case $rc in
124|137) why="KVM probe boot printed no sentinel in ${secs}s" ;;
*) why="KVM probe boot exited with status $rc and no sentinel" ;;
esac
[ -n "$last" ] && why="$why (last line: $last)"
echo "tcg: $why"
exit 0
