"""Flickr8k and Flickr30k: images with five captions each."""
from __future__ import annotations

import glob
import os
import pathlib
from collections import defaultdict
from html.parser import HTMLParser
from typing import Any, Callable, Optional, Union

from .folder import default_loader
from .vision import VisionDataset

__all__ = ["Flickr8k", "Flickr30k"]


class Flickr8kParser(HTMLParser):
    """Reads Flickr8k's HTML annotation page: in its table, a link names an image (found in `root` as
    '<id>_*.jpg') and the list items after it are that image's captions."""

    def __init__(self, root: Union[str, pathlib.Path]) -> None:
        super().__init__()
        self.root = root
        self.annotations: dict[str, list[str]] = {}
        self.in_table = False
        self.current_tag: Optional[str] = None
        self.current_img: Optional[str] = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        self.current_tag = tag
        if tag == "table":
            self.in_table = True

    def handle_endtag(self, tag: str) -> None:
        self.current_tag = None
        if tag == "table":
            self.in_table = False

    def handle_data(self, data: str) -> None:
        if not self.in_table:
            return
        if data == "Image Not Found":
            self.current_img = None
        elif self.current_tag == "a":
            image_id = data.split("/")[-2]
            matches = glob.glob(os.path.join(self.root, image_id + "_*.jpg"))
            if not matches:
                raise RuntimeError(f"Flickr8k: no image {image_id}_*.jpg in {self.root}")
            self.current_img = matches[0]
            self.annotations[self.current_img] = []
        elif self.current_tag == "li" and self.current_img:
            self.annotations[self.current_img].append(data.strip())


class Flickr8k(VisionDataset):
    """Samples (image, list of captions), images in sorted path order."""

    def __init__(self, root: Union[str, pathlib.Path], ann_file: str, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.ann_file = os.path.expanduser(ann_file)
        parser = Flickr8kParser(self.root)
        with open(self.ann_file) as f:
            parser.feed(f.read())
        self.annotations = parser.annotations
        self.ids = sorted(self.annotations)
        self.loader = loader

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image_id = self.ids[index]
        return self._apply_transforms(self.loader(image_id), self.annotations[image_id])

    def __len__(self) -> int:
        return len(self.ids)


class Flickr30k(VisionDataset):
    """Samples (image, list of captions) from the 'image.jpg#k<TAB>caption' token file."""

    def __init__(self, root: str, ann_file: str, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, loader: Callable[[str], Any] = default_loader) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.ann_file = os.path.expanduser(ann_file)
        self.annotations: dict[str, list[str]] = defaultdict(list)
        with open(self.ann_file) as f:
            for line in f:
                image_id, caption = line.strip().split("\t")
                self.annotations[image_id[:-2]].append(caption)  # drop the '#k' caption number
        self.ids = sorted(self.annotations)
        self.loader = loader

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image_id = self.ids[index]
        return self._apply_transforms(self.loader(os.path.join(self.root, image_id)), self.annotations[image_id])

    def __len__(self) -> int:
        return len(self.ids)
