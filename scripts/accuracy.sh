#!/usr/bin/env bash
# `make accuracy`: trains the THUCNews reference configs and prints their best dev scores.
set -euo pipefail
bin=${1:-.build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$root/../shared/data/thucnews/train.tsv" ]; then
  echo "accuracy: ../shared/data/thucnews is absent beside the project: nothing to measure." >&2
  exit 1
fi
for name in thucnews_textrnn thucnews_textrcnn; do
  start=$(date +%s)
  "$bin/rnn-train" "$root/configs/$name.json" --overwrite "$@"
  seconds=$(( $(date +%s) - start ))
  python3 - "$root/runs/$name/log.csv" "$name" "$seconds" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
best = max(rows, key=lambda r: float(r["dev_accuracy"]))
per_epoch = sum(float(r["seconds"]) for r in rows) / len(rows)
print(f"{sys.argv[2]}: best dev accuracy {float(best['dev_accuracy']):.4f}, macro-F1 {float(best['dev_macro_f1']):.4f} "
      f"at epoch {best['epoch']} of {len(rows)}; {per_epoch:.0f} s/epoch; {sys.argv[3]} s in all")
PY
done
