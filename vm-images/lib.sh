# SPDX-License-Identifier: BSD-2-Clause
#
# lib.sh - helpers shared by the vm-images scripts; source it, don't run it.
#
# Sets vm_dir (this directory) and vm_top (the repository) from $0.

vm_dir=$(cd "$(dirname "$0")" && pwd)
vm_top=$(cd "$vm_dir/.." && pwd)

vm_say() {
	echo "${0##*/}: $*" >&2
}

vm_die() {
	vm_say "$@"
	exit 1
}

# vm_cache_dir: where downloaded kernels live, outside the repository.
vm_cache_dir() {
	c=${RC_VM_CACHE:-/var/cache/rcode-vm}
	if mkdir -p "$c" 2>/dev/null && [ -w "$c" ]; then
		echo "$c"
		return
	fi
	c=${XDG_CACHE_HOME:-$HOME/.cache}/rcode-vm
	mkdir -p "$c" || return 1
	echo "$c"
}

# vm_need CMD PACKAGE: make CMD available, installing PACKAGE with apt when
# we are root and RC_VM_NO_INSTALL is unset (a fresh CI machine has only
# what the project's own files install).  Returns non-zero if still missing.
vm_need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ -n "${RC_VM_NO_INSTALL:-}" ] || [ "$(id -u)" -ne 0 ] ||
	    ! command -v apt-get >/dev/null 2>&1; then
		vm_say "$1 is missing (install the Debian package $2)"
		return 1
	fi
	vm_say "$1 is missing; installing $2"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "$2" >&2 ||
		{ apt-get update -q >&2 &&
		  apt-get install -y -q --no-install-recommends "$2" >&2; }
	command -v "$1" >/dev/null 2>&1
}

# vm_lock FILE: serialise concurrent runs that share FILE's directory.
vm_lock() {
	command -v flock >/dev/null 2>&1 || return 0
	exec 9>"$1"
	flock 9
}
