# graphjit: `make demo` and `make test` work on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
LIT        := /usr/lib/llvm-19/build/utils/lit/lit.py
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps configure build demo test test-asan bench clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_ARGS)

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/examples/demo

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@if [ -f $(BUILD)/test/lit/lit.site.cfg.py ]; then \
	  python3 $(LIT) -sv $(BUILD)/test/lit; fi

# Everything under AddressSanitizer + UndefinedBehaviorSanitizer (leaks included).
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGRAPHJIT_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)
	python3 $(LIT) -sv $(ASAN_BUILD)/test/lit

bench: build
	@if [ -x $(BUILD)/benchmarks/graphjit-bench ]; then ./$(BUILD)/benchmarks/graphjit-bench; \
	else echo "no benchmarks built"; fi
	@if [ -x $(BUILD)/benchmarks/graphjit-bench-rewrites ]; then ./$(BUILD)/benchmarks/graphjit-bench-rewrites; fi

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
