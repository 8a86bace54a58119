"""v2 geometry transforms: flips, resizes, crops, pads and warps that move a whole sample (images, videos,
masks, bounding boxes, key points) together.

Random parameters come from flambeau's RNG with torchvision's calls in torchvision's order (one torch.rand /
randint / empty().uniform_ there is one flambeau call here), so flambeau.manual_seed reproduces a pipeline;
where v1 draws the same parameters, its get_params is reused.
"""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any, Callable, Literal, Optional, Union

import flambeau

from ... import tv_tensors
from ...ops import box_iou
from .. import _transforms_geometry as v1
from .._functional_color import gaussian_blur
from .._functional_geometry import _get_perspective_coeffs
from .._utils import _is_pil_image, _setup_size
from ._transform import Transform, _RandomApplyTransform
from ._utils import (_check_padding_arg, _check_padding_mode_arg, _FillType, _get_fill, _setup_fill_arg,
                     _setup_number_or_seq, get_bounding_boxes, has_all, has_any, query_size)
from .functional import _geometry as F
from .functional._geometry_image import Interpolation, _parse_pad_padding
from .functional._meta import convert_bounding_box_format
from .functional._utils import is_pure_tensor

__all__ = ["CenterCrop", "ElasticTransform", "FiveCrop", "Pad", "RandomAffine", "RandomCrop", "RandomHorizontalFlip",
           "RandomIoUCrop", "RandomPerspective", "RandomResize", "RandomResizedCrop", "RandomRotation",
           "RandomShortestSize", "RandomVerticalFlip", "RandomZoomOut", "Resize", "ScaleJitter", "TenCrop"]

Fill = Union[_FillType, dict[Union[type, str], _FillType]]
_SIZE_ERROR = "Please provide only two dimensions (h, w) for size."


class RandomHorizontalFlip(_RandomApplyTransform):
    """Flip the sample left-right with probability p."""
    _v1_transform_cls = v1.RandomHorizontalFlip

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.horizontal_flip, inpt)


class RandomVerticalFlip(_RandomApplyTransform):
    """Flip the sample top-bottom with probability p."""
    _v1_transform_cls = v1.RandomVerticalFlip

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.vertical_flip, inpt)


# ---------------------------------------------------------------------------------------------- resizes

class _ResizeTo(Transform):
    """Resize to the size make_params chooses."""

    def __init__(self, interpolation: Interpolation = "bilinear", antialias: Optional[bool] = True) -> None:
        super().__init__()
        self.interpolation = interpolation
        self.antialias = antialias

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.resize, inpt, size=params["size"], interpolation=self.interpolation,
                                 antialias=self.antialias)


class Resize(_ResizeTo):
    """Resize to size (h, w), or the shorter edge to size, or (size None) the longer edge to max_size."""
    _v1_transform_cls = v1.Resize

    def __init__(self, size: Union[int, Sequence[int], None], interpolation: Interpolation = "bilinear",
                 max_size: Optional[int] = None, antialias: Optional[bool] = True) -> None:
        super().__init__(interpolation, antialias)
        if isinstance(size, int):
            size = [size]
        elif isinstance(size, Sequence) and len(size) in (1, 2):
            size = list(size)
        elif size is None:
            if not isinstance(max_size, int):
                raise ValueError(f"max_size must be an integer when size is None, but got {max_size} instead.")
        else:
            raise ValueError(f"size can be an integer, a sequence of one or two integers, or None, but got {size} "
                             "instead.")
        self.size = size
        self.max_size = max_size

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.resize, inpt, self.size, interpolation=self.interpolation, max_size=self.max_size,
                                 antialias=self.antialias)


class RandomResize(_ResizeTo):
    """Resize the shorter edge to a size drawn uniformly from [min_size, max_size)."""

    def __init__(self, min_size: int, max_size: int, interpolation: Interpolation = "bilinear",
                 antialias: Optional[bool] = True) -> None:
        super().__init__(interpolation, antialias)
        self.min_size = min_size
        self.max_size = max_size

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return dict(size=[int(flambeau.randint(self.min_size, self.max_size, ()))])


