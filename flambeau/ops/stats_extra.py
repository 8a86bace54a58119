"""Order statistics and covariances: quantile, nanquantile, cov, corrcoef.

Composites of sort, gather, lerp and mm, following PyTorch's algorithms step by step so values (NaN
handling, rank rounding) and gradients agree.
"""
from __future__ import annotations

import warnings

from .._dtype import bool_, float32, float64, get_default_dtype, int64
from .._tensor import Tensor
from .creation import tensor
from .matmul import mm
from .reduction import normalize_dims
from .sorting import sort

__all__ = ["corrcoef", "cov", "nanquantile", "quantile"]

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


# ------------------------------------------------------------------------------- quantile

def _q_tensor(input: Tensor, q, op: str) -> Tensor:
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor")
        if q.dtype != input.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor")
        if q.numel() and not bool(((q >= 0) & (q <= 1)).all()):
            raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
        return q
    if isinstance(q, bool) or not isinstance(q, (int, float)):
        raise TypeError(f"{op}() q must be a float or a Tensor, got {type(q).__name__}")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {q}")
    return tensor(q, dtype=input.dtype, device=input.device)


def _quantile(input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool, op: str) -> Tensor:
    if input.dtype not in (float32, float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    q = _q_tensor(input, q, op)
    scalar_q = q.ndim == 0
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if dim is None:
        values = input.reshape(-1)
        out_shape = (1,) * input.ndim if keepdim else ()
    else:
        dim = normalize_dims(dim, max(input.ndim, 1))[0]
        values = input.movedim(dim, -1) if input.ndim else input.reshape(1)
        out_shape = (tuple(1 if i == dim else s for i, s in enumerate(input.shape)) if keepdim
                     else tuple(values.shape[:-1]))
    if input.numel() == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    # (k, ..., n): every quantile of q against every sorted reduction row
    ordered = sort(values, -1).values.unsqueeze(0)
    k, n = q.numel(), ordered.shape[-1]
    ordered = ordered.expand((k,) + tuple(ordered.shape[1:]))
    # NOTE: PyTorch forms the ranks in float64 (0.6f * 5 ranks above 3, so 'higher' reads index 4)
    q = q.to(float64).reshape((k,) + (1,) * (ordered.ndim - 1))
    nan = ordered.isnan()
    if ignore_nan:  # rank among the non-NaN values; an all-NaN row reads index 0, a NaN
        ranks = (q * ((~nan).sum(-1, keepdim=True) - 1)).clamp(min=0)
    else:  # a row holding NaN reads its last (NaN) value
        ranks = (q * (n - 1)).masked_fill(nan.any(-1, keepdim=True), n - 1)
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()  # NOTE: half to even, as PyTorch's round_
    below = ranks.to(int64)
    result = ordered.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks.new_full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
        weights = weights.to(input.dtype)
        result = result.lerp(ordered.gather(-1, ranks.ceil().to(int64)), weights)
    result = result.reshape((k,) + out_shape)
    return result.squeeze(0) if scalar_q else result


def quantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
             out=None) -> Tensor:
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input: Tensor, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
                out=None) -> Tensor:
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


# ------------------------------------------------------------------------------- cov, corrcoef

def _observation_weights(w, name: str, n_obs: int, integral: bool) -> Tensor:
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                           f"{w.ndim} dimensions")
    if integral == (w.is_floating_point() or w.is_complex() or w.dtype == bool_):
        kind = "integral" if integral else "floating point"
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {name} with {w.dtype} dtype")
    if w.numel() != n_obs:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                           f"but got {w.numel()} != {n_obs}")
    if bool((w < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")
    return w


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """Rows are variables, columns observations; PyTorch's (and NumPy's) weighted estimator."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    if input.dtype == bool_:
        raise NotImplementedError("cov(): bool dtype is not supported for input")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(get_default_dtype())
    n_obs = x.shape[1]
    w = None
    if fweights is not None:
        w = _observation_weights(fweights, "fweights", n_obs, True)
    if aweights is not None:
        aweights = _observation_weights(aweights, "aweights", n_obs, False)
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum, avg = n_obs, x.mean(1)
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
    if w is not None and correction != 0 and aweights is not None:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if bool(norm <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = norm * 0  # NOTE: PyTorch divides by zero here, giving inf/nan
    centered = x - avg.unsqueeze(1)
    weighted = centered if w is None else centered * w
    return (mm(centered, weighted.t().conj()) / norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.reshape(-1, 1) / stddev.reshape(1, -1)
    if c.is_complex():  # each part is clipped, as in PyTorch
        from .complex import complex
        return complex(c.real.clip(-1, 1), c.imag.clip(-1, 1))
    return c.clip(-1, 1)


TENSOR_METHODS = {"quantile": quantile, "nanquantile": nanquantile, "cov": cov, "corrcoef": corrcoef}
