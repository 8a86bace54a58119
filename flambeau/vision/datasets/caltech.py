"""Caltech101 and Caltech256: object categories, one folder of numbered images per category."""
from __future__ import annotations

import os
import pathlib
import shutil
from typing import Any, Callable, Optional, Union

from .._pil import pil_image
from .utils import download_and_extract_archive, extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["Caltech101", "Caltech256"]


class _NumberedCategories(VisionDataset):
    """What Caltech101 and Caltech256 share: `root/<_FOLDER>/<category>/` folders of images
    numbered from 1, indexed as (number within the category, category index) per image."""

    _FOLDER: str

    def _images(self, category: str) -> str:
        return os.path.join(self.root, self._FOLDER, category)

    def _check_integrity(self) -> bool:
        return os.path.exists(self._images(""))

    def _download_or_check(self, download: bool) -> None:
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: {self._images('')} is missing. "
                               "You can use download=True to download it")

    def _index_images(self, categories: list[str], count: Callable[[str], int]) -> None:
        """Sets self.categories, self.index (image numbers) and self.y (category indices)."""
        self.categories = categories
        self.index: list[int] = []
        self.y: list[int] = []
        for i, category in enumerate(categories):
            n = count(self._images(category))
            self.index.extend(range(1, n + 1))
            self.y.extend([i] * n)

    def __len__(self) -> int:
        return len(self.index)


class Caltech101(_NumberedCategories):
    """Images under `root/caltech101/101_ObjectCategories/<category>/image_NNNN.jpg` (the
    BACKGROUND_Google folder left out); `target_type` 'category' and/or 'annotation' (the object
    contour from Annotations/, read with scipy). Images keep their own mode (some are grayscale)."""

    # the Annotations/ folders of these categories are named differently
    _ANNOTATION_NAMES = {"Faces": "Faces_2", "Faces_easy": "Faces_3", "Motorbikes": "Motorbikes_16",
                         "airplanes": "Airplanes_Side_2"}
    _FOLDER = "101_ObjectCategories"

    def __init__(self, root: Union[str, pathlib.Path], target_type: Union[list[str], str] = "category",
                 transform: Optional[Callable] = None, target_transform: Optional[Callable] = None,
                 download: bool = False) -> None:
        super().__init__(os.path.join(root, "caltech101"), transform=transform, target_transform=target_transform)
        if isinstance(target_type, str):
            target_type = [target_type]
        self.target_type = [verify_str_arg(t, "target_type", ("category", "annotation")) for t in target_type]
        self._download_or_check(download)
        categories = sorted(c for c in os.listdir(self._images("")) if c != "BACKGROUND_Google")
        self._index_images(categories, lambda folder: len(os.listdir(folder)))
        self.annotation_categories = [self._ANNOTATION_NAMES.get(c, c) for c in self.categories]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        category, number = self.y[index], self.index[index]
        img = pil_image().open(os.path.join(self._images(self.categories[category]), f"image_{number:04d}.jpg"))
        target: Any = []
        for kind in self.target_type:
            if kind == "category":
                target.append(category)
            else:
                import scipy.io

                path = os.path.join(self.root, "Annotations", self.annotation_categories[category],
                                    f"annotation_{number:04d}.mat")
                target.append(scipy.io.loadmat(path)["obj_contour"])
        return self._apply_transforms(img, tuple(target) if len(target) > 1 else target[0])

    def download(self) -> None:
        if self._check_integrity():
            return
        download_and_extract_archive("https://data.caltech.edu/records/mzrjq-6wc02/files/caltech-101.zip",
                                     download_root=self.root, filename="caltech-101.zip",
                                     md5="3138e1922a9193bfa496528edbbc45d0")
        inner = os.path.join(self.root, "caltech-101")  # the zip holds the image and annotation tarballs
        for name in os.listdir(inner):
            if name.endswith(".gz"):
                extract_archive(os.path.join(inner, name), self.root)
        shutil.rmtree(inner)
        os.remove(os.path.join(self.root, "caltech-101.zip"))

    def extra_repr(self) -> str:
        return f"Target type: {self.target_type}"


class Caltech256(_NumberedCategories):
    """Images under `root/caltech256/256_ObjectCategories/NNN.name/NNN_MMMM.jpg`; targets 0..256."""

    _FOLDER = "256_ObjectCategories"

    def __init__(self, root: str, transform: Optional[Callable] = None, target_transform: Optional[Callable] = None,
                 download: bool = False) -> None:
        super().__init__(os.path.join(root, "caltech256"), transform=transform, target_transform=target_transform)
        self._download_or_check(download)
        self._index_images(sorted(os.listdir(self._images(""))),
                           lambda folder: len([f for f in os.listdir(folder) if f.endswith(".jpg")]))

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        category = self.y[index]
        name = f"{category + 1:03d}_{self.index[index]:04d}.jpg"
        return self._apply_transforms(pil_image().open(os.path.join(self._images(self.categories[category]), name)),
                                      category)

    def download(self) -> None:
        if self._check_integrity():
            return
        download_and_extract_archive("https://data.caltech.edu/records/nyy15-4j048/files/256_ObjectCategories.tar",
                                     self.root, filename="256_ObjectCategories.tar",
                                     md5="67b4f42ca05d46448c6bb8ecd2220f6d")
