"""flambeau: a deep-learning framework whose public API is PyTorch's. `import flambeau as torch`."""
from __future__ import annotations

from . import _dtype
from ._device import device
from ._dtype import (bfloat16, complex64, complex128, dtype, finfo, float16, float32, float64,
                     get_default_dtype, iinfo, int8, int16, int32, int64, set_default_dtype, uint8)
from ._tensor import Size, Tensor
from . import ops as _ops  # binds Tensor's methods
from . import autograd
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .ops.conversion import clone
from .ops.creation import (as_tensor, asarray, empty, empty_like, from_dlpack, from_numpy, full, full_like,
                           ones, ones_like, tensor, zeros, zeros_like)
from .ops.elementwise import (add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, div, eq, exp, ge,
                              greater, greater_equal, gt, le, less, less_equal, log, lt, mul, ne, neg,
                              not_equal, pow, sub, where)
from .ops.reduction import sum
from .ops.shape import permute, reshape, t, transpose

bool = _dtype.bool_
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128
swapaxes = swapdims = transpose

__version__ = "0.1.0"
