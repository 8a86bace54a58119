"""Layer primitives -> ONNX: convolution, pooling, matmul, normalisation, attention, embedding, padding."""
from __future__ import annotations

import math

import numpy as np

from ..jit._attrs import numpy_dtype
from ._sizes import Sym, traced
from .errors import OnnxExporterError

_P = "flambeau.ops.pool."
_N = "flambeau.ops.norm."


def conv_attributes(args, weight_shape) -> dict:
    """ONNX Conv's attributes for flambeau's Conv arguments (pads per dim as (low, high))."""
    pads, stride, dilation, groups = args
    return dict(pads=[lo for lo, _ in pads] + [hi for _, hi in pads], strides=list(stride),
                dilations=list(dilation), group=groups, kernel_shape=list(weight_shape[2:]))


def conv(b, c):
    return b.op("Conv", c.inputs, **conv_attributes(c.args, c.shapes[1]))


def conv_transpose(b, c):
    """conv's input gradient, conv_transpose's primitive: ConvTranspose, with the output padding that gives the
    spatial size asked for."""
    spatial, pads, stride, dilation, groups = c.args
    kernel, out = c.shapes[1][2:], c.shapes[0][2:]
    extra = [traced(n) - (s * (traced(o) - 1) + d * (k - 1) + 1 - lo - hi)
             for n, o, k, s, d, (lo, hi) in zip(spatial, out, kernel, stride, dilation, pads)]
    return b.op("ConvTranspose", c.inputs, pads=[lo for lo, _ in pads] + [hi for _, hi in pads],
                strides=list(stride), dilations=list(dilation), group=groups, kernel_shape=list(kernel),
                output_padding=extra)


def _batched(b, c, nsp: int, pool):
    """Pooling over (N, C, *spatial): an unbatched (C, *spatial) input gets N = 1 around the pool."""
    x = c.inputs[0]
    if len(c.shapes[0]) == nsp + 2:
        return pool(x)
    outs = pool(b.op("Unsqueeze", [x, b.ints([0])]))
    if isinstance(outs, list):
        return [b.op("Squeeze", [o, b.ints([0])]) for o in outs]
    return b.op("Squeeze", [outs, b.ints([0])])


def max_pool_index(b, c):
    """The flat per-plane index of each window's maximum. ONNX's MaxPool gives the values and indices over the
    whole tensor; the values are kept for the PlaneGather that reads them (max pooling is the pair)."""
    ((kernel, stride, dilation, padding, out),) = c.args
    return _max_pool(b, c, kernel, stride, dilation, padding, out)


