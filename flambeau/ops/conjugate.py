"""Complex conjugation, and the rule that makes real derivative formulas right for complex inputs.

PyTorch's gradient of a real loss L with respect to z = x + iy is dL/dx + i dL/dy, the conjugate
Wirtinger derivative. For a holomorphic f that gradient is grad * conj(f'(z)). A derivative formula
written for real numbers computes grad * f'(z), and is linear in grad, so
conj(formula(conj(grad))) = grad * conj(f'(z)): `holomorphic` wraps a primitive's backward that way
when its gradient is complex, and leaves real gradients on the formula as written.

This module depends on the dispatcher only, so that every op family can import it.
"""
from __future__ import annotations

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor


class Conj(Primitive):
    # NOTE: an eager copy; PyTorch sets a lazy conjugate bit instead (see docs/differences.md)
    forward = staticmethod(np.conjugate)

    def backward(ctx, g):
        return (conj(g),)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate; real tensors are returned as they are, like PyTorch."""
    if input._data.dtype.kind != "c":
        return input
    return apply(Conj, (input,))


def holomorphic(prim: type) -> type:
    """Class decorator: `prim`'s backward (written for real numbers) becomes right for complex inputs."""
    real_backward = prim.backward

    def backward(ctx, g):
        if g._data.dtype.kind != "c":
            return real_backward(ctx, g)
        return tuple(None if r is None else conj(r) for r in real_backward(ctx, conj(g)))

    backward.__doc__ = real_backward.__doc__
    prim.backward = backward
    return prim
