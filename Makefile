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

.PHONY: build test train bench bench-gemm accuracy atis sanitize fuzz load interop report-check scale-check clean

build:
	$(SWIFT) build -c release $(SCRATCH)

test:
	$(SWIFT) test -c release --disable-swift-testing $(SCRATCH)

train: build
	$(BIN)/rnn-train $(CONFIG)

bench-gemm: build
	bash scripts/bench_gemm.sh $(BIN)

bench: build
	bash scripts/bench.sh $(BIN) $(THREADS)

# Every configs/{thucnews,agnews,trec}_*.json against tuned fastText on the same splits (needs ../shared/data);
# one table for docs/ACCURACY.md. Filters: ACCURACY_SETS=trec,agnews ACCURACY_CONFIGS='regex' (see the script).
accuracy: build
	bash scripts/accuracy.sh $(BIN)

# ATIS joint intent + slots (configs/atis_joint.json, its Elman/Jordan/LSTM/GRU, softmax and character
# variants) on ../shared/data/atis, one thread per run; the table of docs/ACCURACY.md. VARIANTS='lstm gru' filters.
atis: build
	sh scripts/atis.sh

# Not part of `make test` (too slow for CI); see docs/RELIABILITY.md.
# The test suite under ThreadSanitizer, then AddressSanitizer (release builds, own build folders).
sanitize:
	$(SWIFT) test -c release --sanitize=thread --scratch-path .build-tsan
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test -c release --sanitize=address --scratch-path .build-asan

# libFuzzer targets, FUZZ_SECONDS (default 60) each; crashes land in .build/fuzz/crashes/.
fuzz:
	bash scripts/fuzz.sh

# rnn-predict and rnn-train on 100k and 1M generated lines (LOAD_LINES): counts and peak memory.
load: build
	bash scripts/load.sh $(BIN)

# Exported models against equivalent PyTorch modules, both ways (torch in .build/bench-venv; not in CI).
interop: build
	bash scripts/interop.sh $(BIN)

# The HTML reports rendered and screenshotted with headless Chromium into .build/report-check/ (look at them).
report-check: build
	bash scripts/report_check.sh $(BIN)

# rnn-predict under GNU parallel and PySpark (local[2]) on one machine; results in docs/SCALING.md.
scale-check: build
	bash scripts/scale_check.sh $(BIN)

clean:
	rm -rf .build .build-portable runs
