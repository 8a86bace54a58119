"""The runtime surface: threads, determinism flags, type predicates, cuda/backends/accelerator queries,
and the device checks at the top of typical PyTorch scripts."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check_raises


def test_threads():
    n = flambeau.get_num_threads()
    assert isinstance(n, int) and n >= 1
    try:
        flambeau.set_num_threads(1)
        assert flambeau.get_num_threads() == 1
    finally:
        flambeau.set_num_threads(n)
    check_raises(lambda t: t.set_num_threads(0))
    assert flambeau.get_num_interop_threads() >= 1
    check_raises(lambda t: t.set_num_interop_threads(0))


def test_deterministic_flags():
    try:
        flambeau.use_deterministic_algorithms(True, warn_only=True)
        assert flambeau.are_deterministic_algorithms_enabled()
        assert flambeau.is_deterministic_algorithms_warn_only_enabled()
    finally:
        flambeau.use_deterministic_algorithms(False)
    assert not flambeau.are_deterministic_algorithms_enabled()


def test_matmul_precision():
    assert flambeau.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    try:
        flambeau.set_float32_matmul_precision("high")
        assert flambeau.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning):
            flambeau.set_float32_matmul_precision("bogus")
        assert flambeau.get_float32_matmul_precision() == "high"
    finally:
        flambeau.set_float32_matmul_precision("highest")


PREDICATES = [
    lambda t: t.is_tensor(t.ones(2)), lambda t: t.is_tensor([1]), lambda t: t.is_tensor(np.ones(2)),
    lambda t: t.is_storage(t.ones(1)), lambda t: t.is_floating_point(t.ones(2)),
    lambda t: t.is_floating_point(t.ones(2, dtype=t.int64)), lambda t: t.is_floating_point(t.ones(1, dtype=t.bfloat16)),
    lambda t: t.is_complex(t.ones(2, dtype=t.complex64)), lambda t: t.is_complex(t.ones(2)),
    lambda t: t.numel(t.ones(2, 3)), lambda t: t.numel(t.ones(())), lambda t: t.numel(t.ones(0, 4)),
    lambda t: t.is_nonzero(t.tensor([0.0])), lambda t: t.is_nonzero(t.tensor(3)), lambda t: t.is_nonzero(t.tensor([[True]])),
    lambda t: t.typename(t.ones(2)), lambda t: t.typename(t.ones(2, dtype=t.int64)), lambda t: t.typename(3),
    lambda t: t.typename(t.ones(1, dtype=t.bool)), lambda t: t.get_default_dtype() is t.float32,
    lambda t: t.is_grad_enabled(), lambda t: str(t.result_type(t.ones(2, dtype=t.int8), 2.5)),
    lambda t: str(t.promote_types(t.uint8, t.int8)), lambda t: t.can_cast(t.float64, t.int8),
]


@pytest.mark.parametrize("fn", PREDICATES, ids=range(len(PREDICATES)))
def test_predicates(fn):
    assert fn(flambeau) == fn(torch)


@pytest.mark.parametrize("fn", [lambda t: t.is_nonzero(t.ones(2)), lambda t: t.is_nonzero(t.ones(0)),
                                lambda t: t.set_default_tensor_type(t.float64),
                                lambda t: t.set_default_dtype(t.int32)], ids=range(4))
def test_runtime_errors(fn):
    check_raises(fn)


def test_set_default_tensor_type():
    try:
        with pytest.warns(UserWarning):
            flambeau.set_default_tensor_type("torch.DoubleTensor")
        assert flambeau.get_default_dtype() == flambeau.float64
        assert flambeau.tensor([1.5]).dtype == flambeau.float64
    finally:
        flambeau.set_default_dtype(flambeau.float32)
    assert flambeau.get_default_dtype() == flambeau.float32


def test_cuda_without_gpu():
    assert flambeau.cuda.is_available() is False
    assert flambeau.cuda.device_count() == 0
    assert flambeau.cuda.is_bf16_supported() is False
    flambeau.cuda.manual_seed(0)
    flambeau.cuda.manual_seed_all(0)
    flambeau.cuda.empty_cache()
    assert flambeau.cuda.memory_allocated() == 0
    for fn in (lambda t: t.cuda.get_device_name(), lambda t: t.cuda.current_device(), lambda t: t.cuda.synchronize(),
               lambda t: t.cuda.get_device_name(0), lambda t: t.ones(2).cuda(), lambda t: t.ones(2, device="cuda")):
        check_raises(fn)


def test_backends_flags():
    assert flambeau.backends.mps.is_available() is torch.backends.mps.is_available()
    assert flambeau.backends.mps.is_built() is False
    cudnn = flambeau.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == \
        (torch.backends.cudnn.enabled, torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic)
    try:
        cudnn.benchmark = True
        cudnn.deterministic = True
        assert flambeau.backends.cudnn.benchmark and flambeau.backends.cudnn.deterministic
        with cudnn.flags(enabled=False):
            assert not cudnn.enabled
        assert cudnn.enabled
    finally:
        cudnn.benchmark = cudnn.deterministic = False
    flambeau.backends.cuda.matmul.allow_tf32 = True
    flambeau.backends.cuda.matmul.allow_tf32 = False
    assert flambeau.backends.cudnn.is_available() is False


def test_accelerator_on_cpu():
    assert flambeau.accelerator.is_available() is False
    assert flambeau.accelerator.current_accelerator() is None
    assert flambeau.accelerator.device_count() == 0


def test_typical_script_preamble():
    """The device selection at the top of pytorch/examples scripts runs and picks the CPU."""
    t = flambeau
    t.manual_seed(1)
    t.backends.cudnn.benchmark = True
    use_cuda = t.cuda.is_available()
    use_mps = t.backends.mps.is_available()
    device = t.device("cuda" if use_cuda else "mps" if use_mps else "cpu")
    acc = t.accelerator.current_accelerator().type if t.accelerator.is_available() else "cpu"
    x = t.randn(2, 3, device=device)
    assert x.device == t.device("cpu") and acc == "cpu"
    t.backends.cudnn.benchmark = False
