"""Text transforms as torchtext.transforms: modules that act on one token list or on a batch of them."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import long, nn, tensor
from .._dtype import dtype as Dtype
from .._tensor import Tensor
from ..nn import functional as F
from ..nn.utils.rnn import pad_sequence
from .vocab import Vocab

__all__ = ["Truncate", "AddToken", "VocabTransform", "ToTensor", "PadTransform", "LabelToIndex", "Sequential"]


def _is_batch(input: Any) -> bool:
    """A list of lists is a batch; a list of tokens or ids (or an empty list) is one sequence."""
    if not isinstance(input, list):
        raise TypeError(f"Input type not supported: expected a list (of tokens or of lists), got {type(input).__name__}")
    return bool(input) and all(isinstance(item, list) for item in input)


def _each(input: list, transform: Callable[[list], Any]) -> Any:
    return [transform(item) for item in input] if _is_batch(input) else transform(input)


class Truncate(nn.Module):
    """Keep the first max_seq_len items of each sequence."""

    def __init__(self, max_seq_len: int) -> None:
        super().__init__()
        self.max_seq_len = max_seq_len

    def forward(self, input: list) -> list:
        return _each(input, lambda sequence: sequence[:self.max_seq_len])


class AddToken(nn.Module):
    """Add `token` (a string or an id) at the beginning (begin=True) or the end of each sequence."""

    def __init__(self, token: int | str, begin: bool = True) -> None:
        super().__init__()
        self.token = token
        self.begin = begin

    def forward(self, input: list) -> list:
        return _each(input, lambda sequence: [self.token, *sequence] if self.begin else [*sequence, self.token])


class VocabTransform(nn.Module):
    """Tokens to their indices in `vocab`."""

    def __init__(self, vocab: Vocab) -> None:
        super().__init__()
        if not isinstance(vocab, Vocab):
            raise TypeError(f"VocabTransform expects a flambeau.text.Vocab, got {type(vocab).__name__}")
        self.vocab = vocab

    def forward(self, input: list) -> list:
        return _each(input, self.vocab.lookup_indices)


class ToTensor(nn.Module):
    """Ids to a 1-D tensor, or a batch of id lists to a (batch, longest) tensor padded with padding_value
    (without padding_value, a batch of unequal lengths is an error)."""

    def __init__(self, padding_value: int | None = None, dtype: Dtype = long) -> None:
        super().__init__()
        self.padding_value = padding_value
        self.dtype = dtype

    def forward(self, input: list) -> Tensor:
        if not _is_batch(input) or self.padding_value is None:
            return tensor(input, dtype=self.dtype)
        return pad_sequence([tensor(ids, dtype=self.dtype) for ids in input], batch_first=True,
                            padding_value=self.padding_value)


class PadTransform(nn.Module):
    """Pad the last dimension of a tensor with pad_value up to max_length (longer tensors are left as they are)."""

    def __init__(self, max_length: int, pad_value: int) -> None:
        super().__init__()
        self.max_length = max_length
        self.pad_value = pad_value

    def forward(self, x: Tensor) -> Tensor:
        missing = self.max_length - x.size(-1)
        return F.pad(x, (0, missing), value=self.pad_value) if missing > 0 else x


class LabelToIndex(nn.Module):
    """Label names to their positions in label_names (sorted first if sort_names); a label or a list of them."""

    def __init__(self, label_names: Sequence[str], sort_names: bool = False) -> None:
        super().__init__()
        names = sorted(label_names) if sort_names else list(label_names)
        if len(set(names)) != len(names):
            raise RuntimeError(f"label_names holds duplicates: {names}")
        self._label_names = names
        self._index = {name: i for i, name in enumerate(names)}

    @property
    def label_names(self) -> list[str]:
        return list(self._label_names)

    def _lookup(self, label: str) -> int:
        if label not in self._index:
            raise RuntimeError(f"Label {label} not found in label_names {self._label_names}")
        return self._index[label]

    def forward(self, input: str | list[str]) -> int | list[int]:
        return self._lookup(input) if isinstance(input, str) else [self._lookup(label) for label in input]


class Sequential(nn.Sequential):
    """Transforms applied one after the other; any module or callable module may be a step."""

    def forward(self, input: Any) -> Any:
        for module in self:
            input = module(input)
        return input
