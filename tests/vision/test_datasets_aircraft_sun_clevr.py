"""FGVCAircraft, SUN397 and CLEVRClassification on small trees written here, against torchvision."""
import json

import numpy as np
import pytest
import torchvision

from flambeau.vision import datasets
from dsets_util import assert_same_samples, write_image


def _pixels(sample):
    return np.asarray(sample[0])


@pytest.mark.parametrize("split,level", [("trainval", "variant"), ("test", "manufacturer")])
def test_fgvc_aircraft(tmp_path, split, level):
    data = tmp_path / "fgvc-aircraft-2013b" / "data"
    classes = {"variant": ["707-320", "A300B4", "Boeing 717"], "manufacturer": ["Boeing", "Airbus"]}[level]
    data.mkdir(parents=True)
    class_file = {"variant": "variants.txt", "manufacturer": "manufacturers.txt"}[level]
    (data / class_file).write_text("\n".join(classes) + "\n")
    rows = [(f"{1000000 + i}", classes[i % len(classes)]) for i in range(4)]
    (data / f"images_{level}_{split}.txt").write_text("".join(f"{n} {c}\n" for n, c in rows))
    for name, _ in rows:
        write_image(data / "images" / f"{name}.jpg")
    ours = datasets.FGVCAircraft(str(tmp_path), split, level)
    theirs = torchvision.datasets.FGVCAircraft(str(tmp_path), split, level)
    assert ours.classes == theirs.classes and ours._labels == theirs._labels
    assert ours._image_files == theirs._image_files
    assert_same_samples(ours, theirs)


def test_sun397(tmp_path):
    base = tmp_path / "SUN397"
    base.mkdir()
    (base / "ClassName.txt").write_text("/a/abbey\n/b/bakery/shop\n/a/airport_terminal\n")
    for path in ("a/abbey/sun_aaa.jpg", "b/bakery/shop/sun_bbb.jpg", "a/abbey/sun_ccc.jpg",
                 "a/airport_terminal/sun_ddd.jpg"):
        write_image(base / path)
    ours, theirs = datasets.SUN397(str(tmp_path)), torchvision.datasets.SUN397(str(tmp_path))
    assert ours.classes == theirs.classes and len(ours) == len(theirs)
    # torchvision keeps the file system's order; flambeau sorts: compare the (file, label) pairs as sets
    assert set(zip(ours._image_files, ours._labels)) == set(zip(theirs._image_files, theirs._labels))
    assert ours._image_files == sorted(ours._image_files)
    position = {path: i for i, path in enumerate(theirs._image_files)}
    for i, path in enumerate(ours._image_files):
        j = position[path]
        np.testing.assert_array_equal(_pixels(ours[i]), _pixels(theirs[j]))
        assert ours[i][1] == theirs[j][1]


@pytest.mark.parametrize("split", ["train", "test"])
def test_clevr(tmp_path, split):
    data = tmp_path / "clevr" / "CLEVR_v1.0"
    names = [f"CLEVR_{split}_{i:06d}.png" for i in range(3)]
    for name in names:
        write_image(data / "images" / split / name)
    (data / "scenes").mkdir(parents=True)
    scenes = {"scenes": [{"image_filename": n, "objects": [{}] * (k + 3)} for k, n in enumerate(reversed(names))]}
    (data / "scenes" / f"CLEVR_{split}_scenes.json").write_text(json.dumps(scenes))
    ours = datasets.CLEVRClassification(str(tmp_path), split)
    theirs = torchvision.datasets.CLEVRClassification(str(tmp_path), split)
    assert ours._image_files == theirs._image_files and ours._labels == theirs._labels
    assert_same_samples(ours, theirs)
