"""nn.functional.linear and bilinear: matmul-shaped, so the work goes to BLAS."""
from __future__ import annotations

from ... import matmul
from ..._tensor import Tensor

__all__ = ["linear", "bilinear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias."""
    shape = input._data.shape
    if input._data.ndim > 2 and weight._data.ndim == 2:
        k = shape[-1]
        if k != weight._data.shape[1]:
            rows = input._data.size // k if k else 0
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                               f"{weight._data.shape[1]}x{weight._data.shape[0]})")
        # one 2-D product over all leading dims instead of a batch of small ones
        out = matmul(input.reshape(-1, k), weight.t()).reshape(shape[:-1] + weight._data.shape[:1])
    else:
        out = matmul(input, weight.t())
    return out if bias is None else out + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]."""
    s1, s2, sw = input1._data.shape, input2._data.shape, weight._data.shape
    if len(sw) != 3:  # PyTorch's type: it indexes the weight's third dim
        raise IndexError(f"Dimension out of range (expected to be in range of [{-len(sw)}, {len(sw) - 1}], but got 2)")
    if len(s1) != len(s2):
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {len(s1)} and {len(s2)}")
    for i, (a, b) in enumerate(zip(s1[:-1], s2[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {a} and {b}")
    if s1[-1] != sw[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {s1[-1]} but expected {sw[1]}")
    if s2[-1] != sw[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {s2[-1]} but expected {sw[2]}")
    if bias is not None and tuple(bias._data.shape) != sw[:1]:
        got = bias._data.shape[-1] if bias._data.ndim else 0
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {got} but expected {sw[0]}")
    o, i, j = sw
    x1, x2 = input1.reshape(-1, i), input2.reshape(-1, j)
    # (N, I) @ (I, O*J) -> (N, O, J), then a batched product with input2: two BLAS calls, no (N, O, I, J) tensor
    t = matmul(x1, weight.permute(1, 0, 2).reshape(i, o * j)).reshape(-1, o, j)
    out = matmul(t, x2.unsqueeze(-1)).reshape(s1[:-1] + (o,))
    return out if bias is None else out + bias
