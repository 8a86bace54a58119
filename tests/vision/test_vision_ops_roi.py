"""RoI operators against torchvision.ops: roi_align, roi_pool, ps_roi_align, ps_roi_pool (values and input
gradients, both box forms, float32/float64, empty RoI sets, errors), their module classes, and MultiScaleRoIAlign
over an OrderedDict of feature maps."""
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torchvision.ops as tv_ops

import flambeau
from flambeau.vision.ops.poolers import MultiScaleRoIAlign
from flambeau.vision.ops.ps_roi_align import PSRoIAlign, ps_roi_align
from flambeau.vision.ops.ps_roi_pool import PSRoIPool, ps_roi_pool
from flambeau.vision.ops.roi_align import RoIAlign, roi_align
from flambeau.vision.ops.roi_pool import RoIPool, roi_pool
from oracle import RNG, check, check_raises, gradcheck, randn, to_numpy

FLAMBEAU = {"roi_align": roi_align, "roi_pool": roi_pool, "ps_roi_align": ps_roi_align, "ps_roi_pool": ps_roi_pool,
            "RoIAlign": RoIAlign, "RoIPool": RoIPool, "PSRoIAlign": PSRoIAlign, "PSRoIPool": PSRoIPool}


def op(lib, name):
    return getattr(tv_ops, name) if lib is torch else FLAMBEAU[name]


