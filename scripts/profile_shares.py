#!/usr/bin/env python3
"""Groups a `perf record` profile of rnn-bench into the categories of docs/BENCHMARKS.md.

Usage: perf report -i perf.data --no-children --sort symbol -g none | scripts/profile_shares.py
Prints one Markdown table row: matmul | packing B | elementwise | alloc/zero/copy | optimizer+clip | data | other.
"""
import re
import sys

groups = [
    ("matmul", r"MatmulCore.*(run_|Kernel|kernel|shortRows|direct)|MatmulCore.*packA"),
    ("packing B", r"MatmulCore.*packB"),
    ("elementwise", r"LSTMCell|GRUCell|ElmanCell|JordanCell|Elementwise|MaxPooling|TokenRows|Embedding"),
    ("alloc/zero/copy", r"memset|memmove|memcpy|malloc|_int_free|cfree|\[k\]"),
    ("optimizer + clip", r"Adam|SGD|GradientNorm|clipGradient"),
    ("data", r"CorpusReader|Tokenizer|UTF8|Vocabulary|String|Dictionary|Hasher|LineReader|CorpusEncoder"),
]
shares = {name: 0.0 for name, _ in groups}
shares["other"] = 0.0
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+(\[[.k]\])\s+(.*)", line)
    if not m:
        continue
    share, kind, symbol = float(m.group(1)), m.group(2), m.group(3)
    text = kind + " " + symbol
    for name, pattern in groups:
        if re.search(pattern, text):
            shares[name] += share
            break
    else:
        shares["other"] += share
print(" | ".join(f"{shares[name]:.1f}" for name in [g[0] for g in groups] + ["other"]))
