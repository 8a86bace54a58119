"""Containers and Identity/Flatten/Unflatten against PyTorch: indexing, mutation, printing, registration."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch

import flambeau
from oracle import check, randn, to_numpy

LIBS = (torch, flambeau)


def both(fn):
    """fn(lib) for both libraries; its results (strings, numbers, lists) must be equal."""
    t, f = fn(torch), fn(flambeau)
    assert f == t, f"\nflambeau: {f}\ntorch:    {t}"


def same_error(fn):
    excs = []
    for lib in LIBS:
        with pytest.raises(Exception) as info:
            fn(lib)
        excs.append(info.value)
    # class paths in messages name each library's own module
    assert type(excs[1]).__name__ == type(excs[0]).__name__, excs
    assert str(excs[1]).replace("flambeau", "torch") == str(excs[0])


def seq(lib):
    nn = lib.nn
    return nn.Sequential(nn.Identity(), nn.Flatten(), nn.Unflatten(1, (2, 3)), nn.Flatten(0, -1))


def layout(m) -> list:
    return [(k, type(v).__name__) for k, v in m._modules.items()]


def test_sequential_indexing_and_mutation():
    both(lambda lib: (len(seq(lib)), repr(seq(lib)), type(seq(lib)[1]).__name__, type(seq(lib)[-1]).__name__))
    both(lambda lib: repr(seq(lib)[1:3]))
    both(lambda lib: repr(seq(lib)[::-2]))

    def mutate(lib):
        nn = lib.nn
        s = seq(lib)
        s.append(nn.Identity())
        s.insert(1, nn.Flatten(2))
        s.insert(-1, nn.Identity())
        s[0] = nn.Flatten(3)
        del s[2]
        del s[1:3]
        popped = s.pop(0)
        s.extend([nn.Identity(), nn.Flatten()])
        s += nn.Sequential(nn.Identity())
        t = s + nn.Sequential(nn.Flatten())
        m = nn.Sequential(nn.Identity(), nn.Flatten()) * 2
        m2 = nn.Sequential(nn.Identity())
        m2 *= 3
        return repr(popped), layout(s), layout(t), layout(m), layout(m2), [k for k in dir(s) if k.isdigit()]
    both(mutate)
    both(lambda lib: repr(lib.nn.Sequential(OrderedDict([("a", lib.nn.Identity()), ("b", lib.nn.Flatten())]))))
    both(lambda lib: repr(lib.nn.Sequential()))
    for bad in (lambda lib: seq(lib)[4], lambda lib: seq(lib)[-5], lambda lib: seq(lib).insert(9, lib.nn.Identity()),
                lambda lib: seq(lib) + 3, lambda lib: seq(lib) * 0, lambda lib: seq(lib) * 1.5,
                lambda lib: seq(lib).insert(0, 3), lambda lib: seq(lib)["a"]):
        same_error(bad)


def test_sequential_forward_and_shared_parameters():
    x = randn(4, 6)
    check(lambda lib, x: lib.nn.Sequential(lib.nn.Unflatten(1, (2, 3)), lib.nn.Flatten())(x) * 2, x)
    lin = flambeau.nn.Linear(3, 3)
    s = flambeau.nn.Sequential(lin, flambeau.nn.Identity(), lin)
    assert len(list(s.parameters())) == 2
    assert [n for n, _ in s.named_parameters()] == ["0.weight", "0.bias"]
    assert list(s.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_module_list():
    def build(lib):
        nn = lib.nn
        ml = nn.ModuleList([nn.Identity(), nn.Identity(), nn.Flatten(), nn.Identity()])
        ml.append(nn.Identity())
        ml.extend([nn.Flatten(0), nn.Flatten(0)])
        ml.insert(1, nn.Flatten(2))
        ml[0] = nn.Flatten(1, 2)
        del ml[-1]
        popped = ml.pop(2)
        sliced = ml[1:4]
        added = ml + nn.ModuleList([nn.Identity()])
        ml += [nn.Identity()]
        return (repr(ml), len(ml), repr(popped), repr(sliced), layout(added), layout(ml), repr(nn.ModuleList()),
                repr(nn.ModuleList([nn.Identity()] * 3)), type(ml[-1]).__name__)
    both(build)
    same_error(lambda lib: lib.nn.ModuleList(3))
    same_error(lambda lib: lib.nn.ModuleList([lib.nn.Identity()])[3])
    same_error(lambda lib: lib.nn.ModuleList([3]))
    same_error(lambda lib: lib.nn.ModuleList()(lib.zeros(1)))


def test_module_dict():
    def build(lib):
        nn = lib.nn
        md = nn.ModuleDict({"b": nn.Identity(), "a": nn.Flatten()})
        md["c"] = nn.Identity()
        md.update([("d", nn.Flatten(0))])
        md.update(OrderedDict(e=nn.Identity()))
        del md["b"]
        popped = md.pop("a")
        return (repr(md), list(md), list(md.keys()), [type(v).__name__ for v in md.values()], "c" in md, len(md),
                repr(popped), [k for k, _ in md.items()])
    both(build)
    same_error(lambda lib: lib.nn.ModuleDict(3))
    same_error(lambda lib: lib.nn.ModuleDict([("a", lib.nn.Identity(), 3)]))
    same_error(lambda lib: lib.nn.ModuleDict([3]))
    same_error(lambda lib: lib.nn.ModuleDict({"a.b": lib.nn.Identity()}))
    md = flambeau.nn.ModuleDict({"x": flambeau.nn.Linear(2, 2)})
    md.clear()
    assert len(md) == 0 and list(md.parameters()) == []


def test_parameter_list():
    def build(lib):
        nn = lib.nn
        pl = nn.ParameterList([lib.zeros(2, 3), nn.Parameter(lib.ones(4), requires_grad=False)])
        pl.append(lib.zeros(1, dtype=lib.float64))
        pl.extend(["not a tensor", lib.zeros(5)])
        pl[0] = lib.ones(2, 2)
        return (repr(pl), len(pl), [type(p).__name__ for p in pl], [n for n, _ in pl.named_parameters()],
                [p.requires_grad for p in pl.parameters()], repr(pl[1:3]), repr(pl[-1]))
    both(build)
    same_error(lambda lib: lib.nn.ParameterList(lib.zeros(3)))
    same_error(lambda lib: lib.nn.ParameterList()[0])
    same_error(lambda lib: lib.nn.ParameterList()())


def test_parameter_dict():
    def build(lib):
        nn = lib.nn
        pd = nn.ParameterDict({"b": lib.zeros(2), "a": lib.ones(3)})  # a plain dict is added in sorted order
        pd["c"] = nn.Parameter(lib.zeros(1, 2))
        pd.update([("e", lib.zeros(4)), ("d", "obj")])
        pd.setdefault("f", lib.ones(1))
        popped = pd.pop("b")
        item = pd.popitem()
        merged = pd | nn.ParameterDict({"z": lib.zeros(1)})
        copied = pd.copy()
        return (repr(pd), list(pd), list(pd.keys()), [n for n, _ in pd.named_parameters()], "a" in pd,
                pd.get("missing", 7), repr(popped), item[0], list(merged), list(copied), len(pd),
                list(reversed(pd)), list(nn.ParameterDict().fromkeys(["x", "y"], lib.zeros(1))))
    both(build)
    same_error(lambda lib: lib.nn.ParameterDict({"a": lib.zeros(1)})[3])
    same_error(lambda lib: lib.nn.ParameterDict(3))
    same_error(lambda lib: lib.nn.ParameterDict([("a", 1, 2)]))
    same_error(lambda lib: lib.nn.ParameterDict()(lib.zeros(1)))
    pd = flambeau.nn.ParameterDict({"a": flambeau.zeros(1)})
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []


@pytest.mark.parametrize("start, end", [(1, -1), (0, -1), (1, 2), (-2, -1), (0, 0)])
def test_flatten(start, end):
    x = randn(2, 3, 4, 5)
    check(lambda lib, x: lib.nn.Flatten(start, end)(x), x)
    both(lambda lib: repr(lib.nn.Flatten(start, end)))


@pytest.mark.parametrize("dim, sizes", [(1, (2, 3)), (-1, (2, 2)), (1, [3, -1]), (0, (1, 2))])
def test_unflatten(dim, sizes):
    x = randn(2, 6, 4)
    check(lambda lib, x: lib.nn.Unflatten(dim, sizes)(x), x)
    both(lambda lib: repr(lib.nn.Unflatten(dim, sizes)))
    same_error(lambda lib: lib.nn.Unflatten(1, 6))
    same_error(lambda lib: lib.nn.Unflatten(1, (2, "3")))


def test_identity():
    x = randn(3, 2)
    check(lambda lib, x: lib.nn.Identity(54, unused="x")(x), x)
    both(lambda lib: repr(lib.nn.Identity(3)))
    t = flambeau.zeros(2)
    assert flambeau.nn.Identity()(t) is t
    np.testing.assert_array_equal(to_numpy(flambeau.nn.Identity()(t)), np.zeros(2))
