"""The compiled normalisation kernels (flambeau/_kernels/norm.py) against PyTorch: batch_norm, layer_norm,
group_norm and instance_norm, values and gradients of input, weight and bias, and running statistics, over
dtypes, edge shapes, non-contiguous inputs, large-mean data and the multi-thread split."""
import ml_dtypes
import numpy as np
import pytest
import torch

import flambeau
from flambeau.ops._parallel import GRAIN

DTYPES = {"float32": (np.float32, torch.float32, flambeau.float32),
          "float64": (np.float64, torch.float64, flambeau.float64),
          "float16": (np.float16, torch.float16, flambeau.float16),
          "bfloat16": (ml_dtypes.bfloat16, torch.bfloat16, flambeau.bfloat16)}
TOL = {"float32": 2e-5, "float64": 1e-10, "float16": 2e-2, "bfloat16": 1e-1}


@pytest.fixture
def threads():
    """Set the intra-op thread count for one test, restoring it afterwards."""
    before = flambeau.get_num_threads()
    yield flambeau.set_num_threads
    flambeau.set_num_threads(before)


def _batch(lib, x, w, b, rm, rv):
    return lib.nn.functional.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3)


def _instance(lib, x, w, b, rm, rv):
    return lib.nn.functional.instance_norm(x, rm, rv, w, b, use_input_stats=True, momentum=0.3)


def _layer(lib, x, w, b, rm, rv):
    return lib.nn.functional.layer_norm(x, x.shape[1:], w, b)


def _group(lib, x, w, b, rm, rv):
    return lib.nn.functional.group_norm(x, _groups(x.shape[1]), w, b)


def _groups(channels: int) -> int:
    # at least two channels a group: a group of one value at 1x1 spatial normalises to rounding noise
    return max(g for g in (1, 2, 3, 4) if channels % g == 0 and channels // g >= 2 or g == 1)


KINDS = {"batch": _batch, "instance": _instance, "layer": _layer, "group": _group}


def _data(shape, kind, mean=0.0, seed=0):
    """float64 input, weight, bias, running mean and var, upstream gradient for `kind` on `shape`."""
    rng = np.random.default_rng(seed)
    wshape = shape[1:] if kind == "layer" else shape[1:2]
    return (rng.standard_normal(shape) * 2 + mean, rng.standard_normal(wshape), rng.standard_normal(wshape),
            rng.standard_normal(shape[1]), rng.uniform(0.5, 2.0, shape[1]), rng.standard_normal(shape))


def _run(lib, kind, arrays, dtype="float32", affine=True, layout=None):
    """Output, input/weight/bias gradients and running statistics of one kind of norm in `lib`.
    layout(lib, tensor) may make the input non-contiguous (same values)."""
    np_dtype, t_dtype, f_dtype = DTYPES[dtype]
    dt = t_dtype if lib is torch else f_dtype
    x, w, b, rm, rv, g = (lib.tensor(a.astype(np_dtype) if lib is flambeau else a, dtype=dt) for a in arrays)
    leaves = [x] + ([w, b] if affine else [])
    for t in leaves:
        t.requires_grad_(True)
    xin = x if layout is None else layout(lib, x)
    out = KINDS[kind](lib, xin, w if affine else None, b if affine else None, rm, rv)
    out.backward(g)
    return [_np(t) for t in [out] + [t.grad for t in leaves] + [rm, rv]]


def _np(t) -> np.ndarray:
    t = t.detach()
    if isinstance(t, torch.Tensor):
        return t.double().numpy()
    return t.double().numpy()


def _compare(kind, shape, dtype="float32", affine=True, layout=None, mean=0.0):
    arrays = _data(shape, kind, mean)
    expected = _run(torch, kind, arrays, dtype, affine, layout)
    got = _run(flambeau, kind, arrays, dtype, affine, layout)
    names = ["output", "input grad"] + (["weight grad", "bias grad"] if affine else []) + ["running_mean",
                                                                                            "running_var"]
    tol = TOL[dtype]
    for name, e, a in zip(names, expected, got):
        scale = max(1.0, float(np.abs(e).max()))  # sums (weight grads) grow with the count
        np.testing.assert_allclose(a, e, rtol=tol, atol=tol * scale, err_msg=f"{kind} {name}")


SHAPES = {
    "tiny": (2, 3, 2, 2),
    "batch 1": (1, 4, 3, 5),
    "1x1 spatial": (6, 8, 1, 1),
    "odd channels": (3, 7, 5, 3),
    "flat": (5, 6),
}


# instance_norm needs more than one position (one is an error, tested in tests/nn/test_norm.py)
CASES = [(kind, shape) for kind in KINDS for shape in SHAPES
         if kind != "instance" or shape not in ("1x1 spatial", "flat")]


@pytest.mark.parametrize("kind,shape", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(kind, shape, dtype):
    _compare(kind, SHAPES[shape], dtype)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_types_compute_in_float32(kind, dtype):
    _compare(kind, (4, 8, 6, 5), dtype)


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_affine(kind):
    _compare(kind, (3, 6, 4, 5), "float64", affine=False)


LAYOUTS = {
    "transposed": lambda lib, x: x.transpose(2, 3).contiguous().transpose(2, 3),
    "sliced": lambda lib, x: lib.cat([x, x], 3)[..., ::2],
    "channels last": lambda lib, x: x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_non_contiguous_input(kind, layout):
    f = LAYOUTS[layout]
    x = f(flambeau, flambeau.zeros(3, 6, 4, 5))
    assert not x.is_contiguous()
    _compare(kind, (3, 6, 4, 5), "float64", layout=f)


@pytest.mark.parametrize("kind", list(KINDS))
def test_large_mean_float32(kind):
    """x + 1000 in float32: a one-pass E[x^2] - E[x]^2 loses every digit of the variance here."""
    arrays = _data((4, 8, 16, 16), kind, mean=1000.0)
    exact = _run(torch, kind, arrays, "float64")
    got = _run(flambeau, kind, arrays, "float32")
    for e, a in zip(exact, got):
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(e).max())))


