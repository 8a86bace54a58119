"""The fused elementwise kernel: a chain of elementwise primitives run as one step over one buffer.

attrs: (steps, start, in_place). The chain's value starts as input `start`; each step
[kind, other, value_first, args] applies the primitive `kind` to it (and to input `other`, the value being
the first operand when value_first), writing into the same buffer with NumPy's out=. The first step writes
into a new array, or, when in_place, into input `start` itself (the memory plan allows it only where that
input is read by nothing else afterwards). Every step computes exactly what the primitive it replaces
computes, in the same dtype (the fusion pass fuses only chains of one float dtype). A large buffer is split
into row ranges run by the intra-op threads (NumPy releases the GIL in its loops); each element is computed
the same way whatever the split.
"""
from __future__ import annotations

import numpy as np

from ..._dispatch import Primitive
from ..._runtime import get_num_threads
from ...ops._parallel import parallel_rows


def _sigmoid(x, out=None):
    # the primitive's 1 / (1 + exp(-x)), one operation at a time in one buffer
    out = np.negative(x, out=out)
    np.exp(out, out=out)
    np.add(out, 1, out=out)
    return np.reciprocal(out, out=out)


def _rsqrt(x, out=None):
    out = np.sqrt(x, out=out)
    return np.reciprocal(out, out=out)


KERNELS = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "neg": np.negative, "exp": np.exp, "tanh": np.tanh, "sigmoid": _sigmoid, "rsqrt": _rsqrt,
    "relu": lambda x, out=None: np.maximum(x, 0, out=out),
    "clamp": lambda x, lo, hi, out=None: np.clip(x, lo, hi, out=out),
}

# the primitives fusion replaces: their name -> the kernel's kind and how many tensor inputs they take
FUSIBLE = {
    "flambeau.ops.elementwise.Add": ("add", 2), "flambeau.ops.elementwise.Sub": ("sub", 2),
    "flambeau.ops.elementwise.Mul": ("mul", 2), "flambeau.ops.elementwise.Div": ("div", 2),
    "flambeau.ops.elementwise.Neg": ("neg", 1), "flambeau.ops.elementwise.Exp": ("exp", 1),
    "flambeau.ops.elementwise_math.Tanh": ("tanh", 1), "flambeau.ops.elementwise_math.Sigmoid": ("sigmoid", 1),
    "flambeau.ops.elementwise_math.Rsqrt": ("rsqrt", 1), "flambeau.ops.elementwise_math.Relu": ("relu", 1),
    "flambeau.ops.elementwise_math.ClampScalar": ("clamp", 1),
}
FUSED = f"{__name__}.FusedElementwise"


class FusedElementwise(Primitive):
    """Inference only: it has no derivative (a frozen graph is never differentiated)."""
    variadic = True
    differentiable = False

    @staticmethod
    def forward(arrays, steps, start, in_place):
        first = arrays[start]
        if in_place and first.flags.writeable:
            out = first
        else:
            out = np.empty(np.broadcast_shapes(*[a.shape for a in arrays]), dtype=first.dtype)
        axis = 0 if out.shape[0] >= get_num_threads() or out.ndim == 1 else 1

        def rows(lo: int, hi: int) -> None:
            _run(steps, [_rows(a, out.ndim, axis, lo, hi) for a in arrays], start,
                 out[(slice(None),) * axis + (slice(lo, hi),)])
        parallel_rows(rows, out.shape[axis], out.size)
        return out

    @staticmethod
    def writes_input(attrs: list) -> bool:
        """Whether a node with these attrs writes into one of its inputs (then no pass may merge or drop it)."""
        return bool(attrs[2])


def _rows(a, ndim: int, axis: int, lo: int, hi: int):
    """Rows [lo, hi) along the output's `axis` of an operand that broadcasts to the output's `ndim` dims."""
    i = axis - (ndim - a.ndim)
    return a if i < 0 or a.shape[i] == 1 else a[(slice(None),) * i + (slice(lo, hi),)]


def _run(steps: list, arrays: list, start: int, out) -> None:
    """The chain on one range of rows, every step written into `out`."""
    value = arrays[start]
    for kind, other, value_first, args in steps:
        kernel = KERNELS[kind]
        if other is None:
            value = kernel(value, *args, out=out)
        elif value_first:
            value = kernel(value, arrays[other], *args, out=out)
        else:
            value = kernel(arrays[other], value, *args, out=out)
