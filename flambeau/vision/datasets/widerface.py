"""WIDER FACE: face detection, 32,203 images with 393,703 labelled faces."""
from __future__ import annotations

import os
import pathlib
from typing import Any, Callable, Optional, Union

import flambeau

from .._pil import pil_image
from .utils import download_and_extract_archive, download_file_from_google_drive, extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["WIDERFace"]

# the columns of a box line after x, y, w, h
_ATTRIBUTES = ("blur", "expression", "illumination", "occlusion", "pose", "invalid")


class WIDERFace(VisionDataset):
    """Split 'train', 'val' or 'test' (no annotations: target None). A target is a dict of int64 tensors:
    'bbox' (N, 4) x, y, w, h and one (N,) tensor per attribute (blur, expression, illumination,
    occlusion, pose, invalid). The images are on Google Drive: download=True needs `gdown`."""

    BASE_FOLDER = "widerface"
    FILE_LIST = [
        ("15hGDLhsx8bLgLcIRD5DhYt5iBxnjNF1M", "3fedf70df600953d25982bcd13d91ba2", "WIDER_train.zip"),
        ("1GUCogbp16PMGa39thoMMeWxp7Rp5oM8Q", "dfa7d7e790efa35df3788964cf0bbaea", "WIDER_val.zip"),
        ("1HIfDbVEWKmsYKJZm4lchTBDLW5N7dY5T", "e5d8f4248ed24c334bbd12f49c29dd40", "WIDER_test.zip"),
    ]
    ANNOTATIONS_FILE = ("http://shuoyang1213.me/WIDERFACE/support/bbx_annotation/wider_face_split.zip",
                        "0e3767bcf0e326556d407bf5bff5d27c", "wider_face_split.zip")

    def __init__(self, root: Union[str, pathlib.Path], split: str = "train", transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root=os.path.join(root, self.BASE_FOLDER), transform=transform,
                         target_transform=target_transform)
        self.split = verify_str_arg(split, "split", ("train", "val", "test"))
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(f"Dataset not found or corrupted: the unpacked WIDER_train/, WIDER_val/, WIDER_test/ "
                               f"and wider_face_split/ are not all in {self.root}. You can use download=True to "
                               "download and prepare it")
        self.img_info: list[dict[str, Any]] = []
        if self.split == "test":
            self.parse_test_annotations_file()
        else:
            self.parse_train_val_annotations_file()

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = pil_image().open(self.img_info[index]["img_path"])
        target = None if self.split == "test" else self.img_info[index]["annotations"]
        return self._apply_transforms(img, target)

    def __len__(self) -> int:
        return len(self.img_info)

    def extra_repr(self) -> str:
        return f"Split: {self.split}"

    def _image_path(self, split: str, name: str) -> str:
        return os.path.abspath(os.path.expanduser(os.path.join(self.root, f"WIDER_{split}", "images", name)))

    def parse_train_val_annotations_file(self) -> None:
        """Blocks of: image path, box count, that many lines of 10 integers."""
        path = os.path.join(self.root, "wider_face_split", f"wider_face_{self.split}_bbx_gt.txt")
        with open(path) as f:
            lines = [line.rstrip() for line in f]
        i = 0
        while i < len(lines):
            try:
                image, count = lines[i], int(lines[i + 1])
                rows = [[int(v) for v in line.split(" ")] for line in lines[i + 2:i + 2 + max(count, 1)]]
            except (IndexError, ValueError) as e:
                raise RuntimeError(f"Error parsing annotation file {path} near line {i + 1}: {e}") from e
            # an image without faces still has one line of zeros, which torchvision keeps as a box
            i += 2 + max(count, 1)
            boxes = flambeau.tensor(rows, dtype=flambeau.int64)
            annotations = {"bbox": boxes[:, 0:4].clone()}
            annotations.update({name: boxes[:, 4 + k].clone() for k, name in enumerate(_ATTRIBUTES)})
            self.img_info.append({"img_path": self._image_path(self.split, image), "annotations": annotations})

    def parse_test_annotations_file(self) -> None:
        path = os.path.abspath(os.path.expanduser(os.path.join(self.root, "wider_face_split",
                                                               "wider_face_test_filelist.txt")))
        with open(path) as f:
            self.img_info = [{"img_path": self._image_path("test", line.rstrip())} for line in f]

    def _check_integrity(self) -> bool:
        names = [name for _, _, name in self.FILE_LIST] + [self.ANNOTATIONS_FILE[2]]
        return all(os.path.exists(os.path.join(self.root, os.path.splitext(name)[0])) for name in names)

    def download(self) -> None:
        if self._check_integrity():
            return
        for file_id, md5, name in self.FILE_LIST:
            download_file_from_google_drive(file_id, self.root, name, md5)
            extract_archive(os.path.join(self.root, name))
        url, md5, _ = self.ANNOTATIONS_FILE
        download_and_extract_archive(url=url, download_root=self.root, md5=md5)
