"""PhotoTour (patch sheets, its .pt cache, torchvision's cache read back) and SBU, against torchvision."""
import hashlib
import shutil

import numpy as np
import pytest
import torchvision
from PIL import Image

from flambeau.vision import datasets

RNG = np.random.default_rng(0)
# torchvision's PhotoTour calls Pillow's deprecated Image.getdata
pytestmark = pytest.mark.filterwarnings("ignore:Image.Image.getdata is deprecated:DeprecationWarning")


@pytest.fixture
def phototour_roots(tmp_path, monkeypatch):
    data = tmp_path / "ours" / "liberty"
    data.mkdir(parents=True)
    Image.fromarray(RNG.integers(0, 256, (128, 128), dtype=np.uint8)).save(data / "patches0000.bmp")
    Image.fromarray(RNG.integers(0, 256, (64, 100), dtype=np.uint8)).save(data / "patches0001.bmp")  # partial column
    (data / "info.txt").write_text("".join(f"{i // 2} 0\n" for i in range(6)))
    (data / "m50_100000_100000_0.txt").write_text("0 0 0 1 0 0\n2 1 0 5 2 0\n3 1 0 2 1 0\n")
    shutil.copytree(tmp_path / "ours", tmp_path / "theirs")
    lens = dict(datasets.PhotoTour.lens, liberty=6)
    for cls in (datasets.PhotoTour, torchvision.datasets.PhotoTour):
        monkeypatch.setattr(cls, "lens", lens)
    return str(tmp_path / "ours"), str(tmp_path / "theirs")


@pytest.mark.parametrize("train", [True, False])
def test_phototour(phototour_roots, train):
    ours_root, theirs_root = phototour_roots
    ours = datasets.PhotoTour(ours_root, "liberty", train)
    theirs = torchvision.datasets.PhotoTour(theirs_root, "liberty", train)
    for name in ("data", "labels", "matches"):
        np.testing.assert_array_equal(getattr(ours, name).numpy(), getattr(theirs, name).numpy())
    assert len(ours) == len(theirs) and repr(ours).replace(ours_root, "R") == repr(theirs).replace(theirs_root, "R")
    for i in range(len(ours)):
        a, b = ours[i], theirs[i]
        if train:
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        else:
            np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
            np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
            assert int(a[2]) == int(b[2])
    # torchvision's cache (torch.save) is read as well
    again = datasets.PhotoTour(theirs_root, "liberty", train)
    np.testing.assert_array_equal(again.data.numpy(), theirs.data.numpy())


def test_phototour_missing(tmp_path):
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.PhotoTour(str(tmp_path), "yosemite")


def test_sbu(tmp_path, monkeypatch):
    folder = tmp_path / "dataset"
    folder.mkdir()
    urls = [f"http://static.flickr.com/1/{n}.jpg" for n in ("111", "222", "333")]
    (folder / "SBU_captioned_photo_dataset_urls.txt").write_text("\n".join(urls) + "\n")
    (folder / "SBU_captioned_photo_dataset_captions.txt").write_text("a boat\nthe sky\na tree \n")
    for name in ("111.jpg", "333.jpg"):  # 222 is gone from Flickr
        Image.fromarray(RNG.integers(0, 256, (4, 5, 3), dtype=np.uint8)).save(folder / name)
    (tmp_path / "SBUCaptionedPhotoDataset.tar.gz").write_bytes(b"tarball stand-in")
    md5 = hashlib.md5(b"tarball stand-in").hexdigest()
    for cls in (datasets.SBU, torchvision.datasets.SBU):
        monkeypatch.setattr(cls, "md5_checksum", md5)
    ours, theirs = datasets.SBU(str(tmp_path), download=False), torchvision.datasets.SBU(str(tmp_path), download=False)
    assert ours.photos == theirs.photos == ["111.jpg", "333.jpg"] and ours.captions == theirs.captions
    for i in range(len(ours)):
        np.testing.assert_array_equal(np.asarray(ours[i][0]), np.asarray(theirs[i][0]))
        assert ours[i][1] == theirs[i][1]
