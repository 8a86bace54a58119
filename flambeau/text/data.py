"""Batching text: map-style datasets from iterables, length-bucketed batches and padding collation."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .. import randperm
from .._tensor import Tensor
from ..nn.utils.rnn import pad_sequence
from ..ops.random import Generator
from ..utils.data import Dataset, Sampler, default_collate

__all__ = ["to_map_style_dataset", "BucketBatchSampler", "PadCollate"]


class _MapStyleDataset(Dataset):
    def __init__(self, items: list) -> None:
        self._items = items

    def __getitem__(self, index: int) -> Any:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)


def to_map_style_dataset(iter_data: Iterable) -> Dataset:
    """Read an iterable (an IterableDataset, a generator) once into a map-style Dataset."""
    return _MapStyleDataset(list(iter_data))


class BucketBatchSampler(Sampler[list]):
    """Batches of indices whose sequences have similar lengths, so that little of a padded batch is padding.

    Each epoch shuffles the indices (unless shuffle=False), cuts them into pools of batch_size * bucket_size
    indices, sorts each pool by length, cuts the pools into batches and shuffles the batches' order.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, bucket_size: int = 100, shuffle: bool = True,
                 drop_last: bool = False, generator: Generator | None = None) -> None:
        for name, value in (("batch_size", batch_size), ("bucket_size", bucket_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.bucket_size = bucket_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    def _permutation(self, n: int) -> list[int]:
        return randperm(n, generator=self.generator).tolist() if self.shuffle else list(range(n))

    def __iter__(self) -> Iterator[list[int]]:
        order = self._permutation(len(self.lengths))
        pool_size = self.batch_size * self.bucket_size
        batches = []
        for start in range(0, len(order), pool_size):
            pool = sorted(order[start:start + pool_size], key=self.lengths.__getitem__)
            batches += [pool[i:i + self.batch_size] for i in range(0, len(pool), self.batch_size)]
        if self.drop_last:
            batches = [batch for batch in batches if len(batch) == self.batch_size]
        for i in self._permutation(len(batches)):
            yield batches[i]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.lengths) // self.batch_size
        pool_size = self.batch_size * self.bucket_size
        full_pools, rest = divmod(len(self.lengths), pool_size)
        return full_pools * self.bucket_size + -(-rest // self.batch_size)


class PadCollate:
    """A DataLoader collate_fn: the 1-D tensor fields of the samples (token ids) are padded to the batch's longest
    with pad_sequence, every other field is collated by default_collate.

    A sample is a tensor or a tuple of fields, e.g. (label, ids) -> (labels, padded ids).
    """

    def __init__(self, padding_value: float = 0, batch_first: bool = True) -> None:
        self.padding_value = padding_value
        self.batch_first = batch_first

    def _collate(self, fields: list) -> Any:
        if isinstance(fields[0], Tensor) and fields[0].dim() == 1:
            return pad_sequence(fields, batch_first=self.batch_first, padding_value=self.padding_value)
        return default_collate(fields)

    def __call__(self, batch: list) -> Any:
        if not batch:
            raise ValueError("PadCollate received an empty batch")
        if isinstance(batch[0], tuple):
            return tuple(self._collate(list(fields)) for fields in zip(*batch))
        return self._collate(batch)
