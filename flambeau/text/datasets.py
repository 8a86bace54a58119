"""Datasets read from local text files: labelled CSV/TSV rows, lines, and a language-modelling token stream."""
from __future__ import annotations

import csv
import os
from collections.abc import Callable, Sequence
from typing import Any

from .. import int64, tensor
from .._tensor import Tensor
from ..utils.data import Dataset
from .tokenizers import get_tokenizer
from .vocab import Vocab

__all__ = ["TextClassificationDataset", "TextLineDataset", "LanguageModelingDataset"]

_DELIMITERS = {".csv": ",", ".tsv": "\t"}


def _delimiter(path: str, delimiter: str | None) -> str:
    if delimiter is not None:
        return delimiter
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in _DELIMITERS:
        raise ValueError(f"cannot tell the delimiter of {path!r} from its suffix (.csv or .tsv): pass delimiter=")
    return _DELIMITERS[suffix]


def _read_lines(path: str | os.PathLike) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\r\n") for line in f]


class TextClassificationDataset(Dataset):
    """(label, text) pairs from the rows of a CSV (.csv) or TSV (.tsv) file, as torchtext's AG_NEWS yields them.

    The text is the text_columns joined by spaces; label_transform (e.g. int) and text_transform apply per row.
    """

    def __init__(self, path: str | os.PathLike, label_column: int = 0, text_columns: Sequence[int] = (1,),
                 delimiter: str | None = None, skip_header: bool = False,
                 label_transform: Callable[[str], Any] | None = None,
                 text_transform: Callable[[str], Any] | None = None) -> None:
        path = os.fspath(path)
        if not text_columns:
            raise ValueError("text_columns must name at least one column")
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f, delimiter=_delimiter(path, delimiter)))
        rows = rows[1:] if skip_header else rows
        needed = max(label_column, *text_columns) + 1
        self.samples = []
        for number, row in enumerate(rows, start=2 if skip_header else 1):
            if not row:
                continue
            if len(row) < needed:
                raise ValueError(f"{path}, row {number}: expected at least {needed} columns, got {len(row)}")
            label, text = row[label_column], " ".join(row[i] for i in text_columns)
            self.samples.append((label_transform(label) if label_transform else label,
                                 text_transform(text) if text_transform else text))

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self.samples[index]

    def __len__(self) -> int:
        return len(self.samples)


class TextLineDataset(Dataset):
    """The lines of a UTF-8 text file, without their line endings (blank lines dropped if skip_empty)."""

    def __init__(self, path: str | os.PathLike, skip_empty: bool = False) -> None:
        lines = _read_lines(path)
        self.lines = [line for line in lines if line.strip()] if skip_empty else lines

    def __getitem__(self, index: int) -> str:
        return self.lines[index]

    def __len__(self) -> int:
        return len(self.lines)


class LanguageModelingDataset(Dataset):
    """A plain-text corpus as one stream of token ids (`ids`), served in (input, target) chunks of seq_len tokens,
    the target being the input shifted by one token.

    Each line is tokenised (whitespace split by default) and followed by eos_token (None: nothing); tokens are
    numbered by `vocab`, which needs a default index for words it lacks.
    """

    def __init__(self, path: str | os.PathLike, vocab: Vocab, tokenizer: Callable[[str], list[str]] | None = None,
                 seq_len: int = 35, eos_token: str | None = "<eos>") -> None:
        if seq_len <= 0:
            raise ValueError(f"seq_len should be a positive integer, got {seq_len}")
        tokenize = get_tokenizer(tokenizer)
        ids: list[int] = []
        for line in _read_lines(path):
            ids += vocab.lookup_indices(tokenize(line) + ([eos_token] if eos_token is not None else []))
        self.ids: Tensor = tensor(ids, dtype=int64)
        self.seq_len = seq_len

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} is out of range for a dataset of {len(self)} chunks")
        start = index * self.seq_len
        return self.ids[start:start + self.seq_len], self.ids[start + 1:start + self.seq_len + 1]

    def __len__(self) -> int:
        return max(len(self.ids) - 1, 0) // self.seq_len
