#!/usr/bin/env bash
# `make report-check`: renders the HTML reports (synthetic 1-, 5- and 200-epoch training reports,
# 2-, 3- and 100-class evaluation reports with CJK names, and a short real run on data/ with
# Chinese class names) and screenshots each with headless Chromium into .build/report-check/*.png,
# to be looked at. Installs Debian's chromium, fonts-dejavu-core and fonts-noto-cjk when missing.
# Usage: scripts/report_check.sh BIN_DIR
set -euo pipefail
bin=${1:-.build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build/report-check"
cd "$root"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
for p in fonts-dejavu-core fonts-noto-cjk; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "report-check: installing ${missing[*]} ..." >&2
  sudo_cmd=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

rm -rf "$out" && mkdir -p "$out"
# A short real run whose classes have Chinese names (data/classes.txt's order).
printf '财经\n房产\n股票\n教育\n科技\n社会\n时政\n体育\n游戏\n娱乐\n' > "$out/classes_zh.txt"
cat > "$out/sample.json" <<JSON
{"data": {"train": "$root/data/train.tsv", "dev": "$root/data/dev.tsv", "classes": "$out/classes_zh.txt"},
 "embedding": {"dim": 32}, "model": {"kind": "textrnn", "cell": "gru", "hidden_size": 32, "layers": 1},
 "training": {"epochs": 4, "batch_size": 64, "lr": 0.003, "log_every": 0}, "output": {"dir": "$out/run"}}
JSON
"$bin/rnn-train" "$out/sample.json" >/dev/null
"$bin/rnn-eval" "$out/run/best.ckpt" data/dev.tsv --report "$out/eval-sample.html" >/dev/null
RNN_REPORT_DIR="$out" RNN_REPORT_RUN="$out/run" swift test -c release --disable-swift-testing --filter ReportTests 2>&1 | grep -E "Executed [0-9]+ tests|error:" | head -5

for page in "$out"/*.html; do
  png="${page%.html}.png"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1800 \
    --screenshot="$png" "file://$page" >/dev/null 2>&1 || { echo "report-check: chromium failed on $page" >&2; exit 1; }
  echo "report-check: $png"
done
