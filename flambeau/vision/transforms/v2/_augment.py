"""v2 augmentations: RandomErasing, the batch mixers MixUp and CutMix, and JPEG compression.

Draws come from flambeau's RNG with torchvision's calls in torchvision's order; the mixing weight of MixUp and
CutMix is one sample of flambeau.distributions.Beta(alpha, alpha).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Callable, Optional, Union

import flambeau
from flambeau.distributions import Beta
from flambeau.nn.functional import one_hot
from flambeau.utils._pytree import tree_flatten, tree_unflatten

from ... import tv_tensors
from .._transforms_color import RandomErasing as _V1RandomErasing
from .._transforms_color import _check_erasing_args, _erasing_box
from .._transforms_geometry import _check_sequence_input
from .._utils import _is_pil_image
from ._transform import Transform, _RandomApplyTransform
from ._utils import _parse_labels_getter, has_any, query_chw, query_size
from .functional import _augment as F
from .functional._utils import is_pure_tensor

__all__ = ["RandomErasing", "MixUp", "CutMix", "JPEG"]


class RandomErasing(_RandomApplyTransform):
    """With probability p, erase a random box (area fraction in scale, aspect ratio log-uniform in ratio) of the
    images and videos with value: a number, one number per channel, or "random" (normal noise)."""
    _v1_transform_cls = _V1RandomErasing

    def __init__(self, p: float = 0.5, scale: Sequence[float] = (0.02, 0.33), ratio: Sequence[float] = (0.3, 3.3),
                 value: Union[float, str, Sequence[float]] = 0.0, inplace: bool = False) -> None:
        super().__init__(p=p)
        _check_erasing_args(scale, ratio, value)
        self.scale = scale
        self.ratio = ratio
        # one value per channel as floats; None draws normal noise
        self.value = None if isinstance(value, str) else [float(v) for v in
                                                          (value if isinstance(value, (list, tuple)) else [value])]
        self.inplace = inplace

    def _call_kernel(self, functional: Callable, inpt: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(inpt, (tv_tensors.BoundingBoxes, tv_tensors.KeyPoints, tv_tensors.Mask)):
            warnings.warn(f"{type(self).__name__}() is currently passing through inputs of type "
                          f"tv_tensors.{type(inpt).__name__}. This will likely change in the future.")
        return super()._call_kernel(functional, inpt, *args, **kwargs)

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        channels, height, width = query_chw(flat_inputs)
        if self.value is not None and len(self.value) not in (1, channels):
            raise ValueError("If value is a sequence, it should have either a single value or "
                             f"{channels} (number of inpt channels)")
        box = _erasing_box(channels, height, width, self.scale, self.ratio, self.value)
        i, j, h, w, v = box if box is not None else (0, 0, height, width, None)
        return dict(i=i, j=j, h=h, w=w, v=v)

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if params["v"] is None:  # no box fitted: nothing is erased
            return inpt
        return self._call_kernel(F.erase, inpt, **params, inplace=self.inplace)


class _BaseMixUpCutMix(Transform):
    """Mixes each image of a batch with the next one (the batch rolled by one) and their labels alike."""

    def __init__(self, *, alpha: float = 1.0, num_classes: Optional[int] = None,
                 labels_getter: Union[str, Callable, None] = "default") -> None:
        super().__init__()
        self.alpha = float(alpha)
        self._dist = Beta(flambeau.tensor([alpha]), flambeau.tensor([alpha]))
        self.num_classes = num_classes
        self._labels_getter = _parse_labels_getter(labels_getter)

    def forward(self, *inputs: Any) -> Any:
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, spec = tree_flatten(inputs)
        needs_transform_list = self._needs_transform_list(flat_inputs)
        if has_any(flat_inputs, _is_pil_image, tv_tensors.BoundingBoxes, tv_tensors.Mask, tv_tensors.KeyPoints):
            raise ValueError(f"{type(self).__name__}() does not support PIL images, bounding boxes, keypoints and "
                             "masks.")
        labels = self._check_labels(self._labels_getter(inputs))
        params = {"labels": labels, "batch_size": labels.shape[0],
                  **self.make_params([inpt for inpt, needs in zip(flat_inputs, needs_transform_list) if needs])}
        # the labels are transformed too, whatever their type
        needs_transform_list[next(idx for idx, inpt in enumerate(flat_inputs) if inpt is labels)] = True
        flat_outputs = [self.transform(inpt, params) if needs else inpt
                        for inpt, needs in zip(flat_inputs, needs_transform_list)]
        return tree_unflatten(flat_outputs, spec)

    def _check_labels(self, labels: Any) -> flambeau.Tensor:
        if not isinstance(labels, flambeau.Tensor):
            raise ValueError(f"The labels must be a tensor, but got {type(labels)} instead.")
        if labels.ndim not in (1, 2):
            raise ValueError("labels should be index based with shape (batch_size,) or probability based with shape "
                             f"(batch_size, num_classes), but got a tensor of shape {labels.shape} instead.")
        if labels.ndim == 2 and self.num_classes is not None and labels.shape[-1] != self.num_classes:
            raise ValueError("When passing 2D labels, the number of elements in last dimension must match "
                             f"num_classes: {labels.shape[-1]} != {self.num_classes}. You can Leave num_classes to "
                             "None.")
        if labels.ndim == 1 and self.num_classes is None:
            raise ValueError("num_classes must be passed if the labels are index-based (1D)")
        return labels

    def _check_image_or_video(self, inpt: flambeau.Tensor, *, batch_size: int) -> None:
        expected_num_dims = 5 if isinstance(inpt, tv_tensors.Video) else 4
        if inpt.ndim != expected_num_dims:
            raise ValueError(f"Expected a batched input with {expected_num_dims} dims, but got {inpt.ndim} dimensions "
                             "instead.")
        if inpt.shape[0] != batch_size:
            raise ValueError("The batch size of the image or video does not match the batch size of the labels: "
                             f"{inpt.shape[0]} != {batch_size}.")

    def _mixup_label(self, label: flambeau.Tensor, *, lam: float) -> flambeau.Tensor:
        if label.ndim == 1:
            label = one_hot(label, num_classes=self.num_classes)
        if not label.dtype.is_floating_point:
            label = label.float()
        return label.roll(1, 0) * (1.0 - lam) + label * lam

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        if inpt is params["labels"]:
            return self._mixup_label(inpt, lam=params["label_weight"])
        if not (isinstance(inpt, (tv_tensors.Image, tv_tensors.Video)) or is_pure_tensor(inpt)):
            return inpt
        self._check_image_or_video(inpt, batch_size=params["batch_size"])
        output = self._mix(inpt.as_subclass(flambeau.Tensor), params)
        return output if is_pure_tensor(inpt) else tv_tensors.wrap(output, like=inpt)

    def _mix(self, images: flambeau.Tensor, params: dict[str, Any]) -> flambeau.Tensor:
        raise NotImplementedError


class MixUp(_BaseMixUpCutMix):
    """MixUp (https://arxiv.org/abs/1710.09412) on a batch: images and labels become lam * own + (1 - lam) *
    the previous one's, lam ~ Beta(alpha, alpha)."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        lam = float(self._dist.sample(()))
        return dict(lam=lam, label_weight=lam)

    def _mix(self, images: flambeau.Tensor, params: dict[str, Any]) -> flambeau.Tensor:
        if not images.is_floating_point():  # torchvision mixes in place, which integer images refuse
            raise RuntimeError(f"result type Float can't be cast to the desired output type {images.dtype}")
        lam = params["lam"]
        return images.roll(1, 0) * (1.0 - lam) + images * lam


class CutMix(_BaseMixUpCutMix):
    """CutMix (https://arxiv.org/abs/1905.04899) on a batch: a random box of each image is pasted from the previous
    image; labels mix by the area kept."""

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        lam = float(self._dist.sample(()))
        height, width = query_size(flat_inputs)
        centre_x, centre_y = int(flambeau.randint(width, size=(1,))), int(flambeau.randint(height, size=(1,)))
        r = 0.5 * math.sqrt(1.0 - lam)
        half_w, half_h = int(r * width), int(r * height)
        x1, y1 = max(centre_x - half_w, 0), max(centre_y - half_h, 0)
        x2, y2 = min(centre_x + half_w, width), min(centre_y + half_h, height)
        # the weight of each image's own label is the fraction of it left after pasting
        return dict(box=(x1, y1, x2, y2), label_weight=float(1.0 - (x2 - x1) * (y2 - y1) / (width * height)))

    def _mix(self, images: flambeau.Tensor, params: dict[str, Any]) -> flambeau.Tensor:
        x1, y1, x2, y2 = params["box"]
        output = images.clone()
        output[..., y1:y2, x1:x2] = images.roll(1, 0)[..., y1:y2, x1:x2]
        return output


class JPEG(Transform):
    """JPEG-compress images at a quality drawn uniformly from quality's [low, high] (one int: that quality)."""

    def __init__(self, quality: Union[int, Sequence[int]]) -> None:
        super().__init__()
        if isinstance(quality, int):
            if isinstance(quality, bool):
                raise TypeError("quality can't be bool")
            quality = [quality, quality]
        else:
            _check_sequence_input(quality, "quality", req_sizes=(2,))
        if not (1 <= quality[0] <= quality[1] <= 100 and isinstance(quality[0], int) and isinstance(quality[1], int)):
            raise ValueError(f"quality must be an integer from 1 to 100, got {quality =}")
        self.quality = quality

    def make_params(self, flat_inputs: list[Any]) -> dict[str, Any]:
        return dict(quality=int(flambeau.randint(self.quality[0], self.quality[1] + 1, ())))

    def transform(self, inpt: Any, params: dict[str, Any]) -> Any:
        return self._call_kernel(F.jpeg, inpt, quality=params["quality"])
