"""The matmul family: matmul/mm/bmm/mv/dot/vdot/outer and the add* fused forms.

matmul is on the hot path of every model: one primitive on >= 2-D operands whose backward is two
matmuls; 1-D operands are reshaped around it, and gradients of broadcast batch dims are summed by
the engine. Contractions of other shapes are in einsum.py, matrix helpers in linalg.py, and the
decompositions of torch.linalg in `flambeau/linalg/`.
"""
from __future__ import annotations

import math

import numpy as np

from .._dispatch import Primitive, apply
from .._tensor import Tensor
from .conjugate import holomorphic
from ._promote import factor_for
from .elementwise import _dtype_title, _out, add_inplace_variants

_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}


# ------------------------------------------------------------------------------- primitives

@holomorphic
class MatMul(Primitive):
    """Batched matrix product of two >= 2-D arrays (batch dims broadcast)."""
    save_inputs = True
    reads = ((1,), (0,))
    forward = staticmethod(np.matmul)

    def backward(ctx, g):
        a, b = ctx.inputs
        ga = apply(MatMul, (g, b.mT)) if ctx.needs_input_grad(0) else None
        gb = None
        if ctx.needs_input_grad(1):
            if len(ctx.metas[1][0]) == 2 and a._data.ndim > 2:  # b itself is not kept when only b needs a grad
                # a linear layer on a batch: fold the batch into the rows instead of building
                # one (k, n) gradient per batch element and summing them
                (*batch, k), n = a._data.shape, g._data.shape[-1]
                rows = math.prod(batch)  # spelled out: -1 cannot be inferred beside a zero size
                gb = apply(MatMul, (a.reshape(rows, k).mT, g.reshape(rows, n)))
            else:
                gb = apply(MatMul, (a.mT, g))
        return ga, gb


class RoundedMatMul(MatMul):
    """MatMul of bfloat16 matrices: NumPy multiplies them (ml_dtypes) into float32; round back once, as
    PyTorch accumulates in float32 and rounds its result. (Its gradients are cast back by the engine.)"""

    @staticmethod
    def forward(a, b):
        return np.matmul(a, b).astype(a.dtype, copy=False)


# ------------------------------------------------------------------------------- matmul family

def _check_dtypes(a: Tensor, b: Tensor) -> type:
    """-> the primitive that multiplies a and b."""
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_C_NAMES[da.name]} != "
                           f"{_C_NAMES[db.name]}")
    if da.kind == "b":
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    return RoundedMatMul if da.kind == "V" else MatMul  # "V": ml_dtypes' bfloat16


def _shape_error(a: tuple, b: tuple) -> RuntimeError:
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[-2]}x{a[-1]} and {b[-2]}x{b[-1]})")


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    prim = _check_dtypes(input, other)
    sa, sb = input._data.shape, other._data.shape
    na, nb = len(sa), len(sb)
    if na >= 2 and nb >= 2:
        if sa[-1] != sb[-2]:
            if na == 2 and nb == 2:
                raise _shape_error(sa, sb)
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{int(np.prod(sa[:-2]))}, {sa[-1]}] but got: [{int(np.prod(sb[:-2]))}, {sb[-2]}].")
        if na > 2 and nb > 2 and sa[:-2] != sb[:-2]:
            _broadcast_batch(sa[:-2], sb[:-2])
        return _out(apply(prim, (input, other)), out)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na == 1 and nb == 1:
        if sa[0] != sb[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the "
                               f"same number of elements, but got {sa[0]} and {sb[0]} elements respectively")
        r = apply(prim, (input.reshape(1, sa[0]), other.reshape(sb[0], 1)))
        return _out(r.reshape(()), out)
    if na == 1:  # vector @ (batched) matrix: a row vector, squeezed afterwards
        if sa[0] != sb[-2]:
            raise _shape_error((1, sa[0]), sb)
        r = apply(prim, (input.reshape(1, sa[0]), other))
        return _out(r.reshape(r._data.shape[:-2] + r._data.shape[-1:]), out)
    if sa[-1] != sb[0]:
        raise RuntimeError(f"size mismatch, got input ({sa[-2]}), mat ({sa[-2]}x{sa[-1]}), vec ({sb[0]})")
    r = apply(prim, (input, other.reshape(sb[0], 1)))
    return _out(r.reshape(r._data.shape[:-1]), out)


