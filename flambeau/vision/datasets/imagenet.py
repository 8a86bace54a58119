"""ImageNet 2012 (ILSVRC2012) classification: an ImageFolder over the train/ or val/ folder that the
official archives are unpacked into on first use.

The archives cannot be downloaded (image-net.org needs a login): place ILSVRC2012_devkit_t12.tar.gz
and ILSVRC2012_img_train.tar / ILSVRC2012_img_val.tar in `root`. The devkit's class names and the
validation labels are cached in `root/meta.bin` (flambeau.save; a torchvision-written meta.bin is
read too).
"""
from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
from typing import Any, Optional, Union

import flambeau

from .folder import ImageFolder
from .utils import check_integrity, extract_archive, verify_str_arg

__all__ = ["ImageNet", "load_meta_file", "parse_devkit_archive", "parse_train_archive", "parse_val_archive"]

ARCHIVE_META = {
    "train": ("ILSVRC2012_img_train.tar", "1d675b47d978889d74fa0da5fadfb00e"),
    "val": ("ILSVRC2012_img_val.tar", "29b22e2961454d5413ddabcf34fc5622"),
    "devkit": ("ILSVRC2012_devkit_t12.tar.gz", "fa75699e90414af021442c21a62c3abf"),
}
META_FILE = "meta.bin"
PathLike = Union[str, pathlib.Path]


class ImageNet(ImageFolder):
    """ImageNet 2012, split 'train' or 'val'.

    `wnids` are the WordNet ids (the folder names), `classes` the tuple of names of each class, and
    `class_to_idx` maps every one of those names to its class index."""

    def __init__(self, root: PathLike, split: str = "train", **kwargs: Any) -> None:
        root = self.root = os.path.expanduser(root)
        self.split = verify_str_arg(split, "split", ("train", "val"))
        self.parse_archives()
        wnid_to_classes = load_meta_file(self.root)[0]
        super().__init__(self.split_folder, **kwargs)
        self.root = root
        self.wnids = self.classes
        self.wnid_to_idx = self.class_to_idx
        self.classes = [wnid_to_classes[wnid] for wnid in self.wnids]
        self.class_to_idx = {name: idx for idx, names in enumerate(self.classes) for name in names}

    def parse_archives(self) -> None:
        """Build meta.bin and unpack this split's archive unless already done."""
        if not check_integrity(os.path.join(self.root, META_FILE)):
            parse_devkit_archive(self.root)
        if not os.path.isdir(self.split_folder):
            (parse_train_archive if self.split == "train" else parse_val_archive)(self.root)

    @property
    def split_folder(self) -> str:
        return os.path.join(self.root, self.split)

    def extra_repr(self) -> str:
        return f"Split: {self.split}"


def load_meta_file(root: PathLike, file: Optional[str] = None) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """(WordNet id -> class names, WordNet id of each validation image) from meta.bin."""
    path = os.path.join(root, file or META_FILE)
    if not check_integrity(path):
        raise RuntimeError(f"The meta file {path} is not present in the root directory or is corrupted. "
                           "This file is automatically created by the ImageNet dataset.")
    return flambeau.load(path, weights_only=True)


def _verify_archive(root: PathLike, file: str, md5: str) -> None:
    if not check_integrity(os.path.join(root, file), md5):
        raise RuntimeError(f"The archive {file} is not present in the root directory or is corrupted. "
                           f"You need to download it externally and place it in {root}.")


def parse_devkit_archive(root: PathLike, file: Optional[str] = None) -> None:
    """Read the leaf synsets of the devkit's meta.mat (needs scipy) and the validation ground truth,
    and save (wnid -> class names, validation wnids) as root/meta.bin."""
    try:
        import scipy.io
    except ImportError as e:
        raise ImportError("Parsing the ImageNet devkit reads a MATLAB file with scipy: pip install scipy") from e
    name, md5 = ARCHIVE_META["devkit"]
    file = file or name
    _verify_archive(root, file, md5)
    with tempfile.TemporaryDirectory() as tmp:
        extract_archive(os.path.join(root, file), tmp)
        data = os.path.join(tmp, "ILSVRC2012_devkit_t12", "data")
        synsets = scipy.io.loadmat(os.path.join(data, "meta.mat"), squeeze_me=True)["synsets"]
        leaves = synsets[synsets["num_children"] == 0]  # the 1,000 classes; the rest are inner nodes
        idx_to_wnid = {int(i): str(w) for i, w in zip(leaves["ILSVRC2012_ID"], leaves["WNID"])}
        wnid_to_classes = {str(w): tuple(str(words).split(", ")) for w, words in zip(leaves["WNID"], leaves["words"])}
        with open(os.path.join(data, "ILSVRC2012_validation_ground_truth.txt")) as f:
            val_wnids = [idx_to_wnid[int(line)] for line in f if line.strip()]
    flambeau.save((wnid_to_classes, val_wnids), os.path.join(root, META_FILE))


def parse_train_archive(root: PathLike, file: Optional[str] = None, folder: str = "train") -> None:
    """Unpack the train archive: one inner tar per class, each into its own folder."""
    name, md5 = ARCHIVE_META["train"]
    file = file or name
    _verify_archive(root, file, md5)
    train_root = os.path.join(root, folder)
    extract_archive(os.path.join(root, file), train_root)
    for archive in os.listdir(train_root):
        path = os.path.join(train_root, archive)
        extract_archive(path, os.path.splitext(path)[0], remove_finished=True)


def parse_val_archive(root: PathLike, file: Optional[str] = None, wnids: Optional[list[str]] = None,
                      folder: str = "val") -> None:
    """Unpack the val archive and move each image into the folder of its class (`wnids`, default: from
    meta.bin, in the sorted order of the image files)."""
    name, md5 = ARCHIVE_META["val"]
    file = file or name
    if wnids is None:
        wnids = load_meta_file(root)[1]
    _verify_archive(root, file, md5)
    val_root = os.path.join(root, folder)
    extract_archive(os.path.join(root, file), val_root)
    images = sorted(os.path.join(val_root, image) for image in os.listdir(val_root))
    for wnid in set(wnids):
        os.mkdir(os.path.join(val_root, wnid))
    for wnid, image in zip(wnids, images):
        shutil.move(image, os.path.join(val_root, wnid, os.path.basename(image)))
