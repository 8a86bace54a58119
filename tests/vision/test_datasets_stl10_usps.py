"""STL10 (binary files) and USPS (bz2 LIBSVM text) written here, against torchvision."""
import bz2
import hashlib
import os

import numpy as np
import pytest
import torchvision

from flambeau.vision import datasets
from dsets_util import assert_same_error_message

RNG = np.random.default_rng(0)


def md5(path) -> str:
    return hashlib.md5(open(path, "rb").read()).hexdigest()


@pytest.fixture
def stl10_root(tmp_path, monkeypatch):
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    sizes = {"train": 6, "test": 4, "unlabeled": 3}
    for split, n in sizes.items():
        RNG.integers(0, 256, n * 3 * 96 * 96, dtype=np.uint8).tofile(folder / f"{split}_X.bin")
        if split != "unlabeled":
            RNG.integers(1, 11, n, dtype=np.uint8).tofile(folder / f"{split}_y.bin")
    (folder / "class_names.txt").write_text("\n".join(f"class{i}" for i in range(10)) + "\n")
    (folder / "fold_indices.txt").write_text("\n".join(" ".join(map(str, RNG.permutation(6)[:3])) for _ in range(10)))
    lists = {"train_list": [[n, md5(folder / n)] for n in ("train_X.bin", "train_y.bin", "unlabeled_X.bin")],
             "test_list": [[n, md5(folder / n)] for n in ("test_X.bin", "test_y.bin")]}
    for cls in (datasets.STL10, torchvision.datasets.STL10):
        for attr, value in lists.items():
            monkeypatch.setattr(cls, attr, value)
    return str(tmp_path)


@pytest.mark.parametrize("split,folds", [("train", None), ("train", 3), ("test", None), ("unlabeled", None),
                                         ("train+unlabeled", 0)])
def test_stl10_matches_torchvision(stl10_root, split, folds):
    ours = datasets.STL10(stl10_root, split, folds)
    theirs = torchvision.datasets.STL10(stl10_root, split, folds)
    np.testing.assert_array_equal(ours.data, theirs.data)
    np.testing.assert_array_equal(ours.labels, theirs.labels)
    assert ours.labels.dtype == theirs.labels.dtype and ours.classes == theirs.classes
    (a, ya), (b, yb) = ours[1], theirs[1]
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert ya == yb and len(ours) == len(theirs) and repr(ours) == repr(theirs)


@pytest.mark.parametrize("folds", [10, "1"])
def test_stl10_bad_folds(stl10_root, folds):
    assert_same_error_message(ValueError, lambda: datasets.STL10(stl10_root, folds=folds),
                              lambda: torchvision.datasets.STL10(stl10_root, folds=folds))


def test_stl10_missing_or_truncated(stl10_root, tmp_path):
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.STL10(str(tmp_path / "nowhere"))
    path = os.path.join(stl10_root, "stl10_binary", "test_X.bin")
    data = open(path, "rb").read()[:-7]
    open(path, "wb").write(data)
    datasets.STL10.test_list[0][1] = md5(path)  # the fixture's monkeypatch restores the list afterwards
    with pytest.raises(RuntimeError, match="not a whole number of 3x96x96 images"):
        datasets.STL10(stl10_root, "test")


def _usps_text(n):
    lines = []
    for _ in range(n):
        pixels = RNG.uniform(-1, 1, 256)
        lines.append(f"{RNG.integers(1, 11)} " + " ".join(f"{i}:{v:.6f}" for i, v in enumerate(pixels, 1)))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("train", [True, False])
def test_usps_matches_torchvision(tmp_path, train):
    (tmp_path / ("usps.bz2" if train else "usps.t.bz2")).write_bytes(bz2.compress(_usps_text(5).encode()))
    ours, theirs = datasets.USPS(str(tmp_path), train), torchvision.datasets.USPS(str(tmp_path), train)
    np.testing.assert_array_equal(ours.data, theirs.data)
    assert ours.data.dtype == theirs.data.dtype and ours.targets == theirs.targets
    (a, ya), (b, yb) = ours[2], theirs[2]
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert a.mode == b.mode == "L" and ya == yb and repr(ours) == repr(theirs)


@pytest.mark.parametrize("text,message", [("3 1:0.5 2:0.1\n", "line 1"), ("", None)])
def test_usps_bad_files(tmp_path, text, message):
    data = bz2.compress(text.encode()) if message else bz2.compress(_usps_text(2).encode())[:-10]
    (tmp_path / "usps.bz2").write_bytes(data)
    with pytest.raises(RuntimeError, match=message or "corrupt or truncated"):
        datasets.USPS(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="download=True"):
        datasets.USPS(str(tmp_path), train=False)
