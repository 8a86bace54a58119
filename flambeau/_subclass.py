"""Tensor.as_subclass: the same tensor seen through a Tensor subclass (what torchvision's tv_tensors are).

The result aliases the original: it shares memory and the version counter, and stays attached to the
autograd graph through a view (PyTorch records an alias), so gradients flow back to the original.
"""
from __future__ import annotations

from ._dispatch import apply
from ._tensor import Tensor
from .ops.shape import View

_SLOTS = Tensor.__slots__[:-2]  # every slot but _view_version (set only on views) and __weakref__


def as_subclass(self: Tensor, cls: type) -> Tensor:
    """A `cls` instance sharing this tensor's data, version counter and autograd history."""
    if not isinstance(cls, type):
        raise TypeError(f"cls must be a type (got {type(cls).__name__})")
    if not issubclass(cls, Tensor):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from Tensor is not "
                        "possible. Make sure your class inherits from Tensor.")
    alias = apply(View, (self,), self._data.shape)
    out = object.__new__(cls)
    for name in _SLOTS:
        setattr(out, name, getattr(alias, name))
    if hasattr(alias, "_view_version"):
        out._view_version = alias._view_version
    return out


Tensor.as_subclass = as_subclass
