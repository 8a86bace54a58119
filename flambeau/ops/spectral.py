"""torch.stft and torch.istft as composites of differentiable ops: pad, sliding windows (unfold), a
window multiply and the fft primitives; istft sums the frames back with unfold's adjoint
(overlap-add) and divides by the summed squared window.
"""
from __future__ import annotations

import warnings

from .._dispatch import apply
from .._dtype import BOOL, INT
from .._tensor import Tensor
from .fft import resize
from .pool import constant_pad
from .windows import UnfoldBackward


def _checked(name: str, ok: bool, message: str) -> None:
    if not ok:
        raise RuntimeError(f"{name}: {message}")


def _full_window(window: Tensor | None, like: Tensor, n_fft: int, win_length: int, name: str) -> Tensor:
    """The window of win_length samples (ones by default) centred in n_fft samples."""
    if window is None:
        window = like.new_ones(win_length, dtype=like.dtype.to_real())
    _checked(name, window.ndim == 1 and window.shape[0] == win_length,
             f"expected a 1D window tensor of size equal to win_length={win_length}, but got window with size "
             f"{list(window.shape)}")
    return _centred(window, n_fft) if win_length < n_fft else window


def _centred(x: Tensor, n: int) -> Tensor:
    """x zero-padded on both sides of its last dim to n samples (the extra one on the right)."""
    left = (n - x.shape[-1]) // 2
    return constant_pad(x, (left, n - x.shape[-1] - left), 0)


def _lengths(name: str, n_fft: int, hop_length: int | None, win_length: int | None) -> tuple:
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    _checked(name, hop_length > 0, f"expected hop_length > 0, but got hop_length={hop_length}")
    _checked(name, 0 < win_length <= n_fft, f"expected 0 < win_length <= n_fft, but got win_length={win_length}")
    return hop_length, win_length


def stft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Tensor | None = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: bool | None = None, return_complex: bool | None = None,
         align_to_window: bool | None = None) -> Tensor:
    """Short-time Fourier transform: (B?, L) -> (B?, n_fft // 2 + 1 or n_fft, frames), complex."""
    from ..fft import fft, rfft
    from ..nn.functional import pad
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    is_complex = input.is_complex() or (window is not None and window.is_complex())
    if return_complex is None:
        if not is_complex:
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    if input.dtype.category in (INT, BOOL):
        raise NotImplementedError("stft: expected a tensor of floating point or complex value")
    _checked("stft", input.ndim in (1, 2), "expected a 1D or 2D tensor")
    batched = input.ndim == 2
    x = input if batched else input.unsqueeze(0)
    if center:
        x = pad(x.unsqueeze(1), [n_fft // 2, n_fft // 2], pad_mode).squeeze(1)
    length = x.shape[-1]
    _checked("stft", 0 < n_fft <= length, f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    hop_length, win_length = _lengths("stft", n_fft, hop_length, win_length)
    if onesided is None:
        onesided = not is_complex
    elif onesided and is_complex:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if align_to_window and win_length < n_fft:  # windows of win_length samples from each hop, centred in n_fft
        short = _full_window(window, input, win_length, win_length, "stft")
        frames = _centred(x.unfold(-1, win_length, hop_length) * short, n_fft)
    else:
        frames = x.unfold(-1, n_fft, hop_length) * _full_window(window, input, n_fft, win_length, "stft")
    norm = "ortho" if normalized else "backward"
    spectrum = (rfft(frames, norm=norm) if onesided else fft(frames, norm=norm)).transpose(-1, -2)
    spectrum = spectrum if batched else spectrum.squeeze(0)
    if return_complex:
        return spectrum
    warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                  "complex tensors for all inputs, and return_complex=False will raise an error.\nNote: you can "
                  "still call torch.view_as_real on the complex output to recover the old return format.",
                  UserWarning, stacklevel=2)
    from .complex import view_as_real
    return view_as_real(spectrum)


def _overlap_add(frames: Tensor, length: int, hop_length: int) -> Tensor:
    """frames (B, T, n) summed into (B, length) signals, frame t starting at t * hop_length."""
    return apply(UnfoldBackward, (frames,), (frames.shape[0], length), 1, frames.shape[-1], hop_length)


def istft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Tensor | None = None, center: bool = True, normalized: bool = False, onesided: bool | None = None,
          length: int | None = None, return_complex: bool = False) -> Tensor:
    """Inverse short-time Fourier transform: least-squares overlap-add of the inverse FFTs of the frames."""
    from ..fft import ifft, irfft
    if not input.is_complex():
        raise TypeError("istft requires a complex-valued input tensor matching the output from stft with "
                        "return_complex=True.")
    if input.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
                         f"{max(input.ndim, 1) - 1}], but got -3)")
    _checked("istft", input.ndim <= 3, f"expected a tensor with 3 or 4 dimensions, but got {input.ndim + 1}")
    hop_length, win_length = _lengths("istft", n_fft, hop_length, win_length)
    batched = input.ndim == 3
    spectrum = (input if batched else input.unsqueeze(0)).transpose(-1, -2)  # (B, T, frequencies)
    n_frames, fft_size = spectrum.shape[-2], spectrum.shape[-1]
    onesided = fft_size != n_fft if onesided is None else onesided
    expected = n_fft // 2 + 1 if onesided else n_fft
    _checked("istft", fft_size == expected, f"expected the frequency dimension (3rd to the last) of the input "
             f"tensor to match n_fft / 2 + 1 when onesided=True, but got {fft_size}" if onesided else
             f"expected the frequency dimension (3rd to the last) of the input tensor to match n_fft when "
             f"onesided=False, but got {fft_size}")
    full_window = _full_window(window, spectrum, n_fft, win_length, "istft")
    norm = "ortho" if normalized else "backward"
    if return_complex:
        _checked("istft", not onesided, "cannot have onesided output if window or input is complex")
        frames = ifft(spectrum, n_fft, norm=norm)
    else:
        _checked("istft", not full_window.is_complex(), "Complex windows are incompatible with return_complex=False")
        frames = irfft(spectrum[..., :n_fft // 2 + 1], n_fft, norm=norm)
    full_length = n_fft + hop_length * (n_frames - 1)
    signal = _overlap_add(frames * full_window, full_length, hop_length)
    envelope = _overlap_add((full_window * full_window).expand(1, n_frames, n_fft), full_length, hop_length)
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (full_length - n_fft // 2 if center else full_length)
    stop = min(end, full_length)
    signal, envelope = signal[:, start:stop], envelope[:, start:stop]
    if bool((envelope.abs() < 1e-11).any()):
        raise RuntimeError(f"istft(...) window overlap add min: {envelope.abs().min().item():g}")
    signal = signal / envelope
    if end > full_length:  # a requested length beyond the frames is padded with zeros
        signal = resize(signal, -1, end - start)
    return signal if batched else signal.squeeze(0)


__all__ = ["stft", "istft"]
TENSOR_METHODS = {"stft": stft, "istft": istft}