class RandomShortestSize(_ResizeTo):
    """Resize the shorter edge to one of min_size (drawn uniformly), the longer edge kept within max_size."""

    def __init__(self, min_size: Union[list[int], tuple[int], int], max_size: Optional[int] = None,
                 interpolation: Interpolation = "bilinear", antialias: Optional[bool] = True) -> None:
        super().__init__(interpolation, antialias)
        self.min_size = [min_size] if isinstance(min_size, int) else list(min_size)
        self.max_size = max_size

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = query_size(flat_inputs)
        min_size = self.min_size[int(flambeau.randint(len(self.min_size), ()))]
        r = min_size / min(height, width)
        if self.max_size is not None:
            r = min(r, self.max_size / max(height, width))
        return dict(size=(int(height * r), int(width * r)))


class ScaleJitter(_ResizeTo):
    """Resize by a random factor (uniform in scale_range) of the scale that fits the image in target_size (h, w).

    Copy-paste augmentation's large scale jittering: https://arxiv.org/abs/2012.07177."""

    def __init__(self, target_size: tuple[int, int], scale_range: tuple[float, float] = (0.1, 2.0),
                 interpolation: Interpolation = "bilinear", antialias: Optional[bool] = True) -> None:
        super().__init__(interpolation, antialias)
        self.target_size = target_size
        self.scale_range = scale_range

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = query_size(flat_inputs)
        # NOTE: the factor is a float32 tensor, as torchvision's, so the products round the same way
        scale = self.scale_range[0] + flambeau.rand(1) * (self.scale_range[1] - self.scale_range[0])
        r = min(self.target_size[1] / height, self.target_size[0] / width) * scale
        return dict(size=(int(height * r), int(width * r)))


# ------------------------------------------------------------------------------------------------ crops

class CenterCrop(Transform):
    """The central (h, w) window (padded with zeros where the image is smaller)."""
    _v1_transform_cls = v1.CenterCrop

    def __init__(self, size: Union[int, Sequence[int]]) -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_ERROR)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.center_crop, inpt, output_size=self.size)


class RandomResizedCrop(Transform):
    """A window of random area (fraction in scale) and aspect ratio (log-uniform in ratio), resized to size."""
    _v1_transform_cls = v1.RandomResizedCrop

    def __init__(self, size: Union[int, Sequence[int]], scale: tuple[float, float] = (0.08, 1.0),
                 ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0), interpolation: Interpolation = "bilinear",
                 antialias: Optional[bool] = True) -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_ERROR)
        if not isinstance(scale, Sequence) or len(scale) != 2:
            raise TypeError("Scale should be a sequence of two floats.")
        if not isinstance(ratio, Sequence) or len(ratio) != 2:
            raise TypeError("Ratio should be a sequence of two floats.")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)")
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.antialias = antialias

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        top, left, height, width = v1._random_resized_crop_box(*query_size(flat_inputs), self.scale, self.ratio)
        return dict(top=top, left=left, height=height, width=width)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.resized_crop, inpt, **params, size=self.size, interpolation=self.interpolation,
                                 antialias=self.antialias)


class _ImagesOnly(Transform):
    """Five and ten crops: images and videos only (boxes and masks refused, key points passed through)."""

    def _call_kernel(self, functional: Callable, inpt: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(inpt, (tv_tensors.BoundingBoxes, tv_tensors.KeyPoints, tv_tensors.Mask)):
            warnings.warn(f"{type(self).__name__}() is currently passing through inputs of type "
                          f"tv_tensors.{type(inpt).__name__}. This will likely change in the future.")
        return super()._call_kernel(functional, inpt, *args, **kwargs)

    def check_inputs(self, flat_inputs: list[Any]) -> None:
        if has_any(flat_inputs, tv_tensors.BoundingBoxes, tv_tensors.Mask):
            raise TypeError(f"BoundingBoxes'es and Mask's are not supported by {type(self).__name__}()")


class FiveCrop(_ImagesOnly):
    """The four corner windows and the central one, as a tuple."""
    _v1_transform_cls = v1.FiveCrop

    def __init__(self, size: Union[int, Sequence[int]]) -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_ERROR)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.five_crop, inpt, self.size)


class TenCrop(_ImagesOnly):
    """FiveCrop of the image and of its horizontal (or vertical) flip."""
    _v1_transform_cls = v1.TenCrop

    def __init__(self, size: Union[int, Sequence[int]], vertical_flip: bool = False) -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_ERROR)
        self.vertical_flip = vertical_flip

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.ten_crop, inpt, self.size, vertical_flip=self.vertical_flip)


