"""SBD, the Semantic Boundaries Dataset: VOC images with class segmentations and per-class boundaries."""
from __future__ import annotations

import os
import pathlib
import shutil
from typing import Any, Callable, Optional, Union

import numpy as np

from .._pil import pil_image
from .utils import download_and_extract_archive, download_url, verify_str_arg
from .vision import _RGBImageWithTarget

__all__ = ["SBDataset"]


class SBDataset(_RGBImageWithTarget):
    """`image_set` 'train', 'val' or 'train_noval' (train without VOC2012 val images); `mode`
    'segmentation' (a PIL mask of class indices) or 'boundaries' (a (20, H, W) uint8 array, one
    boundary map per class). The targets are .mat files, read with scipy."""

    url = "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/semantic_contours/benchmark.tgz"
    md5 = "82b4d87ceb2ed10f6038a1cba92111cb"
    filename = "benchmark.tgz"
    voc_train_url = "https://www.cs.cornell.edu/~bharathh/train_noval.txt"
    voc_split_filename = "train_noval.txt"
    voc_split_md5 = "79bff800c5f0b1ec6b21080a3c066722"

    def __init__(self, root: Union[str, pathlib.Path], image_set: str = "train", mode: str = "boundaries",
                 download: bool = False, transforms: Optional[Callable] = None) -> None:
        try:
            from scipy.io import loadmat
        except ImportError:
            raise RuntimeError("Scipy is not found. This dataset needs to have scipy installed: pip install scipy") \
                from None
        self._loadmat = loadmat
        super().__init__(root, transforms)
        self.image_set = verify_str_arg(image_set, "image_set", ("train", "val", "train_noval"))
        self.mode = verify_str_arg(mode, "mode", ("segmentation", "boundaries"))
        self.num_classes = 20
        if download:
            self._download()
        if not os.path.isdir(self.root):
            raise RuntimeError(f"Dataset not found or corrupted: {self.root} is missing. "
                               "You can use download=True to download it")
        with open(os.path.join(self.root, image_set + ".txt")) as f:
            names = [line.strip() for line in f]
        self.images = [os.path.join(self.root, "img", name + ".jpg") for name in names]
        self.masks = [os.path.join(self.root, "cls", name + ".mat") for name in names]
        self._get_target = self._get_segmentation_target if mode == "segmentation" else self._get_boundaries_target

    def _download(self) -> None:
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.md5)
        extracted = os.path.join(self.root, "benchmark_RELEASE", "dataset")
        for name in ("cls", "img", "inst", "train.txt", "val.txt"):
            shutil.move(os.path.join(extracted, name), self.root)
        if self.image_set == "train_noval":
            download_url(self.voc_train_url, self.root, self.voc_split_filename, self.voc_split_md5)

    def _get_segmentation_target(self, path: str) -> Any:
        return pil_image().fromarray(self._loadmat(path)["GTcls"][0]["Segmentation"][0])

    def _get_boundaries_target(self, path: str) -> np.ndarray:
        boundaries = self._loadmat(path)["GTcls"][0]["Boundaries"][0]  # a cell of one sparse matrix per class
        return np.stack([boundaries[i][0].toarray() for i in range(self.num_classes)])

    def _load_target(self, index: int) -> Any:
        return self._get_target(self.masks[index])

    def extra_repr(self) -> str:
        return f"Image set: {self.image_set}\nMode: {self.mode}"
