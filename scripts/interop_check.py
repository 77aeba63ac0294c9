#!/usr/bin/env python3
"""`make interop`: our exported models are PyTorch models, both ways.

For each model kind and cell (TextRNN with each pooling, TextRCNN paper and reference, LSTM, GRU,
Elman tanh/relu, Jordan): train a tiny model with rnn-train (1 epoch of data/train.tsv), export it
with rnn-export, build the equivalent torch.nn.Module from the folder's config.json, load
model.safetensors with safetensors.torch.load_file + load_state_dict(strict=True), tokenise the
same lines with vocab.txt and the config's tokenizer, and compare its logits with
`rnn-predict --logits` (max |difference| must be <= TOLERANCE). Then train one Adam step in
PyTorch, write the folder back (save_file + the same config.json and vocab.txt) and check that
rnn-predict gives PyTorch's new logits.

Sentences run one at a time (no padding), which is what our masks compute: `last` pooling reads
the forward state at the last real token and the backward state at the first, not `out[:, -1]`.
The Jordan cell has no PyTorch module: `Jordan` below follows docs/RECURRENT.md.

  interop_check.py --bin .build/release [--work .build/interop] [--data data]
"""
import argparse, json, os, re, shutil, subprocess, sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

TOLERANCE = 1e-5

CASES = [
    ("textrnn-lstm-bi2-last", {"kind": "textrnn", "cell": "lstm", "layers": 2, "bidirectional": True, "pooling": "last"}),
    ("textrnn-lstm-uni1-max", {"kind": "textrnn", "cell": "lstm", "layers": 1, "bidirectional": False, "pooling": "max"}),
    ("textrnn-gru-bi1-mean", {"kind": "textrnn", "cell": "gru", "layers": 1, "bidirectional": True, "pooling": "mean"}),
    ("textrnn-gru-uni2-attention", {"kind": "textrnn", "cell": "gru", "layers": 2, "bidirectional": False, "pooling": "attention"}),
    ("textrnn-tanh-bi2-last", {"kind": "textrnn", "cell": "rnn_tanh", "layers": 2, "bidirectional": True, "pooling": "last"}),
    ("textrnn-relu-bi1-attention", {"kind": "textrnn", "cell": "rnn_relu", "layers": 1, "bidirectional": True, "pooling": "attention"}),
    ("textrnn-jordan-bi2-last", {"kind": "textrnn", "cell": "jordan", "layers": 2, "bidirectional": True, "pooling": "last"}),
    ("textrnn-jordan-uni1-max", {"kind": "textrnn", "cell": "jordan", "layers": 1, "bidirectional": False, "pooling": "max"}),
    ("bilstm-mean", {"kind": "bilstm", "layers": 1, "pooling": "mean"}),
    ("textrcnn-paper-lstm", {"kind": "textrcnn", "cell": "lstm", "layers": 1, "rcnn_variant": "paper", "rcnn_proj_size": 10}),
    ("textrcnn-paper-gru2", {"kind": "textrcnn", "cell": "gru", "layers": 2, "rcnn_variant": "paper"}),
    ("textrcnn-reference-lstm", {"kind": "textrcnn", "cell": "lstm", "layers": 1, "rcnn_variant": "reference"}),
    ("textrcnn-reference-jordan", {"kind": "textrcnn", "cell": "jordan", "layers": 1, "rcnn_variant": "reference"}),
]


def read_vocab(path):
    """vocab.txt: one token per line; \\\\, \\n, \\r and \\uXXXX escaped (Sources/RNNKit/Interop/VocabularyFile.swift)."""
    def unescape(m):
        g = m.group(1)
        return {"\\": "\\", "n": "\n", "r": "\r"}.get(g) or chr(int(g[1:], 16))
    with open(path, encoding="utf-8", newline="\n") as f:
        return [re.sub(r"\\(\\|n|r|u[0-9a-fA-F]{4})", unescape, line) for line in f.read().split("\n")[:-1]]


def tokenize(text, tok):
    """Our Tokenizer: char = one token per code point (whitespace dropped unless keep_spaces), word =
    runs of non-whitespace; lowercase first; the first max_length tokens."""
    if tok["lowercase"]:
        text = text.lower()
    tokens = [c for c in text if tok["keep_spaces"] or not c.isspace()] if tok["kind"] == "char" else text.split()
    return tokens[: tok["max_length"]]


