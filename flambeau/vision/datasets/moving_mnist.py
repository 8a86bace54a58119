"""MovingMNIST: 10,000 sequences of 20 frames of two digits moving in 64x64 (one .npy file)."""
from __future__ import annotations

import os
import pathlib
from typing import Callable, Optional, Union

import numpy as np

import flambeau

from .utils import download_url, verify_str_arg
from .vision import VisionDataset

__all__ = ["MovingMNIST"]


class MovingMNIST(VisionDataset):
    """Samples are uint8 tensors (T, 1, 64, 64): all 20 frames, or with split 'train' the first
    `split_ratio` frames and with 'test' the rest."""

    _URL = "http://www.cs.toronto.edu/~nitish/unsupervised_video/mnist_test_seq.npy"

    def __init__(self, root: Union[str, pathlib.Path], split: Optional[str] = None, split_ratio: int = 10,
                 download: bool = False, transform: Optional[Callable] = None) -> None:
        super().__init__(root, transform=transform)
        self._base_folder = os.path.join(self.root, type(self).__name__)
        self._filename = self._URL.split("/")[-1]
        if split is not None:
            verify_str_arg(split, "split", ("train", "test"))
        self.split = split
        if not isinstance(split_ratio, int):
            raise TypeError(f"`split_ratio` should be an integer, but got {type(split_ratio)}")
        if not 1 <= split_ratio <= 19:
            raise ValueError(f"`split_ratio` should be `1 <= split_ratio <= 19`, but got {split_ratio} instead.")
        self.split_ratio = split_ratio
        if download:
            self.download()
        path = os.path.join(self._base_folder, self._filename)
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {path} is missing. You can use download=True to download it.")
        frames = np.load(path, allow_pickle=False)  # (T, N, 64, 64); never unpickles objects
        if frames.ndim != 4 or frames.dtype != np.uint8:
            raise RuntimeError(f"{path}: expected a uint8 array (frames, sequences, H, W), got {frames.dtype} "
                               f"{frames.shape}")
        data = flambeau.from_numpy(frames)
        if split == "train":
            data = data[:split_ratio]
        elif split == "test":
            data = data[split_ratio:]
        self.data = data.transpose(0, 1).unsqueeze(2).contiguous()

    def __getitem__(self, idx: int) -> flambeau.Tensor:
        data = self.data[idx]
        return data if self.transform is None else self.transform(data)

    def __len__(self) -> int:
        return len(self.data)

    def _check_exists(self) -> bool:
        return os.path.exists(os.path.join(self._base_folder, self._filename))

    def download(self) -> None:
        if self._check_exists():
            return
        download_url(url=self._URL, root=self._base_folder, filename=self._filename,
                     md5="be083ec986bfe91a449d63653c411eb2")
