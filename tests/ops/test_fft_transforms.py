"""torch.fft against PyTorch: every transform with n/s/dim/norm, dtypes and promotion, gradients
(the Hermitian halves of rfft/irfft included), gradcheck in float64/complex128, frequencies, shifts
and errors."""
import numpy as np
import pytest
import torch

from oracle import check, check_like_torch, check_raises, gradcheck, randn

def crandn(*shape, dtype=np.complex64):
    return (randn(*shape) + 1j * randn(*shape)).astype(dtype)


def real32(*shape):
    return randn(*shape).astype(np.float32)


# (name, fn(t, x, norm), input maker); the input is (3, 5) or (3, 6): odd and even lengths both occur
ONE_D = [
    ("fft", lambda t, x, norm: t.fft.fft(x, norm=norm), crandn),
    ("fft_real", lambda t, x, norm: t.fft.fft(x, norm=norm), real32),
    ("fft_n_pad", lambda t, x, norm: t.fft.fft(x, n=8, norm=norm), crandn),
    ("fft_n_trim_dim0", lambda t, x, norm: t.fft.fft(x, n=2, dim=0, norm=norm), crandn),
    ("ifft", lambda t, x, norm: t.fft.ifft(x, norm=norm), crandn),
    ("ifft_n", lambda t, x, norm: t.fft.ifft(x, n=7, dim=-1, norm=norm), real32),
    ("rfft", lambda t, x, norm: t.fft.rfft(x, norm=norm), real32),
    ("rfft_n_odd", lambda t, x, norm: t.fft.rfft(x, n=7, norm=norm), real32),
    ("rfft_dim0", lambda t, x, norm: t.fft.rfft(x, dim=0, norm=norm), real32),
    ("irfft", lambda t, x, norm: t.fft.irfft(x, norm=norm), crandn),
    ("irfft_n_odd", lambda t, x, norm: t.fft.irfft(x, n=7, norm=norm), crandn),
    ("irfft_n_trim", lambda t, x, norm: t.fft.irfft(x, n=4, norm=norm), crandn),
    ("irfft_real_input", lambda t, x, norm: t.fft.irfft(x, norm=norm), real32),
    ("hfft", lambda t, x, norm: t.fft.hfft(x, norm=norm), crandn),
    ("hfft_n_odd", lambda t, x, norm: t.fft.hfft(x, n=9, dim=1, norm=norm), crandn),
    ("ihfft", lambda t, x, norm: t.fft.ihfft(x, norm=norm), real32),
    ("ihfft_n", lambda t, x, norm: t.fft.ihfft(x, n=4, dim=0, norm=norm), real32),
    ("roundtrip_rfft", lambda t, x, norm: t.fft.irfft(t.fft.rfft(x, norm=norm), n=x.shape[-1], norm=norm), real32),
]

