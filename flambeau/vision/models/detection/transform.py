"""GeneralizedRCNNTransform: the detectors' input pipeline (normalize, resize so the short side is min_size
without the long side passing max_size, pad into one batch) and the mapping of predictions back onto the
original images."""
from __future__ import annotations

import math
from typing import Any

import flambeau
from flambeau import Tensor, nn
from flambeau.nn import functional as F

from ._utils import _assert
from .image_list import ImageList
from .roi_heads import paste_masks_in_image


def _resize_image_and_masks(image: Tensor, self_min_size: int, self_max_size: int,
                            target: dict[str, Tensor] | None = None,
                            fixed_size: tuple[int, int] | None = None) -> tuple[Tensor, dict[str, Tensor] | None]:
    """Bilinear resize of one (C, H, W) image, either to fixed_size (width, height) or by the scale that brings
    the short side to self_min_size unless the long side would pass self_max_size; target["masks"] follow
    with nearest interpolation."""
    if fixed_size is not None:
        size, scale_factor, recompute = [fixed_size[1], fixed_size[0]], None, None
    else:
        short, long = min(image.shape[-2:]), max(image.shape[-2:])
        size, scale_factor, recompute = None, min(self_min_size / short, self_max_size / long), True
    image = F.interpolate(image[None], size=size, scale_factor=scale_factor, mode="bilinear",
                          recompute_scale_factor=recompute, align_corners=False)[0]
    if target is not None and "masks" in target:
        masks = F.interpolate(target["masks"][:, None].float(), size=size, scale_factor=scale_factor,
                              recompute_scale_factor=recompute)
        target["masks"] = masks[:, 0].byte()
    return image, target


def _size_ratios(original_size: list[int], new_size: list[int], device: flambeau.device) -> list[Tensor]:
    """new / original for height and width, as float32 scalars (torchvision's rounding)."""
    return [flambeau.tensor(s, dtype=flambeau.float32, device=device)
            / flambeau.tensor(s_orig, dtype=flambeau.float32, device=device)
            for s, s_orig in zip(new_size, original_size)]


def resize_keypoints(keypoints: Tensor, original_size: list[int], new_size: list[int]) -> Tensor:
    """Scale the x, y of (N, K, 3) keypoints from an image of original_size (h, w) to one of new_size."""
    ratio_h, ratio_w = _size_ratios(original_size, new_size, keypoints.device)
    resized = keypoints.clone()
    resized[..., 0] *= ratio_w
    resized[..., 1] *= ratio_h
    return resized


def resize_boxes(boxes: Tensor, original_size: list[int], new_size: list[int]) -> Tensor:
    """Scale (N, 4) xyxy boxes from an image of original_size (h, w) to one of new_size."""
    ratio_height, ratio_width = _size_ratios(original_size, new_size, boxes.device)
    xmin, ymin, xmax, ymax = boxes.unbind(1)
    return flambeau.stack((xmin * ratio_width, ymin * ratio_height, xmax * ratio_width, ymax * ratio_height), dim=1)


