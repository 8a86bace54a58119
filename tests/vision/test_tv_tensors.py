"""flambeau.vision.tv_tensors and Tensor.as_subclass against torchvision.tv_tensors: constructors, the type
and metadata that methods keep or drop, set_return_type, wrap, repr, copies and pickling, errors."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch
import torchvision.tv_tensors as TT
from v2core_util import assert_same, same_error, to_torch

import flambeau
from flambeau.vision import tv_tensors as FT

BOX_DATA = [[1.0, 2.0, 5.0, 7.0], [0.5, 0.0, 3.0, 4.0]]


def both(name, *args, **kwargs):
    """The same tv_tensor built by flambeau and by torchvision from the same numbers."""
    data = np.asarray(args[0], dtype=kwargs.pop("np_dtype", "float32"))
    return (getattr(FT, name)(flambeau.tensor(data), *args[1:], **kwargs),
            getattr(TT, name)(torch.tensor(data), *args[1:], **kwargs))


CONSTRUCTED = [
    ("Image", (np.arange(12).reshape(3, 2, 2),), {}),
    ("Image", (np.arange(6).reshape(2, 3),), {}),  # 2-D gets a channel dimension
    ("Image", (np.arange(6).reshape(2, 3),), {"np_dtype": "uint8"}),
    ("Video", (np.ones((2, 3, 2, 2)),), {}),
    ("Mask", (np.ones((2, 4, 4)),), {"np_dtype": "uint8"}),
    ("BoundingBoxes", (BOX_DATA,), {"format": "XYXY", "canvas_size": (8, 9)}),
    ("BoundingBoxes", (BOX_DATA[0],), {"format": "cxcywh", "canvas_size": (8, 9)}),  # 1-D: one box
    ("BoundingBoxes", (BOX_DATA,), {"format": FT.BoundingBoxFormat.XYWH, "canvas_size": (8, 9),
                                    "clamping_mode": "hard"}),
    ("BoundingBoxes", ([[1, 2, 3, 4, 30]],), {"format": "XYWHR", "canvas_size": (8, 9), "clamping_mode": None}),
    ("KeyPoints", ([[1, 2], [3, 4]],), {"canvas_size": (5, 6)}),
    ("KeyPoints", ([1, 2],), {"canvas_size": (5, 6)}),
]


def _torch_kwargs(kwargs):
    fmt = kwargs.get("format")
    return dict(kwargs, format=fmt.value) if isinstance(fmt, FT.BoundingBoxFormat) else kwargs


@pytest.mark.parametrize("name,args,kwargs", CONSTRUCTED)
def test_constructors_match(name, args, kwargs):
    np_dtype = kwargs.pop("np_dtype", "float32")
    data = np.asarray(args[0], dtype=np_dtype)
    ours = getattr(FT, name)(flambeau.tensor(data), **kwargs)
    theirs = getattr(TT, name)(torch.tensor(data), **_torch_kwargs(kwargs))
    assert_same(ours, theirs)
    assert isinstance(ours, FT.TVTensor) and isinstance(ours, flambeau.Tensor)


def test_constructor_from_lists_dtype_device_requires_grad():
    ours = FT.Image([[1.0, 2.0]], dtype=flambeau.float64, requires_grad=True)
    theirs = TT.Image([[1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    assert_same(ours, theirs)
    assert ours.requires_grad and ours.device.type == "cpu"
    grad_source = flambeau.ones(2, 2, requires_grad=True)
    assert FT.Mask(grad_source).requires_grad and not FT.Mask(grad_source, requires_grad=False).requires_grad


def test_constructor_from_pil():
    from PIL import Image as PILImage
    pil = PILImage.fromarray(np.arange(24, dtype=np.uint8).reshape(2, 4, 3))
    assert_same(FT.Image(pil), TT.Image(pil))
    assert_same(FT.Mask(pil.convert("L")), TT.Mask(pil.convert("L")))


@pytest.mark.parametrize("make", [
    lambda M, t: M.Image(t.ones(3)),
    lambda M, t: M.BoundingBoxes(t.ones(2, 2, 4), format="XYXY", canvas_size=(2, 2)),
    lambda M, t: M.BoundingBoxes(t.ones(1, 4), format="XYXY", canvas_size=(2, 2), clamping_mode="medium"),
    lambda M, t: M.BoundingBoxes(t.ones(1, 5, dtype=t.int64), format="XYWHR", canvas_size=(2, 2)),
    lambda M, t: M.BoundingBoxes(t.ones(1, 4), format="XYZW", canvas_size=(2, 2)),
    lambda M, t: M.KeyPoints(t.ones(2, 3), canvas_size=(2, 2)),
    lambda M, t: M.Video(t.ones(3, 2, 2)),
    lambda M, t: M.is_rotated_bounding_format(4),
])
def test_constructor_errors(make):
    same_error(lambda: make(FT, flambeau), lambda: make(TT, torch))


def test_is_rotated_bounding_format():
    for fmt in ("XYXY", "XYWH", "CXCYWH", "XYWHR", "CXCYWHR", "XYXYXYXY"):
        assert FT.is_rotated_bounding_format(fmt) == TT.is_rotated_bounding_format(fmt)
        assert FT.is_rotated_bounding_format(FT.BoundingBoxFormat[fmt]) == \
            TT.is_rotated_bounding_format(TT.BoundingBoxFormat[fmt])
    assert [f.value for f in FT.BoundingBoxFormat] == [f.value for f in TT.BoundingBoxFormat]


# ---------------------------------------------------------------- which operations keep the type
OPS = [
    lambda x: x + 1,
    lambda x: 2 * x,
    lambda x: x.flip(0),
    lambda x: x[0],
    lambda x: x.sum(),
    lambda x: x.clone(),
    lambda x: x.detach(),
    lambda x: x.to(x.dtype),
    lambda x: x.float(),
    lambda x: x.requires_grad_(False),
    lambda x: x.unbind(0),
    lambda x: x.max(dim=0),
    lambda x: x.view(-1),
    lambda x: x == x,
]


@pytest.mark.parametrize("return_type", ["Tensor", "TVTensor", "tvtensor"])
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("name,args,kwargs", [CONSTRUCTED[0], CONSTRUCTED[5], CONSTRUCTED[9]])
def test_methods_keep_or_drop_the_type_as_torchvision(name, args, kwargs, op, return_type):
    ours, theirs = both(name, *args, **dict(kwargs))
    with FT.set_return_type(return_type), TT.set_return_type(return_type):
        assert_same(op(ours), op(theirs))


def test_set_return_type_global_and_restored():
    ours, theirs = both("Image", np.ones((3, 2, 2)))
    FT.set_return_type("TVTensor")
    try:
        assert type(ours + 1) is FT.Image
    finally:
        FT.set_return_type("Tensor")
    assert type(ours + 1) is flambeau.Tensor
    with FT.set_return_type("TVTensor"):
        with FT.set_return_type("Tensor"):
            assert type(ours + 1) is flambeau.Tensor
        assert type(ours + 1) is FT.Image
    same_error(lambda: FT.set_return_type("image"), lambda: TT.set_return_type("image"))


def test_inplace_ops_return_plain_tensors_sharing_memory():
    ours, theirs = both("Image", np.ones((3, 2, 2)))
    out_ours, out_theirs = ours.add_(1), theirs.add_(1)
    assert_same(out_ours, out_theirs)
    assert_same(ours, theirs)
    out_ours.mul_(3)
    assert ours[0, 0, 0].item() == 6.0


def test_metadata_follows_the_first_operand():
    boxes = FT.BoundingBoxes(flambeau.tensor(BOX_DATA), format="XYWH", canvas_size=(8, 9), clamping_mode=None)
    with FT.set_return_type("TVTensor"):
        shifted = boxes + 1
        first, second = boxes.unbind(0)
    assert (shifted.format, shifted.canvas_size, shifted.clamping_mode) == (boxes.format, (8, 9), None)
    assert second.format is FT.BoundingBoxFormat.XYWH and second.canvas_size == (8, 9)


def test_wrap():
    boxes, tboxes = both("BoundingBoxes", BOX_DATA, format="XYXY", canvas_size=(8, 9))
    plain, tplain = flambeau.zeros(3, 4), torch.zeros(3, 4)
    assert_same(FT.wrap(plain, like=boxes), TT.wrap(tplain, like=tboxes))
    assert_same(FT.wrap(plain, like=boxes, format="CXCYWH", canvas_size=(2, 3)),
                TT.wrap(tplain, like=tboxes, format="CXCYWH", canvas_size=(2, 3)))
    image, timage = both("Image", np.ones((3, 2, 2)))
    assert_same(FT.wrap(plain, like=image), TT.wrap(tplain, like=timage))
    same_error(lambda: FT.wrap(flambeau.zeros(2, 2, 4), like=boxes), lambda: TT.wrap(torch.zeros(2, 2, 4), like=tboxes))


def test_repr():
    for name, args, kwargs in CONSTRUCTED:
        ours, theirs = both(name, *args, **_torch_kwargs(dict(kwargs)))
        assert repr(ours) == repr(theirs)


def test_deepcopy_and_pickle_keep_type_and_metadata():
    boxes, tboxes = both("BoundingBoxes", BOX_DATA, format="CXCYWH", canvas_size=(8, 9), clamping_mode="hard")
    copied = copy.deepcopy(boxes)
    assert_same(copied, copy.deepcopy(tboxes))
    copied[0, 0] = 100.0
    assert boxes[0, 0].item() == 1.0
    assert_same(pickle.loads(pickle.dumps(boxes)), pickle.loads(pickle.dumps(tboxes)))
    image = FT.Image(flambeau.ones(3, 2, 2), requires_grad=True)
    assert copy.deepcopy(image).requires_grad and copy.deepcopy(image).is_leaf


# ---------------------------------------------------------------- Tensor.as_subclass
def test_as_subclass_shares_memory_versions_and_gradients():
    x = flambeau.arange(6.0).reshape(2, 3).requires_grad_()
    tx = torch.arange(6.0).reshape(2, 3).requires_grad_()
    y, ty = x.as_subclass(FT.Image), tx.as_subclass(TT.Image)
    assert type(y) is FT.Image and y.data_ptr() == x.data_ptr()
    assert (y.requires_grad, y.is_leaf) == (ty.requires_grad, ty.is_leaf)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    plain = flambeau.zeros(3)
    alias = plain.as_subclass(FT.Mask)
    alias.add_(2)
    assert plain.tolist() == [2.0, 2.0, 2.0] and plain._version == alias._version == 1


@pytest.mark.parametrize("cls", ["int", "3"])
def test_as_subclass_errors(cls):
    same_error(lambda: flambeau.zeros(2).as_subclass(eval(cls)), lambda: torch.zeros(2).as_subclass(eval(cls)))


def test_a_custom_tv_tensor():
    class Points(FT.TVTensor):
        pass
    p = flambeau.ones(2).as_subclass(Points)
    assert type(p.clone()) is Points and type(p + 1) is flambeau.Tensor
    assert to_torch(p).__class__ is torch.Tensor  # not a builtin type: compared as a plain tensor
