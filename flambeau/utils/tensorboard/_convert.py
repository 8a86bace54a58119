"""Values handed to SummaryWriter (flambeau tensors, NumPy arrays, Python numbers) as NumPy arrays."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..._tensor import Tensor


def make_np(x: Any) -> np.ndarray:
    """`x` as a NumPy array; a Python or NumPy scalar becomes a one-element array, as in PyTorch."""
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, Tensor):
        array = x.detach().cpu().numpy()
        # NOTE: bfloat16 widens to float32, which holds it exactly (PyTorch narrows it to float16).
        return array.astype(np.float32) if array.dtype.name == "bfloat16" else array
    raise NotImplementedError(f"Got {type(x)}, but numpy array or torch tensor are expected.")
