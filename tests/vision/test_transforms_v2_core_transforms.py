"""transforms.v2 transform classes (containers, meta, type conversion, misc, colour, temporal) against
torchvision on detection samples (image, boxes, masks, keypoints, labels) held in dicts and tuples.

flambeau's random streams are not PyTorch's, so random transforms are checked three ways: reproducible under
flambeau.manual_seed; equal to torchvision's transform given the parameters flambeau drew (torchvision's
make_params is replaced by one returning them); and, since every random transform here draws with
torchvision's calls in torchvision's order, equal to torchvision run on flambeau's random numbers under the
same seed. Deterministic transforms (and random ones at p=0 or 1) are compared directly."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch
import torchvision.transforms.v2 as TV2
import torchvision.tv_tensors as TT
from PIL import Image as PILImage
from v2core_util import assert_same, same_error, sample, to_torch

import flambeau
import flambeau.vision.transforms.v2 as FV2
from flambeau.vision import tv_tensors as FT


def _both(name, *args, **kwargs):
    """The flambeau transform and torchvision's, built from the same arguments."""
    def for_torch(v):
        if isinstance(v, flambeau.dtype):
            return getattr(torch, str(v).split(".")[-1])
        if isinstance(v, type) and v.__module__.startswith("flambeau.vision.tv_tensors"):
            return getattr(TT, v.__name__)
        if isinstance(v, flambeau.Tensor):
            return to_torch(v)
        if isinstance(v, dict):
            return {for_torch(k): for_torch(x) for k, x in v.items()}
        if isinstance(v, FT.BoundingBoxFormat):
            return TT.BoundingBoxFormat[v.name]
        return v
    ours = getattr(FV2, name)(*args, **kwargs)
    theirs = getattr(TV2, name)(*[for_torch(a) for a in args], **{k: for_torch(v) for k, v in kwargs.items()})
    return ours, theirs


def _inputs(kind):
    s = sample(seed=1)
    if kind == "dict":
        return s
    if kind == "tuple":  # an (image, target) pair, as detection datasets give
        return s["image"], {k: v for k, v in s.items() if k != "image"}
    if kind == "float":
        s["image"] = FT.Image(s["image"].float() / 255)
        return s
    if kind == "plain":  # a pure tensor image next to boxes
        s["image"] = s["image"].as_subclass(flambeau.Tensor)
        return s
    if kind == "pil":
        s["image"] = PILImage.fromarray(s["image"].permute(1, 2, 0).numpy())
        return s
    if kind == "video":
        return {"video": FT.Video(flambeau.tensor(np.random.default_rng(2).integers(0, 256, (5, 3, 6, 7)).astype("uint8"))),
                "label": flambeau.tensor(3)}
    raise KeyError(kind)


