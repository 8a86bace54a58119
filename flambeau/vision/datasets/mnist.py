"""MNIST and its relatives (FashionMNIST, KMNIST, EMNIST, QMNIST), read from their raw IDX files.

Like torchvision 0.29 the raw files under `<root>/<Class>/raw/` are the dataset; unlike it, a raw
file may also stay compressed (`name.gz` / `name.xz`, as downloaded), so the shipped `.gz` files
work without unpacking them first.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import string
import warnings
from typing import Any, Callable, Optional, Union

import flambeau

from .._pil import pil_image
from ._idx import read_image_file, read_label_file, read_sn3_pascalvincent_tensor
from .utils import download_and_extract_archive, extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST"]

_COMPRESSED_SUFFIXES = ("", ".gz", ".xz")


def _find_raw(path: str) -> Optional[str]:
    """`path` itself or its compressed form, whichever exists."""
    return next((path + s for s in _COMPRESSED_SUFFIXES if os.path.isfile(path + s)), None)


def _require_raw(path: str) -> str:
    found = _find_raw(path)
    if found is None:
        raise RuntimeError(f"Dataset not found: {path} (or {os.path.basename(path)}.gz) is missing. "
                           "You can use download=True to download it")
    return found


class MNIST(VisionDataset):
    """The MNIST digits: 60,000 training and 10,000 test 28x28 grayscale images.

    Samples are (PIL 'L' image, int class) before `transform`/`target_transform`;
    `data` is a uint8 (N, 28, 28) tensor and `targets` an int64 (N,) tensor."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: Union[str, pathlib.Path], train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        self.data, self.targets = self._load_data()

    # the names torchvision deprecated, kept with its warnings
    @property
    def train_labels(self) -> flambeau.Tensor:
        warnings.warn("train_labels has been renamed targets")
        return self.targets

    @property
    def test_labels(self) -> flambeau.Tensor:
        warnings.warn("test_labels has been renamed targets")
        return self.targets

    @property
    def train_data(self) -> flambeau.Tensor:
        warnings.warn("train_data has been renamed data")
        return self.data

    @property
    def test_data(self) -> flambeau.Tensor:
        warnings.warn("test_data has been renamed data")
        return self.data

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def _check_legacy_exist(self) -> bool:
        # datasets processed by torchvision < 0.8 cached (data, targets) in processed/{training,test}.pt
        return all(os.path.isfile(os.path.join(self.processed_folder, f)) for f in (self.training_file, self.test_file))

    def _load_legacy_data(self) -> tuple[flambeau.Tensor, flambeau.Tensor]:
        path = os.path.join(self.processed_folder, self.training_file if self.train else self.test_file)
        return flambeau.load(path, weights_only=True)

    def _raw_files(self) -> list[str]:
        """The uncompressed names of the raw files this split reads (images first)."""
        prefix = "train" if self.train else "t10k"
        return [os.path.join(self.raw_folder, f"{prefix}-{kind}")
                for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")]

    def _load_data(self) -> tuple[flambeau.Tensor, flambeau.Tensor]:
        images, labels = (_require_raw(p) for p in self._raw_files())
        return read_image_file(images), read_label_file(labels)

    def _check_exists(self) -> bool:
        """Whether this split's raw files are there (torchvision asks for both splits' files, so that
        a root holding only the test set could not be used offline with download=True)."""
        return all(_find_raw(p) for p in self._raw_files())

    def download(self) -> None:
        """Download the missing raw files of both splits (trying each mirror in turn), unless this
        split's are already there."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if _find_raw(os.path.join(self.raw_folder, os.path.splitext(filename)[0])):
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    download_and_extract_archive(mirror + filename, self.raw_folder, filename=filename, md5=md5)
                    break
                except (RuntimeError, OSError) as e:  # OSError covers urllib's URLError
                    errors.append(f"Tried {mirror}, got:\n{e}")
            else:
                raise RuntimeError(f"Error downloading {filename}:\n" + "\n".join(errors))

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = pil_image().fromarray(self.data[index].numpy())  # a 2-d uint8 array becomes an 'L' image
        return self._apply_transforms(img, int(self.targets[index]))

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format with 10 classes of clothing."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: MNIST's format with 10 classes of cursive Japanese characters."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


class EMNIST(MNIST):
    """Extended MNIST (handwritten digits and letters) in one of six splits."""

    url = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
    md5 = "58c8d27c78d21e728a6bc7b3cc06412e"
    splits = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
    # bymerge/balanced merge the upper and lower case of letters that look alike
    _merged_classes = set("cijklmopsuvwxyz")
    _all_classes = set(string.digits + string.ascii_letters)
    classes_split_dict = {
        "byclass": sorted(_all_classes),
        "bymerge": sorted(_all_classes - _merged_classes),
        "balanced": sorted(_all_classes - _merged_classes),
        "letters": ["N/A"] + list(string.ascii_lowercase),
        "digits": list(string.digits),
        "mnist": list(string.digits),
    }

    def __init__(self, root: Union[str, pathlib.Path], split: str, **kwargs: Any) -> None:
        self.split = verify_str_arg(split, "split", self.splits)
        self.training_file = f"training_{split}.pt"
        self.test_file = f"test_{split}.pt"
        super().__init__(root, **kwargs)
        self.classes = self.classes_split_dict[self.split]

    @property
    def _file_prefix(self) -> str:
        return f"emnist-{self.split}-{'train' if self.train else 'test'}"

    @property
    def images_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-images-idx3-ubyte")

    @property
    def labels_file(self) -> str:
        return os.path.join(self.raw_folder, f"{self._file_prefix}-labels-idx1-ubyte")

    def _raw_files(self) -> list[str]:
        return [self.images_file, self.labels_file]

    def download(self) -> None:
        """Download NIST's gzip.zip and unpack the split files it holds."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        download_and_extract_archive(self.url, self.raw_folder, md5=self.md5)
        gzip_folder = os.path.join(self.raw_folder, "gzip")
        for name in os.listdir(gzip_folder):
            if name.endswith(".gz"):
                extract_archive(os.path.join(gzip_folder, name), self.raw_folder)
        shutil.rmtree(gzip_folder)


class QMNIST(MNIST):
    """QMNIST, MNIST reconstructed from NIST with extended labels.

    `what` picks 'train', 'test' (60k), 'test10k' (MNIST's test digits), 'test50k' or 'nist';
    with `compat` the target is the class number, otherwise the int64 row of 8 label fields."""

    subsets = {"train": "train", "test": "test", "test10k": "test", "test50k": "test", "nist": "nist"}
    _BASE = "https://raw.githubusercontent.com/facebookresearch/qmnist/master/"
    resources: dict[str, list[tuple[str, str]]] = {  # type: ignore[assignment]
        "train": [(_BASE + "qmnist-train-images-idx3-ubyte.gz", "ed72d4157d28c017586c42bc6afe6370"),
                  (_BASE + "qmnist-train-labels-idx2-int.gz", "0058f8dd561b90ffdd0f734c6a30e5e4")],
        "test": [(_BASE + "qmnist-test-images-idx3-ubyte.gz", "1394631089c404de565df7b7aeaf9412"),
                 (_BASE + "qmnist-test-labels-idx2-int.gz", "5b5b05890a5e13444e108efe57b788aa")],
        "nist": [(_BASE + "xnist-images-idx3-ubyte.xz", "7f124b3b8ab81486c9d8c2749c17f834"),
                 (_BASE + "xnist-labels-idx2-int.xz", "5ed0e788978e45d4a8bd4b7caec3d79d")],
    }
    classes = MNIST.classes

    def __init__(self, root: Union[str, pathlib.Path], what: Optional[str] = None, compat: bool = True,
                 train: bool = True, **kwargs: Any) -> None:
        if what is None:
            what = "train" if train else "test"
        self.what = verify_str_arg(what, "what", tuple(self.subsets))
        self.compat = compat
        self.data_file = what + ".pt"
        self.training_file = self.data_file
        self.test_file = self.data_file
        super().__init__(root, train, **kwargs)

    def _raw_files(self) -> list[str]:
        return [os.path.join(self.raw_folder, os.path.splitext(os.path.basename(url))[0])
                for url, _ in self.resources[self.subsets[self.what]]]

    @property
    def images_file(self) -> str:
        return self._raw_files()[0]

    @property
    def labels_file(self) -> str:
        return self._raw_files()[1]

    def _load_data(self) -> tuple[flambeau.Tensor, flambeau.Tensor]:
        images, labels = (_require_raw(p) for p in self._raw_files())
        data = read_sn3_pascalvincent_tensor(images)
        if data.dtype != flambeau.uint8:
            raise TypeError(f"data should be of dtype torch.uint8 instead of {data.dtype}")
        if data.ndim != 3:
            raise ValueError(f"data should have 3 dimensions instead of {data.ndim}")
        targets = read_sn3_pascalvincent_tensor(labels).long()
        if targets.ndim != 2:
            raise ValueError(f"targets should have 2 dimensions instead of {targets.ndim}")
        if self.what == "test10k":
            data, targets = data[:10000].clone(), targets[:10000].clone()
        elif self.what == "test50k":
            data, targets = data[10000:].clone(), targets[10000:].clone()
        return data, targets

    def download(self) -> None:
        """Download this subset's two files (only what `what` asks for)."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for url, md5 in self.resources[self.subsets[self.what]]:
            download_and_extract_archive(url, self.raw_folder, md5=md5)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], self.targets[index]
        if self.compat:
            target = int(target[0])
        return self._apply_transforms(pil_image().fromarray(img.numpy()), target)

    def extra_repr(self) -> str:
        return f"Split: {self.what}"
