#!/usr/bin/env python3
"""numpy (OpenBLAS) side of the GEMM benchmark, and the combined table.

  bench_gemm.py measure --shapes OURS.csv --threads N --repeat R --out NUMPY.csv
      times numpy on the shapes listed in OURS.csv (output of `rnn-bench gemm --csv`)
      at 1 and N threads, and prints which OpenBLAS build and kernel numpy runs.
  bench_gemm.py table --threads N --ours A.csv [B.csv ...] [--numpy X.csv [Y.csv ...]]
      prints one markdown table; with several rounds, each cell is the best round.
"""
import argparse
import csv
import sys
import time


def time_numpy(np, m, k, n, flags, repeat):
    """Best GFLOPS of C = op(A) op(B), stored as ours: A^T as [K, M], B^T as [N, K]."""
    rng = np.random.default_rng(1)
    a_t, b_t = flags.startswith("A^T"), flags.endswith("B^T")
    a = rng.uniform(-1, 1, (k, m) if a_t else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k) if b_t else (k, n)).astype(np.float32)
    opa, opb = (a.T if a_t else a), (b.T if b_t else b)
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(opa, opb, out=c)
    t0 = time.perf_counter()
    np.matmul(opa, opb, out=c)
    single = time.perf_counter() - t0
    calls = max(1, int(0.05 / max(single, 1e-7)))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(calls):
            np.matmul(opa, opb, out=c)
        best = min(best, (time.perf_counter() - t0) / calls)
    return 2.0 * m * n * k / best * 1e-9


def measure(args):
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    for pool in threadpool_info():
        print(f"numpy {np.__version__}: {pool.get('internal_api')} {pool.get('version')} "
              f"kernel={pool.get('architecture')} threading={pool.get('threading_layer')} "
              f"max_threads={pool.get('num_threads')}", file=sys.stderr)
    with open(args.shapes) as f:
        rows = list(csv.DictReader(f))
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["shape", "np_1t", f"np_{args.threads}t"])
        for row in rows:
            m, k, n = int(row["m"]), int(row["k"]), int(row["n"])
            with threadpool_limits(limits=1):
                one = time_numpy(np, m, k, n, row["flags"], args.repeat)
            with threadpool_limits(limits=args.threads):
                many = time_numpy(np, m, k, n, row["flags"], args.repeat)
            w.writerow([row["shape"], f"{one:.2f}", f"{many:.2f}"])


def best_of(files, columns):
    """shape -> {column: best value over files}, plus rows of the first file in order."""
    best, order = {}, []
    for path in files:
        with open(path) as f:
            for row in csv.DictReader(f):
                if row["shape"] not in best:
                    best[row["shape"]] = dict(row)
                    order.append(row["shape"])
                for col in columns:
                    best[row["shape"]][col] = max(float(best[row["shape"]][col]), float(row[col]))
    return best, order


def table(args):
    nt = args.threads
    ours, order = best_of(args.ours, ["gflops_1t", f"gflops_{nt}t"])
    numpy = best_of(args.numpy, ["np_1t", f"np_{nt}t"])[0] if args.numpy else {}
    head = ["shape (MxKxN)", "op", "ours 1T", f"ours {nt}T", "numpy 1T", f"numpy {nt}T",
            "ours/np 1T", f"ours/np {nt}T", f"ours {nt}T/1T"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for shape in order:
        o = ours[shape]
        o1, oN = float(o["gflops_1t"]), float(o[f"gflops_{nt}t"])
        cells = [shape, o["flags"], f"{o1:.1f}", f"{oN:.1f}"]
        if shape in numpy:
            n1, nN = float(numpy[shape]["np_1t"]), float(numpy[shape][f"np_{nt}t"])
            cells += [f"{n1:.1f}", f"{nN:.1f}", f"{o1 / n1:.2f}", f"{oN / nN:.2f}"]
        else:
            cells += ["n/a"] * 4
        cells.append(f"{oN / o1:.2f}")
        print("| " + " | ".join(cells) + " |")
    rounds = len(args.ours)
    print(f"GFLOPS (2*M*N*K / time), best of {rounds} round(s) x the repeats per round.")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--shapes", required=True)
    m.add_argument("--threads", type=int, default=2)
    m.add_argument("--repeat", type=int, default=5)
    m.add_argument("--out", required=True)
    t = sub.add_parser("table")
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--ours", nargs="+", required=True)
    t.add_argument("--numpy", nargs="*", default=[])
    args = ap.parse_args()
    measure(args) if args.cmd == "measure" else table(args)


if __name__ == "__main__":
    main()
