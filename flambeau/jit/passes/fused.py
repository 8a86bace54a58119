"""The fused elementwise kernel: a chain of elementwise primitives run as one step over one buffer.

attrs: (steps, start, in_place). The chain's value starts as input `start`; each step
[kind, other, value_first, args] applies the primitive `kind` to it (and to input `other`, the value being
the first operand when value_first), writing into the same buffer with NumPy's out=. The first step writes
into a new array, or, when in_place, into input `start` itself (the memory plan allows it only where that
input is read by nothing else afterwards). Every step computes exactly what the primitive it replaces
computes, in the same dtype (the fusion pass fuses only chains of one float dtype).
"""
from __future__ import annotations

import numpy as np

from ..._dispatch import Primitive


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
        value = arrays[start]
        out = value if in_place and value.flags.writeable else None
        for kind, other, value_first, args in steps:
            kernel = KERNELS[kind]
            if other is None:
                value = kernel(value, *args, out=out)
            elif value_first:
                value = kernel(value, arrays[other], *args, out=out)
            else:
                value = kernel(arrays[other], value, *args, out=out)
            out = value
        return value

    @staticmethod
    def writes_input(attrs: list) -> bool:
        """Whether a node with these attrs writes into one of its inputs (then no pass may merge or drop it)."""
        return bool(attrs[2])
