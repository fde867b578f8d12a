#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# install-virtme-ng.sh - install Debian trixie's virtme-ng on Debian 12,
# and nothing else from trixie.
#
# usage: vm-images/install-virtme-ng.sh [--check]
#   --check   say whether vng is installed; exit 1 if not, install nothing
#
# Debian 12 has no virtme-ng; trixie has it as an architecture-independent
# package whose dependencies (python3-requests, python3-argcomplete,
# python3-pkg-resources, file, kmod) are all in Debian 12.  The system's
# apt sources stay as they are: apt reads trixie's package list into a
# private state directory under rcode's cache
# (${RC_VM_CACHE:-/var/cache/rcode-vm}/trixie/), checked against the
# Debian archive keyring like any list, `apt-get download`s virtme-ng
# there, and the system's apt installs that one file, taking its
# dependencies from Debian 12.  No trixie source is configured, so no
# upgrade ever proposes anything from trixie.  Run as root.
set -u
. "$(dirname "$0")/lib.sh"

installed() {
	dpkg-query -W -f='${Status}' virtme-ng 2>/dev/null |
		grep -q 'install ok installed' && command -v vng >/dev/null 2>&1
}

if [ "${1:-}" = --check ]; then
	installed && exit 0
	echo "missing: virtme-ng (from Debian trixie: vm-images/install-virtme-ng.sh)"
	exit 1
fi
[ $# -eq 0 ] || { sed -n '7,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
installed && exit 0
[ "$(id -u)" -eq 0 ] || vm_die "need root to install virtme-ng"

suite=${RC_VM_VNG_SUITE:-trixie}
mirror=${RC_VM_VNG_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || vm_die "no $keyring (install debian-archive-keyring)"
cache=$(vm_cache_dir) || vm_die "no writable cache directory"
d=$cache/$suite
mkdir -p "$d/lists/partial" "$d/cache" "$d/deb" || exit 1
vm_lock "$cache/.lock"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$d/sources.list"

# apt with trixie's list and nothing of the system's configuration of
# sources, pins or state, but the system's dpkg status (so that
# download resolves nothing it need not).  As root, apt's sandbox user
# can't write into our directory.
apt_trixie() {
	apt-get -q -o Dir::Etc::SourceList="$d/sources.list" \
		-o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::Etc::Preferences=/nonexistent \
		-o Dir::Etc::PreferencesParts=/nonexistent \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o APT::Sandbox::User=root "$@"
}

vm_say "fetching virtme-ng from Debian $suite into $d/deb"
apt_trixie update >&2 || vm_die "can't read $suite's package list from $mirror"
rm -f "$d"/deb/virtme-ng_*.deb
(cd "$d/deb" && apt_trixie download virtme-ng >&2) ||
	vm_die "can't download virtme-ng from $suite"
for deb in "$d"/deb/virtme-ng_*_all.deb; do break; done
[ -f "$deb" ] || vm_die "no virtme-ng_*_all.deb in $d/deb"

vm_say "installing $(basename "$deb")"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "$deb" >&2 ||
	{ apt-get update -q >&2 &&
	  apt-get install -y -q --no-install-recommends "$deb" >&2; } ||
	vm_die "can't install $deb"
installed || vm_die "virtme-ng is installed but vng is not on PATH"
vm_say "virtme-ng $(dpkg-query -W -f='${Version}' virtme-ng) installed"
