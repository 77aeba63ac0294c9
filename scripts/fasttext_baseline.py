#!/usr/bin/env python3
"""Tuned fastText on our splits with our tokenisation: the baseline that `make accuracy` compares against.

  fasttext_baseline.py [--sets thucnews,agnews,trec] [--data ../shared/data] [--work .build/accuracy/fasttext]
                       [--threads 2] [--no-truncate]
  -> one JSON line per set on stdout, progress on stderr.

What it does, per set:
- Installs the `fasttext-numpy2` wheel from PyPI into `.build/accuracy-venv` the first time (then re-runs itself
  with that venv's python). Nothing else is installed; the project itself stays Swift only.
- Writes fastText-format train/dev files (`__label__<class index> tok tok ...`) with the tokenisation of our shipped
  configs (see SETS): THUCNews one token per Unicode scalar, whitespace included, as `Data/Tokenizer.swift` with
  `kind: char, keep_spaces: true`; fastText splits on ASCII whitespace, so the characters are written space-separated
  and a whitespace character becomes a visible placeholder token (`<U+0020>`, `<U+3000>`). English: lower-cased,
  split on runs of Unicode White_Space (the `word` tokenizer with `lowercase: true`). Texts are truncated to the
  config's `max_length` tokens, as our trainer truncates (--no-truncate to give fastText whole texts). Blank lines and
  empty texts are skipped as our reader skips them.
- Tunes on dev as a user would: epoch x lr x wordNgrams (SETS' grid), dim 100, minn = maxn = 0 (no subword
  n-grams), softmax loss, seed 1. For THUCNews the "words" are characters, so wordNgrams are character n-grams.
  fastText's Hogwild SGD is not deterministic with more than one thread, so the grid runs with thread=1 (the same
  numbers on every run); the best point is then retrained with --threads (2) and that time is the one reported
  (`train_seconds`), with the accuracy of that 2-thread model beside it for reference.
- Scores dev itself from fastText's top-1 predictions: accuracy and macro-F1 with the conventions of
  `Training/ConfusionMatrix.swift` (a class never predicted has precision 0, F1 0 when P + R = 0, plain mean over
  every class of classes.txt). The best grid point is the highest dev accuracy (ties: higher macro-F1, then the
  earlier grid point).
"""
import argparse, json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".build", "accuracy-venv")
WHEEL = "fasttext-numpy2==0.10.4"

GRID = {"epoch": [5, 10, 25], "lr": [0.1, 0.25, 0.5, 1.0], "wordNgrams": [1, 2, 3]}
FIXED = {"dim": 100, "minn": 0, "maxn": 0, "minCount": 1, "loss": "softmax", "seed": 1, "verbose": 0}

# The tokenizer sections of the shipped configs (configs/<set>_*.json); keep in step with them.
SETS = {
    "thucnews": {"kind": "char", "lowercase": False, "max_length": 32, "keep_spaces": True},
    "agnews": {"kind": "word", "lowercase": True, "max_length": 64},
    "trec": {"kind": "word", "lowercase": True, "max_length": 64},
}

# Unicode White_Space (what Swift's `Unicode.Scalar.Properties.isWhitespace` tests). Python's str.isspace() also
# counts U+001C..U+001F, so the set is spelled out.
WHITE_SPACE = set(map(chr, [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
                            0x2028, 0x2029, 0x202F, 0x205F, 0x3000]))


def ensure_fasttext():
    """Import fasttext, installing it into VENV and re-executing there when this python lacks it."""
    try:
        import fasttext  # noqa: F401
        return
    except ImportError:
        pass
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        sys.exit(f"fasttext_baseline: {VENV} exists but cannot import fasttext; delete it and run again")
    ready = os.path.exists(python) and subprocess.run([python, "-c", "import fasttext"], capture_output=True).returncode == 0
    if not ready:
        print(f"fasttext_baseline: installing {WHEEL} into {VENV} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", WHEEL], check=True)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


