#!/usr/bin/env python3
"""`make scale-check`, Spark part: rnn-predict as the map step of RDD.pipe in local[2] mode.

  spark_check.py --bin BIN --model MODEL --input LINES --expected PLAIN_OUTPUT [--partitions 4]

Checks that the piped output equals a plain run's, line for line and in order, and that a model
path that does not exist makes the job fail (checkCode=True turns rnn-predict's exit 2 into an
error) instead of producing empty output. Prints one line per check; exits 1 if one fails.
"""
import argparse, sys, time

from pyspark import SparkConf, SparkContext


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--partitions", type=int, default=4)
    args = ap.parse_args()
    conf = SparkConf().setMaster("local[2]").setAppName("rnn-predict scale check").set("spark.ui.enabled", "false")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    ok = True
    try:
        lines = sc.textFile(args.input, minPartitions=args.partitions)
        start = time.time()
        # One rnn-predict per partition; the model is loaded once per process.
        out = lines.pipe(f"{args.bin}/rnn-predict {args.model} --threads 1", checkCode=True).collect()
        seconds = time.time() - start
        with open(args.expected, encoding="utf-8") as f:
            expected = f.read().split("\n")[:-1]
        same = out == expected
        ok &= same
        print(f"spark: local[2], {lines.getNumPartitions()} partitions, {len(out)} lines in {seconds:.1f} s: "
              f"{'identical to the plain run' if same else 'DIFFERENT from the plain run'}")
        try:
            lines.pipe(f"{args.bin}/rnn-predict /nonexistent/model.ckpt", checkCode=True).collect()
            ok = False
            print("spark: a missing model did NOT fail the job")
        except Exception as e:  # Py4J wraps the worker's RuntimeError
            text = str(e)
            failed = "exited with error code 2" in text
            ok &= failed
            print("spark: missing model path: " + ("job failed, 'exited with error code 2'" if failed else "failed, but not with exit code 2: " + text[:300]))
    finally:
        sc.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
