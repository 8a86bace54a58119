"""Beam search with transformers' semantics (its vectorised implementation, step for step).

Each step scores every continuation of every running beam by its summed log-probability and keeps the
best 2 * num_beams (more with several eos tokens) candidates. Those that end (an eos token, or max_length)
and rank among the first num_beams enter the finished set with the score sum / generated_length **
length_penalty; the best num_beams that go on become the running beams. The search stops when no running
beam can still beat the worst finished one (transformers' heuristic, which early_stopping="never" and
True change), or at max_length. The bookkeeping is host-side NumPy on (batch, beams) arrays.
"""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...ops.joining import cat

_FAR = np.float32(-1e9)  # transformers' stand-in for "impossible" scores


def _veto(flags: np.ndarray) -> np.ndarray:
    return flags.astype(np.float32) * _FAR


def _pick(array: np.ndarray, index: np.ndarray) -> np.ndarray:
    """array[b, index[b, j], ...] for every batch row b."""
    return array[np.arange(array.shape[0])[:, None], index]


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores of each row, best first (ties: lower index first)."""
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def beam_search(model, input_ids: Tensor, mask: Tensor, positions: Tensor, num_beams: int, max_length: int,
                eos: list[int], pad: int | None, length_penalty: float, early_stopping: bool | str,
                num_return_sequences: int) -> Tensor:
    batch, prompt = input_ids.shape
    keep = max(2, 1 + len(eos)) * num_beams
    fill = (pad or eos[0]) if eos else -1  # what transformers writes after a sequence's end
    running = np.full((batch, num_beams, max_length), fill, np.int64)
    running[:, :, :prompt] = input_ids.cpu().numpy()[:, None]
    running_scores = np.zeros((batch, num_beams), np.float32)
    running_scores[:, 1:] = _FAR  # all beams start equal: expand the first one only
    finished, finished_scores = running.copy(), np.full((batch, num_beams), _FAR, np.float32)
    is_finished = np.zeros((batch, num_beams), bool)
    generated = np.zeros((batch, num_beams), np.int64)  # new tokens of each finished sequence
    improvable = np.ones(batch, bool)
    in_top = np.arange(keep) < num_beams

    mask, positions = mask.repeat_interleave(num_beams, 0), positions.repeat_interleave(num_beams, 0)
    logits, past = model._step(input_ids.repeat_interleave(num_beams, 0), None, mask, positions)
    cur = prompt
    while True:
        log_probs = logits.log_softmax(-1).cpu().numpy()
        vocab = log_probs.shape[-1]
        total = (log_probs.reshape(batch, num_beams, vocab) + running_scores[:, :, None]).reshape(batch, -1)
        top = _best(total, keep)
        top_scores, source, token = np.take_along_axis(total, top, 1), top // vocab, top % vocab
        candidates = _pick(running, source)
        candidates[:, :, cur] = token
        ends = np.isin(token, eos) | (cur + 1 >= max_length)

        # the best candidates that go on become the running beams
        alive = top_scores + _veto(ends)
        chosen = _best(alive, num_beams)
        running, running_scores, beam_source = _pick(candidates, chosen), _pick(alive, chosen), _pick(source, chosen)

        # candidates that ended among the first num_beams compete for the finished set
        ended = ends & in_top
        scores = top_scores / np.float32((cur + 1 - prompt) ** length_penalty)
        scores = scores + _veto(is_finished.all(1, keepdims=True) & (early_stopping is True))
        scores = scores + _veto(~improvable[:, None])
        scores = scores + _veto(~ended)
        merged = np.concatenate([finished_scores, scores], 1)
        best = _best(merged, num_beams)
        finished = _pick(np.concatenate([finished, candidates], 1), best)
        finished_scores = _pick(merged, best)
        is_finished = _pick(np.concatenate([is_finished, ended], 1), best)
        generated = _pick(np.concatenate([generated, np.full(ended.shape, cur + 1 - prompt)], 1), best)

        cur += 1
        hypothetical = max_length - prompt if early_stopping == "never" and length_penalty > 0 else cur - prompt
        best_running = running_scores[:, :1] / np.float32(hypothetical ** length_penalty)
        worst_finished = np.where(is_finished, finished_scores.min(1, keepdims=True), _FAR)
        improvable &= (best_running > worst_finished).any(1)
        if not improvable.any() or (is_finished.all() and early_stopping is True) or ends.all():
            break
        rows = np.arange(batch)[:, None] * num_beams + beam_source
        past = model._reorder_cache(past, input_ids.new_tensor(rows.reshape(-1)))
        mask = cat([mask, mask.new_ones(mask.shape[0], 1)], 1)
        positions = positions[:, -1:] + 1
        logits, past = model._step(input_ids.new_tensor(running[:, :, cur - 1].reshape(-1, 1)), past, mask,
                                   positions)

    length = prompt + int(generated[:, :num_return_sequences].max())
    return input_ids.new_tensor(finished[:, :num_return_sequences, :length].reshape(-1, length))
