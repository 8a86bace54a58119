"""Histograms as TensorBoard stores them: the right edge of each bucket and its count."""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto


@functools.cache
def tensorflow_bins() -> tuple[float, ...]:
    """TensorBoard's default bucket edges: 0 and +-1e-12 growing by 10% up to 1e20.

    Built by repeated multiplication, not 1.1 ** k, so the edges are the very floats PyTorch writes.
    """
    edges = []
    edge = 1e-12
    while edge < 1e20:
        edges.append(edge)
        edge *= 1.1
    return tuple(-e for e in reversed(edges)) + (0.0,) + tuple(edges)


def make_histogram(values: np.ndarray, bins: Any, max_bins: int | None = None) -> HistogramProto:
    """Count float64 `values` into `bins` (edges, a count or a NumPy rule name such as 'auto')."""
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, edges = np.histogram(values, bins=bins)
    if max_bins is not None and counts.size > max_bins:
        counts, edges = _merge_buckets(counts, edges, counts.size // max_bins)
    counts, edges = _trim_to_support(counts, edges)
    return HistogramProto(min=values.min(), max=values.max(), num=values.size, sum=values.sum(),
                          sum_squares=values.dot(values), bucket_limit=edges.tolist(), bucket=counts.tolist())


def _merge_buckets(counts: np.ndarray, edges: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum every `group` neighbouring buckets (the last group padded with empty ones)."""
    counts = np.pad(counts, (0, -counts.size % group)).reshape(-1, group).sum(axis=1)
    return counts, np.append(edges[:-1:group], edges[-1])


def _trim_to_support(counts: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the buckets from the first to the last non-empty one, plus one empty bucket before.

    TensorBoard stores only right edges; the empty bucket in front carries the left edge of the data.
    """
    filled = np.flatnonzero(counts)
    if filled.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    first, last = int(filled[0]), int(filled[-1])
    if first > 0:
        counts = counts[first - 1:last + 1]
    else:
        counts = np.concatenate([[0], counts[:last + 1]])
    return counts, edges[first:last + 2]
