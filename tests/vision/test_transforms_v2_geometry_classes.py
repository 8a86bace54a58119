"""transforms.v2 geometry classes against torchvision on whole samples (image, boxes, mask, key points, label).

Random classes: torchvision's v2 modules are run with their `torch` swapped for a shim whose rand / randint /
empty().uniform_ draw from flambeau's generator (tv2_sample_util.use_flambeau_draws). After the same
flambeau.manual_seed both libraries then consume one random stream, so equal outputs mean the same draws, in
the same order, applied the same way."""
import numpy as np
import pytest
import torch
import torchvision.transforms.v2 as TV
import torchvision.transforms.v2._container as tv_container
import torchvision.transforms.v2._geometry as tv_geometry
import torchvision.transforms.v2._transform as tv_transform
from torchvision import tv_tensors as tv_tt

import flambeau
import flambeau.vision.transforms.v2 as FV
from flambeau.vision import tv_tensors as fl_tt
from flambeau.vision.transforms.v2 import _geometry as G
from tv2_sample_util import IMAGE, PIL_IMAGE, VIDEO, assert_same, error_type, sample, use_flambeau_draws


@pytest.fixture
def same_draws(monkeypatch):
    use_flambeau_draws(monkeypatch, tv_geometry, tv_transform)


DETERMINISTIC = {
    "Resize": dict(size=[20, 17]),
    "Resize_short": dict(size=18, interpolation="nearest", max_size=30),
    "Resize_none": dict(size=None, max_size=20, antialias=False),
    "CenterCrop": dict(size=15),
    "CenterCrop_pad": dict(size=[30, 16]),
    "Pad": dict(padding=[1, 2, 3, 4], fill=3),
    "Pad_edge": dict(padding=2, padding_mode="edge"),
}
RANDOM = {
    "RandomHorizontalFlip": dict(p=0.5),
    "RandomVerticalFlip": dict(p=0.5),
    "RandomResize": dict(min_size=10, max_size=30),
    "RandomShortestSize": dict(min_size=[10, 15, 20], max_size=30),
    "ScaleJitter": dict(target_size=(20, 30), scale_range=(0.5, 1.5)),
    "RandomResizedCrop": dict(size=[16, 16], scale=(0.3, 1.0)),
    "RandomCrop": dict(size=[20, 20], padding=[1, 2], pad_if_needed=True, fill=2),
    "RandomCrop_pad_if_needed": dict(size=[30, 36], pad_if_needed=True, padding_mode="reflect"),
    "RandomIoUCrop": dict(),
    "RandomZoomOut": dict(fill=4, side_range=(1.0, 2.0), p=0.8),
    "RandomRotation": dict(degrees=30, expand=True),
    "RandomRotation_center": dict(degrees=(-10, 40), center=[5, 7], interpolation="bilinear", fill=1),
    "RandomAffine": dict(degrees=20, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=(-5, 5, -3, 3)),
    "RandomAffine_shear": dict(degrees=0, shear=10, fill=9),
    "RandomPerspective": dict(distortion_scale=0.4, p=0.9),
    "ElasticTransform": dict(alpha=20.0, sigma=3.0),
}


def _make(name, kwargs):
    cls = name.split("_")[0]
    return getattr(G, cls)(**kwargs), getattr(TV, cls)(**kwargs)


def _sample_for(lib, kwargs):
    """The test sample; boxes and key points only pad with a constant, so other padding modes go without."""
    out = sample(lib)
    if kwargs.get("padding_mode", "constant") != "constant":
        del out["boxes"], out["keypoints"]
    return out


@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_deterministic_transforms_on_a_sample(name):
    kwargs = DETERMINISTIC[name]
    ours, theirs = _make(name, kwargs)
    assert_same(ours(_sample_for(flambeau, kwargs)), theirs(_sample_for(torch, kwargs)), image_atol=1)


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_transforms_match_torchvision_on_the_same_draws(name, same_draws):
    kwargs = RANDOM[name]
    ours, theirs = _make(name, kwargs)
    for seed in range(3):
        flambeau.manual_seed(seed)
        out = ours(_sample_for(flambeau, kwargs))
        flambeau.manual_seed(seed)
        expected = theirs(_sample_for(torch, kwargs))
        assert_same(out, expected, atol=1e-3, image_atol=1)


@pytest.mark.parametrize("name", ["RandomResizedCrop", "RandomAffine", "RandomPerspective", "RandomZoomOut",
                                  "ElasticTransform"])
