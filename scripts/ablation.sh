#!/usr/bin/env bash
# Ablations of issue 14's levers on dev, one row per run: lever, seed, best dev accuracy and
# macro-F1 (the epoch best.ckpt holds), epochs run; then the mean per lever. Each run is
# `rnn-train CONFIG` on 1 thread with the lever's --set overrides; finished runs are kept, so an
# interrupted ablation continues where it stopped.
#
# Usage: scripts/ablation.sh SET OUT_DIR [SEEDS...]      (BIN: folder of rnn-train)
#   SET regularisers: configs/trec_textrnn.json with each regulariser of items 4-5 alone, and all.
#   SET best-trec, best-agnews, best-thucnews: configs/<set>_best.json (experts, regularisers,
#       FGM) with each of its levers taken away in turn, and the bag taken away.
set -euo pipefail
cd "$(dirname "$0")/.."
set_name=${1:?usage: scripts/ablation.sh SET OUT_DIR [SEEDS...]}; shift
out=${1:?usage: scripts/ablation.sh SET OUT_DIR [SEEDS...]}; shift
seeds=("${@:-1}")
[ ${#seeds[@]} -gt 0 ] || seeds=(1)
bin=${BIN:-.build/release}
regularisers="--set model.embedding_dropout=0.1 --set model.token_dropout=0.1 --set model.locked_dropout=0.3 --set model.weight_drop=0.3"
no_regularisers="--set model.embedding_dropout=0 --set model.token_dropout=0 --set model.locked_dropout=0 --set model.weight_drop=0"
case $set_name in
  regularisers)
    config=configs/trec_textrnn.json
    levers=(
      "base|"
      "embedding_dropout=0.1|--set model.embedding_dropout=0.1"
      "token_dropout=0.1|--set model.token_dropout=0.1"
      "locked_dropout=0.3|--set model.locked_dropout=0.3"
      "weight_drop=0.3|--set model.weight_drop=0.3"
      "ema=0.99|--set training.ema=0.99"
      "adversarial.epsilon=1|--set training.adversarial.epsilon=1"
      "all|$regularisers --set training.ema=0.99 --set training.adversarial.epsilon=1"
    ) ;;
  best-trec|best-agnews|best-thucnews)
    config=configs/${set_name#best-}_best.json
    levers=(
      "shipped|"
      "no FGM|--set training.adversarial.epsilon=0"
      "no regularisers|$no_regularisers"
      "joined features, not experts|--set model.wide_combine=features"
      "no bag|--set model.wide_combine=features --set model.wide=false"
      "neither regularisers nor FGM|$no_regularisers --set training.adversarial.epsilon=0"
    ) ;;
  *) echo "ablation: unknown set $set_name (regularisers, best-trec, best-agnews, best-thucnews)" >&2; exit 2 ;;
esac
mkdir -p "$out"
out=$(cd "$out" && pwd)
for seed in "${seeds[@]}"; do
  for entry in "${levers[@]}"; do
    name=${entry%%|*}; sets=${entry#*|}
    dir="$out/$(echo "$name" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9_\n' '_')_s$seed"
    if [ ! -f "$dir/done" ]; then
      # shellcheck disable=SC2086
      "$bin/rnn-train" "$config" --threads 1 --overwrite --set output.dir="$dir" \
        --set training.seed="$seed" --set training.log_every=0 $sets > "$dir.out" 2>&1
      touch "$dir/done"
    fi
    # The best epoch's dev accuracy and macro-F1 (best.ckpt), and the epochs run.
    awk -F, -v n="$name" -v s="$seed" 'NR>1 { if ($4 > a) { a = $4; f = $5 }; e = $1 } END { printf "%s\t%s\t%.4f\t%.4f\t%d\n", n, s, a, f, e }' "$dir/log.csv"
  done
done | tee "$out/results.tsv"
echo
awk -F'\t' '{ s[$1] += $3; c[$1]++; if (!($1 in o)) o[$1] = NR } END { for (k in o) printf "%d\t%s\t%.4f\t%d seeds\n", o[k], k, s[k] / c[k], c[k] }' "$out/results.tsv" | sort -n | cut -f2-
