"""F.pad (constant, reflect, replicate, circular; negative amounts crop) and the padding layers against PyTorch."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, check_module, check_raises, gradcheck, randn

F32 = np.float32
PADS = [(1, 2), (2, 0, 1, 3), (-1, 2), (2, -1, 1, 1), (0, -2, 3, -1), (1, 1, 1, 2, 2, 1)]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pads", PADS)
def test_pad_modes(mode, pads):
    x = randn(2, 3, 4, 5, 6, dtype=F32)
    n = len(pads) // 2
    batched = x.reshape((-1,) + x.shape[-n - 1:])[:2]
    check(lambda t, x: t.nn.functional.pad(x, pads, mode), batched)
    check(lambda t, x: t.nn.functional.pad(x, pads, mode), batched[0])  # unbatched


@pytest.mark.parametrize("pads", PADS + [(1, 1, 1, 1, 1, 1, 1, 1), (-2, -1)])
def test_pad_constant(pads):
    x = randn(2, 3, 4, 5, dtype=F32)
    check(lambda t, x: t.nn.functional.pad(x, pads), x)
    check(lambda t, x: t.nn.functional.pad(x, pads, value=-1.5), x, noncontig=True)
    check(lambda t, x: t.nn.functional.pad(x, pads, value=2.7), np.arange(120).reshape(2, 3, 4, 5))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_gradcheck(mode):
    gradcheck(lambda t, x: t.nn.functional.pad(x, (2, -1, 1, 2), mode), randn(1, 2, 4, 5))


@pytest.mark.parametrize("fn,shape", [
    (lambda t, x: t.nn.functional.pad(x, (3, 3), mode="reflect"), (1, 1, 3)),
    (lambda t, x: t.nn.functional.pad(x, (4, 0), mode="circular"), (1, 1, 3)),
    (lambda t, x: t.nn.functional.pad(x, (1, 2), mode="reflect"), (5,)),
    (lambda t, x: t.nn.functional.pad(x, (1, 2), mode="reflect"), (1, 1, 5, 5)),
    (lambda t, x: t.nn.functional.pad(x, (1, 2), mode="reflect", value=1.0), (1, 1, 5)),
    (lambda t, x: t.nn.functional.pad(x, (1, 2), mode="replicate"), (1, 1, 0)),
    (lambda t, x: t.nn.functional.pad(x, (1, 2, 3)), (1, 1, 5, 5)),
    (lambda t, x: t.nn.functional.pad(x, (1,) * 10), (1, 1, 5, 5)),
    (lambda t, x: t.nn.functional.pad(x, (-3, -3)), (1, 1, 5, 5)),
    (lambda t, x: t.nn.functional.pad(x, (1, 1), mode="foo"), (1, 1, 5, 5)),
])
def test_errors(fn, shape):
    check_raises(fn, randn(*shape, dtype=F32))


LAYERS = [
    ("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)), ("ZeroPad3d", (1,), (1, 2, 3, 4, 5)),
    ("ConstantPad1d", ((1, 2), 3.5), (3, 5)), ("ConstantPad2d", (1, -1.0), (2, 3, 4, 5)),
    ("ConstantPad3d", ((1, 0, 2, 0, 0, 1), 0.5), (2, 3, 4, 5)),
    ("ReflectionPad1d", (2,), (2, 3, 5)), ("ReflectionPad2d", ((1, 2, 0, 3),), (3, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 4, 5)),
    ("ReplicationPad1d", ((3, 1),), (3, 5)), ("ReplicationPad2d", (2,), (2, 3, 4, 5)),
    ("ReplicationPad3d", ((1, 0, 2, 0, 0, 1),), (2, 3, 4, 5)),
    ("CircularPad1d", (2,), (2, 3, 5)), ("CircularPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)),
    ("CircularPad3d", (1,), (2, 3, 4, 5)),
]


@pytest.mark.parametrize("name,args,shape", LAYERS)
def test_layers(name, args, shape):
    t_mod, f_mod = getattr(torch.nn, name)(*args), getattr(flambeau.nn, name)(*args)
    assert repr(f_mod) == repr(t_mod)
    check_module(t_mod, f_mod, randn(*shape, dtype=F32))


def test_layer_input_errors():
    with pytest.raises(flambeau.nn.ModuleInputError, match=r"ReflectionPad2d\(\(1, 1, 1, 1\)\) expected 3D "
                                                           r"\(unbatched\) or 4D \(batched\) input, got shape \(5, 5\)"):
        flambeau.nn.ReflectionPad2d(1)(flambeau.randn(5, 5))
