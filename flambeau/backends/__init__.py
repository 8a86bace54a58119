"""flambeau.backends: the flags PyTorch scripts set or query at start-up (cudnn, cuda.matmul, mps)."""
from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
