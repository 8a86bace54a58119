"""USPS handwritten digits (16x16) from LIBSVM's bz2 text files."""
from __future__ import annotations

import bz2
import os
import pathlib
from typing import Any, Callable, Optional, Union

import numpy as np

from .._pil import pil_image
from .utils import download_url
from .vision import VisionDataset

__all__ = ["USPS"]


def _parse_line(path: str, number: int, line: str) -> tuple[int, list[str]]:
    """(label, 256 pixel strings) of one 'label 1:v1 2:v2 ... 256:v256' line."""
    fields = line.split()
    pairs = [field.partition(":") for field in fields[1:]]
    if len(pairs) != 256 or any(index != str(i) or not sep for i, (index, sep, _) in enumerate(pairs, 1)):
        raise RuntimeError(f"{path}, line {number}: expected a label then 256 pixels '1:v ... 256:v'")
    return int(fields[0]), [value for _, _, value in pairs]


class USPS(VisionDataset):
    """USPS: 7,291 training and 2,007 test 16x16 grayscale digits.

    The files store pixels in [-1, 1] and labels 1..10; `data` is a uint8 numpy array (N, 16, 16)
    scaled to [0, 255] (truncated, as torchvision) and `targets` a list of ints 0..9."""

    split_list = {
        "train": ["https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.bz2", "usps.bz2",
                  "ec16c51db3855ca6c91edd34d0e9b197"],
        "test": ["https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.t.bz2", "usps.t.bz2",
                 "8ea070ee2aca1ac39742fdd1ef5ed118"],
    }

    def __init__(self, root: Union[str, pathlib.Path], train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        url, filename, md5 = self.split_list["train" if train else "test"]
        path = os.path.join(self.root, filename)
        if download and not os.path.exists(path):
            download_url(url, self.root, filename, md5=md5)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Dataset not found: {path} is missing. You can use download=True to download it")
        try:
            with bz2.open(path, "rt") as f:
                rows = [_parse_line(path, i, line) for i, line in enumerate(f, 1) if line.strip()]
        except (OSError, EOFError) as e:
            raise RuntimeError(f"{path}: corrupt or truncated bz2 file ({e})") from e
        pixels = np.asarray([values for _, values in rows], dtype=np.float32).reshape(-1, 16, 16)
        self.data = ((pixels + 1) / 2 * 255).astype(np.uint8)
        self.targets = [label - 1 for label, _ in rows]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self._apply_transforms(pil_image().fromarray(self.data[index]), int(self.targets[index]))

    def __len__(self) -> int:
        return len(self.data)
