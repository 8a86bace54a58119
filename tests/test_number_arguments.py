"""Every function of the torch namespace that PyTorch refuses a Python number as its first argument
(`torch.exp(2.0)`, `torch.zeros(2.0)`, `torch.hann_window(2.0)`) raises the same exception type here:
PyTorch's argument parser makes it a TypeError, where a missing check here would surface as an
AttributeError on `._data` deep inside."""
import inspect
import warnings

import pytest
import torch

import flambeau

# functions whose argument parsing differs for a reason (each with the exception PyTorch / flambeau raise)
KNOWN = {
    "broadcast_shapes": ("RuntimeError", "TypeError"),   # torch checks the shape's values before its type
    "einsum": ("ValueError", "RuntimeError"),            # a number is not an equation: message-level difference
    "from_dlpack": ("RuntimeError", "AttributeError"),
    # removed from PyTorch: ours raise the removal's RuntimeError whatever the arguments
    "solve": ("TypeError", "RuntimeError"), "lstsq": ("TypeError", "RuntimeError"),
    "chain_matmul": ("TypeError", "RuntimeError"),   # a single matrix argument is checked for its count first
    # PyTorch's overloads parse every argument first; here the missing hidden state is found first
    "lstm": ("TypeError", "IndexError"), "gru": ("TypeError", "IndexError"),
    "rnn_tanh": ("TypeError", "IndexError"), "rnn_relu": ("TypeError", "IndexError"),
}
# functions that must not be called here: they change global state or take a number legitimately
SKIP = {"manual_seed", "seed", "set_num_threads", "set_num_interop_threads", "set_default_dtype", "set_printoptions",
        "use_deterministic_algorithms", "set_rng_state", "set_float32_matmul_precision", "set_default_device",
        "set_deterministic_debug_mode", "set_flush_denormal", "set_warn_always", "load", "save", "compile", "vmap",
        "cond", "typename", "is_tensor", "is_storage", "numel", "no_grad", "enable_grad", "inference_mode",
        "set_grad_enabled", "chunk"}


def _shared_functions():
    for name in sorted(dir(torch)):
        ours = getattr(flambeau, name, None)
        theirs = getattr(torch, name)
        if name.startswith("_") or name in SKIP or ours is None or not callable(theirs) or \
                inspect.isclass(theirs) or inspect.ismodule(theirs) or inspect.isclass(ours):
            continue
        yield name


def _raised(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(2.0)
        except Exception as e:  # noqa: BLE001  the exception type is what is compared
            return type(e).__name__
    return None


def test_a_number_as_the_first_argument():
    mismatches = {}
    checked = 0
    for name in _shared_functions():
        expected = _raised(getattr(torch, name))
        if expected is None:
            continue
        checked += 1
        got = _raised(getattr(flambeau, name))
        if got != expected and KNOWN.get(name) != (expected, got):
            mismatches[name] = (expected, got)
    assert checked > 300
    assert not mismatches, mismatches


@pytest.mark.parametrize("call", [lambda t: t.exp(2.0), lambda t: t.sum(3), lambda t: t.zeros(2.0),
                                  lambda t: t.relu(1.0)])
def test_message_names_the_argument(call):
    with pytest.raises(TypeError) as ours:
        call(flambeau)
    with pytest.raises(TypeError):
        call(torch)
    assert "must be" in str(ours.value) or "integer" in str(ours.value)