def tokens(text, spec, truncate):
    """Data/Tokenizer.swift, for the settings in `spec`."""
    if spec["lowercase"]:
        text = text.lower()
    if spec["kind"] == "char":
        out = [f"<U+{ord(c):04X}>" if c in WHITE_SPACE else c
               for c in text if spec.get("keep_spaces", True) or c not in WHITE_SPACE]
    else:
        out, word = [], []
        for c in text:
            if c in WHITE_SPACE:
                if word:
                    out.append("".join(word))
                    word = []
            else:
                word.append(c)
        if word:
            out.append("".join(word))
    return out[:spec["max_length"]] if truncate else out


def read_split(path, classes, spec, truncate):
    """(token lists, class indices) of a `text<TAB>label` file, as our tsv reader reads it."""
    texts, labels = [], []
    index = {name: i for i, name in enumerate(classes)}
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        lines = f.read().split("\n")  # only LF ends a line (a lone CR stays in its text, as in our reader)
    for number, line in enumerate(lines, 1):
        line = line.removesuffix("\r")
        if number == 1:
            line = line.lstrip("\ufeff")
        if not line.strip(" \t"):
            continue
        text, tab, label = line.rpartition("\t")
        if not tab:
            sys.exit(f"{path}:{number}: error: no tab in line")
        if not text.strip():
            continue
        if label in index:
            label = index[label]
        elif label.isdigit() and int(label) < len(classes):  # a class index, as our reader takes it
            label = int(label)
        else:
            sys.exit(f"{path}:{number}: error: label {label!r} is not in classes.txt")
        texts.append(tokens(text, spec, truncate))
        labels.append(label)
    return texts, labels


def write_fasttext(path, texts, labels):
    with open(path, "w", encoding="utf-8") as f:
        for toks, label in zip(texts, labels):
            f.write(f"__label__{label} {' '.join(toks)}\n")


def scores(predicted, actual, class_count):
    """Accuracy and macro-F1 with ConfusionMatrix.swift's conventions."""
    correct = sum(p == a for p, a in zip(predicted, actual))
    f1s = []
    for c in range(class_count):
        tp = sum(p == c and a == c for p, a in zip(predicted, actual))
        npred, support = predicted.count(c), actual.count(c)
        precision = tp / npred if npred else 0.0
        recall = tp / support if support else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return correct / len(actual), sum(f1s) / class_count


def train_and_score(train_path, dev_path, class_count, point, threads):
    """Trains one grid point and scores it on dev: {"accuracy", "macro_f1", "seconds", "cpu_seconds"} or {"error"}.

    Called in a fresh interpreter per model (`--worker`, see run_set). The binding (fasttext-numpy2 0.10.4) has
    memory-layout-dependent behaviour at wordNgrams 1 (its bucket table is then empty): in one long-lived process,
    or in a multiprocessing "spawn" child, the same point that trains cleanly in a plain new interpreter failed
    with "Encountered NaN." (TREC at lr 0.1, THUCNews at lr >= 0.25). A plain new interpreter per model is how a
    user runs fastText, and there every point of the grid trains, with the same numbers on every run.
    """
    import fasttext
    start, cpu_start = time.perf_counter(), time.process_time()  # process time: user + system of all threads
    try:
        model = fasttext.train_supervised(input=train_path, thread=threads, **point, **FIXED)
    except (RuntimeError, ValueError) as error:  # "Encountered NaN." when a too large lr diverges
        return {"error": str(error)}
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    with open(dev_path, encoding="utf-8") as f:
        lines = [line.rstrip("\n").partition(" ") for line in f]
    labels, _ = model.predict([text for _, _, text in lines], k=1)
    predicted = [int(l[0][len("__label__"):]) if l else -1 for l in labels]
    accuracy, macro_f1 = scores(predicted, [int(label[len("__label__"):]) for label, _, _ in lines], class_count)
    return {"accuracy": accuracy, "macro_f1": macro_f1, "seconds": seconds, "cpu_seconds": cpu_seconds}


