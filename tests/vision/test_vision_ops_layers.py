"""vision.ops layers against torchvision.ops: FeaturePyramidNetwork and its extra blocks (structure, state_dict,
outputs, gradients), DropBlock2d/3d (block structure, scaling, statistics, edge cases) and deform_conv2d /
DeformConv2d (values and gradients of every input)."""
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torchvision.ops as tv_ops
import torchvision.ops.feature_pyramid_network as tv_fpn
from numpy.lib.stride_tricks import sliding_window_view

import flambeau
from flambeau.vision.ops.deform_conv import DeformConv2d, deform_conv2d
from flambeau.vision.ops.drop_block import DropBlock2d, DropBlock3d, drop_block2d, drop_block3d
from flambeau.vision.ops import feature_pyramid_network as f_fpn
from flambeau.vision.ops.feature_pyramid_network import (ExtraFPNBlock, FeaturePyramidNetwork, LastLevelMaxPool,
                                                         LastLevelP6P7)
from oracle import check, check_module, randn, to_numpy

# ---------------------------------------------------------------------------------------------- FPN

IN_CHANNELS = [3, 5, 8]
LEVELS = {"feat0": (13, 16), "feat1": (7, 8), "feat3": (3, 5)}  # odd sizes: nearest upsampling is not a plain x2


def fpn_pair(extra: str | None, norm: bool):
    def build(lib, ops):
        extra_block = {None: None, "maxpool": lambda: ops.LastLevelMaxPool(),
                       "p6p7_c5": lambda: ops.LastLevelP6P7(IN_CHANNELS[-1], 4),
                       "p6p7_p5": lambda: ops.LastLevelP6P7(4, 4)}[extra]
        kwargs = {"norm_layer": lib.nn.BatchNorm2d} if norm else {}
        return ops.FeaturePyramidNetwork(IN_CHANNELS, 4, extra_block and extra_block(), **kwargs).double()

    return build(torch, tv_fpn), build(flambeau, f_fpn)


@pytest.mark.parametrize("extra", [None, "maxpool", "p6p7_c5", "p6p7_p5"])
@pytest.mark.parametrize("norm", [False, True])
def test_fpn_matches_torchvision(extra, norm):
    t_fpn, f_fpn = fpn_pair(extra, norm)
    assert list(f_fpn.state_dict()) == list(t_fpn.state_dict())
    f_fpn.load_state_dict({k: flambeau.tensor(to_numpy(v)) for k, v in t_fpn.state_dict().items()}, strict=True)
    names = list(LEVELS)
    t_names, f_names = [], []

    def run(lib, *features):
        out = (t_fpn if lib is torch else f_fpn)(OrderedDict(zip(names, features)))
        assert isinstance(out, OrderedDict)
        (t_names if lib is torch else f_names).append(list(out))
        return tuple(out.values())

    arrays = [randn(2, c, *LEVELS[n]) for c, n in zip(IN_CHANNELS, names)]
    check(run, *arrays, atol=1e-10, rtol=1e-8)
    assert f_names == t_names
    t_params = dict(t_fpn.named_parameters())
    for name, p in f_fpn.named_parameters():
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(t_params[name].grad), rtol=1e-8, atol=1e-10,
                                   err_msg=name)


def test_fpn_init_is_kaiming_uniform_a1_with_zero_bias():
    fpn = FeaturePyramidNetwork([64, 128], 64, LastLevelP6P7(128, 64))
    convs = [m for m in fpn.modules() if isinstance(m, flambeau.nn.Conv2d)]
    assert len(convs) == 6
    for conv in convs:
        fan_in = conv.weight[0].numel()
        bound = np.sqrt(3.0 / fan_in)  # gain sqrt(2 / (1 + a^2)) = 1, bound = gain * sqrt(3 / fan_in)
        w = to_numpy(conv.weight)
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
        assert not to_numpy(conv.bias).any()


def test_fpn_loads_version_1_checkpoints():
    """Before version 2 the blocks were bare convolutions: their keys lack the ".0" of the Sequential."""
    t_fpn, f_fpn = fpn_pair(None, False)
    old = OrderedDict((k.replace(".0.", "."), flambeau.tensor(to_numpy(v))) for k, v in t_fpn.state_dict().items())
    old._metadata = {"": {"version": 1}}
    f_fpn.load_state_dict(old, strict=True)
    for k, v in f_fpn.state_dict().items():
        np.testing.assert_array_equal(to_numpy(v), to_numpy(t_fpn.state_dict()[k]))


