"""nn.functional fractional max pooling over 2 or 3 spatial dims (PyTorch's argument checks and errors).

The windows of each (sample, channel) plane come from `_random_samples` (N, C, nsp) uniform in [0, 1), drawn
from flambeau's generator when not given; the argmax work is ops/fractional_pool.py's.
"""
from __future__ import annotations

import flambeau

from ..._tensor import Tensor
from ...ops.fractional_pool import fractional_max_index
from ...ops.pool import plane_gather

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]

_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}
# which spatial dim each random sample drives (ATen's order: width first in 2-D, time first in 3-D)
_SAMPLE_ORDER = {2: (1, 0), 3: (0, 1, 2)}


def _ints(name: str, what: str, value, nsp: int) -> tuple:
    value = tuple(value) if isinstance(value, (list, tuple)) else (value,) * nsp
    if len(value) == 1:
        value *= nsp
    if len(value) != nsp:
        raise RuntimeError(f"{name}: {what} must either be a single Int or tuple of Ints")
    return tuple(int(v) for v in value)


def _output_size(name: str, input: Tensor, nsp: int, output_size, output_ratio) -> tuple:
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is not None:
        return _ints(name, "output_size", output_size, nsp)
    # as PyTorch: the 2-D form takes len() of the ratio (a plain number is a TypeError there), the 3-D form
    # repeats a number; a shorter tuple is an IndexError
    if nsp == 2 and len(output_ratio) > 2:
        raise ValueError(f"{name} requires output_ratio to either be a single Int or tuple of Ints.")
    ratio = tuple(output_ratio) if isinstance(output_ratio, (list, tuple)) else (output_ratio,) * nsp
    return tuple(int(input.size(d - nsp) * ratio[d]) for d in range(nsp))


def _check(name: str, input: Tensor, samples: Tensor, kernel: tuple, out: tuple) -> None:
    nsp = len(kernel)
    shape = tuple(input.shape)
    if len(shape) not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"{name}(): Expected {nsp + 1}D or {nsp + 2}D tensor, but got: {list(shape)}")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{name}(): kernel size should be greater than zero, but got {'x'.join(map(str, kernel))}")
    for d in range(len(shape) - nsp - 1, len(shape)):
        if shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but got "
                               f"{list(shape)} with dimension {d} being empty")
    for what, n, k, o in zip(_DIM_NAMES[nsp], shape[-nsp:], kernel, out):
        if o + k - 1 > n - (nsp == 3):  # NOTE: ATen's 3-D check is strict, its 2-D one is not
            raise RuntimeError(f"{name}(): pool {what} {k} too large relative to input {what} {n}")
    batch = shape[0] if len(shape) == nsp + 2 else 1
    if samples.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions; got {samples.dim()}.")
    if samples.size(2) != nsp:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nsp}; got {samples.size(2)}.")
    if samples.size(0) < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.size(1) != shape[-nsp - 1]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if samples.requires_grad and flambeau.is_grad_enabled():
        raise RuntimeError(f"The function '{name}' is not differentiable with respect to argument 'random_samples'. "
                           "This input cannot have requires_grad True.")


def _fractional_max_pool(nsp: int, input: Tensor, kernel_size, output_size, output_ratio, _random_samples) -> tuple:
    name = f"fractional_max_pool{nsp}d"
    out = _output_size(name, input, nsp, output_size, output_ratio)
    kernel = _ints(name, "kernel_size", kernel_size, nsp)
    if not input.is_floating_point():
        raise NotImplementedError(f"\"{name}\" not implemented for '{input.type().split('.')[-1][:-6]}'")
    if _random_samples is None:
        batch = input.size(0) if input.dim() == nsp + 2 else 1
        _random_samples = flambeau.rand(batch, input.size(-nsp - 1), nsp, dtype=input.dtype, device=input.device)
    _check(name, input, _random_samples, kernel, out)
    batched = input if input.dim() == nsp + 2 else input.unsqueeze(0)
    index = fractional_max_index(batched, _random_samples, kernel, out, _SAMPLE_ORDER[nsp])
    output = plane_gather(batched, index, nsp)
    if batched is not input:
        return output.squeeze(0), index.squeeze(0)
    return output, index


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples: Tensor | None = None) -> tuple:
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples: Tensor | None = None) -> tuple:
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    out = _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, _random_samples)
    return out if return_indices else out[0]


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    out = _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, _random_samples)
    return out if return_indices else out[0]
