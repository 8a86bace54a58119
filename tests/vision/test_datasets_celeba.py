"""CelebA from small annotation files and images written here, against torchvision."""
import hashlib

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image

import flambeau
from flambeau.vision import datasets
from flambeau.vision.datasets import utils
from dsets_util import assert_same_error_message

N = 7


def _write(folder, name, header, rows):
    lines = ([str(N), header] if header is not None else []) + rows
    (folder / name).write_text("\n".join(lines) + "\n")
    return hashlib.md5((folder / name).read_bytes()).hexdigest()


@pytest.fixture
def root(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    folder = tmp_path / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    names = [f"{i + 1:06d}.jpg" for i in range(N)]
    for name in names:
        Image.fromarray(rng.integers(0, 256, (9, 8, 3), dtype=np.uint8)).save(folder / "img_align_celeba" / name)
    attrs = ["5_o_Clock_Shadow", "Arched_Eyebrows", "Smiling"]
    md5s = {
        "list_attr_celeba.txt": _write(folder, "list_attr_celeba.txt", " ".join(attrs),
                                       [f"{n} " + " ".join(f"{v:2d}" for v in rng.choice([-1, 1], 3)) for n in names]),
        "identity_CelebA.txt": _write(folder, "identity_CelebA.txt", None,
                                      [f"{n} {rng.integers(1, 100)}" for n in names]),
        "list_bbox_celeba.txt": _write(folder, "list_bbox_celeba.txt", "image_id x_1 y_1 width height",
                                       [f"{n}   {' '.join(map(str, rng.integers(0, 90, 4)))}" for n in names]),
        "list_landmarks_align_celeba.txt": _write(
            folder, "list_landmarks_align_celeba.txt", " ".join(f"p{i}" for i in range(10)),
            [f"{n} " + " ".join(map(str, rng.integers(0, 60, 10))) for n in names]),
        "list_eval_partition.txt": _write(folder, "list_eval_partition.txt", None,
                                          [f"{n} {p}" for n, p in zip(names, [0, 0, 1, 2, 0, 2, 1])]),
    }
    file_list = [(fid, md5s.get(name, md5), name) for fid, md5, name in datasets.CelebA.file_list]
    monkeypatch.setattr(datasets.CelebA, "file_list", file_list)
    monkeypatch.setattr(torchvision.datasets.CelebA, "file_list", file_list)
    return str(tmp_path)


def _same(a, b):
    if isinstance(b, torch.Tensor):
        assert isinstance(a, flambeau.Tensor) and str(a.dtype) == str(b.dtype)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


@pytest.mark.parametrize("split", ["train", "valid", "test", "all", "TRAIN"])
@pytest.mark.parametrize("target_type", ["attr", ["identity", "bbox", "landmarks"], []])
def test_celeba_matches_torchvision(root, split, target_type):
    ours = datasets.CelebA(root, split, target_type)
    theirs = torchvision.datasets.CelebA(root, split, target_type)
    assert ours.filename == theirs.filename and ours.attr_names == theirs.attr_names and len(ours) == len(theirs)
    for name in ("attr", "identity", "bbox", "landmarks_align"):
        _same(getattr(ours, name), getattr(theirs, name))
    for i in range(len(ours)):
        (a, ta), (b, tb) = ours[i], theirs[i]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        _same(ta, tb)
    assert repr(ours) == repr(theirs)


def test_celeba_errors(root, tmp_path):
    for kwargs, exc in [(dict(split="dev"), ValueError), (dict(target_type="age"), ValueError),
                        (dict(target_type=[], target_transform=str), RuntimeError)]:
        assert_same_error_message(exc, lambda: datasets.CelebA(root, **kwargs)[0],
                                  lambda: torchvision.datasets.CelebA(root, **kwargs)[0])
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.CelebA(str(tmp_path / "nowhere"))


def test_google_drive_download_needs_gdown(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "gdown", None)
    with pytest.raises(RuntimeError, match="pip install gdown"):
        utils.download_file_from_google_drive("some-id", str(tmp_path))
