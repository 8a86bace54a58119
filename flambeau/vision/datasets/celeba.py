"""CelebA: aligned face images with 40 binary attributes, identities, boxes and landmarks."""
from __future__ import annotations

import csv
import os
import pathlib
from typing import Any, Callable, NamedTuple, Optional, Union

import flambeau

from .._pil import pil_image
from .utils import check_integrity, download_file_from_google_drive, extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["CelebA"]


class CSV(NamedTuple):
    header: list[str]
    index: list[str]
    data: flambeau.Tensor


_SPLITS = {"train": 0, "valid": 1, "test": 2, "all": None}


class CelebA(VisionDataset):
    """CelebA, split 'train', 'valid', 'test' or 'all'; `target_type` is one of, or a list of, 'attr'
    ((40,) 0/1 int64), 'identity', 'bbox' ((4,) x, y, w, h) and 'landmarks' ((10,) aligned x, y pairs).

    The files live in Google Drive: download=True needs the `gdown` package."""

    base_folder = "celeba"
    file_list = [
        ("0B7EVK8r0v71pZjFTYXZWM3FlRnM", "00d2c5bc6d35e252742224ab0c1e8fcb", "img_align_celeba.zip"),
        ("0B7EVK8r0v71pblRyaVFSWGxPY0U", "75e246fa4810816ffd6ee81facbd244c", "list_attr_celeba.txt"),
        ("1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS", "32bd1bd63d3c78cd57e08160ec5ed1e2", "identity_CelebA.txt"),
        ("0B7EVK8r0v71pbThiMVRxWXZ4dU0", "00566efa6fedff7a56946cd1c10f1c16", "list_bbox_celeba.txt"),
        ("0B7EVK8r0v71pd0FJY3Blby1HUTQ", "cc24ecafdb5b50baae59b03474781f8c", "list_landmarks_align_celeba.txt"),
        ("0B7EVK8r0v71pY0NSMzRuSXJEVkk", "d32c9cbf5e040fd4025c592c306e6668", "list_eval_partition.txt"),
    ]

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train",
                 target_type: Union[list[str], str] = "attr", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.split = split
        self.target_type = target_type if isinstance(target_type, list) else [target_type]
        if not self.target_type and self.target_transform is not None:
            raise RuntimeError("target_transform is specified but target_type is empty")
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: a file under {self._path('')} is missing or fails "
                               "its MD5 check. You can use download=True to download it")
        split_id = _SPLITS[verify_str_arg(split.lower() if isinstance(split, str) else split, "split", tuple(_SPLITS))]
        splits = self._load_csv("list_eval_partition.txt")
        identity = self._load_csv("identity_CelebA.txt")
        bbox = self._load_csv("list_bbox_celeba.txt", header=1)
        landmarks = self._load_csv("list_landmarks_align_celeba.txt", header=1)
        attr = self._load_csv("list_attr_celeba.txt", header=1)
        if split_id is None:
            rows = slice(None)
            self.filename = splits.index
        else:
            rows = (splits.data == split_id).squeeze(-1)
            self.filename = [name for name, keep in zip(splits.index, rows.tolist()) if keep]
        self.identity = identity.data[rows]
        self.bbox = bbox.data[rows]
        self.landmarks_align = landmarks.data[rows]
        self.attr = flambeau.div(attr.data[rows] + 1, 2, rounding_mode="floor")  # -1/1 in the file -> 0/1
        self.attr_names = attr.header

    def _path(self, name: str) -> str:
        return os.path.join(self.root, self.base_folder, name)

    def _load_csv(self, filename: str, header: Optional[int] = None) -> CSV:
        """Rows of 'name v1 v2 ...' (space separated, runs of spaces allowed) after an optional header row."""
        with open(self._path(filename)) as f:
            rows = list(csv.reader(f, delimiter=" ", skipinitialspace=True))
        names: list[str] = []
        if header is not None:
            names, rows = rows[header], rows[header + 1:]
        try:
            values = [[int(v) for v in row[1:]] for row in rows]
        except ValueError as e:
            raise RuntimeError(f"{self._path(filename)}: expected integer columns after the file name ({e})") from e
        return CSV(names, [row[0] for row in rows], flambeau.tensor(values, dtype=flambeau.int64))

    def _check_integrity(self) -> bool:
        # the image archive is checked by its unpacked folder, the text files by their MD5
        for _, md5, filename in self.file_list:
            if os.path.splitext(filename)[1] not in (".zip", ".7z") and not check_integrity(self._path(filename), md5):
                return False
        return os.path.isdir(self._path("img_align_celeba"))

    def download(self) -> None:
        if self._check_integrity():
            return
        for file_id, md5, filename in self.file_list:
            download_file_from_google_drive(file_id, self._path(""), filename, md5)
        extract_archive(self._path("img_align_celeba.zip"))

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = pil_image().open(self._path(os.path.join("img_align_celeba", self.filename[index])))
        columns = {"attr": lambda: self.attr[index, :], "identity": lambda: self.identity[index, 0],
                   "bbox": lambda: self.bbox[index, :], "landmarks": lambda: self.landmarks_align[index, :]}
        target = []
        for kind in self.target_type:
            if kind not in columns:
                raise ValueError(f'Target type "{kind}" is not recognized.')
            target.append(columns[kind]())
        if self.transform is not None:
            image = self.transform(image)
        if not target:
            return image, None
        target = tuple(target) if len(target) > 1 else target[0]
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self) -> int:
        return len(self.attr)

    def extra_repr(self) -> str:
        return f"Target type: {self.target_type}\nSplit: {self.split}"
