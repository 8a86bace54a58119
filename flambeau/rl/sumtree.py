"""Segment trees over a fixed number of slots: sums and minima of priorities in O(log n).

A prioritised replay buffer needs, for every sample, the slot whose cumulative priority first
exceeds a random mass, and the smallest priority (to normalise importance weights); both trees
are complete binary trees in one flat array (node i has children 2i and 2i+1, the root is 1).
Every method takes a whole batch of slots or masses at once, one NumPy call per tree level.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


class _SegmentTree:
    """Leaves hold values; each inner node holds `_combine` of its two children."""

    _combine: Callable[[np.ndarray, np.ndarray], np.ndarray]  # a NumPy ufunc, set by each subclass
    _neutral: float  # the value of an empty slot: combining with it changes nothing

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"a segment tree needs a capacity of at least 1, got {capacity}")
        self.capacity = capacity
        self._depth = (capacity - 1).bit_length()
        self._leaves = 1 << self._depth  # a power of two >= capacity
        self._tree = np.full(2 * self._leaves, self._neutral, dtype=np.float64)

    def __getitem__(self, slots) -> np.ndarray:
        return self._tree[self._leaves + self._check(slots)]

    def __setitem__(self, slots, values) -> None:
        nodes = self._leaves + self._check(slots)
        self._tree[nodes] = values
        # recomputing a parent from its children is idempotent, so repeated slots need no care
        for _ in range(self._depth):
            nodes = np.unique(nodes // 2)
            self._tree[nodes] = self._combine(self._tree[2 * nodes], self._tree[2 * nodes + 1])

    def _check(self, slots) -> np.ndarray:
        slots = np.atleast_1d(np.asarray(slots, dtype=np.int64))
        if slots.size and (slots.min() < 0 or slots.max() >= self.capacity):
            raise IndexError(f"slot out of range for a tree of capacity {self.capacity}")
        return slots

    def state(self) -> np.ndarray:
        return self._tree.copy()

    def load_state(self, tree: np.ndarray) -> None:
        if tree.shape != self._tree.shape:
            raise ValueError(f"tree of shape {tree.shape} does not fit capacity {self.capacity}")
        self._tree[...] = tree


class SumTree(_SegmentTree):
    """Sums of leaf values; `find` turns uniform masses into slots drawn in proportion to the leaves."""

    _combine = np.add
    _neutral = 0.0

    def total(self) -> float:
        return float(self._tree[1])

    def find(self, masses: np.ndarray) -> np.ndarray:
        """For each mass in [0, total), the first slot whose prefix sum exceeds it."""
        masses = np.asarray(masses, dtype=np.float64).copy()
        nodes = np.ones(masses.shape, dtype=np.int64)
        for _ in range(self._depth):
            left = 2 * nodes
            go_right = masses >= self._tree[left]
            masses = np.where(go_right, masses - self._tree[left], masses)
            nodes = np.where(go_right, left + 1, left)
        return nodes - self._leaves


class MinTree(_SegmentTree):
    """Minima of leaf values; empty slots hold +inf so they never win."""

    _combine = np.minimum
    _neutral = float("inf")

    def min(self) -> float:
        return float(self._tree[1])
