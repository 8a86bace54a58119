"""Folding per-channel affine steps into the layer before them, as torch.onnx's eval-mode export does.

With constant folding, a convolution followed by known per-channel adds and multiplies (its bias, an eval-mode
batch norm) is one Conv with a scaled weight and a bias; a linear layer on a 2-d input is one Gemm reading the
weight as stored (transB=1), so the initializers keep their state_dict names. A layer waits (Pending) until a
node that is not such a step reads its output.
"""
from __future__ import annotations

import numpy as np

_E = "flambeau.ops.elementwise."
STEPS = {_E + "Add", _E + "Sub", _E + "Mul", _E + "Div"}


def per_channel(operand: np.ndarray, ndim: int, channel_axis: int, channels: int) -> np.ndarray | None:
    """`operand` as one value per channel (shape (channels,)) if it broadcasts so against the output."""
    if operand.ndim > ndim:
        return None
    shape = (1,) * (ndim - operand.ndim) + operand.shape
    if any(s != 1 for i, s in enumerate(shape) if i != channel_axis % ndim):
        return None
    return np.broadcast_to(operand.reshape(-1), (channels,)) if shape[channel_axis % ndim] in (1, channels) else None


class Pending:
    """A Conv or Gemm not emitted yet: weight (and the state_dict key it is, unchanged), bias so far."""

    def __init__(self, kind: str, x: str, weight: np.ndarray, key: str | None, attrs: dict, ndim: int,
                 dtype: str):
        self.kind, self.x, self.weight, self.key, self.attrs = kind, x, weight, key, attrs
        self.bias: np.ndarray | None = None
        self.bias_key: str | None = None
        self.ndim, self.dtype = ndim, dtype

    @property
    def channels(self) -> int:
        return self.weight.shape[0]   # Conv: (O, C/g, *k); Gemm reads its weight as (N, K), transB=1

    def absorb(self, op: str, operand: np.ndarray, on_left: bool, operand_key: str | None) -> bool:
        """Fold `output op operand` (or `operand op output`, on_left) into the layer; False if it does not fit."""
        if operand.dtype != self.weight.dtype or (on_left and op in (_E + "Sub", _E + "Div")):
            return False
        k = per_channel(operand, self.ndim, 1 if self.kind == "Conv" else -1, self.channels)
        if k is None:
            return False
        bias = np.zeros(self.channels, self.weight.dtype) if self.bias is None else self.bias
        if op == _E + "Add":
            # a linear layer's bias, kept by its key, as torch.onnx's Gemm does
            self.bias_key = operand_key if self.bias is None and operand.ndim == 1 else None
            self.bias = bias + k
        elif op == _E + "Sub":
            self.bias, self.bias_key = bias - k, None
        else:
            scale = k if op == _E + "Mul" else 1 / k
            shape = (-1,) + (1,) * (self.weight.ndim - 1)
            self.weight = (self.weight * scale.reshape(shape)).astype(self.weight.dtype)
            self.bias = None if self.bias is None else (bias * scale).astype(bias.dtype)
            self.key = self.bias_key = None
        return True

    def emit(self, b, param) -> str:
        """The layer's node; param(key) names a parameter's initializer."""
        inputs = [self.x, param(self.key) if self.key is not None else b.const(self.weight, "weight")]
        if self.bias is not None:
            inputs.append(param(self.bias_key) if self.bias_key is not None else b.const(self.bias, "bias"))
        if self.kind == "Gemm":
            return b.op("Gemm", inputs, transB=1)
        return b.op("Conv", inputs, **self.attrs)
