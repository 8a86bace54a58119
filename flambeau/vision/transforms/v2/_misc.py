"""Miscellaneous v2 transforms: Identity, Lambda, LinearTransformation, Normalize, GaussianBlur,
GaussianNoise, ToDtype, ConvertImageDtype and the sanitizers of boxes and keypoints."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Callable, Optional, Union

import flambeau
from flambeau import Tensor
from flambeau.utils._pytree import tree_flatten, tree_unflatten
from flambeau.vision import tv_tensors

from .. import _transforms_color as _v1
from .._utils import _is_pil_image, _setup_size
from . import functional as F
from ._transform import Transform
from ._utils import _parse_labels_getter, _setup_number_or_seq, get_bounding_boxes, get_keypoints, has_any
from .functional._misc import _valid_boxes, _valid_keypoints
from .functional._utils import is_pure_tensor


class Identity(Transform):
    """The sample unchanged."""

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return inpt


class Lambda(Transform):
    """A user function applied to every leaf of the given types (any type when none are given)."""

    _transformed_types = (object,)

    def __init__(self, lambd: Callable[[Any], Any], *types: type) -> None:
        super().__init__()
        self.lambd = lambd
        self.types = types or self._transformed_types

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self.lambd(inpt) if isinstance(inpt, self.types) else inpt

    def extra_repr(self) -> str:
        name = getattr(self.lambd, "__name__", None)
        return ", ".join(([name] if name else []) + [f"types={[t.__name__ for t in self.types]}"])


class _NoPIL:
    """Mixin of the transforms that refuse samples holding PIL images."""

    def check_inputs(self, flat_inputs: list[Any]) -> None:
        if has_any(flat_inputs, _is_pil_image):
            raise TypeError(f"{type(self).__name__}() does not support PIL images.")


class LinearTransformation(_NoPIL, Transform):
    """Each flattened (C, H, W) image or frame, minus mean_vector, times a square matrix (e.g. whitening)."""

    _transformed_types = (is_pure_tensor, tv_tensors.Image, tv_tensors.Video)

    def __init__(self, transformation_matrix: Tensor, mean_vector: Tensor) -> None:
        super().__init__()
        checked = _v1.LinearTransformation(transformation_matrix, mean_vector)  # v1 checks the arguments
        self.transformation_matrix = checked.transformation_matrix
        self.mean_vector = checked.mean_vector

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        plain = inpt.as_subclass(Tensor).contiguous()
        output = _v1.LinearTransformation.forward(self, plain)  # the v1 arithmetic, on self's matrix and mean
        return tv_tensors.wrap(output, like=inpt) if isinstance(inpt, (tv_tensors.Image, tv_tensors.Video)) else output


class Normalize(_NoPIL, Transform):
    """(image - mean) / std per channel of float images and videos."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        super().__init__()
        self.mean = list(mean)
        self.std = list(std)
        self.inplace = inplace

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.normalize, inpt, mean=self.mean, std=self.std, inplace=self.inplace)


class GaussianBlur(Transform):
    """A Gaussian blur of an odd kernel size, sigma drawn uniformly from [min, max] per sample."""

    _v1_transform_cls = _v1.GaussianBlur

    def __init__(self, kernel_size: Union[int, Sequence[int]],
                 sigma: Union[int, float, Sequence[float]] = (0.1, 2.0)) -> None:
        super().__init__()
        self.kernel_size = _setup_size(kernel_size, "Kernel size should be a tuple/list of two integers")
        if any(k <= 0 or k % 2 == 0 for k in self.kernel_size):
            raise ValueError("Kernel size value should be an odd and positive number.")
        self.sigma = _setup_number_or_seq(sigma, "sigma")
        if not 0.0 < self.sigma[0] <= self.sigma[1]:
            raise ValueError(f"sigma values should be positive and of the form (min, max). Got {self.sigma}")

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        sigma = flambeau.empty(1).uniform_(self.sigma[0], self.sigma[1]).item()
        return dict(sigma=[sigma, sigma])

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.gaussian_blur, inpt, self.kernel_size, **params)


class GaussianNoise(Transform):
    """N(mean, sigma^2) noise added to float images in [0, 1] (or uint8 images, in units of 1 / 255)."""

    def __init__(self, mean: float = 0.0, sigma: float = 0.1, clip: bool = True) -> None:
        super().__init__()
        self.mean = mean
        self.sigma = sigma
        self.clip = clip

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.gaussian_noise, inpt, mean=self.mean, sigma=self.sigma, clip=self.clip)


