"""Country211: geolocated Flickr photos of 211 countries, an ImageFolder per split."""
from __future__ import annotations

import pathlib
from typing import Any, Callable, Optional, Union

from .folder import ImageFolder, default_loader
from .utils import download_and_extract_archive, verify_str_arg

__all__ = ["Country211"]


class Country211(ImageFolder):
    """Images under `root/country211/<split>/<country code>/`, split 'train', 'valid' or 'test'."""

    _URL = "https://openaipublic.azureedge.net/clip/data/country211.tgz"
    _MD5 = "84988d7644798601126c29e9877aab6a"

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Callable[[str], Any] = default_loader) -> None:
        self._split = verify_str_arg(split, "split", ("train", "valid", "test"))
        root = pathlib.Path(root).expanduser()
        self.root = str(root)
        self._base_folder = root / "country211"
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {self._base_folder} is missing. "
                               "You can use download=True to download it")
        super().__init__(str(self._base_folder / split), transform=transform, target_transform=target_transform,
                         loader=loader)
        self.root = str(root)

    def _check_exists(self) -> bool:
        return self._base_folder.is_dir()

    def _download(self) -> None:
        if self._check_exists():
            return
        download_and_extract_archive(self._URL, download_root=self.root, md5=self._MD5)
