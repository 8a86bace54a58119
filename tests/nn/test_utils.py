"""nn.utils against PyTorch: gradient clipping, parameter vectors, parametrizations, pad_sequence."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, copy_state, randn, to_numpy

LIBS = (torch, flambeau)


def grads_pair(shapes, scale=1.0):
    """The same parameters with the same gradients in both libraries (one without a gradient)."""
    out = {}
    data = [(randn(*s), randn(*s) * scale) for s in shapes]
    for lib in LIBS:
        params = []
        for i, (w, g) in enumerate(data):
            p = lib.nn.Parameter(lib.tensor(w))
            if i != 1:
                p.grad = lib.tensor(g)
            params.append(p)
        out[lib] = params
    return out


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.1, 1e3])
def test_clip_grad_norm(norm_type, max_norm):
    params = grads_pair([(3, 4), (2,), (5,), (2, 2, 2)])
    totals = {lib: lib.nn.utils.clip_grad_norm_(params[lib], max_norm, norm_type=norm_type) for lib in LIBS}
    np.testing.assert_allclose(to_numpy(totals[flambeau]), to_numpy(totals[torch]), rtol=1e-12)
    assert totals[flambeau].dtype == flambeau.float64 and totals[flambeau].shape == ()
    for tp, fp in zip(params[torch], params[flambeau]):
        assert (tp.grad is None) == (fp.grad is None)
        if tp.grad is not None:
            np.testing.assert_allclose(to_numpy(fp.grad), to_numpy(tp.grad), rtol=1e-12)


def test_clip_grad_norm_single_tensor_empty_and_nonfinite():
    for lib in LIBS:
        p = lib.nn.Parameter(lib.ones(3))
        p.grad = lib.full((3,), 4.0)
        total = lib.nn.utils.clip_grad_norm_(p, 1.0, foreach=True)
        assert abs(total.item() - 48 ** 0.5) < 1e-6
        assert abs(p.grad.norm().item() - 1.0) < 1e-5
        assert lib.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
        p.grad = lib.tensor([1.0, float("nan"), 2.0])
        lib.nn.utils.clip_grad_norm_([p], 1.0)  # no error unless asked
    excs = []
    for lib in LIBS:
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.tensor([1.0, float("inf")])
        with pytest.raises(RuntimeError) as info:
            lib.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
        excs.append(str(info.value))
    assert excs[0] == excs[1]
    with pytest.warns(UserWarning, match="empty generator"):
        flambeau.nn.utils.clip_grad_norm_((p for p in []), 1.0)


@pytest.mark.parametrize("clip", [0.3, 2])
def test_clip_grad_value(clip):
    params = grads_pair([(3, 4), (2,), (5,)], scale=2.0)
    for lib in LIBS:
        assert lib.nn.utils.clip_grad_value_(params[lib], clip) is None
    for tp, fp in zip(params[torch], params[flambeau]):
        if tp.grad is not None:
            np.testing.assert_array_equal(to_numpy(fp.grad), to_numpy(tp.grad))


def test_parameters_to_vector_and_back():
    check(lambda lib, a, b: lib.nn.utils.parameters_to_vector([a, b]), randn(2, 3), randn(4))
    m = flambeau.nn.Linear(3, 2)
    vec = flambeau.nn.utils.parameters_to_vector(m.parameters())
    assert vec.shape == (8,)
    new = flambeau.arange(8.0)
    flambeau.nn.utils.vector_to_parameters(new, m.parameters())
    assert m.weight.tolist() == [[0, 1, 2], [3, 4, 5]] and m.bias.tolist() == [6, 7]
    assert isinstance(m.weight, flambeau.nn.Parameter)
    excs = []
    for lib in LIBS:
        with pytest.raises(TypeError) as info:
            lib.nn.utils.vector_to_parameters([1.0], lib.nn.Linear(1, 1).parameters())
        excs.append(str(info.value))
    assert excs[0] == excs[1]


def linear_pair(in_f=4, out_f=3, **kwargs):
    t = torch.nn.Linear(in_f, out_f, **kwargs).double()
    f = flambeau.nn.Linear(in_f, out_f, **kwargs).double()
    copy_state(t, f)
    return t, f


@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm_parametrization(dim):
    t, f = linear_pair()
    t = torch.nn.utils.parametrizations.weight_norm(t, dim=dim)
    f = flambeau.nn.utils.parametrizations.weight_norm(f, dim=dim)
    assert list(f.state_dict()) == list(t.state_dict())
    assert [n for n, _ in f.named_parameters()] == [n for n, _ in t.named_parameters()]
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(to_numpy(f.state_dict()[k]), to_numpy(v), rtol=1e-12, err_msg=k)
    g = t.parametrizations.weight.original0
    with torch.no_grad():
        g.mul_(torch.linspace(0.5, 2, g.numel()).reshape(g.shape).double())
    copy_state(t, f)
    x = randn(5, 4)
    check(lambda lib, x: (t if lib is torch else f)(x), x)
    for (name, tp), (_, fp) in zip(t.named_parameters(), f.named_parameters()):
        np.testing.assert_allclose(to_numpy(fp.grad), to_numpy(tp.grad), rtol=1e-10, err_msg=name)
    assert type(f).__name__ == type(t).__name__ == "ParametrizedLinear"
    assert repr(f) == repr(t)


def test_weight_norm_loads_legacy_checkpoint_and_legacy_function():
    t, f = linear_pair()
    with pytest.warns(FutureWarning):
        legacy_t = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3).double())
    with pytest.warns(FutureWarning):
        legacy_f = flambeau.nn.utils.weight_norm(flambeau.nn.Linear(4, 3).double())
    assert list(legacy_f.state_dict()) == list(legacy_t.state_dict()) == ["bias", "weight_g", "weight_v"]
    copy_state(legacy_t, legacy_f)
    x = randn(2, 4)
    check(lambda lib, x: (legacy_t if lib is torch else legacy_f)(x), x)
    new_f = flambeau.nn.utils.parametrizations.weight_norm(flambeau.nn.Linear(4, 3).double())
    new_f.load_state_dict({k: flambeau.tensor(to_numpy(v)) for k, v in legacy_t.state_dict().items()})
    np.testing.assert_allclose(to_numpy(new_f(flambeau.tensor(x))), to_numpy(legacy_t(torch.tensor(x))), rtol=1e-12)
    flambeau.nn.utils.remove_weight_norm(legacy_f)
    assert [n for n, _ in legacy_f.named_parameters()] == ["bias", "weight"]


def matmul_module(lib):
    class MatMul(lib.nn.Module):  # reads its weight once per call
        def __init__(self):
            super().__init__()
            self.weight = lib.nn.Parameter(lib.randn(5, 3, 2, dtype=lib.float64))

        def forward(self, x):
            return x @ self.weight.flatten(1)
    return MatMul()


@pytest.mark.parametrize("kind", ["matmul", "linear", "conv", "conv_transpose"])
@pytest.mark.parametrize("train", [True, False])
def test_spectral_norm_parametrization(kind, train):
    if kind == "matmul":
        t, f = matmul_module(torch), matmul_module(flambeau)
        x = randn(4, 5)
    elif kind == "linear":
        t, f = linear_pair(6, 4)
        x = randn(3, 6)
    else:
        name = "Conv2d" if kind == "conv" else "ConvTranspose2d"
        t = getattr(torch.nn, name)(3, 4, 3).double()
        f = getattr(flambeau.nn, name)(3, 4, 3).double()
        x = randn(2, 3, 6, 6)
    t = torch.nn.utils.parametrizations.spectral_norm(t, n_power_iterations=2)
    f = flambeau.nn.utils.parametrizations.spectral_norm(f, n_power_iterations=2)
    assert list(f.state_dict()) == list(t.state_dict())
    t.train(train)
    f.train(train)
    for step in range(2):  # u/v are updated in training mode: the second call starts from the updated ones
        copy_state(t, f) if step == 0 else None
        check(lambda lib, x: (t if lib is torch else f)(x), x, atol=1e-10, rtol=1e-8)
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(to_numpy(f.state_dict()[k]), to_numpy(v), rtol=1e-8, atol=1e-12, err_msg=k)


def test_parametrize_register_chain_cache_and_remove():
    for lib in LIBS:
        P = lib.nn.utils.parametrize

        class Sym(lib.nn.Module):
            def forward(self, x):
                return x.triu() + x.triu(1).transpose(-1, -2)

        class Double(lib.nn.Module):
            def forward(self, x):
                return x * 2

            def right_inverse(self, x):
                return x / 2

        m = lib.nn.Linear(3, 3)
        P.register_parametrization(m, "weight", Sym())
        assert P.is_parametrized(m) and P.is_parametrized(m, "weight") and not P.is_parametrized(m, "bias")
        w = m.weight
        assert (w == w.T).all()
        P.register_parametrization(m, "weight", Double())
        assert (m.weight == 2 * w).all()
        with P.cached():
            assert m.weight is m.weight
        assert P.type_before_parametrizations(m) is lib.nn.Linear
        assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
        with pytest.raises(RuntimeError, match="parametrization Sym does not implement right_inverse"):
            m.weight = lib.eye(3) * 4  # assignment goes through every right_inverse; Sym has none
    excs = []
    for lib in LIBS:
        m = lib.nn.Linear(2, 2)

        class Sq(lib.nn.Module):
            def forward(self, x):
                return x[:1]
        with pytest.raises(ValueError) as info:
            lib.nn.utils.parametrize.register_parametrization(m, "weight", Sq())
        excs.append(str(info.value))
        with pytest.raises(ValueError) as info:
            lib.nn.utils.parametrize.register_parametrization(m, "nothing", Sq())
        excs.append(str(info.value).split("'")[-2])
    assert excs[:2] == excs[2:]
    for lib in LIBS:
        m = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2))
        before = m.weight.detach().clone()
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
        assert type(m) is lib.nn.Linear and isinstance(m.weight, lib.nn.Parameter)
        assert (m.weight == before).all() and not hasattr(m, "parametrizations")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    a, b, c = randn(4, 3), randn(1, 3), randn(2, 3)
    check(lambda lib, a, b, c: lib.nn.utils.rnn.pad_sequence([a, b, c], batch_first=batch_first, padding_value=-1.5,
                                                             padding_side=side), a, b, c)
    check(lambda lib, a: lib.nn.utils.rnn.pad_sequence([a[:1], a[:3], a], batch_first), randn(5))
    for call in (lambda lib: lib.nn.utils.rnn.pad_sequence([lib.zeros(2)], padding_side="middle"),
                 lambda lib: lib.nn.utils.rnn.pad_sequence([]),
                 lambda lib: lib.nn.utils.rnn.pad_sequence(3)):
        excs = []
        for lib in LIBS:
            with pytest.raises(Exception) as info:
                call(lib)
            excs.append(info.value)
        assert type(excs[0]) is type(excs[1]) and str(excs[0]) == str(excs[1])
