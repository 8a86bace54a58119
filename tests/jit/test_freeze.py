"""jit.freeze: weights inlined and batch norm folded; frozen torchvision-style CNNs equal eager, saved and loaded
too, and PyTorch's own outputs for the same weights."""
import collections

import numpy as np
import pytest
import torch as pt

import flambeau as torch
import flambeau.nn as nn
from flambeau import jit
from flambeau.jit.passes.fused import FUSED
from flambeau.vision import models

BN_OPS = {"flambeau.ops.elementwise_math.Rsqrt", "flambeau.ops.elementwise.Sub", "flambeau.ops.elementwise.Mul"}


def randomize_batch_norms(model, seed=0):
    """Running statistics and affine weights away from their defaults, so that folding them matters."""
    rng = np.random.default_rng(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.tensor(rng.uniform(-0.5, 0.5, c).astype(np.float32)))
            m.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, c).astype(np.float32)))
            m.weight.data.copy_(torch.tensor(rng.uniform(0.5, 1.5, c).astype(np.float32)))
            m.bias.data.copy_(torch.tensor(rng.uniform(-0.5, 0.5, c).astype(np.float32)))
    return model


def close(got, expected):
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_frozen_cnn_equals_eager_and_survives_save_load(name, tmp_path):
    torch.manual_seed(0)
    model = randomize_batch_norms(getattr(models, name)(num_classes=5)).eval()
    x = torch.randn(2, 3, 32, 32)
    frozen = jit.freeze(jit.trace(model, x, check_trace=False))   # tests/jit/test_trace.py checks the trace
    counts = collections.Counter(n.op for n in frozen.graph.nodes)
    assert not BN_OPS & set(counts) and not frozen.graph.params
    assert counts[FUSED] >= counts["flambeau.ops.conv.Conv"] - 1   # every conv but a downsample's is followed by one
    plan = frozen.memory_plan
    assert plan.peak_bytes < plan.naive_bytes and plan.in_place
    new = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = model(new)._data
    close(frozen(new)._data, expected)
    jit.save(frozen, tmp_path / "frozen.pt")
    loaded = jit.load(tmp_path / "frozen.pt")
    close(loaded(new)._data, expected)
    reference = getattr(__import__("torchvision").models, name)(num_classes=5).eval()
    reference.load_state_dict({k: pt.tensor(v._data) for k, v in model.state_dict().items()})
    with pt.no_grad():
        np.testing.assert_allclose(frozen(new)._data, reference(pt.tensor(new._data)).numpy(), rtol=1e-4,
                                   atol=1e-4 * np.abs(expected).max())


def test_freeze_in_training_mode_raises_like_pytorch():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    traced = jit.trace(model, torch.randn(1, 3, 6, 6))
    with pytest.raises(RuntimeError, match="only implemented for modules in eval mode"):
        jit.freeze(traced)
    with pytest.raises(RuntimeError, match="expects a ScriptModule"):
        jit.freeze(model.eval())
    with pytest.raises(RuntimeError, match="expects a ScriptModule"):
        jit.freeze(jit.trace(lambda t: t * 2, torch.randn(3)))   # a traced function, as in PyTorch


def test_frozen_module_keeps_the_weights_of_when_it_was_frozen():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Dropout(0.5), nn.ReLU()).eval()
    x = torch.randn(1, 3, 6, 6)
    frozen = jit.optimize_for_inference(jit.trace(model, x))
    assert jit.optimize_for_inference(frozen) is frozen
    with torch.no_grad():
        expected = model(x)._data
        model[0].weight.mul_(2)
    close(frozen(x)._data, expected)
    assert [r.name for r in frozen.pass_reports[0]][:2] == ["constant folding", "conv+bn folding"]


def test_freeze_a_scripted_module_with_control_flow():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)

        def forward(self, x):
            y = torch.relu(self.bn(self.conv(x)))
            if y.sum() > 0:
                y = y * 2
            else:
                y = y - 1
            for _ in range(3):
                y = y + 1
            return y
    torch.manual_seed(0)
    model = randomize_batch_norms(Net()).eval()
    scripted = jit.script(model)
    with pytest.raises(RuntimeError, match="call it once"):
        jit.freeze(scripted)   # no graph recorded yet
    x = torch.randn(2, 3, 6, 6)
    scripted(x)
    frozen = jit.freeze(scripted)
    assert "prim.If" in [n.op for n in frozen.graph.nodes] and not BN_OPS & {n.op for n in frozen.graph.nodes}
    for sign in (1, -1):   # both branches
        inp = sign * x.abs() + 0.1 * sign
        with torch.no_grad():
            close(frozen(inp)._data, model(inp)._data)
