"""Reduction primitives -> ONNX Reduce* and ArgMax/ArgMin."""
from __future__ import annotations

_R = "flambeau.ops.reduction."


def _axes(c, axes) -> list[int]:
    return list(range(len(c.shapes[0]))) if axes is None else [a for a in axes]


def _reduce(op_type: str):
    def translate(b, c):
        axes, keepdim = c.args[:2]
        x = b.cast(c.inputs[0], c.dtypes[0], c.out_dtype) if op_type in ("ReduceSum", "ReduceProd") else c.inputs[0]
        if not _axes(c, axes):  # a 0-d input: nothing to reduce
            return b.op("Identity", [x])
        return b.reduce(op_type, x, _axes(c, axes), keepdim)
    return translate


def _logical(op_type: str):
    """all/any: ReduceMin/ReduceMax of the input as bool, cast to the result's dtype."""
    def translate(b, c):
        axes, keepdim = c.args
        as_int = b.cast(b.cast(c.inputs[0], c.dtypes[0], "bool"), "bool", "int32")
        out = b.reduce(op_type, as_int, _axes(c, axes), keepdim)
        return b.cast(out, "int32", c.out_dtype)
    return translate


def _arg(op_type: str):
    def translate(b, c):
        axis, keepdim = c.args
        x = c.inputs[0]
        if axis is None:  # over the flattened tensor, the result shaped as its kept dims
            flat = b.op(op_type, [b.op("Reshape", [x, b.ints([-1])])], axis=0, keepdims=0)
            return b.op("Reshape", [flat, b.shape(c.out_shape)])
        return b.op(op_type, [x], axis=axis, keepdims=int(keepdim), select_last_index=0)
    return translate


TABLE = {_R + "Sum": _reduce("ReduceSum"), _R + "Prod": _reduce("ReduceProd"), _R + "Amax": _reduce("ReduceMax"),
         _R + "Amin": _reduce("ReduceMin"), _R + "MaxAll": _reduce("ReduceMax"), _R + "MinAll": _reduce("ReduceMin"),
         _R + "Argmax": _arg("ArgMax"), _R + "Argmin": _arg("ArgMin"), _R + "All": _logical("ReduceMin"),
         _R + "Any": _logical("ReduceMax")}
