"""VOCSegmentation / VOCDetection on a small VOCdevkit tree written here, against torchvision."""
import os

import numpy as np
import pytest
import torchvision
from PIL import Image

from flambeau.vision import datasets
from dsets_util import assert_same_error_message

ANNOTATION = """<annotation>
  <folder>VOC2012</folder>
  <filename>{name}.jpg</filename>
  <size><width>12</width><height>10</height><depth>3</depth></size>
  <segmented>1</segmented>
  {objects}
</annotation>"""
OBJECT = """<object><name>{cls}</name><difficult>0</difficult>
  <bndbox><xmin>1</xmin><ymin>2</ymin><xmax>{x}</xmax><ymax>8</ymax></bndbox></object>"""


@pytest.fixture(scope="module")
def voc_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("voc")
    base = root / "VOCdevkit" / "VOC2012"
    rng = np.random.default_rng(0)
    names = ["2008_000001", "2008_000002", "2008_000003"]
    for sub in ("JPEGImages", "SegmentationClass", "Annotations", "ImageSets/Main", "ImageSets/Segmentation"):
        (base / sub).mkdir(parents=True)
    for i, name in enumerate(names):
        Image.fromarray(rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)).save(base / "JPEGImages" / f"{name}.jpg")
        mask = Image.fromarray(rng.integers(0, 21, (10, 12), dtype=np.uint8), mode="L").convert("P")
        mask.save(base / "SegmentationClass" / f"{name}.png")
        objects = "".join(OBJECT.format(cls=c, x=5 + k) for k, c in enumerate(["dog", "cat", "person"][:i]))
        (base / "Annotations" / f"{name}.xml").write_text(ANNOTATION.format(name=name, objects=objects))
    for sub in ("Main", "Segmentation"):
        (base / "ImageSets" / sub / "train.txt").write_text("\n".join(names[:2]) + "\n")
        (base / "ImageSets" / sub / "val.txt").write_text(names[2] + "\n")
    return str(root)


@pytest.mark.parametrize("image_set", ["train", "val"])
def test_voc_detection(voc_root, image_set):
    ours = datasets.VOCDetection(voc_root, image_set=image_set)
    theirs = torchvision.datasets.VOCDetection(voc_root, image_set=image_set)
    assert ours.images == theirs.images and ours.annotations == theirs.annotations and len(ours) == len(theirs)
    for i in range(len(ours)):
        (a, ta), (b, tb) = ours[i], theirs[i]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert ta == tb and isinstance(ta["annotation"]["object"], list)
    assert repr(ours) == repr(theirs)


def test_voc_segmentation_with_joint_transforms(voc_root):
    def joint(img, mask):
        return np.asarray(img).sum(), np.asarray(mask).copy()

    ours = datasets.VOCSegmentation(voc_root, transforms=joint)
    theirs = torchvision.datasets.VOCSegmentation(voc_root, transforms=joint)
    assert ours.masks == theirs.masks
    (a, ma), (b, mb) = ours[1], theirs[1]
    assert a == b
    np.testing.assert_array_equal(ma, mb)
    img, mask = datasets.VOCSegmentation(voc_root)[0]
    assert img.mode == "RGB" and mask.mode == "P"


@pytest.mark.parametrize("kwargs", [dict(year="2013"), dict(year="2012", image_set="test"), dict(year=2012)])
def test_voc_bad_arguments_match_torchvision(voc_root, kwargs):
    assert_same_error_message(ValueError, lambda: datasets.VOCDetection(voc_root, **kwargs),
                              lambda: torchvision.datasets.VOCDetection(voc_root, **kwargs))


def test_voc_missing(tmp_path):
    with pytest.raises(RuntimeError, match=r"VOC2007.*download=True"):
        datasets.VOCSegmentation(str(tmp_path), year="2007", image_set="test")
    assert os.listdir(tmp_path) == []