def _big(kind):
    """Shapes past the grain of two threads, channel and row counts that two threads do not split evenly."""
    return (3, 7, 125, 125) if kind in ("batch", "instance") else (5, 9, 101, 65)


@pytest.mark.parametrize("kind", list(KINDS))
def test_multi_thread_matches_torch(kind, threads):
    threads(2)
    assert np.prod(_big(kind)) > 2 * GRAIN
    _compare(kind, _big(kind))


@pytest.mark.parametrize("kind", list(KINDS))
def test_results_do_not_depend_on_thread_count(kind, threads):
    arrays = _data(_big(kind), kind, mean=3.0)
    threads(1)
    one = _run(flambeau, kind, arrays)
    threads(2)
    two = _run(flambeau, kind, arrays)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_1d_multi_thread(threads):
    """(N, C) input: one position a channel, several channels a tile, tiles split over two threads."""
    threads(2)
    _compare("batch", (600, 501), mean=5.0)


def test_layer_norm_many_rows_weight_grad(threads):
    """More rows than weight-gradient blocks: every block's partial sums reach the weight gradient."""
    threads(2)
    arrays = _data((700, 400), "layer")
    expected, got = _run(torch, "layer", arrays, "float64"), _run(flambeau, "layer", arrays, "float64")
    for e, a in zip(expected, got):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-10)


def test_batch_norm_eval_mode():
    x, w, b, rm, rv, g = _data((4, 5, 3, 3), "batch")
    outs = []
    for lib in (torch, flambeau):
        xt, wt, bt = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
        out = lib.nn.functional.batch_norm(xt, lib.tensor(rm), lib.tensor(rv), wt, bt, training=False)
        out.backward(lib.tensor(g))
        outs.append([_np(t) for t in (out, xt.grad, wt.grad, bt.grad)])
    for e, a in zip(*outs):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", list(KINDS))
def test_double_backward(kind):
    """grad mode on in backward takes the flambeau-ops formula: second derivatives through weight too."""
    x, w, b, rm, rv, _ = _data((3, 4, 2, 3), kind)
    fn = KINDS[kind]
    args = [flambeau.tensor(a, requires_grad=True) for a in (x, w, b)]
    assert flambeau.autograd.gradgradcheck(lambda x, w, b: fn(flambeau, x, w, b, None, None), args)


def test_import_does_not_load_numba():
    import subprocess
    import sys
    code = "import flambeau, sys; assert 'numba' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
