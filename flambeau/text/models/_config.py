"""Model configurations read from and written to Hugging Face's config.json, with its field names and defaults."""
from __future__ import annotations

import json
import os
import warnings
from typing import Any, ClassVar

CONFIG_NAME = "config.json"

# fields every transformers configuration has, with transformers' defaults
_COMMON: dict[str, Any] = {"architectures": None, "problem_type": None, "pad_token_id": None, "bos_token_id": None,
                           "eos_token_id": None, "tie_word_embeddings": True, "is_decoder": False,
                           "add_cross_attention": False}


class PretrainedConfig:
    """A bag of hyper-parameters. Subclasses list their fields and defaults in `defaults`; `attribute_map`
    gives the generic names (hidden_size, ...) of fields a model spells its own way (GPT-2's n_embd)."""

    model_type: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    attribute_map: ClassVar[dict[str, str]] = {}

    def __init__(self, **kwargs: Any):
        values = {**_COMMON, **self.defaults}
        for key, value in kwargs.items():
            values[self.attribute_map.get(key, key)] = value
        values.pop("model_type", None)
        num_labels = values.pop("num_labels", None)
        id2label = values.pop("id2label", None)
        values.pop("label2id", None)  # derived from id2label
        if id2label is None:
            id2label = {i: f"LABEL_{i}" for i in range(2 if num_labels is None else num_labels)}
        elif num_labels is not None and num_labels != len(id2label):
            raise ValueError(f"num_labels={num_labels} disagrees with id2label, which has {len(id2label)} labels")
        self.id2label = {int(k): v for k, v in id2label.items()}  # JSON keys are strings
        for key, value in values.items():
            setattr(self, key, value)

    def __getattr__(self, name: str) -> Any:  # only called for names not set on the instance
        alias = type(self).attribute_map.get(name)
        if alias is None:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return getattr(self, alias)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(type(self).attribute_map.get(name, name), value)

    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @property
    def label2id(self) -> dict[str, int]:
        return {v: k for k, v in self.id2label.items()}

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"{type(self).__name__} {json.dumps(self.to_dict(), indent=2, sort_keys=True)}"

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "id2label"}
        out["model_type"] = self.model_type
        out["id2label"] = {str(k): v for k, v in self.id2label.items()}
        out["label2id"] = self.label2id
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any], **overrides: Any) -> "PretrainedConfig":
        model_type = values.get("model_type")
        if model_type is not None and model_type != cls.model_type:
            warnings.warn(f"a {model_type!r} configuration is read as {cls.__name__} ({cls.model_type!r})")
        if "num_labels" in overrides and "id2label" not in overrides:  # a new head: the saved labels go
            values = {k: v for k, v in values.items() if k not in ("id2label", "label2id")}
        return cls(**{**values, **overrides})

    @classmethod
    def from_json_file(cls, path: str | os.PathLike, **overrides: Any) -> "PretrainedConfig":
        return cls.from_dict(read_json(path), **overrides)

    @classmethod
    def from_pretrained(cls, folder: str | os.PathLike, **overrides: Any) -> "PretrainedConfig":
        """The configuration in `folder`/config.json; keyword arguments replace its values."""
        return cls.from_json_file(os.path.join(folder, CONFIG_NAME), **overrides)

    def save_pretrained(self, folder: str | os.PathLike) -> None:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, CONFIG_NAME), "w") as f:
            json.dump(self.to_dict(), f, indent=2, sort_keys=True)
            f.write("\n")


def read_json(path: str | os.PathLike) -> Any:
    """A JSON file's content; a missing or unreadable file is an error that names it."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{os.fspath(path)!r} does not exist")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"{os.fspath(path)!r} is not valid JSON: {e}") from None


class BertConfig(PretrainedConfig):
    model_type = "bert"
    defaults = {"vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
                "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
                "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0, "use_cache": True,
                "classifier_dropout": None}


class GPT2Config(PretrainedConfig):
    model_type = "gpt2"
    attribute_map = {"hidden_size": "n_embd", "max_position_embeddings": "n_positions",
                     "num_attention_heads": "n_head", "num_hidden_layers": "n_layer"}
    defaults = {"vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12,
                "n_inner": None, "activation_function": "gelu_new", "resid_pdrop": 0.1, "embd_pdrop": 0.1,
                "attn_pdrop": 0.1, "layer_norm_epsilon": 1e-5, "initializer_range": 0.02,
                "summary_type": "cls_index", "summary_use_proj": True, "summary_activation": None,
                "summary_proj_to_labels": True, "summary_first_dropout": 0.1, "scale_attn_weights": True,
                "use_cache": True, "bos_token_id": 50256, "eos_token_id": 50256,
                "scale_attn_by_inverse_layer_idx": False, "reorder_and_upcast_attn": False}
