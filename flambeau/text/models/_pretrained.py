"""PreTrainedModel: a Module with a configuration, loaded from and saved to a Hugging Face model folder.

A folder holds config.json and the weights, as model.safetensors or (older checkpoints) pytorch_model.bin,
under transformers' state_dict keys. Tied weights (a language-model head sharing the word embeddings) are
stored once, under the first name the state_dict gives them, as transformers stores them.
"""
from __future__ import annotations

import contextvars
import os
import re
import warnings
from typing import Any, ClassVar

from ... import nn
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...serialization import load as _load_checkpoint, save as _save_checkpoint
from ...serialization.safetensors import load_file, save_file
from ._config import PretrainedConfig

SAFE_WEIGHTS_NAME = "model.safetensors"
WEIGHTS_NAME = "pytorch_model.bin"
# old checkpoints name LayerNorm parameters as TensorFlow did
_LEGACY_SUFFIXES = ((".gamma", ".weight"), (".beta", ".bias"))
# set while from_pretrained builds a model whose weights the checkpoint is about to replace
_LOADING = contextvars.ContextVar("loading", default=False)


class PreTrainedModel(nn.Module):
    config_class: ClassVar[type[PretrainedConfig]]
    base_model_prefix: ClassVar[str] = ""
    # checkpoint keys that are known leftovers (non-persistent buffers older versions saved): regexes
    _keys_to_ignore_on_load_unexpected: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: PretrainedConfig):
        super().__init__()
        if not isinstance(config, self.config_class):
            raise TypeError(f"{type(self).__name__} needs a {self.config_class.__name__}, got {type(config).__name__}")
        self.config = config

    # ------------------------------------------------------------------ initialisation

    def init_weights(self) -> None:
        """transformers' initialisation: normal(0, initializer_range) weights, zero biases, unit LayerNorms."""
        if _LOADING.get():  # drawing ~100M numbers only to overwrite them takes seconds
            return
        std = self.config.initializer_range
        with no_grad():
            for module in self.modules():
                if isinstance(module, nn.Embedding):
                    module.weight.normal_(0.0, std)
                    if module.padding_idx is not None:
                        module.weight[module.padding_idx].zero_()
                elif isinstance(module, nn.LayerNorm):
                    module.weight.fill_(1.0)
                    module.bias.zero_()
                elif getattr(module, "weight", None) is not None and module.weight.dim() == 2:  # Linear, Conv1D
                    module.weight.normal_(0.0, std)
                    if getattr(module, "bias", None) is not None:
                        module.bias.zero_()
            self._init_extra()

    def _init_extra(self) -> None:
        """A model's own additions to init_weights (GPT-2's scaled residual projections)."""

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike, config: PretrainedConfig | None = None,
                        **config_overrides: Any) -> "PreTrainedModel":
        """The model saved in `folder` (config.json + model.safetensors or pytorch_model.bin), in eval mode.
        Keyword arguments replace configuration values (e.g. num_labels=3)."""
        folder = os.fspath(folder)
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"{folder!r} is not a model folder (no such directory)")
        if config is None:
            config = cls.config_class.from_pretrained(folder, **config_overrides)
        token = _LOADING.set(True)
        try:
            model = cls(config)
        finally:
            _LOADING.reset(token)
        state, source = read_weights(folder)
        model.load_pretrained_state_dict(state, source)
        return model.eval()

    def load_pretrained_state_dict(self, state: dict[str, Tensor], source: str = "<state_dict>") -> None:
        """Copy a transformers state_dict into the model: legacy names and a missing or extra base-model
        prefix are accepted; shapes must agree; missing and unused keys are reported as warnings, as
        transformers does (a new head on a pretrained body keeps its layers' default initialisation)."""
        state = self._normalise_keys(state)
        own = self.state_dict(keep_vars=True)
        tied: dict[int, list[str]] = {}  # a shared tensor appears under several names
        for name, tensor in own.items():
            tied.setdefault(id(tensor), []).append(name)
        missing, used = [], set()
        with no_grad():
            for names in tied.values():
                found = [n for n in names if n in state]
                if not found:
                    missing += names
                    continue
                target, value = own[names[0]], state[found[0]]
                if tuple(value.shape) != tuple(target.shape):
                    raise RuntimeError(f"{source}: {found[0]!r} has shape {tuple(value.shape)}, but "
                                       f"{type(self).__name__} expects {tuple(target.shape)}")
                target.copy_(value)
                used.update(found)
        unused = [k for k in state if k not in used
                  and not any(re.search(p, k) for p in self._keys_to_ignore_on_load_unexpected)]
        if missing:
            warnings.warn(f"{type(self).__name__}: weights not in {source} keep their initialisation: {missing}")
        if unused:
            warnings.warn(f"{type(self).__name__}: weights of {source} the model does not use: {unused}")

    def _normalise_keys(self, state: dict[str, Tensor]) -> dict[str, Tensor]:
        """Rename legacy keys, then add or remove the base-model prefix so the keys meet the model's."""
        renamed = {}
        for key, value in state.items():
            for old, new in _LEGACY_SUFFIXES:
                if key.endswith(old) and "LayerNorm" in key:
                    key = key[: -len(old)] + new
            renamed[key] = value
        prefix = self.base_model_prefix + "."
        own = self.state_dict().keys()
        expects_prefix = any(k.startswith(prefix) for k in own)
        has_prefix = any(k.startswith(prefix) for k in renamed)
        if expects_prefix and not has_prefix:  # a bare base model's checkpoint under a model with a head
            return {(prefix + k if prefix + k in own else k): v for k, v in renamed.items()}
        if has_prefix and not expects_prefix:  # a head model's checkpoint into the bare base model
            return {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in renamed.items()}
        return renamed

    # ------------------------------------------------------------------ saving

    def save_pretrained(self, folder: str | os.PathLike, safe_serialization: bool = True) -> None:
        """Write config.json and model.safetensors (or pytorch_model.bin), as transformers lays them out."""
        os.makedirs(folder, exist_ok=True)
        self.config.architectures = [type(self).__name__]
        self.config.save_pretrained(folder)
        state, seen = {}, set()
        for name, tensor in self.state_dict(keep_vars=True).items():
            if id(tensor) not in seen:  # a tied weight is stored once
                seen.add(id(tensor))
                state[name] = tensor.detach().contiguous()
        if safe_serialization:
            save_file(state, os.path.join(folder, SAFE_WEIGHTS_NAME), metadata={"format": "pt"})
        else:
            _save_checkpoint(state, os.path.join(folder, WEIGHTS_NAME), format="torch")


def read_weights(folder: str) -> tuple[dict[str, Tensor], str]:
    """The state_dict in a model folder and the name of the file it came from; errors name the file."""
    safe, pickled = os.path.join(folder, SAFE_WEIGHTS_NAME), os.path.join(folder, WEIGHTS_NAME)
    if os.path.isfile(safe):
        return load_file(safe), repr(safe)
    if os.path.isfile(pickled):
        # weights-only loading: a checkpoint that needs to run code is refused
        state = _load_checkpoint(pickled, map_location="cpu", weights_only=True)
        if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
            raise ValueError(f"{pickled!r} does not hold a state_dict (a dict of tensors)")
        return state, repr(pickled)
    raise FileNotFoundError(f"{folder!r} holds no weights: expected {SAFE_WEIGHTS_NAME} or {WEIGHTS_NAME}")
