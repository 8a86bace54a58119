"""Kernels around a linear layer's matmul, for the fused steps of a compiled training step
(flambeau/_compile/_fused.py): the bias add and relu after the forward matmul, and relu's gradient with
the bias gradient before the backward matmuls. Each replaces two NumPy passes over an array that has
just left the caches (a matmul's result) with one.

NOTE: compiled without fast-math: every element is what the NumPy operations it replaces give
(np.maximum keeps nan, and turns -0.0 into 0), and the bias gradient adds the rows in order, first row first, as
NumPy's sum over axis 0 of a C-contiguous array does, so the sums are bit-equal.
"""
from __future__ import annotations

from . import kernel
from .activation import like

_exact = kernel(fastmath=())


@_exact
def bias_relu(z, b, start, stop):
    """z[i] = maximum(z[i] + b, 0) in place, for rows [start, stop)."""
    zero = like(z, 0.0)
    for i in range(start, stop):
        row = z[i]
        for j in range(row.size):
            v = row[j] + b[j]
            row[j] = v if (v > zero or v != v) else zero  # NumPy's maximum: -0.0 gives 0


@_exact
def bias_relu_transposed(zt, b, start, stop):
    """bias_relu on z = zt.T (z F-contiguous, zt C-contiguous), for z's columns [start, stop)."""
    zero = like(zt, 0.0)
    for j in range(start, stop):
        row, bj = zt[j], b[j]
        for i in range(row.size):
            v = row[i] + bj
            row[i] = v if (v > zero or v != v) else zero


@_exact
def relu_backward_bias_sum(g, y, out, total, start, stop):
    """out = g where y > 0 or y is nan, else 0 (relu's gradient); total = out's rows summed in order;
    for columns [start, stop) (splitting columns keeps every sum's order)."""
    zero = like(g, 0.0)
    acc = total[start:stop]
    for i in range(g.shape[0]):
        gr, yr, orow = g[i, start:stop], y[i, start:stop], out[i, start:stop]
        if i == 0:
            for j in range(orow.size):
                v = zero if yr[j] <= zero else gr[j]
                orow[j] = v
                acc[j] = v
        else:
            for j in range(orow.size):
                v = zero if yr[j] <= zero else gr[j]
                orow[j] = v
                acc[j] += v
