"""download_url / extract_archive / verify_str_arg and download=True, over file:// URLs (no network)."""
import gzip
import hashlib
import io
import os
import tarfile
import zipfile

import numpy as np
import pytest
import torchvision.datasets.utils as tv_utils

from flambeau.vision import datasets
from flambeau.vision.datasets import utils
from dsets_util import assert_same_error_message

MNIST_RAW = os.path.join(os.path.dirname(__file__), "..", "..", "data", "MNIST", "raw")


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_download_url_verifies_md5(tmp_path):
    src = tmp_path / "src" / "blob.bin"
    src.parent.mkdir()
    src.write_bytes(b"flambeau" * 100)
    url = src.as_uri()
    utils.download_url(url, str(tmp_path / "dl"), md5=md5(src.read_bytes()))
    assert (tmp_path / "dl" / "blob.bin").read_bytes() == src.read_bytes()
    # already there with the right checksum: not fetched again (the source is gone)
    src.unlink()
    utils.download_url(url, str(tmp_path / "dl"), md5=md5(b"flambeau" * 100))


def test_checksum_mismatch_raises_and_leaves_no_file(tmp_path):
    src = tmp_path / "blob.bin"
    src.write_bytes(b"tampered")
    with pytest.raises(RuntimeError, match="MD5") as info:
        utils.download_url(src.as_uri(), str(tmp_path / "dl"), filename="x.bin", md5=md5(b"original"))
    assert "x.bin" in str(info.value)
    assert os.listdir(tmp_path / "dl") == []


def test_missing_url_raises_urlerror(tmp_path):
    with pytest.raises(OSError):  # URLError is an OSError
        utils.download_url((tmp_path / "nothing.gz").as_uri(), str(tmp_path / "dl"))
    assert os.listdir(tmp_path / "dl") == []