DETERMINISTIC = [
    ("Identity", (), {}, ["dict", "pil"]),
    ("Lambda", (lambda x: x * 2,), {}, ["float"]),
    ("Lambda", (lambda x: x + 1, FT.Mask), {}, ["dict"]),
    ("Grayscale", (), {}, ["dict", "tuple", "pil", "plain"]),
    ("Grayscale", (3,), {}, ["float"]),
    ("RGB", (), {}, ["dict", "pil"]),
    ("RandomGrayscale", (), {"p": 1.0}, ["dict", "pil", "float"]),
    ("RandomInvert", (), {"p": 1.0}, ["dict", "pil", "video"]),
    ("RandomInvert", (), {"p": 0.0}, ["dict"]),
    ("RandomPosterize", (3,), {"p": 1.0}, ["dict", "pil", "float"]),
    ("RandomSolarize", (128,), {"p": 1.0}, ["dict", "pil"]),
    ("RandomSolarize", (0.5,), {"p": 1.0}, ["float"]),
    ("RandomAutocontrast", (), {"p": 1.0}, ["dict", "pil", "video"]),
    ("RandomAdjustSharpness", (1.7,), {"p": 1.0}, ["dict", "pil", "float"]),
    ("RandomEqualize", (), {"p": 1.0}, ["dict", "pil", "float"]),
    ("Normalize", ([0.4, 0.5, 0.6], [0.2, 0.25, 0.3]), {}, ["float"]),
    ("GaussianBlur", (3,), {"sigma": (0.7, 0.7)}, ["dict", "pil", "float", "video"]),
    ("GaussianBlur", ((5, 3),), {"sigma": 1.1}, ["plain"]),
    ("GaussianNoise", (), {"mean": 0.2, "sigma": 0.0}, ["float"]),
    ("ToDtype", (flambeau.float32,), {"scale": True}, ["dict", "plain", "video"]),
    ("ToDtype", (flambeau.float64,), {}, ["dict"]),
    ("ToDtype", ({FT.Image: flambeau.float32, FT.Mask: flambeau.int64, "others": None},), {"scale": True}, ["dict"]),
    ("ToDtype", ({FT.Image: flambeau.float64, FT.BoundingBoxes: flambeau.float64, FT.KeyPoints: flambeau.float64,
                  FT.Mask: None, flambeau.Tensor: flambeau.int32},), {}, ["dict"]),
    ("ConvertImageDtype", (flambeau.float32,), {}, ["dict", "video"]),
    ("ConvertBoundingBoxFormat", ("CXCYWH",), {}, ["dict", "tuple"]),
    ("ConvertBoundingBoxFormat", (FT.BoundingBoxFormat.XYWH,), {}, ["dict"]),
    ("ClampBoundingBoxes", (), {}, ["dict"]),
    ("ClampBoundingBoxes", ("hard",), {}, ["tuple"]),
    ("ClampKeyPoints", (), {}, ["dict"]),
    ("SetClampingMode", (None,), {}, ["dict"]),
    ("ToImage", (), {}, ["dict", "plain", "pil"]),
    ("ToPILImage", (), {}, ["dict", "plain"]),
    ("PILToTensor", (), {}, ["pil"]),
    ("ToPureTensor", (), {}, ["dict", "tuple", "video"]),
    ("UniformTemporalSubsample", (3,), {}, ["video"]),
    ("RandomPhotometricDistort", (), {"p": 0.0}, ["dict"]),
    ("SanitizeBoundingBoxes", (), {}, ["dict", "tuple"]),
    ("SanitizeBoundingBoxes", (), {"min_size": 4.0, "min_area": 10.0, "labels_getter": None}, ["dict"]),
    ("SanitizeKeyPoints", (), {}, ["dict"]),
    ("SanitizeKeyPoints", (), {"labels_getter": "default"}, ["dict"]),
]


def _cases(table):
    return [(name, args, kwargs, kind) for name, args, kwargs, kinds in table for kind in kinds]


@pytest.mark.filterwarnings("ignore:Got `dtype` values")
@pytest.mark.parametrize("name,args,kwargs,kind", _cases(DETERMINISTIC))
def test_deterministic_transforms_match_torchvision(name, args, kwargs, kind):
    ours, theirs = _both(name, *args, **kwargs)
    inputs = _inputs(kind)
    if kind == "dict" and name.startswith("Sanitize"):  # some boxes and points fall outside
        inputs["boxes"][0] = flambeau.tensor([1.0, 1.0, 1.5, 30.0])
        inputs["keypoints"][1, 0, 0] = -1.0
    assert_same(ours(inputs), theirs(to_torch(inputs)))
    assert repr(ours) == repr(theirs)


def test_several_positional_inputs_and_tuple_structure():
    s = _inputs("dict")
    ours, theirs = _both("ConvertBoundingBoxFormat", "XYWH")
    assert_same(ours(s["image"], s["boxes"], s["labels"]), theirs(*to_torch((s["image"], s["boxes"], s["labels"]))))
    compose, tcompose = FV2.Compose([ours, FV2.ClampBoundingBoxes()]), TV2.Compose([theirs, TV2.ClampBoundingBoxes()])
    assert_same(compose(s["image"], s["boxes"]), tcompose(*to_torch((s["image"], s["boxes"]))))


# ---------------------------------------------------------------- containers
def _pair(names_args):
    ours = [getattr(FV2, n)(*a) for n, a in names_args]
    theirs = [getattr(TV2, n)(*a) for n, a in names_args]
    return ours, theirs


CHAIN = [("Grayscale", (3,)), ("RandomInvert", (1.0,)), ("ConvertBoundingBoxFormat", ("XYWH",))]


