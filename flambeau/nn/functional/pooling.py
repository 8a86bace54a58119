"""nn.functional pooling: max/avg/adaptive/LP pooling and max unpooling over 1, 2 or 3 spatial dims.

Argument checks, output sizes and averaging divisors follow PyTorch (ATen's Pool.h); the window
work is done by the primitives of flambeau/ops/pool.py. Adaptive average pooling is separable:
one matmul per spatial dim with a matrix of window weights (BLAS, and its own gradient).
"""
from __future__ import annotations

import functools

import numpy as np

import flambeau

from ..._tensor import Tensor
from ...ops.pool import (adaptive_bounds, adaptive_max_index, fill_windows, max_pool_index, plane_gather, plane_scatter,
                         window_sum)

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d"]

_DIMS = {1: "a single int, or a tuple of one int", 2: "a single int, or a tuple of two ints",
         3: "a single int, or a tuple of three ints"}


def _ints(name: str, what: str, value, nsp: int) -> tuple:
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return (int(value[0]),) * nsp
        if len(value) != nsp:
            raise RuntimeError(f"{name}: {what} must either be {_DIMS[nsp]}")
        return tuple(int(v) for v in value)
    return (int(value),) * nsp


def _check_input(name: str, input: Tensor, nsp: int) -> None:
    shape = tuple(input.shape)
    if len(shape) not in (nsp + 1, nsp + 2) or 0 in shape[-nsp - 1:]:
        if nsp == 3:  # ATen's 3-D pooling words it differently
            raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
        raise RuntimeError(f"{name}: Expected {nsp + 1}D or {nsp + 2}D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got: {list(shape)}")


def _out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = span // s + 1
    if ceil_mode and (out - 1) * s >= n + p:  # the last window must start inside the input or left padding
        out -= 1
    return out


def _geometry(name: str, input: Tensor, nsp: int, kernel_size, stride, padding, dilation, ceil_mode: bool) -> tuple:
    """(kernel, stride, dilation, padding, output size) per spatial dim, with PyTorch's checks."""
    k = _ints(name, "kernel_size", kernel_size, nsp)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else _ints(name, "stride", stride, nsp)
    p = _ints(name, "padding", padding, nsp)
    d = _ints(name, "dilation", dilation, nsp)
    if any(v == 0 for v in s):
        raise RuntimeError("stride should not be zero")
    if any(v <= 0 for v in k + s):
        raise RuntimeError(f"kernel size and stride should be greater than zero, but got kernel_size={k}, stride={s}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation={d}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(p)}")
    for pi, ki, di in zip(p, k, d):
        if pi > ((ki - 1) * di + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pi}, "
                               f"kernel_size={ki} and dilation={di}")
        if pi > ki // 2:
            raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got pad={pi}, "
                               f"kernel_size={ki}")
    _check_input(name, input, nsp)
    spatial = tuple(input.shape[-nsp:])
    out = tuple(_out_size(*a, ceil_mode) for a in zip(spatial, k, s, p, d))
    if any(o < 1 for o in out):
        planes = input.shape[-nsp - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (planes,) + spatial))}). Calculated output size: "
                           f"({'x'.join(map(str, (planes,) + out))}). Output size is too small")
    return k, s, d, p, out


# ------------------------------------------------------------------------------------------- max

def _windows_in_padding(geom: tuple, spatial: tuple) -> np.ndarray | None:
    """Where dilation puts a whole window in the padding, a mask over the output positions; None if nowhere."""
    kernel, stride, dilation, padding, out = geom
    reaches = []  # per dim: does the window at each output position sample the input at all?
    for k, s, d, p, o, n in zip(kernel, stride, dilation, padding, out, spatial):
        taps = np.arange(o)[:, None] * s - p + np.arange(k) * d
        reaches.append(((taps >= 0) & (taps < n)).any(axis=1))
    if all(r.all() for r in reaches):
        return None
    reached = reaches[0]
    for r in reaches[1:]:
        reached = reached[..., None] & r
    return ~reached


