"""The test oracle: run the same lambda on PyTorch and on flambeau, compare values, dtypes, shapes
and gradients; gradcheck/gradgradcheck in float64 against finite differences.

An op case is a lambda `fn(lib, *tensors)` used for both libraries (lib is torch or flambeau), so
one line tests one op: `check(lambda t, x, y: t.add(x, y), randn(3, 1), randn(4))`.
"""
from __future__ import annotations

import numpy as np
import torch

import flambeau

RNG = np.random.default_rng(0)


def randn(*shape, dtype=np.float64, low=None, high=None):
    """Random test data; with low/high, uniform in [low, high)."""
    if low is not None:
        return RNG.uniform(low, high, size=shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def randint(low, high, *shape, dtype=np.int64):
    return RNG.integers(low, high, size=shape).astype(dtype)


def _is_float(a) -> bool:
    """Inputs that get gradients: floating point and complex arrays."""
    return isinstance(a, np.ndarray) and a.dtype.kind in "fc"


def _upstream(shape, dtype):
    """A random upstream gradient; complex outputs get a random imaginary part too."""
    if dtype.kind == "c":
        return (randn(*shape) + 1j * randn(*shape)).astype(dtype)
    return randn(*shape).astype(dtype)


def _make(lib, arrays, grad, noncontig):
    leaves, args = [], []
    for a in arrays:
        if not isinstance(a, np.ndarray):
            leaves.append(None)
            args.append(a)
            continue
        needs = grad and _is_float(a)
        if noncontig == "strided" and a.ndim >= 1:  # every other element of a buffer twice as long
            leaf = lib.tensor(np.repeat(a, 2, axis=-1), requires_grad=needs)
            arg = leaf[..., ::2]
        elif noncontig and a.ndim >= 2:
            leaf = lib.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)), requires_grad=needs)
            arg = leaf.transpose(-1, -2)
        else:
            leaf = lib.tensor(a, requires_grad=needs)
            arg = leaf
        leaves.append(leaf if needs else None)
        args.append(arg)
    return leaves, args


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.numpy(force=True)  # force: torch's lazy ZeroTensor gradients refuse plain numpy()
    if isinstance(x, flambeau.Tensor):
        a = np.asarray(x.detach()._data)
        return a.astype(np.float32) if a.dtype.name == "bfloat16" else a
    return np.asarray(x)


def _flat_outputs(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat_outputs(o))
        return res
    return [out]


def assert_same(t_out, f_out, atol=1e-6, rtol=1e-5, check_dtype=True):
    """Values, shapes and dtypes of outputs (tensors, scalars or nested tuples) agree."""
    t_flat, f_flat = _flat_outputs(t_out), _flat_outputs(f_out)
    assert len(t_flat) == len(f_flat), f"{len(t_flat)} outputs from torch, {len(f_flat)} from flambeau"
    for t, f in zip(t_flat, f_flat):
        if isinstance(t, torch.Tensor):
            assert isinstance(f, flambeau.Tensor), f"expected a Tensor, got {type(f).__name__}"
            assert tuple(t.shape) == tuple(f.shape), f"shape {tuple(f.shape)} != torch {tuple(t.shape)}"
            if check_dtype:
                assert str(t.dtype) == repr(f.dtype), f"dtype {f.dtype} != {t.dtype}"
            np.testing.assert_allclose(to_numpy(f), to_numpy(t), atol=atol, rtol=rtol, equal_nan=True)
        else:
            if isinstance(t, float):
                np.testing.assert_allclose(f, t, atol=atol, rtol=rtol)
            else:
                assert f == t, f"{f!r} != torch {t!r}"


def check(fn, *arrays, grad=True, atol=1e-6, rtol=1e-5, noncontig=False, check_dtype=True, grad_atol=None):
    """Run fn on both libraries; compare outputs and (for float inputs) gradients of every input.
    noncontig=True passes matrices transposed, "strided" every array as every other element of a buffer."""
    t_leaves, t_args = _make(torch, arrays, grad, noncontig)
    f_leaves, f_args = _make(flambeau, arrays, grad, noncontig)
    t_out = fn(torch, *t_args)
    f_out = fn(flambeau, *f_args)
    assert_same(t_out, f_out, atol, rtol, check_dtype)
    if not grad or not any(leaf is not None for leaf in t_leaves):
        return f_out
    t_outs = [o for o in _flat_outputs(t_out) if isinstance(o, torch.Tensor) and o.requires_grad]
    f_outs = [o for o in _flat_outputs(f_out) if isinstance(o, flambeau.Tensor) and o.requires_grad]
    assert len(t_outs) == len(f_outs), "requires_grad of outputs differs"
    if not t_outs:
        return f_out
    upstream = [_upstream(o.shape, to_numpy(o).dtype) for o in t_outs]
    torch.autograd.backward(t_outs, [torch.tensor(u, dtype=o.dtype) for u, o in zip(upstream, t_outs)])
    flambeau.autograd.backward(f_outs, [flambeau.tensor(u, dtype=o.dtype) for u, o in zip(upstream, f_outs)])
    for i, (tl, fl) in enumerate(zip(t_leaves, f_leaves)):
        if tl is None:
            continue
        if tl.grad is None:
            assert fl.grad is None or not np.any(to_numpy(fl.grad)), f"input {i}: torch has no grad"
            continue
        assert fl.grad is not None, f"input {i}: flambeau produced no gradient"
        assert fl.grad.shape == tl.grad.shape
        np.testing.assert_allclose(to_numpy(fl.grad), to_numpy(tl.grad), atol=grad_atol or atol * 10, rtol=rtol * 10,
                                   equal_nan=True, err_msg=f"gradient of input {i}")
    return f_out


