"""CLEVRClassification: count the objects in CLEVR's rendered scenes (the target is the count)."""
from __future__ import annotations

import json
import pathlib
from typing import Any, Callable, Optional, Union

from .folder import default_loader
from .utils import download_and_extract_archive, verify_str_arg
from .vision import _LabelledImageFiles

__all__ = ["CLEVRClassification"]


class CLEVRClassification(_LabelledImageFiles):
    """Split 'train', 'val' or 'test' (no scene files, targets None) of `root/clevr/CLEVR_v1.0/`."""

    _URL = "https://dl.fbaipublicfiles.com/clevr/CLEVR_v1.0.zip"
    _MD5 = "b11922020e72d0cd9154779b2d3d07d2"

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Callable[[Union[str, pathlib.Path]], Any] = default_loader) -> None:
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.loader = loader
        self._base_folder = pathlib.Path(self.root) / "clevr"
        self._data_folder = self._base_folder / "CLEVR_v1.0"
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found or corrupted: {self._data_folder} is missing. "
                               "You can use download=True to download it")
        self._image_files = sorted(self._data_folder.joinpath("images", self._split).glob("*"))
        self._labels: list[Optional[int]] = [None] * len(self._image_files)
        if self._split != "test":
            with open(self._data_folder / "scenes" / f"CLEVR_{self._split}_scenes.json") as f:
                scenes = json.load(f)["scenes"]
            counts = {scene["image_filename"]: len(scene["objects"]) for scene in scenes}
            self._labels = [counts[path.name] for path in self._image_files]

    def _check_exists(self) -> bool:
        return self._data_folder.is_dir()

    def _download(self) -> None:
        if self._check_exists():
            return
        download_and_extract_archive(self._URL, str(self._base_folder), md5=self._MD5)

    def extra_repr(self) -> str:
        return f"split={self._split}"