def test_fpn_argument_errors():
    with pytest.raises(TypeError, match="extra_blocks should be of type ExtraFPNBlock"):
        FeaturePyramidNetwork([3], 4, extra_blocks=flambeau.nn.Identity())
    with pytest.raises(ValueError, match="in_channels=0"):
        FeaturePyramidNetwork([3, 0], 4)
    assert isinstance(LastLevelMaxPool(), ExtraFPNBlock) and isinstance(LastLevelP6P7(2, 2), ExtraFPNBlock)


# ------------------------------------------------------------------------------------------ DropBlock

def opening(dropped: np.ndarray, block_size: int) -> np.ndarray:
    """The union of all block_size windows (inside the map) that are entirely dropped, over the last dims."""
    dims = dropped.ndim - 2
    axes = tuple(range(2, 2 + dims))
    full = sliding_window_view(dropped, (block_size,) * dims, axis=axes).all(axis=tuple(range(-dims, 0)))
    covered = np.zeros_like(dropped)
    for corner in np.argwhere(full):
        n, c, *start = corner
        covered[(n, c, *(slice(s, s + block_size) for s in start))] = True
    return covered


@pytest.mark.parametrize("fn,shape,block_size", [(drop_block2d, (2, 3, 15, 12), 3), (drop_block2d, (1, 2, 9, 9), 5),
                                                 (drop_block3d, (2, 2, 7, 8, 9), 3)])
def test_drop_block_drops_whole_blocks_and_rescales(fn, shape, block_size):
    flambeau.manual_seed(0)
    x = flambeau.tensor(randn(*shape, low=0.5, high=1.5))
    out = to_numpy(fn(x, p=0.2, block_size=block_size))
    dropped = out == 0
    assert dropped.any() and not dropped.all()
    # every dropped element lies in a whole dropped block, and blocks never leave the map
    np.testing.assert_array_equal(opening(dropped, block_size), dropped)
    scale = dropped.size / (1e-6 + (~dropped).sum())
    np.testing.assert_allclose(out[~dropped], to_numpy(x)[~dropped] * scale, rtol=1e-12)


@pytest.mark.parametrize("fn,shape", [(drop_block2d, (16, 16, 24, 24)), (drop_block3d, (8, 8, 12, 12, 12))])
@pytest.mark.parametrize("p", [0.1, 0.4])
def test_drop_block_drop_rate_matches_torchvision(fn, shape, p):
    """The random draws differ, the statistics must not: the dropped fraction and the normalisation."""
    t_fn = getattr(tv_ops, fn.__name__)
    torch.manual_seed(0)
    flambeau.manual_seed(0)
    t_rate = (t_fn(torch.ones(shape, dtype=torch.float64), p, 3) == 0).double().mean().item()
    f_out = fn(flambeau.ones(shape, dtype=flambeau.float64), p, 3)
    f_rate = (f_out == 0).double().mean().item()
    assert abs(f_rate - t_rate) < 0.02 and f_rate > 0.5 * p
    np.testing.assert_allclose(f_out.mean().item(), 1.0, rtol=1e-5)  # the rescaling keeps the mean of ones


def test_drop_block_gradient_is_the_mask_times_the_scale():
    flambeau.manual_seed(1)
    x = flambeau.tensor(randn(2, 3, 10, 10, low=0.5, high=1.5), requires_grad=True)
    out = drop_block2d(x, 0.3, 3)
    out.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), to_numpy(out) / to_numpy(x), rtol=1e-12)


@pytest.mark.parametrize("fn,shape", [(drop_block2d, (2, 3, 5, 4)), (drop_block3d, (2, 3, 4, 5, 3))])
def test_drop_block_identity_in_eval_and_for_p0(fn, shape):
    x = flambeau.randn(*shape)
    assert fn(x, 0.5, 3, training=False) is x
    assert fn(x, 0.0, 3) is x


