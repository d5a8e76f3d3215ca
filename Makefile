# Thin wrapper over CMake.  `make run` and `make test` are the README's quick start.
BUILD       ?= build
CMAKE_FLAGS ?=
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
SCENARIO    ?= scenarios/default.json
DB          ?= results.db
PREFIX      ?= /usr/local

.PHONY: all deps build build-release run test test-asan fuzz valgrind bench install clean

all: build

# Install the missing Debian packages (build, tests, plots); nothing when all are found.
deps:
	@bash .ci/install-deps

# Builds without asking for packages when pkg-config finds the libraries (a
# cluster node without root); only something missing runs the installer.
build:
	@bash .ci/install-deps --build
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: the default scenario on the shipped trace, then plots and the summary.
run: deps build
	rm -f $(DB)
	./$(BUILD)/edgesim run $(SCENARIO) -o $(DB)
	./$(BUILD)/edgesim plot $(DB) -o plots

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# An optimised build with warnings as errors: -O3 inlining finds warnings
# that the default build does not (CI builds it; no tests run there).
build-release:
	$(MAKE) build BUILD=build-release CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Release -DEDGESIM_WERROR=ON"

# The whole suite under AddressSanitizer and UBSan, in its own build tree.
test-asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DEDGESIM_SANITIZE=ON -DEDGESIM_WERROR=ON -DCMAKE_BUILD_TYPE=Debug"

# The libFuzzer targets (tests/fuzz) in their own clang build tree: each on
# its regression corpus, then FUZZ_SECONDS of fuzzing (ctest label `fuzz`).
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 5
fuzz: deps
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DEDGESIM_FUZZ=ON -DEDGESIM_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
	cd $(FUZZ_BUILD) && ctest -L fuzz --output-on-failure

# A run, a merge, a summary and a trace import under valgrind's memcheck.
valgrind: deps build
	bash tests/valgrind/memcheck.sh $(BUILD)

# bench.sh prints docs/BENCHMARKS.md's table; keep a run with
# `bash bench/record.sh $(BUILD)/bench_results.md`.
bench: build
	./$(BUILD)/bench_engine
	./$(BUILD)/bench_channel
	bash bench/run_e2e.sh $(BUILD)
	bash bench/bench.sh $(BUILD) | tee $(BUILD)/bench_results.md

# edgesim into PREFIX/bin, the plug-in header into PREFIX/include/edgesim,
# edgesim.pc into PREFIX/share/pkgconfig (see docs/POLICIES.md).
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) build-asan build-release $(FUZZ_BUILD)
