"""flambeau.text: torchtext's pipeline (tokenisers, Vocab, transforms, datasets, batching) and, in `models`,
pretrained text models. The `tokenizers` library (for Tokenizer) and `models` are imported on first use."""
from __future__ import annotations

import importlib
from typing import Any

from . import data, datasets, transforms
from .data import BucketBatchSampler, PadCollate, to_map_style_dataset
from .datasets import LanguageModelingDataset, TextClassificationDataset, TextLineDataset
from .tokenizers import Tokenizer, get_tokenizer
from .vocab import Vocab, build_vocab_from_iterator, vocab

__all__ = ["get_tokenizer", "Tokenizer", "Vocab", "vocab", "build_vocab_from_iterator", "transforms", "data",
           "datasets", "to_map_style_dataset", "BucketBatchSampler", "PadCollate", "TextClassificationDataset",
           "TextLineDataset", "LanguageModelingDataset", "models"]


def __getattr__(name: str) -> Any:
    # models is imported on first access, so that importing flambeau.text stays light
    if name == "models":
        return importlib.import_module(".models", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
