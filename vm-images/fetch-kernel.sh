#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# fetch-kernel.sh - fetch Debian's kernel for the test VM and unpack it into
# the cache; print the kernel's directory on stdout.
#
# usage: vm-images/fetch-kernel.sh
#
# The package is ${RC_VM_KPKG:-linux-image-amd64}; a meta-package is resolved
# to the image it depends on (linux-image-6.1.0-NN-amd64 on Debian 12) and
# that one is fetched with `apt-get download`.  It is unpacked into
# ${RC_VM_CACHE:-/var/cache/rcode-vm}/kernel/PACKAGE_VERSION/ (outside the
# repository; ~/.cache/rcode-vm when that is not writable), which holds
#   vmlinuz  config  release  lib/modules/RELEASE/...  (with modules.dep)
# A cached kernel is reused; when apt can't be reached, the newest cached
# kernel is used.  Exits 1 when no kernel can be had.
set -u
. "$(dirname "$0")/lib.sh"

[ $# -eq 0 ] || { sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

pkg=${RC_VM_KPKG:-linux-image-amd64}
cache=$(vm_cache_dir) || vm_die "no writable cache directory"
mkdir -p "$cache/kernel" || exit 1
vm_lock "$cache/.lock"

# newest_cached: the most recently unpacked complete kernel, if any.
newest_cached() {
	ls -dt "$cache"/kernel/*/.complete 2>/dev/null | head -n 1 |
		sed 's|/\.complete$||'
}

# resolve PKG: print "IMAGE-PACKAGE VERSION" for the candidate of PKG.
resolve() {
	case $1 in
	linux-image-[0-9]*) img=$1 ;;
	*) img=$(apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' |
		head -n 1) ;;
	esac
	[ -n "$img" ] || return 1
	ver=$(apt-cache policy "$img" 2>/dev/null |
		sed -n 's/^ *Candidate: //p')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	echo "$img $ver"
}

apt_update() {
	[ "$(id -u)" -eq 0 ] || return 1
	vm_say "running apt-get update"
	apt-get update -q >&2
}

r=$(resolve "$pkg") || { apt_update && r=$(resolve "$pkg"); }
if [ -z "${r:-}" ]; then
	d=$(newest_cached)
	[ -n "$d" ] || vm_die "apt knows no package $pkg and nothing is cached"
	vm_say "apt can't resolve $pkg; using cached $(basename "$d")"
	echo "$d"
	exit 0
fi
img=${r% *} ver=${r#* }
kdir=$cache/kernel/${img}_$ver
if [ -f "$kdir/.complete" ]; then
	echo "$kdir"
	exit 0
fi

tmp=$(mktemp -d "$cache/kernel/.fetch.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
# As root, apt's sandbox user can't write into our directory: say who fetches.
sandbox=
[ "$(id -u)" -eq 0 ] && sandbox="-o APT::Sandbox::User=root"
fetch() {
	# shellcheck disable=SC2086 # an option or nothing
	(cd "$tmp" && apt-get -q $sandbox download "$img=$ver" >&2)
}
vm_say "downloading $img $ver"
if ! fetch; then
	# Stale package lists name a version the mirror no longer has.
	if apt_update && r=$(resolve "$img"); then
		ver=${r#* }
		kdir=$cache/kernel/${img}_$ver
		fetch
	fi || {
		d=$(newest_cached)
		[ -n "$d" ] || vm_die "can't download $img and nothing is cached"
		vm_say "can't download $img; using cached $(basename "$d")"
		echo "$d"
		exit 0
	}
fi

deb=$(ls "$tmp"/*.deb) || exit 1
dpkg-deb -x "$deb" "$tmp/x" || vm_die "can't unpack $deb"
rm -f "$deb"
release=$(ls "$tmp/x/lib/modules" | head -n 1)
[ -n "$release" ] && [ -f "$tmp/x/boot/vmlinuz-$release" ] ||
	vm_die "$img has no vmlinuz or modules"
mv "$tmp/x/boot/vmlinuz-$release" "$tmp/x/vmlinuz"
mv "$tmp/x/boot/config-$release" "$tmp/x/config"
echo "$release" >"$tmp/x/release"
rm -rf "$tmp/x/boot" "$tmp/x/usr"
# The package ships no modules.dep (its postinst runs depmod): make one.
vm_need depmod kmod || exit 1
depmod -b "$tmp/x" "$release"
[ -s "$tmp/x/lib/modules/$release/modules.dep" ] ||
	vm_die "depmod made no modules.dep for $release"
touch "$tmp/x/.complete"
rm -rf "$kdir"
mv "$tmp/x" "$kdir" || exit 1

# Keep the two newest kernels.
ls -dt "$cache"/kernel/*/ | tail -n +3 | while read -r old; do
	vm_say "removing old kernel $old"
	rm -rf "$old"
done

jit=$(grep '^CONFIG_BPF_JIT_ALWAYS_ON=y' "$kdir/config" ||
	echo "CONFIG_BPF_JIT_ALWAYS_ON is not set")
vm_say "$img $ver ($release) unpacked; $jit"
echo "$kdir"
