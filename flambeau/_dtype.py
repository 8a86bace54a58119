"""dtype objects, their backend (NumPy) dtypes, and PyTorch's type-promotion rules."""
from __future__ import annotations

import ml_dtypes
import numpy as np

# Categories order the kinds of numbers: a higher category wins promotion regardless of size.
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    __slots__ = ("name", "np", "category", "itemsize", "is_signed", "_rank")

    def __init__(self, name: str, np_dtype, category: int, rank: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_signed = name not in ("uint8", "bool")
        self._rank = rank  # position in PyTorch's promotion lattice within a category

    @property
    def is_floating_point(self) -> bool:
        return self.category == FLOAT

    @property
    def is_complex(self) -> bool:
        return self.category == COMPLEX

    def to_real(self) -> "dtype":
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> "dtype":
        return {float64: complex128}.get(self, complex64) if self.category != COMPLEX else self

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, BOOL, 0)
uint8 = dtype("uint8", np.uint8, INT, 1)
int8 = dtype("int8", np.int8, INT, 1)
int16 = dtype("int16", np.int16, INT, 2)
int32 = dtype("int32", np.int32, INT, 3)
int64 = dtype("int64", np.int64, INT, 4)
float16 = dtype("float16", np.float16, FLOAT, 1)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, FLOAT, 1)
float32 = dtype("float32", np.float32, FLOAT, 2)
float64 = dtype("float64", np.float64, FLOAT, 3)
complex64 = dtype("complex64", np.complex64, COMPLEX, 2)
complex128 = dtype("complex128", np.complex128, COMPLEX, 3)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128)
_BY_NAME = {d.name: d for d in ALL}
# NumPy dtype -> flambeau dtype; the hot path reads this for every tensor's .dtype
FROM_NP = {d.np: d for d in ALL}
# NumPy dtypes that carry gradients. NOTE: not `kind in "fc"`: ml_dtypes' bfloat16 has kind 'V'
FLOATING_NP = frozenset(d.np for d in ALL if d.category >= FLOAT)

ALIASES = {
    "bool": bool_, "uint8": uint8, "int8": int8, "int16": int16, "short": int16,
    "int32": int32, "int": int32, "int64": int64, "long": int64,
    "float16": float16, "half": float16, "bfloat16": bfloat16,
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "complex64": complex64, "cfloat": complex64, "complex128": complex128, "cdouble": complex128,
}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


_default_float = float32


def get_default_dtype() -> dtype:
    return _default_float


def set_default_dtype(d: dtype) -> None:
    global _default_float
    if not isinstance(d, dtype) or d not in (float16, bfloat16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def from_numpy_dtype(np_dtype) -> dtype:
    try:
        return FROM_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool.") from None


def to_dtype(d) -> dtype:
    """Accept a flambeau dtype, a Python type, a NumPy dtype or a name."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if d is complex:
        return complex128
    if isinstance(d, str):
        name = d[6:] if d.startswith("torch.") else d
        if name in ALIASES:
            return ALIASES[name]
        raise TypeError(f"invalid dtype name {d!r}")
    return from_numpy_dtype(d)


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promote_types lattice for two dtypes."""
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == COMPLEX and lo is float64:
            return complex128
        return hi
    if a.category == INT:
        if uint8 in (a, b):  # uint8 with a signed type needs a wider signed type
            other = b if a is uint8 else a
            return int16 if other is int8 else other
        return a if a._rank > b._rank else b
    if a._rank == b._rank:  # float16 with bfloat16
        return float32
    return a if a._rank > b._rank else b


def scalar_dtype(value) -> dtype:
    """The dtype a Python scalar takes as a 'wrapped number' in promotion."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, complex):
        return complex64 if _default_float is not float64 else complex128
    return _default_float


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # Mirrors c10's combine_categories: a lower-priority group only matters if it is of a
    # higher category (a Python float beats an int tensor, but not a float16 tensor).
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        return higher.to_complex() if higher.category == FLOAT else lower
    if higher.category == FLOAT:
        return higher
    if higher is bool_ or lower.category == FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type_of(dim_dtypes, zero_dim_dtypes, scalar_dtypes) -> dtype:
    """Combine the three priority groups of PyTorch's result_type: dimensioned tensors,
    zero-dim tensors, then Python scalars."""
    groups = []
    for group in (dim_dtypes, zero_dim_dtypes, scalar_dtypes):
        r = None
        for d in group:
            r = d if r is None else promote_types(r, d)
        groups.append(r)
    return _combine_categories(groups[0], _combine_categories(groups[1], groups[2]))


def can_cast(from_: dtype, to: dtype) -> bool:
    """PyTorch's can_cast: no demotion to a lower category (float -> int, int -> bool)."""
    return from_.category <= to.category


class finfo:
    def __init__(self, type: dtype | None = None):
        d = to_dtype(type) if type is not None else _default_float
        if d.category not in (FLOAT, COMPLEX):
            raise TypeError(f"torch.finfo() requires a floating point input type, got {d}")
        d = d.to_real()
        info = ml_dtypes.finfo(d.np) if d is bfloat16 else np.finfo(d.np)
        self.dtype = d.name
        self.bits = d.itemsize * 8
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # PyTorch's: a power of ten, exactly

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    def __init__(self, type: dtype):
        d = to_dtype(type)
        if d.category != INT and d is not bool_:
            raise TypeError(f"torch.iinfo() requires an integer input type, got {d}")
        info = np.iinfo(d.np) if d is not bool_ else None
        self.dtype = d.name
        self.bits = d.itemsize * 8
        self.max = int(info.max) if info else 1
        self.min = int(info.min) if info else 0

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
