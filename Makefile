# A thin wrapper over Meson for the commands people try first.
#
#   make                build ./build (configuring it on first use)
#   make demo           build, then run examples/demo.sh
#   make test           bootstrap, build ./build and ./build-san (ASan+UBSan),
#                       run every test on both (tests/run)
#   make test-quick     ./build only
#   make check-valgrind ./build, with strata run under valgrind
#   make fuzz           each libFuzzer harness for FUZZ_SECONDS (30)
#   make clean          remove both build directories
#
# scripts/bootstrap installs missing Debian packages (or says how); it is
# quick when everything is there.

MESON ?= meson
NINJA ?= ninja
BUILD ?= build
BUILD_SAN ?= build-san

.PHONY: all demo test test-quick check-valgrind fuzz clean bootstrap build build-san

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

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
