"""vision.utils against torchvision.utils on identical inputs: exact for all of them."""
import io

import numpy as np
import pytest
import torch
import torchvision.utils as tvu

import flambeau
from flambeau.vision import utils

RNG = np.random.default_rng(0)


def both(array):
    return flambeau.from_numpy(array.copy()), torch.from_numpy(array.copy())


def assert_equal(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("shape", [(5, 3, 4, 6), (3, 1, 5, 5), (1, 3, 4, 4), (1, 4, 4), (3, 4, 4), (4, 4)])
@pytest.mark.parametrize("kwargs", [{}, dict(nrow=2, padding=1, pad_value=0.5), dict(normalize=True),
                                    dict(normalize=True, scale_each=True, nrow=3),
                                    dict(normalize=True, value_range=(-0.5, 0.5), padding=0)])
def test_make_grid(shape, kwargs):
    ours, theirs = both(RNG.standard_normal(shape).astype(np.float32))
    assert_equal(utils.make_grid(ours, **kwargs), tvu.make_grid(theirs, **kwargs))
    if kwargs.get("normalize"):  # the input is left alone
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_make_grid_list_and_uint8():
    images = [RNG.integers(0, 256, (3, 4, 5), dtype=np.uint8) for _ in range(3)]
    ours = utils.make_grid([flambeau.from_numpy(a) for a in images], nrow=2, pad_value=7)
    assert_equal(ours, tvu.make_grid([torch.from_numpy(a) for a in images], nrow=2, pad_value=7))


@pytest.mark.parametrize("bad", ["not a tensor", [np.zeros((3, 2, 2))]])
def test_make_grid_type_errors(bad):
    with pytest.raises(TypeError) as ours:
        utils.make_grid(bad)
    with pytest.raises(TypeError) as theirs:
        tvu.make_grid(bad)
    assert str(ours.value).split(" <")[0] == str(theirs.value).split(" <")[0]
    with pytest.raises(TypeError, match="value_range"):
        utils.make_grid(flambeau.zeros(2, 3, 2, 2), normalize=True, value_range=[0, 1])


@pytest.mark.parametrize("shape,kwargs", [((4, 3, 5, 6), dict(nrow=2)), ((3, 7, 5), {}),
                                          ((2, 1, 4, 4), dict(padding=0))])
def test_save_image_same_png_bytes(shape, kwargs):
    array = RNG.uniform(-0.1, 1.1, shape).astype(np.float32)
    ours, theirs = io.BytesIO(), io.BytesIO()
    utils.save_image(flambeau.from_numpy(array), ours, format="png", **kwargs)
    tvu.save_image(torch.from_numpy(array), theirs, format="png", **kwargs)
    assert ours.getvalue() == theirs.getvalue()


def test_save_image_to_path(tmp_path):
    array = RNG.uniform(0, 1, (3, 4, 4)).astype(np.float32)
    utils.save_image(flambeau.from_numpy(array), tmp_path / "a.png")
    tvu.save_image(torch.from_numpy(array), tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


BOXES = np.array([[1, 2, 10, 12], [5, 5, 20, 18], [0, 0, 3, 3]], dtype=np.float32)


@pytest.mark.parametrize("kwargs", [{}, dict(colors="red", width=2),
                                    dict(fill=True, colors=[(10, 200, 30), "blue", "#ff00ff"]),
                                    dict(labels=["cat", "dog", "x"]),
                                    dict(labels=["cat", "dog", "x"], fill_labels=True, label_colors="white"),
                                    dict(labels=["a", "b", "c"], label_colors=["red", "green", "blue"], width=3)])
@pytest.mark.parametrize("dtype,channels", [(np.uint8, 3), (np.uint8, 1), (np.float32, 3)])
def test_draw_bounding_boxes(kwargs, dtype, channels):
    shape = (channels, 24, 30)
    array = RNG.integers(0, 256, shape, dtype=np.uint8) if dtype == np.uint8 else RNG.uniform(0, 1, shape).astype(dtype)
    (img, timg), (boxes, tboxes) = both(array), both(BOXES)
    assert_equal(utils.draw_bounding_boxes(img, boxes, **kwargs), tvu.draw_bounding_boxes(timg, tboxes, **kwargs))


ROTATED = np.array([[5, 5, 30, 8, 28, 30, 3, 27], [40.7, 2, 48, 20, 30, 35, 20, 10], [2, 2, 2, 9, 9, 9, 9, 2]],
                   dtype=np.float32)


@pytest.mark.parametrize("kwargs", [{}, dict(fill=True, width=3, colors=["red", "blue", (0, 200, 10)]),
                                    dict(labels=["a", "b", "c"], colors="yellow", width=2)])
def test_draw_rotated_boxes(kwargs):
    (img, timg), (boxes, tboxes) = both(RNG.integers(0, 256, (3, 40, 50), dtype=np.uint8)), both(ROTATED)
    assert_equal(utils.draw_bounding_boxes(img, boxes, **kwargs), tvu.draw_bounding_boxes(timg, tboxes, **kwargs))


@pytest.mark.parametrize("shape", [(2, 5), (2, 4, 2), (4,)])
def test_draw_bounding_boxes_bad_shape_is_a_clear_error(shape):
    with pytest.raises(ValueError, match=r"\(N, 4\).*\(N, 8\)"):
        utils.draw_bounding_boxes(flambeau.zeros(3, 8, 8, dtype=flambeau.uint8), flambeau.zeros(*shape))


@pytest.mark.parametrize("args,kwargs", [((np.zeros((2, 4, 4), np.uint8), BOXES), {}),
                                         ((np.zeros((3, 4, 4), np.int32), BOXES), {}),
                                         ((np.zeros((1, 3, 4, 4), np.uint8), BOXES), {}),
                                         ((np.zeros((3, 4, 4), np.uint8), BOXES[:, [2, 1, 0, 3]]), {}),
                                         ((np.zeros((3, 4, 4), np.uint8), BOXES), dict(labels=["a"])),
                                         ((np.zeros((3, 4, 4), np.uint8), BOXES), dict(colors=["red"])),
                                         ((np.zeros((3, 4, 4), np.uint8), BOXES), dict(colors=(1, 2)))])
def test_draw_bounding_boxes_errors(args, kwargs):
    (img, timg), (boxes, tboxes) = both(args[0]), both(args[1])
    with pytest.raises(ValueError) as theirs:
        tvu.draw_bounding_boxes(timg, tboxes, **kwargs)
    with pytest.raises(ValueError) as ours:
        utils.draw_bounding_boxes(img, boxes, **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_draw_bounding_boxes_no_boxes_warns():
    img = flambeau.zeros(3, 4, 4, dtype=flambeau.uint8)
    with pytest.warns(UserWarning, match="No box was drawn"):
        assert utils.draw_bounding_boxes(img, flambeau.zeros(0, 4)) is img


def _masks(count, h=6, w=7):
    return RNG.uniform(size=(count, h, w)) > 0.6


@pytest.mark.parametrize("kwargs", [{}, dict(alpha=0.3), dict(colors="green"),
                                    dict(colors=["red", (0, 10, 250), "#123456"], alpha=1.0)])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_draw_segmentation_masks(kwargs, dtype):
    shape = (3, 6, 7)
    array = RNG.integers(0, 256, shape, dtype=np.uint8) if dtype == np.uint8 else RNG.uniform(0, 1, shape).astype(dtype)
    check = assert_equal
    if dtype == np.float64 and "colors" not in kwargs:
        # torchvision's default palette divides int64 tensors by 255, giving float32 colors even for a
        # float64 image; flambeau's palette colors are float64 (differences ~4e-10)
        def check(ours, theirs):
            assert ours.dtype == flambeau.float64 and theirs.dtype == torch.float64
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7, atol=0)
    (img, timg), (masks, tmasks) = both(array), both(_masks(3))
    check(utils.draw_segmentation_masks(img, masks, **kwargs), tvu.draw_segmentation_masks(timg, tmasks, **kwargs))
    (m, tm) = both(_masks(1)[0])
    check(utils.draw_segmentation_masks(img, m, **kwargs), tvu.draw_segmentation_masks(timg, tm, **kwargs))


@pytest.mark.parametrize("image,masks", [(np.zeros((1, 6, 7), np.uint8), _masks(1)),
                                         (np.zeros((3, 6, 7), np.uint8), _masks(1).astype(np.uint8)),
                                         (np.zeros((3, 6, 7), np.uint8), _masks(1, 5, 7)),
                                         (np.zeros((3, 6, 7), np.uint8), _masks(1)[None])])
def test_draw_segmentation_masks_errors(image, masks):
    (img, timg), (m, tm) = both(image), both(masks)
    with pytest.raises(ValueError) as theirs:
        tvu.draw_segmentation_masks(timg, tm)
    with pytest.raises(ValueError) as ours:
        utils.draw_segmentation_masks(img, m)
    assert str(ours.value) == str(theirs.value)


KEYPOINTS = np.array([[[2, 3], [10, 4], [6.7, 12], [15, 15]], [[20, 2], [22, 10], [18, 14], [1, 1]]], dtype=np.float32)


@pytest.mark.parametrize("kwargs", [{}, dict(connectivity=[(0, 1), (1, 2), (2, 3)], colors="red", radius=1, width=2),
                                    dict(connectivity=[(0, 2), (3, 1)], colors=(10, 250, 3),
                                         visibility=np.array([[1, 1, 0, 1], [0, 1, 1, 1]], dtype=bool))])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_draw_keypoints(kwargs, dtype):
    shape = (3, 18, 25)
    array = RNG.integers(0, 256, shape, dtype=np.uint8) if dtype == np.uint8 else RNG.uniform(0, 1, shape).astype(dtype)
    (img, timg), (kp, tkp) = both(array), both(KEYPOINTS)
    ours_kwargs, theirs_kwargs = dict(kwargs), dict(kwargs)
    if "visibility" in kwargs:
        ours_kwargs["visibility"], theirs_kwargs["visibility"] = both(kwargs["visibility"])
    assert_equal(utils.draw_keypoints(img, kp, **ours_kwargs), tvu.draw_keypoints(timg, tkp, **theirs_kwargs))


@pytest.mark.parametrize("keypoints,visibility", [(KEYPOINTS[0], None), (KEYPOINTS, np.ones((2, 3), bool)),
                                                  (KEYPOINTS, np.ones((2, 4, 1, 1), bool))])
def test_draw_keypoints_errors(keypoints, visibility):
    (img, timg), (kp, tkp) = both(np.zeros((3, 8, 8), np.uint8)), both(keypoints)
    vis, tvis = both(visibility) if visibility is not None else (None, None)
    with pytest.raises(ValueError) as theirs:
        tvu.draw_keypoints(timg, tkp, visibility=tvis)
    with pytest.raises(ValueError) as ours:
        utils.draw_keypoints(img, kp, visibility=vis)
    assert str(ours.value).split(" Got")[0] == str(theirs.value).split(" Got")[0]


@pytest.mark.parametrize("shape", [(2, 9, 11), (3, 2, 5, 4)])
def test_flow_to_image(shape):
    flow, tflow = both(RNG.standard_normal(shape).astype(np.float32) * 3)
    assert_equal(utils.flow_to_image(flow), tvu.flow_to_image(tflow))


@pytest.mark.parametrize("array", [np.zeros((2, 3, 3), np.float64), np.zeros((3, 3, 3), np.float32)])
def test_flow_to_image_errors(array):
    flow, tflow = both(array)
    with pytest.raises(ValueError) as theirs:
        tvu.flow_to_image(tflow)
    with pytest.raises(ValueError) as ours:
        utils.flow_to_image(flow)
    assert str(ours.value) == str(theirs.value)