def test_random_transforms_are_reproducible_and_vary(name):
    transform, _ = _make(name, RANDOM[name])
    runs = []
    for seed in (0, 0, 1):
        flambeau.manual_seed(seed)
        runs.append(transform(sample(flambeau))["image"].numpy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert runs[0].shape != runs[2].shape or not np.array_equal(runs[0], runs[2])


def test_tuple_sample_with_pil_image_and_plain_label(same_draws):
    ours, theirs = _make("RandomResizedCrop", RANDOM["RandomResizedCrop"])
    for seed in range(3):
        flambeau.manual_seed(seed)
        out = ours(PIL_IMAGE, sample(flambeau)["boxes"], flambeau.tensor([1, 2]))
        flambeau.manual_seed(seed)
        assert_same(out, theirs(PIL_IMAGE, sample(torch)["boxes"], torch.tensor([1, 2])))


@pytest.mark.parametrize("name", ["RandomResizedCrop", "RandomAffine", "ElasticTransform"])
def test_videos(name, same_draws):
    ours, theirs = _make(name, RANDOM[name])
    for seed in range(2):
        flambeau.manual_seed(seed)
        out = ours(fl_tt.Video(flambeau.tensor(VIDEO)))
        flambeau.manual_seed(seed)
        assert_same(out, theirs(tv_tt.Video(torch.tensor(VIDEO))), image_atol=1e-5)


def test_iou_crop_crops_and_zeroes_boxes_outside(same_draws):
    """Over several seeds RandomIoUCrop takes both branches: the whole sample, and a crop."""
    ours, theirs = _make("RandomIoUCrop", {})
    canvases = set()
    for seed in range(8):
        flambeau.manual_seed(seed)
        out = ours(sample(flambeau))
        flambeau.manual_seed(seed)
        assert_same(out, theirs(sample(torch)), atol=1e-4, image_atol=1)
        canvases.add(tuple(out["boxes"].canvas_size))
    assert len(canvases) > 1


def test_detection_pipeline(monkeypatch):
    """SSD-style augmentation through Compose, ending with SanitizeBoundingBoxes."""
    use_flambeau_draws(monkeypatch, tv_geometry, tv_transform, tv_container)

    def pipeline(module, geometry):
        return module.Compose([geometry.RandomZoomOut(fill=2, p=0.8), geometry.RandomIoUCrop(),
                               geometry.RandomHorizontalFlip(), geometry.Resize([20, 20]),
                               module.SanitizeBoundingBoxes(labels_getter=None)])
    for seed in range(4):
        flambeau.manual_seed(seed)
        out = pipeline(FV, G)(sample(flambeau))
        flambeau.manual_seed(seed)
        assert_same(out, pipeline(TV, TV)(sample(torch)), atol=1e-3, image_atol=1)


def test_fill_per_type():
    ours = G.Pad(3, fill={fl_tt.Image: 7, fl_tt.Mask: 1})
    theirs = TV.Pad(3, fill={tv_tt.Image: 7, tv_tt.Mask: 1})
    assert_same(ours(sample(flambeau)), theirs(sample(torch)))


@pytest.mark.parametrize("name, kwargs", [("FiveCrop", dict(size=10)),
                                          ("TenCrop", dict(size=[9, 11], vertical_flip=True))])
def test_five_and_ten_crop_images_and_refused_inputs(name, kwargs):
    ours, theirs = getattr(G, name)(**kwargs), getattr(TV, name)(**kwargs)
    assert_same(ours(fl_tt.Image(flambeau.tensor(IMAGE))), theirs(tv_tt.Image(torch.tensor(IMAGE))))
    assert_same(ours(PIL_IMAGE), theirs(PIL_IMAGE))
    with pytest.raises(TypeError):
        ours(sample(flambeau))
    with pytest.warns(UserWarning, match="passing through"):
        ours(fl_tt.Image(flambeau.tensor(IMAGE)), sample(flambeau)["keypoints"])


def test_get_params_come_from_v1():
    flambeau.manual_seed(5)
    first = G.RandomAffine.get_params([-10, 10], [0.1, 0.1], [0.9, 1.1], [-5, 5], [32, 24])
    flambeau.manual_seed(5)
    assert G.RandomAffine.get_params([-10, 10], [0.1, 0.1], [0.9, 1.1], [-5, 5], [32, 24]) == first


CONSTRUCTOR_ERRORS = [
    ("Resize", dict(size=[1, 2, 3])), ("Resize", dict(size=None)), ("CenterCrop", dict(size=[1, 2, 3])),
    ("RandomResizedCrop", dict(size=5, scale=0.5)), ("RandomResizedCrop", dict(size=5, ratio=(1, 2, 3))),
    ("RandomCrop", dict(size=5, padding=[1, 2, 3])), ("RandomCrop", dict(size=5, padding=1, padding_mode="wrap")),
    ("Pad", dict(padding=[1, 2, 3])), ("Pad", dict(padding=1, fill="red")),
    ("RandomZoomOut", dict(side_range=(0.5, 2.0))), ("RandomZoomOut", dict(side_range=3)),
    ("RandomRotation", dict(degrees=-5)), ("RandomRotation", dict(degrees=5, center=[1])),
    ("RandomAffine", dict(degrees=5, translate=(0.5, 1.5))), ("RandomAffine", dict(degrees=5, scale=(0, 1))),
    ("RandomAffine", dict(degrees=5, shear=(1, 2, 3))), ("RandomPerspective", dict(distortion_scale=1.5)),
    ("RandomHorizontalFlip", dict(p=2.0)), ("ElasticTransform", dict(alpha=[1, 2, 3])),
    ("ElasticTransform", dict(sigma="big")),
]


@pytest.mark.parametrize("name, kwargs", CONSTRUCTOR_ERRORS)
def test_bad_constructor_arguments(name, kwargs):
    expected = error_type(lambda: getattr(TV, name)(**kwargs))
    assert expected is not None
    assert error_type(lambda: getattr(G, name)(**kwargs)) is expected


@pytest.mark.parametrize("make, inputs", [
    (lambda m: m.RandomCrop(size=40), lambda lib: sample(lib)),
    (lambda m: m.RandomIoUCrop(), lambda lib: {"image": sample(lib)["image"]}),
])
def test_bad_samples(make, inputs):
    expected = error_type(lambda: make(TV)(inputs(torch)))
    assert expected is not None
    assert error_type(lambda: make(G)(inputs(flambeau))) is expected
