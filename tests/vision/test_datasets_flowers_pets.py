"""Flowers102 and OxfordIIITPet on small trees written here, against torchvision."""
import hashlib

import numpy as np
import pytest
import scipy.io
import torchvision

from flambeau.vision import datasets
from dsets_util import assert_same_error_message, write_image

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_flowers102(tmp_path, monkeypatch, split):
    base = tmp_path / "flowers-102"
    (base / "jpg").mkdir(parents=True)
    for i in range(1, 10):
        write_image(base / "jpg" / f"image_{i:05d}.jpg")
    scipy.io.savemat(base / "imagelabels.mat", {"labels": RNG.integers(1, 103, (1, 9))})
    scipy.io.savemat(base / "setid.mat", {"trnid": np.array([[3, 1, 7]]), "valid": np.array([[2, 9]]),
                                          "tstid": np.array([[4, 5, 6, 8]])})
    files = dict(datasets.Flowers102._file_dict)
    for key in ("label", "setid"):
        files[key] = (files[key][0], hashlib.md5((base / files[key][0]).read_bytes()).hexdigest())
    for cls in (datasets.Flowers102, torchvision.datasets.Flowers102):
        monkeypatch.setattr(cls, "_file_dict", files)
    ours, theirs = datasets.Flowers102(str(tmp_path), split), torchvision.datasets.Flowers102(str(tmp_path), split)
    assert ours._labels == theirs._labels and ours._image_files == theirs._image_files
    assert ours.classes == theirs.classes and len(ours.classes) == 102
    for i in range(len(ours)):
        (a, ya), (b, yb) = ours[i], theirs[i]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert ya == yb
    assert repr(ours) == repr(theirs)
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.Flowers102(str(tmp_path / "none"))


@pytest.fixture
def pets_root(tmp_path):
    base = tmp_path / "oxford-iiit-pet"
    (base / "images").mkdir(parents=True)
    (base / "annotations" / "trimaps").mkdir(parents=True)
    entries = [("Abyssinian_1", 1, 1), ("great_pyrenees_12", 3, 2), ("Abyssinian_7", 1, 1), ("beagle_3", 2, 2)]
    for name, _, _ in entries:
        write_image(base / "images" / f"{name}.jpg")
        write_image(base / "annotations" / "trimaps" / f"{name}.png", mode="L")
    for split, rows in (("trainval", entries[:3]), ("test", entries[3:])):
        (base / "annotations" / f"{split}.txt").write_text("".join(f"{n} {c} {s} 1\n" for n, c, s in rows))
    return str(tmp_path)


@pytest.mark.parametrize("split", ["trainval", "test"])
@pytest.mark.parametrize("target_types", ["category", ["binary-category", "segmentation"], []])
def test_oxford_iiit_pet(pets_root, split, target_types):
    ours = datasets.OxfordIIITPet(pets_root, split, target_types)
    theirs = torchvision.datasets.OxfordIIITPet(pets_root, split, target_types)
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    assert ours.bin_class_to_idx == theirs.bin_class_to_idx and len(ours) == len(theirs)
    for i in range(len(ours)):
        (a, ta), (b, tb) = ours[i], theirs[i]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        if isinstance(tb, tuple):
            assert ta[0] == tb[0]
            np.testing.assert_array_equal(np.asarray(ta[1]), np.asarray(tb[1]))
        else:
            assert ta == tb
    assert repr(ours) == repr(theirs)


def test_oxford_iiit_pet_bad_target_type(pets_root):
    assert_same_error_message(ValueError, lambda: datasets.OxfordIIITPet(pets_root, target_types="breed"),
                              lambda: torchvision.datasets.OxfordIIITPet(pets_root, target_types="breed"))
