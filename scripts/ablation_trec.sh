#!/usr/bin/env bash
# Ablation of issue 14's regularisers on TREC (dev): the shipped configs/trec_textrnn.json with
# each lever on alone, and all together, for the given seeds, on 1 thread. Prints one row per
# run (lever, seed, best dev accuracy and macro-F1 = the epoch best.ckpt holds, epochs run) and
# a mean per lever. Usage: scripts/ablation_trec.sh OUT_DIR [SEEDS...]   (BIN: folder of rnn-train)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/ablation_trec.sh OUT_DIR [SEEDS...]}; shift
seeds=("${@:-1}")
[ ${#seeds[@]} -gt 0 ] || seeds=(1)
bin=${BIN:-.build/release}
mkdir -p "$out"
out=$(cd "$out" && pwd)
levers=(
  "base|"
  "embedding_dropout=0.1|--set model.embedding_dropout=0.1"
  "token_dropout=0.1|--set model.token_dropout=0.1"
  "locked_dropout=0.3|--set model.locked_dropout=0.3"
  "weight_drop=0.3|--set model.weight_drop=0.3"
  "ema=0.99|--set training.ema=0.99"
  "adversarial.epsilon=1|--set training.adversarial.epsilon=1"
  "all|--set model.embedding_dropout=0.1 --set model.token_dropout=0.1 --set model.locked_dropout=0.3 --set model.weight_drop=0.3 --set training.ema=0.99 --set training.adversarial.epsilon=1"
)
for seed in "${seeds[@]}"; do
  for entry in "${levers[@]}"; do
    name=${entry%%|*}; sets=${entry#*|}
    dir="$out/${name//[^a-z0-9_]/_}_s$seed"
    if [ ! -f "$dir/done" ]; then
      # shellcheck disable=SC2086
      "$bin/rnn-train" configs/trec_textrnn.json --threads 1 --overwrite --set output.dir="$dir" \
        --set training.seed="$seed" --set training.log_every=0 $sets > "$dir.out" 2>&1
      touch "$dir/done"
    fi
    # The best epoch's dev accuracy and macro-F1 (best.ckpt), and the epochs run.
    awk -F, -v n="$name" -v s="$seed" 'NR>1 { if ($4 > a) { a = $4; f = $5 }; e = $1 } END { printf "%s\t%s\t%.4f\t%.4f\t%d\n", n, s, a, f, e }' "$dir/log.csv"
  done
done | tee "$out/results.tsv"
echo
awk -F'\t' '{ s[$1] += $3; c[$1]++; if (!($1 in o)) o[$1] = NR } END { for (k in o) printf "%d\t%s\t%.4f\t%d seeds\n", o[k], k, s[k] / c[k], c[k] }' "$out/results.tsv" | sort -n | cut -f2-