N_D = [
    ("fft2", lambda t, x, norm: t.fft.fft2(x, norm=norm), crandn),
    ("fft2_s", lambda t, x, norm: t.fft.fft2(x, s=(4, 3), norm=norm), real32),
    ("ifft2", lambda t, x, norm: t.fft.ifft2(x, norm=norm), crandn),
    ("rfft2", lambda t, x, norm: t.fft.rfft2(x, norm=norm), real32),
    ("irfft2", lambda t, x, norm: t.fft.irfft2(x, norm=norm), crandn),
    ("irfft2_s_odd", lambda t, x, norm: t.fft.irfft2(x, s=(4, 5), norm=norm), crandn),
    ("hfft2", lambda t, x, norm: t.fft.hfft2(x, norm=norm), crandn),
    ("ihfft2", lambda t, x, norm: t.fft.ihfft2(x, norm=norm), real32),
    ("fftn", lambda t, x, norm: t.fft.fftn(x, norm=norm), crandn),
    ("fftn_dim", lambda t, x, norm: t.fft.fftn(x, dim=(0,), norm=norm), crandn),
    ("fftn_s", lambda t, x, norm: t.fft.fftn(x, s=(-1, 7), norm=norm), crandn),
    ("fftn_dims_swapped", lambda t, x, norm: t.fft.fftn(x, s=(2, 4), dim=(1, 0), norm=norm), crandn),
    ("ifftn", lambda t, x, norm: t.fft.ifftn(x, norm=norm), real32),
    ("rfftn", lambda t, x, norm: t.fft.rfftn(x, norm=norm), real32),
    ("rfftn_dim0_last", lambda t, x, norm: t.fft.rfftn(x, dim=(1, 0), norm=norm), real32),
    ("irfftn", lambda t, x, norm: t.fft.irfftn(x, norm=norm), crandn),
    ("irfftn_s", lambda t, x, norm: t.fft.irfftn(x, s=(2, 7), norm=norm), crandn),
    ("hfftn", lambda t, x, norm: t.fft.hfftn(x, norm=norm), crandn),
    ("hfftn_s", lambda t, x, norm: t.fft.hfftn(x, s=(4, 5), norm=norm), crandn),
    ("ihfftn", lambda t, x, norm: t.fft.ihfftn(x, norm=norm), real32),
    ("ihfftn_dim", lambda t, x, norm: t.fft.ihfftn(x, dim=(0, 1), norm=norm), real32),
]
CASES = ONE_D + N_D


