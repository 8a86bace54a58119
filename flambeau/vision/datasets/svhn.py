"""SVHN (Street View House Numbers) from its MATLAB .mat files, read with scipy.io (optional)."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

import numpy as np

from .._pil import pil_image
from .utils import check_integrity, download_url, verify_str_arg
from .vision import VisionDataset

__all__ = ["SVHN"]


def _loadmat(path: str) -> dict:
    try:
        import scipy.io
    except ImportError as e:
        raise ImportError("SVHN reads MATLAB .mat files with scipy: pip install scipy") from e
    return scipy.io.loadmat(path)


class SVHN(VisionDataset):
    """SVHN digits, 32x32 RGB; split 'train', 'test' or 'extra'.

    `data` is a uint8 numpy array (N, 3, 32, 32) and `labels` int64 in 0..9 (the files label
    the digit 0 as 10; it is mapped to 0 so losses see classes 0..C-1)."""

    split_list = {
        "train": ["http://ufldl.stanford.edu/housenumbers/train_32x32.mat", "train_32x32.mat",
                  "e26dedcc434d2e4c54c9b2d4a06d8373"],
        "test": ["http://ufldl.stanford.edu/housenumbers/test_32x32.mat", "test_32x32.mat",
                 "eb5a983be6a315427106f1b164d9cef3"],
        "extra": ["http://ufldl.stanford.edu/housenumbers/extra_32x32.mat", "extra_32x32.mat",
                  "a93ce644f1a588dc4d68dda5feec44a7"],
    }

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = verify_str_arg(split, "split", tuple(self.split_list))
        self.url, self.filename, self.file_md5 = self.split_list[split]
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: {os.path.join(self.root, self.filename)} is missing "
                               "or fails its MD5 check. You can use download=True to download it")
        path = os.path.join(self.root, self.filename)
        mat = _loadmat(path)
        images, labels = mat.get("X"), mat.get("y")
        if not isinstance(images, np.ndarray) or images.ndim != 4 or images.shape[2] != 3 or \
                not isinstance(labels, np.ndarray) or labels.size != images.shape[3]:
            raise RuntimeError(f"{path}: not an SVHN file: expected 'X' of shape (H, W, 3, N) and N labels in 'y'")
        self.data = np.transpose(images, (3, 2, 0, 1))
        self.labels = labels.astype(np.int64).squeeze()
        self.labels[self.labels == 10] = 0

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = pil_image().fromarray(np.transpose(self.data[index], (1, 2, 0)))
        return self._apply_transforms(img, int(self.labels[index]))

    def __len__(self) -> int:
        return len(self.data)

    def _check_integrity(self) -> bool:
        return check_integrity(os.path.join(self.root, self.filename), self.file_md5)

    def download(self) -> None:
        download_url(self.url, self.root, self.filename, self.file_md5)

    def extra_repr(self) -> str:
        return f"Split: {self.split}"
