"""PyTorch's legacy tensor types (torch.FloatTensor, torch.LongTensor, ...) and storages (torch.FloatStorage, ...).

They are not Tensor subclasses: each is a class whose instances are answered by dtype, so
`isinstance(x, torch.FloatTensor)` is True for any float32 CPU tensor, and calling it builds a tensor of
its dtype the old way: from sizes (`torch.FloatTensor(2, 3)`, uninitialised), from a torch.Size, from
data (`torch.LongTensor([1, 2])`), or from a tensor of the same dtype (an alias of it).
"""
from __future__ import annotations

from ._dtype import bfloat16, bool_, dtype as Dtype, float16, float32, float64, int8, int16, int32, int64, uint8
from ._storage_view import TypedStorage
from ._tensor import Size, Tensor
from ._layout import strided
from .ops.creation import empty, tensor

_TYPES = {"FloatTensor": float32, "DoubleTensor": float64, "HalfTensor": float16, "BFloat16Tensor": bfloat16,
          "LongTensor": int64, "IntTensor": int32, "ShortTensor": int16, "CharTensor": int8, "ByteTensor": uint8,
          "BoolTensor": bool_}

__all__ = list(_TYPES) + [name.replace("Tensor", "Storage") for name in _TYPES]


def _invalid(args: tuple) -> TypeError:
    got = ", ".join(type(a).__name__ for a in args)
    return TypeError(f"new() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                     " * (*, torch.device device = None)\n * (torch.Storage storage)\n * (Tensor other)\n"
                     " * (tuple of ints size, *, torch.device device = None)\n"
                     " * (object data, *, torch.device device = None)")


class _LegacyTensorType(type):
    """The metaclass of torch.FloatTensor and kin (PyTorch's torch.tensortype)."""

    dtype: Dtype
    is_legacy_tensor_type = True  # Tensor.type(torch.FloatTensor) reads the dtype through this
    is_cuda = False
    is_sparse = False
    layout = strided

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == ("cuda" if cls.is_cuda else "cpu")

    def __call__(cls, *args, device=None) -> Tensor:
        if cls.is_cuda:
            device = "cuda" if device is None else device
        if not args:
            return empty(0, dtype=cls.dtype, device=device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            other = args[0]
            if other.dtype != cls.dtype:
                raise TypeError(f"expected {cls.dtype} (got {other.dtype})")
            return other.view(other.shape)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return empty(args, dtype=cls.dtype, device=device)
        if len(args) > 1:
            raise _invalid(args)
        data = args[0]
        if isinstance(data, Size):
            return empty(tuple(data), dtype=cls.dtype, device=device)
        if isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        return tensor(data, dtype=cls.dtype, device=device)

    def __repr__(cls) -> str:
        return f"<class '{cls.__module__}.{cls.__name__}'>"


class _LegacyStorageType(type):
    """isinstance(s, torch.FloatStorage) holds for any float32 TypedStorage, as in PyTorch."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, TypedStorage) and obj.dtype == cls._dtype


class _LegacyStorage(TypedStorage, metaclass=_LegacyStorageType):
    """torch.FloatStorage and kin: a TypedStorage of a fixed dtype, built from a size or a sequence."""

    __slots__ = ()
    _dtype: Dtype

    def __new__(cls, data=0, *, device=None) -> TypedStorage:
        values = empty(data, dtype=cls._dtype, device=device) if isinstance(data, int) else \
            tensor(data, dtype=cls._dtype, device=device)
        return values.reshape(-1).storage()


# torch.cuda.FloatTensor and kin: the same, for tensors on the GPU (flambeau.cuda exports them)
CUDA_TYPES = {name: _LegacyTensorType(name, (), {"__module__": "torch.cuda", "dtype": dt, "is_cuda": True})
              for name, dt in _TYPES.items()}

for _name, _dtype in _TYPES.items():
    globals()[_name] = _LegacyTensorType(_name, (), {"__module__": "torch", "dtype": _dtype})
    _storage = _name.replace("Tensor", "Storage")
    globals()[_storage] = _LegacyStorageType(_storage, (_LegacyStorage,),
                                             {"__module__": "torch", "__slots__": (), "_dtype": _dtype})
