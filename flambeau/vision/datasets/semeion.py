"""SEMEION handwritten digits: 1,593 16x16 binary images in one text file."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

import numpy as np

from .._pil import pil_image
from .utils import check_integrity, download_url
from .vision import VisionDataset

__all__ = ["SEMEION"]


class SEMEION(VisionDataset):
    """Each line holds 256 pixels in {0, 1} then a one-hot label of 10 columns; `data` is a uint8
    numpy array (N, 16, 16) of 0/255 and `labels` the class of each row. Downloads by default, as in
    torchvision."""

    url = "http://archive.ics.uci.edu/ml/machine-learning-databases/semeion/semeion.data"
    filename = "semeion.data"
    md5_checksum = "cb545d371d2ce14ec121470795a77432"

    def __init__(self, root: Union[str, pathlib.Path], transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = True) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        if download:
            self.download()
        path = os.path.join(self.root, self.filename)
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: {path} is missing or fails its MD5 check. "
                               "You can use download=True to download it")
        table = np.loadtxt(path, ndmin=2)
        if table.shape[1] != 266:
            raise RuntimeError(f"{path}: expected 266 columns (256 pixels, 10 one-hot label columns), "
                               f"found {table.shape[1]}")
        self.data = (table[:, :256] * 255).astype(np.uint8).reshape(-1, 16, 16)
        self.labels = np.nonzero(table[:, 256:])[1]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self._apply_transforms(pil_image().fromarray(self.data[index]), int(self.labels[index]))

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        return check_integrity(os.path.join(self.root, self.filename), self.md5_checksum)

    def download(self) -> None:
        if self._check_integrity():
            return
        download_url(self.url, self.root, self.filename, self.md5_checksum)