def test_check_integrity(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    for args in [(str(f),), (str(f), md5(b"abc")), (str(f), md5(b"abd")), (str(tmp_path / "g"),)]:
        assert utils.check_integrity(*args) == tv_utils.check_integrity(*args)
    assert utils.calculate_md5(str(f)) == tv_utils.calculate_md5(str(f))


def _archives(tmp_path):
    """The same two files as .tar, .tar.gz, .tgz and .zip, plus a lone .gz."""
    files = {"a.txt": b"alpha", "sub/b.txt": b"beta"}
    made = []
    for name, mode in [("x.tar", "w"), ("x.tar.gz", "w:gz"), ("x.tgz", "w:gz"), ("x.tar.bz2", "w:bz2")]:
        with tarfile.open(tmp_path / name, mode) as tar:
            for member, data in files.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        made.append(name)
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as zf:
        for member, data in files.items():
            zf.writestr(member, data)
    made.append("x.zip")
    return files, made


def test_extract_archive_matches_torchvision(tmp_path):
    files, made = _archives(tmp_path)
    for name in made:
        ours, theirs = tmp_path / ("ours-" + name), tmp_path / ("tv-" + name)
        assert utils.extract_archive(str(tmp_path / name), str(ours)) == str(ours)
        tv_utils.extract_archive(str(tmp_path / name), str(theirs))
        for member, data in files.items():
            assert (ours / member).read_bytes() == data == (theirs / member).read_bytes()


def test_decompress_single_file(tmp_path):
    (tmp_path / "d.bin.gz").write_bytes(gzip.compress(b"payload"))
    out = utils.extract_archive(str(tmp_path / "d.bin.gz"), remove_finished=True)
    assert out == str(tmp_path / "d.bin") and (tmp_path / "d.bin").read_bytes() == b"payload"
    assert not (tmp_path / "d.bin.gz").exists()


def test_tar_escaping_its_folder_is_refused(tmp_path):
    with tarfile.open(tmp_path / "evil.tar", "w") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(tarfile.TarError):
        utils.extract_archive(str(tmp_path / "evil.tar"), str(tmp_path / "out"))
    assert not (tmp_path / "escaped.txt").exists()


@pytest.mark.parametrize("name", ["noext", "file.rar"])
def test_unknown_archive_type(tmp_path, name):
    assert_same_error_message(RuntimeError, lambda: utils.extract_archive(str(tmp_path / name)),
                              lambda: tv_utils.extract_archive(str(tmp_path / name)))


@pytest.mark.parametrize("args", [(3, "split"), ("x", "split", ("a", "b")), ("x", None, ("a",), "custom"),
                                  ("a", "split", ("a", "b")), ("x",)])
def test_verify_str_arg_matches_torchvision(args):
    def outcome(fn):
        try:
            return fn(*args)
        except ValueError as e:
            return str(e)
    assert outcome(utils.verify_str_arg) == outcome(tv_utils.verify_str_arg)


def test_list_dir_and_files(tmp_path):
    (tmp_path / "d1").mkdir()
    (tmp_path / "f.png").write_bytes(b"")
    (tmp_path / "g.jpg").write_bytes(b"")
    for prefix in (False, True):
        assert sorted(utils.list_dir(str(tmp_path), prefix)) == sorted(tv_utils.list_dir(str(tmp_path), prefix))
        assert sorted(utils.list_files(str(tmp_path), (".png", ".jpg"), prefix)) == \
            sorted(tv_utils.list_files(str(tmp_path), (".png", ".jpg"), prefix))


def test_mnist_download_falls_back_to_the_next_mirror(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    t10k = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    resources = []
    for name in t10k:
        data = open(os.path.join(MNIST_RAW, name), "rb").read()
        (mirror / name).write_bytes(data)
        resources.append((name, md5(data)))
    # the train files: tiny stand-ins with their own checksums
    for name, shape in (("train-images-idx3-ubyte.gz", (2, 28, 28)), ("train-labels-idx1-ubyte.gz", (2,))):
        header = bytes([0, 0, 8, len(shape)]) + np.array(shape, ">u4").tobytes()
        data = gzip.compress(header + bytes(int(np.prod(shape))))
        (mirror / name).write_bytes(data)
        resources.append((name, md5(data)))
    monkeypatch.setattr(datasets.MNIST, "mirrors", [(tmp_path / "dead").as_uri() + "/", mirror.as_uri() + "/"])
    monkeypatch.setattr(datasets.MNIST, "resources", resources)
    ds = datasets.MNIST(str(tmp_path / "root"), train=False, download=True)
    assert len(ds) == 10000 and ds.targets[:3].tolist() == [7, 2, 1]
    assert os.path.isfile(tmp_path / "root" / "MNIST" / "raw" / "t10k-images-idx3-ubyte")
    assert len(datasets.MNIST(str(tmp_path / "root"), train=True)) == 2


def test_mnist_download_with_bad_checksum_fails_clearly(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "t10k-images-idx3-ubyte.gz").write_bytes(b"not mnist")
    monkeypatch.setattr(datasets.MNIST, "mirrors", [mirror.as_uri() + "/"])
    monkeypatch.setattr(datasets.MNIST, "resources", [("t10k-images-idx3-ubyte.gz", md5(b"real mnist"))])
    with pytest.raises(RuntimeError, match=r"(?s)Error downloading t10k-images-idx3-ubyte.gz.*MD5"):
        datasets.MNIST(str(tmp_path / "root"), train=False, download=True)


def _idx(array: np.ndarray) -> bytes:
    return bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes() + array.tobytes()


def test_emnist_download_unpacks_the_zip_of_gzips(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    archive = tmp_path / "gzip.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in ("train", "test"):
            zf.writestr(f"gzip/emnist-digits-{part}-images-idx3-ubyte.gz",
                        gzip.compress(_idx(rng.integers(0, 256, (3, 28, 28), dtype=np.uint8))))
            zf.writestr(f"gzip/emnist-digits-{part}-labels-idx1-ubyte.gz",
                        gzip.compress(_idx(rng.integers(0, 10, 3, dtype=np.uint8))))
    monkeypatch.setattr(datasets.EMNIST, "url", archive.as_uri())
    monkeypatch.setattr(datasets.EMNIST, "md5", md5(archive.read_bytes()))
    ds = datasets.EMNIST(str(tmp_path / "root"), "digits", train=False, download=True)
    raw = tmp_path / "root" / "EMNIST" / "raw"
    assert len(ds) == 3 and not (raw / "gzip").exists()
    assert (raw / "emnist-digits-train-images-idx3-ubyte").is_file()
    with zipfile.ZipFile(archive) as zf:
        expected = gzip.decompress(zf.read("gzip/emnist-digits-test-labels-idx1-ubyte.gz"))
    assert ds.targets.tolist() == list(expected[8:])


def test_cifar_download_extracts_the_tarball(tmp_path, monkeypatch):
    import pickle

    folder = tmp_path / "src" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batch = {"data": np.arange(2 * 3072, dtype=np.int64).astype(np.uint8).reshape(2, 3072), "labels": [3, 1]}
    lists = {}
    for attr, name, obj in (("train_list", "data_batch_1", batch), ("test_list", "test_batch", batch)):
        (folder / name).write_bytes(pickle.dumps(obj, protocol=2))
        lists[attr] = [[name, md5((folder / name).read_bytes())]]
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": list("abcdefghij")}, protocol=2))
    lists["meta"] = dict(datasets.CIFAR10.meta, md5=md5((folder / "batches.meta").read_bytes()))
    tarball = tmp_path / "cifar.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    for attr, value in dict(lists, url=tarball.as_uri(), filename="cifar-10-python.tar.gz",
                            tgz_md5=md5(tarball.read_bytes())).items():
        monkeypatch.setattr(datasets.CIFAR10, attr, value)
    ds = datasets.CIFAR10(str(tmp_path / "root"), train=True, download=True)
    assert len(ds) == 2 and ds.targets == [3, 1] and ds.classes[3] == "d"


def test_mnist_download_is_a_no_op_when_the_split_is_there(tmp_path, monkeypatch):
    # the repository ships only the test set: download=True must not reach for the train files
    monkeypatch.setattr(datasets.MNIST, "mirrors", [(tmp_path / "dead").as_uri() + "/"])
    before = sorted(os.listdir(MNIST_RAW))
    assert len(datasets.MNIST(os.path.join(MNIST_RAW, "..", ".."), train=False, download=True)) == 10000
    assert sorted(os.listdir(MNIST_RAW)) == before
