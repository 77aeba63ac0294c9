#!/usr/bin/env bash
# `make scale-check`: rnn-predict under existing engines on one machine (docs/SCALING.md).
#  1. GNU parallel --pipe -k -j2: output byte-identical to a plain run; a failing job fails parallel.
#  2. PySpark local[2], RDD.pipe with checkCode=True: identical output; a bad model path fails the job.
# Installs Debian's parallel (and a JRE) when missing, and pyspark into .build/spark-venv (once).
# Usage: scripts/scale_check.sh BIN_DIR    Environment: SCALE_LINES (default 40000).
set -euo pipefail
bin=$(cd "${1:-.build/release}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build/scale-check"
venv="$root/.build/spark-venv"
lines=${SCALE_LINES:-40000}
cd "$root"

need=()
command -v parallel >/dev/null 2>&1 || need+=(parallel)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ ${#need[@]} -gt 0 ]; then
  echo "scale-check: installing ${need[*]} ..." >&2
  sudo_cmd=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

rm -rf "$out" && mkdir -p "$out"
cat > "$out/config.json" <<JSON
{"data": {"train": "$root/data/train.tsv", "dev": "$root/data/dev.tsv", "classes": "$root/data/classes.txt"},
 "embedding": {"dim": 32}, "model": {"kind": "textrnn", "cell": "gru", "hidden_size": 32, "layers": 1},
 "training": {"epochs": 2, "batch_size": 64, "log_every": 0}, "output": {"dir": "$out/run"}}
JSON
"$bin/rnn-train" "$out/config.json" >/dev/null 2>&1
model="$out/run/best.ckpt"
# The dev texts repeated to SCALE_LINES lines, with an empty line and invalid UTF-8 mixed in.
{ cut -f1 data/dev.tsv; echo; printf 'bad \xff byte\n'; } > "$out/block.txt"
for _ in $(seq $(( lines / $(wc -l < "$out/block.txt") + 1 ))); do cat "$out/block.txt"; done > "$out/repeated.txt"
head -n "$lines" "$out/repeated.txt" > "$out/input.txt"

t0=$(date +%s.%N)
"$bin/rnn-predict" "$model" < "$out/input.txt" > "$out/plain.out" 2>/dev/null
t1=$(date +%s.%N)
parallel --pipe -k -j2 --block 256k "$bin/rnn-predict" "$model" --threads 1 < "$out/input.txt" > "$out/parallel.out" 2>/dev/null
t2=$(date +%s.%N)
echo "scale-check: $(wc -l < "$out/input.txt") lines; plain $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s, parallel -j2 $(printf '%.1f' "$(echo "$t2 - $t1" | bc)") s"
status=0
if cmp -s "$out/plain.out" "$out/parallel.out"; then
  echo "parallel: --pipe -k -j2 --block 256k: byte-identical to the plain run ($(wc -l < "$out/parallel.out") lines)"
else
  echo "parallel: output DIFFERS from the plain run"; status=1
fi
set +e
parallel --pipe -k -j2 --block 256k "$bin/rnn-predict" /nonexistent/model.ckpt < "$out/input.txt" > /dev/null 2>"$out/parallel-fail.err"
code=$?
set -e
if [ $code -ne 0 ]; then echo "parallel: missing model path: parallel exits $code (one per failed job, max 101), rnn-predict says: $(head -1 "$out/parallel-fail.err")"
else echo "parallel: a missing model did NOT fail"; status=1; fi

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyspark' >/dev/null 2>&1; then
  echo "scale-check: installing pyspark into $venv (once) ..." >&2
  python3 -m venv "$venv" && "$venv/bin/pip" install -q pyspark
fi
"$venv/bin/python" scripts/spark_check.py --bin "$bin" --model "$model" --input "$out/input.txt" --expected "$out/plain.out" 2>"$out/spark.err" \
  || { status=1; tail -5 "$out/spark.err" >&2; }
exit $status
