"""Text models: BERT-base encoder inference and GPT-2-small greedy generation with the key/value cache,
as transformers on PyTorch and as flambeau.text.models, with the same (random) weights."""
from __future__ import annotations

import importlib

import numpy as np

from . import Workload
from ._common import same_weights

BATCH, SEQ = 8, 128
PROMPT, NEW_TOKENS = 32, 32


def _models(torch):
    """transformers for PyTorch, flambeau.text.models for flambeau: the same class names."""
    return importlib.import_module("flambeau.text.models" if torch.__name__ == "flambeau" else "transformers")


def _token_ids(torch, shape, vocab: int):
    return torch.tensor(np.random.default_rng(1).integers(0, vocab, shape))


def bert_inference(torch, quick):
    lib = _models(torch)
    model = lib.BertModel(lib.BertConfig(num_hidden_layers=2 if quick else 12)).eval()  # BERT-base otherwise
    same_weights(model, torch)
    ids = _token_ids(torch, (BATCH, SEQ), model.config.vocab_size)
    mask = torch.ones(BATCH, SEQ, dtype=torch.long)

    def step():
        with torch.no_grad():
            model(input_ids=ids, attention_mask=mask)
    return step


def gpt2_generation(torch, quick):
    lib = _models(torch)
    model = lib.GPT2LMHeadModel(lib.GPT2Config(n_layer=2 if quick else 12)).eval()  # GPT-2 small otherwise
    same_weights(model, torch)
    prompt = _token_ids(torch, (1, PROMPT), model.config.vocab_size)

    def step():
        with torch.no_grad():
            model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=NEW_TOKENS,
                           do_sample=False, eos_token_id=None, pad_token_id=0)
    return step


WORKLOADS = [
    Workload("BERT-base encoder inference, batch 8 x 128 tokens", bert_inference, target=1.5),
    Workload("GPT-2 small greedy generation, KV cache (ms per token)", gpt2_generation, target=1.5, per=NEW_TOKENS),
]
