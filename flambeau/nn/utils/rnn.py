"""Sequence padding helpers, as torch.nn.utils.rnn."""
from __future__ import annotations

from collections.abc import Iterable

from ... import cat, full, stack
from ..._tensor import Tensor

__all__ = ["pad_sequence"]


def pad_sequence(sequences: Iterable[Tensor] | Tensor, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack variable-length sequences (L_i, *) into (max L, B, *) or (B, max L, *), padding with padding_value."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    max_len = max(s.size(0) for s in sequences)
    padded = []
    for s in sequences:
        n_pad = max_len - s.size(0)
        if n_pad:
            pad = full((n_pad,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = cat([s, pad] if padding_side == "right" else [pad, s])
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)
