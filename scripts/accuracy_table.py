#!/usr/bin/env python3
"""The two halves of `make accuracy`'s bookkeeping (scripts/accuracy.sh calls both).

  accuracy_table.py row SET MODEL RESOLVED_CONFIG.json WALL_S CPU_S [PRETRAIN_WALL_S PRETRAIN_CPU_S]
      -> one JSON line: the run's dev scores at its best epoch, read from OUTPUT_DIR/log.csv
  accuracy_table.py table RESULTS.jsonl COMMAND LOAD_AT_START
      -> the markdown block (machine, date, command, one table) on stdout

The best epoch is the one the run itself chose for best.ckpt: its `training.early_stopping.metric` (accuracy,
macro_f1, or loss, lowest), the first epoch on a tie, as the trainer keeps the first best. Accuracy and macro-F1
are that epoch's row of log.csv. Seconds are the wall time of the whole command (loading, vocabulary, every
epoch and its dev evaluation), and its CPU time (user + system: on a shared machine wall time grows with the
others' load, CPU time much less); for a fine-tuned config the pretraining's times are added and named.
"""
import csv, datetime, json, os, subprocess, sys


def row(set_name, model, config_path, seconds, cpu_seconds, pretrain_seconds=None, pretrain_cpu_seconds=None):
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    metric = config["training"]["early_stopping"]["metric"]
    with open(os.path.join(config["output"]["dir"], "log.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    column = {"accuracy": "dev_accuracy", "macro_f1": "dev_macro_f1", "loss": "dev_loss"}[metric]
    sign = -1 if metric == "loss" else 1
    best = rows[0]
    for r in rows[1:]:
        if sign * float(r[column]) > sign * float(best[column]):
            best = r
    result = {"set": set_name, "model": model, "dev_accuracy": float(best["dev_accuracy"]),
              "dev_macro_f1": float(best["dev_macro_f1"]), "train_seconds": float(seconds),
              "cpu_seconds": float(cpu_seconds),
              "epochs": len(rows), "best_epoch": int(best["epoch"]), "metric": metric}
    if pretrain_seconds is not None:
        result["pretrain_seconds"] = float(pretrain_seconds)
        result["train_seconds"] += float(pretrain_seconds)
        result["cpu_seconds"] += float(pretrain_cpu_seconds)
    print(json.dumps(result))


def machine(load_start):
    info = {}
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
    except FileNotFoundError:
        pass
    sockets = int(info.get("Socket(s)", "1") or 1)
    cores = int(info.get("Core(s) per socket", "0") or 0) * sockets
    threads = info.get("CPU(s)", str(os.cpu_count()))
    load = os.getloadavg()[0]
    return (f"{info.get('Model name', 'unknown CPU')}, {cores or '?'} cores, {threads} hardware threads; "
            f"1-minute load average {load_start} at the start, {load:.1f} at the end")


def table(results_path, command, load_start):
    results = [json.loads(line) for line in open(results_path, encoding="utf-8") if line.strip()]
    fasttext = {r["set"]: r for r in results if r["model"] == "fastText" and not r.get("failed")}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    if commit and dirty.stdout.strip():
        commit += " with uncommitted changes"
    lines = [f"- machine: {machine(load_start)}",
             f"- date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}, commit {commit or '?'}",
             f"- command: `{command}`",
             "",
             "| set | model | dev accuracy | dev macro-F1 | training s (wall) | CPU s | epochs (best) | ours − fastText (acc / F1) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        base = fasttext.get(r["set"])
        if r.get("failed"):
            lines.append(f"| {r['set']} | {r['model']} | failed: {r['failed']} | | | | | |")
            continue
        if r["model"] == "fastText":
            b = r["best"]
            model = f"fastText (epoch {b['epoch']}, lr {b['lr']}, wordNgrams {b['wordNgrams']}, dim {b['dim']})"
            epochs, delta = str(b["epoch"]), "—"
        else:
            model = r["model"]
            if "pretrain_seconds" in r:
                model += f" (incl. {r['pretrain_seconds']:.0f} s pretraining)"
            epochs = f"{r['epochs']} ({r['best_epoch']})"
            delta = (f"{r['dev_accuracy'] - base['dev_accuracy']:+.4f} / {r['dev_macro_f1'] - base['dev_macro_f1']:+.4f}"
                     if base else "no fastText row")
        seconds = f"{r['train_seconds']:.1f}" if r["train_seconds"] < 100 else f"{r['train_seconds']:.0f}"
        lines.append(f"| {r['set']} | {model} | {r['dev_accuracy']:.4f} | {r['dev_macro_f1']:.4f} | {seconds} | "
                     f"{r['cpu_seconds']:.0f} | {epochs} | {delta} |")
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) in (7, 9) and sys.argv[1] == "row":
        row(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "table":
        table(*sys.argv[2:])
    else:
        sys.exit(__doc__)
