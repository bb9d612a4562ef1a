# A thin wrapper over Meson for the commands people try first.
#
#   make                build ./build (configuring it on first use)
#   make demo           build, then run examples/demo.sh
#   make test           bootstrap, build ./build and ./build-san (ASan+UBSan),
#                       run every test on both (tests/run)
#   make test-quick     ./build only
#   make check-valgrind ./build, with strata run under valgrind
#   make fuzz           each libFuzzer harness for FUZZ_SECONDS (30)
#   make install        build ./build-release (no test seams) and install it
#                       under PREFIX (/usr/local), into DESTDIR when set
#   make uninstall      remove what the last `make install` installed
#   make dist           a release tarball (meson dist: builds and tests it)
#   make clean          remove the build directories
#
# scripts/bootstrap installs missing Debian packages (or says how); it is
# quick when everything is there.

MESON ?= meson
NINJA ?= ninja
BUILD ?= build
BUILD_SAN ?= build-san
BUILD_RELEASE ?= build-release
PREFIX ?= /usr/local

.PHONY: all demo test test-quick check-valgrind fuzz clean bootstrap build build-san \
	build-release install uninstall dist

all: build

bootstrap:
	@scripts/bootstrap

# A directory without build.ninja is a setup that failed half-way: start over.
# Both are test builds: the STRATA_FAULT seam is compiled in (-Dfault_injection,
# also turned on in a build directory set up before the option existed).
build: bootstrap
	@test -f $(BUILD)/build.ninja || { rm -rf $(BUILD) && $(MESON) setup $(BUILD) -Dfault_injection=true; }
	@$(MESON) configure $(BUILD) | grep -Eq '^ *fault_injection +true' || \
		$(MESON) setup --reconfigure $(BUILD) -Dfault_injection=true
	$(NINJA) -C $(BUILD)

build-san: bootstrap
	@test -f $(BUILD_SAN)/build.ninja || { rm -rf $(BUILD_SAN) && \
		$(MESON) setup $(BUILD_SAN) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dfault_injection=true; }
	@$(MESON) configure $(BUILD_SAN) | grep -Eq '^ *fault_injection +true' || \
		$(MESON) setup --reconfigure $(BUILD_SAN) -Dfault_injection=true
	$(NINJA) -C $(BUILD_SAN)

demo: all
	sh examples/demo.sh

test: build build-san
	tests/run $(BUILD) $(BUILD_SAN)

test-quick: build
	tests/run $(BUILD)

check-valgrind: build
	STRATA_VALGRIND=1 tests/run $(BUILD)

# libFuzzer harnesses over every parser of outside input (clang); FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
fuzz: bootstrap
	fuzz/run $(FUZZ_SECONDS)

# What is installed or shipped is a release build: the test builds above
# carry the STRATA_FAULT seam. PREFIX is applied on every run, so
# `make install PREFIX=...` after an earlier one installs where it says.
build-release: bootstrap
	@test -f $(BUILD_RELEASE)/build.ninja || { rm -rf $(BUILD_RELEASE) && \
		$(MESON) setup $(BUILD_RELEASE) --buildtype=release -Dfault_injection=false \
		--prefix=$(PREFIX); }
	@$(MESON) configure $(BUILD_RELEASE) -Dprefix=$(PREFIX) -Dfault_injection=false
	$(NINJA) -C $(BUILD_RELEASE)

# DESTDIR (staged installs, packaging) is read by meson install itself.
install: build-release
	$(MESON) install -C $(BUILD_RELEASE) --no-rebuild

# Meson's uninstall removes exactly what its install log lists: the files
# of the last install from $(BUILD_RELEASE), nothing else.
uninstall:
	@test -f $(BUILD_RELEASE)/meson-logs/install-log.txt || \
		{ echo "make uninstall: nothing installed from $(BUILD_RELEASE)" >&2; exit 1; }
	$(NINJA) -C $(BUILD_RELEASE) uninstall

# A tarball of the committed tree (meson dist refuses uncommitted changes),
# which meson unpacks, builds and tests before it is kept, in
# $(BUILD_RELEASE)/meson-dist/.
dist: build-release
	$(MESON) dist -C $(BUILD_RELEASE) --formats xztar

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_RELEASE)
