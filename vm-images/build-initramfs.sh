#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# build-initramfs.sh - pack the test VM's root file system: a gzipped newc
# cpio archive that the kernel unpacks into RAM and whose /init runs the
# selftests (init.sh).
#
# usage: vm-images/build-initramfs.sh [--build DIR] [-o FILE]
#            (--kernel-dir DIR | --release RELEASE [--modules ROOT]
#             [--config FILE])
#
#   --build DIR       the project's build directory (default build); its
#                     executables (rloader, selftests/...), bpf/**.o and
#                     shared libraries become /rcode/build in the guest
#   --kernel-dir DIR  a kernel unpacked by fetch-kernel.sh
#   --release R       the kernel's release (uname -r), for a kernel of your
#                     own; with --modules ROOT (ROOT/lib/modules/R/ or
#                     that directory itself, holding modules.dep) and
#                     --config FILE (its .config, read by bpftool)
#   -o FILE           default DIR/vm/initramfs.cpio.gz
#
# The archive holds the host's dash (as /bin/sh), coreutils, grep, sed,
# awk, findutils, diffutils, util-linux and procps, busybox for the rest,
# iproute2's ip and tc, bpftool, xdp-loader with libxdp's BPF objects,
# ethtool and python3 (most of its standard library) when the host has
# them, the project's binaries, every shared library ldd names (and the
# dynamic loader), the repository's selftests/ (without vm_*.sh),
# examples/ and docs/ (tests check the docs), and the modules listed in
# modules.txt with their dependencies, uncompressed.  RC_VM_TOOLS adds
# host programs (e.g. "jq strace"); RC_VM_HOST_PKGS replaces the list of
# Debian packages whose programs are copied; RC_VM_REPO_FILES replaces
# the list of repository paths (default "selftests examples docs
# userlib/librcode.map": test_docs holds the map against docs/userlib.md).
set -u
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '3,33p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

build=build
out=
kdir=
release=
modroot=
config=
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--kernel-dir) kdir=$2; shift 2 ;;
	--release) release=$2; shift 2 ;;
	--modules) modroot=$2; shift 2 ;;
	--config) config=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	*) usage ;;
	esac
done
if [ -n "$kdir" ]; then
	release=$(cat "$kdir/release") || exit 1
	modroot=$kdir config=$kdir/config
fi
[ -n "$release" ] || usage
cd "$vm_top" || exit 1
[ -x "$build/rloader" ] || vm_die "$build/rloader is missing; run 'make BUILD=$build' first"
build=$(cd "$build" && pwd)
[ -n "$out" ] || out=$build/vm/initramfs.cpio.gz
mkdir -p "$(dirname "$out")" || exit 1
vm_need busybox busybox-static || exit 1
busybox=$(command -v busybox)

stage=$(mktemp -d "${TMPDIR:-/tmp}/rcode-initramfs.XXXXXX") || exit 1
trap 'rm -rf "$stage" "$stage.elf" "$stage.host" "$stage.libs" "$stage.py" "$out.tmp"' EXIT
trap 'exit 1' INT TERM

# The layout mirrors the host's, merged /usr included, so that the paths
# ldd prints and the loader's built-in search path hold in the guest too.
for d in bin sbin lib lib64; do
	if [ -L "/$d" ]; then
		ln -s "$(readlink "/$d")" "$stage/$d"
	else
		mkdir -p "$stage/$d"
	fi
done
mkdir -p "$stage/usr/bin" "$stage/usr/sbin" "$stage/usr/lib" \
	"$stage/usr/lib64" "$stage/etc/rcode-vm" "$stage/boot" \
	"$stage/dev" "$stage/proc" "$stage/sys" "$stage/run" "$stage/tmp" \
	"$stage/root" "$stage/var" "$stage/rcode/build"
ln -s /run "$stage/var/run"
[ "$(id -u)" -eq 0 ] && mknod -m 600 "$stage/dev/console" c 5 1
printf '%s\n' "root:x:0:0:root:/root:/bin/sh" \
	"nobody:x:65534:65534:nobody:/nonexistent:/bin/false" >"$stage/etc/passwd"
printf '%s\n' "root:x:0:" "nogroup:x:65534:" >"$stage/etc/group"
printf '%s\n' "127.0.0.1 localhost" "::1 localhost" >"$stage/etc/hosts"

# put SRC DEST: copy SRC to DEST in the stage, dereferencing symlinks.
put() {
	mkdir -p "$stage$(dirname "$2")" && rm -f "$stage$2" &&
		cp -L "$1" "$stage$2"
}
# copy_host LIST: copy the host files named in LIST to the same paths in
# the stage, in one cp (one cp per file costs seconds).  Directories are
# named as they really are (/usr/lib, not /lib), so that no file comes twice.
copy_host() {
	sort -u "$1" | while read -r f; do
		echo "$(cd "${f%/*}/" && pwd -P)/${f##*/}"
	done | sort -u | xargs -r -d '\n' cp -L --parents -t "$stage"
}

