"""torch.gradient: derivatives of sampled values by finite differences (second-order accurate central
differences inside, first- or second-order one-sided ones at the edges), for uniform spacings or coordinates."""
from __future__ import annotations

from ._dtype import FLOAT, get_default_dtype
from ._tensor import Tensor
from .ops.creation import full
from .ops.joining import cat

__all__ = ["gradient"]


def _steps(spacing, d: int, n: int, like: Tensor) -> Tensor:
    """The n - 1 distances between samples along one dimension, shaped to broadcast along `d`."""
    if isinstance(spacing, Tensor):
        if spacing.dim() != 1 or spacing.shape[0] != n:
            raise RuntimeError(f"torch.gradient expected each tensor to be on the same device and to match the "
                               f"size of the input along dimension {d}")
        h = spacing.to(like.dtype).diff()
    else:
        h = full((n - 1,), float(spacing), dtype=like.dtype, device=like.device)
    shape = [1] * like.dim()
    shape[d] = n - 1
    return h.reshape(shape)


def _along(x: Tensor, d: int, start: int, stop: int | None = None) -> Tensor:
    return x.narrow(d, start, (x.shape[d] if stop is None else stop) - start)


def _three_point(p: Tensor, q: Tensor, r: Tensor, a: Tensor, b: Tensor, at: int) -> Tensor:
    """The derivative at the first (0), middle (1) or last (2) of three samples p, q, r spaced a then b."""
    s = a + b
    if at == 0:
        return p * (-(a + s) / (a * s)) + q * (s / (a * b)) - r * (a / (b * s))
    if at == 1:
        return p * (-b / (a * s)) + q * ((b - a) / (a * b)) + r * (a / (b * s))
    return p * (b / (a * s)) - q * (s / (a * b)) + r * ((b + s) / (b * s))


def _derivative(f: Tensor, h: Tensor, d: int, edge_order: int) -> Tensor:
    n = f.shape[d]
    inner = _three_point(_along(f, d, 0, n - 2), _along(f, d, 1, n - 1), _along(f, d, 2), _along(h, d, 0, n - 2),
                         _along(h, d, 1), 1)
    if edge_order == 1:
        first = (_along(f, d, 1, 2) - _along(f, d, 0, 1)) / _along(h, d, 0, 1)
        last = (_along(f, d, n - 1) - _along(f, d, n - 2, n - 1)) / _along(h, d, n - 2)
    else:
        first = _three_point(_along(f, d, 0, 1), _along(f, d, 1, 2), _along(f, d, 2, 3), _along(h, d, 0, 1),
                             _along(h, d, 1, 2), 0)
        last = _three_point(_along(f, d, n - 3, n - 2), _along(f, d, n - 2, n - 1), _along(f, d, n - 1),
                            _along(h, d, n - 3, n - 2), _along(h, d, n - 2), 2)
    return cat([first, inner, last], d)


def gradient(input: Tensor, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """One tensor per dimension in `dim` (default: all): d input / d x along it. `spacing` is one scalar, one
    scalar per dimension, or one 1-D tensor of coordinates per dimension."""
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(range(input.dim())) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    dims = [d % input.dim() for d in dims]
    spacings = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(spacings) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length "
                           f"{len(spacings)} and a dim argument of length {len(dims)}.")
    if any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    f = input if input.dtype.category == FLOAT or input.is_complex() else input.to(get_default_dtype())
    return tuple(_derivative(f, _steps(s, d, f.shape[d], f), d, edge_order) for s, d in zip(spacings, dims))
