"""flambeau: a deep-learning framework whose public API is PyTorch's. `import flambeau as torch`."""
from __future__ import annotations

from . import _allocator, _dtype
from ._device import device
from ._layout import layout, sparse_coo, strided
from ._storage_view import TypedStorage, UntypedStorage
from ._dtype import (bfloat16, complex64, complex128, dtype, finfo, float16, float32, float64,
                     get_default_dtype, iinfo, int8, int16, int32, int64, set_default_dtype, uint8)
from ._tensor import Size, Tensor
from . import ops as _ops  # binds Tensor's methods
from . import autograd
from .autograd import (enable_grad, inference_mode, is_anomaly_check_nan_enabled, is_anomaly_enabled,
                       is_grad_enabled, is_inference_mode_enabled, no_grad, set_detect_anomaly, set_grad_enabled)
from .ops.conversion import *  # noqa: F401,F403  (each ops module's __all__ is its public API)
from .ops.creation import *  # noqa: F401,F403
from .ops.elementwise import *  # noqa: F401,F403
from .ops.elementwise_math import *  # noqa: F401,F403
from .ops.elementwise_rounding import *  # noqa: F401,F403
from .ops.complex import *  # noqa: F401,F403
from .ops.spectral import *  # noqa: F401,F403
from .ops.spectral_windows import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.scatter_gather import *  # noqa: F401,F403
from .ops.index_ops import *  # noqa: F401,F403
from .ops.search import *  # noqa: F401,F403
from .ops.joining import *  # noqa: F401,F403
from .ops.matmul import *  # noqa: F401,F403
from .ops.einsum import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.random import *  # noqa: F401,F403
from .ops.reduction import *  # noqa: F401,F403
from .ops.statistics import *  # noqa: F401,F403
from .ops.scan import *  # noqa: F401,F403
from .ops.shape import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403
from .ops.special import *  # noqa: F401,F403
from .ops.special_gamma import *  # noqa: F401,F403
from .ops.special_igamma import *  # noqa: F401,F403
from .ops.math_extra import *  # noqa: F401,F403
from .ops.structure_extra import *  # noqa: F401,F403
from .ops.stats_extra import *  # noqa: F401,F403
from .ops.windows import *  # noqa: F401,F403
from .ops.activation import *  # noqa: F401,F403
from .ops.conv import *  # noqa: F401,F403
from .ops.pool import *  # noqa: F401,F403
from .ops.norm import *  # noqa: F401,F403
from .ops.rnn import *  # noqa: F401,F403
from .ops.loss import *  # noqa: F401,F403
from ._runtime import *  # noqa: F401,F403
from .serialization import *  # noqa: F401,F403
from . import accelerator, backends, cuda, linalg, nn, optim, utils  # noqa: E402,F401
from . import fft  # noqa: E402,F401
from . import special  # noqa: E402,F401
from . import func  # noqa: E402,F401
from .func import vmap  # noqa: E402,F401  torch.vmap is torch.func.vmap
from .nn.functional import cosine_similarity, dropout, pairwise_distance, pdist  # noqa: E402,F401  torch has them at top level
from ._functional_aliases import *  # noqa: E402,F401,F403  torch.batch_norm, torch.embedding, ...
from ._functional_losses import *  # noqa: E402,F401,F403  torch.kl_div, torch.ctc_loss, ...
from ._functional_rnn import *  # noqa: E402,F401,F403  torch.lstm, torch.gru, ...
from ._legacy_types import *  # noqa: E402,F401,F403  torch.FloatTensor, torch.FloatStorage, ...
from ._memory_format import *  # noqa: E402,F401,F403  torch.channels_last, ...
from ._tensor_extras import *  # noqa: E402,F401,F403  torch.fill, torch.range, ...
from ._removed_linalg import *  # noqa: E402,F401,F403  torch.qr, torch.solve, ... (raise)
from ._view_copies import *  # noqa: E402,F401,F403  torch.view_copy, torch.permute_copy, ...
from ._histogram import *  # noqa: E402,F401,F403
from ._gradient import *  # noqa: E402,F401,F403
from ._draws import *  # noqa: E402,F401,F403
from ._frombuffer import *  # noqa: E402,F401,F403
from ._segment_reduce import *  # noqa: E402,F401,F403
from . import _subclass  # noqa: E402,F401  binds Tensor.as_subclass
from . import random, sparse, testing  # noqa: E402,F401
from .sparse import sparse_coo_tensor  # noqa: E402,F401
from . import distributions  # noqa: E402,F401
from . import profiler  # noqa: E402,F401

bool = _dtype.bool_
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128

__version__ = "0.1.0"

_allocator.tune_malloc()


def _refuse_non_tensor_inputs(namespace: dict) -> None:
    """torch.exp(2.0) is a TypeError in PyTorch's argument parser: the same for every function here."""
    from .ops._numpy_names import tensor_input
    for name, value in list(namespace.items()):
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("flambeau") and \
                value.__class__.__name__ == "function":
            namespace[name] = tensor_input(value, name)


_refuse_non_tensor_inputs(globals())

_LAZY_SUBMODULES = ("distributed", "jit")  # there after `import torch` in PyTorch; loaded on first use here


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        import importlib
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'flambeau' has no attribute {name!r}")
