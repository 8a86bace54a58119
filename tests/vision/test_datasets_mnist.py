"""MNIST family and the IDX reader against torchvision on the same files."""
import gzip
import os
import shutil
import warnings

import numpy as np
import pytest
import torch
import torchvision

import flambeau
from flambeau.vision import datasets
from flambeau.vision.datasets._idx import read_sn3_pascalvincent_tensor
from dsets_util import assert_same_error_message

REPO_ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "data")
MNIST_RAW = os.path.join(REPO_ROOT, "MNIST", "raw")
_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file holding `array` (big-endian, as the format says)."""
    header = bytes([0, 0, _CODES[array.dtype.type], array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data: bytes, compress: bool = False) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if compress:
        path += ".gz"
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
    return path


def fake_split(root, cls, prefix, n, compress=False, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    raw = os.path.join(root, cls, "raw")
    write(os.path.join(raw, f"{prefix}-images-idx3-ubyte"), idx_bytes(images), compress)
    write(os.path.join(raw, f"{prefix}-labels-idx1-ubyte"), idx_bytes(labels), compress)


def assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    np.testing.assert_array_equal(ours.targets.numpy(), theirs.targets.numpy())
    assert str(ours.data.dtype) == str(theirs.data.dtype) and str(ours.targets.dtype) == str(theirs.targets.dtype)
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    for i in (0, len(ours) - 1):
        (a, ya), (b, yb) = ours[i], theirs[i]
        assert a.mode == b.mode and ya == yb and type(ya) is type(yb)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.fixture(scope="module")
def tv_mnist_root(tmp_path_factory):
    """torchvision wants the unpacked files and all four present: unpack the test set, stub the train set."""
    root = tmp_path_factory.mktemp("tv")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        with gzip.open(os.path.join(MNIST_RAW, name + ".gz"), "rb") as src, open(raw / name, "wb") as dst:
            shutil.copyfileobj(src, dst)
    (raw / "train-images-idx3-ubyte").touch()
    (raw / "train-labels-idx1-ubyte").touch()
    return str(root)


def test_real_mnist_test_set(tv_mnist_root):
    ours = datasets.MNIST(REPO_ROOT, train=False)
    theirs = torchvision.datasets.MNIST(tv_mnist_root, train=False)
    assert len(ours) == 10000
    assert ours.targets[:10].tolist() == theirs.targets[:10].tolist()
    assert ours.data.shape == (10000, 28, 28)
    assert_same(ours, theirs)
    assert repr(ours).replace(REPO_ROOT, "R") == repr(theirs).replace(tv_mnist_root, "R")


def test_transforms_applied_and_repr(tv_mnist_root):
    def tf(img):
        return np.asarray(img).sum()

    def ttf(y):
        return y * 10

    ours = datasets.MNIST(REPO_ROOT, train=False, transform=tf, target_transform=ttf)
    theirs = torchvision.datasets.MNIST(tv_mnist_root, train=False, transform=tf, target_transform=ttf)
    assert ours[3] == theirs[3]
    assert repr(ours).replace(REPO_ROOT, "R") == repr(theirs).replace(tv_mnist_root, "R")
    with pytest.raises(ValueError, match="Only transforms"):
        datasets.VisionDataset("r", transforms=tf, transform=tf)


def test_missing_split_names_the_file_and_download():
    with pytest.raises(RuntimeError, match=r"train-images-idx3-ubyte.*download=True"):
        datasets.MNIST(REPO_ROOT, train=True)


def test_deprecated_names_warn():
    ds = datasets.MNIST(REPO_ROOT, train=False)
    with pytest.warns(UserWarning, match="renamed targets"):
        assert ds.test_labels is ds.targets
    with pytest.warns(UserWarning, match="renamed data"):
        assert ds.train_data is ds.data


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 2)])
def test_idx_reader_matches_torchvision(tmp_path, dtype, shape):
    array = (np.arange(np.prod(shape)) * 37 - 50).reshape(shape).astype(dtype)
    path = write(str(tmp_path / "x-idx"), idx_bytes(array))
    ours = read_sn3_pascalvincent_tensor(path)
    theirs = torchvision.datasets.mnist.read_sn3_pascalvincent_tensor(path)
    assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def _corrupt():
    good = idx_bytes(np.zeros((4, 3, 3), np.uint8))
    bad_dims = bytearray(good)
    bad_dims[3] = 4
    bad_code = bytearray(good)
    bad_code[2] = 0x0A
    return {
        "truncated data": (good[:-5], "truncated"),
        "trailing data": (good + b"\0", "trailing data"),
        "bad magic": (b"\1" + good[1:], "magic number"),
        "bad dtype code": (bytes(bad_code), "dtype code 0x0a"),
        "too many dims": (bytes(bad_dims), "1 to 3 dimensions"),
        "truncated header": (good[:9], "truncated IDX header"),
        "empty": (b"", "shorter than"),
    }


@pytest.mark.parametrize("case", list(_corrupt()))
def test_corrupt_idx_raises_naming_the_file(tmp_path, case):
    data, message = _corrupt()[case]
    path = write(str(tmp_path / "broken-idx3-ubyte"), data)
    with pytest.raises(RuntimeError, match=message) as info:
        read_sn3_pascalvincent_tensor(path)
    assert "broken-idx3-ubyte" in str(info.value)


def test_truncated_gzip_is_a_clear_error(tmp_path):
    good = gzip.compress(idx_bytes(np.ones((50, 28, 28), np.uint8)))
    fake_split(str(tmp_path), "MNIST", "t10k", 1)
    path = os.path.join(tmp_path, "MNIST", "raw", "t10k-images-idx3-ubyte")
    os.remove(path)
    with open(path + ".gz", "wb") as f:
        f.write(good[: len(good) // 2])
    with pytest.raises(RuntimeError, match="t10k-images-idx3-ubyte.gz: corrupt or truncated"):
        datasets.MNIST(str(tmp_path), train=False)


def test_labels_file_with_wrong_dtype_is_rejected(tmp_path):
    fake_split(str(tmp_path), "MNIST", "t10k", 3)
    write(os.path.join(tmp_path, "MNIST", "raw", "t10k-labels-idx1-ubyte"), idx_bytes(np.zeros(3, np.int32)))
    with pytest.raises(TypeError, match="uint8"):
        datasets.MNIST(str(tmp_path), train=False)


@pytest.mark.parametrize("name", ["FashionMNIST", "KMNIST"])
def test_mnist_variants(tmp_path, name):
    for prefix in ("train", "t10k"):
        fake_split(str(tmp_path), name, prefix, 6, seed=len(prefix))
    for train in (True, False):
        ours = getattr(datasets, name)(str(tmp_path), train=train)
        theirs = getattr(torchvision.datasets, name)(str(tmp_path), train=train)
        assert_same(ours, theirs)


def test_gz_and_plain_files_read_the_same(tmp_path):
    fake_split(str(tmp_path / "a"), "MNIST", "train", 5, compress=True)
    fake_split(str(tmp_path / "b"), "MNIST", "train", 5, compress=False)
    a, b = datasets.MNIST(str(tmp_path / "a")), datasets.MNIST(str(tmp_path / "b"))
    np.testing.assert_array_equal(a.data.numpy(), b.data.numpy())
    np.testing.assert_array_equal(a.targets.numpy(), b.targets.numpy())


@pytest.mark.parametrize("split", ["letters", "balanced", "byclass"])
def test_emnist(tmp_path, split):
    rng = np.random.default_rng(1)
    raw = os.path.join(tmp_path, "EMNIST", "raw")
    for part in ("train", "test"):
        write(os.path.join(raw, f"emnist-{split}-{part}-images-idx3-ubyte"),
              idx_bytes(rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)))
        write(os.path.join(raw, f"emnist-{split}-{part}-labels-idx1-ubyte"),
              idx_bytes(rng.integers(0, 26, 4, dtype=np.uint8)))
    for train in (True, False):
        assert_same(datasets.EMNIST(str(tmp_path), split, train=train),
                    torchvision.datasets.EMNIST(str(tmp_path), split, train=train))


def test_emnist_bad_split_same_error():
    assert_same_error_message(ValueError, lambda: datasets.EMNIST("nowhere", "vowels"),
                              lambda: torchvision.datasets.EMNIST("nowhere", "vowels"))


@pytest.mark.parametrize("what", ["test", "test10k", "test50k"])
@pytest.mark.parametrize("compat", [True, False])
def test_qmnist(tmp_path, what, compat):
    rng = np.random.default_rng(2)
    n = 10003  # test10k/test50k split at 10,000
    raw = os.path.join(tmp_path, "QMNIST", "raw")
    images = rng.integers(0, 256, (n, 2, 2), dtype=np.uint8)
    write(os.path.join(raw, "qmnist-test-images-idx3-ubyte"), idx_bytes(images))
    write(os.path.join(raw, "qmnist-test-labels-idx2-int"), idx_bytes(rng.integers(0, 9, (n, 8), dtype=np.int32)))
    ours = datasets.QMNIST(str(tmp_path), what=what, compat=compat)
    theirs = torchvision.datasets.QMNIST(str(tmp_path), what=what, compat=compat)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    np.testing.assert_array_equal(ours.targets.numpy(), theirs.targets.numpy())
    assert str(ours.targets.dtype) == str(theirs.targets.dtype)
    (a, ya), (b, yb) = ours[2], theirs[2]
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    if compat:
        assert ya == yb and type(ya) is int
    else:
        np.testing.assert_array_equal(ya.numpy(), yb.numpy())
    assert repr(ours).splitlines()[1:] == repr(theirs).splitlines()[1:]


def test_legacy_processed_files(tmp_path):
    processed = tmp_path / "MNIST" / "processed"
    processed.mkdir(parents=True)
    data = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
    torch.save((data, torch.tensor([1, 2, 3])), processed / "training.pt")
    torch.save((data[:2], torch.tensor([4, 5])), processed / "test.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for train in (True, False):
            assert_same(datasets.MNIST(str(tmp_path), train=train),
                        torchvision.datasets.MNIST(str(tmp_path), train=train))
    assert isinstance(datasets.MNIST(str(tmp_path)).data, flambeau.Tensor)


def test_transform_reassigned_after_construction_is_used(tv_mnist_root):
    ours = datasets.MNIST(REPO_ROOT, train=False)
    theirs = torchvision.datasets.MNIST(tv_mnist_root, train=False)
    for ds in (ours, theirs):
        ds.transform = lambda img: np.asarray(img).shape
        ds.target_transform = str
    assert ours[5] == theirs[5] == ((28, 28), "1")
