"""flambeau.vision.transforms geometry classes against torchvision.

Random classes: torchvision's own code is run with its `torch` module swapped for a shim whose random
functions are flambeau's, so after the same flambeau.manual_seed both libraries consume the same random
stream; equal outputs then mean the same draws, in the same order, applied the same way.
"""
import math
import types

import numpy as np
import pytest
import torch
import torchvision.transforms as TT
import torchvision.transforms.transforms as tv_transforms
from PIL import Image

import flambeau
import flambeau.vision.transforms as T

RNG = np.random.default_rng(2)
BYTES = RNG.integers(0, 256, (3, 15, 18), dtype=np.uint8)
FLOATS = RNG.uniform(0, 1, (2, 3, 15, 18)).astype(np.float32)
PIL_RGB = Image.fromarray(np.ascontiguousarray(BYTES.transpose(1, 2, 0)))


@pytest.fixture
def tv_on_flambeau_rng(monkeypatch):
    shim = types.SimpleNamespace(rand=flambeau.rand, randint=flambeau.randint, empty=flambeau.empty,
                                 log=flambeau.log, exp=flambeau.exp, tensor=flambeau.tensor)
    monkeypatch.setattr(tv_transforms, "torch", shim)


def assert_same_image(theirs, ours):
    if isinstance(theirs, tuple):
        assert len(theirs) == len(ours)
        for a, b in zip(theirs, ours):
            assert_same_image(a, b)
    elif isinstance(theirs, torch.Tensor):
        assert isinstance(ours, flambeau.Tensor)
        a, b = theirs.numpy(), ours.numpy()
        assert (a.dtype, a.shape) == (b.dtype, b.shape)
        # resampled floats: summation order differs (1e-5 per unit of the largest value, at least 1: float32
        # rounding of the grid, which torch's BLAS does differently with AVX-512, grows with fills such as 7);
        # uint8: off by one after rounding, rarely
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
        tol = 1 if a.dtype == np.uint8 else 1e-5 * max(1.0, float(np.abs(a).max(initial=0)))
        assert diff.max(initial=0) <= tol
        assert (diff > (0 if a.dtype == np.uint8 else tol)).mean() <= 0.02
    else:
        assert (theirs.mode, theirs.size) == (ours.mode, ours.size)
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def images():
    return [(torch.tensor(BYTES), flambeau.tensor(BYTES)), (torch.tensor(FLOATS), flambeau.tensor(FLOATS)),
            (PIL_RGB, PIL_RGB)]


CLASSES = [
    ("Resize", (7,), {}),
    ("Resize", ([9, 5],), {"interpolation": TT.InterpolationMode.BICUBIC}),
    ("Resize", (6,), {"max_size": 8, "interpolation": 0}),
    ("CenterCrop", (8,), {}),
    ("CenterCrop", ([20, 7],), {}),
    ("Pad", ([1, 2],), {"fill": 3}),
    ("Pad", (2,), {"padding_mode": "reflect"}),
    ("FiveCrop", (5,), {}),
    ("TenCrop", ([4, 6],), {"vertical_flip": True}),
    ("RandomCrop", (10,), {}),
    ("RandomCrop", ([12, 20],), {"padding": 2, "pad_if_needed": True, "fill": 4}),
    ("RandomCrop", (20,), {"pad_if_needed": True, "padding_mode": "edge"}),
    ("RandomHorizontalFlip", (), {}),
    ("RandomVerticalFlip", (0.7,), {}),
    ("RandomResizedCrop", (8,), {}),
    ("RandomResizedCrop", ([6, 9],), {"scale": (0.3, 0.6), "ratio": (0.5, 2.0), "interpolation": 0}),
    ("RandomResizedCrop", (6,), {"scale": (0.95, 1.0), "ratio": (3.0, 4.0)}),  # falls back to a centre crop
    ("RandomRotation", (40,), {}),
    ("RandomRotation", ([10, 80],), {"expand": True, "center": [3, 4], "fill": 7,
                                     "interpolation": TT.InterpolationMode.BILINEAR}),
    ("RandomAffine", (30,), {"translate": (0.2, 0.1), "scale": (0.8, 1.2), "shear": 10}),
    ("RandomAffine", ([-5, 5],), {"shear": (-5, 5, -10, 10), "fill": [1, 2, 3], "center": [2, 2],
                                  "interpolation": TT.InterpolationMode.BILINEAR}),
    ("RandomPerspective", (), {"p": 1.0}),
    ("RandomPerspective", (0.8,), {"p": 0.5, "fill": 9, "interpolation": TT.InterpolationMode.NEAREST}),
]


