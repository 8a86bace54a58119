"""Omniglot, Places365 and StanfordCars on small trees written here, against torchvision."""
import hashlib

import numpy as np
import pytest
import scipy.io
import torchvision

from flambeau.vision import datasets
from dsets_util import assert_same_error_message, assert_same_samples, write_image


def test_omniglot(tmp_path, monkeypatch):
    base = tmp_path / "omniglot-py"
    for alphabet, characters in (("Latin", ("character01", "character02")), ("Greek", ("character01",))):
        for c in characters:
            for k in range(2):
                write_image(base / "images_background" / alphabet / c / f"{k:04d}_{c[-2:]}.png", mode="L")
    (base / "images_background.zip").write_bytes(b"zip stand-in")
    md5s = {"images_background": hashlib.md5(b"zip stand-in").hexdigest(), "images_evaluation": "0"}
    for cls in (datasets.Omniglot, torchvision.datasets.Omniglot):
        monkeypatch.setattr(cls, "zips_md5", md5s)
    ours, theirs = datasets.Omniglot(str(tmp_path)), torchvision.datasets.Omniglot(str(tmp_path))
    assert ours._characters == theirs._characters
    assert ours._flat_character_images == theirs._flat_character_images
    assert_same_samples(ours, theirs)
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.Omniglot(str(tmp_path), background=False)


@pytest.mark.parametrize("split,small", [("train-standard", False), ("val", True), ("test", False)])
def test_places365(tmp_path, monkeypatch, split, small):
    (tmp_path / "categories_places365.txt").write_text("/a/airfield 0\n/b/bakery/shop 2\n/a/alley 1\n")
    lists = {"train-standard": ["/a/airfield/00000001.jpg 0", "/b/bakery/shop/00000002.jpg 2"],
             "val": ["Places365_val_00000001.jpg 1", "Places365_val_00000002.jpg 0"],
             "test": ["Places365_test_00000001.jpg"]}
    images_dir = {"train-standard": "data_large_standard", "val": "val_256", "test": "test_large"}[split]
    (tmp_path / datasets.Places365._FILE_LIST_META[split][0]).write_text("\n".join(lists[split]) + "\n")
    for line in lists[split]:
        write_image(tmp_path / images_dir / line.split()[0].lstrip("/"))
    meta = {"categories": "categories_places365.txt", split: datasets.Places365._FILE_LIST_META[split][0]}
    file_lists = dict(datasets.Places365._FILE_LIST_META)
    file_lists[split] = (meta[split], hashlib.md5((tmp_path / meta[split]).read_bytes()).hexdigest())
    categories = (meta["categories"], hashlib.md5((tmp_path / meta["categories"]).read_bytes()).hexdigest())
    for cls in (datasets.Places365, torchvision.datasets.Places365):
        monkeypatch.setattr(cls, "_FILE_LIST_META", file_lists)
        monkeypatch.setattr(cls, "_CATEGORIES_META", categories)
    ours = datasets.Places365(str(tmp_path), split, small)
    theirs = torchvision.datasets.Places365(str(tmp_path), split, small)
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    assert ours.imgs == theirs.imgs and ours.targets == theirs.targets
    assert_same_samples(ours, theirs)


def test_places365_missing_list(tmp_path):
    assert_same_error_message(RuntimeError, lambda: datasets.Places365(str(tmp_path)),
                              lambda: torchvision.datasets.Places365(str(tmp_path)))


@pytest.mark.parametrize("split", ["train", "test"])
def test_stanford_cars(tmp_path, split):
    base = tmp_path / "stanford_cars"
    (base / "devkit").mkdir(parents=True)
    fields = [("bbox_x1", "O"), ("bbox_y1", "O"), ("bbox_x2", "O"), ("bbox_y2", "O"), ("class", "O"), ("fname", "O")]
    rows = [(1, 1, 4, 4, 2, "00001.jpg"), (0, 0, 5, 3, 1, "00002.jpg"), (2, 1, 5, 4, 3, "00003.jpg")]
    annotations = {"annotations": np.array(rows, dtype=fields)}
    target = base / "devkit" / "cars_train_annos.mat" if split == "train" else base / "cars_test_annos_withlabels.mat"
    scipy.io.savemat(target, annotations)
    scipy.io.savemat(base / "devkit" / "cars_meta.mat",
                     {"class_names": np.array(["AM General Hummer SUV 2000", "Acura RL Sedan 2012", "Audi R8"],
                                              dtype=object)})
    for *_, name in rows:
        write_image(base / f"cars_{split}" / name)
    ours, theirs = datasets.StanfordCars(str(tmp_path), split), torchvision.datasets.StanfordCars(str(tmp_path), split)
    assert ours.classes == theirs.classes and ours._samples == theirs._samples
    assert_same_samples(ours, theirs)
    with pytest.raises(ValueError, match="cannot be downloaded"):
        datasets.StanfordCars(str(tmp_path), split, download=True)
