"""Fused steps of a compiled training step, put in by _passes.fuse_linear: each computes exactly what the
primitives it replaces compute, in one pass over the arrays (flambeau/_kernels/linear.py).

They run only in a replay, never under autograd (differentiable = False), and fall back to the NumPy
operations they replace where the kernels do not apply (other dtypes, layouts or shapes).
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive
from ..ops._parallel import parallel_rows
from ..ops.elementwise_math import ReluBackward

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _rows_of(a, dtype) -> bool:
    return a.ndim == 2 and a.dtype == dtype and a.flags.c_contiguous


class BiasRelu(Primitive):
    """relu(z + b) for an (N, C) z that nothing else reads (a matmul's result) and a (C,) bias: computed
    into z's own buffer."""
    differentiable = False

    @staticmethod
    def forward(z, b):
        if not (z.dtype in _FLOATS and z.ndim == 2 and z.flags.writeable and b.shape == z.shape[1:]
                and b.dtype == z.dtype and (z.flags.c_contiguous or z.flags.f_contiguous)):
            return np.maximum(np.add(z, b), 0)
        from .._kernels import linear
        b = np.ascontiguousarray(b)
        if z.flags.c_contiguous:
            parallel_rows(lambda start, stop: linear.bias_relu(z, b, start, stop), len(z), z.size)
        else:  # transposed activations (transpose_activations)
            zt = z.T
            parallel_rows(lambda start, stop: linear.bias_relu_transposed(zt, b, start, stop), len(zt), z.size)
        return z


class ReluBackwardSum(Primitive):
    """(relu's gradient g', g' summed over axis 0 with the dim kept): the gradients of a relu's input and
    of the bias added before it."""
    differentiable = False
    multiple_outputs = True

    @staticmethod
    def forward(g, y):
        if not (g.dtype in _FLOATS and _rows_of(g, g.dtype) and _rows_of(y, g.dtype) and y.shape == g.shape
                and len(g) > 0):
            # NOTE: on transposed activations (transpose_activations) NumPy sums along the contiguous axis,
            # pairwise: the bias gradient differs from eager's row-by-row sum in the last bits
            out = ReluBackward.forward(g, y)
            return out, out.sum(axis=(0,), keepdims=True)
        from .._kernels import linear
        out = np.empty_like(g)
        total = np.empty((1, g.shape[1]), g.dtype)
        flat = total.reshape(-1)
        parallel_rows(lambda start, stop: linear.relu_backward_bias_sum(g, y, out, flat, start, stop),
                      g.shape[1], g.size)
        return out, total
