"""The matmul family and matrix helpers: matmul/mm/bmm/mv/dot and the add* fused forms, einsum,
tensordot, kron, cross, triangles and diagonals.

matmul is on the hot path of every model: one primitive on >= 2-D operands whose backward is two
matmuls; 1-D operands are reshaped around it, and gradients of broadcast batch dims are summed by
the engine. The decompositions of torch.linalg live in `flambeau/linalg/`.
"""
from __future__ import annotations

from functools import lru_cache
from string import ascii_letters

import numpy as np

from .._dispatch import Primitive, apply, update_inplace
from .._tensor import Tensor, _wrap_dim

_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}


# ------------------------------------------------------------------------------- primitives

class MatMul(Primitive):
    """Batched matrix product of two >= 2-D arrays (batch dims broadcast)."""
    save_inputs = True
    forward = staticmethod(np.matmul)

    def backward(ctx, g):
        a, b = ctx.inputs
        ga = apply(MatMul, (g, b.mT)) if ctx.needs_input_grad(0) else None
        gb = None
        if ctx.needs_input_grad(1):
            if b._data.ndim == 2 and a._data.ndim > 2:
                # a linear layer on a batch: fold the batch into the rows instead of building
                # one (k, n) gradient per batch element and summing them
                k, n = a._data.shape[-1], g._data.shape[-1]
                gb = apply(MatMul, (a.reshape(-1, k).mT, g.reshape(-1, n)))
            else:
                gb = apply(MatMul, (a.mT, g))
        return ga, gb


class Einsum(Primitive):
    save_inputs = True
    variadic = True

    @staticmethod
    def forward(arrays, equation, spec):
        return np.einsum(equation, *arrays, optimize=len(arrays) > 1)

    def backward(ctx, g):
        inputs = ctx.inputs
        _, spec = ctx.args
        return tuple(_einsum_grad(g, inputs, spec, i) if ctx.needs_input_grad(i) else None
                     for i in range(len(inputs)))


class Tril(Primitive):
    forward = staticmethod(np.tril)

    def backward(ctx, g):
        return (apply(Tril, (g,), ctx.args[0]),)


class Triu(Primitive):
    forward = staticmethod(np.triu)

    def backward(ctx, g):
        return (apply(Triu, (g,), ctx.args[0]),)


class Diagonal(Primitive):
    """A writable view of a diagonal (numpy's own diagonal view is read-only)."""
    is_view = True

    @staticmethod
    def forward(x, offset, d1, d2):
        meta = np.diagonal(x, offset, d1, d2)
        start = [slice(None)] * x.ndim
        start[d1 if offset < 0 else d2] = slice(abs(offset), None)
        return np.lib.stride_tricks.as_strided(x[tuple(start)], meta.shape, meta.strides)

    def backward(ctx, g):
        return (apply(DiagonalScatter, (g,), ctx.metas[0][0], *ctx.args),)


class DiagonalScatter(Primitive):
    """Zeros of `shape` with `x` written onto the diagonal (offset, d1, d2): diagonal's backward and diag_embed."""

    @staticmethod
    def forward(x, shape, offset, d1, d2):
        out = np.zeros_like(x, shape=shape)
        Diagonal.forward(out, offset, d1, d2)[...] = x
        return out

    def backward(ctx, g):
        return (apply(Diagonal, (g,), *ctx.args[1:]),)


# ------------------------------------------------------------------------------- matmul family

def _check_dtypes(a: Tensor, b: Tensor) -> None:
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_C_NAMES[da.name]} != "
                           f"{_C_NAMES[db.name]}")
    if da.kind == "b":
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


def _shape_error(a: tuple, b: tuple) -> RuntimeError:
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[-2]}x{a[-1]} and {b[-2]}x{b[-1]})")


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    _check_dtypes(input, other)
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
        return _out(apply(MatMul, (input, other)), out)
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    if na == 1 and nb == 1:
        if sa[0] != sb[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the "
                               f"same number of elements, but got {sa[0]} and {sb[0]} elements respectively")
        r = apply(MatMul, (input.reshape(1, sa[0]), other.reshape(sb[0], 1)))
        return _out(r.reshape(()), out)
    if na == 1:  # vector @ (batched) matrix: a row vector, squeezed afterwards
        if sa[0] != sb[-2]:
            raise _shape_error((1, sa[0]), sb)
        r = apply(MatMul, (input.reshape(1, sa[0]), other))
        return _out(r.reshape(r._data.shape[:-2] + r._data.shape[-1:]), out)
    if sa[-1] != sb[0]:
        raise RuntimeError(f"size mismatch, got input ({sa[-2]}), mat ({sa[-2]}x{sa[-1]}), vec ({sb[0]})")
    r = apply(MatMul, (input, other.reshape(sb[0], 1)))
    return _out(r.reshape(r._data.shape[:-1]), out)