def make_rois(k, n_images, height, width, scale=1.0, dtype=np.float64, low=-4.0, max_size=None):
    """[K, 5] boxes in image coordinates: some partly outside the map, some tiny, some larger than it."""
    h, w = height / scale, width / scale
    size = RNG.uniform(0, max_size or max(h, w) * 1.3, (k, 2))
    size[: k // 4] *= 0.02  # tiny RoIs, below a pixel
    x1 = RNG.uniform(low, w - 1, k)
    y1 = RNG.uniform(low, h - 1, k)
    batch = RNG.integers(0, n_images, k)
    return np.stack([batch, x1, y1, x1 + size[:, 0], y1 + size[:, 1]], axis=1).astype(dtype)


def tol(dtype):
    return {"atol": 1e-5, "rtol": 1e-4} if dtype == np.float32 else {"atol": 1e-10, "rtol": 1e-7}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("sampling_ratio", [-1, 0, 2])
@pytest.mark.parametrize("scale,output_size", [(1.0, 3), (0.5, (2, 4)), (0.25, (5, 3))])
def test_roi_align(dtype, aligned, sampling_ratio, scale, output_size):
    x = randn(2, 3, 9, 11, dtype=dtype)
    rois = make_rois(12, 2, 9, 11, scale, dtype)
    check(lambda lib, x, r: op(lib, "roi_align")(x, r, output_size, scale, sampling_ratio, aligned), x, rois,
          **tol(dtype))


@pytest.mark.parametrize("aligned", [False, True])
def test_roi_align_degenerate_boxes(aligned):
    """Inverted and zero-size boxes: legacy mode makes them 1x1, aligned mode samples nothing (or clamps)."""
    x = randn(1, 2, 6, 7)
    rois = np.array([[0, 3, 3, 1, 1], [0, 2, 2, 2, 2], [0, -3, -3, -1.5, -1.5], [0, 6.5, 5.5, 9, 9],
                     [0, 0, 0, 7, 6], [0, 2.2, 1.1, 2.3, 1.2]])
    check(lambda lib, x, r: op(lib, "roi_align")(x, r, (2, 3), 1.0, -1, aligned), x, rois)


def test_roi_align_samples_on_the_edges():
    """Single samples exactly at -1 and at the size count (clamped to the border); beyond them they give 0."""
    x = randn(1, 2, 5, 6)
    rois = np.array([[0, -2, 3, 0, 5], [0, 5, -2, 7, 0], [0, -2.5, 4, -0.5, 6], [0, 1, 4.5, 3, 6.5]])
    check(lambda lib, x, r: op(lib, "roi_align")(x, r, 1, 1.0, 1), x, rois)


def test_roi_align_list_of_boxes_and_module():
    x = randn(2, 4, 8, 8, dtype=np.float32)
    b0, b1 = make_rois(5, 1, 8, 8, dtype=np.float32)[:, 1:], make_rois(3, 1, 8, 8, dtype=np.float32)[:, 1:]
    check(lambda lib, x, b0, b1: op(lib, "roi_align")(x, [b0, b1], 3, 1.0, 2), x, b0, b1, atol=1e-5)
    check(lambda lib, x, b0, b1: op(lib, "RoIAlign")((3, 2), 0.5, -1, True)(x, [b0, b1]), x, b0, b1, atol=1e-5)
    assert repr(RoIAlign((3, 2), 0.5, -1, True)) == repr(tv_ops.RoIAlign((3, 2), 0.5, -1, True))


@pytest.mark.parametrize("name", ["roi_align", "roi_pool", "ps_roi_align", "ps_roi_pool"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_empty_roi_set(name, dtype):
    x = randn(2, 8, 5, 6, dtype=dtype)
    out = check(lambda lib, x, r: op(lib, name)(x, r, 2), x, np.zeros((0, 5), dtype))
    assert tuple(out.shape) == ((0, 8, 2, 2) if name.startswith("roi") else (0, 2, 2, 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale,output_size", [(1.0, 3), (0.5, (2, 4)), (0.25, (4, 3))])
def test_roi_pool(dtype, scale, output_size):
    x = randn(2, 3, 9, 11, dtype=dtype)
    rois = make_rois(12, 2, 9, 11, scale, dtype)
    check(lambda lib, x, r: op(lib, "roi_pool")(x, r, output_size, scale), x, rois, **tol(dtype))


def test_roi_pool_ties_take_the_first_maximum():
    """Where a bin holds several equal maxima, the gradient goes to the first in row-major order."""
    x = np.zeros((1, 2, 6, 6))
    x[0, 0, 1:4, 1:4] = 1.0
    rois = np.array([[0, 0, 0, 5, 5], [0, 1, 1, 4, 4], [0, -2, -2, 2, 2]], dtype=np.float64)
    check(lambda lib, x, r: op(lib, "roi_pool")(x, r, (2, 3)), x, rois)


def test_roi_pool_list_of_boxes_and_module():
    x = randn(2, 3, 7, 9)
    b0, b1 = make_rois(4, 1, 7, 9)[:, 1:], make_rois(6, 1, 7, 9)[:, 1:]
    check(lambda lib, x, b0, b1: op(lib, "RoIPool")((2, 3), 0.5)(x, [b0, b1]), x, b0, b1)
    assert repr(RoIPool((2, 3), 0.5)) == repr(tv_ops.RoIPool((2, 3), 0.5))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sampling_ratio", [-1, 0, 2])
@pytest.mark.parametrize("scale,output_size", [(1.0, 2), (0.5, (2, 3)), (0.25, (3, 1))])
def test_ps_roi_align(dtype, sampling_ratio, scale, output_size):
    ph, pw = output_size if isinstance(output_size, tuple) else (output_size, output_size)
    x = randn(2, 2 * ph * pw, 9, 11, dtype=dtype)
    rois = make_rois(10, 2, 9, 11, scale, dtype)  # some tiny RoIs have no samples: nan in both libraries
    check(lambda lib, x, r: op(lib, "ps_roi_align")(x, r, output_size, scale, sampling_ratio), x, rois,
          **tol(dtype))


def test_ps_roi_align_module_and_list_of_boxes():
    x = randn(2, 12, 7, 8)
    b0, b1 = make_rois(3, 1, 7, 8)[:, 1:], make_rois(4, 1, 7, 8)[:, 1:]
    check(lambda lib, x, b0, b1: op(lib, "PSRoIAlign")((2, 3), 1.0, 2)(x, [b0, b1]), x, b0, b1)
    assert repr(PSRoIAlign((2, 3), 1.0, 2)) == repr(tv_ops.PSRoIAlign((2, 3), 1.0, 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale,output_size", [(1.0, 2), (0.5, (2, 3)), (0.25, (3, 1))])
def test_ps_roi_pool(dtype, scale, output_size):
    ph, pw = output_size if isinstance(output_size, tuple) else (output_size, output_size)
    x = randn(2, 2 * ph * pw, 9, 11, dtype=dtype)
    # boxes that stay off the last row and column, where torchvision's backward disagrees with its forward
    rois = make_rois(10, 2, 9, 11, scale, dtype, max_size=4 / scale)
    rois[:, 1::2] = np.minimum(rois[:, 1::2], (11 - 2.6) / scale)
    rois[:, 2::2] = np.minimum(rois[:, 2::2], (9 - 2.6) / scale)
    check(lambda lib, x, r: op(lib, "ps_roi_pool")(x, r, output_size, scale), x, rois, **tol(dtype))


def test_ps_roi_pool_at_the_border():
    """torchvision's forward never pools the last row and column (values match); our gradient is the
    derivative of that forward, checked by finite differences."""
    x = randn(1, 4, 5, 6)
    rois = np.array([[0, 3, 2, 9, 9], [0, -1, -1, 7, 6], [0, 4, 3, 5.8, 4.9]])
    check(lambda lib, x, r: op(lib, "ps_roi_pool")(x, r, 2), x, rois, grad=False)
    check(lambda lib, x, r: op(lib, "PSRoIPool")(2, 1.0)(x, r), x, rois, grad=False)
    gradcheck(lambda lib, x: ps_roi_pool(x, flambeau.tensor(rois), 2), x, gradgrad=False)
    assert repr(PSRoIPool(2, 1.0)) == repr(tv_ops.PSRoIPool(2, 1.0))


@pytest.mark.parametrize("name,args", [("roi_align", ((2, 3), 0.5, 2, True)), ("roi_align", (2, 1.0, -1, False)),
                                       ("roi_pool", ((2, 3),)), ("ps_roi_align", (2, 1.0, 2))])
def test_gradcheck(name, args):
    """Finite differences, the second oracle, in float64."""
    rois = flambeau.tensor(make_rois(3, 2, 5, 6))
    gradcheck(lambda lib, x: FLAMBEAU[name](x, rois, *args), randn(2, 4, 5, 6), gradgrad=False)


def test_gradgradcheck_roi_align():
    """The window gather's backward (a segment sum) has its own backward: the gather again."""
    rois = flambeau.tensor(make_rois(4, 2, 5, 6))
    gradcheck(lambda lib, x: roi_align(x, rois, 2, 0.5, 2, True), randn(2, 3, 5, 6))


@pytest.mark.parametrize("name", ["roi_align", "ps_roi_align", "ps_roi_pool"])
def test_rois_in_several_chunks(name, monkeypatch):
    """Windows are gathered a bounded number of elements at a time; results must not depend on it."""
    monkeypatch.setattr("flambeau.vision.ops._roi_utils._CHUNK", 200)
    x = randn(2, 8, 9, 11)
    # ps_roi_pool: values only, as torchvision's gradient disagrees with its forward at the border
    check(lambda lib, x, r: op(lib, name)(x, r, 2, 0.5), x, make_rois(15, 2, 9, 11, 0.5, max_size=8),
          grad=name != "ps_roi_pool")


@pytest.mark.parametrize("name", ["roi_align", "roi_pool", "ps_roi_align", "ps_roi_pool"])
def test_errors(name):
    x = randn(1, 8, 5, 5)
    rois = make_rois(2, 1, 5, 5)
    check_raises(lambda lib, x, r: op(lib, name)(x, r.float(), 2), x, rois)  # boxes of another dtype
    check_raises(lambda lib, x, r: op(lib, name)(x, r[:, 1:], 2), x, rois)  # Tensor[K, 4]
    check_raises(lambda lib, x, r: op(lib, name)(x, [r], 2), x, rois)  # list of Tensor[L, 5]
    if name.startswith("ps"):
        check_raises(lambda lib, x, r: op(lib, name)(x, r, 3), x, rois)  # 8 channels for 3x3 bins


def feature_maps(dtype, names):
    sizes = {"feat1": 32, "feat2": 16, "feat3": 8}
    return OrderedDict((k, randn(2, 3, sizes[k], sizes[k] + 2, dtype=dtype)) for k in names)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("featmap_names,output_size,sampling_ratio", [
    (["feat1", "feat3"], 3, 2), (["feat1", "feat2", "feat3"], (2, 4), -1), (["feat2"], 2, 0)])
def test_multi_scale_roi_align(dtype, featmap_names, output_size, sampling_ratio):
    maps = feature_maps(dtype, ["feat1", "feat2", "feat3"])
    boxes = []
    for n in (6, 9):
        xy = RNG.uniform(0, 230, (n, 2))
        boxes.append(np.concatenate([xy, xy + RNG.uniform(1, 250, (n, 2))], axis=1).astype(dtype))
    image_shapes = [(256, 270), (240, 250)]
    t_module = tv_ops.MultiScaleRoIAlign(featmap_names, output_size, sampling_ratio)
    f_module = MultiScaleRoIAlign(featmap_names, output_size, sampling_ratio)
    assert repr(f_module) == repr(t_module)
    assert list(f_module.state_dict()) == list(t_module.state_dict())

    def fn(lib, f1, f2, f3, b0, b1):
        module = t_module if lib is torch else f_module
        return module(OrderedDict(zip(maps, (f1, f2, f3))), [b0, b1], image_shapes)

    check(fn, *maps.values(), *boxes, **tol(dtype))
    assert f_module.scales == t_module.scales
    levels = f_module.map_levels([flambeau.tensor(b) for b in boxes])
    assert np.array_equal(to_numpy(levels), to_numpy(t_module.map_levels([torch.tensor(b) for b in boxes])))


def test_multi_scale_roi_align_needs_image_shapes():
    module = MultiScaleRoIAlign(["feat1"], 2, 2)
    with pytest.raises(ValueError, match="images list should not be empty"):
        module(OrderedDict(feat1=flambeau.zeros(1, 3, 8, 8)), [flambeau.zeros(1, 4)], [])