class RandomCrop(Transform):
    """A window of size at a random place, after optional padding (pad_if_needed pads images that are too
    small on both sides by the shortfall)."""
    _v1_transform_cls = v1.RandomCrop

    def __init__(self, size: Union[int, Sequence[int]], padding: Optional[Union[int, Sequence[int]]] = None,
                 pad_if_needed: bool = False, fill: Fill = 0,
                 padding_mode: Literal["constant", "edge", "reflect", "symmetric"] = "constant") -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg=_SIZE_ERROR)
        if pad_if_needed or padding is not None:
            if padding is not None:
                _check_padding_arg(padding)
            _check_padding_mode_arg(padding_mode)
        self.padding = _parse_pad_padding(padding) if padding else None  # [left, right, top, bottom]
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        self.padding_mode = padding_mode

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        padded_height, padded_width = query_size(flat_inputs)
        pad_left, pad_right, pad_top, pad_bottom = self.padding or [0, 0, 0, 0]
        padded_height += pad_top + pad_bottom
        padded_width += pad_left + pad_right
        cropped_height, cropped_width = self.size
        if self.pad_if_needed:
            if padded_height < cropped_height:
                diff = cropped_height - padded_height
                pad_top, pad_bottom, padded_height = pad_top + diff, pad_bottom + diff, padded_height + 2 * diff
            if padded_width < cropped_width:
                diff = cropped_width - padded_width
                pad_left, pad_right, padded_width = pad_left + diff, pad_right + diff, padded_width + 2 * diff
        if padded_height < cropped_height or padded_width < cropped_width:
            raise ValueError(f"Required crop size {(cropped_height, cropped_width)} is larger than "
                             f"{'padded ' if self.padding is not None else ''}input image size "
                             f"{(padded_height, padded_width)}.")
        padding = [pad_left, pad_top, pad_right, pad_bottom]
        top = int(flambeau.randint(0, padded_height - cropped_height + 1, ())) if padded_height > cropped_height else 0
        left = int(flambeau.randint(0, padded_width - cropped_width + 1, ())) if padded_width > cropped_width else 0
        return dict(needs_crop=padded_height > cropped_height or padded_width > cropped_width, top=top, left=left,
                    height=cropped_height, width=cropped_width, needs_pad=any(padding), padding=padding)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if params["needs_pad"]:
            fill = _get_fill(self._fill, type(inpt))
            inpt = self._call_kernel(F.pad, inpt, padding=params["padding"], fill=fill, padding_mode=self.padding_mode)
        if params["needs_crop"]:
            inpt = self._call_kernel(F.crop, inpt, top=params["top"], left=params["left"], height=params["height"],
                                     width=params["width"])
        return inpt


class RandomIoUCrop(Transform):
    """SSD's crop (https://arxiv.org/abs/1512.02325): a random window that overlaps some box whose centre it
    holds by at least a minimum IoU drawn from sampler_options (1.0 keeps the sample whole). Boxes whose
    centre falls outside are zeroed: follow with SanitizeBoundingBoxes to drop them."""

    def __init__(self, min_scale: float = 0.3, max_scale: float = 1.0, min_aspect_ratio: float = 0.5,
                 max_aspect_ratio: float = 2.0, sampler_options: Optional[list[float]] = None,
                 trials: int = 40) -> None:
        super().__init__()
        self.min_scale = min_scale
        self.max_scale = max_scale
        self.min_aspect_ratio = min_aspect_ratio
        self.max_aspect_ratio = max_aspect_ratio
        self.options = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0] if sampler_options is None else sampler_options
        self.trials = trials

    def check_inputs(self, flat_inputs: list[Any]) -> None:
        if not (has_all(flat_inputs, tv_tensors.BoundingBoxes)
                and has_any(flat_inputs, _is_pil_image, tv_tensors.Image, is_pure_tensor)):
            raise TypeError(f"{type(self).__name__}() requires input sample to contain tensor or PIL images and "
                            "bounding boxes. Sample can also contain masks.")

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = query_size(flat_inputs)
        boxes = get_bounding_boxes(flat_inputs)
        xyxy = convert_bounding_box_format(boxes.as_subclass(flambeau.Tensor), boxes.format,
                                           tv_tensors.BoundingBoxFormat.XYXY)
        centre_x, centre_y = 0.5 * (xyxy[..., 0] + xyxy[..., 2]), 0.5 * (xyxy[..., 1] + xyxy[..., 3])
        while True:
            min_iou = self.options[int(flambeau.randint(low=0, high=len(self.options), size=(1,)))]
            if min_iou >= 1.0:
                return dict()
            for _ in range(self.trials):
                r = self.min_scale + (self.max_scale - self.min_scale) * flambeau.rand(2)
                new_w, new_h = int(width * r[0]), int(height * r[1])
                if not self.min_aspect_ratio <= new_w / new_h <= self.max_aspect_ratio:
                    continue
                r = flambeau.rand(2)
                left, top = int((width - new_w) * r[0]), int((height - new_h) * r[1])
                right, bottom = left + new_w, top + new_h
                if left == right or top == bottom:
                    continue
                inside = (left < centre_x) & (centre_x < right) & (top < centre_y) & (centre_y < bottom)
                if not inside.any():
                    continue
                window = flambeau.tensor([[left, top, right, bottom]], dtype=xyxy.dtype, device=xyxy.device)
                if box_iou(xyxy[inside], window).max() < min_iou:
                    continue
                return dict(top=top, left=left, height=new_h, width=new_w, is_within_crop_area=inside)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if not params:
            return inpt
        output = self._call_kernel(F.crop, inpt, top=params["top"], left=params["left"], height=params["height"],
                                   width=params["width"])
        if isinstance(output, tv_tensors.BoundingBoxes):
            output[~params["is_within_crop_area"]] = 0
        return output