class ToDtype(Transform):
    """Inputs cast to dtype; images and videos rescaled too when scale is True.

    A single dtype converts images, videos and plain tensors only; a dict maps types (and "others") to a
    dtype, or to None for no conversion.
    """

    _transformed_types = (Tensor,)

    def __init__(self, dtype: Union[flambeau.dtype, dict[Union[type, str], Optional[flambeau.dtype]]],
                 scale: bool = False) -> None:
        super().__init__()
        if not isinstance(dtype, (dict, flambeau.dtype)):
            raise ValueError(f"dtype must be a dict or a torch.dtype, got {type(dtype)} instead")
        if isinstance(dtype, dict) and Tensor in dtype and (tv_tensors.Image in dtype or tv_tensors.Video in dtype):
            warnings.warn("Got `dtype` values for `torch.Tensor` and either `tv_tensors.Image` or `tv_tensors.Video`. "
                          "Note that a plain `torch.Tensor` will *not* be transformed by this (or any other "
                          "transformation) in case a `tv_tensors.Image` or `tv_tensors.Video` is present in the input.")
        self.dtype = dtype
        self.scale = scale

    def _dtype_for(self, inpt: Any) -> Optional[flambeau.dtype]:
        if not isinstance(self.dtype, dict):
            return self.dtype if _is_image_like(inpt) else None
        if type(inpt) in self.dtype:
            return self.dtype[type(inpt)]
        if "others" in self.dtype:
            return self.dtype["others"]
        raise ValueError(f"No dtype was specified for type {type(inpt)}. If you only need to convert the dtype of "
                         "images or videos, you can just pass e.g. dtype=torch.float32. If you're passing a dict as "
                         'dtype, you can use "others" as a catch-all key e.g. dtype={tv_tensors.Mask: torch.int64, '
                         '"others": None} to pass-through the rest of the inputs.')

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        dtype = self._dtype_for(inpt)
        if dtype is None:
            if self.scale and isinstance(self.dtype, dict) and _is_image_like(inpt):
                warnings.warn("scale was set to True but no dtype was specified for images or videos: no scaling "
                              "will be done.")
            return inpt
        return self._call_kernel(F.to_dtype, inpt, dtype=dtype, scale=self.scale)


def _is_image_like(inpt: Any) -> bool:
    return is_pure_tensor(inpt) or isinstance(inpt, (tv_tensors.Image, tv_tensors.Video))


class ConvertImageDtype(Transform):
    """[DEPRECATED] ToDtype(dtype, scale=True)."""

    def __init__(self, dtype: flambeau.dtype = flambeau.float32) -> None:
        super().__init__()
        self.dtype = dtype

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.to_dtype, inpt, dtype=self.dtype, scale=True)


class _Sanitize(Transform):
    """Drops the boxes (or keypoints) of a sample that fail a check, with the matching rows of the labels
    (what labels_getter finds) and of the other tensors of the kinds in _sanitized."""

    _what = ""
    _sanitized: tuple[type, ...] = ()

    def _anchor(self, flat_inputs: list[Any]) -> Tensor:
        raise NotImplementedError

    def _valid(self, anchor: Any) -> Tensor:
        raise NotImplementedError

    def forward(self, *inputs: Any) -> Any:
        inputs = inputs if len(inputs) > 1 else inputs[0]
        labels = self._labels_getter(inputs)
        if labels is not None:
            labels = (labels,) if isinstance(labels, Tensor) else labels
            for entry in labels if isinstance(labels, (tuple, list)) else (labels,):
                if not isinstance(entry, Tensor):
                    raise ValueError(f"The labels in the input to forward() must be a tensor or None, got "
                                     f"{type(entry)} instead.")
        flat_inputs, spec = tree_flatten(inputs)
        anchor = self._anchor(flat_inputs)
        for label in labels or ():
            if anchor.shape[0] != label.shape[0]:
                raise ValueError(f"Number of {self._what} (shape={anchor.shape}) must match the number of labels. "
                                 f"Found labels with shape={label.shape}).")
        params = dict(valid=self._valid(anchor), labels=labels)
        return tree_unflatten([self.transform(inpt, params) for inpt in flat_inputs], spec)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        is_label = params["labels"] is not None and any(inpt is label for label in params["labels"])
        if not (is_label or isinstance(inpt, self._sanitized)):
            return inpt
        try:
            output = inpt[params["valid"]]
        except IndexError:  # e.g. a semantic mask [H, W]: not one row per box
            return inpt
        return output if is_label else tv_tensors.wrap(output, like=inpt)


class SanitizeBoundingBoxes(_Sanitize):
    """Removes boxes smaller than min_size or min_area or outside the canvas, with their labels and
    per-instance masks ([N, H, W]). labels_getter: "default" (a "labels" key), a callable returning a tensor
    or tensors to sanitize alike, or None."""

    _what = "boxes"
    _sanitized = (tv_tensors.BoundingBoxes, tv_tensors.Mask)

    def __init__(self, min_size: float = 1.0, min_area: float = 1.0,
                 labels_getter: Union[Callable[[Any], Any], str, None] = "default") -> None:
        super().__init__()
        if min_size < 1:
            raise ValueError(f"min_size must be >= 1, got {min_size}.")
        if min_area < 1:
            raise ValueError(f"min_area must be >= 1, got {min_area}.")
        self.min_size = min_size
        self.min_area = min_area
        self.labels_getter = labels_getter
        self._labels_getter = _parse_labels_getter(labels_getter)

    def _anchor(self, flat_inputs: list[Any]) -> tv_tensors.BoundingBoxes:
        return get_bounding_boxes(flat_inputs)

    def _valid(self, boxes: tv_tensors.BoundingBoxes) -> Tensor:
        return _valid_boxes(boxes.as_subclass(Tensor), boxes.format, boxes.canvas_size, self.min_size, self.min_area)


class SanitizeKeyPoints(_Sanitize):
    """Removes the keypoints (or groups of them) outside the canvas, with their labels (labels_getter as in
    SanitizeBoundingBoxes, None by default)."""

    _what = "keypoints"
    _sanitized = (tv_tensors.KeyPoints,)

    def __init__(self, labels_getter: Union[Callable[[Any], Any], str, None] = None) -> None:
        super().__init__()
        self.labels_getter = labels_getter
        self._labels_getter = _parse_labels_getter(labels_getter)

    def _anchor(self, flat_inputs: list[Any]) -> tv_tensors.KeyPoints:
        return get_keypoints(flat_inputs)

    def _valid(self, points: tv_tensors.KeyPoints) -> Tensor:
        return _valid_keypoints(points.as_subclass(Tensor), points.canvas_size)
