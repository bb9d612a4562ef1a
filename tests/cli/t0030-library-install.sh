#!/bin/bash

test_description='libstrata installs as a library applications can build against

meson install into a scratch root gives libstrata.so.1, libstrata.a,
strata.h and strata.pc. The example app is built through pkg-config against
the shared and the static library and migrates a database; the header
compiles as pedantic C11 and as C++; and nothing but strata_* is global in
either library, so an application with its own db_error() links cleanly.'

test_engines=sqlite
test_builds=plain
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/migrations/basic
export PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH

# A sanitizer build's objects need the sanitizer runtime linked in too.
san=$(meson introspect --buildoptions "$BUILD_DIR" 2>/dev/null |
	jq -r '.[] | select(.name == "b_sanitize") | .value')
case $san in ""|none) SANFLAGS= ;; *) SANFLAGS=-fsanitize=$san ;; esac

# pkg-config --static --libs strata, less -lstrata (the archive is named
# by path) and less the -l of libraries not installed: Debian's libpq.pc
# lists -lpgcommon -lpgport -lgssapi_krb5 for a static libpq that Debian
# does not ship; our own Requires.private and Libs.private are all kept.
static_libs() {
	for f in $(pkg-config --static --libs-only-other --libs-only-l strata); do
		case $f in
		-lstrata) ;;
		-l*)
			l=${f#-l}
			case $(cc -print-file-name="lib$l.so") in
			*/*) echo "$f" ;;
			*) case $(cc -print-file-name="lib$l.a") in */*) echo "$f" ;; esac ;;
			esac ;;
		*) echo "$f" ;;
		esac
	done
}

# The defined global symbols of a library that are not strata_*.
foreign_globals() {
	nm "$@" -g --defined-only "$1" | awk 'NF == 3 && $3 !~ /^strata_/ { print $3 }'
}

test_expect_success 'meson install puts the library, header and strata.pc in a root' '
	meson install -C "$BUILD_DIR" --no-rebuild --destdir "$TRASH/root" >log 2>&1 &&
	pc=$(find root -name strata.pc) &&
	test -n "$pc" &&
	libdir=$(dirname "$(dirname "$pc")") &&
	echo "$libdir" >libdir &&
	test -f "$libdir/libstrata.a" &&
	test -f "$libdir/libstrata.so.1.0.0" &&
	test "$(readlink "$libdir/libstrata.so.1")" = libstrata.so.1.0.0 &&
	test "$(readlink "$libdir/libstrata.so")" = libstrata.so.1 &&
	find root -path "*/include/strata.h" | grep -q . &&
	readelf -d "$libdir/libstrata.so.1.0.0" >dyn &&
	test_grep "Library soname: \[libstrata.so.1\]" dyn
'

test_expect_success 'pkg-config reads strata.pc: version, flags, static libs' '
	libdir=$(cat libdir) &&
	PKG_CONFIG_SYSROOT_DIR=$TRASH/root &&
	PKG_CONFIG_PATH=$(cd "$libdir/pkgconfig" && pwd) &&
	echo "strata $(pkg-config --modversion strata)" >expect &&
	"$STRATA" --version >actual &&
	test_cmp expect actual &&
	pkg-config --cflags strata >cflags &&
	test_grep "^-I$TRASH/root/.*/include" cflags &&
	pkg-config --libs strata >libs &&
	test_grep -- "-lstrata" libs &&
	! grep -q -- "-lpg_query" libs &&
	pkg-config --static --libs strata >slibs &&
	test_grep -- "-lsqlite3" slibs &&
	test_grep -- "-ljansson" slibs &&
	test_grep -- "-lcrypto" slibs &&
	! grep -q -e "-lpq\>" -e "-lpg_query" slibs
'

