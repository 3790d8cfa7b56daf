# caveat — the two commands of the README:
#   make demo   installs what is missing (Debian 12), builds, and runs `caveat check` on the
#               example queries with the embedded default pack
#   make test   installs what is missing, builds, and runs every test: the suite, the suite again
#               under AddressSanitizer + UndefinedBehaviorSanitizer, the suite's programs under
#               valgrind memcheck, the fuzzers for a bounded time, the static analysers
#               (cppcheck, clang-tidy) and the release-hardening check. CI (.ci/run) runs exactly
#               `make test`.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= 2
FUZZ_SECONDS ?= 30
DEB_PACKAGES := build-essential cmake pkg-config clang libclang-rt-14-dev libgeos-dev libproj-dev \
	proj-data libjansson-dev valgrind cppcheck clang-tidy clang-format python3 libxml2-utils jq \
	gdal-bin locales libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils

.PHONY: setup build demo test test-suite test-sanitize test-valgrind fuzz lint-c format-check \
	hardening bench clean

setup:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	$(BUILD)/caveat check examples/queries.ndjson || [ $$? -eq 1 ]

test-suite: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-sanitize: setup
	CC=clang cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DCAV_ASAN=ON -DCAV_UBSAN=ON \
	  >/dev/null
	cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && CAV_GEO_POINTS=100000 ASAN_OPTIONS=detect_leaks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

test-valgrind: build
	tests/valgrind.sh $(BUILD)

fuzz: setup
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# The project's own C code (not the generated boundary tables) must be clean under both.
C_SOURCES = $(filter-out src/geo/borders_data.c src/geo/regions_data.c,$(wildcard src/*/*.c))
lint-c: build
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
	  --inline-suppr -I include -I src $(C_SOURCES)
	cmake -S . -B $(BUILD) -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
	echo $(C_SOURCES) | xargs -n 4 -P $(JOBS) clang-tidy -p $(BUILD) --quiet

# Every C file of ours (not the generated tables) in the layout of .clang-format.
FORMAT_FILES = $(filter-out src/geo/borders_data.c src/geo/regions_data.c,\
	$(wildcard src/*/*.c src/*/*.h include/*.h tests/*/*.c tests/*/*.h bench/*.c))
format-check: setup
	clang-format --dry-run --Werror $(FORMAT_FILES)

hardening: build
	tools/check-hardening.sh $(BUILD)/caveat

test: test-suite test-sanitize test-valgrind fuzz lint-c format-check hardening

bench: build
	$(BUILD)/bench_eval

clean:
	rm -rf $(BUILD) $(BUILD)-asan build-fuzz
