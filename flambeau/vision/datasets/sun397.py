"""SUN397: 108,754 scene images in 397 categories (class = the image's folder path)."""
from __future__ import annotations

import pathlib
from typing import Any, Callable, Optional, Union

from .folder import default_loader
from .utils import download_and_extract_archive
from .vision import _LabelledImageFiles

__all__ = ["SUN397"]


class SUN397(_LabelledImageFiles):
    """Images `root/SUN397/<letter>/<category path>/sun_*.jpg`, classes from ClassName.txt."""

    _DATASET_URL = "http://vision.princeton.edu/projects/2010/SUN/SUN397.tar.gz"
    _DATASET_MD5 = "8ca2778205c41d23104230ba66911c7a"

    def __init__(self, root: Union[str, pathlib.Path], transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Callable[[Union[str, pathlib.Path]], Any] = default_loader) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._data_dir = pathlib.Path(self.root) / "SUN397"
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {self._data_dir} is missing. "
                               "You can use download=True to download it")
        with open(self._data_dir / "ClassName.txt") as f:
            self.classes = [line[3:].strip() for line in f]  # "/a/abbey" -> "abbey"
        self.class_to_idx = dict(zip(self.classes, range(len(self.classes))))
        # NOTE: sorted, so the order does not depend on the file system (torchvision keeps rglob's order)
        self._image_files = sorted(self._data_dir.rglob("sun_*.jpg"))
        self._labels = [self.class_to_idx["/".join(path.relative_to(self._data_dir).parts[1:-1])]
                        for path in self._image_files]
        self.loader = loader

    def _check_exists(self) -> bool:
        return self._data_dir.is_dir()

    def _download(self) -> None:
        if self._check_exists():
            return
        download_and_extract_archive(self._DATASET_URL, download_root=self.root, md5=self._DATASET_MD5)
