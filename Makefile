# caveat — the two commands of the README:
#   make demo   installs what is missing (Debian 12), builds, and runs `caveat check` on the
#               example queries with the embedded default pack
#   make python installs what is missing, builds, and installs the Python package `caveat` for
#               Debian's /usr/bin/python3 (docs/python.md)
#   make test   installs what is missing, builds, and runs every test: the suite, the suite again
#               under AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer, the
#               suite's programs under valgrind memcheck, the fuzzers for a bounded time, the
#               static analysers (cppcheck, clang-tidy), the layout and the release-hardening
#               checks. CI (.ci/run) runs exactly `make test`.
# `make build` only builds: installing is `make setup`'s job (and demo's and test's).
SHELL := /bin/bash
BUILD ?= build
JOBS ?= 2
FUZZ_SECONDS ?= 30
# Debian 12 packages the build and the tests need.
DEB_PACKAGES := build-essential dpkg-dev file cmake pkg-config clang libclang-rt-14-dev \
	libgeos-dev libproj-dev proj-data libjansson-dev libssl-dev libgeographiclib-dev \
	libmicrohttpd-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core libjs-leaflet tzdata \
	valgrind cppcheck clang-tidy clang-format python3 libxml2-utils jq gdal-bin locales \
	chromium curl wrk nginx python3-jsonschema poppler-utils \
	python3-dev python3-numpy python3-pandas python3-geopandas python3-dask python3-distributed \
	python3-pytest python3-matplotlib
# Node and npm: Debian's nodejs and npm, unless a node with its npm is already installed (as
# NodeSource's nodejs, which conflicts with Debian's npm package).
NODE_PACKAGES := $(if $(shell command -v npm),,nodejs npm)
# Directories with a package.json whose npm packages tests use (installed with `npm ci`).
NPM_DIRS := tests/csv-spectrum tests/json-suite bench/cedar tests/web

.PHONY: setup setup-apt setup-npm build demo deb python test test-suite test-sanitize test-tsan \
	test-valgrind fuzz lint-c format-check hardening bench bench-python clean

setup: setup-apt setup-npm

setup-apt:
	@missing=$$(for p in $(DEB_PACKAGES) $(NODE_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

setup-npm: setup-apt
	@for d in $(NPM_DIRS); do \
	  if ! (cd $$d && npm ls --omit=dev >/dev/null 2>&1); then \
	    echo "npm ci in $$d"; (cd $$d && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
	  fi; \
	done

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo: setup
	$(MAKE) --no-print-directory build
	$(BUILD)/caveat check examples/queries.ndjson || [ $$? -eq 1 ]

# The Python package, built for and installed where Debian's /usr/bin/python3 finds it
# (/usr/local/lib/python3.11/dist-packages).
python: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS) --target caveat_python
	cmake --install $(BUILD) --component python

# The Debian package (CPack): build/caveat_VERSION_ARCH.deb
deb: build
	cd $(BUILD) && cpack -G DEB

test-suite: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# AddressSanitizer and UBSan in a Debug build: some ten times slower, like TSan below, so the
# load-scaling test gets the same CPU floor of 100 ms (a thousand erroneous rules took 30 ms
# there, and a linear load of ten times as many, 11.2 times that: the 20 ms floor left no margin)
test-sanitize:
	CC=clang CXX=clang++ cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DCAV_ASAN=ON \
	  -DCAV_UBSAN=ON >/dev/null
	cmake --build $(BUILD)-asan -j$(JOBS)
	cd $(BUILD)-asan && CAV_GEO_POINTS=100000 CAV_OOM_BUDGET=100 CAV_LOAD_FLOOR_MS=100 \
	  ASAN_OPTIONS=detect_leaks=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan-pango.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

# ThreadSanitizer over the whole suite, every test (7 minutes on two idle cores, build included).
# TSan makes our code some 5 to 15 times slower, so the tests of random cases run fewer of them,
# each still asserting what it asserts natively: fault injection tries 60 failure points per
# scenario (CAV_OOM_BUDGET), the differential test 100 random packs (CAV_DIFF_PACKS), the area
# test a quarter of its sample places (CAV_AREA_SCALE), the number reader 200,000 random cases
# (CAV_NUM_CASES), the geodesic reference 100 points a shape (CAV_GEO_REF_POINTS), the locator
# 100,000 points (CAV_GEO_POINTS), the locale test a quarter of its grids (CAV_LOCALE_COARSER),
# the audit property test 4 random logs (CAV_AUDIT_SEEDS), the service's property test 200 random
# queries (CAV_SERVE_CASES), and the load-scaling test one run of each measure with a CPU floor
# of 100 ms (CAV_LOAD_RUNS, CAV_LOAD_FLOOR_MS). The tests that run Python or Chromium run them
# uninstrumented, against the instrumented caveat.
TSAN_ENV := CAV_OOM_BUDGET=60 CAV_DIFF_PACKS=100 CAV_AREA_SCALE=4 CAV_NUM_CASES=200000 \
	CAV_GEO_REF_POINTS=100 CAV_GEO_POINTS=100000 CAV_LOCALE_COARSER=2 CAV_AUDIT_SEEDS=4 \
	CAV_SERVE_CASES=200 CAV_LOAD_RUNS=1 CAV_LOAD_FLOOR_MS=100
test-tsan:
	CC=clang CXX=clang++ cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCAV_TSAN=ON >/dev/null
	cmake --build $(BUILD)-tsan -j$(JOBS)
	cd $(BUILD)-tsan && $(TSAN_ENV) \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp \
	  ctest --output-on-failure -j$(JOBS)

test-valgrind: build
	tests/valgrind.sh $(BUILD)

fuzz:
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
	$(wildcard src/*/*.c src/*/*.h include/*.h tests/*/*.c tests/*/*.h bench/*.c examples/c/*.c))
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

hardening: build
	tools/check-hardening.sh $(BUILD)/caveat

test: setup
	$(MAKE) --no-print-directory test-suite test-sanitize test-tsan test-valgrind fuzz lint-c \
	  format-check hardening

bench: build
	bench/run.sh --no-build --build $(BUILD)

# decide_frame, the analyst's geopandas way, and Dask 2 workers vs 1 (bench/RESULTS-python.md)
bench-python: build
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 bench/bench_python.py --caveat $(BUILD)/caveat

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan build-fuzz
