"""ImageList: a batch of images of different sizes, padded into one tensor, with each image's own size."""
from __future__ import annotations

from flambeau import Tensor, device as Device


class ImageList:
    """tensors: the padded (N, C, H, W) batch; image_sizes: each image's (height, width) before padding."""

    def __init__(self, tensors: Tensor, image_sizes: list[tuple[int, int]]) -> None:
        self.tensors = tensors
        self.image_sizes = image_sizes

    def to(self, device: Device) -> ImageList:
        return ImageList(self.tensors.to(device), self.image_sizes)
