#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/targets/ and runs each for a bounded time.
#
#   scripts/fuzz.sh [TARGET...]        (default: every target)
#   FUZZ_SECONDS=60                    time per target
#
# The library sources are compiled once, outside SwiftPM, with
# -sanitize=fuzzer,address into .build/fuzz/libRNNKit.a (-enable-testing, so a
# target can reach internal entry points such as Checkpoint.decode); each target
# is one file plus fuzz/targets/FuzzScratch.swift. The committed seeds in
# fuzz/corpus/<target>/ are read but never written: new inputs go to
# .build/fuzz/corpus/<target>/, crashes to .build/fuzz/crashes/<target>/.
# Exit status 1 when any target found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
SWIFTC=${SWIFTC:-swiftc}
OUT=.build/fuzz
ALL_TARGETS=(checkpoint config corpus_tsv corpus_fasttext corpus_jsonl run_folder)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL_TARGETS[@]}")
mkdir -p "$OUT"

quiet() { grep -v -e "Cannot export local symbol" -e "^$" || true; }

# 1. The library, rebuilt when a source is newer than the archive.
mapfile -t SOURCES < <(find Sources/RNNKit -name '*.swift' | sort)
if [ ! -f "$OUT/libRNNKit.a" ] || [ -n "$(find Sources/RNNKit -name '*.swift' -newer "$OUT/libRNNKit.a" | head -1)" ]; then
    echo "fuzz: compiling the library with -sanitize=fuzzer,address (a few minutes)"
    "$SWIFTC" -emit-library -static -emit-module -module-name RNNKit -parse-as-library -enable-testing \
        -sanitize=fuzzer,address -O -g -wmo -suppress-warnings \
        -emit-module-path "$OUT/RNNKit.swiftmodule" -o "$OUT/libRNNKit.a" "${SOURCES[@]}" 2>&1 | quiet
fi

# 2. The targets.
for t in "${TARGETS[@]}"; do
    src=fuzz/targets/$t.swift
    [ -f "$src" ] || { echo "fuzz: no target $t (have: ${ALL_TARGETS[*]})" >&2; exit 2; }
    if [ ! -x "$OUT/$t" ] || [ "$src" -nt "$OUT/$t" ] || [ "$OUT/libRNNKit.a" -nt "$OUT/$t" ] \
       || [ fuzz/targets/FuzzScratch.swift -nt "$OUT/$t" ]; then
        "$SWIFTC" -sanitize=fuzzer,address -parse-as-library -O -g -module-name "fuzz_$t" \
            -I "$OUT" -L "$OUT" -lRNNKit "$src" fuzz/targets/FuzzScratch.swift -o "$OUT/$t" 2>&1 | quiet
    fi
done

# 3. Runs: each target for SECONDS_PER_TARGET, seeds first.
FUZZ_SCRATCH=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
export FUZZ_SCRATCH
trap 'rm -rf "$FUZZ_SCRATCH"' EXIT
status=0
summary=""
for t in "${TARGETS[@]}"; do
    work=$OUT/corpus/$t
    crashes=$OUT/crashes/$t
    mkdir -p "$work" "$crashes"
    log=$OUT/$t.log
    echo "fuzz: $t for ${SECONDS_PER_TARGET}s (log: $log)"
    set +e
    "$OUT/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$work" "fuzz/corpus/$t" > "$log" 2>&1
    rc=$?
    set -e
    last=$(grep -E "^#[0-9]+" "$log" | tail -1 || true)   # none when the seeds themselves fail
    execs=$(grep -E "stat::number_of_executed_units" "$log" | awk '{s+=$2} END {print s+0}')
    cov=$(echo "$last" | grep -oE "cov: [0-9]+" || echo "cov: ?")
    ft=$(echo "$last" | grep -oE "ft: [0-9]+" || echo "ft: ?")
    corp=$(echo "$last" | grep -oE "corp: [0-9]+/[0-9]+[a-zA-Z]*" || echo "corp: ?")
    result=ok
    if [ $rc -ne 0 ]; then
        result="CRASH (exit $rc): $(ls "$crashes" | head -3 | tr '\n' ' ')"
        grep -E "ERROR|Fatal error|==[0-9]+==" "$log" | head -5
        status=1
    fi
    line=$(printf "%-16s %10s execs  %-10s %-10s %-16s %s" "$t" "$execs" "$cov" "$ft" "$corp" "$result")
    echo "$line"
    summary+="$line"$'\n'
done
echo
echo "target             executions  coverage   features   corpus           result"
printf "%s" "$summary"
exit $status