@pytest.mark.parametrize("fn,shape", [(drop_block2d, (2, 3, 5, 5)), (drop_block3d, (2, 3, 3, 3, 3))])
def test_drop_block_p1_with_block_covering_the_map_drops_everything(fn, shape):
    """block_size is clipped to the smallest side, so one centre fits and gamma = p = 1: all is dropped, and the
    eps in the normalisation keeps the result 0 rather than nan -- as in torchvision."""
    x = randn(*shape)
    t_out = getattr(tv_ops, fn.__name__)(torch.tensor(x), 1.0, 7)
    f_out = fn(flambeau.tensor(x), 1.0, 7)
    assert not to_numpy(t_out).any()
    np.testing.assert_array_equal(to_numpy(f_out), to_numpy(t_out))


def test_drop_block_inplace():
    flambeau.manual_seed(2)
    x = flambeau.ones(2, 3, 9, 9)
    out = drop_block2d(x, 0.3, 3, inplace=True)
    assert out is x and (x == 0).any()
    y = flambeau.ones(2, 3, 9, 9)
    drop_block2d(y, 0.3, 3)
    assert (y == 1).all()


@pytest.mark.parametrize("fn,good_ndim", [(drop_block2d, 4), (drop_block3d, 5)])
def test_drop_block_errors_as_torchvision(fn, good_ndim):
    t_fn = getattr(tv_ops, fn.__name__)
    cases = [((1,) * good_ndim, -0.1, 3), ((1,) * good_ndim, 1.5, 3), ((1,) * (good_ndim - 1), 0.1, 3),
             ((1, 1) + (6,) * (good_ndim - 2), 0.1, 4)]
    for shape, p, block_size in cases:
        with pytest.raises(ValueError) as t_err:
            t_fn(torch.zeros(shape), p, block_size)
        with pytest.raises(ValueError) as f_err:
            fn(flambeau.zeros(shape), p, block_size)
        assert str(f_err.value) == str(t_err.value)


@pytest.mark.parametrize("name", ["DropBlock2d", "DropBlock3d"])
def test_drop_block_modules(name):
    f_cls = {"DropBlock2d": DropBlock2d, "DropBlock3d": DropBlock3d}[name]
    t_block, f_block = getattr(tv_ops, name)(0.3, 3, inplace=True), f_cls(0.3, 3, inplace=True)
    assert repr(f_block) == repr(t_block)
    assert (f_block.p, f_block.block_size, f_block.inplace, f_block.eps) == (0.3, 3, True, 1e-6)
    x = flambeau.ones(2, 2, *(9,) * (2 if name == "DropBlock2d" else 3))
    flambeau.manual_seed(3)
    assert (f_block(x.clone()) == 0).any()
    f_block.eval()
    assert f_block(x) is x


# ------------------------------------------------------------------------------------ deform_conv2d

def output_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - (dilation * (kernel - 1) + 1)) // stride + 1


