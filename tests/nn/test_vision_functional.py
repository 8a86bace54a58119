"""grid_sample, affine_grid, pixel_shuffle/unshuffle, channel_shuffle and their layers against PyTorch."""
import itertools

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn

F32 = np.float32


@pytest.mark.parametrize("padding,align", itertools.product(["zeros", "border", "reflection"], [False, True]))
def test_grid_sample(padding, align):
    x = randn(2, 3, 5, 6, dtype=F32)
    grid = randn(2, 4, 3, 2, dtype=F32, low=-1.3, high=1.3)  # some samples fall outside the image
    check(lambda t, x, g: t.nn.functional.grid_sample(x, g, "bilinear", padding, align), x, grid, atol=1e-5)
    # nearest: flambeau gives the grid no gradient where PyTorch gives zeros (docs/differences.md)
    check(lambda t, x: t.nn.functional.grid_sample(x, t.tensor(grid), "nearest", padding, align), x)


@pytest.mark.parametrize("padding,align", itertools.product(["zeros", "border", "reflection"], [False, True]))
def test_grid_sample_bicubic(padding, align):
    x = randn(2, 3, 5, 6, dtype=F32)
    grid = randn(2, 4, 3, 2, dtype=F32, low=-1.3, high=1.3)
    check(lambda t, x, g: t.nn.functional.grid_sample(x, g, "bicubic", padding, align), x, grid, atol=1e-5,
          rtol=1e-4)


@pytest.mark.parametrize("padding,align", itertools.product(["zeros", "border", "reflection"], [False, True]))
def test_grid_sample_3d(padding, align):
    """5-D inputs: trilinear ('bilinear') and nearest sampling of volumes."""
    x = randn(2, 3, 4, 5, 6, dtype=F32)
    grid = randn(2, 3, 2, 4, 3, dtype=F32, low=-1.3, high=1.3)
    check(lambda t, x, g: t.nn.functional.grid_sample(x, g, "bilinear", padding, align), x, grid, atol=1e-5)
    check(lambda t, x: t.nn.functional.grid_sample(x, t.tensor(grid), "nearest", padding, align), x)


@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
def test_grid_sample_3d_and_bicubic_gradcheck(padding):
    gradcheck(lambda t, x, g: t.nn.functional.grid_sample(x, g, "bilinear", padding, False), randn(1, 2, 3, 2, 3),
              randn(1, 2, 2, 2, 3, low=-1.2, high=1.2), gradgrad=False)
    gradcheck(lambda t, x, g: t.nn.functional.grid_sample(x, g, "bicubic", padding, True), randn(1, 2, 3, 4),
              randn(1, 2, 3, 2, low=-1.2, high=1.2), gradgrad=False)


@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck(padding):
    gradcheck(lambda t, x, g: t.nn.functional.grid_sample(x, g, "bilinear", padding, True), randn(1, 2, 3, 4),
              randn(1, 2, 3, 2, low=-1.2, high=1.2), gradgrad=False)


@pytest.mark.parametrize("align", [False, True])
def test_affine_grid(align):
    check(lambda t, th: t.nn.functional.affine_grid(th, (2, 3, 4, 5), align), randn(2, 2, 3, dtype=F32))
    check(lambda t, th: t.nn.functional.affine_grid(th, [2, 3, 4, 5, 2], align), randn(2, 3, 4, dtype=F32))
    check(lambda t, th: t.nn.functional.affine_grid(th, (1, 1, 1, 3), align), randn(1, 2, 3))
    gradcheck(lambda t, th: t.nn.functional.affine_grid(th, (2, 1, 3, 2), align), randn(2, 2, 3))


def test_shuffles():
    check(lambda t, x: t.nn.functional.pixel_shuffle(x, 2), randn(2, 8, 3, 2))
    check(lambda t, x: t.nn.functional.pixel_shuffle(x, 3), randn(9, 2, 2))
    check(lambda t, x: t.nn.functional.pixel_shuffle(x, 2), randn(2, 1, 4, 2, 3), noncontig=True)
    check(lambda t, x: t.nn.functional.pixel_unshuffle(x, 2), randn(2, 2, 4, 6))
    check(lambda t, x: t.nn.functional.channel_shuffle(x, 3), randn(2, 6, 4, 3))
    check(lambda t, x: t.nn.functional.channel_shuffle(x, 2), randn(2, 4, 5))


@pytest.mark.parametrize("fn,shape", [
    (lambda t, x: t.nn.functional.grid_sample(x, t.zeros(1, 3, 3, 3), align_corners=False), (1, 2, 4, 4)),
    (lambda t, x: t.nn.functional.grid_sample(x, t.zeros(2, 3, 3, 2), align_corners=False), (1, 2, 4, 4)),
    (lambda t, x: t.nn.functional.grid_sample(x, t.zeros(1, 3, 3, 2), mode="foo", align_corners=False), (1, 2, 4, 4)),
    (lambda t, x: t.nn.functional.grid_sample(x, t.zeros(1, 3, 3, 3, 3), mode="bicubic", align_corners=False),
     (1, 2, 4, 4, 4)),
    (lambda t, x: t.nn.functional.grid_sample(x, t.zeros(1, 3, 3, 3, 2), align_corners=False), (1, 2, 4, 4, 4)),
    (lambda t, x: t.nn.functional.affine_grid(x, (2, 3, 4, 4, 4), align_corners=False), (2, 2, 3)),
    (lambda t, x: t.nn.functional.affine_grid(x, (2, 3, 4, 4), align_corners=False), (2, 3, 3)),
    (lambda t, x: t.nn.functional.affine_grid(x, (2, 3, 4), align_corners=False), (2, 2, 3)),
    (lambda t, x: t.nn.functional.pixel_shuffle(x, 2), (1, 5, 2, 2)),
    (lambda t, x: t.nn.functional.pixel_shuffle(x, 2), (5, 2)),
    (lambda t, x: t.nn.functional.pixel_unshuffle(x, 2), (1, 5, 3, 2)),
    (lambda t, x: t.nn.functional.channel_shuffle(x, 2), (1, 5, 3, 2)),
    (lambda t, x: t.nn.functional.channel_shuffle(x, 0), (1, 4, 3, 2)),
    (lambda t, x: t.nn.functional.channel_shuffle(x, 2), (4, 3)),
])
def test_errors(fn, shape):
    check_raises(fn, randn(*shape, dtype=F32))


@pytest.mark.parametrize("name,arg,shape", [("PixelShuffle", 2, (2, 8, 3, 2)), ("PixelUnshuffle", 2, (2, 2, 4, 6)),
                                            ("ChannelShuffle", 3, (2, 6, 2, 3))])
def test_layers(name, arg, shape):
    t_mod, f_mod = getattr(torch.nn, name)(arg), getattr(flambeau.nn, name)(arg)
    assert repr(f_mod) == repr(t_mod)
    check_module(t_mod, f_mod, randn(*shape, dtype=F32))
    with pytest.raises(flambeau.nn.ModuleInputError, match=f"^{name}"):
        f_mod(flambeau.randn(5, 7))
