"""SEMEION, FER2013, MovingMNIST and EuroSAT on small files written here, against torchvision."""
import hashlib

import numpy as np
import pytest
import torchvision
from PIL import Image

import flambeau
from flambeau.vision import datasets
from dsets_util import assert_same_error_message

RNG = np.random.default_rng(0)


def md5(path) -> str:
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def assert_samples_equal(ours, theirs):
    assert len(ours) == len(theirs)
    for i in range(len(ours)):
        (a, ya), (b, yb) = ours[i], theirs[i]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert ya == yb and type(ya) is type(yb)


def test_semeion(tmp_path, monkeypatch):
    labels = RNG.integers(0, 10, 6)
    table = np.concatenate([RNG.integers(0, 2, (6, 256)), np.eye(10, dtype=int)[labels]], axis=1)
    path = tmp_path / "semeion.data"
    path.write_text("\n".join(" ".join(f"{v}.0000" if j < 256 else str(v) for j, v in enumerate(row))
                              for row in table) + "\n")
    for cls in (datasets.SEMEION, torchvision.datasets.SEMEION):
        monkeypatch.setattr(cls, "md5_checksum", md5(path))
    ours, theirs = datasets.SEMEION(str(tmp_path), download=False), torchvision.datasets.SEMEION(str(tmp_path))
    np.testing.assert_array_equal(ours.data, theirs.data)
    np.testing.assert_array_equal(ours.labels, theirs.labels)
    assert ours.labels.tolist() == labels.tolist()
    assert_samples_equal(ours, theirs)


def _fer_rows(n, usage):
    return [(int(RNG.integers(0, 7)), " ".join(map(str, RNG.integers(0, 256, 2304))), usage[i % len(usage)])
            for i in range(n)]


@pytest.mark.parametrize("layout", ["train/test", "fer", "icml"])
@pytest.mark.parametrize("split", ["train", "test"])
def test_fer2013(tmp_path, monkeypatch, layout, split):
    folder = tmp_path / "fer2013"
    folder.mkdir()
    if layout == "train/test":
        train_rows = "".join(f"{e},{p}\n" for e, p, _ in _fer_rows(3, [""]))
        (folder / "train.csv").write_text("emotion,pixels\n" + train_rows)
        (folder / "test.csv").write_text("pixels\n" + "".join(f"{p}\n" for _, p, _ in _fer_rows(2, [""])))
        names = ("train", "test")
    else:
        rows = _fer_rows(5, ["Training", "PublicTest", "PrivateTest"])
        sep = ", " if layout == "icml" else ","
        header = sep.join(["emotion", "Usage", "pixels"] if layout == "icml" else ["emotion", "pixels", "Usage"])
        body = "".join(sep.join([str(e), u, p] if layout == "icml" else [str(e), p, u]) + "\n" for e, p, u in rows)
        (folder / ("icml_face_data.csv" if layout == "icml" else "fer2013.csv")).write_text(header + "\n" + body)
        names = (layout,)
    resources = dict(datasets.FER2013._RESOURCES)
    for key in names:
        resources[key] = (resources[key][0], md5(folder / resources[key][0]))
    for cls in (datasets.FER2013, torchvision.datasets.FER2013):
        monkeypatch.setattr(cls, "_RESOURCES", resources)
    ours, theirs = datasets.FER2013(str(tmp_path), split), torchvision.datasets.FER2013(str(tmp_path), split)
    assert_samples_equal(ours, theirs)
    assert repr(ours) == repr(theirs)


def test_fer2013_missing(tmp_path):
    with pytest.raises(RuntimeError, match="train.csv not found"):
        datasets.FER2013(str(tmp_path))


@pytest.mark.parametrize("split", [None, "train", "test"])
def test_moving_mnist(tmp_path, split):
    folder = tmp_path / "MovingMNIST"
    folder.mkdir()
    np.save(folder / "mnist_test_seq.npy", RNG.integers(0, 256, (20, 3, 8, 8), dtype=np.uint8))
    ours = datasets.MovingMNIST(str(tmp_path), split=split, split_ratio=7)
    theirs = torchvision.datasets.MovingMNIST(str(tmp_path), split=split, split_ratio=7)
    assert isinstance(ours.data, flambeau.Tensor) and tuple(ours.data.shape) == tuple(theirs.data.shape)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    np.testing.assert_array_equal(ours[2].numpy(), theirs[2].numpy())
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("ratio,exc", [(0, ValueError), (2.0, TypeError)])
def test_moving_mnist_bad_ratio(tmp_path, ratio, exc):
    assert_same_error_message(exc, lambda: datasets.MovingMNIST(str(tmp_path), split_ratio=ratio),
                              lambda: torchvision.datasets.MovingMNIST(str(tmp_path), split_ratio=ratio))


def test_moving_mnist_refuses_pickled_npy(tmp_path):
    folder = tmp_path / "MovingMNIST"
    folder.mkdir()
    np.save(folder / "mnist_test_seq.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle"):
        datasets.MovingMNIST(str(tmp_path))


def test_eurosat(tmp_path):
    for cls in ("Forest", "River"):
        folder = tmp_path / "eurosat" / "2750" / cls
        folder.mkdir(parents=True)
        for i in range(2):
            Image.fromarray(RNG.integers(0, 256, (4, 4, 3), dtype=np.uint8)).save(folder / f"{cls}_{i}.jpg")
    ours, theirs = datasets.EuroSAT(str(tmp_path)), torchvision.datasets.EuroSAT(str(tmp_path))
    assert ours.classes == theirs.classes and ours.samples == theirs.samples and ours.root == theirs.root
    assert_samples_equal(ours, theirs)
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.EuroSAT(str(tmp_path / "none"))