class GeneralizedRCNNTransform(nn.Module):
    """Normalizes and resizes a list of images (and their targets' boxes, masks and keypoints) and pads them
    into an ImageList whose height and width are multiples of size_divisible. In training, the short side is
    drawn among min_size; in evaluation it is min_size[-1]."""

    def __init__(self, min_size: int, max_size: int, image_mean: list[float], image_std: list[float],
                 size_divisible: int = 32, fixed_size: tuple[int, int] | None = None, **kwargs: Any) -> None:
        super().__init__()
        if not isinstance(min_size, (list, tuple)):
            min_size = (min_size,)
        self.min_size = min_size
        self.max_size = max_size
        self.image_mean = image_mean
        self.image_std = image_std
        self.size_divisible = size_divisible
        self.fixed_size = fixed_size
        self._skip_resize = kwargs.pop("_skip_resize", False)

    def forward(self, images: list[Tensor], targets: list[dict[str, Tensor]] | None = None
                ) -> tuple[ImageList, list[dict[str, Tensor]] | None]:
        images = list(images)
        if targets is not None:
            targets = [dict(t) for t in targets]  # the caller's dicts stay untouched
        for i, image in enumerate(images):
            if image.dim() != 3:
                raise ValueError(f"images is expected to be a list of 3d tensors of shape [C, H, W], got {image.shape}")
            target = targets[i] if targets is not None else None
            image, target = self.resize(self.normalize(image), target)
            images[i] = image
            if targets is not None and target is not None:
                targets[i] = target
        image_sizes = [tuple(img.shape[-2:]) for img in images]
        for image_size in image_sizes:
            _assert(len(image_size) == 2, "Input tensors expected to have in the last two elements H and W, "
                                          f"instead got {image_size}")
        return ImageList(self.batch_images(images, size_divisible=self.size_divisible), image_sizes), targets

    def normalize(self, image: Tensor) -> Tensor:
        if not image.is_floating_point():
            raise TypeError(f"Expected input images to be of floating type (in range [0, 1]), but found type "
                            f"{image.dtype} instead")
        mean = flambeau.as_tensor(self.image_mean, dtype=image.dtype, device=image.device)
        std = flambeau.as_tensor(self.image_std, dtype=image.dtype, device=image.device)
        return (image - mean[:, None, None]) / std[:, None, None]

    def torch_choice(self, k: list[int]) -> int:
        """random.choice(k) drawn from flambeau's generator, so manual_seed makes it reproducible."""
        return k[int(flambeau.empty(1).uniform_(0.0, float(len(k))).item())]

    def resize(self, image: Tensor, target: dict[str, Tensor] | None = None
               ) -> tuple[Tensor, dict[str, Tensor] | None]:
        h, w = image.shape[-2:]
        if self.training:
            if self._skip_resize:
                return image, target
            size = self.torch_choice(self.min_size)
        else:
            size = self.min_size[-1]
        image, target = _resize_image_and_masks(image, size, self.max_size, target, self.fixed_size)
        if target is None:
            return image, target
        target["boxes"] = resize_boxes(target["boxes"], (h, w), image.shape[-2:])
        if "keypoints" in target:
            target["keypoints"] = resize_keypoints(target["keypoints"], (h, w), image.shape[-2:])
        return image, target

    def max_by_axis(self, the_list: list[list[int]]) -> list[int]:
        return [max(sizes) for sizes in zip(*the_list)]

    def batch_images(self, images: list[Tensor], size_divisible: int = 32) -> Tensor:
        """Zero-pad the images at the bottom and right into one (N, C, H, W) tensor, H and W rounded up to
        multiples of size_divisible."""
        max_size = self.max_by_axis([list(img.shape) for img in images])
        for axis in (1, 2):
            max_size[axis] = int(math.ceil(float(max_size[axis]) / size_divisible) * size_divisible)
        padded = [F.pad(img, (0, max_size[2] - img.shape[2], 0, max_size[1] - img.shape[1],
                              0, max_size[0] - img.shape[0])) for img in images]
        return flambeau.stack(padded)

    def postprocess(self, result: list[dict[str, Tensor]], image_shapes: list[tuple[int, int]],
                    original_image_sizes: list[tuple[int, int]]) -> list[dict[str, Tensor]]:
        """Map boxes, masks and keypoints predicted on the resized images back onto the original ones."""
        if self.training:
            return result
        for pred, im_s, o_im_s in zip(result, image_shapes, original_image_sizes):
            pred["boxes"] = resize_boxes(pred["boxes"], im_s, o_im_s)
            if "masks" in pred:
                pred["masks"] = paste_masks_in_image(pred["masks"], pred["boxes"], o_im_s)
            if "keypoints" in pred:
                pred["keypoints"] = resize_keypoints(pred["keypoints"], im_s, o_im_s)
        return result

    def __repr__(self) -> str:
        indent = "\n    "
        return (f"{self.__class__.__name__}({indent}Normalize(mean={self.image_mean}, std={self.image_std})"
                f"{indent}Resize(min_size={self.min_size}, max_size={self.max_size}, mode='bilinear')\n)")
