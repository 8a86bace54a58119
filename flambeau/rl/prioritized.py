"""PrioritizedReplayBuffer: proportional prioritised replay (Schaul et al., 2016).

Transition i is drawn with probability P(i) = p_i^alpha / sum_k p_k^alpha and comes with the
importance weight w_i = (N * P(i))^-beta / max_j w_j, N being the number of stored transitions;
dividing by the largest possible weight (that of the smallest priority) keeps every weight <= 1.
New transitions get the largest priority seen so far, so each is replayed at least once early on.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

import flambeau
from flambeau import Tensor

from .buffers import Batch, ReplayBuffer, _as_array
from .sumtree import MinTree, SumTree


class PrioritizedSample(NamedTuple):
    batch: Batch
    weights: Tensor  # importance weights, float32, one per sampled transition
    indices: np.ndarray  # the slots sampled, for update_priorities


class PrioritizedReplayBuffer(ReplayBuffer):
    """Replay with sampling proportional to priority^alpha and importance weights with exponent beta.

    `eps` is added to every priority so that a transition with a zero TD error can still be drawn.
    `beta` may be changed between calls (it is usually annealed towards 1) or passed to `sample`.
    """

    def __init__(self, capacity: int, alpha: float, beta: float, *, eps: float = 1e-8,
                 device: flambeau.device | str | None = None, generator: flambeau.Generator | None = None) -> None:
        super().__init__(capacity, device=device, generator=generator)
        if alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {alpha}")
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        if eps < 0:
            raise ValueError(f"eps must be >= 0, got {eps}")
        self.alpha, self.beta, self.eps = alpha, beta, eps
        self._sums, self._mins = SumTree(capacity), MinTree(capacity)
        self._max_priority = 1.0

    def extend(self, transitions: Mapping[str, Any] | Any) -> np.ndarray:
        slots = super().extend(transitions)
        self._store(slots, np.full(len(slots), self._max_priority))
        return slots

    def sample(self, batch_size: int, beta: float | None = None) -> PrioritizedSample:
        """`batch_size` draws with replacement, each with probability proportional to priority^alpha."""
        self._check_sample_size(batch_size)
        beta = self.beta if beta is None else beta
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        total = self._sums.total()
        masses = flambeau.rand(batch_size, generator=self.generator, dtype=flambeau.float64).numpy() * total
        # rounding can carry a mass just past the last stored slot
        indices = np.minimum(self._sums.find(masses), self._size - 1)
        probabilities = self._sums[indices] / total
        smallest = self._mins.min() / total
        weights = (probabilities / smallest) ** -beta  # (N P(i))^-beta / (N P_min)^-beta
        weights = flambeau.from_numpy(weights.astype(np.float32)).to(device=self.device)
        return PrioritizedSample(self[indices], weights, indices)

    def update_priorities(self, indices: Any, priorities: Any) -> None:
        """Set the priorities (e.g. |TD error|) of the transitions at `indices`."""
        indices = np.asarray(_as_array(indices), dtype=np.int64).reshape(-1)
        priorities = np.asarray(_as_array(priorities), dtype=np.float64).reshape(-1)
        if indices.shape != priorities.shape:
            raise ValueError(f"update_priorities got {indices.size} indices and {priorities.size} priorities")
        if indices.size and (indices.min() < 0 or indices.max() >= self._size):
            raise IndexError(f"index out of range for a buffer holding {self._size} transitions")
        if not np.all(np.isfinite(priorities)) or np.any(priorities < 0):
            raise ValueError("priorities must be finite and non-negative")
        if np.any(priorities + self.eps == 0):
            raise ValueError("a priority of 0 with eps=0 would never be sampled; use eps > 0")
        self._store(indices, priorities)
        self._max_priority = max(self._max_priority, float(priorities.max(initial=0.0)))

    def priorities(self, indices: Any) -> np.ndarray:
        """The sampling weights p^alpha (priority plus eps, to the power alpha) at `indices`."""
        return self._sums[np.asarray(_as_array(indices), dtype=np.int64)]

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "sums": self._sums.state(), "mins": self._mins.state(),
                "max_priority": self._max_priority}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self._sums.load_state(state["sums"])
        self._mins.load_state(state["mins"])
        self._max_priority = float(state["max_priority"])

    def _store(self, slots: np.ndarray, priorities: np.ndarray) -> None:
        scaled = (priorities + self.eps) ** self.alpha
        self._sums[slots] = scaled
        self._mins[slots] = scaled