def test_compose_random_apply_choice():
    s = _inputs("dict")
    ours, theirs = _pair(CHAIN)
    assert_same(FV2.Compose(ours)(s), TV2.Compose(theirs)(to_torch(s)))
    for p in (0.0, 1.0):
        assert_same(FV2.RandomApply(ours, p=p)(s), TV2.RandomApply(theirs, p=p)(to_torch(s)))
    assert_same(FV2.RandomApply(flambeau.nn.ModuleList(ours), p=1.0)(s), TV2.Compose(theirs)(to_torch(s)))
    for pick in range(3):  # probability 0 is never drawn
        probs = [float(i == pick) * 2 for i in range(3)]
        assert_same(FV2.RandomChoice(ours, p=probs)(s), theirs[pick](to_torch(s)))
    assert repr(FV2.Compose(ours)) == repr(TV2.Compose(theirs))
    assert FV2.RandomChoice(ours, p=[1, 1, 2]).p == TV2.RandomChoice(theirs, p=[1, 1, 2]).p


def test_random_order_is_some_order_and_reproducible():
    s = _inputs("float")
    names = [("Grayscale", (3,)), ("RandomInvert", (1.0,)), ("RandomPosterize", (2, 1.0))]
    names[2] = ("Lambda", (lambda x: x * 0.5, FT.Image))
    ours, _ = _pair(names[:2])
    ours.append(FV2.Lambda(lambda x: x * 0.5, FT.Image))
    theirs = [TV2.Grayscale(3), TV2.RandomInvert(1.0), TV2.Lambda(lambda x: x * 0.5, TT.Image)]
    orders = {order: TV2.Compose([theirs[i] for i in order])(to_torch(s))["image"] for order in itertools.permutations(range(3))}
    seen = set()
    for seed in range(8):
        flambeau.manual_seed(seed)
        got = FV2.RandomOrder(ours)(s)
        flambeau.manual_seed(seed)
        assert_same(FV2.RandomOrder(ours)(s), to_torch(got))
        matches = [o for o, expected in orders.items() if np.allclose(got["image"].numpy(), expected.numpy(), atol=1e-6)]
        assert matches, "not the result of any order"
        seen.update(matches)
    assert len(seen) > 1


@pytest.mark.parametrize("make", [
    lambda V: V.Compose([]),
    lambda V: V.Compose(V.Identity()),
    lambda V: V.RandomApply([], p=0.5),
    lambda V: V.RandomApply(V.Identity()),
    lambda V: V.RandomApply([V.Identity()], p=1.5),
    lambda V: V.RandomChoice([V.Identity()], p=[0.5, 0.5]),
    lambda V: V.RandomChoice(V.Identity()),
    lambda V: V.RandomOrder([]),
    lambda V: V.RandomInvert(p=-0.1),
    lambda V: V.GaussianBlur(4),
    lambda V: V.GaussianBlur((3, 5, 7)),
    lambda V: V.GaussianBlur(3, sigma=(2.0, 1.0)),
    lambda V: V.GaussianBlur(3, sigma="big"),
    lambda V: V.ToDtype("float32"),
    lambda V: V.SanitizeBoundingBoxes(min_size=0.5),
    lambda V: V.SanitizeBoundingBoxes(min_area=0.0),
    lambda V: V.SanitizeBoundingBoxes(labels_getter="labels"),
    lambda V: V.SetClampingMode("medium"),
    lambda V: V.ColorJitter(brightness=-1),
    lambda V: V.ColorJitter(hue=0.8),
    lambda V: V.ColorJitter(contrast=(1, 2, 3)),
    lambda V: V.ColorJitter(saturation=(2.0, 1.0)),
])
def test_constructor_errors(make):
    same_error(lambda: make(FV2), lambda: make(TV2))


