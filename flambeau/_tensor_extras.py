"""Top-level odds and ends torch has: function forms of Tensor methods (torch.fill, torch.detach, ...),
the deprecated torch.range, nonzero_static, empty_permuted, the unsafe_* splits, nuclear/frobenius norms,
and process-wide switches (default device, warn-always, flush-denormal)."""
from __future__ import annotations

import builtins
import math
import warnings

from ._device import device as Device
from ._dtype import float64, get_default_dtype, to_dtype
from ._tensor import Tensor
from .ops.creation import arange, empty, full
from .ops.joining import cat
from .ops.search import nonzero
from .ops.shape import _rebind

__all__ = ["fill", "fill_", "zero_", "detach", "detach_", "is_signed", "is_inference", "adjoint", "as_strided_",
           "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes", "range", "nonzero_static", "empty_permuted",
           "nuclear_norm", "frobenius_norm", "get_default_device", "set_default_device", "set_warn_always",
           "is_warn_always_enabled", "set_flush_denormal"]


def fill(input: Tensor, value) -> Tensor:
    """A new tensor like input, every element `value` (gradient to a tensor value, none to input)."""
    return input.clone().fill_(value)


def fill_(input: Tensor, value) -> Tensor:
    return input.fill_(value)


def zero_(input: Tensor) -> Tensor:
    return input.zero_()


def detach(input: Tensor) -> Tensor:
    return input.detach()


def detach_(input: Tensor) -> Tensor:
    return input.detach_()


def is_signed(input: Tensor) -> bool:
    return input.is_signed()


def is_inference(input: Tensor) -> bool:
    return input.is_inference()


def adjoint(input: Tensor) -> Tensor:
    return input.adjoint()


def as_strided_(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """input becomes, in place, the as_strided view of its own storage."""
    return _rebind(input, input.as_strided(size, stride, storage_offset))


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """chunk; PyTorch's unsafe_ forms only skip view bookkeeping that flambeau's views do not need."""
    return input.chunk(chunks, dim)


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    return input.split(split_size, dim)


def unsafe_split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    return input.split_with_sizes(split_sizes, dim)


def range(start: float, end: float, step: float = 1, *, dtype=None, device=None,
          requires_grad: bool = False, **kwargs) -> Tensor:  # noqa: A001  (torch's name)
    """Deprecated: start, start + step, ... up to and including end, in the default float dtype."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    count = math.floor((end - start) / step) + 1
    values = arange(count, dtype=float64, device=device) * step + start
    out = values.to(to_dtype(dtype) if dtype is not None else get_default_dtype())
    return out.requires_grad_(requires_grad)


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero's first `size` rows, padded with fill_value: a result of fixed shape (size, input.dim())."""
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got size: {size}")
    found = nonzero(input)[:size]
    padding = full((size - found.shape[0], input.dim()), fill_value, dtype=found.dtype, device=found.device)
    return cat([found, padding])


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                   pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of `size` whose dimensions lie in memory in the order physical_layout."""
    size, physical_layout = tuple(size), tuple(physical_layout)
    if sorted(physical_layout) != list(builtins.range(len(size))):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; or "
                           f"physical_layout is not a permutation: {list(physical_layout)}")
    physical = empty(tuple(size[d] for d in physical_layout), dtype=dtype, device=device)
    inverse = sorted(builtins.range(len(size)), key=physical_layout.__getitem__)
    return physical.permute(inverse).requires_grad_(requires_grad)


def nuclear_norm(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Deprecated form of linalg.matrix_norm(input, 'nuc')."""
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim) positionally
        dim, keepdim = None, dim
    warnings.warn("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a "
                  "future PyTorch release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    from . import linalg  # on first use: `import flambeau` does not load flambeau.linalg
    return linalg.matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


def frobenius_norm(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """Deprecated form of linalg.vector_norm(input, 2, dim)."""
    warnings.warn("at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in "
                  "a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead",
                  UserWarning, stacklevel=2)
    from . import linalg
    return linalg.vector_norm(input, 2, dim, keepdim)


def get_default_device() -> Device:
    return Device("cpu")


def set_default_device(device) -> None:
    """Only the CPU (the default flambeau's creation functions use) can be set."""
    if device is not None and Device(device).type != "cpu":
        raise RuntimeError(f"flambeau: set_default_device supports only 'cpu', got {device!r}; pass device= to the "
                           "creation functions instead")


_WARN_ALWAYS = [False]


def set_warn_always(b: bool) -> None:
    _WARN_ALWAYS[0] = bool(b)


def is_warn_always_enabled() -> bool:
    return _WARN_ALWAYS[0]


def set_flush_denormal(mode: bool) -> bool:
    """False: NumPy offers no switch for flushing denormals, so the mode is never set (see docs/differences.md)."""
    return False


# torch has these as Tensor methods too
for _name in ("as_strided_", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes", "nonzero_static"):
    setattr(Tensor, _name, globals()[_name])
