"""SBU Captioned Photo: one million Flickr photos with their captions (the photos come from their URLs)."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Union

from .folder import default_loader
from .utils import check_integrity, download_and_extract_archive, download_url
from .vision import VisionDataset

__all__ = ["SBU"]


class SBU(VisionDataset):
    """Samples (photo, caption) for the photos present in `root/dataset/`; download=True (the default, as in
    torchvision) fetches the URL and caption lists, then every photo still online."""

    url = "https://www.cs.rice.edu/~vo9/sbucaptions/SBUCaptionedPhotoDataset.tar.gz"
    filename = "SBUCaptionedPhotoDataset.tar.gz"
    md5_checksum = "9aec147b3488753cf758b4d493422285"

    def __init__(self, root: Union[str, pathlib.Path], transform: Union[Callable, None] = None,
                 target_transform: Union[Callable, None] = None, download: bool = True,
                 loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.loader = loader
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: {os.path.join(self.root, self.filename)} is missing "
                               "or fails its MD5 check. You can use download=True to download it")
        self.photos: list[str] = []
        self.captions: list[str] = []
        folder = os.path.join(self.root, "dataset")
        with open(os.path.join(folder, "SBU_captioned_photo_dataset_urls.txt")) as urls, \
                open(os.path.join(folder, "SBU_captioned_photo_dataset_captions.txt")) as captions:
            for url, caption in zip(urls, captions):
                photo = os.path.basename(url.rstrip())
                if os.path.exists(os.path.join(folder, photo)):  # many photos are gone from Flickr
                    self.photos.append(photo)
                    self.captions.append(caption.rstrip())

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = self.loader(os.path.join(self.root, "dataset", self.photos[index]))
        return self._apply_transforms(image, self.captions[index])

    def __len__(self) -> int:
        return len(self.photos)

    def _check_integrity(self) -> bool:
        return check_integrity(os.path.join(self.root, self.filename), self.md5_checksum)

    def download(self) -> None:
        if self._check_integrity():
            return
        download_and_extract_archive(self.url, self.root, self.root, self.filename, self.md5_checksum)
        with open(os.path.join(self.root, "dataset", "SBU_captioned_photo_dataset_urls.txt")) as f:
            for line in f:
                try:
                    download_url(line.rstrip(), os.path.join(self.root, "dataset"))
                except OSError:
                    pass  # a photo no longer online is skipped
