"""Caltech101/256, Imagenette and RenderedSST2 on small trees written here, against torchvision."""
import numpy as np
import pytest
import scipy.io
import torchvision

from flambeau.vision import datasets
from dsets_util import assert_equal, assert_same_error_message, assert_same_samples, write_image

RNG = np.random.default_rng(0)


def _category_and_contour_equal(x, y):
    assert x[0] == y[0]
    np.testing.assert_array_equal(x[1], y[1])


@pytest.mark.parametrize("target_type", ["category", ["category", "annotation"]])
def test_caltech101(tmp_path, target_type):
    base = tmp_path / "caltech101"
    for category, count, mode in (("Faces", 2, "RGB"), ("accordion", 1, "L"), ("BACKGROUND_Google", 1, "RGB")):
        for i in range(1, count + 1):
            write_image(base / "101_ObjectCategories" / category / f"image_{i:04d}.jpg", mode)
            folder = base / "Annotations" / {"Faces": "Faces_2"}.get(category, category)
            folder.mkdir(parents=True, exist_ok=True)
            scipy.io.savemat(folder / f"annotation_{i:04d}.mat", {"obj_contour": RNG.uniform(0, 5, (2, 4))})
    ours = datasets.Caltech101(str(tmp_path), target_type)
    theirs = torchvision.datasets.Caltech101(str(tmp_path), target_type)
    assert ours.categories == theirs.categories and ours.annotation_categories == theirs.annotation_categories
    assert ours.y == theirs.y and ours.index == theirs.index
    assert_same_samples(ours, theirs, _category_and_contour_equal if isinstance(target_type, list) else assert_equal)


def test_caltech256(tmp_path):
    base = tmp_path / "caltech256" / "256_ObjectCategories"
    for k, (category, count) in enumerate((("001.ak47", 2), ("002.american-flag", 1))):
        for i in range(1, count + 1):
            write_image(base / category / f"{k + 1:03d}_{i:04d}.jpg")
    ours, theirs = datasets.Caltech256(str(tmp_path)), torchvision.datasets.Caltech256(str(tmp_path))
    assert ours.categories == theirs.categories and ours.y == theirs.y
    assert_same_samples(ours, theirs)


def test_caltech_missing(tmp_path):
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.Caltech101(str(tmp_path))
    assert_same_error_message(ValueError, lambda: datasets.Caltech101(str(tmp_path), "contour"),
                              lambda: torchvision.datasets.Caltech101(str(tmp_path), "contour"))


@pytest.mark.parametrize("split,size", [("train", "full"), ("val", "160px")])
def test_imagenette(tmp_path, split, size):
    folder = {"full": "imagenette2", "160px": "imagenette2-160"}[size]
    for wnid in ("n01440764", "n03888257"):
        for i in range(2):
            write_image(tmp_path / folder / split / wnid / f"ILSVRC_{i}.JPEG")
    ours = datasets.Imagenette(str(tmp_path), split, size)
    theirs = torchvision.datasets.Imagenette(str(tmp_path), split, size)
    assert ours.wnids == theirs.wnids and ours.classes == theirs.classes
    assert ours.class_to_idx == theirs.class_to_idx and ours._samples == theirs._samples
    assert_same_samples(ours, theirs)


@pytest.mark.parametrize("split", ["train", "val"])
def test_rendered_sst2(tmp_path, split):
    for folder in ("train", "valid"):
        for label in ("negative", "positive"):
            for i in range(2):
                write_image(tmp_path / "rendered-sst2" / folder / label / f"{i}.png")
    ours, theirs = datasets.RenderedSST2(str(tmp_path), split), torchvision.datasets.RenderedSST2(str(tmp_path), split)
    assert ours._samples == theirs._samples
    assert_same_samples(ours, theirs)
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.RenderedSST2(str(tmp_path), "test")
