"""STL10: 96x96 colour images in 10 classes plus 100,000 unlabeled ones, from the binary release."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

import numpy as np

from .._pil import pil_image
from ._checked_archive import _ChecksummedArchive
from .utils import verify_str_arg
from .vision import VisionDataset

__all__ = ["STL10"]

_IMAGE_BYTES = 3 * 96 * 96


class STL10(_ChecksummedArchive, VisionDataset):
    """STL-10, split 'train', 'test', 'unlabeled' or 'train+unlabeled'; `folds` (0-9) picks one of the
    ten predefined 1,000-image training folds.

    `data` is a uint8 numpy array (N, 3, 96, 96); `labels` holds 0..9 (uint8 for 'train'/'test', int64
    with -1 for unlabeled images otherwise, as in torchvision)."""

    base_folder = "stl10_binary"
    url = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"
    filename = "stl10_binary.tar.gz"
    tgz_md5 = "91f7769df0f17e558f3565bffb0c7dfb"
    class_names_file = "class_names.txt"
    folds_list_file = "fold_indices.txt"
    train_list = [
        ["train_X.bin", "918c2871b30a85fa023e0c44e0bee87f"],
        ["train_y.bin", "5a34089d4802c674881badbb80307741"],
        ["unlabeled_X.bin", "5242ba1fed5e4be9e1e742405eb56ca4"],
    ]
    test_list = [["test_X.bin", "7f263ba9f9e0b06b93213547f721ac82"], ["test_y.bin", "36f9794fa4beb8a2c72628de14fa638e"]]
    splits = ("train", "train+unlabeled", "unlabeled", "test")

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", folds: Optional[int] = None,
                 transform: Optional[Callable] = None, target_transform: Optional[Callable] = None,
                 download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", self.splits)
        self.folds = self._verify_folds(folds)
        if download:
            self.download()
        elif not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: a file under {self._path('')} is missing or fails "
                               "its MD5 check. You can use download=True to download it")
        if split == "test":
            self.data, self.labels = self._images("test_X.bin"), self._labels("test_y.bin")
        else:
            parts, labels = [], []
            if split != "unlabeled":
                data, targets = self._select_fold(self._images("train_X.bin"), self._labels("train_y.bin"))
                parts.append(data)
                labels.append(targets)
            if split != "train":
                parts.append(self._images("unlabeled_X.bin"))
                labels.append(np.full(len(parts[-1]), -1, np.int64))
            self.data, self.labels = np.concatenate(parts), np.concatenate(labels)
        class_file = self._path(self.class_names_file)
        if os.path.isfile(class_file):
            with open(class_file) as f:
                self.classes = f.read().splitlines()

    def _path(self, name: str) -> str:
        return os.path.join(self.root, self.base_folder, name)

    def _images(self, name: str) -> np.ndarray:
        raw = np.fromfile(self._path(name), dtype=np.uint8)
        if raw.size % _IMAGE_BYTES:
            raise RuntimeError(f"{self._path(name)}: {raw.size} bytes is not a whole number of 3x96x96 images")
        return raw.reshape(-1, 3, 96, 96).transpose(0, 1, 3, 2)  # stored column-major per channel

    def _labels(self, name: str) -> np.ndarray:
        raw = np.fromfile(self._path(name), dtype=np.uint8)
        if raw.size and raw.min() == 0:
            raise RuntimeError(f"{self._path(name)}: STL10 labels count from 1, found a 0")
        return raw - 1  # uint8 0..9, as torchvision keeps them

    @staticmethod
    def _verify_folds(folds: Optional[int]) -> Optional[int]:
        if folds is None:
            return folds
        if not isinstance(folds, int):
            raise ValueError(f"Expected type None or int for argument folds, but got type {type(folds)}.")
        if folds not in range(10):
            raise ValueError(f"Value for argument folds should be in the range [0, 10), but got {folds}.")
        return folds

    def _select_fold(self, data: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.folds is None:
            return data, labels
        with open(self._path(self.folds_list_file)) as f:
            indices = np.array(f.read().splitlines()[self.folds].split(), dtype=np.int64)
        return data[indices], labels[indices]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = pil_image().fromarray(np.transpose(self.data[index], (1, 2, 0)))
        return self._apply_transforms(img, int(self.labels[index]))

    def __len__(self) -> int:
        return self.data.shape[0]

    def extra_repr(self) -> str:
        return f"Split: {self.split}"