def _ours(kwargs):
    return {k: (T.InterpolationMode(v.value) if isinstance(v, TT.InterpolationMode) else v) for k, v in kwargs.items()}


@pytest.mark.parametrize("case", range(len(CLASSES)))
def test_same_as_torchvision_under_same_random_stream(case, tv_on_flambeau_rng):
    name, args, kwargs = CLASSES[case]
    theirs, ours = getattr(TT, name)(*args, **kwargs), getattr(T, name)(*args, **_ours(kwargs))
    assert repr(ours) == repr(theirs)
    for tv_img, fl_img in images():
        for seed in range(3):
            flambeau.manual_seed(seed)
            expected = theirs(tv_img)
            flambeau.manual_seed(seed)
            assert_same_image(expected, ours(fl_img))


@pytest.mark.parametrize("case", range(len(CLASSES)))
def test_reproducible_under_manual_seed(case):
    name, args, kwargs = CLASSES[case]
    transform = getattr(T, name)(*args, **_ours(kwargs))
    img = flambeau.tensor(BYTES)
    flambeau.manual_seed(5)
    first = [transform(img) for _ in range(4)]
    flambeau.manual_seed(5)
    for a in first:
        b = transform(img)
        for x, y in zip(*((a, b) if isinstance(a, tuple) else ((a,), (b,)))):
            np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_get_params_same_draws_as_torchvision(tv_on_flambeau_rng):
    img = torch.tensor(BYTES)
    calls = [
        (TT.RandomCrop.get_params, T.RandomCrop.get_params, (img, (7, 9)), (flambeau.tensor(BYTES), (7, 9))),
        (TT.RandomResizedCrop.get_params, T.RandomResizedCrop.get_params, (img, (0.08, 1.0), (0.75, 4 / 3)),
         (flambeau.tensor(BYTES), (0.08, 1.0), (0.75, 4 / 3))),
        (TT.RandomRotation.get_params, T.RandomRotation.get_params, ([-20.0, 30.0],), ([-20.0, 30.0],)),
        (TT.RandomAffine.get_params, T.RandomAffine.get_params, ([-9.0, 9.0], [0.3, 0.2], [0.5, 2.0],
                                                                 [-3.0, 3.0, -4.0, 4.0], [18, 15]), None),
        (TT.RandomPerspective.get_params, T.RandomPerspective.get_params, (18, 15, 0.6), None),
    ]
    for theirs, ours, args, our_args in calls:
        for seed in range(20):
            flambeau.manual_seed(seed)
            expected = theirs(*args)
            flambeau.manual_seed(seed)
            assert ours(*(our_args or args)) == expected


def test_flip_probability():
    img = flambeau.tensor(BYTES[:, :2, :2])
    flipped = img.flip(-1)
    flambeau.manual_seed(0)
    n, p = 2000, 0.3
    hits = sum(bool((T.RandomHorizontalFlip(p)(img) == flipped).all()) for _ in range(n))
    assert abs(hits / n - p) < 4 * math.sqrt(p * (1 - p) / n)
    assert all(T.RandomVerticalFlip(0.0)(img) is img for _ in range(20))