class Jordan(nn.Module):
    """h_t = tanh(W_ih x_t + b_ih + W_hh y_{t-1} + b_hh), y_t = tanh(W_hy h_t + b_hy), y_0 = 0; the layer
    outputs y; the reverse direction starts at the last token. Parameter names as ours (docs/RECURRENT.md)."""

    def __init__(self, input_size, hidden, layers, bidirectional, dropout):
        super().__init__()
        self.hidden, self.layers, self.dirs, self.dropout = hidden, layers, 2 if bidirectional else 1, dropout
        for k in range(layers):
            size = input_size if k == 0 else self.dirs * hidden
            for sfx in ["", "_reverse"][: self.dirs]:
                for name, shape in [("weight_ih", (hidden, size)), ("weight_hh", (hidden, hidden)), ("bias_ih", (hidden,)),
                                    ("bias_hh", (hidden,)), ("weight_hy", (hidden, hidden)), ("bias_hy", (hidden,))]:
                    self.register_parameter(f"{name}_l{k}{sfx}", nn.Parameter(torch.zeros(shape)))

    def forward(self, x):  # x [T, in] -> [T, D*H]
        for k in range(self.layers):
            if k > 0:
                x = F.dropout(x, self.dropout, self.training)
            outs = []
            for sfx in ["", "_reverse"][: self.dirs]:
                p = lambda n: getattr(self, f"{n}_l{k}{sfx}")
                y, ys = x.new_zeros(self.hidden), [None] * x.shape[0]
                steps = range(x.shape[0]) if sfx == "" else reversed(range(x.shape[0]))
                for t in steps:
                    h = torch.tanh(p("weight_ih") @ x[t] + p("bias_ih") + p("weight_hh") @ y + p("bias_hh"))
                    y = torch.tanh(p("weight_hy") @ h + p("bias_hy"))
                    ys[t] = y
                outs.append(torch.stack(ys))
            x = torch.cat(outs, 1)
        return x


