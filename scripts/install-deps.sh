#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# install-deps.sh - install the Debian 12 packages rcode needs, only those
# that are missing.  Run as root (the README's first command does).
#   --check   list what is missing and exit 1 if anything is, install nothing
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
iproute2
ethtool
gnuplot-nox
"
top=$(cd "$(dirname "$0")/.." && pwd)
# The VM runner keeps its own list (vm-images/packages.txt).
[ -f "$top/vm-images/packages.txt" ] &&
	packages="$packages $(grep -v '^#' "$top/vm-images/packages.txt")"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done

if [ "${1:-}" = --check ]; then
	[ -z "$missing" ] && { echo "all packages present"; exit 0; }
	echo "missing:$missing"
	exit 1
fi
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