def test_random_crop_params_cover_range():
    flambeau.manual_seed(0)
    tops, lefts = set(), set()
    for _ in range(300):
        i, j, h, w = T.RandomCrop.get_params(flambeau.tensor(BYTES), (12, 15))
        assert (h, w) == (12, 15) and 0 <= i <= 3 and 0 <= j <= 3
        tops.add(i)
        lefts.add(j)
    assert tops == lefts == {0, 1, 2, 3}


def test_random_resized_crop_params_within_bounds():
    flambeau.manual_seed(0)
    big = flambeau.zeros(1, 100, 120)
    scale, ratio = (0.2, 0.7), (0.6, 1.5)
    for _ in range(300):
        i, j, h, w = T.RandomResizedCrop.get_params(big, scale, ratio)
        assert 0 <= i <= 100 - h and 0 <= j <= 120 - w
        # w and h are rounded to integers: allow that rounding in the area and the aspect ratio
        assert scale[0] * 12000 - (h + w + 1) <= h * w <= scale[1] * 12000 + (h + w + 1)
        assert ratio[0] * (h - 0.5) / (h + 0.5) - 0.02 <= w / h <= ratio[1] * (h + 0.5) / (h - 0.5) + 0.02


def test_random_rotation_and_affine_params_within_bounds():
    flambeau.manual_seed(0)
    angles = [T.RandomRotation.get_params([-10.0, 25.0]) for _ in range(500)]
    assert -10 <= min(angles) < -8 and 23 < max(angles) <= 25
    for _ in range(200):
        angle, (tx, ty), s, (shx, shy) = T.RandomAffine.get_params([-5.0, 5.0], [0.1, 0.2], [0.7, 1.3],
                                                                   [-8.0, 8.0, 1.0, 2.0], [30, 40])
        assert -5 <= angle <= 5 and abs(tx) <= 3 and abs(ty) <= 8 and 0.7 <= s <= 1.3
        assert -8 <= shx <= 8 and 1 <= shy <= 2


def test_random_perspective_endpoints_in_their_corners():
    flambeau.manual_seed(0)
    for _ in range(200):
        start, (tl, tr, br, bl) = T.RandomPerspective.get_params(20, 10, 0.5)
        assert start == [[0, 0], [19, 0], [19, 9], [0, 9]]
        assert 0 <= tl[0] <= 5 and 0 <= tl[1] <= 2 and 14 <= tr[0] <= 19 and 0 <= tr[1] <= 2
        assert 14 <= br[0] <= 19 and 7 <= br[1] <= 9 and 0 <= bl[0] <= 5 and 7 <= bl[1] <= 9


CONSTRUCTOR_ERRORS = [
    ("Resize", (5.0,), {}, TypeError),
    ("Resize", ([1, 2, 3],), {}, ValueError),
    ("CenterCrop", ([1, 2, 3],), {}, ValueError),
    ("Pad", ("1",), {}, TypeError),
    ("Pad", (1,), {"fill": "x"}, TypeError),
    ("Pad", (1,), {"padding_mode": "wrap"}, ValueError),
    ("Pad", ([1, 2, 3],), {}, ValueError),
    ("RandomResizedCrop", (5,), {"scale": 0.5}, TypeError),
    ("RandomResizedCrop", (5,), {"ratio": 1.0}, TypeError),
    ("RandomRotation", (-1,), {}, ValueError),
    ("RandomRotation", ([1, 2, 3],), {}, ValueError),
    ("RandomRotation", (5,), {"center": 3}, TypeError),
    ("RandomRotation", (5,), {"fill": object()}, TypeError),
    ("RandomAffine", (5,), {"translate": (0.1,)}, ValueError),
    ("RandomAffine", (5,), {"translate": (0.1, 1.5)}, ValueError),
    ("RandomAffine", (5,), {"scale": (0.0, 1.0)}, ValueError),
    ("RandomAffine", (5,), {"shear": (1, 2, 3)}, ValueError),
    ("RandomAffine", (5,), {"shear": -2}, ValueError),
    ("RandomPerspective", (), {"fill": object()}, TypeError),
    ("FiveCrop", ([1, 2, 3],), {}, ValueError),
]


