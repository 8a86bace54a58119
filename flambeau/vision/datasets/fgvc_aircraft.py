"""FGVC-Aircraft: 10,000 aircraft images labelled by variant, family or manufacturer."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

from .folder import default_loader
from .utils import download_and_extract_archive, verify_str_arg
from .vision import _LabelledImageFiles

__all__ = ["FGVCAircraft"]

_CLASS_FILES = {"variant": "variants.txt", "family": "families.txt", "manufacturer": "manufacturers.txt"}


class FGVCAircraft(_LabelledImageFiles):
    """Split 'train', 'val', 'trainval' or 'test'; `annotation_level` 'variant' (100 classes), 'family'
    (70) or 'manufacturer' (30)."""

    _URL = "https://www.robots.ox.ac.uk/~vgg/data/fgvc-aircraft/archives/fgvc-aircraft-2013b.tar.gz"

    def __init__(self, root: Union[str, pathlib.Path], split: str = "trainval", annotation_level: str = "variant",
                 transform: Optional[Callable] = None, target_transform: Optional[Callable] = None,
                 download: bool = False, loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "val", "trainval", "test"))
        self._annotation_level = verify_str_arg(annotation_level, "annotation_level", tuple(_CLASS_FILES))
        self._data_path = os.path.join(self.root, "fgvc-aircraft-2013b")
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {self._data_path} is missing. "
                               "You can use download=True to download it")
        data = os.path.join(self._data_path, "data")
        with open(os.path.join(data, _CLASS_FILES[self._annotation_level])) as f:
            self.classes = [line.strip() for line in f]
        self.class_to_idx = dict(zip(self.classes, range(len(self.classes))))
        self._image_files, self._labels = [], []
        with open(os.path.join(data, f"images_{self._annotation_level}_{self._split}.txt")) as f:
            for line in f:
                image_name, label_name = line.strip().split(" ", 1)  # class names contain spaces
                self._image_files.append(os.path.join(data, "images", f"{image_name}.jpg"))
                self._labels.append(self.class_to_idx[label_name])
        self.loader = loader

    def _download(self) -> None:
        if self._check_exists():
            return
        download_and_extract_archive(self._URL, self.root)

    def _check_exists(self) -> bool:
        return os.path.isdir(self._data_path)