def _broadcast_batch(a: tuple, b: tuple) -> None:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")


def _out(result: Tensor, out) -> Tensor:
    if out is None:
        return result
    from .elementwise import _out as copy_out
    return copy_out(result, out)


def _need_dim(t: Tensor, ndim: int, message: str) -> None:
    if t._data.ndim != ndim:
        raise RuntimeError(message)


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
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    return matmul(input, vec, out=out)


def dot(input: Tensor, tensor: Tensor, *, out=None) -> Tensor:
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {tensor._data.ndim}D tensors")
    if input._data.dtype != tensor._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_title(input)} and "
                           f"{_title(tensor)}")
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    return matmul(input, tensor, out=out)


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if input.is_complex():
        input = input.conj()
    return dot(input, other, out=out)


def _title(t: Tensor) -> str:
    from .elementwise import _dtype_title
    return _dtype_title(t)


def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if input._data.ndim == 0 or other._data.ndim == 0:
        return _out(input * other, out)
    return _out(tensordot(input, other, ([-1], [-1])), out)


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
    return _out(_scaled_sum(input, matmul(mat1, mat2), beta, alpha), out)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    return _out(_scaled_sum(input, mv(mat, vec), beta, alpha), out)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    return _out(_scaled_sum(input, bmm(batch1, batch2), beta, alpha), out)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
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


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da = list(range(a._data.ndim - dims, a._data.ndim))
        db = list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    da = [_wrap_dim(d, a._data.ndim) for d in da]
    db = [_wrap_dim(d, b._data.ndim) for d in db]
    for x, y in zip(da, db):
        if a._data.shape[x] != b._data.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a._data.shape[x]} in dim "
                               f"{x} and second has size {b._data.shape[y]} in dim {y}")
    la = list(ascii_letters[:a._data.ndim])
    lb = list(ascii_letters[a._data.ndim:a._data.ndim + b._data.ndim])
    for x, y in zip(da, db):
        lb[y] = la[x]
    free = [c for i, c in enumerate(la) if i not in da] + [c for i, c in enumerate(lb) if i not in db]
    return _out(einsum(f"{''.join(la)},{''.join(lb)}->{''.join(free)}", a, b), out)


def kron(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + input._data.shape
    sb = (1,) * (n - other._data.ndim) + other._data.shape
    # interleave the dims: a's dim i and b's dim i become neighbours, then merge each pair
    a = input.reshape([d for s in sa for d in (s, 1)])
    b = other.reshape([d for s in sb for d in (1, s)])
    return _out((a * b).reshape([x * y for x, y in zip(sa, sb)]), out)


_LEVI_CIVITA = np.zeros((3, 3, 3))
_LEVI_CIVITA[0, 1, 2] = _LEVI_CIVITA[1, 2, 0] = _LEVI_CIVITA[2, 0, 1] = 1
_LEVI_CIVITA[0, 2, 1] = _LEVI_CIVITA[2, 1, 0] = _LEVI_CIVITA[1, 0, 2] = -1


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    from .elementwise import promote
    a, b = promote(input, other)
    if a._data.ndim != b._data.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, a._data.ndim)
    if a._data.shape[d] != 3 or b._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a._data.shape[d]} and "
                           f"{b._data.shape[d]}")
    _broadcast_batch(a._data.shape, b._data.shape)
    eps = Tensor._wrap(np.asarray(_LEVI_CIVITA, dtype=a._data.dtype))
    # c_i = eps_ijk a_j b_k along `dim`
    lab = ascii_letters[:a._data.ndim]
    j, k, i = lab[d], "X", "Y"
    r = einsum(f"{lab},{lab.replace(j, k)},{i}{j}{k}->{lab.replace(j, i)}", a, b, eps)
    return _out(r, out)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    if dim is None:  # the first dim of size 3, a deprecated default PyTorch keeps
        dim = next((i for i, s in enumerate(np.broadcast_shapes(input._data.shape, other._data.shape)) if s == 3), -1)
    return linalg_cross(input, other, dim=dim, out=out)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): (..., P, R)."""
    from .statistics import vector_norm
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t._data.ndim}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} "
                           f"X2: {x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    s1, s2 = x1._data.shape, x2._data.shape
    diff = x1.reshape(s1[:-1] + (1, s1[-1])) - x2.reshape(s2[:-2] + (1,) + s2[-2:])
    return vector_norm(diff, p, -1)


# ------------------------------------------------------------------------------- einsum

@lru_cache(maxsize=256)
def _parse_einsum(equation: str, ndims: tuple):
    """-> (explicit equation, per-operand label lists, output labels); '...' is one label."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        more = "more" if len(ndims) > len(terms) else "fewer"
        raise RuntimeError(f"einsum(): {more} operands were provided than specified in the equation")
    labels = [_labels(t) for t in terms]
    for i, (lab, nd) in enumerate(zip(labels, ndims)):
        if "..." in lab and len(lab) - 1 > nd or "..." not in lab and len(lab) != nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(lab)}) does not match the "
                               f"number of dimensions ({nd}) for operand {i} and no ellipsis was given")
    if arrow:
        out = _labels(rhs)
        seen = {c for lab in labels for c in lab}
        for c in out:
            if c not in seen or out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} "
                                   + ("appears more than once in the output" if c in seen else
                                      "does not appear in the equation for any input operand"))
    else:  # implicit output: the labels seen once, sorted, after the ellipsis
        counts = {}
        for lab in labels:
            for c in lab:
                counts[c] = counts.get(c, 0) + 1
        out = (["..."] if "..." in counts else []) + sorted(c for c, n in counts.items() if n == 1 and c != "...")
    explicit = ",".join("".join(lab) for lab in labels) + "->" + "".join(out)
    return explicit, tuple(tuple(lab) for lab in labels), tuple(out)


