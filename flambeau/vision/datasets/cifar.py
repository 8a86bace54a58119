"""CIFAR10 and CIFAR100 from their python batches (pickled dicts of numpy arrays).

The batches are read by an allow-list unpickler (see _numpy_pickle): a file that would run code is
refused. As in torchvision, every file must match its MD5 first, `data` is a uint8 numpy array
(N, 32, 32, 3) (HWC) and `targets` a list of ints.
"""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

import numpy as np

from .._pil import pil_image
from ._checked_archive import _ChecksummedArchive
from ._numpy_pickle import load_numpy_pickle
from .utils import check_integrity
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100"]


class CIFAR10(_ChecksummedArchive, VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root: Union[str, pathlib.Path], train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: a file under "
                               f"{os.path.join(self.root, self.base_folder)} is missing or fails its MD5 check. "
                               "You can use download=True to download it")
        chunks, self.targets = [], []
        for name, _ in self.train_list if train else self.test_list:
            data, labels = self._read_batch(os.path.join(self.root, self.base_folder, name))
            chunks.append(data)
            self.targets.extend(labels)
        self.data = np.vstack(chunks).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # rows are CHW planes -> HWC
        self._load_meta()

    @staticmethod
    def _read_batch(path: str) -> tuple[np.ndarray, list[int]]:
        entry = load_numpy_pickle(path)
        data = entry.get("data") if isinstance(entry, dict) else None
        if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
            raise RuntimeError(f"{path}: not a CIFAR batch: expected a dict whose 'data' is a uint8 array of "
                               "shape (N, 3072)")
        labels = entry.get("labels", entry.get("fine_labels"))
        if not isinstance(labels, list) or len(labels) != len(data) or not all(type(y) is int for y in labels):
            raise RuntimeError(f"{path}: not a CIFAR batch: expected {len(data)} int labels under 'labels' "
                               "or 'fine_labels'")
        return data, labels

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not check_integrity(path, self.meta["md5"]):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        self.classes = load_numpy_pickle(path)[self.meta["key"]]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self._apply_transforms(pil_image().fromarray(self.data[index]), self.targets[index])

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: CIFAR-10's format with 100 fine classes (targets are the fine labels)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