@pytest.mark.parametrize("name,args,inputs", [
    ("Normalize", ([0.5], [0.5]), lambda M, t: PILImage.new("RGB", (3, 3))),
    ("LinearTransformation", (None, None), lambda M, t: PILImage.new("RGB", (3, 3))),
    ("ToDtype", ({"a": None},), lambda M, t: {"image": M.Image(t.zeros(3, 2, 2))}),
    ("ClampBoundingBoxes", ("x",), lambda M, t: M.BoundingBoxes(t.zeros(1, 4), format="XYXY", canvas_size=(2, 2))),
    ("SanitizeBoundingBoxes", (), lambda M, t: {"image": M.Image(t.zeros(3, 2, 2)), "labels": t.zeros(1)}),
    ("SanitizeBoundingBoxes", (), lambda M, t: {"boxes": M.BoundingBoxes(t.zeros(2, 4), format="XYXY", canvas_size=(2, 2)),
                                                "labels": t.zeros(3)}),
    ("SanitizeBoundingBoxes", (), lambda M, t: {"boxes": M.BoundingBoxes(t.zeros(2, 4), format="XYXY", canvas_size=(2, 2)),
                                                "labels": [1, 2]}),
    ("SanitizeBoundingBoxes", (), lambda M, t: [M.BoundingBoxes(t.zeros(2, 4), format="XYXY", canvas_size=(2, 2))]),
    ("SanitizeKeyPoints", (), lambda M, t: {"image": M.Image(t.zeros(3, 2, 2))}),
    ("RandomGrayscale", (1.0,), lambda M, t: {"mask": M.Mask(t.zeros(2, 2))}),
    ("RandomChannelPermutation", (), lambda M, t: [M.Image(t.zeros(3, 2, 2)), M.Image(t.zeros(3, 2, 3))]),
])
def test_forward_errors(name, args, inputs):
    if name == "LinearTransformation":
        ours, theirs = FV2.LinearTransformation(flambeau.eye(27), flambeau.zeros(27)), \
            TV2.LinearTransformation(torch.eye(27), torch.zeros(27))
    else:
        ours, theirs = _both(name, *args)
    same_error(lambda: ours(inputs(FT, flambeau)), lambda: theirs(inputs(TT, torch)))


def test_linear_transformation():
    g = np.random.default_rng(4)
    matrix, mean = g.random((48, 48)).astype("float32"), g.random(48).astype("float32")
    ours, theirs = _both("LinearTransformation", flambeau.tensor(matrix), flambeau.tensor(mean))
    for inpt in (FT.Image(flambeau.tensor(g.random((3, 4, 4)).astype("float32"))),
                 FT.Video(flambeau.tensor(g.random((2, 3, 4, 4)).astype("float32"))),
                 flambeau.tensor(g.random((2, 3, 4, 4)).astype("float32"))):
        assert_same(ours({"x": inpt, "mask": FT.Mask(flambeau.zeros(4, 4))}),
                    theirs({"x": to_torch(inpt), "mask": TT.Mask(torch.zeros(4, 4))}), atol=1e-4)
    same_error(lambda: FV2.LinearTransformation(flambeau.eye(3), flambeau.zeros(2)),
               lambda: TV2.LinearTransformation(torch.eye(3), torch.zeros(2)))
    same_error(lambda: ours(flambeau.zeros(3, 2, 2)), lambda: theirs(torch.zeros(3, 2, 2)))


def test_sanitize_with_a_callable_labels_getter_and_semantic_mask():
    s = _inputs("dict")
    s["boxes"][1] = flambeau.tensor([40.0, 1.0, 50.0, 9.0])  # outside the canvas
    s["area"] = flambeau.arange(4.0)
    s["semantic"] = FT.Mask(flambeau.zeros(12, 16))
    getter = lambda sample: (sample["labels"], sample["area"])  # noqa: E731
    assert_same(FV2.SanitizeBoundingBoxes(labels_getter=getter)(s),
                TV2.SanitizeBoundingBoxes(labels_getter=getter)(to_torch(s)))


def test_deprecated_to_tensor():
    s = _inputs("pil")
    with pytest.warns(UserWarning, match="deprecated"):
        ours = FV2.ToTensor()
    with pytest.warns(UserWarning, match="deprecated"):
        theirs = TV2.ToTensor()
    array = np.arange(24, dtype="uint8").reshape(2, 4, 3)
    assert_same(ours([s, array]), theirs([to_torch(s), array]))


def test_to_dtype_warns_like_torchvision():
    for make in (lambda V, M, t: V.ToDtype({t.Tensor: t.float32, M.Image: t.float32}),
                 lambda V, M, t: V.ToDtype({M.Image: None, "others": None}, scale=True)):
        for V, M, t in ((FV2, FT, flambeau), (TV2, TT, torch)):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                make(V, M, t)(M.Image(t.zeros(3, 2, 2)))
            assert len(caught) == 1


