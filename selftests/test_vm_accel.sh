#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# test_vm_accel.sh - the VM runner's choice of accelerator
# (vm-images/accel.sh), driven with fake probe boots and a fake KVM
# device, so that it runs in a second and needs neither qemu nor KVM:
# a probe that prints the sentinel gives KVM; one that exits 1, one that
# prints something else and one that hangs past the bound give TCG, with a
# reason; no KVM device or one that is not writable gives TCG without any
# probe; RC_VM_ACCEL=kvm|tcg wins without a probe, and a bad value, or kvm
# without a device, is an error.
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests vm_accel "vm accel: "
top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
accel=$top/vm-images/accel.sh
[ -f "$accel" ] || skip_all "needs vm-images/accel.sh"
tmp=$(mktemp -d /tmp/rcode-vm-accel.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# The fake probes get the kernel image as $1 and leave a mark when run.
cat >"$tmp/up" <<EOF
#!/bin/sh
touch "$tmp/probed"
echo "Probing EDD (edd=off to disable)... ok"
echo "RCODE-VM-PROBE: up"
EOF
cat >"$tmp/fails" <<EOF
#!/bin/sh
touch "$tmp/probed"
echo "qemu-system-x86_64: failed to initialize kvm: Permission denied"
exit 1
EOF
cat >"$tmp/silent" <<EOF
#!/bin/sh
touch "$tmp/probed"
echo "Probing EDD (edd=off to disable)... ok"
EOF
# The broken-KVM guest: says where it stopped, then nothing, for ever;
# accel.sh's bound ends it.
cat >"$tmp/hangs" <<EOF
#!/bin/sh
touch "$tmp/probed"
echo "Probing EDD (edd=off to disable)... ok"
exec sleep 600
EOF
chmod +x "$tmp/up" "$tmp/fails" "$tmp/silent" "$tmp/hangs"
: >"$tmp/kvm"
chmod 666 "$tmp/kvm"

# decide KVM-DEV ACCEL PROBE: run accel.sh; its line in $out, its status
# in $st.
decide() {
	rm -f "$tmp/probed"
	out=$(RC_VM_KVM_DEV=$1 RC_VM_ACCEL=$2 RC_VM_PROBE=$3 \
		RC_VM_PROBE_TIMEOUT=2 sh "$accel" "$tmp/vmlinuz" 2>"$tmp/err")
	st=$?
}

# check NAME WANT-PREFIX WANT-PROBED: the decision starts with WANT-PREFIX
# ("kvm: " or "tcg: "), and the probe ran (yes) or did not (no).
check() {
	probed=no
	[ -f "$tmp/probed" ] && probed=yes
	if [ "$st" -ne 0 ]; then
		fail "$1" "accel.sh exited $st: $(cat "$tmp/err")"
	elif [ "${out#"$2"}" = "$out" ]; then
		fail "$1" "expected '$2...', got '$out'"
	elif [ "$probed" != "$3" ]; then
		fail "$1" "probe ran: $probed, expected $3 ($out)"
	else
		pass "$1: $out"
	fi
}

decide "$tmp/kvm" "" "$tmp/up"
check "a probe boot that comes up gives KVM" "kvm: " yes

decide "$tmp/kvm" "" "$tmp/fails"
check "a probe boot that fails gives TCG" "tcg: " yes
case $out in
*"status 1"*"Permission denied"*) pass "the reason names the status and the last line" ;;
*) fail "the reason names the status and the last line" "got '$out'" ;;
esac

decide "$tmp/kvm" "" "$tmp/silent"
check "a probe boot without the sentinel gives TCG" "tcg: " yes

t0=$(date +%s)
decide "$tmp/kvm" "" "$tmp/hangs"
el=$(( $(date +%s) - t0 ))
check "a probe boot that hangs gives TCG" "tcg: " yes
case $out in
*"no sentinel in 2s"*"Probing EDD"*) pass "the reason names the bound and where the guest stopped" ;;
*) fail "the reason names the bound and where the guest stopped" "got '$out'" ;;
esac
# 2 s bound, 5 s more for the KILL: never the probe's 600 s.
if [ "$el" -le 10 ]; then
	pass "a hanging probe is cut off at its bound (${el}s)"
else
	fail "a hanging probe is cut off at its bound" "took ${el}s"
fi

decide "$tmp/none" "" "$tmp/up"
check "no KVM device gives TCG without a probe" "tcg: " no

# Root may write whatever the mode says: this one is a check for users.
chmod 444 "$tmp/kvm"
if [ ! -w "$tmp/kvm" ]; then
	decide "$tmp/kvm" "" "$tmp/up"
	check "a KVM device that is not writable gives TCG without a probe" "tcg: " no
fi
chmod 666 "$tmp/kvm"

decide "$tmp/kvm" tcg "$tmp/up"
check "RC_VM_ACCEL=tcg wins over a working KVM, without a probe" "tcg: RC_VM_ACCEL=tcg" no

decide "$tmp/kvm" kvm "$tmp/fails"
check "RC_VM_ACCEL=kvm wins over a failing probe, without a probe" "kvm: RC_VM_ACCEL=kvm" no

decide "$tmp/none" kvm "$tmp/up"
expect_eq "RC_VM_ACCEL=kvm without a KVM device is an error" "$st" 2

decide "$tmp/kvm" qemu "$tmp/up"
expect_eq "RC_VM_ACCEL=qemu is an error" "$st" 2

rc_exit