# (the edge-input sweep below adds "ortho" at an even length, the non-contiguous test "backward")
@pytest.mark.parametrize("length,norm", [(5, None), (6, "forward")])
@pytest.mark.parametrize("name,fn,make", CASES, ids=[c[0] for c in CASES])
def test_transform_values_and_gradients(name, fn, make, length, norm):
    check(lambda t, x: fn(t, x, norm), make(3, length), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("case", range(len(CASES)), ids=[c[0] for c in CASES])
def test_transform_gradcheck(case):
    _, fn, make = CASES[case]
    norm = ("backward", "ortho", "forward")[case % 3]  # each norm on a third of the cases
    # odd and even lengths alternate; gradgradcheck checks each derivative's own derivative
    gradcheck(lambda t, x: fn(t, x, norm), make(2, 4 + case % 2))


# edge inputs: (input transform, fn wrapper); empty inputs are left out (PyTorch's MKL refuses some, see
# docs/differences.md)
EDGES = {
    "zero_dim": (lambda a: np.asarray(a.reshape(-1)[0]), None),
    "float16": (lambda a: a.real.astype(np.float16), None),
    "bfloat16": (lambda a: a.real.astype(np.float32), lambda fn: lambda t, x, norm: fn(t, x.bfloat16(), norm)),
    "int64": (lambda a: (a.real * 3).astype(np.int64), None),
    "bool": (lambda a: a.real > 0, None),
    "float64": (lambda a: a.astype(np.complex128 if a.dtype.kind == "c" else np.float64), None),
}


@pytest.mark.parametrize("edge", list(EDGES))
@pytest.mark.parametrize("name,fn,make", CASES, ids=[c[0] for c in CASES])
def test_edge_inputs_like_torch(name, fn, make, edge):
    transform, wrap = EDGES[edge]
    fn = wrap(fn) if wrap else fn
    check_like_torch(lambda t, x: fn(t, x, "ortho"), transform(make(3, 4)), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name,fn,make", CASES, ids=[c[0] for c in CASES])
def test_noncontiguous_inputs(name, fn, make):
    check(lambda t, x: fn(t, x, None), make(4, 6), noncontig=True, atol=1e-5, rtol=1e-4)


def test_irfft_gradient_ignores_imaginary_parts_of_the_real_frequencies():
    """The imaginary parts of the zero and Nyquist bins do not reach an irfft's result: their
    gradient is zero, the other bins count twice (PyTorch's Hermitian half)."""
    x = crandn(4, 4)
    result = check(lambda t, z: t.fft.irfft(z, n=6), x)
    assert result.shape == (4, 6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128, np.int64, np.int32, np.bool_])
def test_dtypes_and_promotion(dtype):
    x = (randn(2, 6) * 3).astype(dtype)
    check(lambda t, a: (t.fft.fft(a), t.fft.ifft2(a), t.fft.fftn(a), t.fft.irfft(a), t.fft.hfft(a)), x, grad=False,
          atol=1e-4, rtol=1e-4)
    if np.dtype(dtype).kind != "c":
        check(lambda t, a: (t.fft.rfft(a), t.fft.ihfft(a), t.fft.rfftn(a)), x, grad=False, atol=1e-4, rtol=1e-4)


def test_noncontiguous_batched_inputs():
    check(lambda t, x: t.fft.fft(x.transpose(0, 2), dim=1), crandn(4, 3, 2), atol=1e-5)
    check(lambda t, x: t.fft.rfft2(x[:, ::2]), randn(2, 8, 5).astype(np.float32), atol=1e-5)


def test_zero_dim_and_no_dims():
    check(lambda t, x: t.fft.fftn(x), np.array(2.5), atol=1e-6)
    check(lambda t, x: t.fft.fftn(x, dim=()), crandn(2, 3), atol=1e-6)


def test_out_argument():
    out_t, out_f = torch.empty(0, dtype=torch.complex64), None
    import flambeau
    out_f = flambeau.empty(0, dtype=flambeau.complex64)
    x = real32(6)
    torch.fft.fft(torch.tensor(x), out=out_t)
    flambeau.fft.fft(flambeau.tensor(x), out=out_f)
    np.testing.assert_allclose(out_f.numpy(), out_t.numpy(), atol=1e-5)


@pytest.mark.parametrize("fn", [
    lambda t, x: t.fft.fft(x.half()), lambda t, x: t.fft.fft(x.bfloat16()),
    lambda t, x: t.fft.rfft(x.to(t.complex64)), lambda t, x: t.fft.ihfft(x.to(t.complex64)),
    lambda t, x: t.fft.fft(x, n=0), lambda t, x: t.fft.fft(x, norm="bad"), lambda t, x: t.fft.fft(x, dim=2),
    lambda t, x: t.fft.fftn(x, dim=(0, 0)), lambda t, x: t.fft.fftn(x, s=(2,), dim=(0, 1)),
    lambda t, x: t.fft.fftn(x, s=(2, 2, 2)), lambda t, x: t.fft.irfft(x[:, :1]), lambda t, x: t.fft.fft(x[:, :0]),
    lambda t, x: t.fft.fft(x[0, 0]), lambda t, x: t.fft.fft2(x[0]), lambda t, x: t.fft.rfftn(x, dim=()),
    lambda t, x: t.fft.irfftn(x, dim=()), lambda t, x: t.fft.rfft2(x, s=(0, 2)),
])
def test_errors(fn):
    check_raises(fn, real32(4, 6))


# ------------------------------------------------------------------------------------------- frequencies and shifts

@pytest.mark.parametrize("n", [1, 4, 5])
@pytest.mark.parametrize("d", [1.0, 0.1, 2])
def test_fftfreq_rfftfreq(n, d):
    check(lambda t: (t.fft.fftfreq(n, d), t.fft.rfftfreq(n, d), t.fft.fftfreq(n, d, dtype=t.float64),
                     t.fft.rfftfreq(n, d=d, dtype=t.float64)), grad=False)


def test_fftfreq_requires_grad():
    check(lambda t: t.fft.fftfreq(4, requires_grad=True).requires_grad, grad=False)


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1), (1,)])
@pytest.mark.parametrize("shape", [(4, 5), (3, 6)])
def test_fftshift_ifftshift(dim, shape):
    x = randn(*shape)
    check(lambda t, a: (t.fft.fftshift(a, dim), t.fft.ifftshift(a, dim), t.fft.ifftshift(t.fft.fftshift(a, dim), dim)),
          x)
    check(lambda t, a: t.fft.fftshift(a, dim=dim), np.arange(int(np.prod(shape))).reshape(shape), grad=False)


def test_fftshift_of_frequencies_is_sorted():
    check(lambda t: t.fft.fftshift(t.fft.fftfreq(7)), grad=False)
