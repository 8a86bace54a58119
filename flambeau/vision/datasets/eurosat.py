"""EuroSAT: 27,000 64x64 Sentinel-2 RGB tiles in 10 land-use classes, an ImageFolder once unzipped."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

from .folder import ImageFolder, default_loader
from .utils import download_and_extract_archive

__all__ = ["EuroSAT"]

_URL = ("https://huggingface.co/datasets/torchgeo/eurosat/resolve/c877bcd43f099cd0196738f714544e355477f3fd/"
        "EuroSAT.zip")


class EuroSAT(ImageFolder):
    """Images under `root/eurosat/2750/<class>/`."""

    def __init__(self, root: Union[str, pathlib.Path], transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Callable[[str], Any] = default_loader) -> None:
        self.root = os.path.expanduser(root)
        self._base_folder = os.path.join(self.root, "eurosat")
        self._data_folder = os.path.join(self._base_folder, "2750")
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {self._data_folder} is missing. "
                               "You can use download=True to download it")
        super().__init__(self._data_folder, transform=transform, target_transform=target_transform, loader=loader)
        self.root = os.path.expanduser(root)

    def _check_exists(self) -> bool:
        return os.path.exists(self._data_folder)

    def download(self) -> None:
        if self._check_exists():
            return
        os.makedirs(self._base_folder, exist_ok=True)
        download_and_extract_archive(_URL, download_root=self._base_folder, md5="c8fa014336c82ac7804f0398fcb19387")
