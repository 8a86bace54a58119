"""flambeau.special: torch.special - the error, gamma, Bessel and normal-distribution functions, the
orthogonal polynomials, and aliases of torch functions under SciPy's names.

The kernels live in flambeau/ops/special*.py; this module is the namespace.
"""
from __future__ import annotations

from ..ops.activation import log_softmax as _log_softmax
from ..ops.activation import softmax as _softmax
from ..ops.elementwise import _out, not_implemented, require_tensor
from ..ops.elementwise_math import exp2, expm1, log1p
from ..ops.elementwise_math import sigmoid as expit
from ..ops.elementwise_rounding import round as _round
from ..ops.math_extra import sinc
from ..ops.special import entr, erf, erfc, erfcx, erfinv, logit, xlog1py, xlogy
from ..ops.special_bessel import airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1, spherical_bessel_j0
from ..ops.special_bessel_modified import (i0, i0e, i1, i1e, modified_bessel_i0, modified_bessel_i1, modified_bessel_k0,
                                           modified_bessel_k1, scaled_modified_bessel_k0, scaled_modified_bessel_k1)
from ..ops.special_gamma import digamma, lgamma as gammaln, mvlgamma as multigammaln, polygamma, zeta
from ..ops.special_igamma import igamma as gammainc, igammac as gammaincc
from ..ops.special_normal import log_ndtr, ndtr, ndtri
from ..ops.special_poly import (chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v,
                                chebyshev_polynomial_w, hermite_polynomial_h, hermite_polynomial_he,
                                laguerre_polynomial_l, legendre_polynomial_p, shifted_chebyshev_polynomial_t,
                                shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v,
                                shifted_chebyshev_polynomial_w)
from ..ops.statistics import logsumexp as _logsumexp
from .._tensor import Tensor

psi = digamma


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return _log_softmax(input, dim, dtype)


def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:
    """torch.round, but like PyTorch's special.round it refuses integer and bool tensors."""
    require_tensor("round", "input", 1, input)
    if input._data.dtype.kind in "biu":
        raise not_implemented("round_vml_cpu", input)
    return _round(input, decimals=decimals, out=out)


def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    return _out(_logsumexp(input, dim, keepdim), out)


__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr", "erf",
           "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]
