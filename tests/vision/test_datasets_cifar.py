"""CIFAR10/100 from CIFAR-style python batches written here, against torchvision; unsafe pickles refused."""
import hashlib
import os
import pickle

import numpy as np
import pytest
import torchvision

from flambeau.serialization.errors import UnsafeFileError
from flambeau.vision import datasets
from flambeau.vision.datasets._numpy_pickle import load_numpy_pickle

_reconstruct = np._core.multiarray._reconstruct


class _Py2StylePickler(pickle.Pickler):
    """Pickles arrays as Python 2's cPickle did for the real CIFAR files: the raw bytes as a latin-1 str."""

    def reducer_override(self, obj):
        if isinstance(obj, np.ndarray):
            state = (1, obj.shape, obj.dtype, False, obj.tobytes().decode("latin1"))
            return _reconstruct, (np.ndarray, (0,), "b"), state
        return NotImplemented


def dump(path, obj, style):
    with open(path, "wb") as f:
        if style == "py2":
            _Py2StylePickler(f, protocol=2).dump(obj)
        else:
            pickle.dump(obj, f, protocol=style)
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def make_cifar(root, cls, style, n=3, seed=0):
    """Write batches for `cls` under root and return the class attributes naming them with their MD5s."""
    rng = np.random.default_rng(seed)
    folder = os.path.join(root, cls.base_folder)
    os.makedirs(folder, exist_ok=True)
    label_key = "labels" if cls is datasets.CIFAR10 else "fine_labels"
    lists = {}
    for attr, names in (("train_list", ["data_batch_1", "data_batch_2"]), ("test_list", ["test_batch"])):
        entries = []
        for name in names:
            batch = {"batch_label": f"{name} of 2", label_key: rng.integers(0, 10, n).tolist(),
                     "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                     "filenames": [f"img{i}.png" for i in range(n)]}
            entries.append([name, dump(os.path.join(folder, name), batch, style)])
        lists[attr] = entries
    meta_key = cls.meta["key"]
    md5 = dump(os.path.join(folder, cls.meta["filename"]), {meta_key: [f"class{i}" for i in range(10)]}, style)
    lists["meta"] = dict(cls.meta, md5=md5)
    return lists


def patch(monkeypatch, lists, *classes):
    for cls in classes:
        for attr, value in lists.items():
            monkeypatch.setattr(cls, attr, value)


@pytest.mark.parametrize("style", ["py2", 2, 4])
@pytest.mark.parametrize("name", ["CIFAR10", "CIFAR100"])
def test_cifar_matches_torchvision(tmp_path, monkeypatch, style, name):
    ours_cls, tv_cls = getattr(datasets, name), getattr(torchvision.datasets, name)
    patch(monkeypatch, make_cifar(str(tmp_path), ours_cls, style), ours_cls, tv_cls)
    for train in (True, False):
        ours, theirs = ours_cls(str(tmp_path), train=train), tv_cls(str(tmp_path), train=train)
        assert len(ours) == len(theirs) == (6 if train else 3)
        assert ours.data.dtype == theirs.data.dtype and ours.data.shape == theirs.data.shape
        np.testing.assert_array_equal(ours.data, theirs.data)
        assert ours.targets == theirs.targets
        assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
        (a, ya), (b, yb) = ours[1], theirs[1]
        assert a.mode == b.mode == "RGB" and ya == yb
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert repr(ours) == repr(theirs)


def test_md5_mismatch_is_refused(tmp_path, monkeypatch):
    lists = make_cifar(str(tmp_path), datasets.CIFAR10, 2)
    patch(monkeypatch, lists, datasets.CIFAR10)
    with open(os.path.join(tmp_path, "cifar-10-batches-py", "test_batch"), "ab") as f:
        f.write(b"\0")
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.CIFAR10(str(tmp_path), train=False)


class _Evil:
    def __reduce__(self):
        return os.system, ("touch pwned",)


@pytest.mark.parametrize("payload", [_Evil(), np.array([1, "x"], dtype=object)])
def test_malicious_batch_is_refused_without_running_it(tmp_path, monkeypatch, payload):
    lists = make_cifar(str(tmp_path), datasets.CIFAR10, 2)
    path = os.path.join(tmp_path, "cifar-10-batches-py", "test_batch")
    lists["test_list"] = [["test_batch", dump(path, {"data": payload, "labels": [0]}, 2)]]
    patch(monkeypatch, lists, datasets.CIFAR10)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsafeFileError, match="refus"):
        datasets.CIFAR10(str(tmp_path), train=False)
    assert not os.path.exists(tmp_path / "pwned")


def test_wrong_layout_is_a_clear_error(tmp_path, monkeypatch):
    lists = make_cifar(str(tmp_path), datasets.CIFAR10, 4)
    path = os.path.join(tmp_path, "cifar-10-batches-py", "test_batch")
    bad = {"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}
    lists["test_list"] = [["test_batch", dump(path, bad, 4)]]
    patch(monkeypatch, lists, datasets.CIFAR10)
    with pytest.raises(RuntimeError, match=r"test_batch: not a CIFAR batch"):
        datasets.CIFAR10(str(tmp_path), train=False)


def test_truncated_pickle_is_a_runtime_error(tmp_path):
    path = tmp_path / "batch"
    dump(str(path), {"data": np.zeros((2, 3072), np.uint8), "labels": [0, 1]}, 4)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(RuntimeError, match="truncated"):
        load_numpy_pickle(str(path))


class _HugeArray:
    """Calls numpy.ndarray directly with a shape of 10**12 bytes."""

    def __reduce__(self):
        return np.ndarray, ((10**12,), "u1")


def test_array_allocation_outside_numpys_own_pattern_is_refused(tmp_path):
    path = tmp_path / "batch"
    dump(str(path), {"data": _HugeArray(), "labels": []}, 2)
    with pytest.raises(pickle.UnpicklingError, match="malformed pickle"):
        load_numpy_pickle(str(path))
