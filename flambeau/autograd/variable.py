"""torch.autograd.Variable: the legacy wrapper, now a tensor. `Variable(t, requires_grad=...)` returns t
detached (sharing memory), with the requested requires_grad; every tensor is an instance of Variable."""
from __future__ import annotations

import warnings

from .._tensor import Tensor
from ..ops.creation import empty

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor)

    def __call__(cls, data: Tensor | None = None, requires_grad: bool = False, volatile: bool = False) -> Tensor:
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          stacklevel=2)
        if data is None:
            return empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


class Variable(metaclass=_VariableMeta):
    """Legacy: calling it returns a tensor; isinstance(t, Variable) is True for every tensor."""