# ------------------------------------------------------------------------------------------------- pads

class Pad(Transform):
    """Pad the borders: padding is an int, (left-right, top-bottom) or (left, top, right, bottom)."""
    _v1_transform_cls = v1.Pad

    def __init__(self, padding: Union[int, Sequence[int]], fill: Fill = 0,
                 padding_mode: Literal["constant", "edge", "reflect", "symmetric"] = "constant") -> None:
        super().__init__()
        _check_padding_arg(padding)
        _check_padding_mode_arg(padding_mode)
        self.padding = padding if isinstance(padding, int) else list(padding)
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        self.padding_mode = padding_mode

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        fill = _get_fill(self._fill, type(inpt))
        return self._call_kernel(F.pad, inpt, padding=self.padding, fill=fill, padding_mode=self.padding_mode)


class RandomZoomOut(_RandomApplyTransform):
    """Place the sample at a random spot of a canvas side_range times larger, filled with fill
    (SSD's zoom out, https://arxiv.org/abs/1512.02325)."""

    def __init__(self, fill: Fill = 0, side_range: Sequence[float] = (1.0, 4.0), p: float = 0.5) -> None:
        super().__init__(p=p)
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        v1._check_sequence_input(side_range, "side_range", req_sizes=(2,))
        self.side_range = side_range
        if side_range[0] < 1.0 or side_range[0] > side_range[1]:
            raise ValueError(f"Invalid side range provided {side_range}.")

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = query_size(flat_inputs)
        r = self.side_range[0] + flambeau.rand(1) * (self.side_range[1] - self.side_range[0])
        canvas_width, canvas_height = int(width * r), int(height * r)
        r = flambeau.rand(2)
        left, top = int((canvas_width - width) * r[0]), int((canvas_height - height) * r[1])
        return dict(padding=[left, top, canvas_width - (left + width), canvas_height - (top + height)])

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        fill = _get_fill(self._fill, type(inpt))
        return self._call_kernel(F.pad, inpt, **params, fill=fill)


# ------------------------------------------------------------------------------------------------ warps

def _check_center(center: Optional[list[float]]) -> None:
    if center is not None:
        v1._check_sequence_input(center, "center", req_sizes=(2,))


class RandomRotation(Transform):
    """Rotate by an angle drawn uniformly from degrees ([-d, d] for a number d)."""
    _v1_transform_cls = v1.RandomRotation

    def __init__(self, degrees: Union[numbers.Number, Sequence], interpolation: Interpolation = "nearest",
                 expand: bool = False, center: Optional[list[float]] = None, fill: Fill = 0) -> None:
        super().__init__()
        self.degrees = v1._setup_angle(degrees, name="degrees", req_sizes=(2,))
        self.interpolation = interpolation
        self.expand = expand
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        _check_center(center)
        self.center = center

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return dict(angle=v1.RandomRotation.get_params(self.degrees))

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        fill = _get_fill(self._fill, type(inpt))
        return self._call_kernel(F.rotate, inpt, **params, interpolation=self.interpolation, expand=self.expand,
                                 center=self.center, fill=fill)


