"""Shared by the flambeau.text.models tests: tiny random transformers models saved to a folder (safetensors,
or pytorch_model.bin as older transformers wrote it), and the conversions between the two libraries."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch
import transformers

import flambeau

transformers.logging.set_verbosity_error()

BERT = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
            max_position_embeddings=64)
GPT2 = dict(vocab_size=100, n_embd=32, n_layer=2, n_head=4, n_positions=64)


@pytest.fixture(scope="module", autouse=True)
def single_threaded():
    """Small matrices on a shared machine: thread pools only add waits (tens of ms per op under load), in
    both libraries. Test modules import this fixture to turn it on; the thread counts are restored after."""
    before = torch.get_num_threads(), flambeau.get_num_threads()
    torch.set_num_threads(1)
    flambeau.set_num_threads(1)
    yield
    torch.set_num_threads(before[0])
    flambeau.set_num_threads(before[1])


def save_hf(model, folder, fmt: str = "safetensors") -> str:
    """Write a transformers model as a checkpoint folder. transformers 5 writes only safetensors, so the
    pytorch_model.bin form is torch.save of its state_dict next to config.json, the layout 4.x wrote."""
    model.save_pretrained(folder)
    if fmt == "bin":
        path = os.path.join(folder, "model.safetensors")
        torch.save(model.state_dict(), os.path.join(folder, "pytorch_model.bin"))
        os.remove(path)
    return str(folder)


def hf_model(cls_name: str, seed: int = 0, **config):
    """A random transformers model in eval mode, with eager attention (whose finite mask value flambeau uses,
    so even fully masked rows agree)."""
    torch.manual_seed(seed)
    cls = getattr(transformers, cls_name)
    base = BERT if cls_name.startswith("Bert") else GPT2
    config_cls = transformers.BertConfig if cls_name.startswith("Bert") else transformers.GPT2Config
    return cls(config_cls(**{**base, **config}, attn_implementation="eager")).eval()


def to_flambeau(t: torch.Tensor) -> flambeau.Tensor:
    return flambeau.tensor(t.numpy())


def to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def batch(seed: int = 0, size: int = 3, length: int = 9, vocab: int = 100) -> dict[str, torch.Tensor]:
    """Token ids with a padded tail on rows 1 and 2 and a second segment from position 4."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, vocab, (size, length), generator=g)
    mask = torch.ones(size, length, dtype=torch.long)
    mask[1, 6:] = 0
    mask[2, 3:] = 0
    types = torch.zeros(size, length, dtype=torch.long)
    types[:, 4:] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
