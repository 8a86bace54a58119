"""Random numbers: Generator (NumPy's PCG64 underneath), the default generator and seeding, sampling
functions (rand, randn, randint, randperm, normal, bernoulli, multinomial) and in-place fills.

Values are drawn on the host and moved to the tensor's device. They follow PyTorch's distributions,
dtypes and shapes, but not its bit streams (PyTorch uses a Mersenne Twister / Philox).
"""
from __future__ import annotations

import functools
import operator
import secrets

import numpy as np

from .. import _dispatch
from .._device import to_device, xp_for
from .._dispatch import update_inplace
from .._dtype import FLOAT, bool_, float32, get_default_dtype, int64, promote_types, to_dtype
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .shape import size_args

_wrap = Tensor._wrap
_DEFAULT_SEED = 67280421310721  # PyTorch's seed for a fresh torch.Generator()
_MASK64 = (1 << 64) - 1


class Generator:
    """A random number generator with PyTorch's interface: manual_seed, seed, initial_seed, get/set_state."""

    def __init__(self, device="cpu"):
        self.device = to_device(device)
        if self.device.type != "cpu":
            xp_for(self.device)  # refuses CUDA when it is not available
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed)
        if not -(1 << 63) <= seed <= _MASK64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & _MASK64  # negative seeds wrap to unsigned, as in PyTorch
        self._np = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Seed from the OS's entropy and return the seed used."""
        seed = secrets.randbits(63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor (the seed plus PCG64's state)."""
        s = self._np.bit_generator.state
        words = (self._seed, s["state"]["state"], s["state"]["inc"], s["has_uint32"], s["uinteger"])
        raw = b"".join(int(w).to_bytes(16, "little") for w in words)
        return _wrap(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> "Generator":
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype.name != "uint8":
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = new_state.cpu().numpy().tobytes()
        if len(raw) != 80:
            raise RuntimeError(f"Expected a state of 80 bytes from Generator.get_state(), got {len(raw)}")
        seed, state, inc, has_uint32, uinteger = (int.from_bytes(raw[i:i + 16], "little") for i in range(0, 80, 16))
        self._seed = seed
        bit_generator = np.random.PCG64()
        bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                               "has_uint32": has_uint32, "uinteger": uinteger}
        self._np = np.random.Generator(bit_generator)
        return self

    def __reduce__(self):
        return (_rebuild_generator, (str(self.device), self.get_state()))


def _rebuild_generator(device: str, state: Tensor) -> Generator:
    return Generator(device).set_state(state)


default_generator = Generator()
default_generator.seed()  # like PyTorch, unseeded programs differ from run to run


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and CUDA's, which shares it here) and return it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


# ------------------------------------------------------------------------------------ drawing

def vmap_draws(fn):
    """A public random function, which inside vmap follows its randomness= (the level's random_call)."""
    @functools.wraps(fn)
    def draw(*args, **kwargs):
        if _dispatch.interpose is None:
            return fn(*args, **kwargs)
        return _dispatch.interpose.__self__.random_call(draw, args, kwargs)
    return draw


def _rng(generator: Generator | None, batched_by_rule: bool = False) -> np.random.Generator:
    if _dispatch.interpose is not None:  # inside a transform: vmap's randomness= decides whether it may draw
        _dispatch.interpose.__self__.random_draw(batched_by_rule)
    if _dispatch.observer is not None:  # the JIT's tracer refuses to freeze a draw into a trace
        _dispatch.observe_random()
    if generator is None:
        return default_generator._np
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator for 'generator', got {type(generator).__name__}")
    return generator._np


# significand bits of each float dtype: uniform values are k * 2**-bits, so they stay below 1
_BITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _uniform01(rng: np.random.Generator, shape: tuple, dt) -> np.ndarray:
    if dt.name in ("float32", "float64"):
        return rng.random(shape, dtype=dt.np)
    bits = _BITS[dt.name]
    return (rng.integers(0, 1 << bits, shape) * 2.0 ** -bits).astype(dt.np)


def _work(dt):
    """The dtype to draw and compute in: half types use float32 so arithmetic on the draws stays accurate."""
    return dt if dt.itemsize >= 4 else float32


def _standard_normal(rng: np.random.Generator, shape: tuple, dt) -> np.ndarray:
    """Standard normal draws in _work(dt); callers cast to dt after scaling."""
    return rng.standard_normal(shape, dtype=_work(dt).np)


def _float_dtype(dtype, op: str):
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    if dt.category != FLOAT:
        raise NotImplementedError(f"\"{op}\" not implemented for '{_title(dt)}'")
    return dt


def _title(dt) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}.get(dt.name, dt.name)


def _result(arr: np.ndarray, device, requires_grad: bool, out: Tensor | None = None) -> Tensor:
    if out is not None:
        return update_inplace(out, _wrap(arr))
    dev = to_device(device)
    if dev.type != "cpu":
        arr = xp_for(dev).asarray(arr)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


@vmap_draws
def rand(*size, generator: Generator | None = None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform samples in [0, 1) (for complex dtypes, in each part)."""
    requested = dtype if dtype is not None or out is None else out.dtype
    if requested is not None and to_dtype(requested).is_complex:
        dt = to_dtype(requested)
        parts = _uniform01(_rng(generator), _check_size(size) + (2,), dt.to_real())
        return _result(_complex_of_pairs(parts, dt), device, requires_grad, out)
    dt = _float_dtype(requested, "check_uniform_bounds")
    return _result(_uniform01(_rng(generator), _check_size(size), dt), device, requires_grad, out)


@vmap_draws
def randn(*size, generator: Generator | None = None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal samples; complex ones have independent real and imaginary parts of variance 1/2."""
    requested = dtype if dtype is not None or out is None else out.dtype
    if requested is not None and to_dtype(requested).is_complex:
        return _result(_complex_normal(_rng(generator), _check_size(size), to_dtype(requested)), device,
                       requires_grad, out)
    dt = _float_dtype(requested, "normal_kernel_cpu")
    z = _standard_normal(_rng(generator), _check_size(size), dt)
    return _result(z.astype(dt.np, copy=False), device, requires_grad, out)


def _complex_normal(rng: np.random.Generator, shape: tuple, dt) -> np.ndarray:
    return _complex_of_pairs(_standard_normal(rng, shape + (2,), dt.to_real()) * np.sqrt(0.5), dt)


def _complex_of_pairs(parts: np.ndarray, dt) -> np.ndarray:
    """Real samples of shape (..., 2) as the (real, imag) parts of complex numbers of dtype dt."""
    return np.ascontiguousarray(parts, dtype=dt.to_real().np).view(dt.np)[..., 0]


def _check_size(size: tuple) -> tuple:
    shape = size_args(size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    return shape


def _integers(rng: np.random.Generator, low: int, high: int, shape: tuple, dt) -> np.ndarray:
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return rng.integers(low, high, shape, dtype=np.int64).astype(dt.np)


@vmap_draws
def randint(*args, low=None, high=None, size=None, generator: Generator | None = None, out=None, dtype=None,
            layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """randint(high, size) or randint(low, high, size), positional or by keyword: integers in [low, high),
    int64 unless dtype says."""
    if size is None:
        *bounds, size = args
    else:
        bounds = list(args)
    bounds += [b for b in (low, high) if b is not None]
    if not 1 <= len(bounds) <= 2:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
    dt = to_dtype(dtype) if dtype is not None else int64
    arr = _integers(_rng(generator), int(low), int(high), _check_size((size,)), dt)
    return _result(arr, device, requires_grad, out)


@vmap_draws
def randperm(n: int, *, generator: Generator | None = None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of 0..n-1."""
    n = operator.index(n)  # a float is PyTorch's TypeError
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = to_dtype(dtype) if dtype is not None else int64
    return _result(_rng(generator).permutation(n).astype(dt.np), device, requires_grad, out)


def _like_args(input: Tensor, dtype, device):
    return (dtype if dtype is not None else input.dtype), (device if device is not None else input.device)


@vmap_draws
def rand_like(input: Tensor, *, generator: Generator | None = None, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    dtype, device = _like_args(input, dtype, device)
    return rand(input.shape, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad)


@vmap_draws
def randn_like(input: Tensor, *, generator: Generator | None = None, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    dtype, device = _like_args(input, dtype, device)
    return randn(input.shape, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad)


@vmap_draws
def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator: Generator | None = None,
                 dtype=None, layout=None, device=None, requires_grad: bool = False, memory_format=None) -> Tensor:
    if high is None:
        low, high = 0, low
    dtype, device = _like_args(input, dtype, device)
    return randint(low, high, input.shape, generator=generator, dtype=dtype, device=device,
                   requires_grad=requires_grad)


# ------------------------------------------------------------------------------------ distributions

def _host(x) -> np.ndarray:
    return x._data if isinstance(x._data, np.ndarray) else x._data.get()


def _check_std(std) -> None:
    low = std if not isinstance(std, Tensor) else (_host(std).min() if std.numel() else 0.0)
    if low < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {low:g}")


@vmap_draws
def normal(mean, std=1.0, size=None, *, generator: Generator | None = None, out=None, dtype=None, layout=None,
           device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Normal samples: tensor mean and/or std broadcast together, or float mean and std with a size."""
    _check_std(std)
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    rng = _rng(generator)
    if not tensors:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, float), "
                            "but expected a size when mean and std are both numbers")
        dt = _float_dtype(dtype, "normal_kernel_cpu")
        arr = _standard_normal(rng, _check_size((size,)), dt) * std + mean
        return _result(arr.astype(dt.np), device, requires_grad, out)
    dt = tensors[0].dtype if len(tensors) == 1 else promote_types(tensors[0].dtype, tensors[1].dtype)
    _float_dtype(dt, "normal_kernel_cpu")
    m = _host(mean) if isinstance(mean, Tensor) else mean
    s = _host(std) if isinstance(std, Tensor) else std
    shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    arr = (_standard_normal(rng, shape, dt) * s + m).astype(dt.np)
    return _result(arr, tensors[0].device, False, out)


@vmap_draws
def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None, out=None) -> Tensor:
    """0/1 samples with probability `input` (or the scalar `p`), in input's dtype."""
    if input.dtype.category != FLOAT and p is None:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_title(input.dtype)}'")
    probs = _host(input) if p is None else p
    if np.any((np.asarray(probs) < 0) | (np.asarray(probs) > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    draws = _rng(generator).random(input.shape) < probs
    return _result(draws.astype(input._data.dtype), input.device, False, out)


@vmap_draws
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator: Generator | None = None,
                out=None) -> Tensor:
    """Indices sampled from the rows of `input` (unnormalised probabilities), int64."""
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    probs = _host(input).astype(np.float64).reshape(-1, input.shape[-1])
    if not replacement and num_samples > probs.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.all(np.isfinite(probs)) or np.any(probs < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    sums = probs.sum(axis=1)
    if np.any(sums <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator)
    if replacement:
        cdf = np.cumsum(probs / sums[:, None], axis=1)
        u = rng.random((probs.shape[0], num_samples))
        rows = [np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)]
        idx = np.minimum(np.stack(rows), probs.shape[1] - 1)
    else:
        # NOTE: sampling without replacement = the order of arrival in an exponential race (Gumbel top-k);
        # zero-probability categories come last, in index order, as in PyTorch
        keys = rng.exponential(size=probs.shape) / probs
        idx = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64).reshape(input.shape[:-1] + (num_samples,))
    return _result(idx, input.device, False, out)


# ------------------------------------------------------------------------------------ in-place fills

def _fill(self: Tensor, arr: np.ndarray) -> Tensor:
    result = _wrap(arr if isinstance(self._data, np.ndarray) else xp_for(self.device).asarray(arr))
    if self.grad_fn is not None and STATE.enabled:
        # PyTorch gives the overwritten values a zero gradient: route self through where()
        from .elementwise import where
        result = where(self.new_ones((), dtype=bool_), result, self)
    return update_inplace(self, result)


def _float_self(self: Tensor, op: str):
    if self.dtype.category != FLOAT:
        raise NotImplementedError(f"\"{op}\" not implemented for '{_title(self.dtype)}'")
    return self.dtype


@vmap_draws
def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator: Generator | None = None, **kw):
    """Uniform in [from, to); complex tensors get each part so drawn."""
    pairs = self.dtype.is_complex
    dt = self.dtype.to_real() if pairs else _float_self(self, "check_uniform_bounds")
    low, high = float(kw.pop("from", from_)), float(to)  # bounds may be 0-d tensors, as PyTorch's Scalars
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low:g} > to={high:g}")
    u = _uniform01(_rng(generator), self.shape + ((2,) if pairs else ()), _work(dt))
    values = (u * (high - low) + low).astype(dt.np)
    return _fill(self, _complex_of_pairs(values, self.dtype) if pairs else values)


