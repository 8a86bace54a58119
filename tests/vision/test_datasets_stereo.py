"""The stereo matching datasets on small trees written here, against torchvision."""
import json

import numpy as np
import pytest
import torchvision
from PIL import Image

import flambeau
from flambeau.vision import datasets
from dsets_util import assert_same_error_message

RNG = np.random.default_rng(0)
H, W = 4, 5


def _image(path, mode="RGB", fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "I;16":
        Image.fromarray(RNG.integers(1, 60000, (H, W), dtype=np.uint16)).save(path)
        return
    shape = (H, W, 3) if mode == "RGB" else (H, W)
    Image.fromarray(RNG.integers(0, 256, shape, dtype=np.uint8)).convert(mode).save(path, format=fmt)


def _pfm(path, inf=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = RNG.standard_normal((H, W)).astype("<f4") * 10
    if inf:
        data[0, 0] = np.inf
    path.write_bytes(b"Pf\n" + f"{W} {H}\n-1.0\n".encode() + data.tobytes())


def assert_same(ours, theirs):
    assert ours._images == theirs._images and ours._disparities == theirs._disparities
    for i in range(len(ours)):
        a, b = ours[i], theirs[i]
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert (x is None) == (y is None)
            if y is not None:
                x, y = np.asarray(x), np.asarray(y)
                assert x.dtype == y.dtype and x.shape == y.shape
                np.testing.assert_array_equal(x, y)


def test_carla(tmp_path):
    for scene in ("s1", "s2"):
        base = tmp_path / "carla-highres" / "trainingF" / scene
        _image(base / "im0.png")
        _image(base / "im1.png")
        _pfm(base / "disp0GT.pfm")
        _pfm(base / "disp1GT.pfm")
    assert_same(datasets.CarlaStereo(str(tmp_path)), torchvision.datasets.CarlaStereo(str(tmp_path)))


@pytest.mark.parametrize("split", ["train", "test"])
def test_kitti_2012_and_2015(tmp_path, split):
    base = tmp_path / "Kitti2012" / (split + "ing")
    base15 = tmp_path / "Kitti2015" / (split + "ing")
    for k in range(2):
        _image(base / "colored_0" / f"00000{k}_10.png")
        _image(base / "colored_1" / f"00000{k}_10.png")
        _image(base / "disp_noc" / f"00000{k}_10.png", "I;16")
        for folder in ("image_2", "image_3"):
            _image(base15 / folder / f"00000{k}_10.png")
        for folder in ("disp_occ_0", "disp_occ_1"):
            _image(base15 / folder / f"00000{k}_10.png", "I;16")
    for name in ("Kitti2012Stereo", "Kitti2015Stereo"):
        ours, theirs = getattr(datasets, name), getattr(torchvision.datasets, name)
        assert_same(ours(str(tmp_path), split), theirs(str(tmp_path), split))


@pytest.mark.parametrize("calibration", ["perfect", "both"])
def test_middlebury(tmp_path, calibration):
    for scene in ("Adirondack-perfect", "Adirondack-imperfect", "Piano-perfect", "Piano-imperfect"):
        base = tmp_path / "Middlebury2014" / "train" / scene
        _image(base / "im0.png")
        _image(base / "im1.png")
        _pfm(base / "disp0.pfm", inf=True)
        _pfm(base / "disp1.pfm")
    assert_same(datasets.Middlebury2014Stereo(str(tmp_path), calibration=calibration),
                torchvision.datasets.Middlebury2014Stereo(str(tmp_path), calibration=calibration))


def test_middlebury_ambient_views_follow_flambeau_seed(tmp_path):
    base = tmp_path / "Middlebury2014" / "train" / "Piano-perfect"
    for name in ("im0.png", "im1.png", "im1E.png", "im1L.png"):
        _image(base / name)
    _pfm(base / "disp0.pfm")
    _pfm(base / "disp1.pfm")
    ds = datasets.Middlebury2014Stereo(str(tmp_path), use_ambient_views=True)
    views = {name: np.asarray(Image.open(base / name)) for name in ("im1.png", "im1E.png", "im1L.png")}

    def drawn():
        right = np.asarray(ds[0][1])
        return next(name for name, pixels in views.items() if np.array_equal(pixels, right))

    flambeau.manual_seed(3)
    first = [drawn() for _ in range(12)]
    flambeau.manual_seed(3)
    assert [drawn() for _ in range(12)] == first and len(set(first)) > 1


@pytest.mark.parametrize("kwargs", [dict(split="test"), dict(calibration=None), dict(split="val")])
def test_middlebury_bad_arguments(tmp_path, kwargs):
    assert_same_error_message(ValueError, lambda: datasets.Middlebury2014Stereo(str(tmp_path), **kwargs),
                              lambda: torchvision.datasets.Middlebury2014Stereo(str(tmp_path), **kwargs))


def test_crestereo(tmp_path):
    for folder in ("shapenet", "reflective", "tree", "hole"):
        for side in ("left", "right"):
            _image(tmp_path / "CREStereo" / folder / f"0_{side}.jpg")
            _image(tmp_path / "CREStereo" / folder / f"0_{side}.disp.png", "I;16")
    assert_same(datasets.CREStereo(str(tmp_path)), torchvision.datasets.CREStereo(str(tmp_path)))


@pytest.mark.parametrize("variant", ["single", "both"])
def test_falling_things(tmp_path, variant):
    for scene in ("single/kitchen_0/scene", "mixed/kitchen_1"):
        base = tmp_path / "FallingThings" / scene
        for side in ("left", "right"):
            _image(base / f"000000.{side}.jpg")
            _image(base / f"000000.{side}.depth.png", "I;16")
        (base / "_camera_settings.json").write_text(
            json.dumps({"camera_settings": [{"intrinsic_settings": {"fx": 768.2}}]}))
    assert_same(datasets.FallingThingsStereo(str(tmp_path), variant),
                torchvision.datasets.FallingThingsStereo(str(tmp_path), variant))


@pytest.mark.parametrize("variant", ["Monkaa", "Driving"])
def test_scene_flow(tmp_path, variant):
    scene = "a_rain_of_stones" if variant == "Monkaa" else "15mm_focallength/scene_forwards/fast"
    base = tmp_path / "SceneFlow" / variant
    for side in ("left", "right"):
        _image(base / "frames_cleanpass" / scene / side / "0000.png")
        _pfm(base / "disparity" / scene / side / "0000.pfm")
    assert_same(datasets.SceneFlowStereo(str(tmp_path), variant),
                torchvision.datasets.SceneFlowStereo(str(tmp_path), variant))


def test_sintel_stereo(tmp_path):
    base = tmp_path / "Sintel" / "training"
    for name in ("frame_0001.png", "frame_0002.png"):
        for folder in ("final_left", "final_right"):
            _image(base / folder / "alley_1" / name)
        _image(base / "disparities" / "alley_1" / name)
        _image(base / "occlusions" / "alley_1" / name, "L")
        _image(base / "outofframe" / "alley_1" / name, "L")
    assert_same(datasets.SintelStereo(str(tmp_path)), torchvision.datasets.SintelStereo(str(tmp_path)))


def test_instereo2k_and_eth3d(tmp_path):
    for scene in ("000001", "000002"):
        base = tmp_path / "InStereo2k" / "train" / scene
        _image(base / "left.png")
        _image(base / "right.png")
        _image(base / "left_disp.png", "I;16")
        _image(base / "right_disp.png", "I;16")
        eth = tmp_path / "ETH3D"
        _image(eth / "two_view_training" / scene / "im0.png")
        _image(eth / "two_view_training" / scene / "im1.png")
        _pfm(eth / "two_view_training_gt" / scene / "disp0GT.pfm")
        _image(eth / "two_view_training_gt" / scene / "mask0nocc.png", "L")
    assert_same(datasets.InStereo2k(str(tmp_path)), torchvision.datasets.InStereo2k(str(tmp_path)))
    assert_same(datasets.ETH3DStereo(str(tmp_path)), torchvision.datasets.ETH3DStereo(str(tmp_path)))


def test_scan_pairs_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Could not find any files"):
        datasets.CarlaStereo(str(tmp_path))
    base = tmp_path / "carla-highres" / "trainingF"
    _image(base / "s1" / "im0.png")
    _image(base / "s1" / "im1.png")
    _image(base / "s2" / "im0.png")
    with pytest.raises(ValueError, match="Found 2 left files but 1 right files"):
        datasets.CarlaStereo(str(tmp_path))
