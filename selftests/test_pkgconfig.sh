#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# test_pkgconfig.sh - librcode as an application gets it: 'make install'
# into a temporary DESTDIR, then, with nothing but what pkg-config says
# (PKG_CONFIG_PATH and PKG_CONFIG_SYSROOT_DIR pointing into DESTDIR):
# every public header compiles on its own; a small program that loads,
# verifies, translates and runs a handler and parses a hosts file builds
# against the shared library and against the static one, and runs; the
# shared library's soname, and its exports: exactly the symbols of
# userlib/librcode.map, all at version RCODE_1.0, and exactly the
# functions the installed headers declare.  One version (the file
# VERSION) in rloader -V, the library's file name and soname, and
# pkg-config; the man pages where man(1) finds them (MANPATH), the bash
# completion; and 'make uninstall' leaving no file of it behind.
#
# Needs the source tree, make, a C compiler, pkg-config and binutils (in
# the VM, which has none of them, it skips).
set -u

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"
rc_tests pkgconfig
top=${RC_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
build=${RC_BUILD:-build}
cc=${CC:-cc}
tmp=$(mktemp -d /tmp/rcode-pkgconfig.XXXXXX)
dest=$tmp/dest
prefix=/usr/local
trap 'rm -rf "$tmp"' EXIT

need_tools make "$cc" pkg-config nm objdump pandoc jq man
if [ ! -f "$top/Makefile" ] || [ ! -f "$top/userlib/librcode.map" ]; then
	skip_all "needs the source tree (Makefile, userlib/)"
fi

# The sanitizer build (make test's second round) is made with SAN=1:
# install it the same way, or make would relink it without.
case $build in /*) bdir=$build ;; *) bdir=$top/$build ;; esac
sanmake=
nm "$bdir/librcode.a" 2>/dev/null | grep -q ' U __asan_init' && sanmake=SAN=1
make -C "$top" --no-print-directory BUILD="$build" $sanmake DESTDIR="$dest" \
	PREFIX="$prefix" install >"$tmp/install.log" 2>&1
expect_eq "make install DESTDIR=... PREFIX=$prefix" $? 0 ||
	tail -n 20 "$tmp/install.log"
inc=$dest$prefix/include/rcode lib=$dest$prefix/lib
version=$(cat "$top/VERSION")
major=${version%%.*}
man=$dest$prefix/share/man
for f in "$inc/librcode.h" "$inc/rcode_handler.h" "$inc/rcode.h" "$inc/rc_diag.h" \
	 "$inc/rc_xlate.h" "$inc/rc_abi.h" "$inc/rc_opcodes.def" \
	 "$lib/librcode.so.$version" "$lib/librcode.so.$major" "$lib/librcode.so" \
	 "$lib/librcode.a" "$lib/pkgconfig/librcode.pc" "$dest$prefix/bin/rloader" \
	 "$man/man8/rloader.8" "$man/man3/librcode.3" "$man/man7/rcode.7" \
	 "$dest$prefix/share/bash-completion/completions/rloader"; do
	expect_eq "installed: ${f#"$dest"}" "$(test -e "$f" && echo yes)" yes
done
expect_eq "installed: the headers are all there is in include/rcode" \
	"$(ls "$inc" | wc -l)" 7
expect_eq "installed rloader runs" \
	"$("$dest$prefix/bin/rloader" --version >/dev/null 2>&1; echo $?)" 0
expect_eq "soname librcode.so.$major (VERSION's major)" \
	"$(objdump -p "$lib/librcode.so.$version" | sed -n 's/^ *SONAME *//p')" librcode.so.$major
expect_eq "installed rloader -V says VERSION ($version)" \
	"$("$dest$prefix/bin/rloader" -j -V | jq -r .version)" "$version"
expect_eq "installed rloader -V (plain) says it too" \
	"$("$dest$prefix/bin/rloader" -V | cut -d' ' -f2)" "$version"
for p in 8:rloader 3:librcode 7:rcode; do
	expect_eq "man -w ${p#*:}(${p%%:*}) finds the installed page (MANPATH)" \
		"$(MANPATH=$man man -w "${p%%:*}" "${p#*:}" 2>/dev/null)" \
		"$man/man${p%%:*}/${p#*:}.${p%%:*}"
	expect_eq "... which renders and says rcode $version" \
		"$(MANPATH=$man MANWIDTH=120 man "${p%%:*}" "${p#*:}" 2>/dev/null | col -b |
			grep -c "rcode $version")" 1
done
expect_eq "the completion file is bash that defines _rloader" \
	"$(bash -c '. "$1" && type -t _rloader' bash \
		"$dest$prefix/share/bash-completion/completions/rloader" 2>&1)" function

export PKG_CONFIG_PATH="$lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
expect_eq "pkg-config --modversion librcode is VERSION" "$(pkg-config --modversion librcode)" "$version"
cflags=$(pkg-config --cflags librcode) libs=$(pkg-config --libs librcode)
expect_eq "pkg-config --cflags: DESTDIR's include" \
	"$(echo " $cflags " | grep -c -- " -I$dest$prefix/include ")" 1
expect_eq "pkg-config --libs: -lrcode from DESTDIR's lib" \
	"$(echo " $libs " | grep -c -- "-L$lib -lrcode ")" 1

# A build with the sanitizers makes a library that needs them.
san=
nm -D "$lib/librcode.so.1" | grep -q __asan_init && san="-fsanitize=address,undefined"

# ---- every public header on its own -----------------------------------------
for h in librcode.h rcode_handler.h rcode.h rc_diag.h rc_xlate.h rc_abi.h; do
	printf '#include <rcode/%s>\n' "$h" >"$tmp/h.c"
	$cc -std=gnu11 -Wall -Wextra -Werror -fsyntax-only $cflags "$tmp/h.c" \
		>"$tmp/h.log" 2>&1
	expect_eq "<rcode/$h> compiles on its own" $? 0 || head -n 5 "$tmp/h.log"
done

# ---- a program -----------------------------------------------------------------
cat >"$tmp/app.c" <<'C'
/* Load, verify, translate (plan) and run a handler; parse a hosts file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rcode/librcode.h>
#include <rcode/rcode_handler.h>

static const char text[] =
	".handler inc\n.portal 4\n.state n\n"
	"\tpush 1\n\txadds n\n\tpop\n\tldh tag\n\tpush 1\n\tadd\n\tsth tag\n\treply\n";
static const char hosts[] = "0 198.18.0.1\n1 198.18.0.2 7200 02:00:00:00:00:01\n";

int main(void)
{
	struct rc_prog *p = rc_prog_new();
	struct rc_verinfo *vi = calloc(1, sizeof(*vi));
	struct rc_xlate_plan plan;
	struct rcode_rank_addr *t = NULL;
	struct rc_msg m = { .hdr = { .version = 1, .portal = 4, .tag = 41 } };
	uint64_t state[1] = { 0 };
	struct rc_env env = { .state = state };
	struct rc_result res;
	struct rc_diags d;
	unsigned int n = 0;
	char *listing = NULL;
	int err;

	rc_diags_init(&d);
	err = rc_asm("inc.r", text, p, &d) ?: rc_verify(p, vi, &d) ?:
	      rc_xlate_plan(p, vi, &plan, &d) ?: rc_run(p, &m, &env, &res) ?:
	      rc_disasm(p, NULL, &listing) ?:
	      rcode_ranks_parse_text("job.hosts", hosts, &t, &n, &d);
	rc_diags_print(&d, stderr);
	if (!err)
		printf("%s %s tag=%u n=%llu ranks=%u port=%u tc=%d\n", p->name,
		       rc_action_name(res.action), m.hdr.tag,
		       (unsigned long long)state[0], n, t[1].port, vi->needs_tc);
	free(listing);
	free(t);
	free(vi);
	rc_prog_free(p);
	rc_diags_free(&d);
	return err ? 1 : 0;
}
C
want="inc reply tag=42 n=1 ranks=2 port=7200 tc=0"
# shellcheck disable=SC2086
$cc -std=gnu11 -Wall -Wextra -Werror $san -o "$tmp/app" "$tmp/app.c" $cflags $libs \
	>"$tmp/cc.log" 2>&1
expect_eq "a program builds with pkg-config --cflags --libs" $? 0 || head "$tmp/cc.log"
expect_eq "... runs against DESTDIR's librcode.so.1" \
	"$(LD_LIBRARY_PATH="$lib" "$tmp/app" 2>&1)" "$want"
expect_eq "... which is the one it loads" \
	"$(LD_LIBRARY_PATH="$lib" ldd "$tmp/app" | grep -c "$lib/librcode.so.1")" 1
slibs=$(pkg-config --static --libs librcode | sed 's/-lrcode/-l:librcode.a/')
# shellcheck disable=SC2086
$cc -std=gnu11 -Wall -Wextra -Werror $san -o "$tmp/app_static" "$tmp/app.c" $cflags \
	$slibs >"$tmp/cc.log" 2>&1
expect_eq "a program builds with librcode.a and pkg-config --static" $? 0 ||
	head "$tmp/cc.log"
expect_eq "... runs" "$("$tmp/app_static" 2>&1)" "$want"
expect_eq "... without librcode.so" \
	"$(ldd "$tmp/app_static" | grep -c librcode)" 0

# The example of docs/userlib.md (section 3) builds as it is written.
sed -n '/^<!-- example: count.c -->$/,/^```$/p' "$top/docs/userlib.md" |
	sed '1,2d;$d' >"$tmp/count.c"
expect_eq "docs/userlib.md has its example" "$(grep -c '^int main' "$tmp/count.c")" 1
# shellcheck disable=SC2086
$cc -std=gnu11 -Wall -Wextra -Werror $san -o "$tmp/count" "$tmp/count.c" $cflags \
	$libs >"$tmp/cc.log" 2>&1
expect_eq "docs/userlib.md's example builds" $? 0 || head "$tmp/cc.log"

# A C++ program: the headers give the library's functions C linkage.
if command -v "${CXX:-g++}" >/dev/null 2>&1; then
	cat >"$tmp/app.cc" <<'CC'
#include <cstdio>
#include <rcode/librcode.h>
#include <rcode/rcode_handler.h>
int main()
{
	struct rc_prog *p = rc_prog_new();
	struct rc_diags d;
	rc_diags_init(&d);
	int err = rc_asm("c++.r", ".handler cxx\n.portal 4\n\tpass\n", p, &d);
	std::printf("%s %s\n", err ? "error" : p->name, rc_action_name(RC_ACT_REPLY));
	rc_diags_free(&d);
	rc_prog_free(p);
	return err;
}
CC
	# shellcheck disable=SC2086
	"${CXX:-g++}" -Wall -Wextra -Werror $san -o "$tmp/app_cc" "$tmp/app.cc" \
		$cflags $libs >"$tmp/cxx.log" 2>&1
	expect_eq "a C++ program builds and links (extern \"C\")" $? 0 ||
		head "$tmp/cxx.log"
	expect_eq "... and runs" "$(LD_LIBRARY_PATH="$lib" "$tmp/app_cc" 2>&1)" \
		"cxx reply"
else
	skip "C++ linkage" "needs ${CXX:-g++}"
fi

# The library carries the BPF objects it loads (the dispatcher, the
# interpreter) and nothing of the tests' and benchmarks' own.
expect_eq "librcode.so embeds rc_dispatch and rc_interp only" \
	"$(strings "$lib/librcode.so.$version" | grep -x '[a-z_0-9]*\.bpf\.o' | sort -u |
		tr '\n' ' ')" "rc_dispatch.bpf.o rc_interp.bpf.o "

# ---- what the shared library exports ---------------------------------------------
sed -n 's/^[[:space:]]*\([a-z_0-9][a-z_0-9]*\);.*/\1/p' "$top/userlib/librcode.map" |
	sort >"$tmp/map"
nm -D --defined-only "$lib/librcode.so.1" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' |
	grep -v '^RCODE_' >"$tmp/nm"
sed 's/@.*//' "$tmp/nm" | sort >"$tmp/exported"
expect_eq "every export is versioned RCODE_1.0" \
	"$(grep -vc '@@RCODE_1.0$' "$tmp/nm")" 0
expect_eq "nothing exported that the map does not list" \
	"$(comm -23 "$tmp/exported" "$tmp/map" | tr '\n' ' ')" ""
expect_eq "everything the map lists is exported" \
	"$(comm -13 "$tmp/exported" "$tmp/map" | tr '\n' ' ')" ""
expect_eq "the map lists something" "$(test -s "$tmp/map" && echo yes)" yes

# The functions the installed headers declare (gcc -aux-info writes every
# prototype with the file it came from), against the exports: a header
# must not promise what the library does not have, nor the library export
# what no header declares.
printf '#include <rcode/librcode.h>\n#include <rcode/rcode_handler.h>\n' >"$tmp/all.c"
# shellcheck disable=SC2086
$cc -std=gnu11 $cflags -aux-info "$tmp/aux" -c "$tmp/all.c" -o "$tmp/all.o" \
	>/dev/null 2>&1
if [ -s "$tmp/aux" ]; then
	grep "^/\* $inc/" "$tmp/aux" | grep -v ' static ' |
		sed 's/^.*[ *]\([a-z_0-9]*\) (.*/\1/' | sort -u >"$tmp/declared"
	grep -v '^rc_optable$' "$tmp/exported" >"$tmp/exported_fns"
	expect_eq "every exported function is declared in an installed header" \
		"$(comm -13 "$tmp/declared" "$tmp/exported_fns" | tr '\n' ' ')" ""
	expect_eq "every function the installed headers declare is exported" \
		"$(comm -23 "$tmp/declared" "$tmp/exported_fns" | tr '\n' ' ')" ""
else
	skip "declared functions" "needs gcc's -aux-info"
fi

# ldconfig runs for the real root only (a dry run: nothing is installed).
expect_eq "make -n install without DESTDIR runs ldconfig" \
	"$(make -n -C "$top" --no-print-directory BUILD="$build" $sanmake DESTDIR= \
		PREFIX="$tmp/nowhere" install 2>/dev/null | grep -cx ldconfig)" 1
expect_eq "make -n install with DESTDIR does not" \
	"$(make -n -C "$top" --no-print-directory BUILD="$build" $sanmake DESTDIR="$dest" \
		PREFIX="$prefix" install 2>/dev/null | grep -cx ldconfig)" 0

# ---- make uninstall: nothing of it stays ----------------------------------------
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
make -C "$top" --no-print-directory BUILD="$build" $sanmake DESTDIR="$dest" \
	PREFIX="$prefix" uninstall >"$tmp/uninstall.log" 2>&1
expect_eq "make uninstall DESTDIR=... PREFIX=$prefix" $? 0 ||
	tail -n 20 "$tmp/uninstall.log"
expect_eq "uninstall leaves no file or link" \
	"$(find "$dest" ! -type d | sed "s|^$dest||" | tr '\n' ' ')" ""
expect_eq "uninstall removes rcode's own directories" \
	"$(find "$dest" -type d \( -name rcode -o -name examples \) | wc -l)" 0
make -C "$top" --no-print-directory BUILD="$build" $sanmake DESTDIR="$dest" \
	PREFIX="$prefix" uninstall >"$tmp/uninstall.log" 2>&1
expect_eq "make uninstall again (nothing there) succeeds" $? 0
rc_exit
