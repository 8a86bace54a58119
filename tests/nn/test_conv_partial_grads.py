"""Convolution when only the input or only the weight requires grad (a network's first layer, a frozen
backbone): the node keeps just what that gradient reads, and first and second derivatives equal torch's."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import randn


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("needs", [(True, False), (False, True), (True, True)])
def test_conv_grads_with_one_side_frozen(dims, needs):
    x, w = randn(2, 3, *(5,) * dims), randn(4, 3, *(3,) * dims)
    results = []
    for lib in (torch, flambeau):
        inputs = [lib.tensor(a, requires_grad=r) for a, r in zip((x, w), needs)]
        wanted = [t for t in inputs if t.requires_grad]
        conv = getattr(lib.nn.functional, f"conv{dims}d")
        y = conv(*inputs, padding=1, stride=2)
        grads = lib.autograd.grad((y ** 2).sum(), wanted, create_graph=True)
        second = lib.autograd.grad(sum((g ** 2).sum() for g in grads), wanted)
        results.append([t.detach().numpy() for t in grads + second])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
