#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# install-deps.sh - install the Debian 12 packages rcode needs, only those
# that are missing, and virtme-ng from Debian trixie (only that package,
# vm-images/install-virtme-ng.sh).  Run as root (the README's first
# command does).
#   --check   list what is missing and exit 1 if anything is, install nothing
#   --bench   also the benchmarks' comparison MPIs (bench/osu.sh): Open MPI
#             and MPICH with their compilers; the build and the tests do
#             not need them, so they are not installed without it
set -eu

packages="
build-essential
pkg-config
pandoc
jq
clang
llvm
libclang-rt-14-dev
libbpf-dev
libxdp-dev
xdp-tools
bpftool
libelf-dev
zlib1g-dev
libjson-c-dev
libclang-19-dev
iproute2
ethtool
gnuplot-nox
"
bench_packages="
openmpi-bin
libopenmpi-dev
mpich
libmpich-dev
"
check=
for a in "$@"; do
	case $a in
	--check) check=1 ;;
	--bench) packages="$packages $bench_packages" ;;
	*) echo "usage: install-deps.sh [--check] [--bench]" >&2; exit 2 ;;
	esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
# The VM runner keeps its own list (vm-images/packages.txt).
[ -f "$top/vm-images/packages.txt" ] &&
	packages="$packages $(grep -v '^#' "$top/vm-images/packages.txt")"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done

# virtme-ng, which runs the VM selftests, comes from Debian trixie: its
# own script installs that one package (and nothing else from trixie).
vng=$top/vm-images/install-virtme-ng.sh
vng_missing=
[ -f "$vng" ] && ! sh "$vng" --check >/dev/null 2>&1 && vng_missing=1

if [ -n "$check" ]; then
	[ -z "$missing$vng_missing" ] && { echo "all packages present"; exit 0; }
	echo "missing:$missing${vng_missing:+ virtme-ng}"
	exit 1
fi
if [ -z "$missing$vng_missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
if [ -n "$vng_missing" ]; then
	echo "install-deps: installing virtme-ng from Debian trixie"
	sh "$vng"
fi