def adaptive_max_index(b, c):
    """Adaptive max pooling where each output position has a window of its own: the input's size a multiple of
    the output's, the windows are a MaxPool's."""
    (out,) = c.args
    spatial = c.shapes[0][-len(out):]
    if any(isinstance(n, Sym) or o == 0 or n % o for n, o in zip(spatial, out)):
        raise OnnxExporterError(f"{c.op}: adaptive max pooling from {list(spatial)} to {list(out)} has windows of "
                                f"several sizes; only whole multiples are exported")
    kernel = [n // o for n, o in zip(spatial, out)]
    return _max_pool(b, c, kernel, kernel, [1] * len(out), [0] * len(out), out)


def _max_pool(b, c, kernel, stride, dilation, padding, out):
    spatial = [traced(n) for n in c.shapes[0][-len(kernel):]]
    ceil = any(traced(o) != (n + 2 * p - d * (k - 1) - 1) // s + 1
               for o, n, k, s, p, d in zip(out, spatial, kernel, stride, padding, dilation))
    values, indices = _batched(b, c, len(kernel), lambda x: b.op(
        "MaxPool", [x], outputs=2, kernel_shape=list(kernel), strides=list(stride), dilations=list(dilation),
        pads=list(padding) * 2, ceil_mode=int(ceil)))
    plane = b.op("ReduceProd", [b.shape(c.shapes[0][-len(kernel):])], keepdims=1)  # a constant unless dynamic
    per_plane = b.op("Mod", [indices, plane])
    c.memo[per_plane] = (c.inputs[0], values)
    return per_plane


def plane_gather(b, c):
    index, nsp = c.args
    pooled = c.memo.get(index.onnx)
    if pooled is not None and pooled[0] == c.inputs[0]:
        return pooled[1]
    flat = b.op("Reshape", [c.inputs[0], b.shape([*c.shapes[0][:-nsp], math.prod(c.shapes[0][-nsp:])])])
    idx = b.op("Reshape", [b.cast(index.onnx, index.dtype, "int64"),
                           b.shape([*c.out_shape[:-nsp], math.prod(c.out_shape[-nsp:])])])
    return b.op("Reshape", [b.op("GatherElements", [flat, idx], axis=-1), b.shape(c.out_shape)])


def window_sum(b, c):
    """The sum over each pooling window (avg_pool before its division): a depthwise convolution with ones, over
    the channels of (N, C, *spatial), or over the planes of any other shape."""
    ((kernel, stride, dilation, padding, out),) = c.args
    nsp, shape = len(kernel), c.shapes[0]
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    # the high side's padding reaches ceil_mode's last window
    high = [max(0, (traced(o) - 1) * s + e - traced(n) - p)
            for o, s, e, n, p in zip(out, stride, eff, shape[-nsp:], padding)]
    channels = shape[1] if len(shape) == nsp + 2 and not isinstance(shape[1], Sym) else 1
    x = c.inputs[0] if channels > 1 else b.op("Reshape", [c.inputs[0], b.shape([-1, 1, *shape[-nsp:]])])
    ones = b.const(np.ones((channels, 1, *kernel), dtype=numpy_dtype(c.out_dtype)), "ones")
    summed = b.op("Conv", [x, ones], pads=list(padding) + high, strides=list(stride), dilations=list(dilation),
                  kernel_shape=list(kernel), group=channels)
    return summed if channels > 1 else b.op("Reshape", [summed, b.shape(c.out_shape)])


def matmul(b, c):
    return b.op("MatMul", c.inputs)


def _normalized(b, x: str, axes, eps: float, dtype: str) -> str:
    mean = b.reduce("ReduceMean", x, axes)
    centred = b.op("Sub", [x, mean])
    var = b.reduce("ReduceMean", b.op("Mul", [centred, centred]), axes)
    return b.op("Div", [centred, b.op("Sqrt", [b.op("Add", [var, b.scalar(eps, dtype)])])])


def normalize(b, c):
    """(x - mean) / sqrt(var + eps) over `axes` (batch, instance and layer norm without affine)."""
    axes, eps, _ = c.args
    return _normalized(b, c.inputs[0], list(axes), eps, c.out_dtype)


def normalize_channels(b, c):
    """batch_norm with the batch's own statistics (no running ones): per channel over N and the positions."""
    eps, _ = c.args
    x, w, bias = c.inputs
    nd = len(c.shapes[0])
    shape = b.ints([1, -1] + [1] * (nd - 2))
    y = _normalized(b, x, [0, *range(2, nd)], eps, c.out_dtype)
    return b.op("Add", [b.op("Mul", [y, b.op("Reshape", [w, shape])]), b.op("Reshape", [bias, shape])])


def normalize_rows_affine(b, c):
    """layer_norm (weight of x's trailing shape) as LayerNormalization; group_norm (weight (1, C, 1, ...))
    normalises the groups of x viewed as (N, G, -1), then scales per channel."""
    grouped, eps, _ = c.args
    x, w, bias = c.inputs
    xs, ws = c.shapes[0], c.shapes[1]
    if tuple(xs[len(xs) - len(ws):]) == tuple(ws) and math.prod(ws) == grouped[1]:
        if tuple(c.shapes[2]) != tuple(ws):
            bias = b.op("Expand", [bias, b.ints(ws)])
        return b.op("LayerNormalization", [x, w, bias], axis=len(xs) - len(ws), epsilon=float(eps))
    groups = math.prod(xs[1:]) // grouped[1]
    y = _normalized(b, b.op("Reshape", [x, b.ints([0, groups, -1])]), [2], eps, c.out_dtype)
    y = b.op("Reshape", [y, b.op("Shape", [x])])
    return b.op("Add", [b.op("Mul", [y, w]), bias])


def attention(b, c):
    """softmax(q k^T * scale [+ mask | masked to -inf]) v."""
    from ..ops.attention import ADDITIVE
    mask_kind, scale, noise = c.args[:3]
    if noise is not None:
        raise OnnxExporterError(f"{c.op}: attention dropout is random; export in eval mode")
    q, k, v = c.inputs[:3]
    nd = len(c.shapes[1])
    kt = b.op("Transpose", [k], perm=[*range(nd - 2), nd - 1, nd - 2])
    s = b.op("Mul", [b.op("MatMul", [q, kt]), b.scalar(scale, c.out_dtype)])
    if mask_kind:
        mask = c.inputs[3]
        if mask_kind == ADDITIVE:
            s = b.op("Add", [s, b.cast(mask, c.dtypes[3], c.out_dtype)])
        else:
            s = b.op("Where", [b.cast(mask, c.dtypes[3], "bool"), s, b.scalar(-np.inf, c.out_dtype)])
    return b.op("MatMul", [b.op("Softmax", [s], axis=-1), v])


def embedding(b, c):
    indices = c.args[0]
    return b.op("Gather", [c.inputs[0], b.cast(indices.onnx, indices.dtype, "int64")], axis=0)


def constant_pad(b, c):
    pads, value = c.args
    n, nd = len(pads) // 2, len(c.shapes[0])
    lows = [0] * (nd - n) + list(pads[0::2][::-1])
    highs = [0] * (nd - n) + list(pads[1::2][::-1])
    return b.op("Pad", [c.inputs[0], b.shape(lows + highs), b.scalar(value, c.out_dtype)], mode="constant")


TABLE = {"flambeau.ops.conv.Conv": conv, "flambeau.ops.conv.ConvInputGrad": conv_transpose,
         _P + "MaxPoolIndex": max_pool_index, _P + "AdaptiveMaxIndex": adaptive_max_index,
         _N + "NormalizeChannels": normalize_channels, _P + "PlaneGather": plane_gather,
         _P + "WindowSum": window_sum, _P + "ConstantPad": constant_pad, "flambeau.ops.matmul.MatMul": matmul,
         "flambeau.ops.matmul.RoundedMatMul": matmul, _N + "Normalize": normalize,
         _N + "NormalizeRowsAffine": normalize_rows_affine,
         "flambeau.ops.attention.ScaledDotProductAttention": attention,
         "flambeau.nn.functional.sparse._Embedding": embedding}