# ---------------------------------------------------------------- random transforms
def _params_to_torch(params):
    return {k: to_torch(v) if isinstance(v, flambeau.Tensor) else (list(v) if isinstance(v, list) else v)
            for k, v in params.items()}


RANDOM = [
    ("ColorJitter", (0.4, 0.4, 0.4, 0.2), {}, ["dict", "pil", "video", "float"]),
    ("ColorJitter", (), {"brightness": (0.5, 1.5), "hue": 0.3}, ["tuple"]),
    ("RandomPhotometricDistort", (), {"p": 0.7}, ["dict", "pil", "float"]),
    ("RandomChannelPermutation", (), {}, ["dict", "video"]),
    ("GaussianBlur", (5,), {"sigma": (0.5, 2.0)}, ["dict", "float"]),
    ("RandomGrayscale", (), {"p": 1.0}, ["float"]),
]


@pytest.mark.parametrize("name,args,kwargs,kind", _cases(RANDOM))
def test_random_transforms_reproducible_and_equal_given_the_same_parameters(name, args, kwargs, kind):
    ours, theirs = _both(name, *args, **kwargs)
    inputs = _inputs(kind)
    drawn = []
    make_params = ours.make_params
    ours.make_params = lambda flat: drawn.append(make_params(flat)) or drawn[-1]
    results = []
    for seed in (5, 5, 6):
        flambeau.manual_seed(seed)
        results.append(ours(inputs))
    assert_same(results[1], to_torch(results[0]))
    theirs.make_params = lambda flat: _params_to_torch(drawn[0])
    assert_same(results[0], theirs(to_torch(inputs)))
    assert str(drawn[0]) != str(drawn[2]) or name == "RandomGrayscale"  # another seed, other parameters


def test_color_jitter_get_params_and_ranges_like_torchvision():
    ours, theirs = _both("ColorJitter", 0.5, (0.2, 1.8), 0, 0.25)
    assert (ours.brightness, ours.contrast, ours.saturation, ours.hue) == \
        (theirs.brightness, theirs.contrast, theirs.saturation, theirs.hue)
    flambeau.manual_seed(0)
    fn_idx, *factors = FV2.ColorJitter.get_params(ours.brightness, ours.contrast, ours.saturation, ours.hue)
    assert sorted(fn_idx.tolist()) == [0, 1, 2, 3] and factors[2] is None
    assert 0.5 <= factors[0] <= 1.5 and 0.2 <= factors[1] <= 1.8 and -0.25 <= factors[3] <= 0.25


# ---------------------------------------------------------------- the same draws as torchvision
SAME_CALLS = [
    lambda V: V.ColorJitter(0.4, 0.4, 0.4, 0.2),
    lambda V: V.RandomPhotometricDistort(p=0.5),
    lambda V: V.RandomChannelPermutation(),
    lambda V: V.GaussianBlur(5, sigma=(0.5, 2.0)),
    lambda V: V.RandomGrayscale(p=0.5),
    lambda V: V.RandomInvert(p=0.5),
    lambda V: V.RandomApply([V.RandomInvert(1.0), V.RandomSolarize(100, 1.0)], p=0.5),
    lambda V: V.RandomChoice([V.RandomInvert(1.0), V.RandomSolarize(100, 1.0), V.Grayscale(3)], p=[1, 2, 3]),
    lambda V: V.RandomOrder([V.RandomInvert(1.0), V.RandomPosterize(2, 1.0), V.Grayscale(3)]),
]


@pytest.mark.parametrize("make", SAME_CALLS)
def test_random_transforms_equal_torchvision_on_flambeau_draws(make, monkeypatch):
    """torchvision draws these parameters with the calls flambeau makes, in the same order: given flambeau's
    random numbers, it computes the same outputs."""
    import torchvision.transforms.v2 as tv2_package
    from v2core_util import use_flambeau_draws_everywhere
    use_flambeau_draws_everywhere(monkeypatch, *(getattr(tv2_package, m) for m in ("_color", "_container", "_misc",
                                                                                     "_transform")))
    ours, theirs = make(FV2), make(TV2)
    s = _inputs("dict")
    for seed in range(6):
        flambeau.manual_seed(seed)
        got = ours(s)
        flambeau.manual_seed(seed)
        assert_same(got, theirs(to_torch(s)))
