#!/bin/sh
#
# fuzz/build.sh: build the libFuzzer harnesses (fuzz/fuzz_*.c) with clang.
#
#   fuzz/build.sh [OUTDIR]        default OUTDIR: fuzz/out
#
# Not through Meson: Meson's sanitizer build uses the project's compiler
# (gcc), and libFuzzer is clang's. The library sources are compiled once
# here, with ASan + UBSan and fuzzer coverage, into OUTDIR/libstrata-fuzz.a;
# each harness links what it needs from it.
#
# A library file or harness that does not compile (another piece of work in
# progress) is reported and left out; the others are still built. The names
# of the harnesses built are written to OUTDIR/harnesses, one a line.
# Exit status: 0 when every harness built (or was skipped for a missing
# piece), 1 otherwise; 1 too when clang or libFuzzer is missing, with the
# command that installs them.
#
# Environment: CC_FUZZ (default clang), FUZZ_CFLAGS (added to the flags).

set -u

here=$(cd "$(dirname "$0")" && pwd -P)
src=$(cd "$here/.." && pwd -P)
out=${1:-$here/out}
cc=${CC_FUZZ:-clang}

die() {
	echo "fuzz/build.sh: $*" >&2
	exit 1
}

mkdir -p "$out/obj" || die "cannot create $out"
# No list, no run: fuzz/run must not pick up the harnesses of an older build.
: >"$out/harnesses"

command -v "$cc" >/dev/null 2>&1 ||
	die "$cc not found: the harnesses need clang and libFuzzer (apt-get install clang libclang-rt-14-dev)"

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# -fno-sanitize=function: libFuzzer's callbacks are fine; nothing else here
# calls through a mis-typed pointer that UBSan's function check would see.
cflags="-std=c11 -g -O1 -fno-omit-frame-pointer $san -fsanitize=fuzzer-no-link \
-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I$src/include -I$src/lib \
$(pkg-config --cflags libpq sqlite3 jansson libcrypto 2>/dev/null) ${FUZZ_CFLAGS-}"
# lib/dl.c loads libpq and libpg_query by soname, as meson.build finds them.
for l in pq:LIBPQ pg_query:LIBPG_QUERY; do
	soname=$("$src/scripts/soname" "${l%%:*}" "$cc") || die "cannot find the soname of lib${l%%:*}.so (scripts/soname)"
	cflags="$cflags -DSTRATA_${l#*:}_SONAME=\"$soname\""
done
libs="-lsqlite3 -lpq -lcrypto -ljansson -lpg_query -lpthread -lm"

# libFuzzer itself: a one-line harness must link, or nothing will.
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
	>"$out/obj/probe.c"
if ! $cc -fsanitize=fuzzer,address "$out/obj/probe.c" -o "$out/obj/probe" 2>"$out/obj/probe.err"; then
	sed 's/^/    /' "$out/obj/probe.err" >&2
	die "$cc cannot link libFuzzer programs (apt-get install libclang-rt-14-dev)"
fi

# --- the library ---------------------------------------------------------

# compile FILE [FLAGS]: FILE.c -> obj/FILE.o, unless the object is newer
# than the file and every header (and was built with the same flags);
# 0 on success.
compile() {
	f=$1
	shift
	o=$out/obj/$(basename "$f" .c).o
	if [ -f "$o" ] && [ ! "$src/$f" -nt "$o" ] && [ ! "$out/obj/newest.h" -nt "$o" ] &&
		[ "$(cat "$o.flags" 2>/dev/null)" = "$cflags $*" ]; then
		return 0
	fi
	rm -f "$o"
	# shellcheck disable=SC2086 # flag lists are word lists
	if $cc $cflags "$@" -c "$src/$f" -o "$o" 2>"$o.err"; then
		echo "$cflags $*" >"$o.flags"
		return 0
	fi
	echo "fuzz/build.sh: $f does not compile; left out:" >&2
	head -n 5 "$o.err" | sed 's/^/    /' >&2
	rm -f "$o"
	return 1
}

# A stand-in for "the newest header": a copy dated like it.
newest=$(ls -t "$src"/lib/*.h "$src"/include/*.h "$src"/src/*.h 2>/dev/null | head -n 1)
touch -r "$newest" "$out/obj/newest.h"
# Objects of files that are gone must not stay in the archive.
for o in "$out"/obj/*.o; do
	[ -f "$o" ] || continue
	[ -f "$src/lib/$(basename "$o" .o).c" ] || rm -f "$o"
done
rm -f "$out/libstrata-fuzz.a"
for f in "$src"/lib/*.c; do
	f=lib/${f##*/}
	compile "$f" || :
done
ar rcs "$out/libstrata-fuzz.a" "$out"/obj/*.o || die "ar failed"

# --- the harnesses -------------------------------------------------------

built=0
broken=0
for h in "$here"/fuzz_*.c; do
	[ -f "$h" ] || continue
	name=$(basename "$h" .c)
	# A harness may say what it needs on a line "// needs: SYMBOL": it is
	# skipped (not failed) when the library lacks that symbol.
	need=$(sed -n 's,^// needs: *,,p' "$h")
	skip=
	for sym in $need; do
		if ! nm "$out/libstrata-fuzz.a" 2>/dev/null | grep -q " [TDR] $sym\$"; then
			skip=$sym
			break
		fi
	done
	if [ -n "$skip" ]; then
		echo "fuzz/build.sh: $name skipped: the library has no $skip (yet)"
		continue
	fi
	# shellcheck disable=SC2086
	if $cc $cflags -fsanitize=fuzzer -I"$src/src" "$h" "$out/libstrata-fuzz.a" $libs \
		-o "$out/$name" 2>"$out/obj/$name.err"; then
		echo "$name" >>"$out/harnesses"
		built=$((built + 1))
	else
		echo "fuzz/build.sh: $name does not build:" >&2
		head -n 10 "$out/obj/$name.err" | sed 's/^/    /' >&2
		broken=$((broken + 1))
	fi
done
[ "$built" -gt 0 ] || die "no harness built"
if [ "$broken" = 0 ]; then
	echo "fuzz/build.sh: $built harnesses in $out"
else
	echo "fuzz/build.sh: $built harnesses in $out, $broken did not build" >&2
fi
[ "$broken" = 0 ]
