"""Rendered SST2: movie-review sentences rendered as images, labelled negative/positive (from CLIP)."""
from __future__ import annotations

import pathlib
from typing import Any, Callable, Optional, Union

from .folder import default_loader, make_dataset
from .utils import download_and_extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["RenderedSST2"]


class RenderedSST2(VisionDataset):
    """Split 'train', 'val' or 'test'; PNGs under `root/rendered-sst2/<split folder>/{negative,positive}/`."""

    _URL = "https://openaipublic.azureedge.net/clip/data/rendered-sst2.tgz"
    _MD5 = "2384d08e9dcfa4bd55b324e610496ee5"
    _SPLIT_FOLDERS = {"train": "train", "val": "valid", "test": "test"}

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        self._base_folder = pathlib.Path(self.root) / "rendered-sst2"
        self.classes = ["negative", "positive"]
        self.class_to_idx = {"negative": 0, "positive": 1}
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {self._split_folder} lacks negative/ or positive/. "
                               "You can use download=True to download it")
        self._samples = make_dataset(str(self._split_folder), extensions=("png",))
        self.loader = loader

    @property
    def _split_folder(self) -> pathlib.Path:
        return self._base_folder / self._SPLIT_FOLDERS[self._split]

    def __len__(self) -> int:
        return len(self._samples)

    def __getitem__(self, idx: int) -> tuple[Any, Any]:
        path, label = self._samples[idx]
        return self._apply_transforms(self.loader(path), label)

    def extra_repr(self) -> str:
        return f"split={self._split}"

    def _check_exists(self) -> bool:
        return all((self._split_folder / name).is_dir() for name in self.classes)

    def _download(self) -> None:
        if self._check_exists():
            return
        download_and_extract_archive(self._URL, download_root=self.root, md5=self._MD5)
