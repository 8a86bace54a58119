"""FER2013: 48x48 grayscale faces in 7 emotion classes, from Kaggle's CSV files."""
from __future__ import annotations

import csv
import pathlib
from typing import Any, Callable, Optional, Union

import flambeau

from .._pil import pil_image
from .utils import check_integrity, verify_str_arg
from .vision import VisionDataset

__all__ = ["FER2013"]


class FER2013(VisionDataset):
    """Reads `root/fer2013/` : fer2013.csv or icml_face_data.csv (both splits, told apart by their
    Usage column) if present, else train.csv / test.csv (test.csv has no labels: targets are None).
    The files need a Kaggle login, so they are never downloaded."""

    _RESOURCES = {
        "train": ("train.csv", "3f0dfb3d3fd99c811a1299cb947e3131"),
        "test": ("test.csv", "b02c2298636a634e8c2faabbf3ea9a23"),
        "fer": ("fer2013.csv", "f8428a1edbd21e88f42c73edd2a14f95"),
        "icml": ("icml_face_data.csv", "b114b9e04e6949e5fe8b6a98b3892b1d"),
    }

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None) -> None:
        self._split = verify_str_arg(split, "split", ("train", "test"))
        super().__init__(root, transform=transform, target_transform=target_transform)
        folder = pathlib.Path(self.root) / "fer2013"
        kind = next((k for k in ("fer", "icml") if (folder / self._RESOURCES[k][0]).exists()), self._split)
        name, md5 = self._RESOURCES[kind]
        if not check_integrity(str(folder / name), md5=md5):
            raise RuntimeError(f"{name} not found in {folder} or corrupted. You can download it from "
                               "https://www.kaggle.com/c/challenges-in-representation-learning-facial-expression-"
                               "recognition-challenge")
        prefix = " " if kind == "icml" else ""  # icml_face_data.csv has a space before its column names
        labelled = kind != "test"
        usages = ("Training",) if self._split == "train" else ("PublicTest", "PrivateTest")
        with open(folder / name, newline="") as f:
            rows = [row for row in csv.DictReader(f) if kind not in ("fer", "icml") or row[prefix + "Usage"] in usages]
        self._samples = [(self._pixels(row[prefix + "pixels"], folder / name),
                          int(row["emotion"]) if labelled else None) for row in rows]

    @staticmethod
    def _pixels(text: str, path: pathlib.Path) -> flambeau.Tensor:
        values = [int(v) for v in text.split()]
        if len(values) != 48 * 48:
            raise RuntimeError(f"{path}: a row has {len(values)} pixels, a 48x48 image needs 2304")
        return flambeau.tensor(values, dtype=flambeau.uint8).reshape(48, 48)

    def __len__(self) -> int:
        return len(self._samples)

    def __getitem__(self, idx: int) -> tuple[Any, Any]:
        image, target = self._samples[idx]
        return self._apply_transforms(pil_image().fromarray(image.numpy()), target)

    def extra_repr(self) -> str:
        return f"split={self._split}"
