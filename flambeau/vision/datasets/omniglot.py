"""Omniglot: 1,623 handwritten characters from 50 alphabets, 20 drawings each."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

from .._pil import pil_image
from .utils import check_integrity, download_and_extract_archive, list_dir, list_files
from .vision import VisionDataset

__all__ = ["Omniglot"]


class Omniglot(VisionDataset):
    """The 'background' set (30 alphabets, `background=True`) or the 'evaluation' set (20); the target is
    the character's index. Alphabets and characters are listed in the directory's order, as torchvision
    does, so the indices agree with torchvision's on the same machine."""

    folder = "omniglot-py"
    download_url_prefix = "https://raw.githubusercontent.com/brendenlake/omniglot/master/python"
    zips_md5 = {"images_background": "68d2efa1b9178cc56df9314c21c6e718",
                "images_evaluation": "6b91aef0f799c5bb55b94e3f2daec811"}

    def __init__(self, root: Union[str, pathlib.Path], background: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Optional[Callable[[Union[str, pathlib.Path]], Any]] = None) -> None:
        super().__init__(os.path.join(root, self.folder), transform=transform, target_transform=target_transform)
        self.background = background
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: {self._zip_path} is missing or fails its MD5 "
                               "check. You can use download=True to download it")
        self.target_folder = os.path.join(self.root, self._get_target_folder())
        self._alphabets = list_dir(self.target_folder)
        self._characters: list[str] = [os.path.join(a, c) for a in self._alphabets
                                       for c in list_dir(os.path.join(self.target_folder, a))]
        self._character_images = [[(image, idx) for image in list_files(os.path.join(self.target_folder, c), ".png")]
                                  for idx, c in enumerate(self._characters)]
        self._flat_character_images: list[tuple[str, int]] = [s for images in self._character_images for s in images]
        self.loader = loader

    @property
    def _zip_path(self) -> str:
        return os.path.join(self.root, self._get_target_folder() + ".zip")

    def __len__(self) -> int:
        return len(self._flat_character_images)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image_name, character = self._flat_character_images[index]
        path = os.path.join(self.target_folder, self._characters[character], image_name)
        image = pil_image().open(path, mode="r").convert("L") if self.loader is None else self.loader(path)
        return self._apply_transforms(image, character)

    def _check_integrity(self) -> bool:
        return check_integrity(self._zip_path, self.zips_md5[self._get_target_folder()])

    def download(self) -> None:
        if self._check_integrity():
            return
        name = self._get_target_folder()
        download_and_extract_archive(f"{self.download_url_prefix}/{name}.zip", self.root, filename=name + ".zip",
                                     md5=self.zips_md5[name])

    def _get_target_folder(self) -> str:
        return "images_background" if self.background else "images_evaluation"
