#!/usr/bin/env bash
# GEMM benchmark: our matmul (rnn-bench gemm) against numpy/OpenBLAS on the same shapes.
# Usage: scripts/bench_gemm.sh BIN_DIR [THREADS] [REPEAT] [ROUNDS]   (make bench-gemm calls it)
# ROUNDS > 1 alternates ours and numpy that many times and keeps the best of each cell,
# which helps on a shared machine.
set -u
BIN_DIR=${1:?usage: bench_gemm.sh BIN_DIR [THREADS] [REPEAT] [ROUNDS]}
THREADS=${2:-2}
REPEAT=${3:-5}
ROUNDS=${4:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
VENV="$ROOT/.build/bench-venv"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

have_numpy=0
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" >&2 || echo "bench_gemm: could not create the virtualenv $VENV" >&2
fi
if [ -x "$VENV/bin/python" ]; then
    if "$VENV/bin/python" -c 'import numpy, threadpoolctl' 2>/dev/null \
       || "$VENV/bin/pip" install --quiet numpy threadpoolctl >&2; then
        have_numpy=1
    fi
fi
if [ "$have_numpy" = 0 ]; then
    echo "bench_gemm: NUMPY NOT AVAILABLE (virtualenv or 'pip install numpy' failed): our numbers only" >&2
fi

OURS=() NUMPY=()
for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round/$ROUNDS: rnn-bench gemm --threads $THREADS --repeat $REPEAT" >&2
    "$BIN_DIR/rnn-bench" gemm --threads "$THREADS" --repeat "$REPEAT" --csv > "$WORK/ours$round.csv" \
        || { echo "bench_gemm: rnn-bench failed" >&2; exit 1; }
    OURS+=("$WORK/ours$round.csv")
    if [ "$have_numpy" = 1 ]; then
        echo "== round $round/$ROUNDS: numpy (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for this command only)" >&2
        # Both may be set on this machine for old OpenBLAS builds; they slow a current numpy.
        if env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" "$HERE/bench_gemm.py" measure \
               --shapes "$WORK/ours$round.csv" --threads "$THREADS" --repeat "$REPEAT" --out "$WORK/numpy$round.csv"; then
            NUMPY+=("$WORK/numpy$round.csv")
        else
            echo "bench_gemm: numpy run failed: our numbers only" >&2
        fi
    fi
done
python3 "$HERE/bench_gemm.py" table --threads "$THREADS" --ours "${OURS[@]}" ${NUMPY[@]+--numpy "${NUMPY[@]}"}
