"""KITTI 2D object detection: camera images (image_2) with per-object labels (label_2)."""
from __future__ import annotations

import csv
import os
import pathlib
from typing import Any, Callable, Optional, Union

from .._pil import pil_image
from .utils import download_and_extract_archive
from .vision import VisionDataset

__all__ = ["Kitti"]


class Kitti(VisionDataset):
    """Training (`train=True`, with targets) or testing images under `root/Kitti/raw/`. A target is a
    list of dicts per object: type, truncated, occluded, alpha, bbox, dimensions, location, rotation_y."""

    data_url = "https://s3.eu-central-1.amazonaws.com/avg-kitti/"
    resources = ["data_object_image_2.zip", "data_object_label_2.zip"]
    image_dir_name = "image_2"
    labels_dir_name = "label_2"

    def __init__(self, root: Union[str, pathlib.Path], train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, transforms: Optional[Callable] = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform, transforms=transforms)
        self.train = train
        self._location = "training" if train else "testing"
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {os.path.join(self._raw_folder, self._location)} lacks "
                               f"{self.image_dir_name}/{' or ' + self.labels_dir_name + '/' if train else ''}. "
                               "You may use download=True to download it.")
        image_dir = os.path.join(self._raw_folder, self._location, self.image_dir_name)
        labels_dir = os.path.join(self._raw_folder, self._location, self.labels_dir_name)
        # NOTE: sorted, so the order does not depend on the file system (torchvision keeps listdir's order)
        names = sorted(os.listdir(image_dir))
        self.images = [os.path.join(image_dir, name) for name in names]
        self.targets = [os.path.join(labels_dir, f"{name.split('.')[0]}.txt") for name in names] if train else []

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = pil_image().open(self.images[index])
        target = self._parse_target(index) if self.train else None
        if self.transforms:
            image, target = self.transforms(image, target)
        return image, target

    def _parse_target(self, index: int) -> list:
        with open(self.targets[index]) as f:
            return [{"type": row[0], "truncated": float(row[1]), "occluded": int(row[2]), "alpha": float(row[3]),
                     "bbox": [float(x) for x in row[4:8]], "dimensions": [float(x) for x in row[8:11]],
                     "location": [float(x) for x in row[11:14]], "rotation_y": float(row[14])}
                    for row in csv.reader(f, delimiter=" ")]

    def __len__(self) -> int:
        return len(self.images)

    @property
    def _raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    def _check_exists(self) -> bool:
        folders = [self.image_dir_name] + ([self.labels_dir_name] if self.train else [])
        return all(os.path.isdir(os.path.join(self._raw_folder, self._location, name)) for name in folders)

    def download(self) -> None:
        if self._check_exists():
            return
        os.makedirs(self._raw_folder, exist_ok=True)
        for name in self.resources:
            download_and_extract_archive(url=f"{self.data_url}{name}", download_root=self._raw_folder, filename=name)
