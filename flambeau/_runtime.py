"""The runtime surface of the torch namespace: threads, determinism, matmul precision, type queries
(result_type, promote_types, can_cast) and small predicates on tensors."""
from __future__ import annotations

import os
import warnings

from . import _dtype
from ._dtype import dtype, get_default_dtype, set_default_dtype
from ._tensor import Tensor
from ._tensor_str import set_printoptions

# ------------------------------------------------------------------------------------ threads


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_threads = {"intra": _cpu_count(), "interop": _cpu_count()}


def get_num_threads() -> int:
    return _threads["intra"]


def set_num_threads(num: int) -> None:
    """Threads for intra-op parallelism: here, the BLAS thread pools that NumPy calls into."""
    if not isinstance(num, int) or num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=num, user_api="blas")  # applied on construction, kept until changed
    _threads["intra"] = num


def get_num_interop_threads() -> int:
    return _threads["interop"]


def set_num_interop_threads(num: int) -> None:
    """Recorded for compatibility: flambeau runs independent ops one after another."""
    if not isinstance(num, int) or num <= 0:
        raise RuntimeError("Expected positive number of threads")
    _threads["interop"] = num


# ------------------------------------------------------------------------------------ global modes

_modes = {"deterministic": False, "warn_only": False, "matmul_precision": "highest"}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """flambeau's CPU kernels are deterministic already; the flag is kept for scripts that query it."""
    _modes["deterministic"] = bool(mode)
    _modes["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _modes["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _modes["warn_only"]


def set_float32_matmul_precision(precision: str) -> None:
    """Recorded for compatibility: NumPy's float32 matmul always runs at full precision."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.")
        return
    _modes["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _modes["matmul_precision"]


_TENSOR_TYPES = {"FloatTensor": _dtype.float32, "DoubleTensor": _dtype.float64, "HalfTensor": _dtype.float16,
                 "BFloat16Tensor": _dtype.bfloat16}


def set_default_tensor_type(t) -> None:
    """The legacy form of set_default_dtype: accepts 'torch.FloatTensor'-style names of float types."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning)
    name = t if isinstance(t, str) else getattr(t, "__name__", None)
    d = _TENSOR_TYPES.get(name.rsplit(".", 1)[-1]) if isinstance(name, str) else None
    if d is None:
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    set_default_dtype(d)


# ------------------------------------------------------------------------------------ type queries

def _check_dtype(d, argname: str, position: int, fn: str) -> dtype:
    if not isinstance(d, dtype):
        raise TypeError(f"{fn}(): argument '{argname}' (position {position}) must be torch.dtype, "
                        f"not {type(d).__name__}")
    return d


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both can be converted to without losing their category."""
    return _dtype.promote_types(_check_dtype(type1, "type1", 1, "promote_types"),
                                _check_dtype(type2, "type2", 2, "promote_types"))


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether type promotion may cast `from_` to `to` (no float -> int, complex -> float, int -> bool)."""
    return _dtype.can_cast(_check_dtype(from_, "from_", 1, "can_cast"), _check_dtype(to, "to", 2, "can_cast"))


def result_type(tensor1, tensor2) -> dtype:
    """The dtype of an arithmetic op on the two operands (tensors or Python numbers)."""
    from .ops._promote import result_dtype
    if not isinstance(tensor1, Tensor) and not isinstance(tensor2, Tensor):
        # two numbers promote as two zero-dim tensors of their own types
        return _dtype.result_type_of((), (), (_dtype.scalar_dtype(tensor1), _dtype.scalar_dtype(tensor2)))
    return _dtype.FROM_NP[result_dtype(tensor1, tensor2)]


# ------------------------------------------------------------------------------------ predicates

def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_storage(obj) -> bool:
    return False  # flambeau has no separate storage objects


def is_floating_point(input: Tensor) -> bool:
    return input.dtype.is_floating_point


def is_complex(input: Tensor) -> bool:
    return input.dtype.is_complex


def numel(input: Tensor) -> int:
    return input._data.size


def is_nonzero(input: Tensor) -> bool:
    size = input._data.size
    if size == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if size > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def typename(obj) -> str:
    """'torch.FloatTensor' for tensors, the qualified class name for anything else."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = obj if isinstance(obj, type) else type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", None) else f"{module}.{cls.__qualname__}"


__all__ = ['are_deterministic_algorithms_enabled', 'can_cast', 'get_default_dtype', 'get_float32_matmul_precision',
           'get_num_interop_threads', 'get_num_threads', 'is_complex', 'is_deterministic_algorithms_warn_only_enabled',
           'is_floating_point', 'is_nonzero', 'is_storage', 'is_tensor', 'numel', 'promote_types', 'result_type',
           'set_default_dtype', 'set_default_tensor_type', 'set_float32_matmul_precision', 'set_num_interop_threads',
           'set_num_threads', 'set_printoptions', 'typename', 'use_deterministic_algorithms']
