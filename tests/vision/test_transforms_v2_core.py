"""transforms.v2 core against torchvision: utils._pytree, the kernel registry, the metadata functionals
(sizes, box format conversions, clamping), the sample helpers of v2._utils and Transform's dispatch of a
sample's leaves."""
from __future__ import annotations

import collections

import numpy as np
import pytest
import torch
import torch.utils._pytree as tpytree
import torchvision.transforms.v2 as TV2
import torchvision.transforms.v2.functional as TF
import torchvision.tv_tensors as TT
from PIL import Image as PILImage
from v2core_util import assert_same, same_error, sample, to_torch

import flambeau
import flambeau.utils._pytree as fpytree
import flambeau.vision.transforms.v2 as FV2
import flambeau.vision.transforms.v2.functional as FF
from flambeau.vision import tv_tensors as FT

Point = collections.namedtuple("Point", "x y")
TREES = [
    5, None, [], {}, (1,), [1, [2, (3, None)], {"b": 4, "a": [5]}],
    {"z": 1, "a": {"y": 2}}, collections.OrderedDict(q=1, b=(2, 3)), Point(1, [2, 3]),
    collections.defaultdict(list, k=[1, 2]), collections.deque([1, (2,)], maxlen=4),
    flambeau.Size([2, 3]), {1: "one", "a": [None, 2.5]},
]


# ---------------------------------------------------------------- utils._pytree
@pytest.mark.parametrize("tree", TREES, ids=range(len(TREES)))
def test_pytree_flatten_unflatten_like_torch(tree):
    leaves, spec = fpytree.tree_flatten(tree)
    theirs, tspec = tpytree.tree_flatten(tree)
    assert leaves == theirs and spec.num_leaves == tspec.num_leaves
    rebuilt = fpytree.tree_unflatten([("leaf", i) for i in range(len(leaves))], spec)
    expected = tpytree.tree_unflatten([("leaf", i) for i in range(len(leaves))], tspec)
    assert rebuilt == expected and type(rebuilt) is type(expected)
    assert fpytree.tree_map(lambda v: [v], tree) == tpytree.tree_map(lambda v: [v], tree)
    assert fpytree.tree_leaves(tree) == tpytree.tree_leaves(tree)


def test_pytree_errors_and_spec_equality():
    _, spec = fpytree.tree_flatten({"a": 1, "b": 2})
    _, tspec = tpytree.tree_flatten({"a": 1, "b": 2})
    same_error(lambda: fpytree.tree_unflatten([1], spec), lambda: tpytree.tree_unflatten([1], tspec))
    same_error(lambda: fpytree.tree_unflatten([1], "spec"), lambda: tpytree.tree_unflatten([1], "spec"))
    assert spec == fpytree.tree_flatten({"a": 3, "b": 4})[1] and spec != fpytree.tree_flatten({"b": 3, "a": 4})[1]
    assert fpytree.tree_map_only(int, str, [1, 2.0, (3,)]) == tpytree.tree_map_only(int, str, [1, 2.0, (3,)])


# ---------------------------------------------------------------- metadata functionals
def _boxes(fmt, n=6, dtype="float32", seed=0, canvas=(30, 40)):
    g = np.random.default_rng(seed)
    base = g.random((n, 5)) * [60, 50, 30, 20, 360] - [10, 10, 0, 0, 180]
    if fmt in ("XYXY", "XYWH", "CXCYWH"):
        data = base[:, :4]
        data[:, 2:] += data[:, :2] if fmt == "XYXY" else 0
    else:
        data = FF.convert_bounding_box_format(flambeau.tensor(base.astype("float32")), old_format="XYWHR",
                                              new_format=fmt).numpy()
    return data.astype(dtype)


UNROTATED = ["XYXY", "XYWH", "CXCYWH"]
ROTATED = ["XYWHR", "CXCYWHR", "XYXYXYXY"]


