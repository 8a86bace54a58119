"""ReduceOp: how a reduction combines the ranks' tensors (dist.ReduceOp.SUM, ...)."""
from __future__ import annotations

import enum

__all__ = ["ReduceOp"]


class ReduceOp:
    """The reduction operations; each one is a member of ReduceOp.RedOpType, as in PyTorch."""

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7

    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
