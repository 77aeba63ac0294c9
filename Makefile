# Build, test, train and benchmark. Release builds are what users run and what we test.
# PORTABLE=1 builds without the AVX2/FMA target flag, in its own build folder.
SWIFT   ?= swift
CONFIG  ?= configs/sample.json
THREADS ?= 2

ifeq ($(PORTABLE),1)
export RNN_PORTABLE := 1
SCRATCH := --scratch-path .build-portable
BIN     := .build-portable/release
else
SCRATCH :=
BIN     := .build/release
endif

.PHONY: build test train bench bench-gemm accuracy sanitize fuzz load clean

build:
	$(SWIFT) build -c release $(SCRATCH)

test:
	$(SWIFT) test -c release $(SCRATCH)

train: build
	$(BIN)/rnn-train $(CONFIG)

bench-gemm: build
	bash scripts/bench_gemm.sh $(BIN)

bench: build
	bash scripts/bench.sh $(BIN) $(THREADS)

# Not part of `make test` (too slow for CI); see docs/RELIABILITY.md.
# libFuzzer targets, FUZZ_SECONDS (default 60) each; crashes land in .build/fuzz/crashes/.
fuzz:
	bash scripts/fuzz.sh

clean:
	rm -rf .build .build-portable runs
