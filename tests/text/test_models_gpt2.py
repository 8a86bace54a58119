"""GPT-2 in flambeau.text.models against transformers: checkpoints, logits, loss, the key/value cache."""
import numpy as np
import pytest
import torch

import flambeau
from flambeau.text import models
from text_models_oracle import hf_model, save_hf, single_threaded, to_flambeau, to_numpy  # noqa: F401 (an autouse fixture)


def _left_padded(seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, 100, (2, 7), generator=g)
    mask = torch.ones(2, 7, dtype=torch.long)
    mask[1, :3] = 0
    return ids, mask


@pytest.mark.parametrize("fmt", ["safetensors", "bin"])
def test_lm_logits_loss_and_cache_match_transformers(tmp_path, fmt):
    hf = hf_model("GPT2LMHeadModel")
    ours = models.GPT2LMHeadModel.from_pretrained(save_hf(hf, tmp_path, fmt))
    ids, mask = _left_padded()
    types = (torch.arange(7) >= 4).long().expand(2, 7)
    with torch.no_grad():
        expected = hf(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=ids)
    got = ours(to_flambeau(ids), attention_mask=to_flambeau(mask), token_type_ids=to_flambeau(types),
               labels=to_flambeau(ids))
    np.testing.assert_allclose(to_numpy(got.logits), expected.logits.numpy(), atol=1e-4, rtol=0)
    np.testing.assert_allclose(to_numpy(got.loss), expected.loss.numpy(), atol=1e-4, rtol=0)
    assert got[0] is got.loss and got[1] is got.logits and got[2] is got.past_key_values
    for layer, (k, v) in enumerate(got.past_key_values):  # the cache holds transformers' keys and values
        np.testing.assert_allclose(to_numpy(k), expected.past_key_values.layers[layer].keys.numpy(), atol=1e-4)
        np.testing.assert_allclose(to_numpy(v), expected.past_key_values.layers[layer].values.numpy(), atol=1e-4)


def test_base_model_hidden_states(tmp_path):
    hf = hf_model("GPT2Model")
    ours = models.GPT2Model.from_pretrained(save_hf(hf, tmp_path))
    ids, mask = _left_padded(1)
    with torch.no_grad():
        expected = hf(input_ids=ids, attention_mask=mask).last_hidden_state
    got = ours(to_flambeau(ids), attention_mask=to_flambeau(mask), use_cache=False)
    assert got.past_key_values is None and len(got) == 1
    np.testing.assert_allclose(to_numpy(got.last_hidden_state), expected.numpy(), atol=1e-4, rtol=0)


def test_cached_steps_equal_the_full_forward(tmp_path):
    ours = models.GPT2LMHeadModel.from_pretrained(save_hf(hf_model("GPT2LMHeadModel", seed=3), tmp_path))
    ids = flambeau.tensor(np.random.default_rng(0).integers(0, 100, (2, 8)))
    full = ours(ids).logits
    out = ours(ids[:, :5])
    logits = [out.logits]
    for t in range(5, 8):
        out = ours(ids[:, t:t + 1], past_key_values=out.past_key_values)
        assert tuple(out.past_key_values[0][0].shape) == (2, 4, t + 1, 8)
        logits.append(out.logits)
    np.testing.assert_allclose(to_numpy(flambeau.cat(logits, 1)), to_numpy(full), atol=1e-5, rtol=0)


def test_conv1d_layout_and_tied_head(tmp_path):
    hf = hf_model("GPT2LMHeadModel")
    ours = models.GPT2LMHeadModel(models.GPT2Config(**hf.config.to_dict()))
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in hf.state_dict().items()}
    assert tuple(ours.transformer.h[0].attn.c_attn.weight.shape) == (32, 96)  # (in, out): Conv1D's layout
    assert ours.lm_head.weight is ours.transformer.wte.weight
    ours.save_pretrained(tmp_path)
    assert "lm_head.weight" not in flambeau.serialization.load_file(tmp_path / "model.safetensors")
    untied = models.GPT2LMHeadModel(models.GPT2Config(**{**hf.config.to_dict(), "tie_word_embeddings": False}))
    untied.save_pretrained(tmp_path / "untied")
    assert "lm_head.weight" in flambeau.serialization.load_file(tmp_path / "untied" / "model.safetensors")


def test_old_checkpoint_buffers_are_ignored(tmp_path, recwarn):
    hf = hf_model("GPT2LMHeadModel")
    state = {**hf.state_dict(), "transformer.h.0.attn.bias": torch.ones(1, 1, 64, 64).tril(),
             "transformer.h.0.attn.masked_bias": torch.tensor(-1e4)}
    folder = save_hf(hf, tmp_path)
    torch.save(state, tmp_path / "pytorch_model.bin")  # 4.x-era files held the causal-mask buffers
    (tmp_path / "model.safetensors").unlink()
    models.GPT2LMHeadModel.from_pretrained(folder)
    assert not [w for w in recwarn if "does not use" in str(w.message)]


def test_bad_inputs():
    model = models.GPT2Model(models.GPT2Config(vocab_size=10, n_embd=8, n_layer=1, n_head=2, n_positions=4))
    with pytest.raises(ValueError, match="exceed n_positions=4"):
        model(flambeau.zeros(1, 5, dtype=flambeau.long))
    with pytest.raises(ValueError, match="attention_mask must be"):
        model(flambeau.zeros(1, 3, dtype=flambeau.long), attention_mask=flambeau.ones(1, 2))
    with pytest.raises(ValueError, match=r"\(batch, positions\)"):
        model(flambeau.zeros(3, dtype=flambeau.long))


def test_gradients_match_transformers(tmp_path):
    hf = hf_model("GPT2LMHeadModel", seed=6)
    ours = models.GPT2LMHeadModel.from_pretrained(save_hf(hf, tmp_path))
    ids, mask = _left_padded(2)
    hf(input_ids=ids, attention_mask=mask, labels=ids).loss.backward()
    ours(to_flambeau(ids), attention_mask=to_flambeau(mask), labels=to_flambeau(ids)).loss.backward()
    theirs = dict(hf.named_parameters())
    mine = dict(ours.named_parameters())
    assert mine.keys() == theirs.keys()
    for name, p in mine.items():
        np.testing.assert_allclose(to_numpy(p.grad), theirs[name].grad.numpy(), atol=1e-5, rtol=1e-4, err_msg=name)
