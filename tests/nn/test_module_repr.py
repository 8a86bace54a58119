"""Printing models gives PyTorch's text: a small CNN, an MLP, containers, nested and empty modules."""
from __future__ import annotations

from collections import OrderedDict

import pytest
import torch

import flambeau


def cnn(lib):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 32, 3, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 1, padding=1, bias=False), nn.BatchNorm2d(64),
                nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.Dropout(0.25))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                                            nn.Linear(128, 10), nn.LogSoftmax(dim=1))

        def forward(self, x):
            return self.classifier(self.features(x))
    return Net()


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(OrderedDict([
        ("input", nn.Linear(8, 64)),
        ("act", nn.GELU(approximate="tanh")),
        ("blocks", nn.ModuleList([nn.Sequential(nn.Linear(64, 64), nn.LayerNorm(64), nn.SiLU()) for _ in range(3)])),
        ("head", nn.ModuleDict({"mean": nn.Linear(64, 1), "logvar": nn.Linear(64, 1, bias=False)})),
        ("scales", nn.ParameterList([nn.Parameter(lib.zeros(3)), nn.Parameter(lib.ones(2, 2))])),
        ("extras", nn.ParameterDict({"temperature": nn.Parameter(lib.ones(1))})),
        ("empty", nn.Sequential()),
        ("nothing", None),
        ("out", nn.Softmax(dim=-1)),
    ]))


def nested(lib):
    nn = lib.nn

    class Leaf(nn.Module):
        def extra_repr(self):
            return "first line\nsecond line"

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.leaf = Leaf()
            self.seq = nn.Sequential(Leaf(), nn.Identity())

        def extra_repr(self):
            return "alpha=1"

    outer = nn.Module()
    outer.inner = Inner()
    outer.dup = nn.ModuleList([Leaf(), Leaf(), nn.Identity(), Leaf()])
    return outer


@pytest.mark.parametrize("build", [cnn, mlp, nested])
def test_model_repr_matches_torch(build):
    assert repr(build(flambeau)) == repr(build(torch))
    assert str(build(flambeau)) == str(build(torch))


def test_parametrized_and_hooked_modules_print_as_torch():
    for lib in (torch, flambeau):
        lib.manual_seed(0)
    t = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 4))
    f = flambeau.nn.utils.parametrizations.weight_norm(flambeau.nn.Linear(3, 4))
    assert repr(f) == repr(t)
    t.register_forward_hook(lambda *a: None)
    f.register_forward_hook(lambda *a: None)
    assert repr(f) == repr(t)


def test_incompatible_keys_print_as_torch():
    results = []
    for lib in (torch, flambeau):
        m = lib.nn.Linear(2, 2)
        results.append((repr(m.load_state_dict(m.state_dict())),
                        repr(m.load_state_dict({"weight": lib.zeros(2, 2), "junk": lib.zeros(1)}, strict=False)),
                        str(m.load_state_dict({}, strict=False))))
    assert results[0] == results[1]
