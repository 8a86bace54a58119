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
from . import accelerator, backends, cuda, random  # noqa: E402,F401
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
from . import _nn_tensor_methods  # noqa: E402,F401  binds Tensor.hardshrink, Tensor.prelu

bool = _dtype.bool_
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128

__version__ = "0.1.0"

_allocator.tune_malloc()


def _refuse_non_tensor_input(name: str, value):
    """torch.exp(2.0) is a TypeError in PyTorch's argument parser: the same for every function here."""
    if not name.startswith("_") and getattr(value, "__module__", "").startswith("flambeau") and \
            value.__class__.__name__ == "function":
        from .ops._numpy_names import tensor_input
        return tensor_input(value, name)
    return value


def _refuse_non_tensor_inputs(namespace: dict) -> None:
    for name, value in namespace.items():
        namespace[name] = _refuse_non_tensor_input(name, value)


_refuse_non_tensor_inputs(globals())

# The rest of torch's namespace is loaded on first use, so that `import flambeau` stays light: a model saved by
# jit.save runs with the core alone (no nn, optim or autograd engine). PyTorch imports these eagerly.
_LAZY_SUBMODULES = ("distributed", "distributions", "fft", "func", "jit", "linalg", "nn", "onnx", "optim",
                    "profiler", "sparse", "special", "testing", "utils")
_LAZY_NAMES = {"vmap": ".func", "sparse_coo_tensor": ".sparse", "compile": "._compile",
               "cosine_similarity": ".nn.functional", "dropout": ".nn.functional",
               "pairwise_distance": ".nn.functional", "pdist": ".nn.functional"}
# Modules of torch.* functions written over nn.functional: all their public names are flambeau's.
_LAZY_NAMESPACES = ("._functional_aliases", "._functional_losses", "._functional_rnn")


def _lazy_module(module: str, name: str):
    """flambeau`module` (a relative name), imported for the attribute `name`: AttributeError if it is not there."""
    import importlib
    try:
        return importlib.import_module(module, __name__)
    except ModuleNotFoundError as e:
        if e.name != __name__ + module:  # a module it imports is missing: that is no missing attribute
            raise
        raise AttributeError(f"module 'flambeau' has no attribute {name!r} ({e})") from None


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        return _lazy_module(f".{name}", name)  # the import binds it here
    if name in _LAZY_NAMES:
        value = _refuse_non_tensor_input(name, getattr(_lazy_module(_LAZY_NAMES[name], name), name))
        globals()[name] = value
        return value
    if not name.startswith("_"):
        for module_name in _LAZY_NAMESPACES:
            module = _lazy_module(module_name, name)
            if name in module.__all__:
                public = {key: getattr(module, key) for key in module.__all__}
                _refuse_non_tensor_inputs(public)
                globals().update(public)
                return public[name]
    raise AttributeError(f"module 'flambeau' has no attribute {name!r}")


def __dir__() -> list[str]:
    """Every attribute, the lazy ones included (this imports the lazy namespaces, and so flambeau.nn)."""
    from importlib.util import find_spec
    names = set(globals())
    # a lazy name is listed once its package is there (flambeau/onnx and flambeau/_compile are being written)
    names.update(name for name in _LAZY_SUBMODULES if find_spec(f"{__name__}.{name}"))
    names.update(name for name, module in _LAZY_NAMES.items() if find_spec(__name__ + "." + module.split(".")[1]))
    for module_name in _LAZY_NAMESPACES:
        names.update(_lazy_module(module_name, module_name).__all__)
    return sorted(names)
