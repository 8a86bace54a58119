"""torch.random (seeding, rng state, fork_rng) and Generator state round trips, checked as properties
that hold for PyTorch and flambeau alike (the bytes of a state differ: flambeau's generator is PCG64)."""
import pytest
import torch

import flambeau
import flambeau.random

LIBS = [torch, flambeau]


def test_same_public_names_as_torch_random():
    expected = {"Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed", "seed",
                "set_rng_state"}
    assert expected <= set(dir(torch.random))
    assert expected <= set(dir(flambeau.random))
    assert flambeau.random.default_generator is flambeau.default_generator


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "flambeau"])
@pytest.mark.parametrize("seed", [0, 123, -1, 2 ** 63])
def test_manual_seed_and_initial_seed(lib, seed):
    g = lib.random.manual_seed(seed)
    assert isinstance(g, lib.Generator) and g is lib.random.default_generator
    assert lib.random.initial_seed() == torch.random.manual_seed(seed).initial_seed()


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "flambeau"])
def test_seed_returns_the_seed_in_use(lib):
    s = lib.random.seed()
    assert isinstance(s, int) and lib.random.initial_seed() == s
    a = lib.rand(3)
    lib.random.manual_seed(s)
    assert lib.rand(3).tolist() == a.tolist()


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "flambeau"])
def test_rng_state_round_trip_restores_the_stream(lib):
    lib.random.manual_seed(7)
    lib.randn(4)
    state = lib.random.get_rng_state()
    assert state.dtype == lib.uint8 and state.dim() == 1
    first = (lib.rand(5).tolist(), lib.randint(0, 100, (3,)).tolist())
    lib.randn(10)
    lib.random.set_rng_state(state)
    assert (lib.rand(5).tolist(), lib.randint(0, 100, (3,)).tolist()) == first
    assert lib.get_rng_state().tolist() != state.tolist()  # the top-level functions see the same generator
    lib.set_rng_state(state)
    assert lib.rand(5).tolist() == first[0]


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "flambeau"])
def test_state_is_a_copy(lib):
    state = lib.random.get_rng_state()
    before = state.clone()
    lib.rand(3)
    assert state.tolist() == before.tolist()


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "flambeau"])
def test_generator_state_round_trip(lib):
    g = lib.Generator().manual_seed(11)
    state = g.get_state()
    a = lib.rand(4, generator=g).tolist()
    h = lib.Generator()
    h.set_state(state)
    assert lib.rand(4, generator=h).tolist() == a
    assert h.initial_seed() == g.initial_seed() == 11
    g.set_state(state)
    assert lib.rand(4, generator=g).tolist() == a


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "flambeau"])
@pytest.mark.parametrize("kwargs", [{}, {"devices": []}, {"devices": iter([])}])
def test_fork_rng_restores_the_state(lib, kwargs):
    lib.manual_seed(5)
    expected = lib.rand(3).tolist()
    lib.manual_seed(5)
    with lib.random.fork_rng(**kwargs):
        lib.rand(100)
        lib.manual_seed(99)
    assert lib.rand(3).tolist() == expected


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "flambeau"])
def test_fork_rng_restores_after_an_exception(lib):
    lib.manual_seed(5)
    expected = lib.rand(3).tolist()
    lib.manual_seed(5)
    with pytest.raises(KeyError):
        with lib.random.fork_rng(devices=[]):
            lib.rand(10)
            raise KeyError("x")
    assert lib.rand(3).tolist() == expected


@pytest.mark.parametrize("lib", LIBS, ids=["torch", "flambeau"])
def test_fork_rng_disabled_leaves_the_stream_moving(lib):
    lib.manual_seed(5)
    lib.rand(10)
    expected = lib.rand(3).tolist()
    lib.manual_seed(5)
    with lib.random.fork_rng(enabled=False):
        lib.rand(10)
    assert lib.rand(3).tolist() == expected


@pytest.mark.parametrize("bad", [lambda t: t.zeros(80), lambda t: [1, 2], lambda t: t.zeros(3, dtype=t.uint8)],
                         ids=["float_tensor", "list", "wrong_size"])
@pytest.mark.parametrize("setter", [lambda t, s: t.random.set_rng_state(s), lambda t, s: t.Generator().set_state(s)],
                         ids=["set_rng_state", "Generator.set_state"])
def test_bad_states_raise_torch_exception_types(bad, setter):
    with pytest.raises(Exception) as t_info:
        setter(torch, bad(torch))
    with pytest.raises(type(t_info.value)):
        setter(flambeau, bad(flambeau))
