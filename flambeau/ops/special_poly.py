"""The classical orthogonal polynomials of torch.special, p_n(x) for a tensor (or number) x and an integer
degree n (a tensor or a number; PyTorch truncates it to an integer, and p_n = 0 for n < 0).

Each is its three-term recurrence p_{k+1} = a_k(x) p_k - b_k p_{k-1} from p_0 = 1 and p_1, run in float64 up
to the largest degree asked for, every element keeping the term of its own degree. The shifted Chebyshev
polynomials are the Chebyshev ones at 2x - 1. PyTorch gives none of them a gradient.
"""
from __future__ import annotations

import numpy as np

from .special_common import non_differentiable


def _chebyshev_step(k, x, prev, cur):
    return 2.0 * x * cur - prev


def _hermite_step(k, x, prev, cur):
    return 2.0 * x * cur - 2.0 * k * prev


def _hermite_e_step(k, x, prev, cur):
    return x * cur - k * prev


def _laguerre_step(k, x, prev, cur):
    return ((2.0 * k + 1.0 - x) * cur - k * prev) / (k + 1.0)


def _legendre_step(k, x, prev, cur):
    return ((2.0 * k + 1.0) * x * cur - k * prev) / (k + 1.0)


def _recurrence(first, step):
    """The kernel (x, n) -> p_n(x) of the family with p_1 = first(x) and the recurrence `step`."""
    def kernel(x, n):
        x, n = np.broadcast_arrays(x, np.trunc(n))
        p0 = np.ones_like(x)
        cur = first(x)
        result = np.where(n == 0, p0, np.where(n == 1, cur, np.where(n < 0, 0.0, np.nan)))
        finite = n[np.isfinite(n)]
        top = int(finite.max()) if finite.size else 0
        prev = p0
        for k in range(1, top):
            prev, cur = cur, step(k, x, prev, cur)
            result = np.where(n == k + 1, cur, result)
        return result
    return kernel


def _shifted(kernel):
    def shifted(x, n):
        return kernel(2.0 * x - 1.0, n)
    return shifted


_T = _recurrence(lambda x: x, _chebyshev_step)
_U = _recurrence(lambda x: 2.0 * x, _chebyshev_step)
_V = _recurrence(lambda x: 2.0 * x - 1.0, _chebyshev_step)
_W = _recurrence(lambda x: 2.0 * x + 1.0, _chebyshev_step)

chebyshev_polynomial_t = non_differentiable("chebyshev_polynomial_t", _T, arity=2)
chebyshev_polynomial_u = non_differentiable("chebyshev_polynomial_u", _U, arity=2)
chebyshev_polynomial_v = non_differentiable("chebyshev_polynomial_v", _V, arity=2)
chebyshev_polynomial_w = non_differentiable("chebyshev_polynomial_w", _W, arity=2)
shifted_chebyshev_polynomial_t = non_differentiable("shifted_chebyshev_polynomial_t", _shifted(_T), arity=2)
shifted_chebyshev_polynomial_u = non_differentiable("shifted_chebyshev_polynomial_u", _shifted(_U), arity=2)
shifted_chebyshev_polynomial_v = non_differentiable("shifted_chebyshev_polynomial_v", _shifted(_V), arity=2)
shifted_chebyshev_polynomial_w = non_differentiable("shifted_chebyshev_polynomial_w", _shifted(_W), arity=2)
hermite_polynomial_h = non_differentiable("hermite_polynomial_h", _recurrence(lambda x: 2.0 * x, _hermite_step),
                                          arity=2)
hermite_polynomial_he = non_differentiable("hermite_polynomial_he", _recurrence(lambda x: x, _hermite_e_step), arity=2)
laguerre_polynomial_l = non_differentiable("laguerre_polynomial_l", _recurrence(lambda x: 1.0 - x, _laguerre_step),
                                           arity=2)
legendre_polynomial_p = non_differentiable("legendre_polynomial_p", _recurrence(lambda x: x, _legendre_step), arity=2)

TENSOR_METHODS: dict = {}
__all__: list = []  # torch.special only: flambeau/special/__init__.py exports them
