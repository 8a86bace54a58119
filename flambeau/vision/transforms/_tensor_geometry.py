"""Geometry on tensor images (..., C, H, W): crops, pads, resize and the grid-sampled warps.

Warps (affine, rotate, perspective) build a sampling grid in pixel units and hand it to
nn.functional.grid_sample, as torchvision does; integer images are sampled as float32 and rounded back.
A fill colour rides along as an extra all-ones channel: after sampling, that channel says how much of
each output pixel came from inside the image, and the fill makes up the rest.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

import flambeau

from ..._tensor import Tensor
from ...nn import functional as nnF
from ._utils import _assert_image_tensor

Fill = Optional[Union[int, float, list, tuple]]


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    _assert_image_tensor(img)
    h, w = img.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:  # the box leaves the image: zeros outside
        padding = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                   max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding, fill=0)
    return img[..., top:bottom, left:right]


def _parse_padding(padding: Union[int, list]) -> list[int]:
    """int / [all] / [left-right, top-bottom] / [left, top, right, bottom] -> [left, right, top, bottom]."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def _pad_symmetric(img: Tensor, p: list[int]) -> Tensor:
    """Mirror padding that repeats the edge pixel; negative padding crops first."""
    if img.ndim not in (3, 4):
        raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")
    left, right, top, bottom = (max(-x, 0) for x in p)
    img = img[..., top:img.shape[-2] - bottom, left:img.shape[-1] - right]
    left, right, top, bottom = (max(x, 0) for x in p)

    def index(n: int, lo: int, hi: int) -> Tensor:
        i = np.arange(-lo, n + hi)
        i = np.where(i < 0, -i - 1, i)
        return flambeau.as_tensor(np.where(i >= n, 2 * n - 1 - i, i), device=img.device)
    return img.index_select(-1, index(img.shape[-1], left, right)).index_select(
        -2, index(img.shape[-2], top, bottom))


def pad(img: Tensor, padding: Union[int, list], fill: Optional[Union[int, float]] = 0,
        padding_mode: str = "constant") -> Tensor:
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_padding(padding)
    if padding_mode == "symmetric":
        return _pad_symmetric(img, p)
    squeeze = img.ndim < 4
    x = img.unsqueeze(0) if squeeze else img
    if padding_mode == "constant":
        x = nnF.pad(x, p, mode="constant", value=float(fill))
    else:  # NOTE: torchvision pads integer images in float32 (a workaround for torch); copying pixels needs no cast
        x = nnF.pad(x, p, mode="replicate" if padding_mode == "edge" else "reflect")
    return x.squeeze(0) if squeeze else x


def _cast_squeeze_in(img: Tensor, dtypes: tuple) -> tuple[Tensor, bool]:
    """img as (N, C, H, W) in one of dtypes (the first if it has none of them), and whether a batch dim was added."""
    squeeze = img.ndim < 4
    if squeeze:
        img = img.unsqueeze(0)
    if img.dtype not in dtypes:
        img = img.to(dtypes[0])
    return img, squeeze


def _cast_squeeze_out(img: Tensor, squeeze: bool, dtype) -> Tensor:
    if squeeze:
        img = img.squeeze(0)
    if img.dtype != dtype:
        if not dtype.is_floating_point and dtype != flambeau.bool:
            img = flambeau.round(img)  # round, not truncate, back to integers (bool: any nonzero is True)
        img = img.to(dtype)
    return img


def resize(img: Tensor, size: list[int], interpolation: str = "bilinear", antialias: Optional[bool] = True) -> Tensor:
    _assert_image_tensor(img)
    antialias = bool(antialias) and interpolation in ("bilinear", "bicubic")
    x, squeeze = _cast_squeeze_in(img, (flambeau.float32, flambeau.float64))
    align_corners = False if interpolation in ("bilinear", "bicubic") else None
    x = nnF.interpolate(x, size=list(size), mode=interpolation, align_corners=align_corners, antialias=antialias)
    if interpolation == "bicubic" and img.dtype == flambeau.uint8:
        x = x.clamp(0, 255)  # cubic overshoots
    return _cast_squeeze_out(x, squeeze, img.dtype)


def _check_grid_inputs(img: Tensor, interpolation: str, fill: Fill) -> None:
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor")
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != channels:
        raise ValueError("The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {channels})")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")


