# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
JOBS ?= $(shell nproc)
DEMO_DIR := demo
DEMO_MODEL := $(DEMO_DIR)/citadel-demo-q4_k.gguf
CITADEL := build/release/citadel

.PHONY: setup build run test test-release test-sanitize test-fuzz bench clean

setup:
	@bash scripts/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

$(DEMO_MODEL): build
	@mkdir -p $(DEMO_DIR)
	build/release/citadel-gen-model --arch llama --preset demo --type Q4_K --out $(DEMO_MODEL)

# Main job: serve MODEL (default: the demo model) on 127.0.0.1:$(PORT) until Ctrl-C.
MODEL ?= $(DEMO_MODEL)
PORT ?= 8080
run: build $(DEMO_MODEL)
	$(CITADEL) model check $(MODEL)
	$(CITADEL) serve --model $(MODEL) --port $(PORT)

test: setup test-release test-sanitize test-fuzz

test-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	ctest --preset release -j $(JOBS)

test-sanitize:
	cmake --preset sanitize >/dev/null
	cmake --build --preset sanitize -j $(JOBS)
	ctest --preset sanitize -j $(JOBS) -E "^Reference/Logits\."

test-fuzz:
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	ctest --preset fuzz

# Benchmarks (not tests): Google Benchmark programs in build/release/bench/. Comparisons with
# llama.cpp and their commands are in bench/RESULTS.md.
bench: setup
	cmake --preset release -DCITADEL_BENCH=ON >/dev/null
	cmake --build --preset release -j $(JOBS)

clean:
	rm -rf build $(DEMO_DIR)
