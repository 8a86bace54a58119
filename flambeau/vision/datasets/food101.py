"""Food-101: 101,000 images of 101 dishes, split by the meta/{train,test}.json lists."""
from __future__ import annotations

import json
import pathlib
from typing import Any, Callable, Optional, Union

from .folder import default_loader
from .utils import download_and_extract_archive, verify_str_arg
from .vision import _LabelledImageFiles

__all__ = ["Food101"]


class Food101(_LabelledImageFiles):
    """Split 'train' (750 images per class) or 'test' (250); classes are the sorted dish names."""

    _URL = "http://data.vision.ee.ethz.ch/cvl/food-101.tar.gz"
    _MD5 = "85eeb15f3717b99a5da872d97d918f87"

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Callable[[Union[str, pathlib.Path]], Any] = default_loader) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "test"))
        self._base_folder = pathlib.Path(self.root) / "food-101"
        self._meta_folder = self._base_folder / "meta"
        self._images_folder = self._base_folder / "images"
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {self._meta_folder} or {self._images_folder} is missing. "
                               "You can use download=True to download it")
        with open(self._meta_folder / f"{split}.json") as f:
            metadata = json.load(f)  # {class: ["class/image_id", ...]}
        self.classes = sorted(metadata)
        self.class_to_idx = dict(zip(self.classes, range(len(self.classes))))
        self._labels, self._image_files = [], []
        for name, paths in metadata.items():
            self._labels += [self.class_to_idx[name]] * len(paths)
            self._image_files += [self._images_folder.joinpath(*f"{path}.jpg".split("/")) for path in paths]
        self.loader = loader

    def extra_repr(self) -> str:
        return f"split={self._split}"

    def _check_exists(self) -> bool:
        return self._meta_folder.is_dir() and self._images_folder.is_dir()

    def _download(self) -> None:
        if self._check_exists():
            return
        download_and_extract_archive(self._URL, download_root=self.root, md5=self._MD5)
