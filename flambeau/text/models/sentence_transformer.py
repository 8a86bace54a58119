"""SentenceTransformer: sentence embeddings from a sentence-transformers folder.

The folder's modules.json lists the steps: a Transformer (a transformers model folder, with
sentence_bert_config.json's max_seq_length and do_lower_case), a Pooling step (1_Pooling/config.json:
CLS token, mean, max or mean/sqrt(length) over the tokens the attention mask keeps, concatenated when
several are on) and an optional Normalize step (unit L2 norm). Text is tokenised by the `tokenizers`
library from the folder's tokenizer.json.
"""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...nn import functional as F
from ...ops.creation import tensor as _tensor
from ...ops.joining import cat, stack
from ._config import BertConfig, GPT2Config, read_json
from .bert import BertModel
from .gpt2 import GPT2Model

_MODELS = {"bert": (BertConfig, BertModel), "gpt2": (GPT2Config, GPT2Model)}
_POOLING_MODES = ("cls_token", "max_tokens", "mean_tokens", "mean_sqrt_len_tokens")  # sentence-transformers' order
_STEP = "sentence_transformers.models."


class Pooling:
    """Token embeddings (batch, positions, dim) + attention mask -> one vector per sentence."""

    def __init__(self, config: dict):
        self.modes = [m for m in _POOLING_MODES if config.get(f"pooling_mode_{m}")]
        others = sorted(k for k, on in config.items() if k.startswith("pooling_mode_") and on
                        and k[len("pooling_mode_"):] not in _POOLING_MODES)
        if others or not self.modes:
            raise NotImplementedError(f"pooling modes {others or 'none'}: supported are {list(_POOLING_MODES)}")

    def __call__(self, tokens: Tensor, mask: Tensor) -> Tensor:
        keep = mask[:, :, None].to(tokens.dtype)
        counts = keep.sum(1).clamp(min=1e-9)
        parts = []
        for mode in self.modes:
            if mode == "cls_token":
                parts.append(tokens[:, 0])
            elif mode == "max_tokens":
                parts.append(tokens.masked_fill(keep == 0, -1e9).max(1).values)
            elif mode == "mean_tokens":
                parts.append((tokens * keep).sum(1) / counts)
            else:
                parts.append((tokens * keep).sum(1) / counts.sqrt())
        return cat(parts, 1)