def _labels(term: str) -> list:
    if term.count("...") > 1 or term.replace("...", "").count(".") or \
            not all(c in ascii_letters for c in term.replace("...", "")):
        raise RuntimeError(f"einsum(): invalid subscript given in the equation: {term}")
    head, dots, tail = term.partition("...")
    return list(head) + ([dots] if dots else []) + list(tail)


def _sublist_equation(args) -> tuple:
    """einsum(a, [0, 1], b, [1, 2], [0, 2]) -> ("ab,bc->ac", (a, b)); Ellipsis stands for '...'."""
    def term(sub) -> str:
        return "".join("..." if s is Ellipsis else ascii_letters[s] for s in sub)
    operands, terms = args[0::2], args[1::2]
    if len(args) % 2:  # an output sublist closes the call
        operands, out = args[0:-1:2], "->" + term(args[-1])
    else:
        out = ""
    return ",".join(term(t) for t in terms) + out, tuple(operands)


def einsum(*args) -> Tensor:
    if args and isinstance(args[0], Tensor):
        equation, operands = _sublist_equation(args)
    else:
        equation, operands = args[0], args[1:]
    if not isinstance(equation, str):
        raise RuntimeError("einsum(): must specify the equation string and at least one operand, or at least one "
                           "operand and its subscripts list")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    explicit, labels, out = _parse_einsum(equation, tuple(t._data.ndim for t in operands))
    _check_einsum_sizes(operands, labels)
    dt = operands[0]._data.dtype
    for t in operands:
        if t._data.dtype != dt:
            raise RuntimeError(f"expected scalar type {_title(operands[0])} but found {_title(t)}")
    return apply(Einsum, operands, explicit, (labels, out))


def _check_einsum_sizes(operands, labels) -> None:
    sizes = {}
    for i, (t, lab) in enumerate(zip(operands, labels)):
        shape = t._data.shape
        pos = 0
        for c in lab:
            if c == "...":
                pos += len(shape) - len(lab) + 1
                continue
            n = shape[pos]
            pos += 1
            seen = sizes.setdefault(c, n)
            if seen != n and seen != 1 and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not broadcast "
                                   f"with previously seen size {seen}")
            if seen == 1:
                sizes[c] = n


def _einsum_grad(g: Tensor, inputs: tuple, spec, i: int) -> Tensor:
    """Gradient for operand i: one einsum of g with the other operands, into operand i's labels.

    A label repeated in operand i (a diagonal) is renamed and tied back by an identity matrix; a label
    summed only inside operand i is broadcast back by a ones vector; so is operand i's ellipsis when
    the output has none.
    """
    labels, out = spec
    target = inputs[i]
    used = {c for lab in labels for c in lab} | set(out)
    fresh = iter(c for c in ascii_letters if c not in used)
    terms, operands = ["".join(out)], [g]
    for j, lab in enumerate(labels):
        if j != i:
            terms.append("".join(lab))
            operands.append(inputs[j])
    shape = target._data.shape
    ell = len(shape) - len(labels[i]) + 1
    own, seen, pos = [], set(), 0
    for c in labels[i]:
        if c == "...":
            own.append(c)
            if "..." not in out:
                terms.append("...")
                operands.append(_const(np.ones_like(g._data, shape=shape[pos:pos + ell])))
            pos += ell
            continue
        n = shape[pos]
        pos += 1
        if c in seen:
            r = next(fresh)
            terms.append(c + r)
            operands.append(_const(np.eye(n, dtype=g._data.dtype, like=g._data)))
            own.append(r)
            continue
        seen.add(c)
        own.append(c)
        if c not in out and all(c not in lab for j, lab in enumerate(labels) if j != i):
            terms.append(c)
            operands.append(_const(np.ones_like(g._data, shape=(n,))))
    return einsum(",".join(terms) + "->" + "".join(own), *operands)


