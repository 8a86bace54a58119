"""Tokenizer: a tokenizer.json (WordPiece, BPE, ...) run by Hugging Face's `tokenizers` library, with ids as tensors.

The library is the `text` extra; it is imported when a Tokenizer is first built, never by `import flambeau.text`.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ... import int64, tensor
from ..._tensor import Tensor

__all__ = ["Tokenizer"]

# the per-token fields of an encoding, by the names transformers' tokenizers return them under
_TENSOR_FIELDS = (("input_ids", "ids"), ("token_type_ids", "type_ids"), ("attention_mask", "attention_mask"))


def _library() -> Any:
    try:
        import tokenizers
    except ImportError as error:
        raise ImportError("flambeau.text.Tokenizer runs Hugging Face's tokenizers library, which is not installed: "
                          "pip install tokenizers (or pip install flambeau[text])") from error
    return tokenizers


def _id_list(ids: Sequence[int] | Tensor) -> list[int]:
    if isinstance(ids, Tensor):
        if ids.dim() != 1:
            raise ValueError(f"decode expects a 1-D tensor of token ids, got shape {tuple(ids.shape)}")
        return ids.tolist()
    return [int(i) for i in ids]


class Tokenizer:
    """Text to token ids and back through a `tokenizers.Tokenizer`; encodings are the library's `Encoding`s
    (`.ids`, `.tokens`, `.attention_mask`, `.type_ids`, `.offsets`, ...)."""

    def __init__(self, backend: Any) -> None:
        if not isinstance(backend, _library().Tokenizer):
            raise TypeError(f"Tokenizer wraps a tokenizers.Tokenizer, got {type(backend).__name__}")
        self.backend = backend

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "Tokenizer":
        """Load a tokenizer.json file."""
        return cls(_library().Tokenizer.from_file(os.fspath(path)))

    @classmethod
    def from_str(cls, json: str) -> "Tokenizer":
        """Build from the text of a tokenizer.json file."""
        return cls(_library().Tokenizer.from_str(json))

    def save(self, path: str | os.PathLike) -> None:
        self.backend.save(os.fspath(path))

    def encode(self, text: str, pair: str | None = None, add_special_tokens: bool = True) -> Any:
        """One text (or a text pair) to an Encoding, padded and truncated as enabled."""
        if not isinstance(text, str) or not (pair is None or isinstance(pair, str)):
            raise TypeError(f"encode expects a string (and an optional second string), got {type(text).__name__}")
        return self.backend.encode(text, pair, add_special_tokens=add_special_tokens)

    def encode_batch(self, texts: Sequence[str | tuple[str, str]], add_special_tokens: bool = True) -> list:
        """Many texts (or text pairs) to Encodings; with padding enabled they share one length."""
        if isinstance(texts, str):
            raise TypeError("encode_batch expects a list of strings, got a single string: use encode")
        return self.backend.encode_batch(list(texts), add_special_tokens=add_special_tokens)

    def decode(self, ids: Sequence[int] | Tensor, skip_special_tokens: bool = True) -> str:
        return self.backend.decode(_id_list(ids), skip_special_tokens=skip_special_tokens)

    def decode_batch(self, batch: Sequence[Sequence[int]] | Tensor, skip_special_tokens: bool = True) -> list[str]:
        return [self.decode(ids, skip_special_tokens) for ids in batch]

    def __call__(self, texts: str | Sequence[str], add_special_tokens: bool = True) -> dict[str, Tensor]:
        """Encode a text or a batch into int64 tensors `input_ids`, `token_type_ids` and `attention_mask` of shape
        (batch, length), as transformers' tokenizers do with return_tensors="pt"."""
        encodings = self.encode_batch([texts] if isinstance(texts, str) else texts, add_special_tokens)
        return self.to_tensors(encodings)

    @staticmethod
    def to_tensors(encodings: Sequence[Any]) -> dict[str, Tensor]:
        """Stack equally long Encodings into (batch, length) int64 tensors (enable padding for ragged batches)."""
        if not encodings:
            raise ValueError("to_tensors needs at least one encoding")
        lengths = {len(e.ids) for e in encodings}
        if len(lengths) > 1:
            raise ValueError(f"Unable to create a tensor from encodings of different lengths {sorted(lengths)}: "
                             f"call enable_padding() first")
        return {name: tensor([getattr(e, field) for e in encodings], dtype=int64) for name, field in _TENSOR_FIELDS}

    def enable_padding(self, **options: Any) -> None:
        """Pad batches to their longest member (or `length`); options as tokenizers' enable_padding (pad_id,
        pad_token, length, pad_to_multiple_of, direction)."""
        self.backend.enable_padding(**options)

    def no_padding(self) -> None:
        self.backend.no_padding()

    def enable_truncation(self, max_length: int, **options: Any) -> None:
        """Cut encodings to max_length tokens, special tokens included; options as tokenizers' (stride,
        strategy, direction)."""
        self.backend.enable_truncation(max_length, **options)

    def no_truncation(self) -> None:
        self.backend.no_truncation()

    @property
    def padding(self) -> dict | None:
        return self.backend.padding

    @property
    def truncation(self) -> dict | None:
        return self.backend.truncation

    def token_to_id(self, token: str) -> int | None:
        return self.backend.token_to_id(token)

    def id_to_token(self, id: int) -> str | None:
        return self.backend.id_to_token(id)

    def get_vocab(self, with_added_tokens: bool = True) -> dict[str, int]:
        return self.backend.get_vocab(with_added_tokens=with_added_tokens)

    def get_vocab_size(self, with_added_tokens: bool = True) -> int:
        return self.backend.get_vocab_size(with_added_tokens=with_added_tokens)

    def __len__(self) -> int:
        return self.get_vocab_size()
