"""Food101, DTD, GTSRB and Country211 on small trees written here, against torchvision."""
import json

import pytest
import torchvision

from flambeau.vision import datasets
from dsets_util import assert_same_samples, write_image


@pytest.mark.parametrize("split", ["train", "test"])
def test_food101(tmp_path, split):
    base = tmp_path / "food-101"
    meta = {"train": {"ramen": ["ramen/1", "ramen/2"], "apple_pie": ["apple_pie/3"]},
            "test": {"apple_pie": ["apple_pie/4"], "ramen": ["ramen/5"]}}
    (base / "meta").mkdir(parents=True)
    for name, content in meta.items():
        (base / "meta" / f"{name}.json").write_text(json.dumps(content))
        for paths in content.values():
            for p in paths:
                write_image(base / "images" / f"{p}.jpg")
    ours, theirs = datasets.Food101(str(tmp_path), split), torchvision.datasets.Food101(str(tmp_path), split)
    assert ours.classes == theirs.classes and ours._labels == theirs._labels
    assert ours._image_files == theirs._image_files
    assert_same_samples(ours, theirs)


@pytest.mark.parametrize("split,partition", [("train", 1), ("test", 2)])
def test_dtd(tmp_path, split, partition):
    data = tmp_path / "dtd" / "dtd"
    names = ["banded/banded_0001.jpg", "zigzagged/zigzagged_0004.jpg", "banded/banded_0002.jpg"]
    for n in names:
        write_image(data / "images" / n)
    (data / "labels").mkdir(parents=True)
    for s in ("train", "val", "test"):
        for p in (1, 2):
            (data / "labels" / f"{s}{p}.txt").write_text("\n".join(names[p - 1:]) + "\n")
    ours = datasets.DTD(str(tmp_path), split, partition)
    theirs = torchvision.datasets.DTD(str(tmp_path), split, partition)
    assert ours.classes == theirs.classes and ours._labels == theirs._labels
    assert_same_samples(ours, theirs)


@pytest.mark.parametrize("partition", [0, 11, "1"])
def test_dtd_bad_partition(tmp_path, partition):
    with pytest.raises(ValueError, match="1 <= partition <= 10"):
        datasets.DTD(str(tmp_path), partition=partition)


@pytest.mark.parametrize("split", ["train", "test"])
def test_gtsrb(tmp_path, split):
    base = tmp_path / "gtsrb" / "GTSRB"
    for cls in ("00000", "00002"):
        for i in range(2):
            write_image(base / "Training" / cls / f"{i:05d}_00000.ppm", fmt="PPM")
    rows = [("00000.ppm", 5), ("00001.ppm", 42)]
    for name, _ in rows:
        write_image(base / "Final_Test" / "Images" / name, fmt="PPM")
    (tmp_path / "gtsrb" / "GT-final_test.csv").write_text(
        "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n"
        + "".join(f"{n};6;5;0;0;5;4;{c}\n" for n, c in rows))
    ours, theirs = datasets.GTSRB(str(tmp_path), split), torchvision.datasets.GTSRB(str(tmp_path), split)
    assert ours._samples == theirs._samples
    assert_same_samples(ours, theirs)


def test_country211(tmp_path):
    for split in ("train", "valid", "test"):
        for code in ("AD", "FR"):
            write_image(tmp_path / "country211" / split / code / f"{split}_{code}.jpg")
    for split in ("valid", "test"):
        ours = datasets.Country211(str(tmp_path), split)
        theirs = torchvision.datasets.Country211(str(tmp_path), split)
        assert ours.classes == theirs.classes and ours.samples == theirs.samples and ours.root == theirs.root
        assert_same_samples(ours, theirs)