@pytest.mark.parametrize("dtype", ["float32", "int64", "float64"])
@pytest.mark.parametrize("old", UNROTATED)
@pytest.mark.parametrize("new", UNROTATED)
def test_convert_bounding_box_format_unrotated(old, new, dtype):
    data = _boxes(old, dtype=dtype)
    ours = FF.convert_bounding_box_format(flambeau.tensor(data), old_format=old, new_format=new)
    assert_same(ours, TF.convert_bounding_box_format(torch.tensor(data), old_format=old, new_format=new))
    boxes = FT.BoundingBoxes(flambeau.tensor(data), format=old, canvas_size=(30, 40))
    assert_same(FF.convert_bounding_box_format(boxes, new_format=FT.BoundingBoxFormat[new]),
                TF.convert_bounding_box_format(to_torch(boxes), new_format=TT.BoundingBoxFormat[new]))


@pytest.mark.parametrize("old", ROTATED)
@pytest.mark.parametrize("new", ROTATED)
def test_convert_bounding_box_format_rotated(old, new):
    boxes = FT.BoundingBoxes(flambeau.tensor(_boxes(old)), format=old, canvas_size=(30, 40))
    assert_same(FF.convert_bounding_box_format(boxes, new_format=new),
                TF.convert_bounding_box_format(to_torch(boxes), new_format=new), atol=1e-4, rtol=1e-5)


def test_convert_bounding_box_format_inplace():
    data = _boxes("XYWH")
    ours, theirs = flambeau.tensor(data), torch.tensor(data)
    out = FF.convert_bounding_box_format(ours, old_format="XYWH", new_format="CXCYWH", inplace=True)
    TF.convert_bounding_box_format(theirs, old_format="XYWH", new_format="CXCYWH", inplace=True)
    assert out is ours
    assert_same(ours, theirs)


@pytest.mark.parametrize("call", [
    lambda F, M, t: F.convert_bounding_box_format(t.zeros(1, 4), new_format="XYXY"),
    lambda F, M, t: F.convert_bounding_box_format(t.zeros(1, 4), old_format="XYXY"),
    lambda F, M, t: F.convert_bounding_box_format(M.BoundingBoxes(t.zeros(1, 4), format="XYXY", canvas_size=(2, 2)),
                                                  old_format="XYXY", new_format="XYWH"),
    lambda F, M, t: F.convert_bounding_box_format(t.zeros(1, 4), old_format="XYXY", new_format="XYWHR"),
    lambda F, M, t: F.convert_bounding_box_format(M.Image(t.zeros(1, 4)), new_format="XYWH"),
    lambda F, M, t: F.convert_bounding_box_format([1, 2, 3, 4], old_format="XYXY", new_format="XYWH"),
    lambda F, M, t: F.clamp_bounding_boxes(t.zeros(1, 4), format="XYXY"),
    lambda F, M, t: F.clamp_bounding_boxes(t.zeros(1, 4), format="XYXY", canvas_size=(3, 3)),
    lambda F, M, t: F.clamp_bounding_boxes(t.zeros(1, 4), format="XYXY", canvas_size=(3, 3), clamping_mode="x"),
    lambda F, M, t: F.clamp_bounding_boxes(M.BoundingBoxes(t.zeros(1, 4), format="XYXY", canvas_size=(2, 2)),
                                           canvas_size=(3, 3)),
    lambda F, M, t: F.clamp_bounding_boxes(M.Mask(t.zeros(1, 4))),
    lambda F, M, t: F.clamp_keypoints(t.zeros(1, 2)),
    lambda F, M, t: F.clamp_keypoints(M.KeyPoints(t.zeros(1, 2), canvas_size=(2, 2)), canvas_size=(2, 2)),
    lambda F, M, t: F.clamp_keypoints(M.Mask(t.zeros(1, 2))),
    lambda F, M, t: F.get_size(t.zeros(3)),
    lambda F, M, t: F.get_dimensions(M.Mask(t.zeros(3, 3))),
    lambda F, M, t: F.get_num_frames(M.Image(t.zeros(3, 3))),
    lambda F, M, t: F.get_size("image"),
])
def test_meta_errors(call):
    same_error(lambda: call(FF, FT, flambeau), lambda: call(TF, TT, torch))


