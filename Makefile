# graphjit: `make demo` and `make test` work on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CASES ?= 5000
JOBS       ?= $(shell nproc)
LIT        := /usr/lib/llvm-19/build/utils/lit/lit.py
# Every build uses ccache when it is installed (scripts/install-deps.sh installs it). Paths are
# hashed relative to the checkout, so a clone in another folder reuses the cache.
LAUNCHER   := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
SAN_LAUNCHER := $(LAUNCHER)
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=Release $(LAUNCHER)

.PHONY: all deps configure build demo test test-asan test-tsan fuzz bench clean format format-check

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_ARGS)

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

# Builds only what the demo needs (the library and examples/demo.cpp), then runs it.
demo: deps configure
	cmake --build $(BUILD) -j $(JOBS) --target demo
	$(BUILD)/examples/demo --out=$(BUILD)/demo

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@if [ -f $(BUILD)/test/lit/lit.site.cfg.py ]; then \
	  python3 $(LIT) -sv $(BUILD)/test/lit; fi

# Everything under AddressSanitizer + UndefinedBehaviorSanitizer (leaks included).
# allocator_may_return_null: an impossible allocation must reach the library's own "out of memory"
# error (as it does without ASan) instead of ASan's abort.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGRAPHJIT_SANITIZE=ON $(SAN_LAUNCHER)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=allocator_may_return_null=1 ctest --output-on-failure -j $(JOBS)
	ASAN_OPTIONS=allocator_may_return_null=1 python3 $(LIT) -sv $(ASAN_BUILD)/test/lit

# The concurrency tests under ThreadSanitizer (calls of one Function from several threads).
TSAN_TESTS := ./test/test-Reliability --gtest_filter='*Concurrency*'
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRAPHJIT_TSAN=ON $(SAN_LAUNCHER) \
	  -DGRAPHJIT_BUILD_BENCHMARKS=OFF
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target test-Reliability
	cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" $(TSAN_TESTS)

# Short libFuzzer runs (clang, ASan + UBSan) of the text IR parser, the .npy reader and the disk
# cache's entry decoders, each from its seed corpus (which holds the reproducers of past crashes). FUZZ_SECONDS=600 for a longer run.
fuzz: deps
	CC=clang-19 CXX=clang++-19 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DGRAPHJIT_FUZZ=ON $(SAN_LAUNCHER) -DGRAPHJIT_BUILD_TESTS=OFF -DGRAPHJIT_BUILD_BENCHMARKS=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz-parser fuzz-npy fuzz-cache-entry
	mkdir -p $(FUZZ_BUILD)/corpus $(FUZZ_BUILD)/corpus-npy $(FUZZ_BUILD)/corpus-cache-entry
	./$(FUZZ_BUILD)/test/fuzz/fuzz-parser $(FUZZ_BUILD)/corpus test/fuzz/corpus \
	  -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=10
	./$(FUZZ_BUILD)/test/fuzz/fuzz-npy $(FUZZ_BUILD)/corpus-npy test/fuzz/corpus-npy \
	  -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=10
	./$(FUZZ_BUILD)/test/fuzz/fuzz-cache-entry $(FUZZ_BUILD)/corpus-cache-entry test/fuzz/corpus-cache-entry \
	  -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=10
	# The differential test (interpreter vs JIT on random graphs) with many more cases than make test.
	$(MAKE) configure
	cmake --build $(BUILD) -j $(JOBS) --target test-JIT
	GRAPHJIT_TEST_CASES=$(FUZZ_CASES) GRAPHJIT_CACHE_DIR=$(abspath $(BUILD))/graphjit-cache \
	  $(BUILD)/test/test-JIT --gtest_filter='Differential.*'

bench: build
	@for b in $(BUILD)/benchmarks/graphjit-bench*; do \
	  if [ -x "$$b" ] && [ -f "$$b" ]; then echo "### $$b"; "$$b" || exit 1; fi; done

# Every C++ source follows the checked-in .clang-format (LLVM base); CI runs format-check.
CLANG_FORMAT ?= clang-format-19
format:
	git ls-files '*.cpp' '*.h' '*.inc' | xargs $(CLANG_FORMAT) -i
format-check: deps
	git ls-files '*.cpp' '*.h' '*.inc' | xargs $(CLANG_FORMAT) --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
