#!/usr/bin/env python3
"""PyTorch (eager, CPU) reference for `make bench`: the same models, data and sizes as ours.

Prints one JSON object per measurement on stdout. Run by scripts/bench.sh inside the
virtualenv it creates; never by the tests.

  torch_reference.py --data TRAIN.tsv --model textrnn|textrcnn|textrcnn_reference --threads 2 --what train|infer|latency|memory

Mirrors configs/thucnews_textrnn.json, configs/thucnews_textrcnn.json (the "paper" variant, our
default) and configs/thucnews_textrcnn_reference.json (the reference repository's variant). Every sequence is padded to 32 steps and the LSTM runs over all
of them, as the reference repository does. Latency is the mean over many single sentences.
"""
import argparse, json, os, resource, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD_LEN = 32


def load(path, limit):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            text, _, label = line.rpartition("\t")
            texts.append(text)
            labels.append(int(label))
            if len(texts) >= limit:
                break
    counts = {}
    for t in texts:
        for ch in t:
            counts[ch] = counts.get(ch, 0) + 1
    vocab = {"<pad>": 0, "<unk>": 1}
    for ch, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: 10000 - 2]:
        vocab[ch] = len(vocab)
    ids = torch.zeros(len(texts), PAD_LEN, dtype=torch.long)
    lengths = torch.zeros(len(texts), dtype=torch.long)
    for i, t in enumerate(texts):
        seq = [vocab.get(ch, 1) for ch in t[:PAD_LEN]]
        ids[i, : len(seq)] = torch.tensor(seq)
        lengths[i] = max(1, len(seq))
    return ids, lengths, torch.tensor(labels), len(vocab)


class TextRNN(nn.Module):
    """Embedding 300 -> 2-layer BiLSTM 128 -> [fwd state at last real token | bwd state at token 0] -> fc."""

    def __init__(self, vocab, classes=10):
        super().__init__()
        self.embedding = nn.Embedding(vocab, 300, padding_idx=0)
        self.lstm = nn.LSTM(300, 128, 2, bidirectional=True, batch_first=True, dropout=0.5)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(256, classes)

    def forward(self, ids, lengths):
        out, _ = self.lstm(self.embedding(ids))  # padded to 32, as the reference repository runs it
        idx = (lengths - 1).clamp(min=0)
        fwd = out[torch.arange(ids.size(0)), idx, :128]
        bwd = out[:, 0, 128:]
        return self.fc(self.dropout(torch.cat([fwd, bwd], 1)))


class TextRCNN(nn.Module):
    """Paper form (Lai et al. 2015), our default `rcnn_variant: paper` with rcnn_proj_size 0 = hidden:
    embedding 300 -> 1-layer BiLSTM 256; x[t] = [fwd out at t-1 | e[t] | bwd out at t+1] (zeros at
    the ends) -> tanh(proj 812 -> 256) -> max over time -> dropout (0.0 in the config) -> fc."""

    def __init__(self, vocab, classes=10, hidden=256, proj=256, dropout=0.0):
        super().__init__()
        self.hidden = hidden
        self.embedding = nn.Embedding(vocab, 300, padding_idx=0)
        self.lstm = nn.LSTM(300, hidden, 1, bidirectional=True, batch_first=True)
        self.proj = nn.Linear(2 * hidden + 300, proj)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(proj, classes)

    def forward(self, ids, lengths):
        e = self.embedding(ids)
        out, _ = self.lstm(e)
        h = self.hidden
        left = F.pad(out[:, :-1, :h], (0, 0, 1, 0))   # forward output at t-1, zero at t = 0
        right = F.pad(out[:, 1:, h:], (0, 0, 0, 1))   # backward output at t+1, zero at the end
        z = torch.tanh(self.proj(torch.cat([left, e, right], 2)))
        return self.fc(self.dropout(z.max(1).values))


class TextRCNNReference(nn.Module):
    """Chinese-Text-Classification-Pytorch's TextRCNN, our `rcnn_variant: reference`: embedding 300 ->
    1-layer BiLSTM 256 -> relu([e[t] | fwd out at t | bwd out at t]) -> max over time -> fc (no projection)."""

    def __init__(self, vocab, classes=10, hidden=256):
        super().__init__()
        self.embedding = nn.Embedding(vocab, 300, padding_idx=0)
        self.lstm = nn.LSTM(300, hidden, 1, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(2 * hidden + 300, classes)

    def forward(self, ids, lengths):
        e = self.embedding(ids)
        out, _ = self.lstm(e)
        return self.fc(F.relu(torch.cat([e, out], 2)).max(1).values)


MODELS = {"textrnn": TextRNN, "textrcnn": TextRCNN, "textrcnn_reference": TextRCNNReference}


def batches(n, size, step):
    start = (step * size) % max(1, n - size)
    return slice(start, start + size)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", choices=sorted(MODELS), required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--what", choices=["train", "infer", "latency", "memory"], required=True)
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    ids, lengths, labels, vocab = load(args.data, 10**9)
    model = MODELS[args.model](vocab)
    n = ids.size(0)
    result = {"impl": "pytorch", "torch": torch.__version__, "model": args.model, "what": args.what, "threads": args.threads}

    if args.what in ("train", "memory"):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        model.train()

        def step(i):
            s = batches(n, 128, i)
            opt.zero_grad()
            loss = F.cross_entropy(model(ids[s], lengths[s]), labels[s])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()

        for i in range(args.warmup):
            step(i)
        t = time.perf_counter()
        for i in range(args.batches):
            step(args.warmup + i)
        dt = time.perf_counter() - t
        result["examples_per_s"] = 128 * args.batches / dt
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    else:
        model.eval()
        size = 128 if args.what == "infer" else 1
        reps = args.batches if args.what == "infer" else args.batches * 20
        with torch.inference_mode():
            for i in range(args.warmup):
                s = batches(n, size, i)
                model(ids[s], lengths[s])
            t = time.perf_counter()
            for i in range(reps):
                s = batches(n, size, args.warmup + i)
                model(ids[s], lengths[s])
            dt = time.perf_counter() - t
        if args.what == "infer":
            result["examples_per_s"] = size * reps / dt
        else:
            result["latency_ms"] = 1000.0 * dt / reps
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