def _max_pool(name, nsp, input, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    geom = _geometry(name, input, nsp, kernel_size, stride, padding, dilation, ceil_mode)
    index = max_pool_index(input, geom)
    values = plane_gather(input, index, nsp)
    empty = _windows_in_padding(geom, input.shape[-nsp:])
    return (values if empty is None else fill_windows(values, empty)), index


def _max_pool_nd(nsp: int) -> tuple:
    """(max_pool{nsp}d_with_indices, max_pool{nsp}d) with PyTorch's signatures."""
    name = f"max_pool{nsp}d"

    def with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                     return_indices: bool = False) -> tuple:
        return _max_pool(name, nsp, input, kernel_size, stride, padding, dilation, ceil_mode)

    def max_pool(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                 return_indices: bool = False):
        out = _max_pool(name, nsp, input, kernel_size, stride, padding, dilation, ceil_mode)
        return out if return_indices else out[0]

    with_indices.__name__ = with_indices.__qualname__ = name + "_with_indices"
    max_pool.__name__ = max_pool.__qualname__ = name
    return with_indices, max_pool


max_pool1d_with_indices, max_pool1d = _max_pool_nd(1)
max_pool2d_with_indices, max_pool2d = _max_pool_nd(2)
max_pool3d_with_indices, max_pool3d = _max_pool_nd(3)


# --------------------------------------------------------------------------------------- average

def _window_counts(n: int, k: int, s: int, p: int, o: int, count_include_pad: bool) -> np.ndarray:
    """How many samples each window divides by along one dim (ATen's avg_pool divide_factor)."""
    start = np.arange(o, dtype=np.int64) * s - p
    end = np.minimum(start + k, n + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, n) - np.maximum(start, 0)


def _avg_pool(name, nsp, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    k, s, d, p, out = geom = _geometry(name, input, nsp, kernel_size, stride, padding, 1, ceil_mode)
    total = window_sum(input, geom)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        divisor = divisor_override
    else:
        counts = [_window_counts(*a, count_include_pad) for a in zip(input.shape[-nsp:], k, s, p, out)]
        grid = functools.reduce(np.multiply.outer, counts)
        divisor = flambeau.as_tensor(grid, device=input.device)
    if total.is_floating_point():
        return total / divisor  # the divisor converts to the input's float type: one rounding, as PyTorch
    return flambeau.div(total, divisor, rounding_mode="trunc")  # C++ integer division


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# -------------------------------------------------------------------------------------- adaptive

def _adaptive_sizes(name: str, input: Tensor, output_size, nsp: int) -> tuple:
    shape = tuple(input.shape)
    if len(shape) not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"{name}(): Expected {nsp + 1}D or {nsp + 2}D tensor, but got {list(shape)}")
    for i in range(len(shape) - nsp, len(shape)):
        if shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                               f"input has sizes {list(shape)} with dimension {i} being empty")
    if not isinstance(output_size, (list, tuple)):
        output_size = (output_size,) * nsp
    if len(output_size) != nsp:
        raise RuntimeError(f"{name}: output_size must be {nsp}")
    out = tuple(n if o is None else int(o) for n, o in zip(shape[-nsp:], output_size))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received {out}")
    if not input.is_floating_point():
        raise NotImplementedError(f"\"{name}\" not implemented for '{_type_name(input)}'")
    return out


def _type_name(t: Tensor) -> str:
    return t.type().split(".")[-1].replace("Tensor", "")


def _window_weights(n: int, o: int) -> np.ndarray:
    """(n, o) matrix averaging each adaptive window: column j holds 1/len over window j."""
    start, end = adaptive_bounds(n, o)
    i = np.arange(n)[:, None]
    inside = (i >= start) & (i < end)
    return np.where(inside, 1.0 / (end - start).clip(1), 0.0)


