"""Cityscapes on a small tree written here, against torchvision (which lists files in directory order)."""
import json

import numpy as np
import pytest
import torchvision
from PIL import Image

from flambeau.vision import datasets
from dsets_util import assert_same_error_message

RNG = np.random.default_rng(0)


def _png(path, mode):
    path.parent.mkdir(parents=True, exist_ok=True)
    shape = (4, 5, 3) if mode == "RGB" else (4, 5)
    Image.fromarray(RNG.integers(0, 34, shape, dtype=np.uint8)).convert(mode).save(path)


@pytest.fixture
def root(tmp_path):
    for city, numbers in (("aachen", ("000000_000019", "000001_000019")), ("bochum", ("000000_001097",))):
        for n in numbers:
            stem = f"{city}_{n}"
            _png(tmp_path / "leftImg8bit" / "val" / city / f"{stem}_leftImg8bit.png", "RGB")
            gt = tmp_path / "gtFine" / "val" / city
            _png(gt / f"{stem}_gtFine_instanceIds.png", "I;16")
            _png(gt / f"{stem}_gtFine_labelIds.png", "L")
            _png(gt / f"{stem}_gtFine_color.png", "RGBA")
            (gt / f"{stem}_gtFine_polygons.json").write_text(json.dumps({"imgHeight": 4, "objects": [n]}))
    return str(tmp_path)


def _same(a, b):
    if isinstance(b, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(b, dict):
        assert a == b
    else:
        assert a.mode == b.mode
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("target_type", ["instance", ["semantic", "color", "polygon"]])
def test_cityscapes(root, target_type):
    ours = datasets.Cityscapes(root, "val", target_type=target_type)
    theirs = torchvision.datasets.Cityscapes(root, "val", target_type=target_type)
    assert sorted(ours.images) == sorted(theirs.images) == ours.images and repr(ours) == repr(theirs)
    position = {path: i for i, path in enumerate(theirs.images)}
    for i, path in enumerate(ours.images):
        assert ours.targets[i] == theirs.targets[position[path]]
        (a, ta), (b, tb) = ours[i], theirs[position[path]]
        _same(a, b)
        _same(ta, tb)


@pytest.mark.parametrize("kwargs", [dict(split="train_extra"), dict(mode="medium"), dict(target_type="depth")])
def test_cityscapes_bad_arguments(root, kwargs):
    assert_same_error_message(ValueError, lambda: datasets.Cityscapes(root, **kwargs),
                              lambda: torchvision.datasets.Cityscapes(root, **kwargs))


def test_cityscapes_missing(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found or incomplete"):
        datasets.Cityscapes(str(tmp_path))
