"""einsum and the contractions written with it: tensordot, inner.

einsum is one primitive whose backward is, for each operand, one more einsum of the gradient with
the other operands (diagonals and summed-out labels tied back by identity matrices and ones).
"""
from __future__ import annotations

from functools import lru_cache
from string import ascii_letters

import numpy as np

from .._dispatch import OTHERS, Primitive, apply
from .._tensor import Tensor, _wrap_dim
from .conjugate import holomorphic
from .elementwise import _dtype_title, _out, cast, not_implemented

_INT64 = np.dtype(np.int64)


@holomorphic
class Einsum(Primitive):
    save_inputs = True
    variadic = True
    reads = ((OTHERS,),)

    @staticmethod
    def forward(arrays, equation, spec):
        dtype = arrays[0].dtype
        if dtype.name == "bfloat16":  # NumPy's einsum has no bfloat16 loops: float32 inside, rounded once
            arrays = [a.astype(np.float32) for a in arrays]
        return np.einsum(equation, *arrays, optimize=len(arrays) > 1).astype(dtype, copy=False)

    def backward(ctx, g):
        inputs = ctx.inputs
        _, spec = ctx.args
        return tuple(_einsum_grad(g, inputs, ctx.metas[i][0], spec, i) if ctx.needs_input_grad(i) else None
                     for i in range(len(inputs)))


@lru_cache(maxsize=256)
def _parse_einsum(equation: str, ndims: tuple):
    """-> (explicit equation, per-operand label lists, output labels), with each operand's '...' spelled out
    as letters of its own (NumPy cannot sum an ellipsis away, PyTorch can)."""
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
    labels, out = _spell_out_ellipsis(labels, out, ndims)
    explicit = ",".join("".join(lab) for lab in labels) + "->" + "".join(out)
    return explicit, tuple(tuple(lab) for lab in labels), tuple(out)


def _spell_out_ellipsis(labels: list, out: list, ndims: tuple) -> tuple:
    """Replace '...' by unused letters, right-aligned across operands as broadcasting aligns them."""
    widths = [nd - len(lab) + 1 for lab, nd in zip(labels, ndims) if "..." in lab]
    if not widths:
        return labels, out
    used = {c for lab in labels for c in lab}
    fresh = [c for c in ascii_letters if c not in used]
    if max(widths) > len(fresh):
        raise RuntimeError("einsum(): the ellipsis covers more dimensions than there are subscript letters left")
    dims = fresh[:max(widths)]

    def spell(lab, width):
        return [d for c in lab for d in (dims[len(dims) - width:] if c == "..." else [c])]
    labels = [spell(lab, nd - len(lab) + 1) for lab, nd in zip(labels, ndims)]
    return labels, spell(out, len(dims))


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
            raise RuntimeError(f"expected scalar type {_dtype_title(operands[0])} but found {_dtype_title(t)}")
    summed = {c for lab in labels for c in lab} - set(out)
    if summed and dt.kind in "biu":  # PyTorch sums one operand with sum(), contracts two or more with bmm
        if len(operands) == 1:  # summed as int64 (in the operand's own type bools would OR, uint8 wrap)
            return apply(Einsum, (cast(operands[0], _INT64),), explicit, (labels, out))
        if dt.kind == "b":
            raise not_implemented("bmm", operands[0])
    return apply(Einsum, operands, explicit, (labels, out))


def _check_einsum_sizes(operands, labels) -> None:
    sizes = {}
    for i, (t, lab) in enumerate(zip(operands, labels)):
        for c, n in zip(lab, t._data.shape):
            seen = sizes.setdefault(c, n)
            if seen != n and seen != 1 and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not broadcast "
                                   f"with previously seen size {seen}")
            if seen == 1:
                sizes[c] = n


def _einsum_grad(g: Tensor, inputs: tuple, shape: tuple, spec, i: int) -> Tensor:
    """Gradient for operand i (of `shape`): one einsum of g with the other operands, into operand i's labels.

    A label repeated in operand i (a diagonal) is renamed and tied back by an identity matrix; a label
    that the other terms lack, or have only at size 1 (broadcast), is spread back by a ones vector.
    """
    labels, out = spec
    used = {c for lab in labels for c in lab}
    fresh = iter(c for c in ascii_letters if c not in used)
    terms, operands = ["".join(out)], [g]
    sizes = dict(zip(out, g._data.shape))
    for j, lab in enumerate(labels):
        if j != i:
            terms.append("".join(lab))
            operands.append(inputs[j])
            for c, n in zip(lab, inputs[j]._data.shape):
                sizes[c] = max(n, sizes.get(c, n))
    own, seen = [], set()
    for c, n in zip(labels[i], shape):
        if c in seen:
            r = next(fresh)
            terms.append(c + r)
            operands.append(_const(np.eye(n, dtype=g._data.dtype, like=g._data)))
            own.append(r)
            continue
        seen.add(c)
        own.append(c)
        if c not in sizes or sizes[c] < n:
            terms.append(c)
            operands.append(_const(np.ones_like(g._data, shape=(n,))))
    return einsum(",".join(terms) + "->" + "".join(own), *operands)


def _const(array) -> Tensor:
    return Tensor._wrap(array)


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a._data.ndim or dims > b._data.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
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


def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if input._data.ndim == 0 or other._data.ndim == 0:
        return _out(input * other, out)
    return _out(tensordot(input, other, ([-1], [-1])), out)


TENSOR_METHODS = {"inner": inner}

__all__ = ["einsum", "tensordot", "inner"]
