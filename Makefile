# Thin wrapper around CMake. `make demo` and `make check` are the two promised commands.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX     ?= /usr/local
CMAKE_FLAGS ?=

.PHONY: all deps build demo check check-plain check-asan check-tsan install bench fuzz fuzz-corpus help clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DSSLPROV_VALGRIND=ON $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The main job: sslprov connect against a real openssl s_server (scripts/demo.sh), then the
# provider's objects in memory.
demo: build
	@scripts/demo.sh $(BUILD)/sslprov $(BUILD)/examples/sslprov-demo

# Everything: the thread tests under TSan, the suite under ASan+UBSan, then the suite with a
# valgrind run of every test — last, so the closing ctest summary covers the whole suite.
# Each build lives in its own directory.
check: check-tsan check-asan check-plain

check-plain: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DSSLPROV_SANITIZE=address -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest -j $(JOBS) --output-on-failure

check-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DSSLPROV_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target test_handles_threads test_kdf13_threads
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1 ctest -L threads --output-on-failure

# libFuzzer: every target of fuzz/ for FUZZ_SECONDS seconds each (clang, ASan+UBSan), then a
# table of execs, coverage and findings; a finding fails with its reproducer (docs/fuzzing.md).
# The targets' regression replay runs in `make check` (ctest -L fuzz).
fuzz:
	@scripts/deps.sh fuzz
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DSSLPROV_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_blobs fuzz_records fuzz_kx12 fuzz_calls fuzz_sign fuzz_engine fuzz_client fuzz_server
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Rewrite the seed corpora of fuzz/corpus/ through the API (fuzz/gen_corpus.c).
fuzz-corpus: build
	cmake --build $(BUILD) -j $(JOBS) --target fuzz-corpus

help:
	@echo "make demo | build | check | install [PREFIX=] | bench | fuzz [FUZZ_SECONDS=60] | fuzz-corpus | clean"

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Benchmarks: measured, never asserted (docs/PERFORMANCE.md).
bench: build
	cmake --build $(BUILD) -j $(JOBS) --target benchmarks
	@for b in $(BUILD)/bench/bench_*; do if [ -x "$$b" ]; then "$$b" || exit 1; fi; done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
