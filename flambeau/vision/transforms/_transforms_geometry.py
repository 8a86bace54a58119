"""Geometry transforms: the classes around transforms.functional's geometry, random ones included.

Random parameters are drawn from flambeau's RNG (flambeau.manual_seed reproduces them) in torchvision's
order, one draw per call of torch.rand / randint / empty().uniform_ there.
"""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any, Optional, Union

import flambeau

from ... import nn
from ..._tensor import Tensor
from . import _functional_geometry as F
from ._functional_geometry import InterpolationMode, _interpolation_modes_from_int
from ._utils import _coin, _fill_for, _randint, _random_box_sides, _setup_size, _uniform

__all__ = ["InterpolationMode", "Resize", "CenterCrop", "Pad", "RandomCrop", "RandomHorizontalFlip",
           "RandomVerticalFlip", "RandomPerspective", "RandomResizedCrop", "FiveCrop", "TenCrop", "RandomRotation",
           "RandomAffine", "ElasticTransform"]

Image = Any  # a PIL image or a tensor
_SIZE_ERROR = "Please provide only two dimensions (h, w) for size."


def _check_sequence_input(x: Any, name: str, req_sizes: tuple) -> None:
    lengths = " or ".join(str(s) for s in req_sizes)
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {lengths}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {lengths}.")


def _setup_angle(x: Union[float, Sequence], name: str, req_sizes: tuple = (2,)) -> list[float]:
    """A number d means the range [-d, d]; a sequence is taken as given."""
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]
    else:
        _check_sequence_input(x, name, req_sizes)
    return [float(d) for d in x]


def _mode(interpolation: Union[InterpolationMode, int]) -> InterpolationMode:
    return _interpolation_modes_from_int(interpolation) if isinstance(interpolation, int) else interpolation


def _setup_fill(fill: Any) -> Any:
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError("Fill should be either a sequence or a number.")
    return fill


