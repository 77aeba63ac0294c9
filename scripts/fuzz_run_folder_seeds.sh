#!/usr/bin/env bash
# Makes the seeds of the run_folder fuzz target (fuzz/corpus/run_folder/) from real runs of
# rnn-train on the target's fixed data folder (/tmp/rnn-fuzz-run-data, written by the target):
# one run interrupted mid-epoch (step 3 of epoch 1) and one that finished its only epoch, each
# packed as the target reads a folder (flags byte, config.json and log.csv behind UInt16
# lengths, then last.ckpt) with several flag combinations.
#   scripts/fuzz_run_folder_seeds.sh [BIN_DIR]     (default .build/release; needs make build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release}
mkdir -p fuzz/corpus/run_folder
FUZZ_SECONDS=1 bash scripts/fuzz.sh run_folder > /dev/null   # builds the target; its first input writes the data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/config.json" <<JSON
{"data": {"train": "/tmp/rnn-fuzz-run-data/train.tsv", "dev": "/tmp/rnn-fuzz-run-data/dev.tsv"},
 "tokenizer": {"kind": "word", "max_length": 8},
 "embedding": {"dim": 4},
 "model": {"kind": "textrnn", "cell": "gru", "hidden_size": 4, "layers": 1, "bidirectional": false, "dropout": 0.1},
 "training": {"epochs": 1, "batch_size": 4, "seed": 7, "threads": 1},
 "output": {"dir": "$work/run"}}
JSON
RNN_TEST_STOP_AFTER_STEP=3 "$bin/rnn-train" "$work/config.json" 2> /dev/null || [ $? = 130 ]
mkdir -p "$work/mid" && cp "$work/run/"{config.json,last.ckpt} "$work/mid/" && touch "$work/mid/log.csv"
"$bin/rnn-train" "$work/config.json" --overwrite 2> /dev/null
mkdir -p "$work/done" && cp "$work/run/"{config.json,log.csv,last.ckpt} "$work/done/"
python3 - "$work" fuzz/corpus/run_folder <<'PY'
import struct, sys, os
work, out = sys.argv[1], sys.argv[2]
def read(run, name): return open(os.path.join(work, run, name), "rb").read()
def pack(flags, run):
    config, log, ckpt = read(run, "config.json"), read(run, "log.csv"), read(run, "last.ckpt")
    return bytes([flags]) + struct.pack("<H", len(config)) + config + struct.pack("<H", len(log)) + log + ckpt
seeds = {"mid-resume": (0x07, "mid"), "mid-step": (0x47, "mid"), "mid-batch-size-step": (0x4F, "mid"),
         "mid-no-config": (0x45, "mid"), "done-more-epochs-step": (0x57, "done"), "done-finished": (0x07, "done"),
         "done-changed-data-ok": (0x27, "done")}
for name, (flags, run) in seeds.items():
    data = pack(flags, run)
    assert len(data) <= 16384, (name, len(data))
    open(os.path.join(out, name), "wb").write(data)
    print(f"{name}: {len(data)} bytes")
PY
