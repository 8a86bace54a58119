"""BERT in flambeau.text.models against transformers: checkpoints written by transformers, outputs compared."""
import numpy as np
import pytest
import torch
import transformers

import flambeau
from flambeau.text import models
from text_models_oracle import (batch, hf_model, save_hf, single_threaded,  # noqa: F401 (an autouse fixture)
                                 to_flambeau, to_numpy)

HEADS = ["BertModel", "BertForMaskedLM", "BertForSequenceClassification"]


def _labels(name, inputs):
    if name == "BertForMaskedLM":
        labels = inputs["input_ids"].clone()
        labels[:, ::2] = -100  # unscored positions
        return labels
    return torch.tensor([0, 1, 1]) if name == "BertForSequenceClassification" else None


def _compare(hf, ours, inputs, labels=None):
    extra = {} if labels is None else {"labels": labels}
    with torch.no_grad():
        expected = hf(**inputs, **extra)
    got = ours(**{k: to_flambeau(v) for k, v in inputs.items()},
               **({} if labels is None else {"labels": to_flambeau(labels)}))
    assert got.keys() == [k for k in expected.keys() if k in got.keys()] and len(got) == len(expected.to_tuple())
    for a, b in zip(expected.to_tuple(), got.to_tuple()):
        np.testing.assert_allclose(to_numpy(b), a.numpy(), atol=1e-4, rtol=0)
    return got


@pytest.mark.parametrize("fmt", ["safetensors", "bin"])
@pytest.mark.parametrize("name", HEADS)
def test_outputs_match_transformers(tmp_path, name, fmt):
    hf = hf_model(name)
    ours = getattr(models, name).from_pretrained(save_hf(hf, tmp_path, fmt))
    assert not ours.training
    inputs = batch()
    got = _compare(hf, ours, inputs, _labels(name, inputs))
    # field access, tuple indexing and key access name the same tensors
    first = got.loss if _labels(name, inputs) is not None else getattr(got, got.keys()[0])
    assert got[0] is first and got[got.keys()[0]] is first


def test_base_model_output_fields(tmp_path):
    hf = hf_model("BertModel")
    ours = models.BertModel.from_pretrained(save_hf(hf, tmp_path))
    out = ours(flambeau.tensor([[5, 6, 7]]))
    assert tuple(out.last_hidden_state.shape) == (1, 3, 32) and tuple(out.pooler_output.shape) == (1, 32)
    last, pooled = out  # unpacks like a tuple
    assert last is out[0] and pooled is out[1]


def test_state_dict_keys_and_tied_decoder():
    hf = hf_model("BertForMaskedLM")
    ours = models.BertForMaskedLM(models.BertConfig(**hf.config.to_dict()))
    assert list(ours.state_dict()) == [k for k in hf.state_dict()]
    assert ours.cls.predictions.decoder.weight is ours.bert.embeddings.word_embeddings.weight
    assert ours.cls.predictions.decoder.bias is ours.cls.predictions.bias
    untied = models.BertForMaskedLM(models.BertConfig(**{**hf.config.to_dict(), "tie_word_embeddings": False}))
    assert untied.cls.predictions.decoder.weight is not untied.bert.embeddings.word_embeddings.weight


@pytest.mark.parametrize("safe", [True, False])
def test_save_pretrained_loads_in_transformers(tmp_path, safe):
    hf = hf_model("BertForMaskedLM", seed=1)
    ours = models.BertForMaskedLM.from_pretrained(save_hf(hf, tmp_path / "in"))
    ours.save_pretrained(tmp_path / "out", safe_serialization=safe)
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["config.json", "model.safetensors" if safe else "pytorch_model.bin"]
    again = transformers.BertForMaskedLM.from_pretrained(tmp_path / "out", attn_implementation="eager").eval()
    _compare(again, ours, batch(seed=2))
    if safe:  # the tied weight is stored once, under the embeddings' name, as transformers stores it
        keys = set(flambeau.serialization.load_file(tmp_path / "out" / "model.safetensors"))
        assert "cls.predictions.decoder.weight" not in keys and "bert.embeddings.word_embeddings.weight" in keys


