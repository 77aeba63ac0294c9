#!/usr/bin/env bash
# GEMM benchmark: our matmul (rnn-bench gemm) against numpy/OpenBLAS on the same shapes.
# Usage: scripts/bench_gemm.sh BIN_DIR [THREADS] [REPEAT]   (make bench-gemm calls it)
set -u
BIN_DIR=${1:?usage: bench_gemm.sh BIN_DIR [THREADS] [REPEAT]}
THREADS=${2:-2}
REPEAT=${3:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
VENV="$ROOT/.build/bench-venv"
OURS=$(mktemp) NUMPY=$(mktemp)
trap 'rm -f "$OURS" "$NUMPY"' EXIT

echo "== rnn-bench gemm --threads $THREADS --repeat $REPEAT" >&2
"$BIN_DIR/rnn-bench" gemm --threads "$THREADS" --repeat "$REPEAT" --csv > "$OURS" || { echo "rnn-bench failed" >&2; exit 1; }

have_numpy=0
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" >&2 || echo "bench_gemm: could not create $VENV" >&2
fi
if [ -x "$VENV/bin/python" ]; then
    if "$VENV/bin/python" -c 'import numpy, threadpoolctl' 2>/dev/null \
       || "$VENV/bin/pip" install --quiet numpy threadpoolctl >&2; then
        have_numpy=1
    fi
fi
if [ "$have_numpy" = 1 ]; then
    echo "== numpy (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for this command only)" >&2
    # These two may be set on this machine for old OpenBLAS builds; they slow a current numpy.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" "$HERE/bench_gemm.py" \
        --threads "$THREADS" --repeat "$REPEAT" --ours "$OURS" > "$NUMPY" || have_numpy=0
fi
if [ "$have_numpy" = 1 ]; then
    cat "$NUMPY"
else
    echo "bench_gemm: NUMPY NOT AVAILABLE (venv or 'pip install numpy' failed): printing our numbers only" >&2
    python3 "$HERE/bench_gemm.py" --ours "$OURS" --threads "$THREADS" --no-numpy
fi
