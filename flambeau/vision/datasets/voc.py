"""Pascal VOC 2007-2012: VOCSegmentation (image, class mask) and VOCDetection (image, parsed XML)."""
from __future__ import annotations

import collections
import os
import pathlib
from typing import Any, Callable, Optional, Union
from xml.etree.ElementTree import Element

from .._pil import pil_image
from .utils import download_and_extract_archive, verify_str_arg
from .vision import _RGBImageWithTarget

try:  # hardened against entity-expansion attacks when installed, as torchvision does
    from defusedxml.ElementTree import parse as _parse_xml
except ImportError:
    from xml.etree.ElementTree import parse as _parse_xml

__all__ = ["VOCSegmentation", "VOCDetection"]

_OX = "https://thor.robots.ox.ac.uk/pascal/VOC/"
DATASET_YEAR_DICT = {
    "2012": {"url": _OX + "voc2012/VOCtrainval_11-May-2012.tar", "filename": "VOCtrainval_11-May-2012.tar",
             "md5": "6cd6e144f989b92b3379bac3b3de84fd", "base_dir": os.path.join("VOCdevkit", "VOC2012")},
    "2011": {"url": _OX + "voc2011/VOCtrainval_25-May-2011.tar", "filename": "VOCtrainval_25-May-2011.tar",
             "md5": "6c3384ef61512963050cb5d687e5bf1e", "base_dir": os.path.join("TrainVal", "VOCdevkit", "VOC2011")},
    "2010": {"url": _OX + "voc2010/VOCtrainval_03-May-2010.tar", "filename": "VOCtrainval_03-May-2010.tar",
             "md5": "da459979d0c395079b5c75ee67908abb", "base_dir": os.path.join("VOCdevkit", "VOC2010")},
    "2009": {"url": _OX + "voc2009/VOCtrainval_11-May-2009.tar", "filename": "VOCtrainval_11-May-2009.tar",
             "md5": "a3e00b113cfcfebf17e343f59da3caa1", "base_dir": os.path.join("VOCdevkit", "VOC2009")},
    # torchvision names the 2008 archive after 2012's; kept so an existing download is found
    "2008": {"url": _OX + "voc2008/VOCtrainval_14-Jul-2008.tar", "filename": "VOCtrainval_11-May-2012.tar",
             "md5": "2629fa636546599198acfcfbfcf1904a", "base_dir": os.path.join("VOCdevkit", "VOC2008")},
    "2007": {"url": _OX + "voc2007/VOCtrainval_06-Nov-2007.tar", "filename": "VOCtrainval_06-Nov-2007.tar",
             "md5": "c52e279531787c972589f7e41ab4ae64", "base_dir": os.path.join("VOCdevkit", "VOC2007")},
    "2007-test": {"url": _OX + "voc2007/VOCtest_06-Nov-2007.tar", "filename": "VOCtest_06-Nov-2007.tar",
                  "md5": "b6e924de25625d8de591ea690078ad9f", "base_dir": os.path.join("VOCdevkit", "VOC2007")},
}


class _VOCBase(_RGBImageWithTarget):
    """The split list ImageSets/<_SPLITS_DIR>/<image_set>.txt names the JPEGImages and their targets."""

    _SPLITS_DIR: str
    _TARGET_DIR: str
    _TARGET_FILE_EXT: str

    def __init__(self, root: Union[str, pathlib.Path], year: str = "2012", image_set: str = "train",
                 download: bool = False, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, transforms: Optional[Callable] = None) -> None:
        super().__init__(root, transforms, transform, target_transform)
        self.year = verify_str_arg(year, "year", valid_values=[str(y) for y in range(2007, 2013)])
        image_sets = ["train", "trainval", "val"] + (["test"] if year == "2007" else [])
        self.image_set = verify_str_arg(image_set, "image_set", image_sets)
        entry = DATASET_YEAR_DICT["2007-test" if year == "2007" and image_set == "test" else year]
        self.url, self.filename, self.md5 = entry["url"], entry["filename"], entry["md5"]
        voc_root = os.path.join(self.root, entry["base_dir"])
        if download:
            download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.md5)
        if not os.path.isdir(voc_root):
            raise RuntimeError(f"Dataset not found or corrupted: {voc_root} is missing. "
                               "You can use download=True to download it")
        with open(os.path.join(voc_root, "ImageSets", self._SPLITS_DIR, image_set + ".txt")) as f:
            names = [line.strip() for line in f]
        self.images = [os.path.join(voc_root, "JPEGImages", name + ".jpg") for name in names]
        self.targets = [os.path.join(voc_root, self._TARGET_DIR, name + self._TARGET_FILE_EXT) for name in names]



class VOCSegmentation(_VOCBase):
    """(RGB image, palette PIL mask of class indices, 255 on object borders)."""

    _SPLITS_DIR = "Segmentation"
    _TARGET_DIR = "SegmentationClass"
    _TARGET_FILE_EXT = ".png"

    @property
    def masks(self) -> list[str]:
        return self.targets

    def _load_target(self, index: int) -> Any:
        return pil_image().open(self.masks[index])


class VOCDetection(_VOCBase):
    """(RGB image, the annotation XML as nested dicts; `target['annotation']['object']` is always a list)."""

    _SPLITS_DIR = "Main"
    _TARGET_DIR = "Annotations"
    _TARGET_FILE_EXT = ".xml"

    @property
    def annotations(self) -> list[str]:
        return self.targets

    def _load_target(self, index: int) -> Any:
        return self.parse_voc_xml(_parse_xml(self.annotations[index]).getroot())

    @staticmethod
    def parse_voc_xml(node: Element) -> dict[str, Any]:
        """{tag: text} for a leaf, {tag: {child tag: value or list of values}} otherwise."""
        children = list(node)
        if not children:
            return {node.tag: node.text.strip()} if node.text else {}
        grouped: dict[str, list] = collections.defaultdict(list)
        for child in children:
            for tag, value in VOCDetection.parse_voc_xml(child).items():
                grouped[tag].append(value)
        if node.tag == "annotation":  # one object or many, 'object' is a list
            grouped["object"] = [grouped["object"]]
        return {node.tag: {tag: values[0] if len(values) == 1 else values for tag, values in grouped.items()}}
