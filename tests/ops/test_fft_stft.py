"""torch.stft / torch.istft against PyTorch: windows, hops, centring and pad modes, normalisation,
onesided and complex inputs, batches, round trips, gradients (through the window too), gradcheck
and errors."""
import warnings

import numpy as np
import pytest
import torch

from oracle import check, check_raises, gradcheck, randn


def signal(*shape):
    return randn(*shape).astype(np.float32)


STFT = [
    ("default", lambda t, x: t.stft(x, 8, return_complex=True)),
    ("hann", lambda t, x: t.stft(x, 8, hop_length=3, window=t.hann_window(8, dtype=x.dtype), return_complex=True)),
    ("short_window", lambda t, x: t.stft(x, 8, hop_length=2, win_length=5, window=t.hamming_window(5, dtype=x.dtype),
                                        return_complex=True)),
    ("win_length_only", lambda t, x: t.stft(x, 7, hop_length=2, win_length=4, return_complex=True)),
    ("constant_pad", lambda t, x: t.stft(x, 6, pad_mode="constant", return_complex=True)),
    ("replicate_pad", lambda t, x: t.stft(x, 6, hop_length=4, pad_mode="replicate", return_complex=True)),
    ("circular_pad", lambda t, x: t.stft(x, 6, pad_mode="circular", return_complex=True)),
    ("not_centred", lambda t, x: t.stft(x, 8, hop_length=3, center=False, return_complex=True)),
    ("aligned", lambda t, x: t.stft(x, 8, hop_length=2, win_length=5, window=t.hann_window(5, dtype=x.dtype),
                                   center=False, align_to_window=True, return_complex=True)),
    ("normalized", lambda t, x: t.stft(x, 8, normalized=True, return_complex=True)),
    ("twosided", lambda t, x: t.stft(x, 8, onesided=False, return_complex=True)),
    ("complex_input", lambda t, x: t.stft(x * (1 + 2j), 6, hop_length=2, return_complex=True)),
    ("method", lambda t, x: x.stft(5, hop_length=1, return_complex=True)),
]


@pytest.mark.parametrize("batch", [(), (2,)])
@pytest.mark.parametrize("name,fn", STFT, ids=[c[0] for c in STFT])
def test_stft(name, fn, batch):
    check(fn, signal(*batch, 20), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name,fn", STFT, ids=[c[0] for c in STFT])
def test_stft_gradcheck(name, fn):
    gradcheck(fn, randn(13), gradgrad=name == "hann")


def test_stft_gradient_reaches_the_window():
    check(lambda t, x, w: t.stft(x, 8, hop_length=2, window=w, return_complex=True), signal(2, 16),
          randn(8).astype(np.float32), atol=1e-5, rtol=1e-4)
    gradcheck(lambda t, x, w: t.stft(x, 6, hop_length=2, window=w, return_complex=True), randn(11), randn(6))


def test_stft_float64_and_dtype_promotion_with_window():
    check(lambda t, x: t.stft(x, 8, window=t.ones(8), return_complex=True), randn(20), atol=1e-6)
    check(lambda t, x: t.stft(x, 8, window=t.ones(8, dtype=t.float64), return_complex=True), signal(20), atol=1e-5)


def test_stft_return_complex_false_warns_and_gives_real_pairs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda t, x: t.stft(x, 8, return_complex=False), signal(20), atol=1e-5)
    import flambeau
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        flambeau.stft(flambeau.tensor(signal(20)), 8, return_complex=False)


ISTFT = [
    ("default", dict(n_fft=8)),
    ("hann_hop3", dict(n_fft=8, hop_length=3, window="hann")),
    ("short_window", dict(n_fft=8, hop_length=2, win_length=6, window="hann")),
    ("normalized", dict(n_fft=8, hop_length=2, normalized=True)),
    ("not_centred", dict(n_fft=8, hop_length=2, center=False, window="hann")),
    ("odd_n_fft", dict(n_fft=7, hop_length=2)),
]


def _window(t, kwargs, dtype):
    kwargs = dict(kwargs)
    if kwargs.get("window") == "hann":
        kwargs["window"] = t.hann_window(kwargs.get("win_length", kwargs["n_fft"]), dtype=dtype)
    return kwargs


