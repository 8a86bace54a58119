"""VisionDataset, the base of the image datasets, and StandardTransform (torchvision.datasets.vision)."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

from flambeau.utils.data import Dataset

from .._pil import pil_image


def _indented_repr(transform: Callable, head: str) -> list[str]:
    """`transform`'s repr lines, the first after `head`, the rest aligned under it."""
    lines = repr(transform).splitlines()
    return [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]


def _transform_pair(transform: Optional[Callable], target_transform: Optional[Callable], sample: Any,
                    target: Any) -> tuple[Any, Any]:
    """(transform(sample), target_transform(target)), a None transform leaving its side as it is."""
    if transform is not None:
        sample = transform(sample)
    if target_transform is not None:
        target = target_transform(target)
    return sample, target


class StandardTransform:
    """Applies `transform` to the input and `target_transform` to the target."""

    def __init__(self, transform: Optional[Callable] = None, target_transform: Optional[Callable] = None) -> None:
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input: Any, target: Any) -> tuple[Any, Any]:
        return _transform_pair(self.transform, self.target_transform, input, target)

    def __repr__(self) -> str:
        body = [type(self).__name__]
        if self.transform is not None:
            body += _indented_repr(self.transform, "Transform: ")
        if self.target_transform is not None:
            body += _indented_repr(self.target_transform, "Target transform: ")
        return "\n".join(body)


class VisionDataset(Dataset):
    """Base of the vision datasets: holds `root` and the transforms; subclasses define
    __getitem__ and __len__. `transforms` (applied to (input, target) together) and
    `transform`/`target_transform` are mutually exclusive."""

    _repr_indent = 4

    def __init__(self, root: Union[str, pathlib.Path, None] = None, transforms: Optional[Callable] = None,
                 transform: Optional[Callable] = None, target_transform: Optional[Callable] = None) -> None:
        if isinstance(root, str):
            root = os.path.expanduser(root)
        self.root = root
        has_separate = transform is not None or target_transform is not None
        if transforms is not None and has_separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        if has_separate:
            transforms = StandardTransform(transform, target_transform)
        self.transforms = transforms

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    def _apply_transforms(self, sample: Any, target: Any) -> tuple[Any, Any]:
        """`transform` on the sample, `target_transform` on the target, looked up at each call (code
        often reassigns `dataset.transform` after construction, which `self.transforms` would miss)."""
        return _transform_pair(self.transform, self.target_transform, sample, target)

    def __repr__(self) -> str:
        body = [f"Number of datapoints: {self.__len__()}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if getattr(self, "transforms", None) is not None:
            body += [repr(self.transforms)]
        indent = " " * self._repr_indent
        return "\n".join([f"Dataset {type(self).__name__}"] + [indent + line for line in body])

    def _format_transform_repr(self, transform: Callable, head: str) -> list[str]:
        return _indented_repr(transform, head)

    def extra_repr(self) -> str:
        return ""


class _LabelledImageFiles(VisionDataset):
    """A list of image files with one target each (a class index, or None in an unlabelled split),
    read by `self.loader`: the subclass's __init__ sets `_image_files`, `_labels` and `loader`."""

    _image_files: list[Union[str, pathlib.Path]]
    _labels: list[Optional[int]]
    loader: Callable[[Union[str, pathlib.Path]], Any]

    def __len__(self) -> int:
        return len(self._image_files)

    def __getitem__(self, idx: int) -> tuple[Any, Any]:
        return self._apply_transforms(self.loader(self._image_files[idx]), self._labels[idx])


class _RGBImageWithTarget(VisionDataset):
    """RGB images at `self.images`, each with the target `_load_target(index)` reads, through the
    joint `transforms` (the segmentation datasets: VOC, SBD, Cityscapes)."""

    images: list[str]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = pil_image().open(self.images[index]).convert("RGB")
        target = self._load_target(index)
        if self.transforms is not None:
            img, target = self.transforms(img, target)
        return img, target

    def __len__(self) -> int:
        return len(self.images)

    def _load_target(self, index: int) -> Any:
        raise NotImplementedError
