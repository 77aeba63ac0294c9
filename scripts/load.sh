#!/usr/bin/env bash
# Load checks on generated data (make load): not part of `make test`.
#
#   scripts/load.sh [BIN_DIR]     (default .build/release, built by `make build`)
#   LOAD_LINES=1000000            the large size (the small one is a tenth of it)
#   LOAD_DIR=<temp folder>        where the generated files go (removed afterwards unless set)
#
# 1. rnn-predict on LOAD_LINES/10 and LOAD_LINES lines: count in == count out,
#    every output line well formed, and peak RSS at both sizes (constant memory
#    means no growth with input size).
# 2. rnn-train (1 epoch, tiny model) on LOAD_LINES/10 and LOAD_LINES lines:
#    peak RSS at both sizes and the bytes per example it implies.
# Exit status 1 when a count differs or memory of rnn-predict grows by more than 25%.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
LINES=${LOAD_LINES:-1000000}
SMALL=$((LINES / 10))
if [ -n "${LOAD_DIR:-}" ]; then WORK=$LOAD_DIR; mkdir -p "$WORK"; else WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT; fi
for tool in rnn-train rnn-predict; do
    [ -x "$BIN/$tool" ] || { echo "load: $BIN/$tool not found (run make build)" >&2; exit 2; }
done

# Peak resident set size of a command in KiB, written to the file named by $1.
peak_rss() {
    local out=$1; shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "%M" -o "$out" "$@"
    else
        "$@" & local pid=$! peak=0 v
        while kill -0 "$pid" 2>/dev/null; do
            v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
            [ -n "$v" ] && peak=$v
            sleep 0.05
        done
        wait "$pid"; local rc=$?
        echo "$peak" > "$out"
        return $rc
    fi
}

# Deterministic labelled lines: 4 classes, texts of 8 to 60 characters drawn
# from a small Latin + CJK alphabet (so the char vocabulary stays small and
# every line has a different text).
generate() {
    awk -v n="$1" -v seed="$2" 'BEGIN {
        srand(seed)
        split("a b c d e f g h i j k l m n o p q r s t u v w x y z 新 闻 体 育 财 经 科 技", alphabet, " ")
        for (i = 1; i <= n; i++) {
            len = 8 + int(rand() * 53); text = ""
            for (j = 0; j < len; j++) text = text alphabet[1 + int(rand() * 34)]
            print text "\t" "class" (i % 4)
        }
    }'
}

echo "load: generating $LINES and $SMALL lines in $WORK"
generate "$LINES" 1 > "$WORK/large.tsv"
head -n "$SMALL" "$WORK/large.tsv" > "$WORK/small.tsv"
generate 2000 2 > "$WORK/train.tsv"

# A tiny model to predict with.
cat > "$WORK/tiny.json" <<JSON
{
  "data": {"train": "train.tsv"},
  "tokenizer": {"kind": "char", "max_length": 32},
  "embedding": {"dim": 16},
  "model": {"kind": "textrnn", "cell": "gru", "hidden_size": 16, "bidirectional": false, "pooling": "last"},
  "training": {"epochs": 1, "batch_size": 64, "lr": 0.01, "seed": 1},
  "output": {"dir": "run"}
}
JSON
"$BIN/rnn-train" "$WORK/tiny.json" --overwrite > /dev/null 2> "$WORK/train-tiny.log"
CKPT=$WORK/run/best.ckpt

status=0
report=""
# rnn-predict: text only (cut the label off).
for size in small large; do
    cut -f1 "$WORK/$size.tsv" > "$WORK/$size.txt"
    in=$(wc -l < "$WORK/$size.txt")
    start=$(date +%s.%N)
    peak_rss "$WORK/predict-$size.rss" "$BIN/rnn-predict" "$CKPT" < "$WORK/$size.txt" > "$WORK/predict-$size.out"
    end=$(date +%s.%N)
    out=$(wc -l < "$WORK/predict-$size.out")
    good=$(awk -F'\t' 'NF == 2 && $1 ~ /^class[0-3]$/ && $2 + 0 > 0 && $2 + 0 <= 1' "$WORK/predict-$size.out" | wc -l)
    rss=$(cat "$WORK/predict-$size.rss")
    line=$(awk -v s="$size" -v i="$in" -v o="$out" -v g="$good" -v r="$rss" -v a="$start" -v b="$end" \
        'BEGIN { printf "rnn-predict %-5s lines in %8d  out %8d  well-formed %8d  peak RSS %7.1f MiB  %6.1f s  %8.0f lines/s", s, i, o, g, r / 1024, b - a, i / (b - a) }')
    echo "$line"; report+="$line"$'\n'
    if [ "$in" -ne "$out" ] || [ "$in" -ne "$good" ]; then echo "load: FAIL: rnn-predict lost or garbled lines" >&2; status=1; fi
done
small_rss=$(cat "$WORK/predict-small.rss"); large_rss=$(cat "$WORK/predict-large.rss")
if [ "$large_rss" -gt $((small_rss * 5 / 4)) ]; then
    echo "load: FAIL: rnn-predict peak RSS grew from $small_rss KiB to $large_rss KiB" >&2; status=1
fi

# rnn-train: one epoch of the same tiny model on the generated files.
for size in small large; do
    sed -e "s/\"train.tsv\"/\"$size.tsv\"/" -e "s/\"run\"/\"run-$size\"/" "$WORK/tiny.json" > "$WORK/train-$size.json"
    start=$(date +%s.%N)
    peak_rss "$WORK/train-$size.rss" "$BIN/rnn-train" "$WORK/train-$size.json" --overwrite > /dev/null 2> "$WORK/train-$size.log"
    end=$(date +%s.%N)
    n=$(awk '/^[a-z]+\.tsv: [0-9]+ examples/ {print $2; exit}' "$WORK/train-$size.log")
    rss=$(cat "$WORK/train-$size.rss")
    line=$(awk -v s="$size" -v n="$n" -v r="$rss" -v a="$start" -v b="$end" \
        'BEGIN { printf "rnn-train   %-5s examples %8d  peak RSS %7.1f MiB  %6.1f s", s, n, r / 1024, b - a }')
    echo "$line"; report+="$line"$'\n'
    grep -E "examples|held|memory" "$WORK/train-$size.log" | sed 's/^/    /' || true
done
small_rss=$(cat "$WORK/train-small.rss"); large_rss=$(cat "$WORK/train-large.rss")
n_small=$SMALL; n_large=$LINES
line=$(awk -v a="$small_rss" -v b="$large_rss" -v x="$n_small" -v y="$n_large" \
    'BEGIN { printf "rnn-train   growth %.1f MiB for %d more examples: %.0f bytes per example", (b - a) / 1024, y - x, (b - a) * 1024 / (y - x) }')
echo "$line"; report+="$line"$'\n'
echo
printf "%s" "$report"
exit $status
