#!/usr/bin/env python3
"""Writes data/multilabel_train.txt and data/multilabel_dev.txt: a small synthetic multi-label
corpus in fastText format (`__label__a __label__b text`), for configs/sample_multilabel.json and
the multi-label tests.

Deterministic: its own 64-bit generator (splitmix64), no library randomness, so the same bytes on
every Python 3. Run from anywhere: python3 scripts/make_multilabel_sample.py [OUT_DIR]
(default: the repository's data/ folder; a test regenerates into a temporary folder and compares).

Each text draws 1 to 3 of 6 topics (1: 50%, 2: 35%, 3: 15%), then 6 to 14 words: per word, with
probability 0.55 a word of one of its topics (each topic has 14 words, 3 of which it shares with
another topic, so a word alone does not decide a topic), otherwise a filler word. A topic whose
words were all drawn away keeps one word, so every label leaves a trace; ambiguity comes from the
shared words and the fillers.
"""
import os
import sys

TOPICS = {
    "sports": "match goal team coach league striker season score stadium referee injury transfer fans final",
    "politics": "election vote minister parliament party campaign policy senate law debate budget reform final fans",
    "tech": "software chip startup cloud app robot data network device code launch upgrade budget law",
    "health": "doctor vaccine hospital patient virus diet clinic therapy trial nurse symptom sleep data device",
    "finance": "market stock bank loan interest investor shares profit trade currency inflation fund trial therapy",
    "travel": "flight hotel beach tour visa airport cruise island passport luggage resort guide trade stock",
}
FILLER = ("the a of and to in on for with new big after over says report today week year local first "
          "more people city plan news big small old young").split()
NAMES = list(TOPICS)
WORDS = {t: w.split() for t, w in TOPICS.items()}


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def uniform(self):
        return (self.next() >> 11) / float(1 << 53)


def example(rng):
    u = rng.uniform()
    count = 1 if u < 0.5 else 2 if u < 0.85 else 3
    topics = []
    while len(topics) < count:
        t = NAMES[rng.below(len(NAMES))]
        if t not in topics:
            topics.append(t)
    length = 6 + rng.below(9)
    words, used = [], set()
    for _ in range(length):
        if rng.uniform() < 0.55:
            t = topics[rng.below(len(topics))]
            used.add(t)
            words.append(WORDS[t][rng.below(len(WORDS[t]))])
        else:
            words.append(FILLER[rng.below(len(FILLER))])
    for t in topics:
        if t not in used:
            words[rng.below(len(words))] = WORDS[t][rng.below(len(WORDS[t]))]
    return " ".join("__label__" + t for t in topics) + " " + " ".join(words)


def write(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(line + "\n" for line in lines))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
    rng = SplitMix64(20261201)
    write(os.path.join(root, "multilabel_train.txt"), [example(rng) for _ in range(2000)])
    write(os.path.join(root, "multilabel_dev.txt"), [example(rng) for _ in range(500)])


if __name__ == "__main__":
    main()
