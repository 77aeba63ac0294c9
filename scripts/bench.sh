#!/usr/bin/env bash
# `make bench`: our training/inference throughput, latency and peak memory against
# PyTorch eager on CPU, measured in one run on this machine with the same thread count.
# Usage: scripts/bench.sh BIN_DIR [THREADS]
# Environment: BENCH_BATCHES (timed batches, default 30), BENCH_ROUNDS (default 3), BENCH_DATA
# (train.tsv), BENCH_VENV, BENCH_TORCH=0 (ours only), BENCH_CKPT (checkpoint for the rnn-predict figures),
# BENCH_BASELINE (the release folder of an earlier build: its figures become a "before" column,
# measured in the same rounds), BENCH_MODELS (default: textrnn textrcnn textrcnn_reference).
#
# Each measurement runs BENCH_ROUNDS times, ours and PyTorch's alternating, and each side keeps
# its best round (highest throughput, lowest latency and memory): on a shared or virtualised
# machine a single round of a few seconds can lose 20-30% to a neighbour, for either side.
set -uo pipefail
bin=${1:-.build/release}
threads=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${BENCH_DATA:-"$root/../shared/data/thucnews/train.tsv"}
# BENCH_VENV: an existing virtualenv that already has torch (saves the ~4 GB download);
# otherwise torch is installed once into .build/bench-venv.
venv=${BENCH_VENV:-"$root/.build/bench-venv"}
batches=${BENCH_BATCHES:-30}
rounds=${BENCH_ROUNDS:-3}

if [ ! -f "$data" ]; then
  echo "bench: $data is absent (../shared not beside the project): nothing to measure." >&2
  exit 1
fi

echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; threads: $threads; rounds: $rounds (best of); $(date -u +%F)"

torch_ok=0
if [ "${BENCH_TORCH:-1}" = 0 ]; then
  echo "bench: BENCH_TORCH=0: our figures only." >&2
elif { [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >/dev/null 2>&1; } \
     && "$venv/bin/python" -c 'import torch' >/dev/null 2>&1; then
  torch_ok=1
else
  echo "bench: installing torch into $venv (once) ..." >&2
  # CPU wheels when their index is reachable, else the default wheel from PyPI.
  if "$venv/bin/pip" install -q --timeout 20 --retries 1 --index-url https://download.pytorch.org/whl/cpu torch >/dev/null 2>&1 \
     || "$venv/bin/pip" install -q torch >/dev/null 2>&1; then
    torch_ok=1
  else
    echo "bench: torch could not be installed: printing our figures only." >&2
  fi
fi

baseline=${BENCH_BASELINE:-}
models=${BENCH_MODELS:-"textrnn textrcnn textrcnn_reference"}
ours() { "$bin/rnn-bench" model --data "$data" --threads "$threads" --batches "$batches" --config "$root/configs/thucnews_$model.json" "$@"; }
before() {
  [ -n "$baseline" ] || { echo '{}'; return; }
  "$baseline/rnn-bench" model --data "$data" --threads "$threads" --batches "$batches" --config "$root/configs/thucnews_$model.json" "$@"
}
theirs() {
  [ $torch_ok = 1 ] || { echo '{}'; return; }
  OMP_NUM_THREADS=$threads "$venv/bin/python" -W ignore "$root/scripts/torch_reference.py" --data "$data" --threads "$threads" --batches "$batches" "$@"
}
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1] or '{}'); v=d.get(sys.argv[2]); print('' if v is None else v)" "$1" "$2"; }

rows=()
for round in $(seq 1 "$rounds"); do
  echo "bench: round $round of $rounds ..." >&2
  for model in $models; do
    for what in train infer latency memory; do
      o=$(ours --model $model --what $what) || o='{}'
      b=$(before --model $model --what $what) || b='{}'
      p=$(ours --model $model --what $what --pad-to 32) || p='{}'
      t=$(theirs --model $model --what $what) || t='{}'
      rows+=("$model|$what|$o|$p|$t|$b")
    done
  done
done

