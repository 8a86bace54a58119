"""nn.functional.interpolate(antialias=True), the resampler behind torchvision's tensor Resize, against torch.

Both compute PIL-style stretched filter taps in the input's float type; the sums run in a different order
(BLAS here, ATen's loop there), so float32 agrees to a few ulps of the values, float64 to ~1e-12.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import flambeau
import flambeau.nn.functional as F

RNG = np.random.default_rng(3)
SIZES = [((17, 23), (5, 7)), ((32, 32), (15, 9)), ((10, 12), (20, 7)), ((9, 9), (9, 4)), ((40, 8), (3, 8))]


@pytest.mark.parametrize("dtype,atol", [(np.float32, 1e-4), (np.float64, 1e-10)])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("sizes", SIZES)
def test_antialias_matches_torch(sizes, align_corners, mode, dtype, atol):
    (h, w), out = sizes
    x = RNG.uniform(0, 255, (2, 3, h, w)).astype(dtype)
    expected = TF.interpolate(torch.tensor(x), size=out, mode=mode, align_corners=align_corners, antialias=True)
    ours = F.interpolate(flambeau.tensor(x), size=out, mode=mode, align_corners=align_corners, antialias=True)
    assert ours.dtype == flambeau.float32 if dtype == np.float32 else flambeau.float64
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=0, atol=atol)


@pytest.mark.parametrize("scale_factor", [0.3, 0.55, 1.7, (0.5, 1.25)])
def test_antialias_scale_factor(scale_factor):
    x = RNG.uniform(0, 1, (1, 2, 20, 21)).astype(np.float32)
    expected = TF.interpolate(torch.tensor(x), scale_factor=scale_factor, mode="bilinear", antialias=True)
    ours = F.interpolate(flambeau.tensor(x), scale_factor=scale_factor, mode="bilinear", antialias=True)
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=0, atol=1e-6)


def test_antialias_gradient_matches_torch():
    x = RNG.standard_normal((1, 2, 11, 13))
    t = torch.tensor(x, requires_grad=True)
    f = flambeau.tensor(x, requires_grad=True)
    g = RNG.standard_normal((1, 2, 4, 6))
    TF.interpolate(t, size=(4, 6), mode="bicubic", antialias=True).backward(torch.tensor(g))
    F.interpolate(f, size=(4, 6), mode="bicubic", antialias=True).backward(flambeau.tensor(g))
    np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("mode,shape", [("nearest", (1, 1, 8, 8)), ("bilinear", (1, 8, 8)), ("area", (1, 1, 8, 8))])
def test_antialias_needs_4d_bilinear_or_bicubic(mode, shape):
    for lib, fn in ((torch, TF.interpolate), (flambeau, F.interpolate)):
        with pytest.raises(ValueError):
            fn(lib.zeros(shape), size=4 if len(shape) == 3 else (4, 4), mode=mode, antialias=True)
