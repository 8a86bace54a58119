"""ImageNet from miniature ILSVRC2012 archives written here (devkit with meta.mat, train and val tars),
unpacked once by torchvision and once by flambeau, compared."""
import hashlib
import io
import os
import shutil
import tarfile

import numpy as np
import pytest
import scipy.io
import torch
import torchvision
from PIL import Image

from flambeau.vision import datasets
from flambeau.vision.datasets import imagenet

WNIDS = ["n01440764", "n01443537", "n01484850"]
WORDS = ["tench, Tinca tinca", "goldfish, Carassius auratus", "great white shark"]


def _jpeg(rng) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (6, 7, 3), dtype=np.uint8)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _write_archives(root):
    rng = np.random.default_rng(0)
    fields = [("ILSVRC2012_ID", "O"), ("WNID", "O"), ("words", "O"), ("gloss", "O"), ("num_children", "O")]
    # three leaf classes and one inner node (num_children > 0), which must be left out
    rows = [(i + 1, w, words, "a fish", 0) for i, (w, words) in enumerate(zip(WNIDS, WORDS))]
    rows.append((1001, "n00000001", "fish", "inner node", 3))
    mat = io.BytesIO()
    scipy.io.savemat(mat, {"synsets": np.array(rows, dtype=fields)})
    val_labels = [2, 1, 3, 1, 2]
    with tarfile.open(root / "ILSVRC2012_devkit_t12.tar.gz", "w:gz") as tar:
        _add(tar, "ILSVRC2012_devkit_t12/data/meta.mat", mat.getvalue())
        _add(tar, "ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt",
             "".join(f"{v}\n" for v in val_labels).encode())
    with tarfile.open(root / "ILSVRC2012_img_val.tar", "w") as tar:
        for i in range(len(val_labels)):
            _add(tar, f"ILSVRC2012_val_{i + 1:08d}.JPEG", _jpeg(rng))
    with tarfile.open(root / "ILSVRC2012_img_train.tar", "w") as outer:
        for k, wnid in enumerate(WNIDS):
            inner = io.BytesIO()
            with tarfile.open(fileobj=inner, mode="w") as tar:
                for j in range(k + 1):
                    _add(tar, f"{wnid}_{j}.JPEG", _jpeg(rng))
            _add(outer, f"{wnid}.tar", inner.getvalue())
    return {split: (name, hashlib.md5((root / name).read_bytes()).hexdigest())
            for split, name in (("train", "ILSVRC2012_img_train.tar"), ("val", "ILSVRC2012_img_val.tar"),
                                ("devkit", "ILSVRC2012_devkit_t12.tar.gz"))}


@pytest.fixture
def roots(tmp_path, monkeypatch):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    meta = _write_archives(ours)
    shutil.copytree(ours, theirs)
    monkeypatch.setattr(imagenet, "ARCHIVE_META", meta)
    monkeypatch.setattr(torchvision.datasets.imagenet, "ARCHIVE_META", meta)
    return str(ours), str(theirs)


@pytest.mark.parametrize("split", ["train", "val"])
def test_imagenet_matches_torchvision(roots, split):
    ours_root, theirs_root = roots
    ours, theirs = datasets.ImageNet(ours_root, split), torchvision.datasets.ImageNet(theirs_root, split)
    assert ours.wnids == theirs.wnids == WNIDS
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    assert ours.wnid_to_idx == theirs.wnid_to_idx and ours.targets == theirs.targets
    assert [os.path.relpath(p, ours_root) for p, _ in ours.samples] == \
        [os.path.relpath(p, theirs_root) for p, _ in theirs.samples]
    for i in range(len(ours)):
        (a, ya), (b, yb) = ours[i], theirs[i]
        assert ya == yb
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert repr(ours).replace(ours_root, "R") == repr(theirs).replace(theirs_root, "R")
    # a second construction reuses meta.bin and the unpacked folder
    os.remove(os.path.join(ours_root, imagenet.ARCHIVE_META[split][0]))
    assert len(datasets.ImageNet(ours_root, split)) == len(ours)


def test_meta_file_written_by_torchvision_is_read(roots):
    _, theirs_root = roots
    torchvision.datasets.ImageNet(theirs_root, "val")  # writes meta.bin with torch.save
    wnid_to_classes, val_wnids = imagenet.load_meta_file(theirs_root)
    assert (wnid_to_classes, val_wnids) == torch.load(os.path.join(theirs_root, "meta.bin"), weights_only=True)
    assert val_wnids == [WNIDS[i - 1] for i in (2, 1, 3, 1, 2)]


def test_missing_or_corrupt_archive(roots, tmp_path):
    with pytest.raises(RuntimeError, match="ILSVRC2012_devkit_t12.tar.gz is not present"):
        datasets.ImageNet(str(tmp_path / "empty"))
    ours_root, _ = roots
    with open(os.path.join(ours_root, "ILSVRC2012_img_train.tar"), "ab") as f:
        f.write(b"\0")
    with pytest.raises(RuntimeError, match="ILSVRC2012_img_train.tar is not present .* or is corrupted"):
        datasets.ImageNet(ours_root, "train")
    assert list(imagenet.load_meta_file(ours_root)[0]) == WNIDS  # the devkit was parsed before that