def gradcheck(fn, *arrays, gradgrad=True, atol=1e-5, rtol=1e-3):
    """flambeau's gradcheck (and gradgradcheck) in float64 on the float inputs of the case."""
    args = [flambeau.tensor(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64), requires_grad=True)
            if _is_float(a)
            else (flambeau.tensor(a) if isinstance(a, np.ndarray) else a) for a in arrays]
    func = lambda *xs: fn(flambeau, *xs)  # noqa: E731
    assert flambeau.autograd.gradcheck(func, args, atol=atol, rtol=rtol)
    if gradgrad:
        assert flambeau.autograd.gradgradcheck(func, args, atol=atol, rtol=rtol)


def check_raises(fn, *arrays):
    """Both libraries raise, and the exception types agree."""
    _, t_args = _make(torch, arrays, False, False)
    _, f_args = _make(flambeau, arrays, False, False)
    try:
        fn(torch, *t_args)
    except Exception as e:  # noqa: BLE001
        t_exc = type(e)
    else:
        raise AssertionError("torch did not raise")
    try:
        fn(flambeau, *f_args)
    except Exception as e:  # noqa: BLE001
        assert isinstance(e, _closest_builtin(t_exc)), f"flambeau raised {type(e).__name__}, torch {t_exc.__name__}"
    else:
        raise AssertionError(f"flambeau did not raise (torch raised {t_exc.__name__})")


def check_like_torch(fn, *arrays, grad=True, noncontig=False, **tolerances):
    """`check` where torch succeeds; where torch raises (in fn or in the backward through its outputs),
    flambeau must raise the same builtin exception type at the same stage. Returns torch's exception
    type, or None."""
    t_exc = _raised(torch, fn, arrays, grad, noncontig)
    if t_exc is None:
        check(fn, *arrays, grad=grad, noncontig=noncontig, **tolerances)
        return None
    f_exc = _raised(flambeau, fn, arrays, grad, noncontig)
    assert f_exc is not None, f"flambeau did not raise ({t_exc[1]} in torch's {t_exc[0]}: {t_exc[2]})"
    assert f_exc[:2] == t_exc[:2], f"flambeau raised {f_exc[1]} in its {f_exc[0]} ({f_exc[2]}), " \
                                   f"torch {t_exc[1]} in its {t_exc[0]} ({t_exc[2]})"
    return t_exc[1]


def _raised(lib, fn, arrays, grad, noncontig):
    """(stage, builtin exception type, message) of what running fn (then backward) raises, or None."""
    _, args = _make(lib, arrays, grad, noncontig)
    try:
        out = fn(lib, *args)
    except Exception as e:  # noqa: BLE001
        return "forward", _closest_builtin(type(e)), str(e)[:200]
    outs = [o for o in _flat_outputs(out) if isinstance(o, lib.Tensor) and o.requires_grad]
    try:
        if outs:
            lib.autograd.backward(outs, [lib.ones_like(o) for o in outs])
    except Exception as e:  # noqa: BLE001
        return "backward", _closest_builtin(type(e)), str(e)[:200]
    return None


def _closest_builtin(exc_type):
    """torch raises subclasses like torch.OutOfMemoryError; compare on the builtin base."""
    for base in exc_type.__mro__:
        if base.__module__ == "builtins":
            return base
    return exc_type


def copy_state(t_module, f_module) -> None:
    """Load a PyTorch module's state_dict (parameters and buffers) into the flambeau module."""
    state = {k: flambeau.tensor(to_numpy(v)) for k, v in t_module.state_dict().items()}
    f_module.load_state_dict(state)


def check_module(t_module, f_module, *arrays, train=True, atol=1e-5, rtol=1e-4, grad=True):
    """Same weights in both modules, same inputs: compare outputs, input gradients and parameter gradients."""
    copy_state(t_module, f_module)
    t_module.train(train)
    f_module.train(train)
    check(lambda lib, *xs: (t_module if lib is torch else f_module)(*xs), *arrays,
          atol=atol, rtol=rtol, grad=grad)
    if grad:
        t_params = dict(t_module.named_parameters())
        for name, p in f_module.named_parameters():
            tp = t_params[name]
            if tp.grad is None:
                assert p.grad is None or not np.any(to_numpy(p.grad)), f"{name}: torch has no gradient"
                continue
            assert p.grad is not None, f"{name}: flambeau produced no gradient"
            np.testing.assert_allclose(to_numpy(p.grad), to_numpy(tp.grad), atol=atol * 10, rtol=rtol * 10,
                                       err_msg=f"gradient of parameter {name}")
    return f_module