@vmap_draws
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Normal samples; complex tensors get mean + std / sqrt(2) * N(0, 1) in each part, like PyTorch."""
    pairs = self.dtype.is_complex
    dt = self.dtype.to_real() if pairs else _float_self(self, "normal_kernel_cpu")
    _check_std(std)
    z = _standard_normal(_rng(generator), self.shape + ((2,) if pairs else ()), dt)
    values = (z * (std * np.sqrt(0.5) if pairs else std) + mean).astype(dt.np)
    return _fill(self, _complex_of_pairs(values, self.dtype) if pairs else values)


@vmap_draws
def bernoulli_(self: Tensor, p=0.5, *, generator: Generator | None = None) -> Tensor:
    probs = _host(p) if isinstance(p, Tensor) else p
    if np.any((np.asarray(probs) < 0) | (np.asarray(probs) > 1)):
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={probs}")
    return _fill(self, (_rng(generator).random(self.shape) < probs).astype(self._data.dtype))


@vmap_draws
def random_(self: Tensor, *bounds, generator: Generator | None = None, **kw) -> Tensor:
    """random_(), random_(to) or random_(from, to): integers in [from, to); without `to`, up to the dtype's
    limit (2**significand for floats, so that every value is exact)."""
    if kw:
        low, to = kw.get("from", 0), kw.get("to")
    elif len(bounds) == 1:
        low, to = 0, bounds[0]
    else:
        low, to = (bounds + (0, None))[:2]
    dt = self.dtype
    if to is None:
        if dt.category == FLOAT:
            to = (1 << _BITS[dt.name]) + 1
        elif dt is bool_:
            to = 2
        else:
            to = int(np.iinfo(dt.np).max) + 1
    return _fill(self, _integers(_rng(generator), int(low), int(to), self.shape, dt))


@vmap_draws
def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    dt = _float_self(self, "exponential_cpu")
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    return _fill(self, _rng(generator).exponential(1.0 / lambd, self.shape).astype(dt.np))


@vmap_draws
def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    return _fill(self, _rng(generator).geometric(p, self.shape).astype(self._data.dtype))


@vmap_draws
def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Generator | None = None) -> Tensor:
    dt = _float_self(self, "log_normal_cpu")
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    return _fill(self, _rng(generator).lognormal(mean, std, self.shape).astype(dt.np))


@vmap_draws
def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    dt = _float_self(self, "cauchy_cpu")
    return _fill(self, (median + sigma * _rng(generator).standard_cauchy(self.shape)).astype(dt.np))


TENSOR_METHODS = {
    "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_, "random_": random_,
    "exponential_": exponential_, "geometric_": geometric_, "log_normal_": log_normal_, "cauchy_": cauchy_,
    "bernoulli": bernoulli, "multinomial": multinomial,
}

__all__ = ['Generator', 'bernoulli', 'default_generator', 'get_rng_state', 'initial_seed', 'manual_seed',
           'multinomial', 'normal', 'rand', 'rand_like', 'randint', 'randint_like', 'randn', 'randn_like', 'randperm',
           'seed', 'set_rng_state']