test_expect_success 'libstrata.so loads libpq and libpg_query on first use, not at start' '
	libdir=$(cat libdir) &&
	readelf -d "$libdir/libstrata.so.1.0.0" >dyn &&
	test_grep "NEEDED.*libsqlite3" dyn &&
	! grep -e "NEEDED.*libpq" -e "NEEDED.*libpg_query" -e "NEEDED.*microhttpd" dyn &&
	readelf -d "$STRATA" >dyn &&
	! grep -e "NEEDED.*libpq" -e "NEEDED.*libpg_query" -e "NEEDED.*microhttpd" dyn
'

test_expect_success 'the example app builds against the shared library and migrates' '
	libdir=$(cat libdir) &&
	PKG_CONFIG_SYSROOT_DIR=$TRASH/root &&
	PKG_CONFIG_PATH=$(cd "$libdir/pkgconfig" && pwd) &&
	cc -std=c11 -Wall -Wextra -Werror $SANFLAGS -o app-shared "$SRCDIR/examples/app/main.c" \
		$(pkg-config --cflags --libs strata) &&
	readelf -d app-shared >dyn &&
	test_grep "NEEDED.*\[libstrata.so.1\]" dyn &&
	LD_LIBRARY_PATH=$libdir ./app-shared "sqlite:$TRASH/shared.db" "$BASIC" >out 2>err &&
	test_grep "schema up to date (4 applied now), serving" out &&
	"$STRATA" -u "sqlite:$TRASH/shared.db" -d "$BASIC" status >out &&
	test_grep "^4 applied, 0 pending$" out
'

test_expect_success 'the example app builds against the static library (pkg-config --static)' '
	libdir=$(cat libdir) &&
	PKG_CONFIG_SYSROOT_DIR=$TRASH/root &&
	PKG_CONFIG_PATH=$(cd "$libdir/pkgconfig" && pwd) &&
	cc -std=c11 -Wall -Wextra -Werror $SANFLAGS -o app-static "$SRCDIR/examples/app/main.c" \
		$(pkg-config --cflags strata) "$libdir/libstrata.a" \
		$(static_libs) &&
	readelf -d app-static >dyn &&
	! grep -q "libstrata" dyn &&
	./app-static "sqlite:$TRASH/static.db" "$BASIC" >out 2>err &&
	test_grep "schema up to date (4 applied now), serving" out
'

test_expect_success 'strata.h compiles as pedantic C11 and as C++' '
	libdir=$(cat libdir) &&
	inc=$(dirname "$(find root -path "*/include/strata.h")") &&
	cat >hdr.c <<-\EOF &&
	#include <strata.h>
	#include <stdio.h>
	#include <string.h>
	#if STRATA_VERSION_NUMBER != (STRATA_VERSION_MAJOR << 16 | STRATA_VERSION_MINOR << 8 | STRATA_VERSION_PATCH)
	#error STRATA_VERSION_NUMBER does not match its parts
	#endif
	int main(void)
	{
		strata_config cfg = STRATA_CONFIG_INIT;
		(void)cfg;
		printf("%s %06x\n", strata_libversion(), STRATA_VERSION_NUMBER);
		return strcmp(strata_libversion(), STRATA_VERSION) != 0;
	}
	EOF
	cc -std=c11 -pedantic -Wall -Wextra -Werror $SANFLAGS -I"$inc" -o hdr-c hdr.c \
		-L"$libdir" -lstrata &&
	cp hdr.c hdr.cc &&
	g++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" hdr.cc &&
	g++ -std=c++17 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$inc" hdr.cc &&
	LD_LIBRARY_PATH=$libdir ./hdr-c >out &&
	v=$("$STRATA" --version | sed "s/^strata //") &&
	case $v in *.*.*) ;; *) false ;; esac &&
	printf "%s %02x%02x%02x\n" "$v" $(echo "$v" | tr . " ") >expect &&
	test_cmp expect out
'