def _apply_grid(img: Tensor, grid: Tensor, mode: str, fill: Fill) -> Tensor:
    x, squeeze = _cast_squeeze_in(img, (grid.dtype,))
    n = x.shape[0]
    if n > 1:
        grid = grid.expand(n, *grid.shape[1:])
    if fill is not None:
        x = flambeau.cat((x, flambeau.ones((n, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)), 1)
    x = nnF.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        x, inside = x[:, :-1], x[:, -1:]
        values = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        colour = flambeau.tensor(values, dtype=x.dtype, device=x.device).view(1, len(values), 1, 1)
        if mode == "nearest":
            x = flambeau.where(inside < 0.5, colour.expand_as(x), x)
        else:
            x = x * inside + (1.0 - inside) * colour
    return _cast_squeeze_out(x, squeeze, img.dtype)


def _axis(start: float, n: int, dtype, device) -> Tensor:
    """n pixel centres from start in steps of 1, computed in float32 then cast to dtype, as torch does."""
    return flambeau.linspace(start, start + n - 1, steps=n, device=device).to(dtype)


def _affine_grid(theta: Tensor, w: int, h: int, ow: int, oh: int) -> Tensor:
    """(1, oh, ow, 2) grid_sample coordinates of the output pixels mapped by theta (2, 3) into the (w, h) input."""
    # pixel centres measured from the output's centre
    dtype, device = theta.dtype, theta.device
    ys, xs = flambeau.meshgrid(_axis(-oh * 0.5 + 0.5, oh, dtype, device), _axis(-ow * 0.5 + 0.5, ow, dtype, device),
                               indexing="ij")
    scale = flambeau.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype, device=theta.device)
    rows = theta.T / scale  # (3, 2): the factors of x, of y, and the offset
    return _rows_applied(xs, ys, rows).unsqueeze(0)


def _rows_applied(xs: Tensor, ys: Tensor, rows: Tensor) -> Tensor:
    """(x, y, 1) @ rows at each grid point, summed as x * rows[0] + y * rows[1] + rows[2]: that order is
    torchvision's bmm bit for bit (half types accumulated in float32, rounded once), while NumPy's matmul
    rounds differently, which moves nearest-neighbour samples that sit on a pixel boundary."""
    dtype = rows.dtype
    wide = flambeau.float32 if dtype in (flambeau.float16, flambeau.bfloat16) else dtype
    xs, ys, rows = xs.to(wide), ys.to(wide), rows.to(wide)
    return (xs.unsqueeze(-1) * rows[0] + ys.unsqueeze(-1) * rows[1] + rows[2]).to(dtype)


def _grid_dtype(img: Tensor):
    return img.dtype if img.is_floating_point() else flambeau.float32


def _expanded_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """(width, height) of the box holding the whole image once mapped by matrix (PIL's rotate(expand=True))."""
    corners = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                        [0.5 * w, -0.5 * h, 1.0]], np.float32)
    moved = corners @ np.array(matrix, np.float32).reshape(2, 3).T
    half = np.array([w * 0.5, h * 0.5], np.float32)
    tol = np.float32(1e-4)  # NOTE: truncating to 1e-4 keeps an error of 1e-15 from ceil-ing up a whole pixel
    high = np.ceil(np.trunc((moved.max(0) + half) / tol) * tol)
    low = np.floor(np.trunc((moved.min(0) + half) / tol) * tol)
    size = high - low
    return int(size[0]), int(size[1])


def affine(img: Tensor, matrix: list[float], interpolation: str = "nearest", fill: Fill = None,
           expand: bool = False) -> Tensor:
    """Sample img where matrix (output pixel -> input pixel, both from the centre) points; expand grows the
    output to hold the whole mapped image (rotate's expand)."""
    _check_grid_inputs(img, interpolation, fill)
    w, h = img.shape[-1], img.shape[-2]
    ow, oh = _expanded_size(matrix, w, h) if expand else (w, h)
    theta = flambeau.tensor(matrix, dtype=_grid_dtype(img), device=img.device).view(2, 3)
    return _apply_grid(img, _affine_grid(theta, w, h, ow, oh), interpolation, fill)


def perspective(img: Tensor, coeffs: list[float], interpolation: str = "bilinear", fill: Fill = None) -> Tensor:
    if len(coeffs) != 8:
        raise ValueError("Argument coeffs should have 8 float values")
    _check_grid_inputs(img, interpolation, fill)
    dtype = _grid_dtype(img)
    ow, oh = img.shape[-1], img.shape[-2]
    # x' = (a x + b y + c) / (g x + h y + 1), y' = (d x + e y + f) / (g x + h y + 1), on pixel centres
    ys, xs = flambeau.meshgrid(_axis(0.5, oh, dtype, img.device), _axis(0.5, ow, dtype, img.device), indexing="ij")
    a, b, c, d, e, f, g, h = coeffs
    scale = flambeau.tensor([0.5 * ow, 0.5 * oh], dtype=dtype, device=img.device)
    numerator = _rows_applied(xs, ys, flambeau.tensor([[a, b, c], [d, e, f]], dtype=dtype, device=img.device).T / scale)
    denominator = _rows_applied(xs, ys, flambeau.tensor([[g, g], [h, h], [1.0, 1.0]], dtype=dtype, device=img.device))
    grid = (numerator / denominator - 1.0).unsqueeze(0)
    return _apply_grid(img, grid, interpolation, fill)


def elastic_transform(img: Tensor, displacement: Tensor, interpolation: str = "bilinear", fill: Fill = None) -> Tensor:
    """Sample img at the identity grid plus displacement ((1, H, W, 2), in grid_sample's [-1, 1] units)."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    h, w = img.shape[-2:]
    ys, xs = flambeau.meshgrid(*(flambeau.linspace((1 - s) / s, (s - 1) / s, s, device=img.device) for s in (h, w)),
                               indexing="ij")
    grid = flambeau.stack((xs, ys), -1).unsqueeze(0) + displacement.to(img.device)
    return _apply_grid(img, grid, interpolation, fill)
