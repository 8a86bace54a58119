"""Shape and indexing primitives -> ONNX: reshape, expand, transpose, slicing, joining, copies, triangles."""
from __future__ import annotations

import math

from ._call import Ref
from ._sizes import Sym
from .errors import OnnxExporterError

_S = "flambeau.ops.shape."
_END = 2 ** 63 - 1   # Slice's "to the end"


def reshape(b, c):
    """Flatten for (N, ...) -> (N, rest); otherwise Reshape, where a size that follows a dynamic axis is 0 (the
    input's size there) or -1 if it can be, and computed from the inputs' shapes only where it must be."""
    (shape,) = c.args
    before = c.shapes[0]
    if (len(shape) == 2 and len(before) >= 2 and shape[0] == before[0]
            and not any(isinstance(s, Sym) for s in before[1:]) and shape[1] in (-1, math.prod(before[1:]))):
        return b.op("Flatten", c.inputs, axis=1)
    if any(s == 0 for s in shape if not isinstance(s, Sym)):
        return b.op("Reshape", [c.inputs[0], b.shape(shape)], allowzero=1)
    shape = [0 if isinstance(s, Sym) and i < len(before) and before[i] == s else s for i, s in enumerate(shape)]
    syms = [i for i, s in enumerate(shape) if isinstance(s, Sym)]
    if len(syms) == 1 and -1 not in shape:
        shape[syms[0]] = -1
    return b.op("Reshape", [c.inputs[0], b.shape(shape)])


def expand(b, c):
    return b.op("Expand", [c.inputs[0], b.shape(c.args[0])])


def permute(b, c):
    return b.op("Transpose", c.inputs, perm=[int(p) for p in c.args[0]])


def identity(b, c):
    return c.inputs[0]


def flip(b, c):
    dims = list(c.args[0])
    return b.op("Slice", [c.inputs[0], b.ints([-1] * len(dims)), b.ints([-_END - 1] * len(dims)), b.ints(dims),
                          b.ints([-1] * len(dims))])


def index(b, c):
    """x[key] for a key of ints, slices, None and Ellipsis: one Slice, then Squeeze the ints' axes and
    Unsqueeze the Nones' (the basic indexing behind select, narrow, split and x[..., 0])."""
    key = c.args[0] if type(c.args[0]) is tuple else (c.args[0],)
    ndim = len(c.shapes[0])
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if any(k is Ellipsis for k in key):
        at = next(i for i, k in enumerate(key) if k is Ellipsis)
        key = key[:at] + (slice(None),) * (ndim - used) + key[at + 1:]
    key = key + (slice(None),) * (ndim - sum(1 for k in key if k is not None))
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = out = 0
    for k in key:
        if k is None:
            unsqueeze.append(out)
            out += 1
            continue
        if isinstance(k, slice):
            if (k.start in (None, 0)) and k.stop is None and k.step in (None, 1):
                axis, out = axis + 1, out + 1
                continue
            starts.append(0 if k.start is None else k.start)
            ends.append(_END if k.stop is None else k.stop)
            steps.append(1 if k.step is None else k.step)
            out += 1
        else:  # an int picks one position and drops the axis
            starts.append(k)
            ends.append(_END if k == -1 else k + 1)
            steps.append(1)
            squeeze.append(axis)
        axes.append(axis)
        axis += 1
    x = c.inputs[0]
    if axes:
        x = b.op("Slice", [x, b.shape(starts), b.shape(ends), b.ints(axes), b.ints(steps)])
    if squeeze:
        x = b.op("Squeeze", [x, b.ints(squeeze)])
    if unsqueeze:
        x = b.op("Unsqueeze", [x, b.ints(unsqueeze)])
    return x


def advanced_index(b, c):
    """x[..., idx, ...] with one integer index tensor and whole slices elsewhere: Gather."""
    key = c.args[0] if type(c.args[0]) is tuple else (c.args[0],)
    refs = [i for i, k in enumerate(key) if isinstance(k, Ref)]
    whole = all(k == slice(None) or k is Ellipsis for i, k in enumerate(key) if i not in refs)
    if len(refs) != 1 or not whole or key[refs[0]].dtype == "bool" or Ellipsis in key[refs[0] + 1:]:
        raise OnnxExporterError(f"{c.op}: only indexing with one integer index tensor and whole slices is "
                                f"exported (boolean masks give data-dependent shapes)")
    at = refs[0]
    axis = at if Ellipsis not in key[:at] else len(c.shapes[0]) - (len(key) - at)
    return b.op("Gather", [c.inputs[0], b.cast(key[at].onnx, key[at].dtype, "int64")], axis=axis)


def cat(b, c):
    dim, dtype = c.args
    return b.op("Concat", [b.cast(n, d, dtype.name) for n, d in zip(c.inputs, c.dtypes)], axis=dim)


def stack(b, c):
    dim, dtype = c.args
    axes = b.ints([dim])
    return b.op("Concat", [b.op("Unsqueeze", [b.cast(n, d, dtype.name), axes]) for n, d in zip(c.inputs, c.dtypes)],
                axis=dim)


def repeat(b, c):
    (repeats,) = c.args
    x, lead = c.inputs[0], len(repeats) - len(c.shapes[0])
    if lead:
        x = b.op("Unsqueeze", [x, b.ints(range(lead))])
    return b.op("Tile", [x, b.ints(repeats)])


def _triangle(upper: int):
    """tril/triu (a Transformer's causal mask): Trilu with the diagonal's offset as k."""
    def translate(b, c):
        return b.op("Trilu", [c.inputs[0], b.scalar(c.args[0] if c.args else 0, "int64")], upper=upper)
    return translate


def cumsum(b, c):
    """CumSum in the result's dtype (an int input sums as int64, as torch.cumsum)."""
    return b.op("CumSum", [b.cast(c.inputs[0], c.dtypes[0], c.out_dtype), b.scalar(c.args[0], "int64")])


TABLE = {"flambeau.ops.linalg.Tril": _triangle(0),
         "flambeau.ops.linalg.Triu": _triangle(1), "flambeau.ops.scan.Cumsum": cumsum, _S + "Reshape": reshape,
         _S + "View": reshape, _S + "Expand": expand, _S + "Permute": permute, _S + "Transpose": permute,
         _S + "Flip": flip, _S + "Slice": index, "flambeau.ops.indexing.BasicIndex": index,
         "flambeau.ops.indexing.AdvancedIndex": advanced_index, "flambeau.ops.joining.Cat": cat,
         "flambeau.ops.joining.Stack": stack, "flambeau.ops.joining.Repeat": repeat,
         "flambeau.ops.conversion.Clone": identity, "flambeau.ops.conversion.ToDevice": identity}
