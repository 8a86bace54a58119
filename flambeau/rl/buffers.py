"""ReplayBuffer: a fixed-size circular store of transitions, sampled uniformly with replacement.

Transitions are kept in NumPy arrays on the host (one array of shape (capacity, *field_shape) per
field, allocated at the first write) and come back from `sample` as flambeau tensors. A transition
is either a mapping of named fields (obs, action, reward, ...) or a single tensor.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Union

import numpy as np

import flambeau
from flambeau import Tensor

Batch = Union[Tensor, dict[str, Tensor]]

_SINGLE = None  # the field key under which a buffer of plain tensors keeps them


def _as_array(value: Any) -> np.ndarray:
    """Host array of a tensor, array or nested list, with torch's dtypes for Python numbers."""
    return flambeau.as_tensor(value).detach().cpu().numpy()


class ReplayBuffer:
    """Uniform replay over the last `capacity` transitions written.

    `add` writes one transition, `extend` a batch stacked along the first dimension; once full,
    the oldest transitions are overwritten. `sample(batch_size)` draws indices uniformly with
    replacement from flambeau's random generator (or `generator`), so `flambeau.manual_seed`
    makes sampling reproducible.
    """

    def __init__(self, capacity: int, *, device: flambeau.device | str | None = None,
                 generator: flambeau.Generator | None = None) -> None:
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"ReplayBuffer capacity must be a positive integer, got {capacity!r}")
        self.capacity = capacity
        self.device = device
        self.generator = generator
        self._fields: dict[str | None, np.ndarray] = {}
        self._cursor = 0  # the slot the next transition goes to
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, transition: Mapping[str, Any] | Any) -> np.ndarray:
        """Write one transition; returns the slot it went to (an array of one index)."""
        if isinstance(transition, Mapping):
            return self.extend({key: _as_array(value)[None] for key, value in transition.items()})
        return self.extend(_as_array(transition)[None])

    def extend(self, transitions: Mapping[str, Any] | Any) -> np.ndarray:
        """Write a batch of transitions stacked along dim 0; returns the slots written, in order."""
        fields = ({key: _as_array(value) for key, value in transitions.items()}
                  if isinstance(transitions, Mapping) else {_SINGLE: _as_array(transitions)})
        count = self._batch_length(fields)
        if not self._fields:
            self._allocate(fields)
        self._check_layout(fields)
        slots = (self._cursor + np.arange(count)) % self.capacity
        # a batch longer than the buffer leaves only its last `capacity` transitions
        keep = slice(max(count - self.capacity, 0), None)
        for key, values in fields.items():
            self._fields[key][slots[keep]] = values[keep]
        self._cursor = (self._cursor + count) % self.capacity
        self._size = min(self._size + count, self.capacity)
        return slots[keep]

    def sample(self, batch_size: int) -> Batch:
        """`batch_size` transitions drawn uniformly with replacement, as tensors with a batch dim."""
        self._check_sample_size(batch_size)
        indices = flambeau.randint(0, self._size, (batch_size,), generator=self.generator)
        return self[indices.numpy()]

    def __getitem__(self, indices: Any) -> Batch:
        """The stored transitions at `indices` (slots in [0, len(self))), as tensors."""
        indices = np.asarray(_as_array(indices), dtype=np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= self._size):
            raise IndexError(f"index out of range for a ReplayBuffer holding {self._size} transitions")
        # fancy indexing copies, so the tensors never alias the storage
        batch = {key: flambeau.from_numpy(store[indices]).to(device=self.device) for key, store in self._fields.items()}
        return batch[_SINGLE] if _SINGLE in batch else batch

    def state_dict(self) -> dict[str, Any]:
        """A copy of the stored transitions and the write position; `load_state_dict` restores them."""
        return {"fields": {key: store.copy() for key, store in self._fields.items()},
                "cursor": self._cursor, "size": self._size}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        fields = state["fields"]
        for key, store in fields.items():
            if store.shape[0] != self.capacity:
                raise ValueError(f"field {key!r} holds {store.shape[0]} slots, this buffer {self.capacity}")
        self._fields = {key: store.copy() for key, store in fields.items()}
        self._cursor, self._size = int(state["cursor"]), int(state["size"])

    def _check_sample_size(self, batch_size: int) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if self._size == 0:
            raise RuntimeError("cannot sample from an empty ReplayBuffer")

    @staticmethod
    def _batch_length(fields: dict[str | None, np.ndarray]) -> int:
        if not fields:
            raise ValueError("a transition needs at least one field")
        lengths = {key: values.shape[0] if values.ndim else None for key, values in fields.items()}
        if None in lengths.values() or len(set(lengths.values())) != 1:
            raise ValueError(f"extend expects every field stacked along dim 0 with one length, got {lengths}")
        return next(iter(lengths.values()))

    def _allocate(self, fields: dict[str | None, np.ndarray]) -> None:
        self._fields = {key: np.zeros((self.capacity, *values.shape[1:]), dtype=values.dtype)
                        for key, values in fields.items()}

    def _check_layout(self, fields: dict[str | None, np.ndarray]) -> None:
        if fields.keys() != self._fields.keys():
            raise KeyError(f"transition fields {sorted(map(str, fields))} differ from the buffer's "
                           f"{sorted(map(str, self._fields))}")
        for key, values in fields.items():
            store = self._fields[key]
            if values.shape[1:] != store.shape[1:]:
                raise ValueError(f"field {key!r}: shape {values.shape[1:]} per transition, "
                                 f"the buffer stores {store.shape[1:]}")
            if not np.can_cast(values.dtype, store.dtype, "same_kind"):
                raise TypeError(f"field {key!r}: cannot store {values.dtype} in a buffer of {store.dtype}")
