"""iNaturalist 2017-2021: species images, one folder per category (with its taxonomy in 2021's names)."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

from .._pil import pil_image
from .utils import download_and_extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["INaturalist"]

CATEGORIES_2021 = ["kingdom", "phylum", "class", "order", "family", "genus"]
_S3 = "https://ml-inat-competition-datasets.s3.amazonaws.com/"
DATASET_URLS = {
    "2017": _S3 + "2017/train_val_images.tar.gz",
    "2018": _S3 + "2018/train_val2018.tar.gz",
    "2019": _S3 + "2019/train_val2019.tar.gz",
    "2021_train": _S3 + "2021/train.tar.gz",
    "2021_train_mini": _S3 + "2021/train_mini.tar.gz",
    "2021_valid": _S3 + "2021/val.tar.gz",
}
DATASET_MD5 = {
    "2017": "7c784ea5e424efaec655bd392f87301f",
    "2018": "b1c6952ce38f31868cc50ea72d066cc3",
    "2019": "c60a6e2962c9b8ccbd458d12c8582644",
    "2021_train": "e0526d53c7f7b2e3167b2b43bb2690ed",
    "2021_train_mini": "db6ed8330e634445efc8fec83ae81442",
    "2021_valid": "f6f6e0e242e3d4c9569ba56400938afc",
}


class INaturalist(VisionDataset):
    """Images under `root/<version>/`. 2021 folders are named 'NNNNN_Kingdom_Phylum_Class_Order_Family_Genus_species'
    and targets may be 'full' or any of those ranks; earlier versions are `<super category>/<id>/` with
    targets 'full' or 'super'."""

    def __init__(self, root: Union[str, pathlib.Path], version: str = "2021_train",
                 target_type: Union[list[str], str] = "full", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False,
                 loader: Optional[Callable[[Union[str, pathlib.Path]], Any]] = None) -> None:
        self.version = verify_str_arg(version, "version", DATASET_URLS.keys())
        super().__init__(os.path.join(root, version), transform=transform, target_transform=target_transform)
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError(f"Dataset not found or corrupted: {self.root} is missing or empty. "
                               "You can use download=True to download it")
        self.all_categories: list[str] = []
        self.categories_index: dict[str, dict[str, int]] = {}
        self.categories_map: list[dict[str, int]] = []
        target_type = target_type if isinstance(target_type, list) else [target_type]
        if self.version.startswith("2021"):
            self.target_type = [verify_str_arg(t, "target_type", ("full", *CATEGORIES_2021)) for t in target_type]
            self._init_2021()
        else:
            self.target_type = [verify_str_arg(t, "target_type", ("full", "super")) for t in target_type]
            self._init_pre2021()
        # NOTE: files sorted within each category, so the order does not depend on the file system
        self.index: list[tuple[int, str]] = [(i, name) for i, folder in enumerate(self.all_categories)
                                             for name in sorted(os.listdir(os.path.join(self.root, folder)))]
        self.loader = loader

    def _init_2021(self) -> None:
        self.all_categories = sorted(os.listdir(self.root))
        self.categories_index = {rank: {} for rank in CATEGORIES_2021}
        for index, folder in enumerate(self.all_categories):
            pieces = folder.split("_")
            if len(pieces) != 8:
                raise RuntimeError(f"Unexpected category name {folder}, wrong number of pieces")
            if pieces[0] != f"{index:05d}":
                raise RuntimeError(f"Unexpected category id {pieces[0]}, expecting {index:05d}")
            ranks = {}
            for rank, name in zip(CATEGORIES_2021, pieces[1:7]):
                ranks[rank] = self.categories_index[rank].setdefault(name, len(self.categories_index[rank]))
            self.categories_map.append(ranks)

    def _init_pre2021(self) -> None:
        self.categories_index = {"super": {}}
        running = 0
        for super_index, super_category in enumerate(sorted(os.listdir(self.root))):
            self.categories_index["super"][super_category] = super_index
            for sub in sorted(os.listdir(os.path.join(self.root, super_category))):
                if self.version == "2017":  # 2017 numbers its categories in listing order
                    category, running = running, running + 1
                else:
                    try:
                        category = int(sub)
                    except ValueError:
                        raise RuntimeError(f"Unexpected non-numeric dir name: {sub}") from None
                if category >= len(self.categories_map):
                    grow = category - len(self.categories_map) + 1
                    self.categories_map.extend([{}] * grow)
                    self.all_categories.extend([""] * grow)
                if self.categories_map[category]:
                    raise RuntimeError(f"Duplicate category {sub}")
                self.categories_map[category] = {"super": super_index}
                self.all_categories[category] = os.path.join(super_category, sub)
        for index, ranks in enumerate(self.categories_map):
            if not ranks:
                raise RuntimeError(f"Missing category {index}")

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        category, name = self.index[index]
        path = os.path.join(self.root, self.all_categories[category], name)
        img = self.loader(path) if self.loader is not None else pil_image().open(path)
        target = [category if kind == "full" else self.categories_map[category][kind] for kind in self.target_type]
        return self._apply_transforms(img, tuple(target) if len(target) > 1 else target[0])

    def __len__(self) -> int:
        return len(self.index)

    def category_name(self, category_type: str, category_id: int) -> str:
        """The name of category `category_id` of rank `category_type` ('full' gives its folder)."""
        if category_type == "full":
            return self.all_categories[category_id]
        if category_type not in self.categories_index:
            raise ValueError(f"Invalid category type '{category_type}'")
        for name, index in self.categories_index[category_type].items():
            if index == category_id:
                return name
        raise ValueError(f"Invalid category id {category_id} for {category_type}")

    def _check_exists(self) -> bool:
        return os.path.exists(self.root) and len(os.listdir(self.root)) > 0

    def download(self) -> None:
        if self._check_exists():
            return
        base_root = os.path.dirname(self.root)
        download_and_extract_archive(DATASET_URLS[self.version], base_root, filename=f"{self.version}.tgz",
                                     md5=DATASET_MD5[self.version])
        unpacked = os.path.join(base_root, os.path.basename(DATASET_URLS[self.version]).removesuffix(".tar.gz"))
        if not os.path.exists(unpacked):
            raise RuntimeError(f"Unable to find downloaded files at {unpacked}")
        os.rename(unpacked, self.root)