def run_set(name, args):
    spec, folder = SETS[name], os.path.join(args.data, name)
    with open(os.path.join(folder, "classes.txt"), encoding="utf-8") as f:
        classes = [c for c in f.read().split("\n") if c]
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    train_path, dev_path = os.path.join(work, "train.txt"), os.path.join(work, "dev.txt")
    train_texts, train_labels = read_split(os.path.join(folder, "train.tsv"), classes, spec, not args.no_truncate)
    dev_texts, dev_labels = read_split(os.path.join(folder, "dev.tsv"), classes, spec, not args.no_truncate)
    write_fasttext(train_path, train_texts, train_labels)
    write_fasttext(dev_path, dev_texts, dev_labels)

    def train(point, threads):
        job = {"train": train_path, "dev": dev_path, "classes": len(classes), "point": point, "threads": threads}
        worker = [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(job)]
        done = subprocess.run(worker, capture_output=True, text=True)
        if done.returncode != 0:  # a crash of the binding: that point is lost, the grid goes on
            return {"error": f"worker exit {done.returncode}: {done.stderr.strip()[-300:]}"}
        return json.loads(done.stdout)

    grid_start, best, points = time.perf_counter(), None, 0
    for epoch in GRID["epoch"]:
        for lr in GRID["lr"]:
            for ngrams in GRID["wordNgrams"]:
                point = {"epoch": epoch, "lr": lr, "wordNgrams": ngrams}
                result = train(point, 1)
                if "error" in result:
                    print(f"{name}: {point}: {result['error']}", file=sys.stderr)
                    continue
                points += 1
                accuracy, macro_f1, seconds = result["accuracy"], result["macro_f1"], result["seconds"]
                print(f"{name}: {point} dev accuracy {accuracy:.4f} macro-F1 {macro_f1:.4f} ({seconds:.1f} s)",
                      file=sys.stderr)
                if best is None or (accuracy, macro_f1) > (best[1], best[2]):
                    best = (point, accuracy, macro_f1)
    grid_seconds = time.perf_counter() - grid_start
    point, accuracy, macro_f1 = best
    result = train(point, args.threads)
    if "error" in result:
        sys.exit(f"fasttext_baseline: {name}: the best point {point} failed with {args.threads} threads: "
                 f"{result['error']}")
    threaded_accuracy, seconds, cpu_seconds = result["accuracy"], result["seconds"], result["cpu_seconds"]
    return {"set": name, "model": "fastText", "best": {**point, **{k: FIXED[k] for k in ("dim", "minn", "maxn")}},
            "dev_accuracy": round(accuracy, 4), "dev_macro_f1": round(macro_f1, 4),
            "train_seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2), "threads": args.threads,
            "dev_accuracy_threads": round(threaded_accuracy, 4),
            "grid_points": points, "grid_seconds": round(grid_seconds, 1),
            "train_lines": len(train_texts), "dev_lines": len(dev_texts),
            "tokenizer": spec, "truncated": not args.no_truncate}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="thucnews,agnews,trec")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(ROOT), "shared", "data"))
    parser.add_argument("--work", default=os.path.join(ROOT, ".build", "accuracy", "fasttext"))
    parser.add_argument("--threads", type=int, default=2, help="threads of the timed retraining of the best point")
    parser.add_argument("--no-truncate", action="store_true", help="give fastText whole texts (no max_length)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # one model in this fresh process (JSON job)
    args = parser.parse_args()
    if args.worker:
        job = json.loads(args.worker)
        print(json.dumps(train_and_score(job["train"], job["dev"], job["classes"], job["point"], job["threads"])))
        return
    sets = [s for s in args.sets.split(",") if s]
    for name in sets:
        if name not in SETS:
            sys.exit(f"fasttext_baseline: unknown set {name!r} (known: {', '.join(SETS)})")
        if not os.path.isfile(os.path.join(args.data, name, "train.tsv")):
            sys.exit(f"fasttext_baseline: {os.path.join(args.data, name)} is absent: nothing to measure")
    ensure_fasttext()
    for name in sets:
        print(json.dumps(run_set(name, args)), flush=True)


if __name__ == "__main__":
    main()