# Every dynamic ELF file brings its libraries: add_libs notes the file,
# copy_libs asks the dynamic loader for the libraries of them all (as ldd
# does, without ldd's bash start-up per file) and copies those and the
# loader itself.
add_libs() {
	echo "$1" >>"$stage.elf"
}
rtld=$(ldd "$(command -v sh)" | awk '$1 ~ /^\// { print $1 }')
[ -x "$rtld" ] || vm_die "can't find the dynamic loader"
copy_libs() {
	sort -u "$stage.elf" | while read -r f; do
		"$rtld" --verify "$f" >/dev/null 2>&1 && "$rtld" --list "$f"
	done | awk '/not found/ { print "warning: " $1 " not found"; next }
		    $2 == "=>" && $3 ~ /^\// { print $3 }
		    $1 ~ /^\// { print $1 }' | sort -u >"$stage.libs"
	grep '^warning' "$stage.libs" | while read -r w; do vm_say "$w"; done
	grep -v '^warning' "$stage.libs" >"$stage.host"
	copy_host "$stage.host"
}
: >"$stage.elf"
: >"$stage.host"

# The host's shell and utilities, so that tests run with the same dash,
# coreutils, grep, sed and awk as on the host.  Not busybox's: Debian's
# busybox-static prefers its own applets over PATH (its ash runs its "ip"
# applet even when /usr/sbin/ip exists, and so do its timeout and env),
# and its applets lack options the tests may use.
for pkg in ${RC_VM_HOST_PKGS:-dash coreutils grep sed findutils diffutils \
    util-linux procps}; do
	for p in $(dpkg -L "$pkg" 2>/dev/null | grep -E '^/(usr/)?s?bin/[^/]+$'); do
		[ -f "$p" ] && [ -x "$p" ] && echo "$p"
	done
done >>"$stage.host"
# Commands by name: /bin/sh and awk are symlinks (to dash, to an
# alternative), the rest are the tools the tests drive.
for t in sh awk ip tc bpftool xdp-loader; do
	command -v "$t" || vm_say "warning: no $t on this host"
done >>"$stage.host"
for t in ethtool ${RC_VM_TOOLS:-}; do
	command -v "$t"
