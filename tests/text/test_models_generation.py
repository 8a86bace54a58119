"""generate() against transformers' generate: greedy and beam search give the same token ids; sampling is
reproducible under a seed and draws only what the warpers allow; every step after the prompt is one token."""
import numpy as np
import pytest
import torch

import flambeau
from flambeau.text import models
from text_models_oracle import hf_model, save_hf, single_threaded, to_flambeau  # noqa: F401 (an autouse fixture)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    hf = hf_model("GPT2LMHeadModel", seed=5)
    ours = models.GPT2LMHeadModel.from_pretrained(save_hf(hf, tmp_path_factory.mktemp("gpt2")))
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, 100, (2, 6), generator=g)
    mask = torch.ones(2, 6, dtype=torch.long)
    mask[1, :2] = 0  # left padding
    return hf, ours, ids, mask


def _both(pair, **kwargs):
    hf, ours, ids, mask = pair
    with torch.no_grad():
        expected = hf.generate(ids, attention_mask=mask, **kwargs)
    got = ours.generate(to_flambeau(ids), attention_mask=to_flambeau(mask), **kwargs)
    return expected.numpy(), got.numpy()


@pytest.fixture(scope="module")
def eos(pair):
    """A token greedy decoding produces mid-way, so that sequences end early with it as eos."""
    expected, got = _both(pair, max_new_tokens=10, eos_token_id=None, pad_token_id=0)
    np.testing.assert_array_equal(got, expected)  # plain greedy decoding agrees first
    return int(expected[0, 9])


def test_greedy_with_eos_pads_finished_rows(pair, eos):
    expected, got = _both(pair, max_new_tokens=10, eos_token_id=eos, pad_token_id=3)
    np.testing.assert_array_equal(got, expected)
    assert (expected == eos).any()


@pytest.mark.parametrize("kwargs", [
    dict(num_beams=3),
    dict(num_beams=4, num_return_sequences=3, pad_token_id=3),
    dict(num_beams=3, length_penalty=-1.0),
    dict(num_beams=3, length_penalty=2.0, early_stopping="never"),
    dict(num_beams=2, early_stopping=True),
])
def test_beam_search_matches_transformers(pair, eos, kwargs):
    expected, got = _both(pair, max_new_tokens=10, eos_token_id=eos, **{"pad_token_id": 0, **kwargs})
    np.testing.assert_array_equal(got, expected)


def test_beam_search_without_eos(pair):
    expected, got = _both(pair, max_new_tokens=6, num_beams=3, eos_token_id=None, pad_token_id=0)
    np.testing.assert_array_equal(got, expected)


def test_sampling_reproducible_and_within_top_k(pair):
    hf, ours, ids, mask = pair
    args = dict(attention_mask=to_flambeau(mask), max_new_tokens=8, do_sample=True, top_k=5, temperature=0.7,
                eos_token_id=None)
    flambeau.manual_seed(0)
    first = ours.generate(to_flambeau(ids), **args).numpy()
    flambeau.manual_seed(0)
    np.testing.assert_array_equal(ours.generate(to_flambeau(ids), **args).numpy(), first)
    draws = {tuple(ours.generate(to_flambeau(ids), **args).numpy().ravel()) for _ in range(3)}
    assert len(draws | {tuple(first.ravel())}) > 1  # it does sample
    # every drawn token is among the 5 most likely after its prefix, by transformers' logits
    with torch.no_grad():
        full_mask = torch.cat([mask, torch.ones(2, 8, dtype=torch.long)], 1)
        positions = (full_mask.cumsum(1) - 1).clamp(min=0)  # generate's positions skip the left padding
        logits = hf(input_ids=torch.tensor(first), attention_mask=full_mask, position_ids=positions).logits
    allowed = logits[:, 5:-1].topk(5, -1).indices.numpy()
    assert all(first[b, 6 + t] in allowed[b, t] for b in range(2) for t in range(8))


def test_several_samples_per_prompt(pair):
    _, ours, ids, mask = pair
    flambeau.manual_seed(1)
    out = ours.generate(to_flambeau(ids), attention_mask=to_flambeau(mask), max_new_tokens=8, do_sample=True,
                        num_return_sequences=3, eos_token_id=None).numpy()
    assert out.shape == (6, 14)
    np.testing.assert_array_equal(out[:, :6], ids.numpy().repeat(3, 0))  # each prompt, three times in a row
    assert len({tuple(row) for row in out[:3, 6:]}) > 1  # drawn independently


@pytest.mark.parametrize("warper", [dict(top_k=1), dict(top_k=0, top_p=1e-6)])
def test_sampling_with_a_single_candidate_is_greedy(pair, warper):
    _, ours, ids, mask = pair
    greedy = ours.generate(to_flambeau(ids), attention_mask=to_flambeau(mask), max_new_tokens=6, eos_token_id=None)
    sampled = ours.generate(to_flambeau(ids), attention_mask=to_flambeau(mask), max_new_tokens=6, eos_token_id=None,
                            do_sample=True, **warper)
    np.testing.assert_array_equal(sampled.numpy(), greedy.numpy())


def test_each_step_after_the_prompt_feeds_one_token(pair):
    _, ours, ids, mask = pair
    lengths = []
    hook = ours.transformer.register_forward_pre_hook(lambda module, args: lengths.append(args[0].shape[1]))
    try:
        ours.generate(to_flambeau(ids), max_new_tokens=5, eos_token_id=None)
        ours.generate(to_flambeau(ids), max_new_tokens=5, num_beams=2, eos_token_id=None)
    finally:
        hook.remove()
    assert lengths == [6, 1, 1, 1, 1] * 2


@pytest.mark.parametrize("kwargs, error", [
    (dict(max_new_tokens=0), "max_new_tokens"),
    (dict(max_length=3), "max_length 3"),
    (dict(do_sample=True, temperature=0.0), "temperature"),
    (dict(do_sample=True, top_p=1.5), "top_p"),
    (dict(num_beams=2, num_return_sequences=3), "num_return_sequences"),
])
def test_bad_arguments(pair, kwargs, error):
    _, ours, ids, _ = pair
    with pytest.raises(ValueError, match=error):
        ours.generate(to_flambeau(ids), **kwargs)


def test_padding_inferred_from_the_pad_token(pair):
    """Without an attention_mask, transformers masks the positions holding the pad token (when it is not
    also the eos token); with pad == eos nothing is masked."""
    hf, ours, ids, _ = pair
    padded = ids.clone()
    padded[1, :2] = 3
    for pad, eos in ((3, None), (3, 3)):
        with torch.no_grad():
            expected = hf.generate(padded, max_new_tokens=6, pad_token_id=pad, eos_token_id=eos).numpy()
        got = ours.generate(to_flambeau(padded), max_new_tokens=6, pad_token_id=pad, eos_token_id=eos).numpy()
        np.testing.assert_array_equal(got, expected)
    masked = ours.generate(to_flambeau(padded), max_new_tokens=6, pad_token_id=3, eos_token_id=None)
    unmasked = ours.generate(to_flambeau(padded), max_new_tokens=6, pad_token_id=3, eos_token_id=3)
    assert (masked.numpy()[1, 6:] != unmasked.numpy()[1, 6:]).any()  # the inference made a difference
