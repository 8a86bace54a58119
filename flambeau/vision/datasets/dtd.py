"""DTD, the Describable Textures Dataset: 5,640 images of 47 texture classes in 10 official partitions."""
from __future__ import annotations

import pathlib
from typing import Any, Callable, Optional, Union

from .folder import default_loader
from .utils import download_and_extract_archive, verify_str_arg
from .vision import _LabelledImageFiles

__all__ = ["DTD"]


class DTD(_LabelledImageFiles):
    """Split 'train', 'val' or 'test' of partition 1..10 (labels/<split><partition>.txt)."""

    _URL = "https://www.robots.ox.ac.uk/~vgg/data/dtd/download/dtd-r1.0.1.tar.gz"
    _MD5 = "fff73e5086ae6bdbea199a49dfb8a4c1"

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", partition: int = 1,
                 transform: Optional[Callable] = None, target_transform: Optional[Callable] = None,
                 download: bool = False, loader: Callable[[Union[str, pathlib.Path]], Any] = default_loader) -> None:
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        # NOTE: torchvision's check joins these with `and`, so it never fires; this one does
        if not isinstance(partition, int) or not 1 <= partition <= 10:
            raise ValueError(f"Parameter 'partition' should be an integer with `1 <= partition <= 10`, "
                             f"but got {partition} instead")
        self._partition = partition
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._base_folder = pathlib.Path(self.root) / type(self).__name__.lower()
        self._data_folder = self._base_folder / "dtd"
        self._meta_folder = self._data_folder / "labels"
        self._images_folder = self._data_folder / "images"
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {self._data_folder} is missing. "
                               "You can use download=True to download it")
        self._image_files, classes = [], []
        with open(self._meta_folder / f"{self._split}{self._partition}.txt") as f:
            for line in f:
                cls, name = line.strip().split("/")
                self._image_files.append(self._images_folder.joinpath(cls, name))
                classes.append(cls)
        self.classes = sorted(set(classes))
        self.class_to_idx = dict(zip(self.classes, range(len(self.classes))))
        self._labels = [self.class_to_idx[cls] for cls in classes]
        self.loader = loader

    def extra_repr(self) -> str:
        return f"split={self._split}, partition={self._partition}"

    def _check_exists(self) -> bool:
        return self._data_folder.is_dir()

    def _download(self) -> None:
        if self._check_exists():
            return
        download_and_extract_archive(self._URL, download_root=str(self._base_folder), md5=self._MD5)