python3 - "${rows[@]}" <<'PY'
import json, sys
key = {"train": "examples_per_s", "infer": "examples_per_s", "latency": "latency_ms", "memory": "peak_rss_mb"}
higher_is_better = {"train": True, "infer": True, "latency": False, "memory": False}
unit = {"train": "examples/s", "infer": "examples/s (batch 128)", "latency": "ms (batch 1)", "memory": "MB peak RSS"}
print(f"{'model':18} {'measure':24} {'ours (buckets)':>15} {'ours (pad 32)':>14} {'pytorch':>10} {'ratio':>7} {'ratio pad':>9} {'before':>9} {'after/before':>12}")
best = {}   # (model, what) -> [ours, ours padded, pytorch, before], each the best round
for row in sys.argv[1:]:
    model, what, *runs = row.split("|", 5)
    values = [json.loads(x or "{}").get(key[what]) for x in runs]
    values = [values[0], values[1], values[2], values[3]]
    kept = best.setdefault((model, what), [None, None, None, None])
    for i, v in enumerate(values):
        if v is not None and (kept[i] is None or (v > kept[i]) == higher_is_better[what]):
            kept[i] = v
for (model, what), (a, b, c, d) in best.items():
    fmt = lambda v: "n/a" if v is None else f"{v:.1f}" if v >= 10 else f"{v:.3f}"
    ratio = lambda x, y: "n/a" if x is None or not y else f"{x / y:.2f}x"
    print(f"{model:18} {unit[what]:24} {fmt(a):>15} {fmt(b):>14} {fmt(c):>10} {ratio(a, c):>7} {ratio(b, c):>9} {fmt(d):>9} {ratio(a, d):>12}")
print("ratio = ours / pytorch (higher is better for examples/s, lower for ms and MB); before = BENCH_BASELINE's build")
PY

# rnn-predict as users run it (issue 7): the TextRNN reference model over the dev file.
# The weights do not change the speed, so a one-epoch model trained on the dev file serves
# (BENCH_CKPT: use an existing checkpoint instead).
dev="$(dirname "$data")/dev.tsv"
ckpt=${BENCH_CKPT:-"$root/.build/bench-run/best.ckpt"}
if [ -f "$dev" ]; then
  if [ ! -f "$ckpt" ]; then
    echo "bench: training a one-epoch TextRNN on $dev for the rnn-predict figures ..." >&2
    "$bin/rnn-train" "$root/configs/thucnews_textrnn.json" --set "data.train=\"$dev\"" --set data.dev=null \
      --set "data.classes=\"$(dirname "$data")/classes.txt\"" --set training.epochs=1 \
      --set "output.dir=\"$root/.build/bench-run\"" --threads "$threads" --overwrite >/dev/null 2>&1
  fi
  if [ -f "$ckpt" ]; then
    # The CLI against the library's own batch-128 inference and PyTorch's, on the same dev lines,
    # alternating, best of BENCH_ROUNDS each.
    cli=(); lib=(); ref=()
    for round in $(seq 1 "$rounds"); do
      cli+=("$(python3 "$root/scripts/bench_predict.py" "$bin/rnn-predict" "$ckpt" "$dev" "$threads")")
      lib+=("$("$bin/rnn-bench" model --data "$dev" --threads "$threads" --batches "$batches" --what infer --config "$root/configs/thucnews_textrnn.json" || echo '{}')")
      model=textrnn; ref+=("$(theirs --model textrnn --what infer --data "$dev" || echo '{}')")
    done
    python3 - "${#cli[@]}" "${cli[@]}" "${lib[@]}" "${ref[@]}" <<'PY'
import json, sys
n = int(sys.argv[1]); rows = [json.loads(x or "{}") for x in sys.argv[2:]]
cli, lib, ref = rows[:n], rows[n:2 * n], rows[2 * n:]
best = lambda rs, k: max((r[k] for r in rs if k in r), default=None)
c, l, p = best(cli, "lines_per_s"), best(lib, "examples_per_s"), best(ref, "examples_per_s")
d = max(cli, key=lambda r: r.get("lines_per_s", 0))
print("rnn-predict (textrnn, %d dev lines through a pipe, start-up and load included): %.0f lines/s; "
      "one line into a running process: %.2f ms mean, %.2f ms median"
      % (d["lines"], c, d["latency_ms"], d["median_ms"]))
pct = lambda x, y: "n/a" if not x or not y else "%.0f%%" % (100 * x / y)
rat = lambda x, y: "n/a" if not x or not y else "%.2fx" % (x / y)
print("CLI: %.0f lines/s = %s of the library's batch-128 inference on the same lines (%s examples/s), "
      "%s PyTorch's batch-128 inference (%s examples/s)" % (c, pct(c, l), "n/a" if l is None else "%.0f" % l,
      rat(c, p), "n/a" if p is None else "%.0f" % p))
PY
  fi
fi
