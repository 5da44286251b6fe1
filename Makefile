# Tern's front door. Every target installs missing Debian packages first (scripts/deps.sh).
#   make run      build, then run ternd in the foreground on examples/ (Ctrl-C stops it)
#   make test     build, then run every test (unit, integration with real peers, fuzz corpora)
#   make sanitize unit tests under ASan + UBSan (CI runs this too)
#   make fuzz     libFuzzer targets with clang, FUZZ_SECONDS each (default 60)
#   make bench    Tern vs Postfix side by side
#   make install PREFIX=/usr/local
BUILD    ?= build
PREFIX   ?= /usr/local
JOBS     ?= $(shell nproc)
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test sanitize fuzz bench install clean docs

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

run: build
	@mkdir -p var
	exec $(BUILD)/bin/ternd -c examples

test: build
	cd $(BUILD) && ctest --output-on-failure -j 2

sanitize: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTERN_SANITIZE=ON
	ninja -C build-asan -j $(JOBS) unit_tests
	cd build-asan && ctest --output-on-failure -L unit -j 2

fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTERN_FUZZ=ON
	ninja -C build-fuzz -j $(JOBS) fuzz_targets
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	bench/run.sh $(BUILD)

docs: build
	$(BUILD)/bin/tern conf --reference > docs/parameters.md

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