class SentenceTransformer:
    """Embeds sentences as the sentence-transformers folder `folder` describes."""

    def __init__(self, folder: str | os.PathLike, device=None):
        folder = os.fspath(folder)
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"{folder!r} is not a sentence-transformers folder (no such directory)")
        self.pooling, self.normalize, self.model = None, False, None
        steps_file = os.path.join(folder, "modules.json")
        steps = read_json(steps_file)
        if not isinstance(steps, list) or not all(isinstance(step, dict) for step in steps):
            raise ValueError(f"{steps_file!r} must hold a list of module descriptions")
        for step in steps:
            kind, path = step.get("type", ""), os.path.join(folder, step.get("path", ""))
            if kind == _STEP + "Transformer":
                self._load_transformer(path)
            elif kind == _STEP + "Pooling":
                self.pooling = Pooling(read_json(os.path.join(path, "config.json")))
            elif kind == _STEP + "Normalize":
                self.normalize = True
            else:
                raise NotImplementedError(f"{steps_file}: module {kind!r} is not supported "
                                          "(Transformer, Pooling and Normalize are)")
        if self.model is None or self.pooling is None:
            raise ValueError(f"{folder!r}: modules.json needs a Transformer and a Pooling step")
        if device is not None:
            self.model.to(device)

    def _load_transformer(self, path: str) -> None:
        settings_file = os.path.join(path, "sentence_bert_config.json")
        settings = read_json(settings_file) if os.path.isfile(settings_file) else {}
        model_type = read_json(os.path.join(path, "config.json")).get("model_type")
        if model_type not in _MODELS:
            raise NotImplementedError(f"{path!r}: model_type {model_type!r} is not supported ({sorted(_MODELS)})")
        config_class, model_class = _MODELS[model_type]
        config = config_class.from_pretrained(path)
        self.max_seq_length = settings.get("max_seq_length") or config.max_position_embeddings
        self.do_lower_case = settings.get("do_lower_case", False)
        self.tokenizer = _tokenizer(os.path.join(path, "tokenizer.json"), self.max_seq_length, config.pad_token_id)
        self.model = model_class.from_pretrained(path, config=config)

    @property
    def device(self):
        return next(self.model.parameters()).device

    def tokenize(self, texts: Sequence[str]) -> dict[str, Tensor]:
        """input_ids, attention_mask (and token_type_ids for BERT), padded to the longest text."""
        encodings = self.tokenizer.encode_batch([t.lower() if self.do_lower_case else t for t in texts])
        batch = {"input_ids": [e.ids for e in encodings], "attention_mask": [e.attention_mask for e in encodings]}
        if isinstance(self.model, BertModel):
            batch["token_type_ids"] = [e.type_ids for e in encodings]
        return {k: _tensor(v, device=self.device) for k, v in batch.items()}

    def encode(self, sentences: str | Sequence[str], batch_size: int = 32, normalize_embeddings: bool = False,
               convert_to_numpy: bool = True, convert_to_tensor: bool = False):
        """Embeddings (sentences, dim): a NumPy array by default, one Tensor with convert_to_tensor, or a list
        of Tensors with convert_to_numpy=False. A single string gives a single vector."""
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("encode takes a string or a sequence of strings")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # batches of similar lengths pad less
        vectors: list = [None] * len(texts)
        self.model.eval()
        with no_grad():
            for start in range(0, len(texts), batch_size):
                chosen = order[start:start + batch_size]
                embeddings = self._embed([texts[i] for i in chosen], normalize_embeddings)
                for i, row in zip(chosen, embeddings):
                    vectors[i] = row
        if convert_to_tensor:
            out = stack(vectors) if vectors else _tensor([])
        elif convert_to_numpy:
            out = np.stack([v.cpu().numpy() for v in vectors]) if vectors else np.zeros((0,), np.float32)
        else:
            out = vectors
        return out[0] if single else out

    def _embed(self, texts: list[str], normalize: bool) -> Tensor:
        batch = self.tokenize(texts)
        tokens = self.model(**batch).last_hidden_state
        pooled = self.pooling(tokens, batch["attention_mask"])
        return F.normalize(pooled, p=2, dim=1) if self.normalize or normalize else pooled

    def similarity(self, a, b) -> Tensor:
        return cos_sim(a, b)


def cos_sim(a, b) -> Tensor:
    """Cosine similarity of every row of `a` with every row of `b` (Tensors, arrays or lists; a 1-D input is
    one row): a (len(a), len(b)) Tensor."""
    a, b = (x if isinstance(x, Tensor) else _tensor(np.asarray(x, np.float32)) for x in (a, b))
    a, b = (x[None] if x.dim() == 1 else x for x in (a, b))
    return F.normalize(a, p=2, dim=1) @ F.normalize(b, p=2, dim=1).T


def _tokenizer(path: str, max_length: int, pad_id: int | None):
    """The folder's tokenizers.Tokenizer, truncating to max_length and padding to the batch's longest text."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise ImportError("SentenceTransformer needs the `tokenizers` package: pip install 'flambeau[text]'") from None
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path!r} does not exist")
    try:
        tokenizer = Tokenizer.from_file(path)
    except Exception as e:  # the library raises a bare Exception for a malformed file
        raise ValueError(f"{path!r} is not a valid tokenizer file: {e}") from None
    padding = tokenizer.padding or {}
    pad_id = padding.get("pad_id", pad_id or 0)
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(pad_id=pad_id, pad_token=padding.get("pad_token") or tokenizer.id_to_token(pad_id))
    return tokenizer
