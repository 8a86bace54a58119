"""Sintel, FlyingChairs and FlyingThings3D (.flo and .pfm flows) on small trees written here, against
torchvision; the .flo and .pfm readers on truncated files."""
import numpy as np
import pytest
import torchvision
from PIL import Image

from flambeau.vision import datasets
from flambeau.vision.datasets._optical_flow import _read_flo
from png16_util import png16

RNG = np.random.default_rng(0)
H, W = 4, 5
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torchvision.io's deprecation


def _image(path, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(RNG.integers(0, 256, (H, W, 3), dtype=np.uint8)).save(path, format=fmt)


def _flo(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = RNG.standard_normal((H, W, 2)).astype("<f4")
    path.write_bytes(b"PIEH" + np.array([W, H], "<i4").tobytes() + data.tobytes())


def _pfm(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = RNG.standard_normal((H, W, 3)).astype("<f4")
    path.write_bytes(b"PF\n" + f"{W} {H}\n-1.0\n".encode() + data.tobytes())


def _pairs(ds):
    """(frame paths, flow path) of each sample: a key that does not depend on the listing order."""
    return list(zip(map(tuple, ds._image_list), ds._flow_list or [None] * len(ds)))


def assert_same(ours, theirs):
    position = {pair: i for i, pair in enumerate(_pairs(theirs))}
    assert len(ours) == len(theirs) and sorted(position) == sorted(_pairs(ours))
    for i, pair in enumerate(_pairs(ours)):
        a, b = ours[i], theirs[position[pair]]
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert (x is None) == (y is None)
            if y is not None:
                np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("split,pass_name", [("train", "clean"), ("train", "both"), ("test", "final")])
def test_sintel(tmp_path, split, pass_name):
    base = tmp_path / "Sintel"
    for folder in ("training", "test"):
        for name in ("clean", "final"):
            for scene, frames in (("alley_1", 3), ("bamboo_2", 2)):
                for k in range(1, frames + 1):
                    _image(base / folder / name / scene / f"frame_{k:04d}.png")
    for scene, frames in (("alley_1", 3), ("bamboo_2", 2)):
        for k in range(1, frames):
            _flo(base / "training" / "flow" / scene / f"frame_{k:04d}.flo")
    ours = datasets.Sintel(str(tmp_path), split, pass_name)
    theirs = torchvision.datasets.Sintel(str(tmp_path), split, pass_name)
    assert_same(ours, theirs)
    assert len(ours[0]) == 3 and (ours[0][2] is None) == (split == "test")


def _chairs(root):
    data = root / "FlyingChairs" / "data"
    for i in range(1, 5):
        _image(data / f"{i:05d}_img1.ppm", fmt="PPM")
        _image(data / f"{i:05d}_img2.ppm", fmt="PPM")
        _flo(data / f"{i:05d}_flow.flo")
    (root / "FlyingChairs" / "FlyingChairs_train_val.txt").write_text("1\n2\n1\n1\n")


@pytest.mark.parametrize("split", ["train", "val"])
def test_flying_chairs(tmp_path, split):
    _chairs(tmp_path)
    ours = datasets.FlyingChairs(str(tmp_path), split)
    theirs = torchvision.datasets.FlyingChairs(str(tmp_path), split)
    assert ours._image_list == theirs._image_list and ours._flow_list == theirs._flow_list
    assert_same(ours, theirs)


@pytest.mark.parametrize("camera", ["left", "both"])
def test_flying_things_3d(tmp_path, camera):
    base = tmp_path / "FlyingThings3D"
    for seq in ("A/0000", "B/0001"):
        for cam in ("left", "right"):
            for k in range(6, 9):
                _image(base / "frames_cleanpass" / "TRAIN" / seq / cam / f"{k:04d}.png")
                for direction in ("into_future", "into_past"):
                    _pfm(base / "optical_flow" / "TRAIN" / seq / direction / cam / f"OpticalFlowInto_{k:04d}.pfm")
    ours = datasets.FlyingThings3D(str(tmp_path), camera=camera)
    theirs = torchvision.datasets.FlyingThings3D(str(tmp_path), camera=camera)
    assert ours._image_list == theirs._image_list and ours._flow_list == theirs._flow_list
    assert_same(ours, theirs)
    assert ours[0][2].shape == (2, H, W) and ours[0][2].dtype == np.float32


def test_flo_reader_rejects_bad_files(tmp_path):
    _flo(tmp_path / "a.flo")
    data = (tmp_path / "a.flo").read_bytes()
    (tmp_path / "b.flo").write_bytes(data[:-4])
    with pytest.raises(ValueError, match="truncated"):
        _read_flo(str(tmp_path / "b.flo"))
    (tmp_path / "c.flo").write_bytes(b"XXXX" + data[4:])
    with pytest.raises(ValueError, match="Magic number incorrect"):
        _read_flo(str(tmp_path / "c.flo"))


def test_rmul_concatenates(tmp_path):
    _chairs(tmp_path)
    ds = datasets.FlyingChairs(str(tmp_path))
    tripled = 3 * ds
    assert len(tripled) == 3 * len(ds) == 9
    np.testing.assert_array_equal(tripled[len(ds)][2], ds[0][2])


def _flow_png(path, height=H, width=W):
    """A KITTI flow PNG (16-bit RGB: u, v as 64 * flow + 2**15, then validity)."""
    pixels = np.stack([RNG.integers(0, 65536, (height, width)), RNG.integers(0, 65536, (height, width)),
                       RNG.integers(0, 2, (height, width))], axis=-1).astype(np.uint16)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png16(pixels, 2))


@pytest.mark.parametrize("split", ["train", "test"])
def test_kitti_flow(tmp_path, split):
    base = tmp_path / "KittiFlow" / (split + "ing")
    for k in range(2):
        _image(base / "image_2" / f"00000{k}_10.png")
        _image(base / "image_2" / f"00000{k}_11.png")
        _flow_png(base / "flow_occ" / f"00000{k}_10.png")
    ours, theirs = datasets.KittiFlow(str(tmp_path), split), torchvision.datasets.KittiFlow(str(tmp_path), split)
    assert ours._image_list == theirs._image_list and ours._flow_list == theirs._flow_list
    assert_same(ours, theirs)
    assert len(ours[0]) == 4
    if split == "train":
        assert ours[0][2].dtype == np.float32 and ours[0][3].dtype == bool


@pytest.mark.parametrize("split", ["train", "test"])
def test_hd1k(tmp_path, split):
    base = tmp_path / "hd1k"
    for k in range(3):
        _image(base / "hd1k_input" / "image_2" / f"000000_{k:04d}.png")
        _flow_png(base / "hd1k_flow_gt" / "flow_occ" / f"000000_{k:04d}.png")
    for name in ("000000_10.png", "000000_11.png"):
        _image(base / "hd1k_challenge" / "image_2" / name)
    ours, theirs = datasets.HD1K(str(tmp_path), split), torchvision.datasets.HD1K(str(tmp_path), split)
    assert ours._image_list == theirs._image_list and ours._flow_list == theirs._flow_list
    assert_same(ours, theirs)
