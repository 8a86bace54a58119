"""Tensor.hardshrink and Tensor.prelu: the two torch.Tensor methods that are nn.functional ops.

nn.functional is imported on the first call, so binding them here keeps `import flambeau` free of flambeau.nn
(torch.hardshrink and torch.prelu are these same functions, from _functional_aliases.py).
"""
from __future__ import annotations

from ._tensor import Tensor


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    from .nn import functional as F
    return F.hardshrink(input, lambd)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    from .nn import functional as F
    return F.prelu(input, weight)


Tensor.hardshrink = hardshrink
Tensor.prelu = prelu