class Classifier(nn.Module):
    """TextRNN / BiLSTM / TextRCNN as Sources/RNNKit/Models/TextClassifier.swift defines them."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        e, h, layers, bi = cfg["embedding_dim"], cfg["hidden_size"], cfg["num_layers"], cfg["bidirectional"]
        self.hidden, self.dirs, self.kind, self.variant = h, 2 if bi else 1, cfg["architecture"], cfg["rcnn_variant"]
        self.embedding = nn.Embedding(cfg["vocab_size"], e, padding_idx=cfg["pad_token_id"])
        drop = cfg["dropout"] if layers > 1 else 0.0
        cell = cfg["cell"]
        if cell == "jordan":
            encoder = Jordan(e, h, layers, bi, drop)
        elif cell in ("lstm", "gru"):
            encoder = (nn.LSTM if cell == "lstm" else nn.GRU)(e, h, layers, bidirectional=bi, dropout=drop)
        else:
            encoder = nn.RNN(e, h, layers, nonlinearity=cell[4:], bidirectional=bi, dropout=drop)
        self.prefix = cfg["encoder_prefix"]
        setattr(self, self.prefix, encoder)
        width = self.dirs * h
        if self.kind == "textrcnn" and self.variant == "paper":
            self.proj = nn.Linear(2 * h + e, cfg["rcnn_proj_size"])
            width = cfg["rcnn_proj_size"]
        elif self.kind == "textrcnn":
            width = e + self.dirs * h
        elif cfg["pooling"] == "attention":
            self.attention = nn.Module()
            self.attention.w = nn.Parameter(torch.zeros(width))
        self.width = width
        self.fc = nn.Linear(width, cfg["num_labels"])

    def features(self, ids):
        if not ids:  # no token: every pooling gives zeros
            return torch.zeros(self.width)
        e = self.embedding(torch.tensor(ids))
        out = getattr(self, self.prefix)(e)
        out = out[0] if isinstance(out, tuple) else out  # [T, D*H]
        h = self.hidden
        if self.kind == "textrcnn" and self.variant == "paper":
            left = torch.cat([out.new_zeros(1, h), out[:-1, :h]])   # forward output at t-1
            right = torch.cat([out[1:, h:], out.new_zeros(1, h)])   # backward output at t+1
            return torch.tanh(self.proj(torch.cat([left, e, right], 1))).max(0).values
        if self.kind == "textrcnn":
            return torch.relu(torch.cat([e, out], 1)).max(0).values
        pooling = self.cfg["pooling"]
        if pooling == "last":
            return torch.cat([out[-1, :h], out[0, h:]]) if self.dirs == 2 else out[-1]
        if pooling == "max":
            return out.max(0).values
        if pooling == "mean":
            return out.mean(0)
        alpha = torch.softmax(torch.tanh(out) @ self.attention.w, 0)
        return (alpha[:, None] * out).sum(0)

    def forward(self, sequences):  # list of id lists -> [B, C]
        feats = torch.stack([self.features(ids) for ids in sequences])
        if not (self.kind == "textrcnn" and self.variant == "reference"):
            feats = F.dropout(feats, self.cfg["dropout"], self.training)
        return self.fc(feats)


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"interop: {' '.join(cmd)} failed ({r.returncode}): {r.stderr}")
    return r.stdout


def our_logits(bin_dir, folder, texts):
    out = run([f"{bin_dir}/rnn-predict", folder, "--logits"], "\n".join(texts) + "\n")
    rows = [line.split("\t")[1:] for line in out.split("\n")[:-1]]
    assert len(rows) == len(texts), f"{len(rows)} answers for {len(texts)} lines"
    return torch.tensor([[float(v) for v in row] for row in rows], dtype=torch.float64)


def read_lines(path, limit):
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").rsplit("\t", 1) for _, line in zip(range(limit), f)]
    return [r[0] for r in rows], [r[1] for r in rows]


def check(name, model_section, args):
    work = os.path.abspath(os.path.join(args.work, name))
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    section = {"hidden_size": 12, "dropout": 0.1, **model_section}
    config = {"data": {"train": os.path.abspath(f"{args.data}/train.tsv"), "dev": os.path.abspath(f"{args.data}/dev.tsv"),
                       "classes": os.path.abspath(f"{args.data}/classes.txt")},
              "embedding": {"dim": 16}, "model": section,
              "training": {"epochs": 1, "batch_size": 64, "lr": 0.003, "seed": 5, "log_every": 0},
              "output": {"dir": os.path.join(work, "run")}}
    with open(os.path.join(work, "config.json"), "w") as f:
        json.dump(config, f)
    run([f"{args.bin}/rnn-train", os.path.join(work, "config.json"), "--threads", "2"])
    export = os.path.join(work, "export")
    run([f"{args.bin}/rnn-export", os.path.join(work, "run", "best.ckpt"), export])

    cfg = json.load(open(os.path.join(export, "config.json"), encoding="utf-8"))
    vocab = {tok: i for i, tok in enumerate(read_vocab(os.path.join(export, "vocab.txt")))}
    assert len(vocab) == cfg["vocab_size"], "vocab.txt and vocab_size disagree"
    encode = lambda text: [vocab.get(t, cfg["unk_token_id"]) for t in tokenize(text, cfg["tokenizer"])]
    model = Classifier(cfg)
    model.load_state_dict(load_file(os.path.join(export, "model.safetensors")), strict=True)
    model.eval()

    texts, _ = read_lines(f"{args.data}/dev.tsv", 120)
    texts += ["", "zzz 未知的字符 ☃", "国足" * 40]  # empty, unknown tokens, longer than max_length
    with torch.no_grad():
        theirs = model([encode(t) for t in texts]).double()
    before = (our_logits(args.bin, export, texts) - theirs).abs().max().item()

    # One training step in PyTorch, then the folder goes back to rnn-predict.
    train_texts, train_labels = read_lines(f"{args.data}/train.tsv", 64)
    labels = torch.tensor([cfg["label2id"][l] if l in cfg["label2id"] else int(l) for l in train_labels])
    torch.manual_seed(0)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    optimizer.zero_grad()
    F.cross_entropy(model([encode(t) for t in train_texts]), labels).backward()
    optimizer.step()
    model.eval()
    back = os.path.join(work, "from-torch")
    os.makedirs(back)
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()},
              os.path.join(back, "model.safetensors"), metadata={"format": "pt"})
    for name_ in ("config.json", "vocab.txt"):
        shutil.copy(os.path.join(export, name_), back)
    with torch.no_grad():
        stepped = model([encode(t) for t in texts]).double()
    moved = (stepped - theirs).abs().max().item()
    after = (our_logits(args.bin, back, texts) - stepped).abs().max().item()
    ok = before <= TOLERANCE and after <= TOLERANCE and moved > 1e-3
    print(f"{name:28s} {len(texts):4d} lines  ours vs torch {before:.2e}  after torch step {after:.2e}  "
          f"(step moved logits {moved:.2e})  {'ok' if ok else 'FAIL'}", flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", default=".build/interop")
    ap.add_argument("--data", default="data")
    ap.add_argument("--only", help="run the cases whose name contains this")
    args = ap.parse_args()
    torch.set_num_threads(2)
    print(f"interop: torch {torch.__version__}, tolerance {TOLERANCE} (max |logit difference| over all lines and classes)")
    results = [check(name, section, args) for name, section in CASES if not args.only or args.only in name]
    print(f"interop: {sum(results)}/{len(results)} cases agree")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
