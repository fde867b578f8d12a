#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# vm_selftests.sh - the selftests inside a virtual machine on Debian's 6.1
# kernel, booted twice with virtme-ng on the host's root file system: with
# the BPF JIT and with net.core.bpf_jit_enable=0, so that every BPF
# program also runs in the kernel's eBPF interpreter.  vm-images/run-vm.sh
# does the work (KVM if a probe boot shows it works, TCG otherwise) and
# prints one PASS:/FAIL: line per guest check and per boot; when no VM can
# run here (no virtme-ng or qemu, no kernel package) it prints SKIP, which
# run.sh counts as a failure under CI=true.
set -u
top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
exec sh "$top/vm-images/run-vm.sh" --build "${RC_BUILD:-build}" \
	--skip-unavailable
