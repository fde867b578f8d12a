#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# fresh-check.sh - does the README's first command work on a machine that
# has never built rcode?  Only a root that has never seen rcode can tell:
# every machine that built it once keeps what it installed.
#
# usage: scripts/fresh-check.sh [--keep] [--no-cache]
#
#   --keep       leave the root (its path is printed) for a look inside
#   --no-cache   download every package, rather than borrow the host's
#                apt cache for the ones it already has
#
# What it does, as root:
#   1. bootstraps a minimal Debian 12 (mmdebstrap --variant=minbase, plus
#      git and make, as a new user's machine would have them), installing
#      mmdebstrap first if it is missing;
#   2. clones the committed tree (HEAD of this repository; uncommitted
#      changes are not part of the check) into it;
#   3. runs the README's install and build there, `make deps all`, in a
#      chroot in a mount namespace of its own (so /proc, /sys and /dev go
#      away with it, also on failure);
#   4. runs every offline check that needs no kernel: `rloader verify` and
#      `rloader run --path ref` of every example, in R-code and in C.
# It prints how long each step took and ends with one line
# "fresh-check: PASS ..." or "fresh-check: FAIL: why"; exit status 0 or 1.
# The demo itself needs BPF and network namespaces, which the host's
# test suite covers.
#
# Environment: RC_FRESH_DIR (default /var/tmp) holds the root;
# RC_FRESH_MIRROR (default http://deb.debian.org) the Debian archive.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
keep= cache=1
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--no-cache) cache= ;;
	-h|--help) sed -n '3,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "fresh-check: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done

fail() {
	echo "fresh-check: FAIL: $*"
	exit 1
}
now() { date +%s; }

[ "$(id -u)" -eq 0 ] || fail "needs root (it bootstraps a Debian root and chroots into it)"
command -v git >/dev/null 2>&1 || fail "git is missing"
git -C "$top" rev-parse --verify -q HEAD >/dev/null || fail "$top is not a git work tree with a commit"
if ! command -v mmdebstrap >/dev/null 2>&1; then
	echo "fresh-check: installing mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends mmdebstrap >/dev/null 2>&1 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		  apt-get install -y -qq --no-install-recommends mmdebstrap; } ||
		fail "cannot install mmdebstrap"
fi

mirror=${RC_FRESH_MIRROR:-http://deb.debian.org}
work=$(mktemp -d "${RC_FRESH_DIR:-/var/tmp}/rcode-fresh.XXXXXX") ||
	fail "cannot make a directory under ${RC_FRESH_DIR:-/var/tmp}"
root=$work/root

# The chroot's mounts live in a mount namespace that ends with its shell,
# so nothing can still be mounted below $root when it is removed; check
# anyway, rm -rf must never walk into a bind mount of /dev.
cleanup() {
	if [ -n "$keep" ]; then
		echo "fresh-check: the root is kept in $root"
		return
	fi
	if grep -q " $root/" /proc/self/mounts 2>/dev/null; then
		echo "fresh-check: something is still mounted under $root; not removing it" >&2
		return
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

rev=$(git -C "$top" rev-parse --short HEAD)
echo "fresh-check: bootstrapping Debian 12 (minbase, git, make) in $root"
t0=$(now)
mmdebstrap --quiet --variant=minbase --include=git,make,ca-certificates \
    --customize-hook='printf "#!/bin/sh\nexit 101\n" >"$1/usr/sbin/policy-rc.d"; chmod 755 "$1/usr/sbin/policy-rc.d"' \
    bookworm "$root" \
    "deb $mirror/debian bookworm main" \
    "deb $mirror/debian bookworm-updates main" \
    "deb $mirror/debian-security bookworm-security main" \
    >"$work/mmdebstrap.log" 2>&1 ||
	{ tail -n 20 "$work/mmdebstrap.log"; fail "mmdebstrap failed (log above)"; }
t1=$(now)
echo "fresh-check: bootstrap took $((t1 - t0)) s"

# A clone of the committed tree, as a user's 'git clone' would give.
git clone -q "$top" "$root/src/rcode" || fail "git clone into the root failed"
git -C "$root/src/rcode" checkout -q "$rev" || fail "cannot check out $rev"

# What runs inside: the README's first command without the demo, then
# the offline checks.  Every example must verify and run on the
# reference interpreter (exit status 4 is a fault the example means to
# show, e.g. divide.r; anything else is a failure).
cat >"$root/src/fresh-inside.sh" <<'EOF'
set -u
cd /src/rcode || exit 1
t0=$(date +%s)
make deps all >/src/build.log 2>&1 || {
	tail -n 30 /src/build.log
	echo "inside: 'make deps all' failed (the log's end is above)"
	exit 1
}
t1=$(date +%s)
echo "inside: make deps all took $((t1 - t0)) s"
n=0 bad=0
# The C examples too: they go through rcc, which 'make deps all' must
# have built in the same invocation that installed libclang.
for f in examples/*.r examples/*.c; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	if ! build/rloader verify "$f" >/src/check.log 2>&1; then
		cat /src/check.log
		echo "inside: rloader verify $f failed"
		bad=$((bad + 1))
		continue
	fi
	build/rloader run --path ref "$f" >/src/check.log 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ]; then
		cat /src/check.log
		echo "inside: rloader run --path ref $f exited $rc"
		bad=$((bad + 1))
	fi
done
echo "inside: $n examples verified and run, $bad failed ($(($(date +%s) - t1)) s)"
[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
EOF

# The host's apt cache lends the packages it already has (apt checks each
# against the chroot's own package lists, so nothing unlisted gets in).
bind_cache=
[ -n "$cache" ] && [ -d /var/cache/apt/archives ] &&
	bind_cache="mkdir -p $root/var/cache/apt/archives && mount --bind /var/cache/apt/archives $root/var/cache/apt/archives &&"
echo "fresh-check: running 'make deps all' and the offline checks of $rev inside"
t2=$(now)
unshare --mount --propagation private sh -c "
	mount -t proc proc $root/proc &&
	mount -t sysfs sysfs $root/sys &&
	mount --rbind /dev $root/dev &&
	$bind_cache
	chroot $root /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 /bin/sh /src/fresh-inside.sh" ||
	fail "in a fresh Debian 12 root at $rev (see above)"
t3=$(now)
echo "fresh-check: PASS: a fresh Debian 12 root installs, builds and checks $rev (bootstrap $((t1 - t0)) s, install, build and checks $((t3 - t2)) s, $((t3 - t0)) s in all)"
