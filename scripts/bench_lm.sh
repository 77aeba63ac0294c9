#!/usr/bin/env bash
# Language-model pretraining throughput (tokens/s), ours against the same model in PyTorch
# (scripts/torch_lm.py), on the train texts of a data set, best of BENCH_ROUNDS rounds each,
# alternating. Usage: scripts/bench_lm.sh BIN_DIR [THREADS]
# Environment: BENCH_LM_CONFIG (default configs/agnews_pretrain.json), BENCH_BATCHES (20), BENCH_ROUNDS (3),
# BENCH_VENV (a virtualenv with torch; default .build/bench-venv, created and filled once as scripts/bench.sh does).
set -uo pipefail
bin=${1:-.build/release}
threads=${2:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
config=${BENCH_LM_CONFIG:-"$root/configs/agnews_pretrain.json"}
venv=${BENCH_VENV:-"$root/.build/bench-venv"}
batches=${BENCH_BATCHES:-20}
rounds=${BENCH_ROUNDS:-3}
if ! "$venv/bin/python" -c 'import torch' >/dev/null 2>&1; then
  python3 -m venv "$venv" >/dev/null 2>&1
  "$venv/bin/pip" install -q --index-url https://download.pytorch.org/whl/cpu torch >/dev/null 2>&1 \
    || "$venv/bin/pip" install -q torch >/dev/null 2>&1 || { echo "bench_lm: torch could not be installed" >&2; exit 1; }
fi
train=$(python3 -c "import json,os,sys; c=json.load(open(sys.argv[1])); print(os.path.normpath(os.path.join(os.path.dirname(sys.argv[1]), c['data']['train'])))" "$config")
read -r dim vocab batch maxlen < <(python3 -c "import json,sys; c=json.load(open(sys.argv[1])); print(c['embedding']['dim'], c['vocab']['max_size'], c['training']['batch_size'], c['tokenizer']['max_length'])" "$config")
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; threads: $threads; rounds: $rounds (best of); $(date -u +%F)"
echo "== $config: dim $dim, vocabulary up to $vocab, batch $batch, data $train"
best_ours=0; best_torch=0; cpu_ours=0; cpu_torch=0
for r in $(seq "$rounds"); do
  o=$("$bin/rnn-bench" lm --config "$config" --threads "$threads" --batches "$batches")
  t=$(OMP_NUM_THREADS=$threads "$venv/bin/python" -W ignore "$root/scripts/torch_lm.py" --data "$train" --dim "$dim" \
      --vocab "$vocab" --batch-size "$batch" --max-length "$maxlen" --threads "$threads" --batches "$batches")
  echo "round $r: ours $o"
  echo "round $r: pytorch $t"
  best_ours=$(python3 -c "import json,sys; print(max(float(sys.argv[1]), json.loads(sys.argv[2])['tokens_per_s']))" "$best_ours" "$o")
  best_torch=$(python3 -c "import json,sys; print(max(float(sys.argv[1]), json.loads(sys.argv[2])['tokens_per_s']))" "$best_torch" "$t")
  cpu_ours=$(python3 -c "import json,sys; print(max(float(sys.argv[1]), json.loads(sys.argv[2]).get('tokens_per_cpu_s', 0)))" "$cpu_ours" "$o")
  cpu_torch=$(python3 -c "import json,sys; print(max(float(sys.argv[1]), json.loads(sys.argv[2]).get('tokens_per_cpu_s', 0)))" "$cpu_torch" "$t")
done
echo "(tokens per CPU-second: ours $cpu_ours, PyTorch $cpu_torch; on a loaded machine the CPU figures compare better than wall time)"
printf "| threads | ours tokens/s | PyTorch tokens/s | ours / PyTorch |\n| ---: | ---: | ---: | ---: |\n"
python3 -c "import sys; o,t=float(sys.argv[2]),float(sys.argv[3]); print(f'| {sys.argv[1]} | {o:.0f} | {t:.0f} | {o/t:.2f} |')" "$threads" "$best_ours" "$best_torch"