def _adaptive_avg(name: str, input: Tensor, output_size, nsp: int) -> Tensor:
    out = _adaptive_sizes(name, input, output_size, nsp)
    x = input
    for axis in range(-1, -nsp - 1, -1):
        n, o = input.shape[axis], out[axis]
        if n == o:
            continue
        weights = flambeau.as_tensor(_window_weights(n, o), dtype=x.dtype, device=input.device)
        x = x @ weights if axis == -1 else (x.transpose(axis, -1) @ weights).transpose(axis, -1)
    return x if x is not input else input.clone()


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for adaptive_avg_pool1d)")
    return _adaptive_avg("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    return _adaptive_avg("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    return _adaptive_avg("adaptive_avg_pool3d", input, output_size, 3)


def _adaptive_max(name: str, input: Tensor, output_size, nsp: int) -> tuple:
    out = _adaptive_sizes(name, input, output_size, nsp)
    index = adaptive_max_index(input, out)
    return plane_gather(input, index, nsp), index


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    return _adaptive_max("adaptive_max_pool1d", input, output_size, 1)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    return _adaptive_max("adaptive_max_pool2d", input, output_size, 2)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False) -> tuple:
    return _adaptive_max("adaptive_max_pool3d", input, output_size, 3)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    out = _adaptive_max("adaptive_max_pool1d", input, output_size, 1)
    return out if return_indices else out[0]


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    out = _adaptive_max("adaptive_max_pool2d", input, output_size, 2)
    return out if return_indices else out[0]


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    out = _adaptive_max("adaptive_max_pool3d", input, output_size, 3)
    return out if return_indices else out[0]


# ------------------------------------------------------------------------------------- unpooling

def _unpool_size(input: Tensor, k: tuple, s: tuple, p: tuple, output_size) -> tuple:
    nsp = len(k)
    default = tuple((n - 1) * si - 2 * pi + ki for n, ki, si, pi in zip(input.shape[-nsp:], k, s, p))
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == nsp + 2:
        output_size = output_size[2:]
    if len(output_size) != nsp:
        raise ValueError(f"output_size should be a sequence containing {nsp} or {nsp + 2} elements, but it has a "
                         f"length of '{len(output_size)}'")
    for dim, (o, dflt, si) in enumerate(zip(output_size, default, s)):
        if not dflt - si < o < dflt + si:
            raise ValueError(f'invalid output_size "{output_size}" (dim {dim} must be between {dflt - si} and '
                             f'{dflt + si})')
    return tuple(int(o) for o in output_size)


def _max_unpool(name, nsp, input, indices, kernel_size, stride, padding, output_size) -> Tensor:
    k = _ints(name, "kernel_size", kernel_size, nsp)
    s = k if stride is None else _ints(name, "stride", stride, nsp)
    p = _ints(name, "padding", padding, nsp)
    if input.dim() not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"{name}(): Expected {nsp + 1}D or {nsp + 2}D tensor, but got {list(input.shape)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    if indices.dtype != flambeau.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    plane = _unpool_size(input, k, s, p, output_size)
    size = int(np.prod(plane))
    if indices.numel():
        bad = indices[(indices < 0) | (indices >= size)]
        if bad.numel():
            raise RuntimeError(f"Found an invalid max index: {int(bad[0])} (output volumes are of size "
                               f"{'x'.join(map(str, plane))}")
    return plane_scatter(input, indices, plane, False)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


# -------------------------------------------------------------------------------------------- LP

def _lp_pool(nsp, pool, max_pool, input, norm_type, kernel_size, stride, ceil_mode) -> Tensor:
    if norm_type == 0:
        raise ValueError(f"norm_type must be a non-zero value, but got {norm_type}")
    if norm_type == float("inf"):
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    size = int(np.prod(_ints("lp_pool", "kernel_size", kernel_size, nsp)))
    # as PyTorch: sign(out) * relu(|out|), so a zero window gets a zero (not NaN) gradient
    return (flambeau.sign(out) * flambeau.relu(flambeau.abs(out))).mul(size).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool(1, avg_pool1d, max_pool1d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool(2, avg_pool2d, max_pool2d, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool(3, avg_pool3d, max_pool3d, input, norm_type, kernel_size, stride, ceil_mode)