@pytest.mark.parametrize("mode", ["soft", "hard", None, "auto"])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("fmt", UNROTATED)
def test_clamp_bounding_boxes(fmt, dtype, mode):
    boxes = FT.BoundingBoxes(flambeau.tensor(_boxes(fmt, dtype=dtype)), format=fmt, canvas_size=(30, 40))
    assert_same(FF.clamp_bounding_boxes(boxes, clamping_mode=mode),
                TF.clamp_bounding_boxes(to_torch(boxes), clamping_mode=mode))
    if mode != "auto":
        plain = boxes.as_subclass(flambeau.Tensor)
        assert_same(FF.clamp_bounding_boxes(plain, format=fmt, canvas_size=(30, 40), clamping_mode=mode),
                    TF.clamp_bounding_boxes(to_torch(plain), format=fmt, canvas_size=(30, 40), clamping_mode=mode))


@pytest.mark.parametrize("mode", ["soft", "hard", None])
@pytest.mark.parametrize("fmt", ROTATED)
def test_clamp_rotated_bounding_boxes(fmt, mode):
    boxes = FT.BoundingBoxes(flambeau.tensor(_boxes(fmt, n=60, seed=3)), format=fmt, canvas_size=(30, 40),
                             clamping_mode=mode)
    assert_same(FF.clamp_bounding_boxes(boxes), TF.clamp_bounding_boxes(to_torch(boxes)), atol=2e-4, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_clamp_keypoints(dtype):
    data = (np.random.default_rng(1).random((5, 3, 2)) * 60 - 15).astype(dtype)
    points = FT.KeyPoints(flambeau.tensor(data), canvas_size=(20, 30))
    assert_same(FF.clamp_keypoints(points), TF.clamp_keypoints(to_torch(points)))
    assert_same(FF.clamp_keypoints(flambeau.tensor(data), canvas_size=(20, 30)),
                TF.clamp_keypoints(torch.tensor(data), canvas_size=(20, 30)))


def test_sizes_dimensions_channels_frames():
    s = sample()
    video = FT.Video(flambeau.zeros(5, 3, 12, 16))
    pil = PILImage.new("RGB", (16, 12))
    inputs = [s["image"], s["boxes"], s["masks"], s["keypoints"], video, pil, flambeau.zeros(12, 16)]
    for inpt in inputs:
        theirs = to_torch(inpt)
        for name in ("get_size", "get_dimensions", "get_num_channels", "get_image_num_channels"):
            if name == "get_size" or not isinstance(inpt, (FT.BoundingBoxes, FT.KeyPoints, FT.Mask)):
                assert getattr(FF, name)(inpt) == getattr(TF, name)(theirs)
    assert FF.get_num_frames(video) == TF.get_num_frames(to_torch(video)) == 5


# ---------------------------------------------------------------- the kernel registry
class Heatmap(FT.TVTensor):
    pass


def test_register_kernel_for_a_custom_tv_tensor():
    @FF.register_kernel(FF.clamp_bounding_boxes, Heatmap)
    def clamp_heatmap(inpt, *args, **kwargs):
        return inpt.clamp(0, 1)
    heat = flambeau.tensor([-1.0, 0.5, 2.0]).as_subclass(Heatmap)
    kernel = FF._utils._get_kernel(FF.clamp_bounding_boxes, Heatmap)
    assert kernel is clamp_heatmap and kernel(heat).tolist() == [0.0, 0.5, 1.0]
    same_error(lambda: FF.register_kernel(FF.clamp_bounding_boxes, Heatmap)(clamp_heatmap),
               lambda: TF.register_kernel(TF.clamp_bounding_boxes, _TorchHeatmap)(clamp_heatmap))


class _TorchHeatmap(TT.TVTensor):
    pass


TF.register_kernel(TF.clamp_bounding_boxes, _TorchHeatmap)(lambda inpt: inpt)


@pytest.mark.parametrize("call", [
    lambda F, M: F.register_kernel(len, Heatmap if M is FT else _TorchHeatmap),
    lambda F, M: F.register_kernel("no_such_functional", Heatmap if M is FT else _TorchHeatmap),
    lambda F, M: F.register_kernel(F.get_size, int),
    lambda F, M: F.register_kernel(F.get_size, M.Image),
    lambda F, M: F.register_kernel("get_size", M.Mask),
])
def test_register_kernel_errors(call):
    same_error(lambda: call(FF, FT), lambda: call(TF, TT))


def test_get_kernel_dispatch_and_passthrough():
    from flambeau.vision.transforms.v2.functional._utils import _get_kernel
    from torchvision.transforms.v2.functional._utils import _get_kernel as _tget_kernel

    class MyImage(FT.Image):
        pass
    assert _get_kernel(FF.get_size, MyImage) is _get_kernel(FF.get_size, FT.Image)  # by the MRO
    assert _get_kernel(FF.get_num_frames, Heatmap, allow_passthrough=True)("x") == "x"
    same_error(lambda: _get_kernel(FF.get_num_frames, Heatmap), lambda: _tget_kernel(TF.get_num_frames, _TorchHeatmap))
    same_error(lambda: _get_kernel(len, Heatmap), lambda: _tget_kernel(len, _TorchHeatmap))


# ---------------------------------------------------------------- v2._utils helpers
def _flat(s):
    return fpytree.tree_flatten(s)[0], tpytree.tree_flatten(to_torch(s))[0]


def test_query_size_chw_and_finders():
    s = sample()
    del s["labels"]  # a 1-D tensor has no size (Transform never passes labels when the sample has an Image)
    ours, theirs = _flat(s)
    assert FV2.query_size(ours) == TV2.query_size(theirs) == (12, 16)
    assert FV2.query_chw(ours) == TV2.query_chw(theirs) == (3, 12, 16)
    assert_same(FV2.get_bounding_boxes(ours), TV2.get_bounding_boxes(theirs))
    assert_same(FV2.get_keypoints(ours), TV2.get_keypoints(theirs))
    for check in [(FT.Image,), (FT.Image, FT.Video), (FT.Video,), (FT.Mask, FT.KeyPoints)]:
        tcheck = tuple(getattr(TT, c.__name__) for c in check)
        assert FV2.has_any(ours, *check) == TV2.has_any(theirs, *tcheck)
        assert FV2.has_all(ours, *check) == TV2.has_all(theirs, *tcheck)
    assert FV2.check_type(ours[0], (FF.is_pure_tensor, FT.Image)) and not FV2.check_type(ours[0], (FT.Mask,))


@pytest.mark.parametrize("flat", [
    lambda M, t: [t.zeros(3, 4, 4), M.Image(t.zeros(3, 5, 4))],
    lambda M, t: [M.Mask(t.zeros(3, 4)), M.BoundingBoxes(t.zeros(1, 4), format="XYXY", canvas_size=(4, 4))],
    lambda M, t: ["text", 3],
    lambda M, t: [M.Mask(t.zeros(4, 4))],  # query_chw only: no image
    lambda M, t: [M.Image(t.zeros(1, 4, 4)), M.Video(t.zeros(2, 3, 4, 4))],
])
@pytest.mark.parametrize("query", ["query_size", "query_chw", "get_bounding_boxes", "get_keypoints"])
def test_query_errors(flat, query):
    ours, theirs = flat(FT, flambeau), flat(TT, torch)
    try:
        expected = getattr(TV2, query)(theirs)
    except Exception:  # noqa: BLE001
        same_error(lambda: getattr(FV2, query)(ours), lambda: getattr(TV2, query)(theirs))
    else:
        assert_same(getattr(FV2, query)(ours), expected)


def test_argument_helpers():
    from flambeau.vision.transforms.v2 import _utils as fu
    from torchvision.transforms.v2 import _utils as tu
    for arg in (3, 2.5, [1], (1, 2), [0.5, 4]):
        assert fu._setup_number_or_seq(arg, "sigma") == tu._setup_number_or_seq(arg, "sigma")
    for bad in ("3", [1, 2, 3], ["a"]):
        same_error(lambda: fu._setup_number_or_seq(bad, "sigma"), lambda: tu._setup_number_or_seq(bad, "sigma"))
    for fill in (None, 1, (1, 2, 3), {FT.Image: 2, "others": [1.0]}):
        tfill = {TT.Image: 2, "others": [1.0]} if isinstance(fill, dict) else fill
        ours, theirs = fu._setup_fill_arg(fill), tu._setup_fill_arg(tfill)
        assert list(ours.values()) == list(theirs.values())
        assert fu._get_fill(ours, FT.Mask) == tu._get_fill(theirs, TT.Mask)
    same_error(lambda: fu._setup_fill_arg("red"), lambda: tu._setup_fill_arg("red"))
    for padding in (1, [1, 2], (1, 2, 3, 4), [1, 2, 3], 1.5, [1.0]):
        try:
            tu._check_padding_arg(padding)
        except ValueError:
            same_error(lambda: fu._check_padding_arg(padding), lambda: tu._check_padding_arg(padding))
        else:
            fu._check_padding_arg(padding)
    same_error(lambda: fu._check_padding_mode_arg("wrap"), lambda: tu._check_padding_mode_arg("wrap"))


@pytest.mark.parametrize("inputs", [
    lambda M, t: {"image": t.ones(2), "labels": t.tensor([1])},
    lambda M, t: (M.Image(t.ones(1, 2, 2)), {"boxes": t.ones(1), "Labels": t.tensor([3])}),
    lambda M, t: (M.Image(t.ones(1, 2, 2)), t.tensor([5])),
    lambda M, t: {"class_label_x": t.tensor([2])},
    lambda M, t: {"boxes": t.ones(1)},
    lambda M, t: [t.ones(1), 3],
])
def test_labels_default_heuristic(inputs):
    from flambeau.vision.transforms.v2._utils import _parse_labels_getter as fparse
    from torchvision.transforms.v2._utils import _parse_labels_getter as tparse
    ours, theirs = inputs(FT, flambeau), inputs(TT, torch)
    try:
        expected = tparse("default")(theirs)
    except Exception:  # noqa: BLE001
        same_error(lambda: fparse("default")(ours), lambda: tparse("default")(theirs))
    else:
        assert_same(fparse("default")(ours), expected)
    assert fparse(None)(ours) is None and fparse(len)([1, 2]) == 2
    same_error(lambda: fparse("labels"), lambda: tparse("labels"))


# ---------------------------------------------------------------- Transform
class _Record:
    """Mixin recording which leaves a transform was asked to transform, and the parameters it saw."""

    def make_params(self, flat_inputs):
        return {"n": len(flat_inputs)}

    def transform(self, inpt, params):
        self.seen.append((type(inpt).__name__, params["n"]))
        return "done"


class OursRecord(_Record, FV2.Transform):
    def __init__(self):
        super().__init__()
        self.seen = []


class TheirsRecord(_Record, TV2.Transform):
    def __init__(self):
        super().__init__()
        self.seen = []


SAMPLES = [
    lambda M, t: sample_of(M, t),
    lambda M, t: (t.zeros(3, 4, 4), t.tensor([1, 2]), "text", None),  # only the first pure tensor
    lambda M, t: [M.Mask(t.zeros(2, 2)), t.zeros(3, 2, 2), {"a": 1.5, "b": [M.KeyPoints(t.zeros(1, 2), canvas_size=(2, 2))]}],
    lambda M, t: {"video": M.Video(t.zeros(1, 3, 2, 2)), "extra": t.zeros(2)},  # a pure tensor next to a video
    lambda M, t: (PILImage.new("L", (3, 2)), t.zeros(2, 3)),
]


def sample_of(M, t):
    s = sample()
    return s if M is FT else to_torch(s)


@pytest.mark.parametrize("make", SAMPLES)
def test_transform_transforms_the_same_leaves(make):
    ours, theirs = OursRecord(), TheirsRecord()
    out_ours, out_theirs = ours(make(FT, flambeau)), theirs(make(TT, torch))
    assert [(n.replace("Tensor", "T"), k) for n, k in ours.seen] == \
        [(n.replace("Tensor", "T"), k) for n, k in theirs.seen]
    done = [[isinstance(o, str) and o == "done" for o in tree.tree_flatten(out)[0]]
            for tree, out in ((fpytree, out_ours), (tpytree, out_theirs))]
    assert done[0] == done[1] and any(done[0])


def test_transform_several_positional_inputs_and_repr():
    t = OursRecord()
    out = t(flambeau.zeros(3, 2, 2), flambeau.zeros(2))
    assert isinstance(out, tuple) and out[0] == "done" and isinstance(out[1], flambeau.Tensor)
    with pytest.raises(NotImplementedError):
        FV2.Transform()(flambeau.zeros(3, 2, 2))
    assert FV2.Transform()("passthrough") == "passthrough"  # nothing to transform: transform is never called
