"""ImageFolder/DatasetFolder against torchvision on a temp folder of PNGs; SVHN from a small .mat; FakeData."""
import hashlib
import os

import numpy as np
import pytest
import scipy.io
import torchvision
from PIL import Image

import flambeau
from flambeau.vision import datasets
from flambeau.vision.datasets import folder


@pytest.fixture
def image_root(tmp_path):
    rng = np.random.default_rng(0)
    layout = {"dog": ["b.png", "a.PNG", "deep/c.png", "notes.txt"], "cat": ["x.png", "y.jpg"], "bird": ["z.png"]}
    for cls, names in layout.items():
        for name in names:
            path = tmp_path / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".txt"):
                path.write_text("not an image")
            else:
                mode, shape = ("L", (5, 4)) if name.startswith("z") else ("RGB", (5, 4, 3))
                Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).convert(mode).save(
                    path, format="PNG" if name.lower().endswith(".png") else "JPEG")
    return str(tmp_path)


def test_image_folder_matches_torchvision(image_root):
    ours, theirs = datasets.ImageFolder(image_root), torchvision.datasets.ImageFolder(image_root)
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    assert ours.samples == theirs.samples and ours.targets == theirs.targets and ours.imgs == theirs.imgs
    for i in range(len(ours)):
        (a, ya), (b, yb) = ours[i], theirs[i]
        assert a.mode == b.mode == "RGB" and ya == yb
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert repr(ours) == repr(theirs)


def test_dataset_folder_with_is_valid_file_and_loader(image_root):
    def valid(p):
        return p.endswith(".txt") or "cat" in p

    kwargs = dict(loader=lambda p: os.path.basename(p), is_valid_file=valid, allow_empty=True)
    ours = datasets.DatasetFolder(image_root, **kwargs)
    theirs = torchvision.datasets.DatasetFolder(image_root, **kwargs)
    assert ours.samples == theirs.samples
    assert [ours[i] for i in range(len(ours))] == [theirs[i] for i in range(len(theirs))]


def _error(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as e:
        return type(e), str(e)
    return None


@pytest.mark.parametrize("kwargs", [dict(extensions=(".jpg",)), dict(extensions=".png"),
                                    dict(extensions=None), dict(extensions=".png", is_valid_file=bool),
                                    dict(class_to_idx={}, extensions=".png")])
def test_make_dataset_errors_match_torchvision(image_root, kwargs):
    ours = _error(folder.make_dataset, image_root, **kwargs)
    theirs = _error(torchvision.datasets.folder.make_dataset, image_root, **kwargs)
    assert ours == theirs


def test_no_class_folder(tmp_path):
    assert _error(folder.find_classes, str(tmp_path)) == _error(torchvision.datasets.folder.find_classes, str(tmp_path))
    assert _error(datasets.ImageFolder, str(tmp_path))[0] is FileNotFoundError


def test_extension_helpers():
    for name in ("a.JPG", "b.webp", "c.gif", "d.tiff"):
        assert folder.is_image_file(name) == torchvision.datasets.folder.is_image_file(name)
    assert folder.IMG_EXTENSIONS == torchvision.datasets.folder.IMG_EXTENSIONS


@pytest.mark.parametrize("split", ["train", "test"])
def test_svhn_matches_torchvision(tmp_path, monkeypatch, split):
    rng = np.random.default_rng(1)
    filename = f"{split}_32x32.mat"
    scipy.io.savemat(tmp_path / filename, {"X": rng.integers(0, 256, (32, 32, 3, 4), dtype=np.uint8),
                                           "y": np.array([[10], [3], [1], [10]], dtype=np.uint8)})
    md5 = hashlib.md5((tmp_path / filename).read_bytes()).hexdigest()
    split_list = {split: ["unused", filename, md5]}
    monkeypatch.setattr(datasets.SVHN, "split_list", split_list)
    monkeypatch.setattr(torchvision.datasets.SVHN, "split_list", split_list)
    ours, theirs = datasets.SVHN(str(tmp_path), split), torchvision.datasets.SVHN(str(tmp_path), split)
    np.testing.assert_array_equal(ours.data, theirs.data)
    np.testing.assert_array_equal(ours.labels, theirs.labels)
    assert ours.labels.dtype == theirs.labels.dtype and ours.labels.tolist() == [0, 3, 1, 0]
    (a, ya), (b, yb) = ours[2], theirs[2]
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert ya == yb and repr(ours) == repr(theirs)


def test_svhn_missing_file(tmp_path):
    with pytest.raises(RuntimeError, match=r"train_32x32.mat.*download=True"):
        datasets.SVHN(str(tmp_path))
    with pytest.raises(ValueError, match="Unknown value 'dev' for argument split"):
        datasets.SVHN(str(tmp_path), "dev")


def test_fakedata_is_reproducible_and_leaves_global_rng_alone():
    ds = datasets.FakeData(size=4, image_size=(3, 6, 5), num_classes=3, random_offset=7)
    flambeau.manual_seed(0)
    before = flambeau.rand(3)
    flambeau.manual_seed(0)
    a, ya = ds[1]
    b, yb = ds[1]
    assert flambeau.equal(flambeau.rand(3), before)
    assert a.size == (5, 6) and a.mode == "RGB" and 0 <= ya < 3 and type(ya) is int and ya == yb
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(ds[2][0]))
    shifted = datasets.FakeData(size=4, image_size=(3, 6, 5), num_classes=3, random_offset=6)
    np.testing.assert_array_equal(np.asarray(shifted[2][0]), np.asarray(a))
    assert len(ds) == 4 and repr(ds) == repr(torchvision.datasets.FakeData(size=4))
    with pytest.raises(IndexError):
        ds[4]
