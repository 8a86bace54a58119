"""torch.testing.make_tensor: a tensor of a dtype and shape filled uniformly from [low, high)."""
from __future__ import annotations

import collections.abc
import math
import warnings

from .._dtype import COMPLEX, FLOAT, bool_, finfo, iinfo, int64, to_dtype
from .._tensor import Tensor


def _bounds(low, high, lowest: float, highest: float, default_low: float, default_high: float, dt) -> tuple:
    """low/high defaulted, clamped to the dtype's finite range and checked."""
    low = default_low if low is None else min(max(low, lowest), highest)
    high = default_high if high is None else min(max(high, lowest), highest)
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dt.category in (FLOAT, COMPLEX):
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is "
                      "deprecated since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.",
                      FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    return low, high


def make_tensor(*shape, dtype, device, low: float | None = None, high: float | None = None,
                requires_grad: bool = False, noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format=None) -> Tensor:
    """Values drawn from the default generator: bool in {False, True}, integers in [low, high) (default
    [-9, 10), unsigned [0, 10)), floating and complex parts in [low, high) (default [-9, 9))."""
    import flambeau
    dt = to_dtype(dtype)
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = tuple(shape[0])
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
                         f"noncontiguous={noncontiguous} and memory_format={memory_format}")
    if requires_grad and dt.category <= 1:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got dtype={dt}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    # a non-contiguous tensor is every other element along the last dimension of a wider one
    full = (*shape[:-1], shape[-1] * 2) if noncontiguous else shape
    if dt is bool_:
        low, high = _bounds(low, high, 0, 2, 0, 2, dt)
        result = flambeau.randint(math.ceil(low), math.ceil(high), full, device=device).to(bool_)
    elif dt.category <= 1:
        info = iinfo(dt)
        low, high = _bounds(low, high, info.min, info.max + (dt is not int64), -9 if info.min < 0 else 0, 10, dt)
        result = flambeau.randint(math.ceil(low), math.ceil(high), full, dtype=dt, device=device)
    else:
        info = finfo(dt)
        low, high = _bounds(low, high, info.min, info.max, -9, 9, dt)
        parts = (*full, 2) if dt.category == COMPLEX else full
        real = dt.to_real()
        # NOTE: drawn in float64 so that high - low may exceed the dtype's largest finite value
        result = (flambeau.rand(parts, dtype=flambeau.float64, device=device) * (high - low) + low).to(real)
        if dt.category == COMPLEX:
            result = flambeau.view_as_complex(result.contiguous())
    if noncontiguous:
        result = result[..., ::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        replacement = 1 if dt.category <= 1 else finfo(dt).tiny
        if dt.category == COMPLEX:
            replacement = complex(replacement, replacement)
        result[result == 0] = replacement
    if dt.category >= FLOAT:
        result.requires_grad_(requires_grad)
    return result
