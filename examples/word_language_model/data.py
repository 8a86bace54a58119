"""Word-level corpus: pytorch/examples' Dictionary and Corpus, reading Tiny Shakespeare.

PyTorch's example reads WikiText-2's train.txt/valid.txt/test.txt. Tiny Shakespeare is one file, so
its lines are split in file order: the first 80% train, the next 10% valid, the last 10% test.
Words and punctuation are separate tokens, and each line ends with <eos> as in the original.
WikiText-2 ships with rare words already replaced by <unk>; here `max_vocab` does that (the most
frequent training words are kept; valid/test words never seen in training are <unk> too).
"""
from __future__ import annotations

import collections
import os
import re

import flambeau as torch

TOKEN = re.compile(r"[\w']+|[^\w\s]")
SPLITS = (0.8, 0.1)  # train, valid; test takes the rest


class Dictionary:
    def __init__(self):
        self.word2idx: dict[str, int] = {}
        self.idx2word: list[str] = []

    def add_word(self, word: str) -> int:
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self) -> int:
        return len(self.idx2word)


class Corpus:
    def __init__(self, path: str, max_vocab: int | None = None, max_lines: int | None = None):
        with open(os.path.join(path, "input.txt"), encoding="utf8") as f:
            lines = f.read().splitlines()[:max_lines]
        n_train, n_valid = (int(len(lines) * s) for s in SPLITS)
        train, valid, test = (self._words(part) for part in
                              (lines[:n_train], lines[n_train:n_train + n_valid], lines[n_train + n_valid:]))
        self.dictionary = Dictionary()
        counts = collections.Counter(train)
        keep = [w for w, _ in counts.most_common(None if max_vocab is None else max_vocab - 1)]
        for word in sorted(keep, key=lambda w: (-counts[w], w)) + ["<unk>"]:
            self.dictionary.add_word(word)
        self.train, self.valid, self.test = (self.tokenize(words) for words in (train, valid, test))

    @staticmethod
    def _words(lines: list[str]) -> list[str]:
        return [w for line in lines for w in TOKEN.findall(line) + ["<eos>"]]

    def tokenize(self, words: list[str]) -> torch.Tensor:
        """The words' ids as one LongTensor; unknown words are <unk>."""
        unk = self.dictionary.word2idx["<unk>"]
        return torch.tensor([self.dictionary.word2idx.get(w, unk) for w in words], dtype=torch.int64)
