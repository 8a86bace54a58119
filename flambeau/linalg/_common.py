"""Shared pieces of torch.linalg: input checks, LAPACK errors, result tuples, the decomposition-output primitive."""
from __future__ import annotations

import functools
from collections import namedtuple

import numpy as np

from .. import _dispatch
from .._dispatch import Primitive
from .._tensor import Tensor
from ..autograd.grad_mode import STATE


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a factorization failed (singular or not positive-definite input)."""


_TITLES = {"float16": "Half", "bfloat16": "BFloat16", "int64": "Long", "int32": "Int", "int16": "Short",
           "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def check_float(A: Tensor, name: str) -> None:
    kind = A._data.dtype
    if kind.name in ("float16", "bfloat16"):
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {_TITLES[kind.name]}")
    if kind.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_TITLES[kind.name]}")


def pivot_size(x):
    """LAPACK's |x| for choosing pivots: |re| + |im| for complex (i?amax's cabs1)."""
    return np.abs(x.real) + np.abs(x.imag) if x.dtype.kind == "c" else np.abs(x)


def check_kernel(A: Tensor, kernel: str, integers: bool = False) -> None:
    """PyTorch's CPU LAPACK kernels refuse half precision (and some refuse integers) with NotImplementedError,
    before the function's own RuntimeError checks."""
    kind = A._data.dtype
    if kind.name in ("float16", "bfloat16") or integers and kind.kind not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_TITLES[kind.name]}\'')


def check_matrix(A: Tensor, name: str, square: bool = False, kernel: str | None = None,
                 kernel_integers: bool = False) -> None:
    """A float (batch of) matrix; square ones for inv, det, solve, cholesky, eigh. `kernel` names the
    LAPACK kernel whose dtype refusal PyTorch reports (see check_kernel)."""
    shape = A._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if kernel is not None:
        check_kernel(A, kernel, kernel_integers)
    check_float(A, name)
    if square and shape[-1] != shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {shape[-2]} by {shape[-1]} "
                           "matrices")


def batched_over_leading_dims(fn):
    """A public function whose tensors' leading dims are batch dims, computed on arrays beside the dispatch:
    inside vmap it runs once on the whole batch (the level's batched_call)."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if _dispatch.interpose is None:
            return fn(*args, **kwargs)
        return _dispatch.interpose.__self__.batched_call(fn, args, kwargs)
    return call


class Factor(Primitive):
    """One output of a factorization that the public function computed once: the last arg holds all
    the outputs as arrays and `index` picks this one. Each output's backward adds its own part of the
    gradient (the engine sums the parts). `factors(ctx)` gives the outputs as tensors to a formula."""
    save_inputs = True
    index = 0

    @classmethod
    def forward(cls, x, *args):
        return args[-1][cls.index]

    def factors(ctx, recompute) -> tuple:
        # differentiating the formula itself (create_graph) needs the outputs as functions of A
        if STATE.enabled:
            return recompute(ctx.inputs[0], *ctx.args[:-1])
        return tuple(Tensor._wrap(a) for a in ctx.args[-1])


def batched_eye(n: int, like: Tensor) -> Tensor:
    return Tensor._wrap(np.eye(n, dtype=like._data.dtype, like=like._data))


def require_phase_invariance(vhg: Tensor, name: str, what: str = "quantity, so it is ill-defined") -> None:
    """Complex eigen/singular vectors are defined up to a phase each: a loss that sees the phases, i.e. with
    Im diag(V^H gV) != 0, has no gradient (PyTorch's check and tolerance)."""
    if vhg.is_complex() and np.abs(vhg.diagonal(0, -2, -1).imag._data).max(initial=0) > 1e-2:
        raise RuntimeError(f"{name}: The {'singular vectors' if name == 'svd_backward' else 'eigenvectors'} in the "
                           f"complex case are specified up to multiplication by e^{{i phi}}. The specified loss "
                           f"function depends on this {what}")


def write_out(result, out):
    """The `out=` argument of a torch.linalg function: copy the result into it (if given) and return it."""
    if out is None:
        return result
    from ..ops.elementwise import _out as copy_out
    return copy_out(result, out)


def write_outs(result: tuple, out):
    """The `out=` argument of a function returning a named tuple: copy each result into its tensor."""
    if out is None:
        return result
    if len(out) != len(result):
        raise TypeError(f"expected out to be a tuple of {len(result)} tensors, got {len(out)}")
    return type(result)(*(write_out(r, o) for r, o in zip(result, out)))


def unsqueeze2(t: Tensor) -> Tensor:
    """(...,) -> (..., 1, 1): a per-matrix scalar that broadcasts over its matrix."""
    return t.reshape(t._data.shape + (1, 1))


SlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
QRResult = namedtuple("linalg_qr", ["Q", "R"])
SVDResult = namedtuple("linalg_svd", ["U", "S", "Vh"])
EigResult = namedtuple("linalg_eig", ["eigenvalues", "eigenvectors"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"])
InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"])
SolveExResult = namedtuple("linalg_solve_ex", ["result", "info"])
LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
