#!/usr/bin/env python3
"""Times numpy (OpenBLAS) matmul on the shapes of `rnn-bench gemm` and prints one table
next to our numbers.  Usage: bench_gemm.py --ours OURS.csv [--threads N] [--repeat R] [--no-numpy]
OURS.csv is the output of `rnn-bench gemm --csv` (shape,flags,m,k,n,gflops_1t,gflops_Nt)."""
import argparse
import csv
import time


def time_numpy(np, m, k, n, flags, repeat):
    """Best GFLOPS of C = op(A) op(B) with the same storage as ours (A^T stored [K, M], B^T stored [N, K])."""
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-numpy", action="store_true")
    args = ap.parse_args()
    with open(args.ours) as f:
        rows = list(csv.DictReader(f))
    nt = args.threads

    np = None
    if not args.no_numpy:
        import numpy as np
        from threadpoolctl import threadpool_info, threadpool_limits
        for pool in threadpool_info():
            print(f"# numpy {np.__version__}: {pool.get('internal_api')} {pool.get('version')} "
                  f"kernel={pool.get('architecture')} threading={pool.get('threading_layer')} "
                  f"max_threads={pool.get('num_threads')}")
        for row in rows:
            m, k, n = int(row["m"]), int(row["k"]), int(row["n"])
            with threadpool_limits(limits=1):
                row["np1"] = time_numpy(np, m, k, n, row["flags"], args.repeat)
            with threadpool_limits(limits=nt):
                row["npN"] = time_numpy(np, m, k, n, row["flags"], args.repeat)

    head = ["shape (MxKxN)", "op", "ours 1T", f"ours {nt}T", "numpy 1T", f"numpy {nt}T",
            "ours/np 1T", f"ours/np {nt}T", f"ours {nt}T/1T"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for row in rows:
        o1, oN = float(row["gflops_1t"]), float(row[f"gflops_{nt}t"])
        cells = [row["shape"], row["flags"], f"{o1:.1f}", f"{oN:.1f}"]
        if np is not None:
            cells += [f"{row['np1']:.1f}", f"{row['npN']:.1f}", f"{o1 / row['np1']:.2f}", f"{oN / row['npN']:.2f}"]
        else:
            cells += ["n/a"] * 4
        cells.append(f"{oN / o1:.2f}")
        print("| " + " | ".join(cells) + " |")
    print("(GFLOPS, best of the repeats; 1 GFLOP = 1e9 multiply-or-add operations, 2*M*N*K per product)")


if __name__ == "__main__":
    main()
