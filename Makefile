# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
JOBS ?= $(shell nproc)
DEMO_DIR := demo
DEMO_MODEL := $(DEMO_DIR)/citadel-demo-q4_k.gguf
CITADEL := build/release/citadel
MODEL ?= $(DEMO_MODEL)
HOST ?= 127.0.0.1
PORT ?= 8080
E2E_MODULES := tests/e2e/node_modules/.package-lock.json

.PHONY: setup build run test test-release test-sanitize test-fuzz bench clean

setup: $(E2E_MODULES)
	@bash scripts/setup.sh

# The end-to-end tests' npm packages (the openai SDK), exactly as locked.
$(E2E_MODULES): tests/e2e/package-lock.json
	@bash scripts/setup.sh
	cd tests/e2e && npm ci --no-audit --no-fund

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

$(DEMO_MODEL): build
	@mkdir -p $(DEMO_DIR)
	build/release/citadel-gen-model --arch llama --preset demo --type Q4_K --out $(DEMO_MODEL)

# Main job: serve the demo model (or MODEL=file.gguf) on http://$(HOST):$(PORT) until Ctrl-C.
run: build $(if $(filter $(DEMO_MODEL),$(MODEL)),$(DEMO_MODEL))
	$(CITADEL) model info $(MODEL)
	$(CITADEL) serve -m $(MODEL) --host $(HOST) --port $(PORT)

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