def _broadcast_batch(a: tuple, b: tuple) -> None:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")


def _need_dim(t: Tensor, ndim: int, message: str) -> None:
    if t._data.ndim != ndim:
        raise RuntimeError(message)


def _need_dims(t: Tensor, dim: int) -> None:
    """mv/baddbmm/addbmm read a size of their first matrix before checking ranks: a 0-d one is an IndexError."""
    if t._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    _need_dim(input, 2, "self must be a matrix")
    _need_dim(mat2, 2, "mat2 must be a matrix")
    return matmul(input, mat2, out=out)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    _need_dim(input, 3, "batch1 must be a 3D tensor")
    _need_dim(mat2, 3, "batch2 must be a 3D tensor")
    sa, sb = input._data.shape, mat2._data.shape
    if sb[0] != sa[0] or sb[1] != sa[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{sa[0]}, {sa[2]}] "
                           f"but got: [{sb[0]}, {sb[1]}].")
    return matmul(input, mat2, out=out)


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    _need_dims(input, 0)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    return matmul(input, vec, out=out)


def dot(input: Tensor, tensor: Tensor, *, out=None) -> Tensor:
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {tensor._data.ndim}D tensors")
    if input._data.dtype != tensor._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_dtype_title(input)} and "
                           f"{_dtype_title(tensor)}")
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    return matmul(input, tensor, out=out)


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if input.is_complex():
        input = input.conj()
    return dot(input, other, out=out)


def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    if input._data.ndim != 1 or vec2._data.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input._data.ndim}-D"
                           if input._data.ndim != 1 else
                           f"outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    return _out(input.reshape(-1, 1) * vec2, out)


ger = outer


def _scaled_sum(input: Tensor, product: Tensor, beta, alpha) -> Tensor:
    """beta * input + alpha * product; beta == 0 ignores input (even nan), like PyTorch."""
    from .shape import expand
    beta, alpha = factor_for(beta, product), factor_for(alpha, product)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        # NOTE: PyTorch ignores input's values (nan included) but still gives it a zero gradient
        return product + input * 0 if input._rg else product
    inp = input if beta == 1 else input * beta
    if inp._data.shape != product._data.shape:
        inp = expand(inp, product._data.shape)  # input broadcasts to the product, never the reverse
    return inp + product


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    _need_dim(mat1, 2, f"mat1 must be a matrix, got {mat1._data.ndim}-D tensor")
    _need_dim(mat2, 2, f"mat2 must be a matrix, got {mat2._data.ndim}-D tensor")
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_dtype_title(input)} and "
                           f"{_dtype_title(mat2)}")
    return _out(_scaled_sum(input, matmul(mat1, mat2), beta, alpha), out)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, {mat._data.ndim}, "
                           f"{vec._data.ndim}")
    return _out(_scaled_sum(input, mv(mat, vec), beta, alpha), out)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    _need_dims(batch1, 0)
    return _out(_scaled_sum(input, bmm(batch1, batch2), beta, alpha), out)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    _need_dims(batch1, 1)
    _need_dim(batch1, 3, "batch1 must be a 3D tensor")
    _need_dim(batch2, 3, "batch2 must be a 3D tensor")
    (b, n, k), (b2, k2, p) = batch1._data.shape, batch2._data.shape
    if b != b2 or k != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {k}] "
                           f"but got: [{b2}, {k2}].")
    # the sum over the batch of the products is one matmul over the (batch, k) pairs
    product = matmul(batch1.permute(1, 0, 2).reshape(n, b * k), batch2.reshape(b * k, p))
    return _out(_scaled_sum(input, product, beta, alpha), out)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    return _out(_scaled_sum(input, outer(vec1, vec2), beta, alpha), out)


def _rmatmul(self: Tensor, other: Tensor) -> Tensor:
    return matmul(other, self)


TENSOR_METHODS = {
    "matmul": matmul, "__matmul__": matmul, "__rmatmul__": _rmatmul,
    "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "vdot": vdot, "outer": outer, "ger": outer,
    "addmm": addmm, "addmv": addmv, "addbmm": addbmm, "baddbmm": baddbmm, "addr": addr,
}
add_inplace_variants(TENSOR_METHODS, ("addmm", "addmv", "addbmm", "baddbmm", "addr"))

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "addmm", "addmv", "addbmm", "baddbmm", "addr"]
