"""Stanford Cars: 16,185 images of 196 car models (annotations in the devkit's .mat files, via scipy)."""
from __future__ import annotations

import pathlib
from typing import Any, Callable, Optional, Union

from .folder import default_loader
from .utils import verify_str_arg
from .vision import VisionDataset

__all__ = ["StanfordCars"]


class StanfordCars(VisionDataset):
    """Split 'train' or 'test' under `root/stanford_cars/` (devkit/, cars_train/, cars_test/ and
    cars_test_annos_withlabels.mat). The original download is gone, so download=True raises."""

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Callable[[str], Any] = default_loader) -> None:
        try:
            import scipy.io
        except ImportError:
            raise RuntimeError("Scipy is not found. This dataset needs to have scipy installed: pip install scipy") \
                from None
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "test"))
        self._base_folder = pathlib.Path(root) / "stanford_cars"
        devkit = self._base_folder / "devkit"
        if self._split == "train":
            self._annotations_mat_path = devkit / "cars_train_annos.mat"
            self._images_base_path = self._base_folder / "cars_train"
        else:
            self._annotations_mat_path = self._base_folder / "cars_test_annos_withlabels.mat"
            self._images_base_path = self._base_folder / "cars_test"
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found: {self._annotations_mat_path} or {self._images_base_path} "
                               "is missing.")
        annotations = scipy.io.loadmat(self._annotations_mat_path, squeeze_me=True)["annotations"]
        self._samples = [(str(self._images_base_path / a["fname"]), a["class"] - 1) for a in annotations]
        self.classes = scipy.io.loadmat(str(devkit / "cars_meta.mat"), squeeze_me=True)["class_names"].tolist()
        self.class_to_idx = {cls: i for i, cls in enumerate(self.classes)}
        self.loader = loader

    def __len__(self) -> int:
        return len(self._samples)

    def __getitem__(self, idx: int) -> tuple[Any, Any]:
        path, target = self._samples[idx]
        return self._apply_transforms(self.loader(path), target)

    def _check_exists(self) -> bool:
        return ((self._base_folder / "devkit").is_dir() and self._annotations_mat_path.exists()
                and self._images_base_path.is_dir())

    def download(self) -> None:
        raise ValueError("The original URL is broken so the StanfordCars dataset cannot be downloaded anymore.")
