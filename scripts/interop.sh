#!/usr/bin/env bash
# `make interop`: exported models against equivalent PyTorch modules, both ways (scripts/interop_check.py).
# Usage: scripts/interop.sh BIN_DIR
# Environment: BENCH_VENV (a virtualenv that already has torch; default .build/bench-venv, shared with
# `make bench`), INTEROP_ONLY (run the cases whose name contains this).
# Not part of `make test`: torch is large. The venv is made once and reused; torch is installed
# the way scripts/bench.sh installs it (CPU wheels when their index is reachable, else PyPI).
set -euo pipefail
bin=${1:-.build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${BENCH_VENV:-"$root/.build/bench-venv"}

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c 'import torch' >/dev/null 2>&1; then
  echo "interop: installing torch into $venv (once) ..." >&2
  "$venv/bin/pip" install -q --timeout 20 --retries 1 --index-url https://download.pytorch.org/whl/cpu torch >/dev/null 2>&1 \
    || "$venv/bin/pip" install -q torch \
    || { echo "interop: torch could not be installed into $venv" >&2; exit 1; }
fi
if ! "$venv/bin/python" -c 'import safetensors.torch, numpy' >/dev/null 2>&1; then
  echo "interop: installing safetensors and numpy into $venv (once) ..." >&2
  "$venv/bin/pip" install -q safetensors numpy || { echo "interop: safetensors could not be installed" >&2; exit 1; }
fi
cd "$root"
exec "$venv/bin/python" -W ignore scripts/interop_check.py --bin "$bin" --work .build/interop --data data ${INTEROP_ONLY:+--only "$INTEROP_ONLY"}
