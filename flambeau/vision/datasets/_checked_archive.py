"""The download and integrity check that CIFAR10/100 and STL10 share (torchvision's class-attribute layout)."""
from __future__ import annotations

import os

from .utils import check_integrity, download_and_extract_archive


class _ChecksummedArchive:
    """Mixin for a dataset whose archive (`url`, `filename`, `tgz_md5`) extracts to root/`base_folder`,
    where every file of `train_list` + `test_list` ([name, md5] pairs) must match its MD5."""

    root: str
    base_folder: str
    url: str
    filename: str
    tgz_md5: str
    train_list: list[list[str]]
    test_list: list[list[str]]

    def _check_integrity(self) -> bool:
        folder = os.path.join(self.root, self.base_folder)
        return all(check_integrity(os.path.join(folder, name), md5) for name, md5 in self.train_list + self.test_list)

    def download(self) -> None:
        if self._check_integrity():
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)
