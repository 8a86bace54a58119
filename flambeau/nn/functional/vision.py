"""nn.functional vision helpers: pad, interpolate/upsample, grid_sample, affine_grid, pixel and channel shuffles.

Resampling is separable: each spatial dim is resampled in turn (the last first, PyTorch's order) by
one index_select of all taps and a weighted sum over them, so every mode is a composite of
differentiable ops. Source positions and weights are computed in float32 for float32 inputs, the
way ATen's kernels compute them, so nearest neighbours land on the same pixels.
"""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

import flambeau

from ..._tensor import Tensor
from ...ops.pool import constant_pad
from .pooling import _adaptive_avg

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample", "affine_grid",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]


# ------------------------------------------------------------------------------------------- pad

def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    pads = tuple(int(p) for p in pad)
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) // 2 > input.dim():
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pads)} and input of dimension {input.dim()}")
    if mode == "constant":
        n = len(pads) // 2
        for i, dim in enumerate(range(input.dim() - 1, input.dim() - 1 - n, -1)):
            if input.shape[dim] + pads[2 * i] + pads[2 * i + 1] < 0:
                raise RuntimeError(f"The input size {input.shape[dim]}, plus negative padding {pads[2 * i]} and "
                                   f"{pads[2 * i + 1]} resulted in a negative output size, which is invalid. Check "
                                   f"dimension {dim} of your input.")
        return constant_pad(input, pads, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    n = len(pads) // 2
    if n not in (1, 2, 3) or input.dim() not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {len(pads)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    shape = list(input.shape)
    if any(s == 0 for s in shape[-n - 1:]):
        raise RuntimeError(f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {shape}")
    out = input
    for i in range(n):
        dim = input.dim() - 1 - i
        out = out.index_select(dim, flambeau.as_tensor(_pad_index(mode, pads[2 * i], pads[2 * i + 1], shape, dim),
                                                       device=input.device))
    return out


def _pad_index(mode: str, lo: int, hi: int, shape: list, dim: int) -> np.ndarray:
    """The source position of every output position along one padded dim."""
    n = shape[dim]
    if mode == "circular":
        if lo > n or hi > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        start = max(0, -lo)  # negative padding crops first; the wrap then repeats the cropped part
        kept = n - start - max(0, -hi)
        return start + np.arange(-max(lo, 0), kept + max(hi, 0)) % kept
    i = np.arange(-lo, n + hi)
    if mode == "replicate":
        return i.clip(0, n - 1)
    if lo >= n or hi >= n:
        raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, but "
                           f"got: padding ({lo}, {hi}) at dimension {dim} of input {shape}")
    i = np.abs(i)
    return np.where(i > n - 1, 2 * (n - 1) - i, i)


# ----------------------------------------------------------------------------------- interpolate

_LETTERS = {1: "W", 2: "HW", 3: "DHW"}
_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _opmath(input: Tensor):
    return np.float64 if input.dtype == flambeau.float64 else np.float32


def _scale(n: int, o: int, align_corners: bool, scale, ftype):
    """ATen's area_pixel_compute_scale: input step per output step."""
    if align_corners:
        return ftype((n - 1) / (o - 1)) if o > 1 else ftype(0)
    return ftype(1.0 / scale) if scale is not None and scale > 0 else ftype(n) / ftype(o)


def _nearest_taps(n: int, o: int, scale, exact: bool) -> tuple:
    """(index (o, 1), weights None) of nearest (PyTorch's legacy floor rule) or nearest-exact."""
    s = _scale(n, o, False, scale, np.float32)
    dst = np.arange(o)
    if exact:
        src = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32))
    elif o == n or o == 2 * n:
        src = dst if o == n else dst >> 1
    else:
        src = np.floor(dst.astype(np.float32) * s)
    return np.minimum(src.astype(np.int64), n - 1)[:, None], None