def deform_arrays(n=2, c_in=4, size=(7, 6), c_out=6, kernel=(3, 2), stride=(1, 1), padding=(0, 0),
                  dilation=(1, 1), groups=1, offset_groups=1, offset_scale=2.0):
    out_h, out_w = (output_size(size[i], kernel[i], stride[i], padding[i], dilation[i]) for i in range(2))
    taps = kernel[0] * kernel[1]
    return (randn(n, c_in, *size), offset_scale * randn(n, 2 * offset_groups * taps, out_h, out_w),
            randn(c_out, c_in // groups, *kernel), randn(c_out),
            randn(n, offset_groups * taps, out_h, out_w, low=0.0, high=1.0))


def deform(lib, *args, **kwargs):
    return (tv_ops.deform_conv2d if lib is torch else deform_conv2d)(*args, **kwargs)


@pytest.mark.parametrize("geometry", [
    {},
    {"stride": (2, 2)},
    {"stride": (2, 1), "padding": (1, 2)},
    {"padding": (1, 1), "dilation": (2, 2)},
    {"stride": (1, 2), "padding": (2, 0), "dilation": (1, 3), "size": (8, 11)},
    {"kernel": (1, 1), "stride": (2, 2)},
])
@pytest.mark.parametrize("groups,offset_groups", [(1, 1), (1, 2), (2, 2), (2, 1)])
@pytest.mark.parametrize("use_mask", [False, True])
def test_deform_conv2d_matches_torchvision(geometry, groups, offset_groups, use_mask):
    x, offset, weight, bias, mask = deform_arrays(groups=groups, offset_groups=offset_groups, **geometry)
    stride, padding, dilation = (geometry.get(k, d) for k, d in (("stride", 1), ("padding", 0), ("dilation", 1)))
    check(lambda lib, x, o, w, b, m: deform(lib, x, o, w, b, stride=stride, padding=padding, dilation=dilation,
                                            mask=m),
          x, offset, weight, bias, mask if use_mask else None, atol=1e-10, rtol=1e-8)


def test_deform_conv2d_without_bias_and_int_arguments():
    x, offset, weight, _, mask = deform_arrays(padding=(1, 1), stride=(2, 2), offset_scale=5.0)
    check(lambda lib, x, o, w, m: deform(lib, x, o, w, None, 2, 1, 1, m), x, offset, weight, mask,
          atol=1e-10, rtol=1e-8)


@pytest.mark.parametrize("geometry", [{}, {"stride": (2, 2), "padding": (1, 1)},
                                      {"padding": (2, 1), "dilation": (2, 1)}])
def test_deform_conv2d_with_zero_offsets_is_conv2d(geometry):
    """Zero offsets sample the regular grid, at integer positions where the offset gradient is one-sided."""
    x, offset, weight, bias, _ = deform_arrays(groups=2, **geometry)
    offset = np.zeros_like(offset)
    stride, padding, dilation = (geometry.get(k, d) for k, d in (("stride", 1), ("padding", 0), ("dilation", 1)))
    f_out = deform_conv2d(flambeau.tensor(x), flambeau.tensor(offset), flambeau.tensor(weight), flambeau.tensor(bias),
                          stride, padding, dilation)
    conv = flambeau.nn.functional.conv2d(flambeau.tensor(x), flambeau.tensor(weight), flambeau.tensor(bias), stride,
                                         padding, dilation, groups=2)
    np.testing.assert_allclose(to_numpy(f_out), to_numpy(conv), rtol=1e-10, atol=1e-12)
    check(lambda lib, x, o, w, b: deform(lib, x, o, w, b, stride=stride, padding=padding, dilation=dilation),
          x, offset, weight, bias, atol=1e-10, rtol=1e-8)


def test_deform_conv2d_offsets_far_outside_read_zeros():
    x, offset, weight, _, _ = deform_arrays()
    offset = np.full_like(offset, 100.0)
    out = deform_conv2d(flambeau.tensor(x), flambeau.tensor(offset), flambeau.tensor(weight))
    assert not to_numpy(out).any()


def test_deform_conv2d_offset_channel_error():
    x, _, weight, _, _ = deform_arrays()
    bad_offset = np.zeros((2, 3, 5, 5))
    with pytest.raises(RuntimeError, match="the shape of the offset tensor at dimension 1 is not valid"):
        deform_conv2d(flambeau.tensor(x), flambeau.tensor(bad_offset), flambeau.tensor(weight))
    with pytest.raises(RuntimeError, match="the shape of the offset tensor at dimension 1 is not valid"):
        tv_ops.deform_conv2d(torch.tensor(x), torch.tensor(bad_offset), torch.tensor(weight))


@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "dilation": (2, 1), "groups": 2, "bias": False}])
def test_deform_conv2d_module(kwargs):
    t_conv, f_conv = tv_ops.DeformConv2d(4, 6, 3, **kwargs).double(), DeformConv2d(4, 6, 3, **kwargs).double()
    assert repr(f_conv) == repr(t_conv)
    assert list(f_conv.state_dict()) == list(t_conv.state_dict())
    assert (f_conv.kernel_size, f_conv.stride, f_conv.padding, f_conv.dilation) == \
           (t_conv.kernel_size, t_conv.stride, t_conv.padding, t_conv.dilation)
    x = randn(2, 4, 9, 8)
    out_h, out_w = (output_size(s, 3, f_conv.stride[i], f_conv.padding[i], f_conv.dilation[i])
                    for i, s in enumerate((9, 8)))
    check_module(t_conv, f_conv, x, randn(2, 18, out_h, out_w), randn(2, 9, out_h, out_w, low=0.0, high=1.0),
                 atol=1e-10, rtol=1e-8)


def test_deform_conv2d_module_init_bounds():
    conv = DeformConv2d(8, 4, 3)
    bound = 1 / np.sqrt(8 * 9)  # kaiming_uniform_(a=sqrt(5)) and the bias share this bound
    for p in (conv.weight, conv.bias):
        assert 0.8 * bound < np.abs(to_numpy(p)).max() <= bound
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        DeformConv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        DeformConv2d(4, 3, 3, groups=2)
