#!/bin/sh
# ATIS slot filling + intent (issue 17): trains configs/atis_joint.json once per variant on
# ../shared/data/atis/train.conll, scores best.ckpt on dev.conll with rnn-eval, and prints one
# Markdown row per variant (the table of docs/ACCURACY.md). One thread per run (the machine is
# shared); wall time is what a run took here. scripts/atis_check.py rescores each best.ckpt from
# rnn-predict's JSON (its own chunking) into runs/atis/<variant>.check.txt.
#
#   scripts/atis.sh                 # the shipped config and the four cells
#   VARIANTS="lstm gru" scripts/atis.sh
#
# A variant is a cell name (elman = rnn_tanh) or one of: shipped, softmax, chars.
set -eu
cd "$(dirname "$0")/.."
BIN=.build/release
CONFIG=configs/atis_joint.json
DEV=../shared/data/atis/dev.conll
OUT=${OUT:-runs/atis}
VARIANTS=${VARIANTS:-"shipped elman jordan lstm gru softmax chars"}
[ -f "$DEV" ] || DEV=../../shared/data/atis/dev.conll
mkdir -p "$OUT"
echo "| variant | overrides | best epoch | dev slot F1 | dev intent acc | dev sentence acc | dev token acc | train time (1 thread) |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for v in $VARIANTS; do
  case $v in
    shipped) set -- ;;
    elman) set -- --set model.cell=rnn_tanh ;;
    jordan|lstm|gru) set -- --set model.cell=$v ;;
    softmax) set -- --set model.crf=false ;;
    chars) set -- --set model.char_ngram_buckets=20000 --set model.char_ngram_dim=32 ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
  start=$(date +%s)
  "$BIN/rnn-train" "$CONFIG" "$@" --set output.dir="$PWD/$OUT/$v" --threads 1 --overwrite > "$OUT/$v.train.log" 2>&1
  seconds=$(( $(date +%s) - start ))
  "$BIN/rnn-eval" "$OUT/$v/best.ckpt" "$DEV" --json > "$OUT/$v.eval.json"
  # The same scores computed outside the library, from rnn-predict's output.
  python3 scripts/atis_check.py "$BIN/rnn-predict" "$OUT/$v/best.ckpt" "$DEV" > "$OUT/$v.check.txt"
  python3 - "$v" "$*" "$OUT/$v.eval.json" "$OUT/$v/log.csv" "$seconds" <<'PY'
import csv, json, sys
v, overrides, ev, log, seconds = sys.argv[1:]
e = json.load(open(ev))
rows = list(csv.DictReader(open(log)))
best = max(rows, key=lambda r: float(r["dev_slot_f1"]))
print(f"| {v} | `{overrides or '(none)'}` | {best['epoch']}/{len(rows)} | {e['slots']['f1']:.4f} | {e['intent_accuracy']:.4f} | "
      f"{e['sentence_accuracy']:.4f} | {e['token_accuracy']:.4f} | {int(seconds) // 60} min {int(seconds) % 60:02d} s |")
PY
done
