"""Helpers shared by the distributions: broadcasting parameters, probabilities <-> logits,
lazily computed attributes, and sums over the rightmost dimensions."""
from __future__ import annotations

from functools import update_wrapper
from numbers import Number

import flambeau as torch
import flambeau.nn.functional as F

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix"]


def broadcast_all(*values):
    """Broadcast tensors and Python numbers to one shape; numbers become tensors of the tensors' dtype
    (the default dtype when there are none)."""
    if not all(isinstance(v, (torch.Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    if not all(isinstance(v, torch.Tensor) for v in values):
        like = next((v for v in values if isinstance(v, torch.Tensor)), None)
        options = {"dtype": torch.get_default_dtype()} if like is None else {"dtype": like.dtype,
                                                                             "device": like.device}
        values = [v if isinstance(v, torch.Tensor) else torch.tensor(v, **options) for v in values]
    return torch.broadcast_tensors(*values)


def _sum_rightmost(value, dim: int):
    """Sum out the `dim` rightmost dimensions of `value`."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:value.dim() - dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary: bool = False):
    """Probabilities from logits: sigmoid for binary variables, softmax over the last dimension otherwise."""
    if is_binary:
        return torch.sigmoid(logits)
    return F.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamp probabilities into the open interval (0, 1), one machine epsilon away from the ends."""
    eps = torch.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary: bool = False):
    """Logits from probabilities: log-odds for binary variables, log-probabilities otherwise."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return torch.log(ps_clamped) - torch.log1p(-ps_clamped)
    return torch.log(ps_clamped)


class lazy_property:
    """A property computed on first access and then stored on the instance (the attribute replaces it)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with torch.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What a lazy_property looks like on the class, so that documentation tools see a property."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat, diag: int = 0):
    """The lower triangle (below diagonal `diag`) of the last two dimensions, row by row, as a vector."""
    n = mat.shape[-1]
    if not -n <= diag < n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = torch.tril_indices(n, n, offset=diag, device=mat.device)
    return mat[..., rows, cols]


def vec_to_tril_matrix(vec, diag: int = 0):
    """Inverse of tril_matrix_to_vec: a square matrix whose lower triangle holds `vec` (zeros elsewhere)."""
    m = vec.shape[-1]
    # m = n(n+1)/2 + n*diag: solve the quadratic for the matrix size n
    n = round((-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * m + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2)
    if n * (n + 1) // 2 + n * diag != m:
        raise ValueError(f"The size of last dimension is {m} which cannot be expressed as the lower triangular "
                         "part of a square D x D matrix.")
    rows, cols = torch.tril_indices(n, n, offset=diag, device=vec.device)
    flat = rows * n + cols
    index = flat.expand(vec.shape[:-1] + (flat.shape[-1],))
    zeros = vec.new_zeros(vec.shape[:-1] + (n * n,))
    return zeros.scatter(-1, index, vec).reshape(vec.shape[:-1] + (n, n))


def _standard_normal(shape, like):
    """Standard normal draws of `shape` with the dtype and device of the tensor `like`."""
    return torch.randn(shape, dtype=like.dtype, device=like.device)


def _standard_uniform(shape, like):
    """Uniform [0, 1) draws of `shape` with the dtype and device of the tensor `like`."""
    return torch.rand(shape, dtype=like.dtype, device=like.device)
