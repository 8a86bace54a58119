"""MS COCO: CocoDetection (image, its annotation dicts) and CocoCaptions (image, its captions)."""
from __future__ import annotations

import json
import os
import pathlib
from collections import defaultdict
from typing import Any, Callable, Optional, Union

from .._pil import pil_image
from .vision import VisionDataset

__all__ = ["CocoDetection", "CocoCaptions"]


class _CocoIndex:
    """The part of pycocotools' COCO these datasets use (used when pycocotools is not installed):
    `imgs`, `anns`, `cats`, `imgToAnns`, `getAnnIds`, `loadAnns`, `loadImgs`, `getImgIds`, `loadCats`."""

    def __init__(self, annotation_file: Union[str, pathlib.Path]) -> None:
        with open(annotation_file) as f:
            self.dataset = json.load(f)
        if not isinstance(self.dataset, dict):
            raise RuntimeError(f"annotation file format {type(self.dataset)} not supported")
        self.imgs = {img["id"]: img for img in self.dataset.get("images", [])}
        self.cats = {cat["id"]: cat for cat in self.dataset.get("categories", [])}
        self.anns: dict[Any, dict] = {}
        self.imgToAnns: dict[Any, list[dict]] = defaultdict(list)
        for ann in self.dataset.get("annotations", []):
            self.imgToAnns[ann["image_id"]].append(ann)
            self.anns[ann["id"]] = ann

    @staticmethod
    def _as_list(ids: Any) -> list:
        return list(ids) if isinstance(ids, (list, tuple)) else [ids]

    def getAnnIds(self, imgIds: Any = ()) -> list:
        images = self._as_list(imgIds)
        anns = [a for i in images for a in self.imgToAnns.get(i, [])] if images else list(self.anns.values())
        return [a["id"] for a in anns]

    def loadAnns(self, ids: Any = ()) -> list[dict]:
        return [self.anns[i] for i in self._as_list(ids)]

    def loadImgs(self, ids: Any = ()) -> list[dict]:
        return [self.imgs[i] for i in self._as_list(ids)]

    def getImgIds(self) -> list:
        return list(self.imgs)

    def loadCats(self, ids: Any = ()) -> list[dict]:
        return [self.cats[i] for i in self._as_list(ids)]


def _coco(annotation_file: str) -> Any:
    try:
        from pycocotools.coco import COCO
    except ImportError:
        return _CocoIndex(annotation_file)
    return COCO(annotation_file)


class CocoDetection(VisionDataset):
    """Images under `root` named by the annotation file (sorted by image id); a target is the list of the
    image's annotation dicts. `coco` is pycocotools' COCO when it is installed, else a small built-in index."""

    def __init__(self, root: Union[str, pathlib.Path], annFile: str, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms, transform, target_transform)
        self.coco = _coco(annFile)
        self.ids = sorted(self.coco.imgs.keys())

    def _load_image(self, id: int) -> Any:
        path = self.coco.loadImgs(id)[0]["file_name"]
        return pil_image().open(os.path.join(self.root, path)).convert("RGB")

    def _load_target(self, id: int) -> list[Any]:
        return self.coco.loadAnns(self.coco.getAnnIds(id))

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if not isinstance(index, int):
            raise ValueError(f"Index must be of type integer, got {type(index)} instead.")
        image_id = self.ids[index]
        image, target = self._load_image(image_id), self._load_target(image_id)
        if self.transforms is not None:
            image, target = self.transforms(image, target)
        return image, target

    def __len__(self) -> int:
        return len(self.ids)


class CocoCaptions(CocoDetection):
    """Samples (image, list of its captions)."""

    def _load_target(self, id: int) -> list[str]:
        return [ann["caption"] for ann in super()._load_target(id)]