def _linear_taps(n: int, o: int, align_corners: bool, scale, ftype) -> tuple:
    s = _scale(n, o, align_corners, scale, ftype)
    dst = np.arange(o, dtype=ftype)
    src = s * dst if align_corners else np.maximum(s * (dst + ftype(0.5)) - ftype(0.5), ftype(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    lam = np.clip(src - i0, 0, 1).astype(ftype)
    i1 = i0 + (i0 < n - 1)
    return np.stack([i0, i1], 1), np.stack([1 - lam, lam], 1)


def _cubic_taps(n: int, o: int, align_corners: bool, scale, ftype) -> tuple:
    s = _scale(n, o, align_corners, scale, ftype)
    dst = np.arange(o, dtype=ftype)
    src = s * dst if align_corners else s * (dst + ftype(0.5)) - ftype(0.5)  # cubic: no clamp at 0
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    t = np.clip(src - i0, 0, 1).astype(ftype)
    a = ftype(-0.75)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    weights = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], 1).astype(ftype)
    return (i0[:, None] + np.arange(-1, 3)).clip(0, n - 1), weights


def _antialias_taps(n: int, o: int, align_corners: bool, scale, ftype, cubic: bool) -> tuple:
    """ATen's antialiased (PIL-style) taps: when shrinking, the filter is stretched by the scale so each output
    averages every input it covers; weights are normalised per output. Rounding follows ATen: positions are
    computed in double and stored in the input's float type."""
    s = _scale(n, o, align_corners, scale, ftype)
    half = 2.0 if cubic else 1.0  # half the filter's support, before stretching
    support = ftype(half * s if s >= 1 else half)
    invscale = ftype(1.0 / np.float64(s)) if s >= 1 else ftype(1)
    taps = int(math.ceil(support)) * 2 + 1
    center = (np.float64(s) * (np.arange(o) + 0.5)).astype(ftype)
    xmin = np.maximum(((center - support) + 0.5).astype(np.int64), 0)
    xsize = np.clip(np.minimum((center + support + 0.5).astype(np.int64), n) - xmin, 0, taps)
    j = np.arange(taps)
    x = ((((j + xmin[:, None]).astype(ftype) - center[:, None]) + 0.5) * np.float64(invscale)).astype(ftype)
    x = np.abs(x)
    if cubic:  # Keys' cubic with a = -0.5, PIL's choice for antialiasing (plain bicubic uses -0.75)
        a = ftype(-0.5)
        w = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                     np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0))
    else:
        w = np.where(x < 1, 1 - x, 0)
    w = np.where(j < xsize[:, None], w, 0).astype(ftype)
    total = w[:, 0].copy()
    for k in range(1, taps):  # NOTE: summed tap by tap in ftype, ATen's order
        total = total + w[:, k]
    w = np.where(total[:, None] != 0, w / np.where(total == 0, 1, total)[:, None], w).astype(ftype)
    return np.minimum(xmin[:, None] + j, n - 1), w


# NOTE: up to this many input samples along the resampled dim, resampling is one matmul with the dense
# (o, n) matrix of tap weights: BLAS does n multiply-adds per output faster than NumPy does the gather,
# the per-tap products and their sum (and, backward, the scatter-add of index_select), and the matmul's
# gradient is the transposed matrix. Dense rows multiply every sample by its weight, 0 included, and
# 0 * inf is nan: inputs with inf or nan take the gather path, which leaves them where torch does.
# (Nearest modes use weights 1: the same values, except that a -0.0 input comes out as +0.0.)
_DENSE_MAX = 128


def _resample(x: Tensor, axis: int, index: np.ndarray, weights) -> Tensor:
    """Resample one dim: gather the (o, taps) positions, then the weighted sum over taps."""
    o, taps = index.shape
    n = x.shape[axis]
    if n <= _DENSE_MAX and x.dtype in (flambeau.float32, flambeau.float64) and bool(flambeau.isfinite(x.detach()).all()):
        return _resample_dense(x, axis, index, np.ones(index.shape, np.float32) if weights is None else weights)
    gathered = x.index_select(axis, flambeau.as_tensor(index.reshape(-1), device=x.device))
    if weights is None:
        return gathered
    shape = list(x.shape)
    shape[axis:axis + 1] = [o, taps]
    gathered = gathered.reshape(shape)
    w = flambeau.as_tensor(weights, dtype=x.dtype, device=x.device).reshape((o, taps) + (1,) * (x.dim() - axis - 1))
    out = gathered.select(axis + 1, 0) * w.select(1, 0)
    for j in range(1, taps):  # NOTE: accumulated tap by tap, ATen's summation order
        out = out + gathered.select(axis + 1, j) * w.select(1, j)
    return out


