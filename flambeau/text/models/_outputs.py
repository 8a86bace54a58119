"""Model outputs as Hugging Face returns them: named fields that also index like a tuple.

As in transformers' ModelOutput, the tuple view skips fields that are None, so `model(ids)[0]` is the first
tensor the model produced (`loss` when labels were given, else `logits` or `last_hidden_state`).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ..._tensor import Tensor

# one (key, value) pair of tensors (batch, heads, positions, head_dim) per layer
KVCache = tuple[tuple[Tensor, Tensor], ...]


class ModelOutput:
    """Base of the output dataclasses: attribute, string-key and tuple-index access."""

    def to_tuple(self) -> tuple:
        return tuple(v for v in (getattr(self, f.name) for f in fields(self)) if v is not None)

    def keys(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            if key not in self.keys():
                raise KeyError(key)
            return getattr(self, key)
        return self.to_tuple()[key]

    def __iter__(self):
        return iter(self.to_tuple())

    def __len__(self) -> int:
        return len(self.to_tuple())


@dataclass
class BaseModelOutputWithPooling(ModelOutput):
    last_hidden_state: Tensor | None = None
    pooler_output: Tensor | None = None


@dataclass
class BaseModelOutputWithPast(ModelOutput):
    last_hidden_state: Tensor | None = None
    past_key_values: KVCache | None = None


@dataclass
class MaskedLMOutput(ModelOutput):
    loss: Tensor | None = None
    logits: Tensor | None = None


@dataclass
class SequenceClassifierOutput(ModelOutput):
    loss: Tensor | None = None
    logits: Tensor | None = None


@dataclass
class CausalLMOutputWithPast(ModelOutput):
    loss: Tensor | None = None
    logits: Tensor | None = None
    past_key_values: KVCache | None = None
