"""The fused SGD and Adam/AdamW updates (flambeau/_kernels/optim.py) against PyTorch: every option, every float
dtype, complex parameters, parameters that are views of other storage, and parameters split over threads."""
import numpy as np
import pytest
import torch

import flambeau
from flambeau.ops._parallel import GRAIN

LIBS = (torch, flambeau)

SGD_OPTIONS = [
    dict(lr=0.1),
    dict(lr=0.1, weight_decay=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
    dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
    dict(lr=0.05, momentum=0.5, maximize=True),
    dict(lr=0.05, maximize=True, weight_decay=0.1),
]
ADAM_OPTIONS = [
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9), eps=1e-6, maximize=True)),  # lerp weight >= 0.5: the other formula
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, amsgrad=True, weight_decay=0.5, maximize=True)),
]
CASES = [("SGD", o) for o in SGD_OPTIONS] + ADAM_OPTIONS
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in o.items())}" for name, o in CASES]


def _grads(shape, steps, seed=1):
    """A fixed gradient sequence, with a few exact zeros and large values."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((steps,) + shape)
    g[rng.random(g.shape) < 0.05] = 0.0
    g[rng.random(g.shape) < 0.02] *= 1e3
    return g


def _np(t) -> np.ndarray:
    t = t.detach()
    if t.dtype in (torch.float16, torch.bfloat16, flambeau.float16, flambeau.bfloat16):
        t = t.float()
    return np.array(t.numpy())


def _run(lib, name, options, init, grads, dtype, make_param=None, steps=None):
    """Parameters after each step of lib.optim.name, the gradients set directly (cast to the dtype)."""
    dt = getattr(lib, dtype)
    p = lib.tensor(init).to(dt) if make_param is None else make_param(lib, lib.tensor(init).to(dt))
    p.requires_grad_(True)
    opt = getattr(lib.optim, name)([p], **options)
    out = []
    for g in grads[:steps]:
        p.grad = lib.tensor(g).to(dt)
        opt.step()
        out.append(_np(p))
    return p, opt, out


def _assert_same(name, dtype, ours, theirs, err_msg="", strided=False):
    """Bit for bit where PyTorch's own arithmetic allows it:
    - Adam: PyTorch's sqrt (MKL's) is not correctly rounded, ours is; a last-bit difference in the
      denominator now and then stays within a few units of the last place;
    - complex SGD: PyTorch multiplies and adds complex numbers without its fused multiply-add;
    - half types: on sizes PyTorch's vectorised loops cover whole, since its scalar loop over a remainder
      (or a strided view) adds with an alpha it has not rounded to the half type, unlike its vector loop."""
    if dtype in ("float16", "bfloat16") and strided:
        np.testing.assert_allclose(ours, theirs, rtol=2e-2, atol=1e-2)
    elif name != "SGD" and dtype == "float32":
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8, err_msg=err_msg)
    elif name != "SGD" or dtype == "complex128":
        np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=1e-16, err_msg=err_msg)
    else:
        np.testing.assert_array_equal(ours, theirs, err_msg=err_msg)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16"])
@pytest.mark.parametrize("name,options", CASES, ids=IDS)
def test_trajectory(name, options, dtype):
    init = np.random.default_rng(0).standard_normal((16, 8))
    grads = _grads((16, 8), 12)
    (tp, t_opt, t_traj), (fp, f_opt, f_traj) = (_run(lib, name, options, init, grads, dtype) for lib in LIBS)
    for step, (a, b) in enumerate(zip(f_traj, t_traj)):
        _assert_same(name, dtype, a, b, err_msg=f"step {step + 1}")
    assert str(fp.dtype) == str(tp.dtype)
    for key, value in t_opt.state[tp].items():
        ours = f_opt.state[fp][key]
        assert str(ours.dtype) == str(value.dtype), key  # state keeps the parameter's dtype (step: float32)
        _assert_same(name, dtype, _np(ours), _np(value), err_msg=key)


@pytest.mark.parametrize("name,options", CASES, ids=IDS)
def test_float32_on_a_size_with_a_remainder(name, options):
    init = np.random.default_rng(3).standard_normal(1001)
    grads = _grads((1001,), 5, seed=4)
    (_, _, t_traj), (_, _, f_traj) = (_run(lib, name, options, init, grads, "float32") for lib in LIBS)
    for a, b in zip(f_traj, t_traj):
        _assert_same(name, "float32", a, b)


@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize("name,options", [CASES[3], CASES[4], CASES[9]], ids=[IDS[3], IDS[4], IDS[9]])
def test_foreach_flag(name, options, foreach):
    init = np.random.default_rng(5).standard_normal((4, 6))
    grads = _grads((4, 6), 6)
    options = dict(options, foreach=foreach)
    (_, _, t_traj), (_, _, f_traj) = (_run(lib, name, options, init, grads, "float64") for lib in LIBS)
    _assert_same(name, "float64", f_traj[-1], t_traj[-1])


@pytest.mark.parametrize("name,options", CASES, ids=IDS)
def test_complex_parameters(name, options):
    rng = np.random.default_rng(6)
    init = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    grads = _grads((3, 4), 6) + 1j * _grads((3, 4), 6, seed=2)
    (_, _, t_traj), (_, _, f_traj) = (_run(lib, name, options, init, grads, "complex128") for lib in LIBS)
    for a, b in zip(f_traj, t_traj):
        _assert_same(name, "complex128", a, b)


VIEWS = {
    "transposed": lambda lib, a: a.t().detach(),
    "strided": lambda lib, a: a[:, ::2].detach(),
    "offset": lambda lib, a: a[1:].detach(),
}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("name,options", [CASES[3], CASES[4], CASES[9], CASES[12]],
                         ids=[IDS[3], IDS[4], IDS[9], IDS[12]])
def test_parameter_viewing_other_storage(name, options, view, dtype):
    """A parameter that is a (non-contiguous) view: the update lands in the storage it views."""
    init = np.random.default_rng(7).standard_normal((16, 16))  # views of 128 elements or more: see _assert_same
    bases = {}

    def make(lib, base):
        bases[lib] = base
        return VIEWS[view](lib, base)
    shape = tuple(VIEWS[view](torch, torch.tensor(init)).shape)
    grads = _grads(shape, 5)
    (tp, _, t_traj), (fp, _, f_traj) = (_run(lib, name, options, init, grads, dtype, make) for lib in LIBS)
    _assert_same(name, dtype, f_traj[-1], t_traj[-1], strided=True)
    _assert_same(name, dtype, _np(bases[flambeau]), _np(bases[torch]), strided=True)
    np.testing.assert_array_equal(_np(VIEWS[view](flambeau, bases[flambeau])), _np(fp))


@pytest.fixture
def two_threads():
    before = flambeau.get_num_threads()
    flambeau.set_num_threads(2)
    yield
    flambeau.set_num_threads(before)


@pytest.mark.parametrize("name,options", [CASES[3], CASES[4], CASES[11]], ids=[IDS[3], IDS[4], IDS[11]])
def test_large_parameter_over_threads(name, options, two_threads):
    n = 2 * GRAIN + 1024  # parallel_rows hands a second thread part of it; PyTorch's halves are whole vectors
    init = np.random.default_rng(8).standard_normal(n)
    grads = _grads((n,), 3)
    (_, _, t_traj), (_, _, f_traj) = (_run(lib, name, options, init, grads, "float32") for lib in LIBS)
    for a, b in zip(f_traj, t_traj):
        _assert_same(name, "float32", a, b)
    flambeau.set_num_threads(1)
    _, _, one_thread = _run(flambeau, name, options, init, grads, "float32")
    np.testing.assert_array_equal(one_thread[-1], f_traj[-1])
