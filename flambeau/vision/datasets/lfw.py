"""Labeled Faces in the Wild: LFWPeople (face identification) and LFWPairs (face verification)."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

from .folder import default_loader
from .utils import check_integrity, verify_str_arg
from .vision import VisionDataset

__all__ = ["LFWPeople", "LFWPairs"]


class _LFW(VisionDataset):
    """The files under `root/lfw-py/`: the image archive of the chosen alignment ('original', 'funneled',
    'deepfunneled') unpacked, and the view's list for the split ('10fold', 'train', 'test')."""

    base_folder = "lfw-py"
    download_url_prefix = "http://vis-www.cs.umass.edu/lfw/"
    file_dict = {
        "original": ("lfw", "lfw.tgz", "a17d05bd522c52d84eca14327a23d494"),
        "funneled": ("lfw_funneled", "lfw-funneled.tgz", "1b42dfed7d15c9b2dd63d5e5840c86ad"),
        "deepfunneled": ("lfw-deepfunneled", "lfw-deepfunneled.tgz", "68331da3eb755a505a502b5aacb3c201"),
    }
    checksums = {
        "pairs.txt": "9f1ba174e4e1c508ff7cdf10ac338a7d",
        "pairsDevTest.txt": "5132f7440eb68cf58910c8a45a2ac10b",
        "pairsDevTrain.txt": "4f27cbf15b2da4a85c1907eb4181ad21",
        "people.txt": "450f0863dd89e85e73936a6d71a3474b",
        "peopleDevTest.txt": "e4bf5be0a43b5dcd9dc5ccfcb8fb19c5",
        "peopleDevTrain.txt": "54eaac34beb6d042ed3a7d883e247a21",
        "lfw-names.txt": "a6d0a479bd074669f656265a6e693f6d",
    }
    annot_file = {"10fold": "", "train": "DevTrain", "test": "DevTest"}
    names = "lfw-names.txt"

    def __init__(self, root: Union[str, pathlib.Path], split: str, image_set: str, view: str,
                 transform: Optional[Callable] = None, target_transform: Optional[Callable] = None,
                 download: bool = False, loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(os.path.join(root, self.base_folder), transform=transform, target_transform=target_transform)
        self.image_set = verify_str_arg(image_set.lower(), "image_set", self.file_dict.keys())
        images_dir, self.filename, self.md5 = self.file_dict[self.image_set]
        self.view = verify_str_arg(view.lower(), "view", ["people", "pairs"])
        self.split = verify_str_arg(split.lower(), "split", ["10fold", "train", "test"])
        self.labels_file = f"{self.view}{self.annot_file[self.split]}.txt"
        self.data: list[Any] = []
        if download:
            raise ValueError("LFW dataset is no longer available for automatic download.Please download the dataset "
                             "manually and place it in the specified directory.A commonly used mirror is available "
                             "at: https://www.kaggle.com/datasets/jessicali9530/lfw-dataset")
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: {self.filename} or {self.labels_file} under "
                               f"{self.root} is missing or fails its MD5 check.")
        self.images_dir = os.path.join(self.root, images_dir)
        self._loader = loader

    def _check_integrity(self) -> bool:
        needed = [(self.filename, self.md5), (self.labels_file, self.checksums[self.labels_file])]
        if self.view == "people":
            needed.append((self.names, self.checksums[self.names]))
        return all(check_integrity(os.path.join(self.root, name), md5) for name, md5 in needed)

    def _get_path(self, identity: str, no: Union[int, str]) -> str:
        return os.path.join(self.images_dir, identity, f"{identity}_{int(no):04d}.jpg")

    def _lines(self) -> list[str]:
        with open(os.path.join(self.root, self.labels_file)) as f:
            return f.readlines()

    def extra_repr(self) -> str:
        return f"Alignment: {self.image_set}\nSplit: {self.split}"

    def __len__(self) -> int:
        return len(self.data)


class LFWPeople(_LFW):
    """Samples (face image, identity index); identities index lfw-names.txt."""

    def __init__(self, root: str, split: str = "10fold", image_set: str = "funneled",
                 transform: Optional[Callable] = None, target_transform: Optional[Callable] = None,
                 download: bool = False, loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root, split, image_set, "people", transform, target_transform, download, loader=loader)
        self.class_to_idx = self._get_classes()
        self.data, self.targets = self._get_people()

    def _get_people(self) -> tuple[list[str], list[int]]:
        """The people files: [fold count,] then per fold a count and 'name<TAB>image count' lines."""
        lines = self._lines()
        folds, start = (int(lines[0]), 1) if self.split == "10fold" else (1, 0)
        data, targets = [], []
        for _ in range(folds):
            count = int(lines[start])
            for line in lines[start + 1:start + count + 1]:
                identity, images = line.strip().split("\t")
                for number in range(1, int(images) + 1):
                    data.append(self._get_path(identity, number))
                    targets.append(self.class_to_idx[identity])
            start += count + 1
        return data, targets

    def _get_classes(self) -> dict[str, int]:
        with open(os.path.join(self.root, self.names)) as f:
            return {line.strip().split()[0]: i for i, line in enumerate(f)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self._apply_transforms(self._loader(self.data[index]), self.targets[index])

    def extra_repr(self) -> str:
        return super().extra_repr() + f"\nClasses (identities): {len(self.class_to_idx)}"


class LFWPairs(_LFW):
    """Samples (image 1, image 2, 1 if the same person else 0)."""

    def __init__(self, root: str, split: str = "10fold", image_set: str = "funneled",
                 transform: Optional[Callable] = None, target_transform: Optional[Callable] = None,
                 download: bool = False, loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root, split, image_set, "pairs", transform, target_transform, download, loader=loader)
        self.pair_names, self.data, self.targets = self._get_pairs(self.images_dir)

    def _get_pairs(self, images_dir: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[int]]:
        """Per fold, `n` matched 'name<TAB>i<TAB>j' lines then `n` mismatched 'name<TAB>i<TAB>name2<TAB>j'."""
        lines = self._lines()
        if self.split == "10fold":
            folds, pairs = (int(v) for v in lines[0].split("\t"))
        else:
            folds, pairs = 1, int(lines[0])
        names, data, targets = [], [], []
        start = 1
        for _ in range(folds):
            for line in lines[start:start + pairs]:
                name, i, j = line.strip().split("\t")
                names.append((name, name))
                data.append((self._get_path(name, i), self._get_path(name, j)))
                targets.append(1)
            for line in lines[start + pairs:start + 2 * pairs]:
                name1, i, name2, j = line.strip().split("\t")
                names.append((name1, name2))
                data.append((self._get_path(name1, i), self._get_path(name2, j)))
                targets.append(0)
            start += 2 * pairs
        return names, data, targets

    def __getitem__(self, index: int) -> tuple[Any, Any, int]:
        first, second = (self._loader(path) for path in self.data[index])
        target = self.targets[index]
        if self.transform is not None:
            first, second = self.transform(first), self.transform(second)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return first, second, target
