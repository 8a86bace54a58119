"""Activation primitives -> ONNX: softmax, log_softmax, gelu, silu, mish, softplus, elu/selu/celu."""
from __future__ import annotations

import math

_A = "flambeau.ops.activation."


def softmax(b, c):
    return b.op("Softmax", c.inputs, axis=c.args[0])


def log_softmax(b, c):
    return b.op("LogSoftmax", c.inputs, axis=c.args[0])


def gelu(b, c):
    (approximate,) = c.args
    x = c.inputs[0]
    if b.opset >= 20:
        return b.op("Gelu", [x], approximate=approximate)
    half = b.scalar(0.5, c.out_dtype)
    if approximate == "tanh":  # x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = b.op("Mul", [b.op("Mul", [x, x]), x])
        inner = b.op("Add", [x, b.op("Mul", [cube, b.scalar(0.044715, c.out_dtype)])])
        phi = b.op("Tanh", [b.op("Mul", [inner, b.scalar(math.sqrt(2 / math.pi), c.out_dtype)])])
    else:  # x/2 (1 + erf(x / sqrt(2)))
        phi = b.op("Erf", [b.op("Div", [x, b.scalar(math.sqrt(2), c.out_dtype)])])
    return b.op("Mul", [b.op("Mul", [x, half]), b.op("Add", [phi, b.scalar(1, c.out_dtype)])])


def silu(b, c):
    return b.op("Mul", [c.inputs[0], b.op("Sigmoid", c.inputs)])


def mish(b, c):
    return b.op("Mul", [c.inputs[0], b.op("Tanh", [b.op("Softplus", c.inputs)])])


def softplus(b, c):
    beta, threshold = c.args
    x = c.inputs[0]
    scaled = b.op("Mul", [x, b.scalar(beta, c.out_dtype)])
    soft = b.op("Div", [b.op("Softplus", [scaled]), b.scalar(beta, c.out_dtype)])
    return b.op("Where", [b.op("Greater", [scaled, b.scalar(threshold, c.out_dtype)]), x, soft])


def elu(b, c):
    alpha, scale, input_scale = c.args
    x = c.inputs[0]
    if scale == 1 and input_scale == 1:
        return b.op("Elu", [x], alpha=float(alpha))
    negative = b.op("Sub", [b.op("Exp", [b.op("Mul", [x, b.scalar(input_scale, c.out_dtype)])]),
                            b.scalar(1, c.out_dtype)])
    negative = b.op("Mul", [negative, b.scalar(alpha * scale, c.out_dtype)])
    positive = b.op("Mul", [x, b.scalar(scale, c.out_dtype)])
    return b.op("Where", [b.op("Greater", [x, b.scalar(0, c.out_dtype)]), positive, negative])


TABLE = {_A + "Softmax": softmax, _A + "LogSoftmax": log_softmax, _A + "Gelu": gelu, _A + "Silu": silu,
         _A + "Mish": mish, _A + "Softplus": softplus, _A + "Elu": elu}
