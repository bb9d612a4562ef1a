#!/bin/bash

test_description='the Debian packages build from a clean tree, unpack and work

dpkg-buildpackage -us -uc -b on a copy of the tree gives strata,
libstrata1 and libstrata-dev. They are unpacked with dpkg-deb -x into a
scratch root (the machine'"'"'s own dpkg database is never touched), where
strata runs and the example app builds against the packaged library
through pkg-config.'

test_engines=sqlite
test_builds=plain
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/migrations/basic

if command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null &&
   command -v dpkg-deb >/dev/null; then
	test_set_prereq DPKG
else
	echo "# dpkg-buildpackage or debhelper is missing (scripts/bootstrap installs dpkg-dev and debhelper): skipping"
fi

test_expect_success DPKG 'dpkg-buildpackage -us -uc -b builds the three packages from a clean copy' '
	mkdir pkg pkg/src &&
	if git -C "$SRCDIR" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$SRCDIR" && git ls-files -co --exclude-standard -z) >files &&
		(cd "$SRCDIR" && tar -cf - --null -T -) <files | tar -xf - -C pkg/src
	else
		(cd "$SRCDIR" && tar -cf - --exclude="./build*" --exclude=./.git .) | tar -xf - -C pkg/src
	fi &&
	test_path_is_missing pkg/src/build/build.ninja &&
	# nocheck: the unit tests run in every build of the tree already
	if ! (cd pkg/src && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
		dpkg-buildpackage -us -uc -b) >build.log 2>&1; then
		tail -40 build.log
		false
	fi &&
	ls pkg/*.deb | sed "s|.*/||; s|_.*||" | sort >actual &&
	printf "%s\n" libstrata-dev libstrata1 strata >expect &&
	test_cmp expect actual
'

test_expect_success DPKG 'the packages hold what they should, and depend right' '
	dpkg-deb -c pkg/strata_*.deb >strata.list &&
	test_grep "\./usr/bin/strata$" strata.list &&
	test_grep "\./usr/share/man/man1/strata-up\.1\.gz$" strata.list &&
	test_grep "\./usr/share/bash-completion/completions/strata$" strata.list &&
	test_grep "\./usr/share/zsh/vendor-completions/_strata$" strata.list &&
	test_grep "\./usr/share/fish/vendor_completions.d/strata.fish$" strata.list &&
	dpkg-deb -c pkg/libstrata1_*.deb >lib.list &&
	test_grep "/libstrata\.so\.1 -> libstrata\.so\.1\.0\.0$" lib.list &&
	! grep -q "\.a$\|\.h$\|bin/" lib.list &&
	dpkg-deb -c pkg/libstrata-dev_*.deb >dev.list &&
	test_grep "\./usr/include/strata\.h$" dev.list &&
	test_grep "/libstrata\.a$" dev.list &&
	test_grep "/pkgconfig/strata\.pc$" dev.list &&
	test_grep "/libstrata\.so -> libstrata\.so\.1$" dev.list &&
	dpkg-deb -f pkg/libstrata-dev_*.deb Depends >deps &&
	test_grep "libstrata1 (= " deps &&
	test_grep "libpq-dev" deps &&
	dpkg-deb -f pkg/libstrata1_*.deb Package >name &&
	echo libstrata1 >expect &&
	test_cmp expect name
'

test_expect_success DPKG 'unpacked into a scratch root: strata runs, its man page is there' '
	before=$(dpkg-query -W -f="\${Package}\n" 2>/dev/null | md5sum) &&
	for d in pkg/*.deb; do dpkg-deb -x "$d" root || return 1; done &&
	after=$(dpkg-query -W -f="\${Package}\n" 2>/dev/null | md5sum) &&
	test "$before" = "$after" &&
	"$STRATA" --version >expect &&
	root/usr/bin/strata --version >actual &&
	test_cmp expect actual &&
	root/usr/bin/strata -u "sqlite:$TRASH/pkg.db" -d "$BASIC" up >out &&
	"$STRATA" -u "sqlite:$TRASH/pkg.db" -d "$BASIC" status >out &&
	test_grep "^4 applied, 0 pending$" out &&
	MANPAGER=cat MANPATH=$TRASH/root/usr/share/man root/usr/bin/strata help up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^STRATA-UP(1) " out
'

test_expect_success DPKG 'the example app builds against the packaged library (pkg-config)' '
	pc=$(find root -name strata.pc) &&
	libdir=$TRASH/$(dirname "$(dirname "$pc")") &&
	PKG_CONFIG_SYSROOT_DIR=$TRASH/root PKG_CONFIG_PATH=$libdir/pkgconfig \
		pkg-config --cflags --libs strata >flags &&
	test_grep -- "-I$TRASH/root/usr/include" flags &&
	cc -std=c11 -Wall -Wextra -Werror -o app "$SRCDIR/examples/app/main.c" $(cat flags) &&
	readelf -d app >dyn &&
	test_grep "NEEDED.*\[libstrata.so.1\]" dyn &&
	LD_LIBRARY_PATH=$libdir ./app "sqlite:$TRASH/app.db" "$BASIC" >out 2>err &&
	test_grep "schema up to date (4 applied now), serving" out &&
	nm -g --defined-only "$libdir/libstrata.a" | awk "NF == 3 && \$3 !~ /^strata_/" >leaks &&
	test_must_be_empty leaks &&
	nm -D --defined-only "$libdir/libstrata.so.1.0.0" | awk "NF == 3 && \$3 !~ /^strata_/" >leaks &&
	test_must_be_empty leaks
'

test_expect_success DPKG 'the build left the copy clean (debian/rules clean)' '
	(cd pkg/src && debian/rules clean) >clean.log 2>&1 &&
	test_path_is_missing pkg/src/obj-$(dpkg-architecture -qDEB_HOST_GNU_TYPE) &&
	test_path_is_missing pkg/src/debian/strata &&
	test_path_is_missing pkg/src/debian/libstrata1
'

test_done
