"""torch.backends.cuda: matmul precision flags (recorded; CuPy's matmul follows its own settings)."""
from __future__ import annotations


class _MatmulFlags:
    __slots__ = ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    from .._device import _cupy
    return bool(_cupy())