def _const(array) -> Tensor:
    return Tensor._wrap(array)


# ------------------------------------------------------------------------------- triangles, diagonals

def _need_matrix(input: Tensor, name: str) -> None:
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def tril(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    _need_matrix(input, "tril")
    return _out(apply(Tril, (input,), diagonal), out)


def triu(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    _need_matrix(input, "triu")
    return _out(apply(Triu, (input,), diagonal), out)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    n = input._data.ndim
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(Diagonal, (input,), offset, d1, d2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    n = input._data.ndim + 1
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    size = input._data.shape[-1] + abs(offset)
    rest = iter(input._data.shape[:-1])
    shape = tuple(size if k in (d1, d2) else next(rest) for k in range(n))
    return apply(DiagonalScatter, (input,), shape, offset, d1, d2)


def diag(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    nd = input._data.ndim
    if nd == 1:
        return _out(diag_embed(input, diagonal), out)
    if nd != 2:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{nd}D")
    from .conversion import clone
    return _out(clone(apply(Diagonal, (input,), diagonal, 0, 1)), out)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    return diag_embed(input.reshape(-1), offset)


def trace(input: Tensor) -> Tensor:
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return diagonal(input).sum()


def block_diag(*tensors) -> Tensor:
    from ._promote import result_dtype
    from .creation import zeros
    from .elementwise import cast
    from .joining import cat
    blocks = [t.reshape(1, -1) if t._data.ndim < 2 else t for t in tensors]
    for i, t in enumerate(blocks):
        if t._data.ndim != 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
    if not blocks:
        return zeros(1, 0)
    dt = result_dtype(*blocks)
    blocks = [cast(t, dt) for t in blocks]
    dtype = blocks[0].dtype
    cols = sum(t._data.shape[1] for t in blocks)
    rows, left = [], 0
    for t in blocks:  # each block padded with zeros to the full width
        r, c = t._data.shape
        rows.append(cat([zeros(r, left, dtype=dtype), t, zeros(r, cols - left - c, dtype=dtype)], 1))
        left += c
    return cat(rows, 0)


def _inplace(fn):
    def op(self, *args, **kwargs):
        return update_inplace(self, fn(self, *args, **kwargs))
    return op


def _rmatmul(self: Tensor, other: Tensor) -> Tensor:
    return matmul(other, self)


# ------------------------------------------------------------------------------- torch.linalg re-exports
# torch.det & co. are aliases of torch.linalg functions, which live one level up.

def det(input: Tensor) -> Tensor:
    from ..linalg import det as f
    return f(input)


def logdet(input: Tensor) -> Tensor:
    from ..linalg import slogdet
    sign, logabs = slogdet(input)
    from .elementwise import where
    return where(sign < 0, float("nan"), logabs)


def slogdet(input: Tensor):
    from ..linalg import slogdet as f
    return f(input)


def inverse(input: Tensor, *, out=None) -> Tensor:
    from ..linalg import inv
    return _out(inv(input), out)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    from ..linalg import pinv
    return pinv(input, rtol=rcond)


def matrix_power(input: Tensor, n: int) -> Tensor:
    from ..linalg import matrix_power as f
    return f(input, n)


def chain_matmul(*matrices) -> Tensor:
    from ..linalg import multi_dot
    return multi_dot(matrices)


def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    from ..linalg import inv
    return inv(input.mT @ input if upper else input @ input.mT)


TENSOR_METHODS = {
    "matmul": matmul, "__matmul__": matmul, "__rmatmul__": _rmatmul,
    "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "vdot": vdot, "inner": inner, "outer": outer, "ger": outer,
    "addmm": addmm, "addmv": addmv, "addbmm": addbmm, "baddbmm": baddbmm, "addr": addr,
    "addmm_": _inplace(addmm), "addmv_": _inplace(addmv), "addbmm_": _inplace(addbmm),
    "baddbmm_": _inplace(baddbmm), "addr_": _inplace(addr),
    "kron": kron, "cross": cross, "trace": trace, "tril": tril, "triu": triu, "tril_": _inplace(tril), "triu_": _inplace(triu),
    "diag": diag, "diagonal": diagonal, "diag_embed": diag_embed, "diagflat": diagflat,
    "det": det, "logdet": logdet, "slogdet": slogdet, "inverse": inverse, "pinverse": pinverse,
    "matrix_power": matrix_power, "cholesky_inverse": cholesky_inverse,
}

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "addmm", "addmv", "addbmm",
           "baddbmm", "addr", "einsum", "tensordot", "kron", "cross", "trace", "tril", "triu", "diag", "diagonal",
           "diag_embed", "diagflat", "block_diag", "cdist", "det", "logdet", "slogdet", "inverse", "pinverse",
           "matrix_power", "chain_matmul", "cholesky_inverse", "ger"]
