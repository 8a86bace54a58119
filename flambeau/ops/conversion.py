"""Copies and conversions: clone, contiguous, to(dtype/device), .float() and friends."""
from __future__ import annotations

import numpy as np

from .._device import CPU, device, device_of, to_device, xp_for
from .._dispatch import Primitive, apply
from .. import _dtype as _d
from .._dtype import dtype as _dtype_cls, to_dtype
from .._tensor import Tensor
from .elementwise import cast


class Clone(Primitive):
    @staticmethod
    def forward(x, order):
        return x.copy(order=order)

    def backward(ctx, g):
        return (g,)


class ToDevice(Primitive):
    @staticmethod
    def forward(x, dev, source):
        if dev.type == "cpu":
            return x if isinstance(x, np.ndarray) else x.get()
        return xp_for(dev).asarray(x)

    def backward(ctx, g):
        return (_to_device(g, ctx.args[1]),)  # back to the source device


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with the same strides (PyTorch's preserve_format), or row-major for contiguous_format."""
    order = "C" if str(memory_format) == "torch.contiguous_format" else "K"
    return apply(Clone, (input,), order)


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    if input._data.flags.c_contiguous:
        return input
    return apply(Clone, (input,), "C")


def _to_device(t: Tensor, dev) -> Tensor:
    if device_of(t._data) == dev:
        return t
    return apply(ToDevice, (t,), dev, device_of(t._data))


def _is_dtype(a) -> bool:
    return isinstance(a, _dtype_cls) or a in _PY_TYPES


_PY_TYPES = (float, int, bool, complex)


def _parse_to_args(args: tuple, kwargs: dict):
    """to(dtype), to(device, dtype=None), to(tensor), with dtype=/device= keywords -> (device, dtype)."""
    dev, dt = kwargs.pop("device", None), kwargs.pop("dtype", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if args:
        first, rest = args[0], args[1:]
        if isinstance(first, Tensor):
            dev, dt = device_of(first._data), first.dtype
        elif _is_dtype(first):
            dt = first
        elif first is None or (isinstance(first, (str, device, int)) and not isinstance(first, bool)):
            dev = first  # None: stay on the current device, as PyTorch's to(None) does
            if rest and _is_dtype(rest[0]):
                dt, rest = rest[0], rest[1:]
        else:
            rest = args
        if rest:
            names = ", ".join(type(a).__name__ for a in args)
            raise TypeError(f"to() received an invalid combination of arguments - got ({names})")
    return (to_device(dev) if dev is not None else None), (to_dtype(dt) if dt is not None else None)


def to(self: Tensor, *args, non_blocking: bool = False, copy: bool = False, memory_format=None, **kwargs) -> Tensor:
    """The tensor on another device and/or with another dtype; `self` itself when nothing changes."""
    dev, dt = _parse_to_args(args, kwargs)
    out = self
    if dev is not None:
        out = _to_device(out, dev)
    if dt is not None:
        out = cast(out, dt.np)
    if copy and out is self:
        out = clone(self, memory_format=memory_format)
    return out


def _as(dt):
    def method(self: Tensor, memory_format=None) -> Tensor:
        return cast(self, dt.np)
    return method


def cpu(self: Tensor, memory_format=None) -> Tensor:
    return _to_device(self, CPU)


def cuda(self: Tensor, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
    dev = to_device(device if device is not None else "cuda:0")
    if isinstance(device, int):
        dev = to_device(f"cuda:{device}")
    if dev.index is None:
        dev = to_device("cuda:0")
    return _to_device(self, dev)


def type_as(self: Tensor, other: Tensor) -> Tensor:
    return cast(self, other._data.dtype)


TENSOR_METHODS = {
    "clone": clone, "contiguous": contiguous, "to": to, "cpu": cpu, "cuda": cuda, "type_as": type_as,
    "float": _as(_d.float32), "double": _as(_d.float64), "half": _as(_d.float16), "bfloat16": _as(_d.bfloat16),
    "long": _as(_d.int64), "int": _as(_d.int32), "short": _as(_d.int16), "char": _as(_d.int8),
    "byte": _as(_d.uint8), "bool": _as(_d.bool_), "cfloat": _as(_d.complex64), "cdouble": _as(_d.complex128),
}

__all__ = ['clone']