done >>"$stage.host"
cat "$stage.host" >>"$stage.elf"
copy_host "$stage.host" || vm_die "can't copy the host's programs"
# python3 (tests parse JSON with it) and its standard library, less what
# no test imports: its own tests, IDLE, tkinter, the static libpython.
# Debian's, not whatever python3 comes first on PATH (a pyenv shim is a
# bash script); the tests look for /usr/bin/python3 first too.
py=/usr/bin/python3
if [ -x "$py" ]; then
	pylib=$("$py" -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
	tar -cf - --exclude='test' --exclude='idlelib' --exclude='tkinter' \
		--exclude='turtledemo' --exclude='ensurepip' --exclude='lib2to3' \
		--exclude='pydoc_data' --exclude='config-*' --exclude='*-packages' \
		"$pylib" 2>/dev/null | tar -C "$stage" -xf - ||
		vm_die "can't copy $pylib"
	# python3 is a symlink to python3.X: copy it as itself, and the link.
	pyreal=$(readlink -f "$py")
	echo "$pyreal" >"$stage.py"
	copy_host "$stage.py" && echo "$pyreal" >>"$stage.elf" &&
		ln -sf "${pyreal##*/}" "$stage$(dirname "$pyreal")/python3" ||
		vm_die "can't copy $py"
	rm -f "$stage.py"
fi
# busybox for everything else (insmod, poweroff, hostname, ...).
put "$busybox" /usr/bin/busybox || exit 1
add_libs "$busybox"
for a in $("$busybox" --list-full); do
	[ "$a" = linuxrc ] && continue
	[ -e "$stage/$a" ] || [ -L "$stage/$a" ] ||
		ln -s /usr/bin/busybox "$stage/$a"
done

# libxdp loads its multi-program dispatcher (xdp-dispatcher.o) from the
# directory compiled into it, /usr/lib/<multiarch>/bpf on Debian, whether
# it is linked dynamically (librcode) or statically (xdp-loader).
for d in ${LIBXDP_OBJECT_PATH:-} /usr/lib/*/bpf /usr/lib/bpf /usr/local/lib/bpf; do
	[ -f "$d/xdp-dispatcher.o" ] || continue
	mkdir -p "$stage$d" && cp "$d"/*.o "$stage$d/" || exit 1
done

# The smoke program: bpf(2) alone, built here because it belongs to no
# target of the project's Makefile.
${CC:-gcc} -std=gnu11 -O2 -Wall -Wextra -Werror \
	-Wno-missing-field-initializers -o "$stage/usr/bin/rcode-vm-smoke" \
	"$vm_dir/vm_smoke.c" || vm_die "can't build vm_smoke.c"
add_libs "$stage/usr/bin/rcode-vm-smoke"

# The project's binaries: every executable of the build (rloader, the
# tests and their helpers), the BPF objects and any shared library.  Not
# the sanitizer build, nor our own output.
find "$build" \( -path "$build/san" -o -path "$build/vm" \) -prune -o \
	-type f \( -perm -u+x -o -path "$build/bpf/*.o" -o -name '*.so' \
	-o -name '*.so.*' \) -print | while read -r f; do
	put "$f" "/rcode/build/${f#"$build"/}" || exit 1
	add_libs "$f"
done || exit 1

# The repository files the tests read, selftests/lib.sh among them (every
# shell test sources it).  vm_*.sh stays out: no VM in the VM; so does
# test_pkgconfig.sh, a test of the host's build and install (make, a
# compiler), which the guest has neither of nor needs to repeat.
paths=
for p in ${RC_VM_REPO_FILES:-selftests examples docs userlib/librcode.map}; do
	[ -e "$p" ] && paths="$paths $p"
done
# shellcheck disable=SC2086
tar -cf - --exclude='vm_*.sh' --exclude='test_pkgconfig.sh' --exclude='*.[cho]' --exclude='*.d' $paths |
	tar -C "$stage/rcode" -xf - || exit 1

# Kernel modules: the closure of modules.txt under modules.dep, in loading
# order, uncompressed (busybox insmod may not read .ko.xz or .ko.zst).
: >"$stage/etc/rcode-vm/modules"
: >"$stage/etc/rcode-vm/modules.notes"
mdir=
if [ -n "$modroot" ]; then
	for d in "$modroot/lib/modules/$release" "$modroot"; do
		[ -f "$d/modules.dep" ] && { mdir=$d; break; }
	done
	[ -n "$mdir" ] || vm_die "no modules.dep under $modroot (run depmod)"
fi
want=
[ -n "$mdir" ] || echo "no module tree was given (VM_MODULES): built-in drivers only" \
	>>"$stage/etc/rcode-vm/modules.notes"
for m in $(sed 's/#.*//' "$vm_dir/modules.txt"); do
	re=$(echo "$m" | sed 's/[-_]/[-_]/g')
	p=
	[ -n "$mdir" ] && p=$(grep -Eo "^([^:]*/)?$re\.ko(\.xz|\.gz|\.zst)?:" \
		"$mdir/modules.dep" | head -n 1 | tr -d :)
	if [ -n "$p" ]; then
		want="$want $p"
	elif [ -z "$mdir" ]; then
		continue
	elif grep -Eq "(^|/)$re\.ko" "$mdir/modules.builtin"; then
		echo "$m is built in" >>"$stage/etc/rcode-vm/modules.notes"
	else
		vm_say "warning: no module $m for $release"
		echo "$m is missing from this kernel" >>"$stage/etc/rcode-vm/modules.notes"
	fi
done
if [ -n "$want" ]; then
	awk -v want="$want" '
	function visit(p,   n, i, d) {
		if (p in done)
			return
		done[p] = 1
		n = split(deps[p], d, " ")
		for (i = 1; i <= n; i++)
			visit(d[i])
		print p
	}
	{ k = $1; sub(/:$/, "", k); $1 = ""; deps[k] = $0 }
	END { n = split(want, w, " "); for (i = 1; i <= n; i++) visit(w[i]) }
	' "$mdir/modules.dep" >"$stage/etc/rcode-vm/modules.order"
	kdst=$stage/lib/modules/$release
	while read -r p; do
		ko=${p%.xz} ko=${ko%.gz} ko=${ko%.zst}
		mkdir -p "$kdst/$(dirname "$ko")"
		case $p in
		*.xz) xz -dc "$mdir/$p" ;;
		*.gz) gzip -dc "$mdir/$p" ;;
		*.zst) zstd -qdc "$mdir/$p" ;;
		*) cat "$mdir/$p" ;;
		esac >"$kdst/$ko" || vm_die "can't copy module $p"
		echo "$ko" >>"$stage/etc/rcode-vm/modules"
	done <"$stage/etc/rcode-vm/modules.order"
	rm -f "$stage/etc/rcode-vm/modules.order"
fi
[ -n "$config" ] && [ -f "$config" ] && cp "$config" "$stage/boot/config-$release"

copy_libs || vm_die "can't copy the shared libraries"
cp "$vm_dir/init.sh" "$stage/init" && chmod 755 "$stage/init" || exit 1
echo "$release" >"$stage/etc/rcode-vm/release"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	"$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$out.tmp" &&
	mv "$out.tmp" "$out" || vm_die "can't write $out"
vm_say "$out: $(du -k "$out" | cut -f1) KiB, kernel $release," \
	"modules:$(sed 's|.*/||; s|\.ko$||' "$stage/etc/rcode-vm/modules" | tr '\n' ' ')"