def _resample_dense(x: Tensor, axis: int, index: np.ndarray, weights: np.ndarray) -> Tensor:
    """Resample one dim as matrix @ x, with matrix[i, index[i, j]] += weights[i, j]."""
    o, n = index.shape[0], x.shape[axis]
    matrix = np.zeros((o, n), dtype=weights.dtype)
    np.add.at(matrix, (np.arange(o)[:, None], index), weights)  # clamped taps may repeat an index
    matrix = flambeau.as_tensor(matrix, dtype=x.dtype, device=x.device)
    shape = list(x.shape)
    if axis == x.dim() - 1:
        return x @ matrix.T
    rest = math.prod(shape[axis + 1:])
    shape[axis] = o
    return (matrix @ x.reshape(shape[:axis] + [n, rest])).reshape(shape)


def _output_size(input: Tensor, nsp: int, size, scale_factor, recompute: bool) -> tuple:
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nsp:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {spatial} and output size of {size}. Please provide "
                                 "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                                 "format.")
            return tuple(int(s) for s in size), (None,) * nsp
        return (int(size),) * nsp, (None,) * nsp
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != nsp:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                             "(s1, s2, ...,sK) format.")
        scales = tuple(float(s) for s in scale_factor)
    else:
        scales = (float(scale_factor),) * nsp
    out = tuple(int(math.floor(n * s)) for n, s in zip(spatial, scales))
    return out, ((None,) * nsp if recompute else scales)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nsp = input.dim() - 2
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    wanted = _MODE_DIMS.get(mode, nsp)
    if antialias and not (mode in ("bilinear", "bicubic") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor as "
                         "input")
    if nsp not in (1, 2, 3) or mode not in ("nearest", "nearest-exact", "area", *_MODE_DIMS):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})")
    if wanted != nsp:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {wanted + 2}D input")
    out, scales = _output_size(input, nsp, size, scale_factor, bool(recompute_scale_factor) or mode == "area")
    if mode == "area":
        return _adaptive_avg(f"adaptive_avg_pool{nsp}d", input, out, nsp)
    spatial = tuple(input.shape[2:])
    if any(n <= 0 for n in spatial) or any(o <= 0 for o in out):
        letters = _LETTERS[nsp]
        raise RuntimeError("Input and output sizes should be greater than 0, but got input ("
                           + ", ".join(f"{c}: {n}" for c, n in zip(letters, spatial)) + ") and output ("
                           + ", ".join(f"{c}: {o}" for c, o in zip(letters, out)) + ")")
    if not input.is_floating_point() and not (mode.startswith("nearest") and input.dtype == flambeau.uint8):
        raise NotImplementedError(f"\"upsample_{mode.replace('-', '_')}{nsp}d\" not implemented for "
                                  f"'{input.type().split('.')[-1].replace('Tensor', '')}'")
    ftype = _opmath(input)
    x = input
    for axis in range(input.dim() - 1, 1, -1):
        n, o, s = spatial[axis - 2], out[axis - 2], scales[axis - 2]
        if antialias:
            if n == o:  # an unchanged dim: ATen skips it
                continue
            taps = _antialias_taps(n, o, align_corners, s, ftype, mode == "bicubic")
        elif mode in ("nearest", "nearest-exact"):
            taps = _nearest_taps(n, o, s, mode == "nearest-exact")
        elif mode == "bicubic":
            taps = _cubic_taps(n, o, align_corners, s, ftype)
        else:
            taps = _linear_taps(n, o, align_corners, s, ftype)
        x = _resample(x, axis, *taps)
    return x if x is not input else input.clone()


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------------- grid_sample, affine_grid

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """Grid coordinates in [-1, 1] to pixel positions."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _padded(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """Pixel positions with border/reflection padding applied (zeros padding: as they are)."""
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        low, high = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        return _reflect(coord, low, high).clamp(0, size - 1)
    return coord


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    if twice_low == twice_high:
        return coord * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    coord = (coord - low).abs()
    extra = flambeau.fmod(coord, span)
    flips = flambeau.floor(coord.detach() / span)
    return flambeau.where(flambeau.remainder(flips, 2) == 0, extra + low, span - extra + low)


def _corner(flat: Tensor, positions: list, sizes: list) -> Tensor:
    """input[n, :, ...] at integer positions (x first, then y, then z), zero outside the image:
    (N, C, *grid spatial)."""
    n, c = flat.shape[:2]
    inside = None
    index = None
    for p, size in zip(reversed(positions), reversed(sizes)):  # the slowest dim first
        ok = (p >= 0) & (p < size)
        inside = ok if inside is None else inside & ok
        p = p.clamp(0, size - 1)
        index = p if index is None else index * size + p
    index = index.long().reshape(n, 1, -1).expand(n, c, -1)
    values = flat.gather(2, index).reshape((n, c) + tuple(positions[0].shape[1:]))
    return values * inside.unsqueeze(1).to(flat.dtype)


def _cubic_weights(t: Tensor) -> list:
    """The four cubic-convolution weights (A = -0.75, as PyTorch's) of taps at -1, 0, 1, 2 from floor(x)."""
    a = -0.75

    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners=None) -> Tensor:
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    nsp = input.dim() - 2
    if grid.shape[-1] != nsp:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nsp} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
                           f"{list(input.shape)} and grid with sizes {list(grid.shape)}")
    if mode == "bicubic" and nsp == 3:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    n, c = input.shape[:2]
    sizes = list(input.shape[2:])[::-1]  # x (the last dim) first
    flat = input.reshape(n, c, -1)
    raw = [_unnormalize(grid[..., i], size, align_corners) for i, size in enumerate(sizes)]
    if mode == "bicubic":
        return _bicubic(flat, raw, sizes, padding_mode, align_corners)
    coords = [_padded(r, size, padding_mode, align_corners) for r, size in zip(raw, sizes)]
    if mode == "nearest":
        return _corner(flat, [flambeau.round(x.detach()) for x in coords], sizes)
    low = [flambeau.floor(x.detach()) for x in coords]
    out = None
    for corner in itertools.product((0, 1), repeat=nsp):  # 4 (bilinear) or 8 (trilinear) corners, x fastest
        corner = corner[::-1]
        weight = None
        for x, x0, k in zip(coords, low, corner):
            wk = x - x0 if k else x0 + 1 - x
            weight = wk if weight is None else weight * wk
        term = _corner(flat, [x0 + k for x0, k in zip(low, corner)], sizes) * weight.unsqueeze(1)
        out = term if out is None else out + term
    return out


