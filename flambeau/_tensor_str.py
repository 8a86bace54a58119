"""Tensor printing in PyTorch's format: repr/str of tensors and the print options that shape it.

Formatting works on a host NumPy copy of the data; the rules (fixed or scientific notation,
integer-valued floats printed as `1.`, column widths, summarisation, suffixes) follow PyTorch's.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

from ._dtype import FROM_NP, bool_, complex64, complex128, float64, get_default_dtype, int64


class _PrintOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision, self.threshold, self.edgeitems, self.linewidth = 4, 1000, 3, 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print (PyTorch's options: a profile first, then the explicit values)."""
    if profile is not None:
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode  # like PyTorch, omitting sci_mode resets it to automatic


def get_printoptions() -> dict:
    return {name: getattr(PRINT_OPTS, name) for name in _PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---------------------------------------------------------------------------------------- numbers

class _Formatter:
    """Chooses one notation and one column width for all the values of a tensor."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
        else:
            self._measure_floats(flat)
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode

    def _measure_floats(self, flat: np.ndarray) -> None:
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        values = finite.astype(np.float64)
        absolute = np.abs(values)
        lo, hi = absolute.min(), absolute.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or (not self.int_mode and lo < 1.0e-4)
        if PRINT_OPTS.sci_mode is not None:  # a forced notation also sets the column width
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        if self.sci_mode:
            widths = (len(f"{v:.{p}e}") for v in values.tolist())
        elif self.int_mode:  # integers get a trailing "." to show the tensor is floating point
            widths = (len(f"{v:.0f}") + 1 for v in values.tolist())
        else:
            widths = (len(f"{v:.{p}f}") for v in values.tolist())
        self.max_width = max(self.max_width, *widths)

    def format(self, value) -> str:
        if self.floating:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                s = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if math.isfinite(value):
                    s += "."
            else:
                s = f"{value:.{p}f}"
        else:
            s = str(value)
        return (self.max_width - len(s)) * " " + s


def _format_value(value, real: _Formatter, imag: _Formatter | None) -> str:
    if imag is None:
        return real.format(value)
    real_str = real.format(value.real)
    imag_str = (imag.format(value.imag) + "j").lstrip()
    return real_str + imag_str if imag_str[0] in "+-" else real_str + "+" + imag_str


# ---------------------------------------------------------------------------------------- layout

def _summarized(a: np.ndarray) -> np.ndarray:
    """The values that will be shown when a large tensor is summarised (the edges of each dim)."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate((a[:e], a[-e:])) if a.shape[0] > 2 * e else a
    if not e:
        return a[(slice(0, 0),) * a.ndim]
    rows = list(range(e)) + list(range(a.shape[0] - e, a.shape[0])) if a.shape[0] > 2 * e else range(a.shape[0])
    return np.stack([_summarized(a[i]) for i in rows])


def _vector_str(a: np.ndarray, indent: int, summarize: bool, real: _Formatter, imag: _Formatter | None) -> str:
    width = real.max_width + 2 + (imag.max_width + 1 if imag is not None else 0)
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / width)))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = ([_format_value(v, real, imag) for v in a[:e].tolist()] + [" ..."]
                + [_format_value(v, real, imag) for v in a[-e:].tolist()])
    else:
        data = [_format_value(v, real, imag) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a: np.ndarray, indent: int, summarize: bool, real: _Formatter, imag: _Formatter | None) -> str:
    if a.ndim == 0:
        return _format_value(a.item(), real, imag)
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, real, imag)
    e = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        slices = ([_nested_str(a[i], indent + 1, summarize, real, imag) for i in range(e)] + ["..."]
                  + [_nested_str(a[i], indent + 1, summarize, real, imag) for i in range(n - e, n)])
    else:
        slices = [_nested_str(a[i], indent + 1, summarize, real, imag) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _values_str(a: np.ndarray, indent: int) -> str:
    summarize = a.size > PRINT_OPTS.threshold
    if a.dtype.itemsize < 4 and FROM_NP[a.dtype].is_floating_point:  # float16 / bfloat16 print through float32
        a = a.astype(np.float32)
    shown = _summarized(a) if summarize else a
    if a.dtype.kind == "c":
        return _nested_str(a, indent, summarize, _Formatter(shown.real), _Formatter(shown.imag))
    return _nested_str(a, indent, summarize, _Formatter(shown), None)


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t) -> str:
    """repr(tensor), formatted like PyTorch's."""
    from ._tensor import Tensor
    plain = type(t) is Tensor or type(t).__name__ in ("Parameter", "Buffer")
    prefix = "tensor(" if plain else f"{type(t).__name__}("
    indent = len(prefix)
    data = t._data if isinstance(t._data, np.ndarray) else t._data.get()
    suffixes = []
    if not isinstance(t._data, np.ndarray):
        suffixes.append(f"device='{t.device}'")
    dt = FROM_NP[data.dtype]
    default = get_default_dtype()
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if dt is not default:
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        default_complex = complex128 if default is float64 else complex64
        if dt not in (default, default_complex, int64, bool_):
            suffixes.append(f"dtype={dt!r}")
        body = _values_str(data, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
