#!/usr/bin/env python3
"""rnn-predict as users run it: throughput of a whole file through the pipe, and the latency of
one line answered while the process stays open (write a line, wait for its answer, repeat).

  bench_predict.py RNN_PREDICT CHECKPOINT DATA.tsv [THREADS]   -> one JSON object on stdout
"""
import json, os, subprocess, sys, time

exe, ckpt, data = sys.argv[1:4]
threads = sys.argv[4] if len(sys.argv) > 4 else "2"
env = dict(os.environ)
cmd = [exe, ckpt, "--threads", threads]
with open(data, encoding="utf-8") as f:
    texts = [line.rstrip("\n").rpartition("\t")[0] for line in f if line.strip()]
payload = ("\n".join(texts) + "\n").encode()

# Throughput: the whole file in one pipe (includes loading the checkpoint once).
start = time.perf_counter()
out = subprocess.run(cmd, input=payload, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=True)
seconds = time.perf_counter() - start
answered = out.stdout.count(b"\n")

# Latency: one line at a time into a running process.
proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
times = []
for i in range(220):
    line = (texts[(i * 7919) % len(texts)] + "\n").encode()
    t = time.perf_counter()
    proc.stdin.write(line)
    proc.stdin.flush()
    proc.stdout.readline()
    if i >= 20:
        times.append(time.perf_counter() - t)
proc.stdin.close()
proc.wait()
times.sort()
print(json.dumps({"lines": answered, "lines_per_s": answered / seconds, "seconds": seconds,
                  "latency_ms": 1000 * sum(times) / len(times), "median_ms": 1000 * times[len(times) // 2]}))