@pytest.mark.parametrize("length", [None, 15, 30])
@pytest.mark.parametrize("name,kwargs", ISTFT, ids=[c[0] for c in ISTFT])
def test_istft(name, kwargs, length):
    if not kwargs.get("center", True) and kwargs.get("window") == "hann":
        kwargs = dict(kwargs, window=None)  # a Hann window's zero end samples leave uncovered points uncentred

    def fn(t, x):
        k = _window(t, kwargs, x.dtype)
        spectrum = t.stft(x, return_complex=True, **{n: v for n, v in k.items() if n != "length"})
        return t.istft(spectrum, length=length, **k)
    x = signal(2, 20)
    try:
        fn(torch, torch.tensor(x))
    except RuntimeError:  # a length reaching samples no window covers: both refuse (window overlap add min)
        check_raises(fn, x)
        return
    check(fn, x, atol=1e-5, rtol=1e-4)
    gradcheck(fn, randn(15), gradgrad=False)


def test_istft_roundtrip_recovers_the_signal():
    check(lambda t, x: t.istft(t.stft(x, 16, hop_length=4, window=t.hann_window(16, dtype=x.dtype),
                                      return_complex=True), 16, hop_length=4, window=t.hann_window(16, dtype=x.dtype),
                               length=x.shape[-1]) - x, randn(3, 50), atol=1e-9)


def test_istft_of_spectrum_directly():
    spectrum = (randn(5, 6) + 1j * randn(5, 6)).astype(np.complex64)
    check(lambda t, s: t.istft(s, 8, hop_length=2, window=t.hann_window(8)), spectrum, atol=1e-5, rtol=1e-4)
    check(lambda t, s: t.istft(s, 8, hop_length=2, onesided=True), spectrum, atol=1e-5, rtol=1e-4)
    twosided = (randn(8, 6) + 1j * randn(8, 6)).astype(np.complex64)
    check(lambda t, s: t.istft(s, 8, hop_length=2, return_complex=True), twosided, atol=1e-5, rtol=1e-4)
    check(lambda t, s: t.istft(s, 8, hop_length=2), twosided, atol=1e-5, rtol=1e-4)
    gradcheck(lambda t, s: t.istft(s, 8, hop_length=2, window=t.hann_window(8, dtype=t.float64)), spectrum,
              gradgrad=False)
    gradcheck(lambda t, s: t.istft(s, 8, hop_length=2, return_complex=True), twosided, gradgrad=False)


@pytest.mark.parametrize("fn", [
    lambda t, x: t.stft(x, 8),
    lambda t, x: t.stft(x, 8, center=True, align_to_window=False, return_complex=True),
    lambda t, x: t.stft(x.reshape(2, 2, 5), 4, return_complex=True),
    lambda t, x: t.stft(x, 0, return_complex=True),
    lambda t, x: t.stft(x[:5], 8, center=False, return_complex=True),
    lambda t, x: t.stft(x, 8, hop_length=0, return_complex=True),
    lambda t, x: t.stft(x, 8, win_length=9, return_complex=True),
    lambda t, x: t.stft(x, 8, window=t.ones(5), return_complex=True),
    lambda t, x: t.stft(x.to(t.complex64), 8, onesided=True, return_complex=True),
    lambda t, x: t.stft(x.long(), 8, return_complex=True),
    lambda t, x: t.istft(x.reshape(4, 5), 6),
    lambda t, x: t.istft(t.stft(x, 8, return_complex=True), 10),
    lambda t, x: t.istft(t.stft(x, 8, return_complex=True), 8, return_complex=True),
    lambda t, x: t.istft(t.stft(x, 8, return_complex=True), 8, window=t.zeros(8)),
    lambda t, x: t.istft(t.stft(x, 8, return_complex=True)[0], 8),
    lambda t, x: t.istft(x.reshape(1, 1, 4, 5) * 1j, 6),
])
def test_errors(fn):
    check_raises(fn, signal(20))


# ------------------------------------------------------------------------------------------- window functions

@pytest.mark.parametrize("length", [0, 1, 2, 7, 8])
@pytest.mark.parametrize("periodic", [True, False])
def test_window_functions(length, periodic):
    check(lambda t: (t.hann_window(length, periodic), t.hamming_window(length, periodic),
                     t.hamming_window(length, periodic, alpha=0.5, beta=0.3), t.blackman_window(length, periodic),
                     t.bartlett_window(length, periodic), t.kaiser_window(length, periodic),
                     t.kaiser_window(length, periodic, beta=5.0, dtype=t.float64),
                     t.hann_window(length, periodic, dtype=t.float64)), grad=False, atol=1e-6)


@pytest.mark.parametrize("fn", [lambda t: t.hann_window(4, dtype=t.int64), lambda t: t.hann_window(-1),
                                lambda t: t.kaiser_window(-2), lambda t: t.blackman_window(3, dtype=t.complex64)])
def test_window_function_errors(fn):
    check_raises(fn)
