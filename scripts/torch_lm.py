"""The language model of `task: "language_model"` in PyTorch, for scripts/bench_lm.sh.

Same model and step as ours: an embedding (padding row 0), a one-layer bidirectional LSTM
whose hidden size is the embedding width, the forward direction's state at t predicting token
t+1 and the backward direction's predicting t-1, each through logits = states @ embedding.T +
bias (tied weights, one matmul per direction over all predicting states), the padding column
left out, mean cross-entropy over both directions, gradient clipping, Adam. Per-line sequences
batched by length (packed, so the backward direction starts at each line's own last token).
Prints one JSON line: tokens_per_s over the timed batches.
"""
import argparse, json, random, time
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--data", required=True)
p.add_argument("--dim", type=int, default=128)
p.add_argument("--vocab", type=int, default=10000)
p.add_argument("--batch-size", type=int, default=32)
p.add_argument("--max-length", type=int, default=64)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--batches", type=int, default=20)
p.add_argument("--warmup", type=int, default=3)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(1)

texts = []
with open(a.data, encoding="utf-8") as f:
    for line in f:
        line = line.rstrip("\n")
        text = line.rsplit("\t", 1)[0] if "\t" in line else line
        tokens = text.lower().split()
        if len(tokens) >= 2:
            texts.append(tokens)
counts = Counter(t for s in texts for t in s)
itos = ["<pad>", "<unk>"] + [w for w, _ in counts.most_common(a.vocab - 2)]
stoi = {w: i for i, w in enumerate(itos)}
seqs = [[stoi.get(t, 1) for t in s[: a.max_length]] for s in texts]
V = len(itos)

class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(V, a.dim, padding_idx=0)
        self.lstm = nn.LSTM(a.dim, a.dim, batch_first=True, bidirectional=True)
        self.bias_f = nn.Parameter(torch.zeros(V))
        self.bias_b = nn.Parameter(torch.zeros(V))

    def forward(self, ids, lengths):
        x = self.embedding(ids)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        B, T, _ = out.shape
        pos = torch.arange(T).unsqueeze(0)
        L = lengths.unsqueeze(1)
        fmask = pos + 1 < L           # state t predicts t+1
        bmask = (pos >= 1) & (pos < L)  # state t predicts t-1
        hf = out[:, :, : a.dim][fmask]
        hb = out[:, :, a.dim :][bmask]
        tf = ids[:, 1:][fmask[:, :-1]]
        tb = ids[:, :-1][bmask[:, 1:]]
        w = self.embedding.weight
        lf = hf @ w.t() + self.bias_f
        lb = hb @ w.t() + self.bias_b
        lf[:, 0] = float("-inf")
        lb[:, 0] = float("-inf")
        n = tf.numel() + tb.numel()
        return (F.cross_entropy(lf, tf, reduction="sum") + F.cross_entropy(lb, tb, reduction="sum")) / n

model = LM()
opt = torch.optim.Adam(model.parameters(), lr=0.003)
order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
buckets = [order[i : i + a.batch_size] for i in range(0, len(order) - a.batch_size + 1, a.batch_size)]
random.Random(1).shuffle(buckets)
tokens = 0
start = None
for n in range(a.warmup + a.batches):
    idx = buckets[n % len(buckets)]
    batch = [seqs[i] for i in idx]
    lengths = torch.tensor([len(s) for s in batch])
    ids = torch.zeros(len(batch), int(lengths.max()), dtype=torch.long)
    for j, s in enumerate(batch):
        ids[j, : len(s)] = torch.tensor(s)
    if n == a.warmup:
        start = time.perf_counter()
        cpu_start = time.process_time()
    opt.zero_grad()
    loss = model(ids, lengths)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if n >= a.warmup:
        tokens += int(lengths.sum())
seconds = time.perf_counter() - start
cpu_seconds = time.process_time() - cpu_start
print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": a.threads, "vocab": V,
                  "dim": a.dim, "batch_size": a.batch_size, "tokens_per_s": tokens / seconds,
                  "tokens_per_cpu_s": tokens / cpu_seconds}))