class RandomAffine(Transform):
    """A random rotation (degrees), translation (fractions of the size), scale and shear about the centre."""
    _v1_transform_cls = v1.RandomAffine

    def __init__(self, degrees: Union[numbers.Number, Sequence], translate: Optional[Sequence[float]] = None,
                 scale: Optional[Sequence[float]] = None, shear: Optional[Union[int, float, Sequence[float]]] = None,
                 interpolation: Interpolation = "nearest", fill: Fill = 0,
                 center: Optional[list[float]] = None) -> None:
        super().__init__()
        self.degrees = v1._setup_angle(degrees, name="degrees", req_sizes=(2,))
        if translate is not None:
            v1._check_sequence_input(translate, "translate", req_sizes=(2,))
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError("translation values should be between 0 and 1")
        self.translate = translate
        if scale is not None:
            v1._check_sequence_input(scale, "scale", req_sizes=(2,))
            if any(s <= 0 for s in scale):
                raise ValueError("scale values should be positive")
        self.scale = scale
        self.shear = None if shear is None else v1._setup_angle(shear, name="shear", req_sizes=(2, 4))
        self.interpolation = interpolation
        self.fill = fill
        self._fill = _setup_fill_arg(fill)
        _check_center(center)
        self.center = center

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = query_size(flat_inputs)
        angle, translate, scale, shear = v1.RandomAffine.get_params(self.degrees, self.translate, self.scale,
                                                                    self.shear, [width, height])
        return dict(angle=angle, translate=translate, scale=scale, shear=shear)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        fill = _get_fill(self._fill, type(inpt))
        return self._call_kernel(F.affine, inpt, **params, interpolation=self.interpolation, fill=fill,
                                 center=self.center)


class RandomPerspective(_RandomApplyTransform):
    """With probability p, move each corner at random within distortion_scale of half the size and warp."""
    _v1_transform_cls = v1.RandomPerspective

    def __init__(self, distortion_scale: float = 0.5, p: float = 0.5, interpolation: Interpolation = "bilinear",
                 fill: Fill = 0) -> None:
        super().__init__(p=p)
        if not 0 <= distortion_scale <= 1:
            raise ValueError("Argument distortion_scale value should be between 0 and 1")
        self.distortion_scale = distortion_scale
        self.interpolation = interpolation
        self.fill = fill
        self._fill = _setup_fill_arg(fill)

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = query_size(flat_inputs)
        startpoints, endpoints = v1.RandomPerspective.get_params(width, height, self.distortion_scale)
        return dict(coefficients=_get_perspective_coeffs(startpoints, endpoints))

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        fill = _get_fill(self._fill, type(inpt))
        return self._call_kernel(F.perspective, inpt, startpoints=None, endpoints=None, fill=fill,
                                 interpolation=self.interpolation, **params)


class ElasticTransform(Transform):
    """Move pixels by smooth random displacements: uniform noise in [-1, 1] blurred by a Gaussian of sigma,
    scaled by alpha (in pixels). Boxes and key points follow approximately (see elastic_bounding_boxes)."""
    _v1_transform_cls = v1.ElasticTransform

    def __init__(self, alpha: Union[float, Sequence[float]] = 50.0, sigma: Union[float, Sequence[float]] = 5.0,
                 interpolation: Interpolation = "bilinear", fill: Fill = 0) -> None:
        super().__init__()
        self.alpha = _setup_number_or_seq(alpha, "alpha")
        self.sigma = _setup_number_or_seq(sigma, "sigma")
        self.interpolation = interpolation
        self.fill = fill
        self._fill = _setup_fill_arg(fill)

    def _noise(self, height: int, width: int, sigma: float) -> flambeau.Tensor:
        noise = flambeau.rand(1, 1, height, width) * 2 - 1
        if sigma > 0.0:
            size = int(8 * sigma + 1)
            size += 1 - size % 2  # odd
            noise = gaussian_blur(noise, [size, size], list(self.sigma))
        return noise

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        height, width = query_size(flat_inputs)
        dx = self._noise(height, width, self.sigma[0]) * self.alpha[0] / width
        dy = self._noise(height, width, self.sigma[1]) * self.alpha[1] / height
        return dict(displacement=flambeau.cat([dx, dy], 1).permute([0, 2, 3, 1]))

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        fill = _get_fill(self._fill, type(inpt))
        return self._call_kernel(F.elastic, inpt, **params, fill=fill, interpolation=self.interpolation)