test_expect_success 'only strata_* is global in libstrata.a and libstrata.so' '
	libdir=$(cat libdir) &&
	foreign_globals "$libdir/libstrata.a" >actual &&
	test_must_be_empty actual &&
	foreign_globals "$libdir/libstrata.so.1.0.0" -D >actual &&
	test_must_be_empty actual &&
	nm -g --defined-only "$libdir/libstrata.a" >syms &&
	test_grep " T strata_up$" syms &&
	test_grep " T strata_libversion$" syms &&
	nm -D --defined-only "$libdir/libstrata.so.1.0.0" >syms &&
	test_grep " T strata_up$" syms &&
	# the check sees a leak: the uninstalled archive has the internal names
	foreign_globals "$BUILD_DIR/libstrata_objs.a" >leaks &&
	test_grep "^db_error$" leaks
'

test_expect_success 'an application defining db_error and version_cmp links with libstrata.a' '
	libdir=$(cat libdir) &&
	PKG_CONFIG_SYSROOT_DIR=$TRASH/root &&
	PKG_CONFIG_PATH=$(cd "$libdir/pkgconfig" && pwd) &&
	cat >clash.c <<-\EOF &&
	#include <strata.h>
	#include <stdio.h>
	#include <string.h>
	/* names libstrata uses inside: the application'"'"'s own must win */
	int db_error(void) { return 42; }
	int version_cmp(const char *a, const char *b) { return strcmp(a, b) + 100; }
	int main(void)
	{
		printf("%d %d %s\n", db_error(), version_cmp("a", "a"), strata_strerror(STRATA_ENOMEM));
		return 0;
	}
	EOF
	cc -std=c11 $SANFLAGS -o clash clash.c $(pkg-config --cflags strata) "$libdir/libstrata.a" \
		$(static_libs) &&
	./clash >out &&
	echo "42 100 out of memory" >expect &&
	test_cmp expect out &&
	# and it would clash with the archive that was not localized
	test_must_fail cc -std=c11 $SANFLAGS -o clash2 clash.c $(pkg-config --cflags strata) \
		-Wl,--whole-archive "$BUILD_DIR/libstrata_objs.a" -Wl,--no-whole-archive \
		$(static_libs) 2>err &&
	test_grep "multiple definition of .db_error" err
'

test_expect_success 'scripts/localize-static: usage and a missing archive are errors' '
	test_expect_code 2 "$SRCDIR/scripts/localize-static" only-one 2>err &&
	test_grep "^usage: " err &&
	test_must_fail "$SRCDIR/scripts/localize-static" nope.a out.a 2>err &&
	test_path_is_missing out.a &&
	test -s err
'

test_expect_success 'make install, then make uninstall: a release build, into DESTDIR' '
	# the scratch root of the tests above is no place to find libpq in
	unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH &&
	if ! make -C "$SRCDIR" install BUILD_RELEASE="$TRASH/rel" PREFIX=/opt/strata \
		DESTDIR="$TRASH/stage" >make.log 2>&1; then
		tail -30 make.log
		false
	fi &&
	meson configure rel >conf &&
	grep -Eq "^ *fault_injection +false" conf &&
	test -x stage/opt/strata/bin/strata &&
	stage/opt/strata/bin/strata --version >actual &&
	"$STRATA" --version >expect &&
	test_cmp expect actual &&
	find stage -name libstrata.a | grep -q . &&
	find stage -name strata.pc | grep -q . &&
	find stage -name strata-up.1 | grep -q . &&
	make -C "$SRCDIR" uninstall BUILD_RELEASE="$TRASH/rel" DESTDIR="$TRASH/stage" >make.log 2>&1 &&
	test_path_is_missing stage/opt/strata/bin/strata &&
	if test -d stage; then find stage ! -type d >left; else : >left; fi &&
	test_must_be_empty left
'

test_expect_success 'make uninstall with nothing installed: an error, nothing removed' '
	test_must_fail make -C "$SRCDIR" uninstall BUILD_RELEASE="$TRASH/none" >out 2>err &&
	test_grep "nothing installed from $TRASH/none" err
'

test_done