@pytest.mark.parametrize("case", range(len(CONSTRUCTOR_ERRORS)))
def test_constructor_errors(case):
    name, args, kwargs, error = CONSTRUCTOR_ERRORS[case]
    with pytest.raises(error):
        getattr(TT, name)(*args, **kwargs)
    with pytest.raises(error):
        getattr(T, name)(*args, **kwargs)


def test_crop_larger_than_image_and_bad_ratio_warning():
    for lib, img in ((TT, torch.tensor(BYTES)), (T, flambeau.tensor(BYTES))):
        with pytest.raises(ValueError):
            lib.RandomCrop(30)(img)
        with pytest.warns(UserWarning):
            lib.RandomResizedCrop(5, scale=(1.0, 0.5))


@pytest.mark.parametrize("sigma", [3.0, (2.0, 1.0), (0.0, 0.0)])
def test_elastic_params_blur_the_seeded_noise_like_torchvision(sigma):
    alpha, size = (20.0, 10.0), [15, 18]
    flambeau.manual_seed(0)
    ours = T.ElasticTransform.get_params(alpha, list(sigma) if isinstance(sigma, tuple) else [sigma, sigma], size)
    flambeau.manual_seed(0)
    sigmas = list(sigma) if isinstance(sigma, tuple) else [sigma, sigma]
    parts = []
    for axis in (0, 1):  # torchvision's recipe: uniform noise in [-1, 1], blurred, scaled by alpha / extent
        noise = torch.tensor(flambeau.rand([1, 1] + size).numpy()) * 2 - 1
        if sigmas[axis] > 0:
            k = int(8 * sigmas[axis] + 1) | 1
            noise = TT.functional.gaussian_blur(noise, [k, k], sigmas)
        parts.append(noise * alpha[axis] / size[1 - axis])
    expected = torch.cat(parts, 1).permute(0, 2, 3, 1)
    assert tuple(ours.shape) == (1, 15, 18, 2)
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), atol=1e-5)


def test_elastic_transform_class():
    transform = T.ElasticTransform(alpha=30.0, sigma=2.0, fill=[1, 2, 3])
    assert repr(transform) == repr(TT.ElasticTransform(alpha=30.0, sigma=2.0, fill=[1, 2, 3]))
    for tv_img, fl_img in images():
        flambeau.manual_seed(1)
        ours = transform(fl_img)
        flambeau.manual_seed(1)
        displacement = T.ElasticTransform.get_params(transform.alpha, transform.sigma, [15, 18])
        expected = TT.functional.elastic_transform(tv_img, torch.tensor(displacement.numpy()), fill=transform.fill)
        assert_same_image(expected, ours)
    for kwargs in ({"alpha": 5}, {"alpha": (1.0, 2.0, 3.0)}, {"sigma": (1, 2)}, {"fill": "x"}):
        error = ValueError if kwargs.get("alpha") == (1.0, 2.0, 3.0) else TypeError
        with pytest.raises(error):
            TT.ElasticTransform(**kwargs)
        with pytest.raises(error):
            T.ElasticTransform(**kwargs)


@pytest.mark.parametrize("case", range(len(CLASSES)))
def test_transforms_pickle_for_worker_processes(case):
    import pickle
    name, args, kwargs = CLASSES[case]
    transform = getattr(T, name)(*args, **_ours(kwargs))
    copy = pickle.loads(pickle.dumps(transform))
    assert repr(copy) == repr(transform)
    img = flambeau.tensor(BYTES)
    flambeau.manual_seed(3)
    expected = transform(img)
    flambeau.manual_seed(3)
    got = copy(img)
    for a, b in zip(*((expected, got) if isinstance(expected, tuple) else ((expected,), (got,)))):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
