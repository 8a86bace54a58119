"""FakeData: random images, the same ones for the same index on every call and every run."""
from __future__ import annotations

from typing import Any, Callable, Optional

import flambeau

from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """`size` random PIL images of `image_size` (C, H, W) with random targets in [0, num_classes).

    Sample i is drawn from a generator seeded with `i + random_offset`, so it never changes and does
    not disturb flambeau's global RNG (torchvision seeds and restores the global one to the same end)."""

    def __init__(self, size: int = 1000, image_size: tuple[int, int, int] = (3, 224, 224), num_classes: int = 10,
                 transform: Optional[Callable] = None, target_transform: Optional[Callable] = None,
                 random_offset: int = 0) -> None:
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        from ..transforms.functional import to_pil_image

        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        generator = flambeau.Generator().manual_seed(index + self.random_offset)
        img = flambeau.randn(*self.image_size, generator=generator)
        target = flambeau.randint(0, self.num_classes, size=(1,), dtype=flambeau.long, generator=generator)[0]
        img, target = self._apply_transforms(to_pil_image(img), target)
        return img, target.item()  # after target_transform, as torchvision

    def __len__(self) -> int:
        return self.size