def test_head_on_a_base_checkpoint_warns_and_keeps_the_body(tmp_path):
    hf = hf_model("BertModel")
    with pytest.warns(UserWarning, match="classifier.weight"):
        ours = models.BertForSequenceClassification.from_pretrained(save_hf(hf, tmp_path), num_labels=3)
    assert ours.config.num_labels == 3 and tuple(ours.classifier.weight.shape) == (3, 32)
    inputs = batch()
    with torch.no_grad():
        expected = hf(**inputs).pooler_output
    got = ours.bert(**{k: to_flambeau(v) for k, v in inputs.items()}).pooler_output
    np.testing.assert_allclose(to_numpy(got), expected.numpy(), atol=1e-4, rtol=0)


def test_base_model_from_a_head_checkpoint(tmp_path):
    hf = hf_model("BertForSequenceClassification")
    with pytest.warns(UserWarning, match="classifier"):  # the head's weights are reported unused
        ours = models.BertModel.from_pretrained(save_hf(hf, tmp_path))
    _compare(hf.bert, ours, batch())


@pytest.mark.parametrize("problem, labels", [
    ("regression", torch.tensor([[0.5], [-1.0], [2.0]])),
    ("multi_label_classification", torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]])),
])
def test_classification_losses(tmp_path, problem, labels):
    num_labels = labels.shape[1]
    hf = hf_model("BertForSequenceClassification", num_labels=num_labels)
    ours = models.BertForSequenceClassification.from_pretrained(save_hf(hf, tmp_path))
    assert ours.config.problem_type is None  # inferred from num_labels and the labels' dtype, both sides
    _compare(hf, ours, batch(), labels)


def test_config_defaults_and_json_names(tmp_path):
    ours, hf = models.BertConfig(), transformers.BertConfig()
    for key in models.BertConfig.defaults:
        assert getattr(ours, key) == getattr(hf, key), key
    ours_gpt2, hf_gpt2 = models.GPT2Config(n_embd=48), transformers.GPT2Config(n_embd=48)
    for key in [*models.GPT2Config.defaults, "hidden_size", "num_attention_heads", "num_hidden_layers"]:
        assert getattr(ours_gpt2, key) == getattr(hf_gpt2, key), key
    hf_gpt2.save_pretrained(tmp_path)
    assert models.GPT2Config.from_pretrained(tmp_path).n_embd == 48
    ours_gpt2.save_pretrained(tmp_path / "ours")
    assert transformers.GPT2Config.from_pretrained(tmp_path / "ours").hidden_size == 48
    with pytest.raises(ValueError, match="num_labels=3"):
        models.BertConfig(num_labels=3, id2label={0: "a", 1: "b"})
    models.BertConfig(id2label={0: "neg", 1: "pos"}).save_pretrained(tmp_path / "labels")
    assert models.BertConfig.from_pretrained(tmp_path / "labels").id2label == {0: "neg", 1: "pos"}
    relabelled = models.BertConfig.from_pretrained(tmp_path / "labels", num_labels=3)  # a new head replaces them
    assert relabelled.num_labels == 3 and relabelled.label2id == {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2}


def test_gradients_match_transformers(tmp_path):
    hf = hf_model("BertForMaskedLM", seed=4)
    ours = models.BertForMaskedLM.from_pretrained(save_hf(hf, tmp_path))
    inputs = batch(seed=5)
    labels = _labels("BertForMaskedLM", inputs)
    hf(**inputs, labels=labels).loss.backward()
    ours(**{k: to_flambeau(v) for k, v in inputs.items()}, labels=to_flambeau(labels)).loss.backward()
    theirs = dict(hf.named_parameters())
    mine = dict(ours.named_parameters())
    assert mine.keys() == theirs.keys()  # a tied weight is one parameter, under its first name, in both
    for name, p in mine.items():
        np.testing.assert_allclose(to_numpy(p.grad), theirs[name].grad.numpy(), atol=1e-5, rtol=1e-4, err_msg=name)
