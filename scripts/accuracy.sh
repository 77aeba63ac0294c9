#!/usr/bin/env bash
# `make accuracy`: trains every shipped accuracy config of THUCNews, AG News and TREC (train -> dev) and, in the
# same run, tuned fastText on the same splits with the same tokenisation (scripts/fasttext_baseline.py), then
# prints one table and writes it, with the machine, date and command, to .build/accuracy/ACCURACY-block.md,
# ready to paste into docs/ACCURACY.md.
#
#   scripts/accuracy.sh [BIN_DIR]            BIN_DIR defaults to .build/release
#   ACCURACY_SETS=trec,agnews                only these sets (default thucnews,agnews,trec)
#   ACCURACY_CONFIGS='textrcnn|_best'        only configs whose base name matches this extended regex
#                                            (fastText still runs for every chosen set)
#   ACCURACY_THREADS=2                       threads of every training, ours and fastText's timed run
#   ACCURACY_FASTTEXT=0                      skip fastText (no "ours - fastText" column then)
#
# Configs: configs/<set>_*.json. `<name>_pretrain.json` is not scored on its own: it runs just before
# `<name>_finetune.json` (with bin/rnn-pretrain when that tool exists, else rnn-train), and the finetune row's
# seconds include it. A failed training is a table row "failed" and makes the script exit 1 at the end.
set -euo pipefail
bin=${1:-.build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/../shared/data
out=$root/.build/accuracy
sets=${ACCURACY_SETS:-thucnews,agnews,trec}
pattern=${ACCURACY_CONFIGS:-}
threads=${ACCURACY_THREADS:-2}
command="${ACCURACY_SETS:+ACCURACY_SETS=$ACCURACY_SETS }${ACCURACY_CONFIGS:+ACCURACY_CONFIGS='$ACCURACY_CONFIGS' }"
command+="${ACCURACY_THREADS:+ACCURACY_THREADS=$ACCURACY_THREADS }${ACCURACY_FASTTEXT:+ACCURACY_FASTTEXT=$ACCURACY_FASTTEXT }make accuracy"

IFS=, read -r -a set_list <<< "$sets"
for set in "${set_list[@]}"; do
  if [ ! -f "$data/$set/train.tsv" ] || [ ! -f "$data/$set/dev.tsv" ]; then
    echo "accuracy: $data/$set/{train,dev}.tsv absent: this needs ../shared/data beside the project (read-only" \
         "data sets, see its README); nothing measured." >&2
    exit 1
  fi
done
for tool in rnn-train; do
  [ -x "$bin/$tool" ] || { echo "accuracy: $bin/$tool not found: build first (make build)" >&2; exit 1; }
done

load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
mkdir -p "$out/logs"
results=$out/results.jsonl
: > "$results"
failed=0

# Runs one tool on one config with its output in $out/logs; prints "WALL_SECONDS CPU_SECONDS" (user + system,
# which a busy shared machine inflates less than wall time); fails like the tool.
run_tool() {
  local tool=$1 config=$2 name status TIMEFORMAT='%R %U %S'
  name=$(basename "$config" .json)
  echo "accuracy: $tool $name ($threads threads), log $out/logs/$name.log" >&2
  status=0
  { time "$bin/$tool" "$config" --overwrite --threads "$threads" > "$out/logs/$name.log" 2>&1 ; } \
    2> "$out/logs/$name.time" || status=$?
  if [ "$status" -ne 0 ]; then
    tail -5 "$out/logs/$name.log" >&2
    return "$status"
  fi
  awk '{ printf "%.1f %.1f\n", $1, $2 + $3 }' "$out/logs/$name.time"
}

for set in "${set_list[@]}"; do
  for config in "$root"/configs/"$set"_*.json; do
    [ -e "$config" ] || continue
    name=$(basename "$config" .json)
    case $name in *_pretrain) continue ;; esac
    if [ -n "$pattern" ] && ! grep -Eq -- "$pattern" <<< "$name"; then continue; fi
    pretrain_seconds=()
    if [[ $name == *_finetune ]] && [ -f "${config%_finetune.json}_pretrain.json" ]; then
      pretrain=${config%_finetune.json}_pretrain.json
      tool=rnn-train; [ -x "$bin/rnn-pretrain" ] && tool=rnn-pretrain
      if seconds=$(run_tool "$tool" "$pretrain"); then
        read -r -a pretrain_seconds <<< "$seconds"
      else
        echo "{\"set\": \"$set\", \"model\": \"$name\", \"failed\": \"pretraining, exit $?\"}" >> "$results"
        failed=1; continue
      fi
    fi
    if seconds=$(run_tool rnn-train "$config"); then
      "$bin/rnn-train" --print-config "$config" > "$out/logs/$name.config.json"
      read -r -a seconds <<< "$seconds"
      python3 "$root/scripts/accuracy_table.py" row "$set" "$name" "$out/logs/$name.config.json" "${seconds[@]}" \
        "${pretrain_seconds[@]}" >> "$results"
    else
      echo "{\"set\": \"$set\", \"model\": \"$name\", \"failed\": \"exit $?\"}" >> "$results"
      failed=1
    fi
  done
  if [ "${ACCURACY_FASTTEXT:-1}" != 0 ]; then
    echo "accuracy: fastText on $set (grid of 36 models, log $out/logs/fasttext_$set.log)" >&2
    if ! python3 "$root/scripts/fasttext_baseline.py" --sets "$set" --data "$data" --threads "$threads" \
        >> "$results" 2> "$out/logs/fasttext_$set.log"; then
      tail -5 "$out/logs/fasttext_$set.log" >&2
      echo "{\"set\": \"$set\", \"model\": \"fastText\", \"failed\": \"see $out/logs/fasttext_$set.log\"}" >> "$results"
      failed=1
    fi
  fi
done

python3 "$root/scripts/accuracy_table.py" table "$results" "$command" "$load_start" > "$out/ACCURACY-block.md"
cat "$out/ACCURACY-block.md"
echo "accuracy: the block above is in $out/ACCURACY-block.md (paste it into docs/ACCURACY.md)" >&2
exit "$failed"
