"""GenerationMixin.generate: decoding with a key/value cache, as transformers' generate does it.

The prompt runs through the model once (the prefill); each later step feeds only the tokens chosen at
the previous step, with the cache of keys and values of all earlier positions. Positions follow the
attention mask (a left-padded prompt's first real token is position 0), and a sequence that has produced
an end-of-sequence token is continued with the pad token until every sequence is done.
"""
from __future__ import annotations

from ..._dtype import bool_
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops.creation import ones
from ...ops.joining import cat
from ...ops.math_extra import isin
from ._sampling import check_sampling, warp

_FROM_CONFIG = object()  # generate's default for eos/pad: the model configuration's token


class GenerationMixin:
    """Adds generate() to a causal language model whose forward takes (input_ids, past_key_values,
    attention_mask, position_ids, use_cache, logits_to_keep) and returns logits and past_key_values."""

    def generate(self, input_ids: Tensor, max_new_tokens: int | None = None, do_sample: bool = False,
                 temperature: float = 1.0, top_k: int | None = 50, top_p: float | None = 1.0, num_beams: int = 1,
                 eos_token_id=_FROM_CONFIG, pad_token_id=_FROM_CONFIG, attention_mask: Tensor | None = None,
                 max_length: int | None = None, length_penalty: float = 1.0, early_stopping: bool | str = False,
                 num_return_sequences: int = 1, generator=None) -> Tensor:
        """Continue each prompt of `input_ids` (batch, positions); returns prompt + new tokens
        (batch * num_return_sequences, positions). Without max_new_tokens or max_length, max_length is 20.
        num_return_sequences: the best beams of beam search, or independent samples of each prompt.

        do_sample draws each token from the softmax of the logits after temperature, top_k (0 or None: off)
        and top_p; otherwise decoding is greedy, or beam search when num_beams > 1 (with transformers'
        length_penalty and early_stopping: False, True or "never"). eos_token_id (an id or a list) and
        pad_token_id default to the configuration's; a missing pad token is the first eos token.
        attention_mask (batch, positions) marks left padding with 0; without it, tokens equal to a pad
        token that is not also an eos token are taken as padding. generator: the flambeau.Generator sampling
        draws from."""
        if input_ids.dim() != 2:
            raise ValueError(f"input_ids must be (batch, positions), got shape {tuple(input_ids.shape)}")
        prompt = input_ids.shape[1]
        if max_new_tokens is not None:
            if max_new_tokens < 1:
                raise ValueError(f"max_new_tokens must be at least 1, got {max_new_tokens}")
            max_length = prompt + max_new_tokens
        elif max_length is None:
            max_length = 20
        if max_length <= prompt:
            raise ValueError(f"max_length {max_length} leaves no room after the {prompt}-token prompt")
        if num_beams < 1 or num_return_sequences < 1 or (num_return_sequences > num_beams and not do_sample):
            raise ValueError(f"need 1 <= num_return_sequences ({num_return_sequences}) <= num_beams ({num_beams}) "
                             "unless sampling")
        if do_sample:
            if num_beams > 1:
                raise NotImplementedError("sampling with num_beams > 1 (beam sampling) is not supported")
            check_sampling(temperature, top_k, top_p)
        eos = _token_list(self.config.eos_token_id if eos_token_id is _FROM_CONFIG else eos_token_id)
        pad = self.config.pad_token_id if pad_token_id is _FROM_CONFIG else pad_token_id
        if pad is None and eos:
            pad = eos[0]
        if attention_mask is None:
            attention_mask = _default_mask(input_ids, pad, eos)
        elif tuple(attention_mask.shape) != tuple(input_ids.shape):
            raise ValueError(f"attention_mask has shape {tuple(attention_mask.shape)}, input_ids "
                             f"{tuple(input_ids.shape)}")
        positions = (attention_mask.long().cumsum(-1) - 1).masked_fill(attention_mask == 0, 0)
        with no_grad():
            if num_beams > 1:
                from ._beam_search import beam_search
                return beam_search(self, input_ids, attention_mask, positions, num_beams, max_length, eos, pad,
                                   length_penalty, early_stopping, num_return_sequences)
            # sampling several continuations of a prompt: each row drawn independently
            input_ids, attention_mask, positions = (t.repeat_interleave(num_return_sequences, 0)
                                                    for t in (input_ids, attention_mask, positions))
            return self._decode(input_ids, attention_mask, positions, max_length, eos, pad, do_sample,
                                (temperature, top_k, top_p), generator)

    def _step(self, input_ids: Tensor, past, attention_mask: Tensor, positions: Tensor):
        """One forward on the new tokens: (float32 logits of the last position, the updated cache)."""
        out = self(input_ids, past_key_values=past, attention_mask=attention_mask, position_ids=positions,
                   use_cache=True, logits_to_keep=1)
        return out.logits[:, -1].float(), out.past_key_values

    def _decode(self, input_ids: Tensor, mask: Tensor, positions: Tensor, max_length: int, eos: list[int],
                pad: int | None, do_sample: bool, warpers: tuple, generator) -> Tensor:
        """Greedy decoding or sampling."""
        sequences = input_ids
        unfinished = ones(input_ids.shape[0], dtype=bool_, device=input_ids.device)
        eos_ids = None if not eos else input_ids.new_tensor(eos)
        scores, past = self._step(input_ids, None, mask, positions)
        while True:
            if do_sample:
                probs = warp(scores, *warpers).softmax(-1)
                token = probs.multinomial(1, generator=generator).squeeze(1)
            else:
                token = scores.argmax(-1)
            if eos_ids is not None:
                token = token.where(unfinished, token.new_full((), pad))
                unfinished = unfinished & ~isin(token, eos_ids)
            sequences = cat([sequences, token[:, None]], 1)
            if sequences.shape[1] >= max_length or not bool(unfinished.any()):
                return sequences
            mask = cat([mask, mask.new_ones(mask.shape[0], 1)], 1)
            positions = positions[:, -1:] + 1
            scores, past = self._step(token[:, None], past, mask, positions)

    @staticmethod
    def _reorder_cache(past, beam_idx: Tensor):
        """The cache rows of the beams that go on, in their new order."""
        return tuple((k.index_select(0, beam_idx), v.index_select(0, beam_idx)) for k, v in past)


def _token_list(tokens) -> list[int]:
    if tokens is None:
        return []
    return [int(tokens)] if isinstance(tokens, int) else [int(t) for t in tokens]


def _default_mask(input_ids: Tensor, pad: int | None, eos: list[int]) -> Tensor:
    """transformers' inference: padding is where the pad token is, if it occurs and is not an eos token."""
    if pad is not None and pad not in eos and bool((input_ids == pad).any()):
        return (input_ids != pad).long()
    return ones(input_ids.shape, dtype=input_ids.dtype, device=input_ids.device)
