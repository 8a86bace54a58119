"""Characters <-> ids, the 90/10 train/validation split and random training windows."""
from __future__ import annotations

import json
import pathlib

import numpy as np

import flambeau as torch


class CharVocab:
    """One id per distinct character of the corpus, in sorted order."""

    def __init__(self, chars: str):
        self.chars = "".join(sorted(set(chars)))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown}")
        return [self.index[c] for c in text]

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in ids)

    def save(self, path: pathlib.Path) -> None:
        path.write_text(json.dumps({"chars": self.chars}))

    @classmethod
    def load(cls, path: pathlib.Path) -> "CharVocab":
        return cls(json.loads(path.read_text())["chars"])


def split(text: str, vocab: CharVocab) -> tuple[np.ndarray, np.ndarray]:
    """The first 90% of the corpus trains, the rest validates."""
    ids = np.array(vocab.encode(text), dtype=np.int64)
    cut = int(0.9 * len(ids))
    return ids[:cut], ids[cut:]


def windows(ids: np.ndarray, batch_size: int, length: int, rng: np.random.Generator):
    """`batch_size` random windows of `length` consecutive characters, as a (batch, length) tensor."""
    starts = rng.integers(0, len(ids) - length, batch_size)
    return torch.tensor(np.stack([ids[s:s + length] for s in starts]))