class Resize(nn.Module):
    """Resize to size (h, w), or the shorter edge to size keeping the aspect ratio (longer edge <= max_size)."""

    def __init__(self, size: Union[int, Sequence[int]], interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 max_size: Optional[int] = None, antialias: Optional[bool] = True) -> None:
        super().__init__()
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        self.interpolation = _mode(interpolation)
        self.antialias = antialias

    def forward(self, img: Image) -> Image:
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop(nn.Module):
    def __init__(self, size: Union[int, Sequence[int]]) -> None:
        super().__init__()
        self.size = _setup_size(size, _SIZE_ERROR)

    def forward(self, img: Image) -> Image:
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class Pad(nn.Module):
    def __init__(self, padding: Union[int, Sequence[int]], fill: Union[float, Sequence] = 0,
                 padding_mode: str = "constant") -> None:
        super().__init__()
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                             "tuple")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img: Image) -> Image:
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop(nn.Module):
    """Crop at a random place, after optional padding (and padding up to size if pad_if_needed)."""

    @staticmethod
    def get_params(img: Image, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(top, left, height, width) of a uniformly placed crop of output_size."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return _randint(0, h - th + 1), _randint(0, w - tw + 1), th, tw

    def __init__(self, size: Union[int, Sequence[int]], padding: Optional[Union[int, Sequence[int]]] = None,
                 pad_if_needed: bool = False, fill: Union[float, Sequence] = 0, padding_mode: str = "constant") -> None:
        super().__init__()
        self.size = tuple(_setup_size(size, _SIZE_ERROR))
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img: Image) -> Image:
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip(nn.Module):
    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, img: Image) -> Image:
        return F.hflip(img) if _coin(self.p) else img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomVerticalFlip(nn.Module):
    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, img: Image) -> Image:
        return F.vflip(img) if _coin(self.p) else img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomPerspective(nn.Module):
    """With probability p, move each corner inwards by up to distortion_scale of half the image."""

    def __init__(self, distortion_scale: float = 0.5, p: float = 0.5,
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 fill: Union[float, Sequence] = 0) -> None:
        super().__init__()
        self.p = p
        self.interpolation = _mode(interpolation)
        self.distortion_scale = distortion_scale
        self.fill = _setup_fill(fill)

    def forward(self, img: Image) -> Image:
        channels, height, width = F.get_dimensions(img)
        fill = _fill_for(img, self.fill, channels)
        if _coin(self.p):
            startpoints, endpoints = self.get_params(width, height, self.distortion_scale)
            return F.perspective(img, startpoints, endpoints, self.interpolation, fill)
        return img

    @staticmethod
    def get_params(width: int, height: int, distortion_scale: float) -> tuple[list[list[int]], list[list[int]]]:
        """The image corners (tl, tr, br, bl) and where they go, each within its own corner region."""
        dx, dy = int(distortion_scale * (width // 2)), int(distortion_scale * (height // 2))
        near_x, near_y = (lambda: _randint(0, dx + 1)), (lambda: _randint(0, dy + 1))
        far_x, far_y = (lambda: _randint(width - dx - 1, width)), (lambda: _randint(height - dy - 1, height))
        topleft = [near_x(), near_y()]
        topright = [far_x(), near_y()]
        botright = [far_x(), far_y()]
        botleft = [near_x(), far_y()]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return startpoints, [topleft, topright, botright, botleft]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


def _random_resized_crop_box(height: int, width: int, scale: Sequence[float],
                             ratio: Sequence[float]) -> tuple[int, int, int, int]:
    """RandomResizedCrop's (top, left, height, width) in an image of (height, width) (v2 shares the draws)."""
    area = height * width
    log_ratio = flambeau.log(flambeau.tensor(ratio)).tolist()
    for _ in range(10):
        w, h = _random_box_sides(area, scale, log_ratio)
        if 0 < w <= width and 0 < h <= height:
            return _randint(0, height - h + 1), _randint(0, width - w + 1), h, w
    in_ratio = float(width) / float(height)
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        w, h = int(round(height * max(ratio))), height
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


class RandomResizedCrop(nn.Module):
    """Crop a random area (scale of the image) of random aspect ratio (log-uniform in ratio), resized to size."""

    def __init__(self, size: Union[int, Sequence[int]], scale: tuple[float, float] = (0.08, 1.0),
                 ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 antialias: Optional[bool] = True) -> None:
        super().__init__()
        self.size = _setup_size(size, _SIZE_ERROR)
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)")
        self.interpolation = _mode(interpolation)
        self.antialias = antialias
        self.scale = scale
        self.ratio = ratio

    @staticmethod
    def get_params(img: Image, scale: Sequence[float], ratio: Sequence[float]) -> tuple[int, int, int, int]:
        """(top, left, height, width): up to 10 random tries, else the central crop of the nearest allowed ratio."""
        _, height, width = F.get_dimensions(img)
        return _random_resized_crop_box(height, width, scale, ratio)

    def forward(self, img: Image) -> Image:
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class FiveCrop(nn.Module):
    def __init__(self, size: Union[int, Sequence[int]]) -> None:
        super().__init__()
        self.size = _setup_size(size, _SIZE_ERROR)

    def forward(self, img: Image) -> tuple:
        return F.five_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class TenCrop(nn.Module):
    def __init__(self, size: Union[int, Sequence[int]], vertical_flip: bool = False) -> None:
        super().__init__()
        self.size = _setup_size(size, _SIZE_ERROR)
        self.vertical_flip = vertical_flip

    def forward(self, img: Image) -> tuple:
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


class RandomRotation(nn.Module):
    """Rotate by an angle drawn uniformly from degrees ([-d, d] for a number d)."""

    def __init__(self, degrees: Union[float, Sequence[float]],
                 interpolation: InterpolationMode = InterpolationMode.NEAREST, expand: bool = False,
                 center: Optional[Sequence[int]] = None, fill: Union[float, Sequence] = 0) -> None:
        super().__init__()
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center
        self.interpolation = _mode(interpolation)
        self.expand = expand
        self.fill = _setup_fill(fill)

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        return _uniform(float(degrees[0]), float(degrees[1]))

    def forward(self, img: Image) -> Image:
        channels, _, _ = F.get_dimensions(img)
        fill = _fill_for(img, self.fill, channels)
        return F.rotate(img, self.get_params(self.degrees), self.interpolation, self.expand, self.center, fill)

    def __repr__(self) -> str:
        s = f"{self.__class__.__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}"
        s += f", expand={self.expand}"
        s += f", center={self.center}" if self.center is not None else ""
        s += f", fill={self.fill}" if self.fill is not None else ""
        return s + ")"


class RandomAffine(nn.Module):
    """Random rotation, translation (fraction of the size), scale and shear, keeping the centre."""

    def __init__(self, degrees: Union[float, Sequence[float]], translate: Optional[Sequence[float]] = None,
                 scale: Optional[Sequence[float]] = None, shear: Optional[Union[float, Sequence[float]]] = None,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST, fill: Union[float, Sequence] = 0,
                 center: Optional[Sequence[int]] = None) -> None:
        super().__init__()
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if translate is not None:
            _check_sequence_input(translate, "translate", req_sizes=(2,))
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError("translation values should be between 0 and 1")
        self.translate = translate
        if scale is not None:
            _check_sequence_input(scale, "scale", req_sizes=(2,))
            if any(s <= 0 for s in scale):
                raise ValueError("scale values should be positive")
        self.scale = scale
        self.shear = _setup_angle(shear, name="shear", req_sizes=(2, 4)) if shear is not None else None
        self.interpolation = _mode(interpolation)
        self.fill = _setup_fill(fill)
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center

    @staticmethod
    def get_params(degrees: Sequence[float], translate: Optional[Sequence[float]],
                   scale_ranges: Optional[Sequence[float]], shears: Optional[Sequence[float]],
                   img_size: Sequence[int]) -> tuple[float, tuple[int, int], float, tuple[float, float]]:
        """(angle, (tx, ty), scale, (shear_x, shear_y)); img_size is (width, height)."""
        angle = _uniform(float(degrees[0]), float(degrees[1]))
        translations = (0, 0)
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            tx = int(round(_uniform(-max_dx, max_dx)))
            translations = (tx, int(round(_uniform(-max_dy, max_dy))))
        scale = _uniform(scale_ranges[0], scale_ranges[1]) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = _uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = _uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def forward(self, img: Image) -> Image:
        channels, height, width = F.get_dimensions(img)
        fill = _fill_for(img, self.fill, channels)
        params = self.get_params(self.degrees, self.translate, self.scale, self.shear, [width, height])
        return F.affine(img, *params, interpolation=self.interpolation, fill=fill, center=self.center)

    def __repr__(self) -> str:
        s = f"{self.__class__.__name__}(degrees={self.degrees}"
        s += f", translate={self.translate}" if self.translate is not None else ""
        s += f", scale={self.scale}" if self.scale is not None else ""
        s += f", shear={self.shear}" if self.shear is not None else ""
        s += f", interpolation={self.interpolation.value}" if self.interpolation != InterpolationMode.NEAREST else ""
        s += f", fill={self.fill}" if self.fill != 0 else ""
        s += f", center={self.center}" if self.center is not None else ""
        return s + ")"


def _elastic_pair(value: Union[float, Sequence[float]], name: str) -> list[float]:
    """alpha / sigma: a float for both axes, or a pair (x, y) of floats."""
    if not isinstance(value, (float, Sequence)):
        raise TypeError(f"{name} should be float or a sequence of floats. Got {type(value)}")
    if isinstance(value, Sequence):
        if len(value) != 2:
            raise ValueError(f"If {name} is a sequence its length should be 2. Got {len(value)}")
        for element in value:
            if not isinstance(element, float):
                raise TypeError(f"{name} should be a sequence of floats. Got {type(element)}")
        return value
    return [float(value), float(value)]


class ElasticTransform(nn.Module):
    """Displace pixels by smooth random offsets: uniform noise blurred with sigma, scaled by alpha pixels."""

    def __init__(self, alpha: Union[float, Sequence[float]] = 50.0, sigma: Union[float, Sequence[float]] = 5.0,
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 fill: Union[float, Sequence] = 0) -> None:
        super().__init__()
        self.alpha = _elastic_pair(alpha, "alpha")
        self.sigma = _elastic_pair(sigma, "sigma")
        self.interpolation = _mode(interpolation)
        if isinstance(fill, (int, float)):
            fill = [float(fill)]
        elif isinstance(fill, (list, tuple)):
            fill = [float(f) for f in fill]
        else:
            raise TypeError(f"fill should be int or float or a list or tuple of them. Got {type(fill)}")
        self.fill = fill

    @staticmethod
    def get_params(alpha: Sequence[float], sigma: Sequence[float], size: list[int]) -> Tensor:
        """A (1, H, W, 2) displacement in grid units: x offsets scaled by alpha[0] / W, y by alpha[1] / H."""
        from ._functional_color import gaussian_blur

        def offsets(axis: int) -> Tensor:
            d = flambeau.rand([1, 1] + list(size)) * 2 - 1
            if sigma[axis] > 0.0:
                k = int(8 * sigma[axis] + 1)
                k += 1 - k % 2  # the kernel must be odd
                d = gaussian_blur(d, [k, k], list(sigma))
            return d * alpha[axis] / size[1 - axis]
        dx = offsets(0)
        return flambeau.cat([dx, offsets(1)], 1).permute(0, 2, 3, 1)

    def forward(self, img: Image) -> Image:
        _, height, width = F.get_dimensions(img)
        displacement = self.get_params(self.alpha, self.sigma, [height, width])
        return F.elastic_transform(img, displacement, self.interpolation, self.fill)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(alpha={self.alpha}, sigma={self.sigma}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