def _bicubic(flat: Tensor, raw: list, sizes: list, padding_mode: str, align_corners: bool) -> Tensor:
    """4 x 4 taps around each position, each tap's coordinates padded on its own (as PyTorch's kernel does)."""
    (x, y), (w, h) = raw, sizes
    x0, y0 = flambeau.floor(x.detach()), flambeau.floor(y.detach())
    wx, wy = _cubic_weights(x - x0), _cubic_weights(y - y0)
    out = None
    for j in range(4):
        ty = _padded(y0 + (j - 1), h, padding_mode, align_corners)
        for i in range(4):
            tx = _padded(x0 + (i - 1), w, padding_mode, align_corners)
            term = _corner(flat, [tx, ty], sizes) * (wx[i] * wy[j]).unsqueeze(1)
            out = term if out is None else out + term
    return out


def _base_coords(steps: int, align_corners: bool, dtype, device) -> Tensor:
    if steps <= 1:
        return flambeau.zeros(steps, dtype=dtype, device=device)
    coords = flambeau.linspace(-1, 1, steps, dtype=dtype, device=device)
    return coords if align_corners else coords * (steps - 1) / steps


def affine_grid(theta: Tensor, size, align_corners=None) -> Tensor:
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                             f"Got {theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. "
                             f"Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    spatial = size[2:]
    axes = [_base_coords(s, align_corners, theta.dtype, theta.device) for s in spatial]
    mesh = flambeau.meshgrid(*axes, indexing="ij")[::-1]  # x (the last dim) first, then y (then z)
    ones = flambeau.ones(spatial, dtype=theta.dtype, device=theta.device)
    base = flambeau.stack(list(mesh) + [ones], -1).reshape(1, -1, len(spatial) + 1)
    return (base @ theta.transpose(1, 2)).reshape((size[0],) + spatial + (len(spatial),))


# --------------------------------------------------------------------------------------- shuffles

def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}")
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(input.shape)


native_channel_shuffle = channel_shuffle
